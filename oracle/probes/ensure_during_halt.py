"""Async cleanup during a halt. The kit's `ensure` runs its cleanup whole
under `nursery`: in trio that is a `finally` with a shielded cancel scope;
in asyncio a plain `finally`, since cancellation is delivered once."""

import asyncio

import trio

from common import TrioTask, asyncio_halt


async def trio_worker(run):
    try:
        await trio.sleep_forever()
    finally:
        with trio.CancelScope(shield=True):
            await trio.sleep(0.005)
            run.note("ensure cleanup done")


async def asyncio_worker(run):
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        await asyncio.sleep(0.005)
        run.note("ensure cleanup done")


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, trio_worker, run)
        await trio.sleep(0.010)
        await task.halt()
        run.note("halt returned")


async def asyncio_program(run):
    task = asyncio.create_task(asyncio_worker(run))
    await asyncio.sleep(0.010)
    await asyncio_halt(task)
    run.note("halt returned")
