"""Cancelled while sleeping: what `except` sees."""

import asyncio

import trio

from common import TrioTask, asyncio_halt, name_of


async def worker(run, sleep):
    try:
        await sleep(0.100)
    except BaseException as error:
        run.note(f"catch saw {name_of(error)}")
        raise
    finally:
        run.note("finally ran")


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, worker, run, trio.sleep)
        await trio.sleep(0.005)
        await task.halt()


async def asyncio_program(run):
    task = asyncio.create_task(worker(run, asyncio.sleep))
    await asyncio.sleep(0.005)
    await asyncio_halt(task)
