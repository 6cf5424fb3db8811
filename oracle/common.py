"""What the oracle's programs share: a run's record, and how to run a
program under trio or asyncio on a virtual clock.

A program is `async def program(run)`; it notes what happens with
`run.note(text)`, stamped with the virtual time in milliseconds, as the
kit's probes do, so that the two can be compared line by line.
"""

import asyncio
import gc
import selectors
import signal
import sys

import trio
import trio.lowlevel
import trio.testing
from trio._core import _run as trio_run_internals


def name_of(error: BaseException, space: str = " ") -> str:
    """`Cancelled`, `ExceptionGroup [Exception]`...: the probes' `nameOf`
    (the conformance scenarios' `nameOf` writes a group without the space)."""
    if isinstance(error, BaseExceptionGroup):
        members = ",".join(name_of(member, space) for member in error.exceptions)
        return f"{type(error).__name__}{space}[{members}]"
    return type(error).__name__


def describe(error: BaseException) -> str:
    """`Name: message`: the conformance scenarios' `describe`."""
    return f"{name_of(error, '')}: {error}"


def error_line(error: BaseException) -> str:
    """`Name: message`, a group listing its members: the kit's `errorLine`."""
    if isinstance(error, BaseExceptionGroup):
        return f"{type(error).__name__} [{', '.join(map(error_line, error.exceptions))}]"
    return f"{type(error).__name__}: {error}"


def milliseconds(seconds: float) -> int | float:
    """Virtual seconds as the kit's clock shows them: whole milliseconds when whole."""
    ms = round(seconds * 1000, 6)
    return int(ms) if ms == int(ms) else ms


class Run:
    """One run of a program: its notes, what it reported, and its clock."""

    def __init__(self, now, interrupt_at, block):
        self.notes: list[str] = []
        self.reported: list[str] = []
        self._now = now
        self.interrupt_at = interrupt_at
        """`interrupt_at(seconds)`: Ctrl-C at that virtual time."""
        self.block = block
        """`block(seconds)`: a blocking step; virtual time moves on at once."""

    def note(self, text: str) -> None:
        self.notes.append(f"{milliseconds(self._now())} {text}")

    def record(self, error: BaseException | None) -> dict:
        """The run as the kit's `ProbeRun` has it (the fields the matrix reads)."""
        return {
            "notes": self.notes,
            "outcome": "ok" if error is None else f"error {error_line(error)}",
            "failure": "none" if error is None else name_of(error),
            "endedAt": milliseconds(self._now()),
            "stderr": self.reported,
            # trio's run waits for every task, and asyncio.run cancels the
            # ones left: neither ends with a task unfinished.
            "orphans": 0,
        }


# ---- trio


@trio.lowlevel.enable_ki_protection
def _press_ctrl_c() -> None:
    # Raised inside KI-protected code, trio defers the KeyboardInterrupt and
    # delivers it to the main task, as for a Ctrl-C arriving while trio's own
    # scheduler runs (where a program that waits spends its time).
    signal.raise_signal(signal.SIGINT)


class Schedule:
    """Stands in for the `random.Random` of trio's scheduler, which flips a
    coin for each batch of woken tasks (reverse the batch or not: the only
    randomness in trio's run loop). A flip over a batch of fewer than two
    tasks changes nothing and is answered "keep"; the others are answered
    from `choices` (True: reverse), then "keep" once `choices` runs out.
    `taken` is what was answered, so that every schedule can be enumerated."""

    def __init__(self, choices: list[bool]):
        self.choices = choices
        self.taken: list[bool] = []

    def random(self) -> float:
        # Private, pinned by trio==0.34.0: the run loop's local `batch`.
        batch = sys._getframe(1).f_locals["batch"]
        if len(batch) < 2:
            return 0.75
        index = len(self.taken)
        reverse = self.choices[index] if index < len(self.choices) else False
        self.taken.append(reverse)
        return 0.25 if reverse else 0.75


