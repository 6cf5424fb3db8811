"""The conformance scenarios of tests/conformance/cleanup.ts that claim
trio's behaviour, in trio. The kit's `ensure` is a `finally`."""

import trio

from common import TrioTask, describe


async def cleanup_error_after_failure(run):
    async def worker():
        try:
            await trio.sleep(0.005)
            raise Exception("body failed")
        finally:
            raise Exception("cleanup failed too")

    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, worker)
        try:
            await task.join()
        except BaseException as error:
            run.note(f"join: {describe(error)}")


async def children_cleaned_up_on_halt(run):
    async def child(name):
        try:
            await trio.sleep_forever()
        finally:
            run.note(f"{name} cleanup")

    async def worker():
        async with trio.open_nursery() as nursery:
            for name in ("a", "b"):
                nursery.start_soon(child, name)
            await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, worker)
        await trio.sleep(0.001)
        await task.halt()
        run.note("worker halted")


async def receive_cancelled_while_waiting(run):
    # The kit's queue is unbounded: a memory channel of infinite capacity.
    send, receive = trio.open_memory_channel(float("inf"))

    async def early_getter():
        run.note(f"early got {await receive.receive()} (should not happen)")

    async def late_getter():
        await trio.sleep(0.001)
        return await receive.receive()

    async with trio.open_nursery() as nursery:
        early = TrioTask(nursery, early_getter)
        late = TrioTask(nursery, late_getter)
        await trio.sleep(0.005)
        await early.halt()
        send.send_nowait("the value")
        run.note(f"late got {await late.join()}")


SCENARIOS = {
    "a queue get cancelled while waiting takes nothing; the next getter gets the value": (
        receive_cancelled_while_waiting
    ),
    "a cleanup error after the body failed": cleanup_error_after_failure,
    "a scope's children are all cleaned up when its task is halted": children_cleaned_up_on_halt,
}
