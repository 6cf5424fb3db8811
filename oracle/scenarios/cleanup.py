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


SCENARIOS = {
    "the body's error wins over a later cleanup error": cleanup_error_after_failure,
    "a scope's children are all cleaned up when its task is halted": children_cleaned_up_on_halt,
}
