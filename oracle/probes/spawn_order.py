"""Scheduling: who runs first after two spawns."""

import asyncio

import trio


async def child(run, name):
    run.note(f"child {name}")


async def trio_program(run):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(child, run, "a")
        nursery.start_soon(child, run, "b")
        run.note("parent")


async def asyncio_program(run):
    a = asyncio.create_task(child(run, "a"))
    b = asyncio.create_task(child(run, "b"))
    run.note("parent")
    await a
    await b
