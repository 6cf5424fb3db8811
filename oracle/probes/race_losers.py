"""`race`: the losers' cleanup. trio: a nursery cancelled by the first to
finish; asyncio: `asyncio.wait(..., return_when=FIRST_COMPLETED)`."""

import asyncio

import trio

from common import name_of


async def fast(sleep):
    await sleep(0.005)
    return "fast"


async def loser(run, sleep):
    try:
        await sleep(0.100)
        return "slow"
    except BaseException as error:
        run.note(f"loser's catch saw {name_of(error)}")
        raise
    finally:
        run.note("loser cleanup")


async def trio_program(run):
    winner = []

    async def contend(operation, *args):
        winner.append(await operation(*args))
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(contend, fast, trio.sleep)
        nursery.start_soon(contend, loser, run, trio.sleep)
    run.note(f"race returned {winner[0]}")


async def asyncio_program(run):
    tasks = [
        asyncio.create_task(fast(asyncio.sleep)),
        asyncio.create_task(loser(run, asyncio.sleep)),
    ]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    run.note(f"race returned {done.pop().result()}")
