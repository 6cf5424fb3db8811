"""The conformance scenarios of tests/conformance/timeouts.ts, in trio.
`timeout` is `fail_after`, `moveOnAfter` is `move_on_after` (its value
None where the kit's is undefined)."""

import trio

from common import describe, name_of


async def fail_after_passes(run):
    try:
        with trio.fail_after(0.010):
            await trio.sleep(0.100)
    except trio.TooSlowError as error:
        run.note(describe(error))


async def move_on_after_passes(run):
    answer = None
    with trio.move_on_after(0.010):
        await trio.sleep(0.100)
        answer = "slept"
    run.note(f"answer {answer}")


async def finishing_in_time(run):
    with trio.fail_after(0.100):
        await trio.sleep(0.010)
        value = "in time"
    run.note(value)


async def deadline_on_entry(run):
    guarded = trio.fail_after(0.010)
    await trio.sleep(0.050)
    try:
        with guarded:
            await trio.sleep(0.100)
    except trio.TooSlowError as error:
        run.note(describe(error))


async def zero_deadline(run):
    with trio.fail_after(0):
        return "instant"


async def inner_first(run):
    with trio.fail_after(0.100):
        try:
            with trio.fail_after(0.010):
                await trio.sleep_forever()
        except trio.TooSlowError as error:
            run.note(f"inner: {describe(error)}")
        value = "outer body finished"
    run.note(value)


async def outer_first(run):
    try:
        with trio.fail_after(0.010):
            try:
                with trio.fail_after(0.100):
                    await trio.sleep_forever()
            except trio.TooSlowError as error:
                run.note(f"inner: {describe(error)} (should not happen)")
    except trio.TooSlowError as error:
        run.note(f"outer: {describe(error)}")


async def same_instant(run):
    try:
        with trio.fail_after(0.050):
            await trio.sleep(0.040)
            try:
                with trio.move_on_after(0.010):
                    await trio.sleep_forever()
                run.note("inner moved on (should not happen)")
            except BaseException as error:
                run.note(f"inner saw {name_of(error, '')}")
                raise
    except trio.TooSlowError as error:
        run.note(f"outer: {describe(error)}")


async def swallowed(run):
    try:
        with trio.fail_after(0.010):
            try:
                await trio.sleep(0.100)
            except BaseException as error:
                run.note(f"body caught {name_of(error, '')}")
            value = "body swallowed it"
        run.note(f"answer: {value}")
    except trio.TooSlowError as error:
        run.note(describe(error))


async def sequential(run):
    for round in (1, 2, 3):
        answer = None
        with trio.move_on_after(0.010):
            await trio.sleep(0.100)
            answer = "slept"
        run.note(f"round {round}: {answer}")


SCENARIOS = {
    "fail_after: the deadline passes, TimeoutError": fail_after_passes,
    "move_on_after: the deadline passes, undefined": move_on_after_passes,
    "finishing in time answers the value, and the deadline leaves no trace": finishing_in_time,
    "a deadline is set on entry, not when the operation was made": deadline_on_entry,
    "a zero deadline around an operation that needs no time answers its value": zero_deadline,
    "nested deadlines: the inner expires first and is caught inside the outer": inner_first,
    "nested deadlines: the outer expires first and cancels the inner": outer_first,
    "nested deadlines expiring at the same instant: the outermost wins": same_instant,
    "an operation that swallows its cancellation under a deadline": swallowed,
    "sequential deadlines each start their own clock": sequential,
}