def run_trio(program, choices: list[bool]) -> tuple[dict, list[bool]]:
    """Run `program` once under trio, its batches ordered by `choices`;
    answers the record and the choices taken."""
    schedule = Schedule(choices)
    trio_run_internals._r = schedule
    clock = trio.testing.MockClock(autojump_threshold=0)

    async def interrupter(seconds: float) -> None:
        await trio.sleep_until(seconds)
        _press_ctrl_c()

    def interrupt_at(seconds: float) -> None:
        trio.lowlevel.spawn_system_task(interrupter, seconds)

    run = Run(clock.current_time, interrupt_at, clock.jump)
    error = None
    try:
        trio.run(program, run, clock=clock)
    except BaseException as caught:  # noqa: BLE001 - every outcome is recorded
        error = caught
    return run.record(error), schedule.taken


def every_trio_schedule(program, limit: int = 4096):
    """The record of `program` under every order trio's scheduler can give
    its batches: depth first over the flips that matter."""
    pending: list[list[bool]] = [[]]
    while pending:
        if limit == 0:
            raise RuntimeError("more than 4096 schedules: too many batches of two tasks or more")
        limit -= 1
        choices = pending.pop()
        record, taken = run_trio(program, choices)
        yield record
        # Each flip answered "keep" past the given prefix opens a branch.
        for index in range(len(taken) - 1, len(choices) - 1, -1):
            if not taken[index]:
                pending.append(taken[:index] + [True])


# ---- asyncio


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on a virtual clock: when no callback is ready, the loop
    asks its selector to wait until the next timer, and the selector moves
    the clock there instead of sleeping (I/O is still polled, without
    waiting). It keeps what the loop would report on stderr."""

    def __init__(self):
        self.virtual_now = 0.0
        self.run: Run | None = None
        super().__init__(selector=_JumpingSelector(self))
        self.set_exception_handler(self._report)

    def time(self) -> float:
        return self.virtual_now

    def _report(self, loop, context: dict) -> None:
        error = context.get("exception")
        line = context["message"] + (f": {error_line(error)}" if error else "")
        self.run.reported.append(line)


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualTimeLoop):
        super().__init__()
        self.loop = loop

    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            self.loop.virtual_now += timeout
        return super().select(0 if timeout is not None else None)


def run_asyncio(program) -> dict:
    """Run `program` once under `asyncio.Runner` (what `asyncio.run` does)."""
    loop = VirtualTimeLoop()

    def interrupt_at(seconds: float) -> None:
        loop.call_at(seconds, signal.raise_signal, signal.SIGINT)

    def block(seconds: float) -> None:
        loop.virtual_now += seconds

    run = Run(loop.time, interrupt_at, block)
    loop.run = run
    error = None
    try:
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            runner.run(program(run))
    except BaseException as caught:  # noqa: BLE001 - every outcome is recorded
        error = caught
    # A task's unretrieved error is reported when the task is collected.
    gc.collect()
    return run.record(error)


# ---- verbs the two libraries spell differently


async def asyncio_halt(task: asyncio.Task) -> None:
    """`yield* task.halt()` in asyncio: cancel, then wait for the task to end
    (its CancelledError is the task's, not ours, unless we are cancelled too)."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise


class TrioTask:
    """A task of trio's that can be joined and halted: started in `nursery`
    inside a cancel scope of its own, keeping its outcome for a joiner (trio
    has no join; a nursery joins all its children at its end)."""

    def __init__(self, nursery: trio.Nursery, function, *args):
        self.scope = trio.CancelScope()
        self.done = trio.Event()
        self.error: BaseException | None = None
        self.value = None
        nursery.start_soon(self._body, function, args, name=function.__name__)

    async def _body(self, function, args) -> None:
        try:
            with self.scope:
                self.value = await function(*args)
        except BaseException as error:
            self.error = error
            raise
        finally:
            self.done.set()

    @property
    def state(self) -> str:
        if not self.done.is_set():
            return "running"
        if self.scope.cancelled_caught:
            return "halted"
        return "failed" if self.error else "completed"

    async def join(self):
        await self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value

    async def halt(self) -> None:
        self.scope.cancel()
        await self.done.wait()


def asyncio_state(task: asyncio.Task) -> str:
    """A task's state in the kit's words."""
    if not task.done():
        return "running"
    if task.cancelled():
        return "halted"
    return "failed" if task.exception() else "completed"
