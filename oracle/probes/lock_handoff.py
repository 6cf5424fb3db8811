"""A task handed a lock, then halted before it could run again. In trio,
`Lock.release` makes the oldest waiter the owner as it wakes it, and a
cancellation that comes after that waits for the task's next checkpoint:
the task holds the lock, then meets the cancellation and releases it. In
asyncio the woken waiter is cancelled at its `await`, and the lock goes on
to the next waiter. The second task starts a millisecond after the first,
so that the order in which they wait is the same under every schedule."""

import asyncio

import trio

from common import TrioTask, asyncio_halt


async def holder(run, lock, name, sleep):
    async with lock:
        run.note(f"{name} holds the lock")
        await sleep(0.001)


async def trio_program(run):
    lock = trio.Lock()
    await lock.acquire()
    async with trio.open_nursery() as nursery:
        first = TrioTask(nursery, holder, run, lock, "first", trio.sleep)
        await trio.sleep(0.001)
        second = TrioTask(nursery, holder, run, lock, "second", trio.sleep)
        await trio.sleep(0.004)
        lock.release()
        await first.halt()
        await second.join()
    run.note(f"lock {'held' if lock.locked() else 'free'}")


async def asyncio_program(run):
    lock = asyncio.Lock()
    await lock.acquire()
    first = asyncio.create_task(holder(run, lock, "first", asyncio.sleep))
    await asyncio.sleep(0.001)
    second = asyncio.create_task(holder(run, lock, "second", asyncio.sleep))
    await asyncio.sleep(0.004)
    lock.release()
    await asyncio_halt(first)
    await second
    run.note(f"lock {'held' if lock.locked() else 'free'}")
