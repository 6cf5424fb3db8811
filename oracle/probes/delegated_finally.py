"""Async work in the `finally` of a delegated call during a halt (Effection's #1190)."""

import asyncio

import trio

from common import TrioTask, asyncio_halt, asyncio_state


def programs(sleep, sleep_forever):
    async def helper(run):
        try:
            await sleep_forever()
        finally:
            await sleep(0.005)
            run.note("helper cleanup done")

    async def caller(run):
        await helper(run)
        run.note("caller resumed after its yield*")

    return caller


async def trio_program(run):
    caller = programs(trio.sleep, trio.sleep_forever)
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, caller, run)
        await trio.sleep(0.010)
        await task.halt()
        run.note(f"halt returned, caller {task.state}")


async def asyncio_program(run):
    caller = programs(asyncio.sleep, lambda: asyncio.get_running_loop().create_future())
    task = asyncio.create_task(caller(run))
    await asyncio.sleep(0.010)
    await asyncio_halt(task)
    run.note(f"halt returned, caller {asyncio_state(task)}")
