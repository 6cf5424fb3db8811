"""The conformance scenarios of tests/conformance/scopes.ts that claim
trio's behaviour, in trio. A `scope` is a nursery; its handle the nursery
(`handle.cancel()` is `nursery.cancel_scope.cancel()`)."""

import trio

from common import TrioTask, describe, name_of


async def sleeper(run, ms, name="child"):
    try:
        await trio.sleep(ms / 1000)
        run.note(f"{name} finished")
    finally:
        run.note(f"{name} cleanup")


async def children_at_body_end(run):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper, run, 30)
        await trio.sleep(0.005)
    run.note("scope exited")
    await trio.sleep(0.050)


async def spawn_into_finished(run):
    async with trio.open_nursery() as nursery:
        saved = nursery
        await trio.sleep(0.001)

    async def late():
        run.note("late child ran")

    try:
        saved.start_soon(late)
    except BaseException as error:
        run.note(f"spawn refused: {name_of(error, '')}")


async def cancel_early(run):
    value = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper, run, 100)
        await trio.sleep(0.005)
        nursery.cancel_scope.cancel()
        await trio.sleep(0.001)
        run.note("body went on (should not happen)")
        value = "body value"
    run.note(f"scope answered {value}")
    await trio.sleep(0.200)


async def body_throws(run):
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sleeper, run, 100)
            await trio.sleep(0.005)
            raise Exception("body failed")
    except BaseException as error:
        run.note(f"scope threw {describe(error)}")
    await trio.sleep(0.200)


async def failing(name):
    await trio.sleep(0.005)
    raise Exception(f"{name} failed")


async def several_failing(run):
    try:
        async with trio.open_nursery() as nursery:
            for name in ("a", "b"):
                nursery.start_soon(failing, name)
            await trio.sleep(0.010)
    except BaseException as error:
        run.note(f"scope threw {name_of(error, '')}")
    await trio.sleep(0.001)


async def shielded_worker(run):
    try:
        await trio.sleep_forever()
    finally:
        with trio.CancelScope(shield=True):
            await trio.sleep(0.005)
            run.note("shielded cleanup slept")
            answer = None
            with trio.move_on_after(0.010):
                await trio.sleep(1)
                answer = "slept"
            run.note(f"bounded wait: {answer}")


async def shielded(run):
    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, shielded_worker, run)
        await trio.sleep(0.010)
        await task.halt()
        run.note("halt returned")


async def nested_three_deep(run):
    async def level(depth):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sleeper, run, 10 * depth, f"child {depth}")
            if depth < 3:
                await level(depth + 1)
            await trio.sleep(0.001)
        run.note(f"scope {depth} exited")

    await level(1)
    await trio.sleep(0.100)


async def every_later_checkpoint(run):
    async with trio.open_nursery() as nursery:
        nursery.cancel_scope.cancel()
        for checkpoint in (1, 2, 3):
            try:
                await trio.sleep(0.001)
                run.note(f"checkpoint {checkpoint} passed")
            except BaseException as error:
                run.note(f"checkpoint {checkpoint}: {name_of(error, '')}")
    run.note("left the scope")


async def catch_sees_cancelled(run):
    async def worker():
        try:
            await trio.sleep_forever()
        except BaseException as error:
            run.note(f"catch saw {name_of(error, '')}")
            raise

    async with trio.open_nursery() as nursery:
        task = TrioTask(nursery, worker)
        await trio.sleep(0.001)
        await task.halt()


SCENARIOS = {
    "children still running when a scope's body returns": children_at_body_end,
    "spawning into a scope that has finished": spawn_into_finished,
    "handle.cancel() ends the scope early; the scope answers undefined": cancel_early,
    "a scope body that throws": body_throws,
    "several failing children: grouped or first": several_failing,
    "a shielded scope keeps outside cancellation away, and its own deadline still works": shielded,
    "scopes nested three deep, each with a child": nested_three_deep,
    "a cancelled scope raises at every later checkpoint until it is left": every_later_checkpoint,
    "Cancelled is an error a catch sees, under nursery only": catch_sees_cancelled,
}
