"""A CPU-bound step (10 ms) beside a 1 ms sleep. The step is
`run.block(0.010)`: on the virtual clock, 10 ms pass while the task runs."""

import asyncio

import trio


async def sleeper(run, sleep):
    await sleep(0.001)
    run.note("sleeper woke")


async def cpu(run):
    run.block(0.010)


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper, run, trio.sleep)
        nursery.start_soon(cpu, run)


async def asyncio_program(run):
    sleeping = asyncio.create_task(sleeper(run, asyncio.sleep))
    await asyncio.create_task(cpu(run))
    await sleeping
