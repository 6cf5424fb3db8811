"""Nested timeouts expiring together."""

import asyncio

import trio

from common import name_of


async def trio_program(run):
    try:
        with trio.fail_after(0.010):
            try:
                with trio.fail_after(0.010):
                    await trio.sleep(0.020)
            except BaseException as error:
                run.note(f"inner caught {name_of(error)}")
                raise
    except BaseException as error:
        run.note(f"outer caught {name_of(error)}")


async def asyncio_program(run):
    try:
        async with asyncio.timeout(0.010):
            try:
                async with asyncio.timeout(0.010):
                    await asyncio.sleep(0.020)
            except BaseException as error:
                run.note(f"inner caught {name_of(error)}")
                raise
    except BaseException as error:
        run.note(f"outer caught {name_of(error)}")
