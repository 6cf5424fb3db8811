"""A task's body returns while a child still runs."""

import asyncio

import trio


async def sleeper(run, sleep):
    try:
        await sleep(0.010)
        run.note("child done")
    finally:
        run.note("child cleanup")


async def trio_program(run):
    # A task with children is a task with a nursery: the body's end is the
    # nursery block's end. Spawned and joined at once, it is simply awaited.
    async def parent():
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sleeper, run, trio.sleep)
            await trio.sleep(0.001)

    await parent()
    run.note("parent joined")
    await trio.sleep(0.020)


async def asyncio_program(run):
    async def parent():
        asyncio.create_task(sleeper(run, asyncio.sleep))
        await asyncio.sleep(0.001)

    await asyncio.create_task(parent())
    run.note("parent joined")
    await asyncio.sleep(0.020)
