"""A child throws, and nobody joins it."""

import asyncio

import trio

from common import name_of


async def child(sleep):
    await sleep(0.005)
    raise Exception("boom")


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(child, trio.sleep)
        try:
            await trio.sleep(0.010)
            run.note("parent slept on")
        except BaseException as error:
            run.note(f"parent's catch saw {name_of(error)}")
            raise


async def asyncio_program(run):
    asyncio.create_task(child(asyncio.sleep))
    try:
        await asyncio.sleep(0.010)
        run.note("parent slept on")
    except BaseException as error:
        run.note(f"parent's catch saw {name_of(error)}")
        raise
