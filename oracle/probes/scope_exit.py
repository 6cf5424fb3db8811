"""`scope(body)` on exit: a nursery, a TaskGroup."""

import asyncio

import trio

from probes.child_outlives_body import sleeper


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper, run, trio.sleep)
        await trio.sleep(0.001)
    run.note("scope returned")
    await trio.sleep(0.020)


async def asyncio_program(run):
    async with asyncio.TaskGroup() as group:
        group.create_task(sleeper(run, asyncio.sleep))
        await asyncio.sleep(0.001)
    run.note("scope returned")
    await asyncio.sleep(0.020)
