"""Ctrl-C while a halted task's async cleanup runs. The cleanup is the
kit's `ensure` (see ensure_during_halt.py); Ctrl-C comes at 8 ms."""

import asyncio

import trio

from common import TrioTask, asyncio_halt


async def trio_worker(run):
    try:
        await trio.sleep_forever()
    finally:
        with trio.CancelScope(shield=True):
            await trio.sleep(0.010)
            run.note("cleanup done")


async def asyncio_worker(run):
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        await asyncio.sleep(0.010)
        run.note("cleanup done")


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, trio_worker, run)
        await trio.sleep(0.005)
        run.interrupt_at(0.008)
        await task.halt()
        run.note("halt returned")
        await trio.sleep(0.100)


async def asyncio_program(run):
    task = asyncio.create_task(asyncio_worker(run))
    await asyncio.sleep(0.005)
    run.interrupt_at(0.008)
    await asyncio_halt(task)
    run.note("halt returned")
    await asyncio.sleep(0.100)
