"""Tasks still running when the run ends."""

import asyncio

import trio

from probes.child_outlives_body import sleeper


async def trio_program(run):
    # The run's root task can start a task only in a nursery, which it leaves last.
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper, run, trio.sleep)
        await trio.sleep(0.001)
        run.note("root returns")


async def asyncio_program(run):
    asyncio.create_task(sleeper(run, asyncio.sleep))
    await asyncio.sleep(0.001)
    run.note("root returns")
