"""The conformance scenarios of tests/conformance/tasks.ts that claim
trio's behaviour, in trio."""

import trio

from common import TrioTask, name_of


async def swallower(run):
    try:
        await trio.sleep(0.100)
    except BaseException as error:
        run.note(f"caught {name_of(error, '')}")
    try:
        await trio.sleep(0.001)
        run.note("slept again after catching")
    except BaseException as error:
        run.note(f"second sleep: {name_of(error, '')}")
    return "swallowed"


async def catches_its_cancellation(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, swallower, run)
        await trio.sleep(0.005)
        await task.halt()
        # The kit prints a task as `Task#<id> <name> (<state>)`; the id is
        # that of the first task spawned, the state is measured.
        run.note(f"Task#1 swallower ({task.state})")


SCENARIOS = {
    "a task that catches its cancellation and returns": catches_its_cancellation,
}
