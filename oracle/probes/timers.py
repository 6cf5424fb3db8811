"""Timers: three tasks sleeping at once. Counted: trio's pending deadlines,
asyncio's pending timer handles, whenever the loop is about to wait."""

import asyncio

import trio


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        for seconds in (0.010, 0.020, 0.030):
            nursery.start_soon(trio.sleep, seconds)


async def asyncio_program(run):
    tasks = [asyncio.create_task(asyncio.sleep(s)) for s in (0.010, 0.020, 0.030)]
    for task in tasks:
        await task
