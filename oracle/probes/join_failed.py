"""Joining a task that failed."""

import asyncio

import trio

from common import TrioTask, name_of
from probes.child_throws_unjoined import child


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, child, trio.sleep)
        try:
            await task.join()
        except BaseException as error:
            run.note(f"joiner caught {name_of(error)}")
        await trio.sleep(0.001)
        run.note("parent went on")


async def asyncio_program(run):
    task = asyncio.create_task(child(asyncio.sleep))
    try:
        await task
    except BaseException as error:
        run.note(f"joiner caught {name_of(error)}")
    await asyncio.sleep(0.001)
    run.note("parent went on")
