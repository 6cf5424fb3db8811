/**
 * The promise loop, the mechanism of a runtime with no scheduler of its
 * own (`native`): each task's generator is driven by an `async` loop of its
 * own, and every suspension is an awaited promise, so tasks interleave in
 * promise microtask order.
 *
 * The model is not here: it is a module of its own, handed to the run as
 * a `DriverModel` (`native.ts` is one). It says what each instruction
 * means, where a cancellation lands and when, what a failure does, what a
 * deadline's expiry changes and what a deadlock cancels. Each hook but
 * `dispatch` runs once per lifecycle event of a frame, never once per step.
 * What a promise loop can do only one way is here: a cancellation is an
 * error pending in the frame, thrown into its generator once, where it
 * waits (once the model has ended the wait) or at its next suspension; a
 * child starts at once, up to its first wait, as an async function does;
 * and the run ends when its root settles, whatever still runs left where
 * it is.
 *
 * Here: the frame record (a task is a `Frame`; a scope, a combinator, a
 * deadline and an `ensure` cleanup run in `NestedFrame`s of the same task,
 * each with its own driver, awaited by the frame that entered it, so that a
 * cancellation can land in the innermost one), the step loop and the
 * driver loop, the end of a frame (body, cleanups, settling, joiners), and
 * the run's count of runnable drivers, which tells a virtual clock exactly,
 * and at once, that nothing can run.
 *
 * @module
 */

import { CLEANUP, DEADLINE, type NestedKind, nextCleanup } from "./frame.ts";
import { HALTING, outcomeMode, PackedTask, SETTLED, settledEvent, STARTED } from "./packed.ts";
import { otherRun, RunBase, type TraceExtra } from "./run.ts";
import { type CallbackTimer, Timers } from "./timers.ts";
import { deadlockName, type DeadlockWait, idleDeadlock } from "../errors.ts";
import { type AnyInstruction, asInstruction, type Deadline, taskName } from "../instructions.ts";
import { type JoinWaiter, NEXT, THROW, Wait } from "../waits.ts";
import type { Operation, OperationFn, RunOptions, Task, TraceEventType } from "../types.ts";

/** What a model of the promise loop answers (`native.ts` is one). */
export interface DriverModel {
  /** The runtime's name, for what it says on stderr. */
  readonly name: string;
  /**
   * What the instruction means: answer at once (`run.answer(...)`, which
   * returns `true`) or leave the frame waiting (`waitOn`, `suspendOn`) and
   * return the promise its driver awaits.
   */
  dispatch(frame: Frame, instruction: AnyInstruction): Dispatched;
  /** Cancel a task: `halt`, or the run's signal cancelling the root. */
  cancel(task: Frame): void;
  /**
   * The frame's body, or one of its cleanups, threw `error`: record how the
   * frame ends (failed, or halted by a cancellation), or report the error.
   */
  threw(frame: Frame, error: unknown): void;
  /** A `timeout`'s or `moveOnAfter`'s time has come, and its operation's body has not ended. */
  expired(frame: NestedFrame): void;
  /** A nested scope, combinator or deadline has settled: resume its owner. */
  nestedSettled(owner: Frame, nested: NestedFrame): void;
  /** A task (not the root) failed and nobody was waiting to join it. */
  failedUnjoined(task: Frame): void;
  /**
   * Nothing can run, no timer is armed and no call is in flight: whatever
   * waits waits for ever. `waiting` are the tasks but the root that wait on
   * a join, a queue or `suspend()`; `first` is true for the run's first
   * deadlock. Cancel some (so that their cleanup runs) and answer
   * true; false when nothing is left to cancel, and the run then ends at
   * once. The run rejects with the first deadlock found.
   */
  deadlocked(root: Frame, waiting: Set<Frame>, first: boolean): boolean;
}

// ---------------------------------------------------------------------------
// Waiting: `dispatch` either answers at once (it returns `true`, the answer
// is in `run.answerMode` and `run.answerValue`, and the step loop goes on
// without an await) or leaves the frame waiting and returns the promise its
// driver awaits.
// ---------------------------------------------------------------------------

/** What `dispatch` answers: `true` when answered at once, else the promise to await. */
export type Dispatched = Promise<void> | true;

// `new Promise(captureResume)` hands its resolve function over without a
// closure per suspension.
let capturedResume!: () => void;
function captureResume(resolve: () => void): void {
  capturedResume = resolve;
}

/** Leave the frame waiting on `waiting` (a `Wait` or a nested frame); answers the promise to await. */
export function waitOn(frame: Frame, waiting: unknown): Promise<void> {
  frame.waiting = waiting;
  return suspendOn(frame);
}

/** The promise the frame's driver awaits while the frame waits. */
export function suspendOn(frame: Frame): Promise<void> {
  const awaited = new Promise<void>(captureResume);
  frame.resumption = capturedResume;
  frame.flags |= AWAITING;
  return awaited;
}

/** End the frame's wait and resume its driver with `mode` and `value`. */
export function resume(frame: Frame, mode: number, value: unknown): void {
  frame.waiting = undefined;
  resumeDriver(frame, mode, value);
}

/**
 * Settle the promise the frame's driver awaits, unless a resumption has
 * settled it already, and leave it `mode` and `value` to go on with (a
 * later resumption, a cancellation, overrides an earlier one). The driver
 * counts as runnable until its turn ends.
 */
function resumeDriver(frame: Frame, mode: number, value: unknown): void {
  if ((frame.flags & AWAITING) !== 0) {
    const resolve = frame.resumption as () => void;
    frame.flags &= ~AWAITING;
    frame.run.runnable++;
    resolve();
  }
  frame.resumption = value;
  frame.setFlag(RESUME_BY_THROW, mode === THROW);
}

/** Stop waiting for whatever the frame waits on (it is being cancelled). */
export function undoWaiting(frame: Frame): void {
  const waiting = frame.waiting;
  frame.waiting = undefined;
  if (waiting instanceof Wait) waiting.cancel();
}

// ---------------------------------------------------------------------------
// Frames: a task, or a nested frame of one. A frame runs synchronously up to
// its first suspension; only then does it get an `async` driver.
// ---------------------------------------------------------------------------

// A frame is a `PackedTask` (`core/packed.ts`: its state and outcome, and
// the bits STARTED, HALTING, SETTLED and the model bits A and B, which the
// model may use); a nested frame's kind is one of `core/frame.ts`'s.

/** Its driver resumes by throwing its `resumption` into the generator. */
const RESUME_BY_THROW = 1;
/** Its driver awaits: its `resumption` is the function that resumes it. */
const AWAITING = 2;

/**
 * What only some frames need, made on first use: a frame that is never
 * cancelled, makes no call, registers no cleanup and is never waited for
 * pays one field for all of it.
 */
class FrameExtras {
  /** A cancellation not yet thrown into the generator (never `undefined`): its next suspension throws it. */
  cancelPending: unknown = undefined;
  /** Made on the first `call`; aborted and dropped by a cancellation. */
  controller: AbortController | undefined = undefined;
  cleanups: (() => Operation<void> | void)[] | undefined = undefined;
  joiners: JoinWaiter<Frame>[] | undefined = undefined;
}

export class Frame extends PackedTask {
  iterator: Iterator<unknown, unknown, unknown> | undefined = undefined;
  /** What the frame waits on: a `Wait`, or the nested frame it entered. */
  waiting: unknown = undefined;
  /**
   * While its driver awaits (`AWAITING`), the function that resumes it;
   * once resumed, what it goes on with: the answer, or the error to throw
   * (`RESUME_BY_THROW`). One field for both, since a frame has one or the
   * other, and tasks are many.
   */
  resumption: unknown = undefined;
  extras: FrameExtras | undefined = undefined;

  constructor(
    readonly run: DriverRun,
    readonly id: number,
    readonly name: string,
    /** The spawning task's id: an id, not a reference, so that an orphan does not keep its parent alive. */
    readonly parentId: number | undefined,
  ) {
    super();
  }

  /** The task this frame belongs to. */
  get task(): Frame {
    return this;
  }
  /** A wait's stamp (`waits.ts`): always 0, since a wait stays the frame's until it resumes. */
  get epoch(): number {
    return 0;
  }
  /** Whoever waits for it to settle (for `JoinWaiter`). */
  get joiners(): JoinWaiter<Frame>[] | undefined {
    return this.extras?.joiners;
  }
  get cancelPending(): unknown {
    return this.extras?.cancelPending;
  }
  /** The body has ended: its `ensure` cleanups are running. */
  get ending(): boolean {
    return this.outcome !== undefined && !this.settled;
  }
}

export function extrasOf(frame: Frame): FrameExtras {
  return frame.extras ??= new FrameExtras();
}

/** A scope, a combinator, a deadline or an `ensure` cleanup: a frame inside a task, awaited by its owner. */
export class NestedFrame extends Frame {
  /** The cancellation its scope handle, or its deadline's expiry, threw into the body (the model's). */
  cancelledWith: unknown = undefined;
  /** For a deadline: its instruction, and its timer until it fires or the frame settles. */
  deadline: Deadline<unknown> | undefined = undefined;
  timer: CallbackTimer | undefined = undefined;
  /** Kept, not looked up through the owners: scopes may nest thousands deep. */
  readonly #task: Frame;

  constructor(
    /** The frame that entered it and awaits it. */
    readonly owner: Frame,
    readonly kind: NestedKind,
    readonly shield: boolean,
  ) {
    const task = owner.task;
    super(owner.run, task.id, task.name, task.parentId);
    this.#task = task;
  }

  override get task(): Frame {
    return this.#task;
  }
}

/** The cancellation pending in the frame, which is thrown now: a later one may land again. */
function takeCancellation(frame: Frame): unknown {
  const extras = frame.extras!;
  const error = extras.cancelPending;
  extras.cancelPending = undefined;
  return error;
}

/**
 * Enter a nested frame: the owner waits for it, and it starts at once.
 * A cancellation pending in the owner goes on to it, unless it is shielded.
 */
export function enterNested(
  owner: Frame,
  kind: NestedKind,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
  deadline?: Deadline<unknown>,
): Promise<void> {
  const nested = new NestedFrame(owner, kind, shield);
  if (!shield && owner.cancelPending !== undefined) {
    extrasOf(nested).cancelPending = takeCancellation(owner);
  }
  const awaited = waitOn(owner, nested);
  // Armed first: an operation finishing at its very instant loses to it,
  // and of two deadlines expiring together the outer one fires first.
  if (deadline) armDeadline(nested, deadline);
  startFrame(nested, start);
  return awaited;
}

/** A deadline's timer: when it fires, a body still running has `expired`. */
function armDeadline(frame: NestedFrame, deadline: Deadline<unknown>): void {
  frame.deadline = deadline;
  if (frame.run.over) return; // time has stopped for the orphans still going
  frame.timer = frame.run.timers.after(deadline.ms, () => {
    if (frame.outcome === undefined) frame.run.model.expired(frame);
  });
}

/**
 * Make a task spawned by `parent`: it knows its parent by id only (an
 * orphan must not keep its parent alive), and starts at once.
 */
export function spawnTask(parent: Frame, fn: OperationFn<unknown>, name: string): Frame {
  const run = parent.run;
  const child = new Frame(run, run.nextId++, name, parent.task.id);
  run.running++;
  if (run.tracer) run.trace(child, "spawn");
  startFrame(child, fn);
  return child;
}

/** The task is being cancelled after it started: traced, its state reads "halting". */
export function markHalting(task: Frame): void {
  if (task.run.tracer) task.run.trace(task, "cancel");
  task.flags |= HALTING;
}

// ---------------------------------------------------------------------------
// Driving: the first step at once, then an `async` loop per frame.
// ---------------------------------------------------------------------------

/**
 * How many frames may start inside one another's first step before the next
 * one starts on a microtask instead: the host's stack is finite, and scopes
 * may nest thousands deep.
 */
const MOST_NESTED_STARTS = 500;

/**
 * Run a new frame at once, up to its first suspension, as calling an async
 * function does: a spawned child runs before its parent goes on.
 */
export function startFrame(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  const run = frame.run;
  if (run.nestedStarts >= MOST_NESTED_STARTS) return startLater(frame, start);
  run.nestedStarts++;
  try {
    runFirstStep(frame, start);
  } finally {
    run.nestedStarts--;
  }
}

/**
 * Start the frame on a microtask. A function of its own: had `startFrame`
 * made this closure, V8 would allocate a context for every start.
 */
function startLater(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  const run = frame.run;
  run.runnable++;
  queueMicrotask(() => {
    if (!frame.settled) startFrame(frame, start); // else halted before it could start
    run.runnable--;
    run.noteQuiet();
  });
}

function runFirstStep(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  frame.flags |= STARTED;
  if (frame.run.tracer && !(frame instanceof NestedFrame)) frame.run.trace(frame, "start");
  let awaited: Promise<void> | undefined;
  try {
    frame.iterator = start(frame)[Symbol.iterator]();
  } catch (error) {
    awaited = endBody(frame, THROW, error);
  }
  if (frame.iterator) awaited = step(frame, NEXT, undefined);
  if (awaited) void drive(frame, awaited);
}

/**
 * Drive a frame's generator until it waits or its body ends; answers the
 * promise to await before going on, or `undefined` once the frame settled.
 */
function step(frame: Frame, mode: number, value: unknown): Promise<void> | undefined {
  const run = frame.run;
  const model = run.model;
  for (;;) {
    const iterator = frame.iterator!;
    let result: IteratorResult<unknown, unknown>;
    try {
      if (mode === NEXT) result = iterator.next(value);
      else if (iterator.throw) result = iterator.throw(value);
      else throw value;
    } catch (error) {
      return endBody(frame, THROW, error);
    }
    if (result.done) return endBody(frame, NEXT, result.value);
    let instruction: AnyInstruction;
    let awaited: Dispatched;
    try {
      instruction = asInstruction(result.value);
      awaited = model.dispatch(frame, instruction);
    } catch (error) {
      mode = THROW;
      value = error;
      continue;
    }
    if (awaited === true) {
      mode = run.answerMode;
      value = run.takeAnswerValue();
      continue;
    }
    const awaiting = (frame.flags & AWAITING) !== 0;
    if (awaiting && frame.cancelPending !== undefined && !(frame.waiting instanceof NestedFrame)) {
      // Cancelled while it ran: the cancellation is thrown at this suspension
      // instead, and the promise to await is dropped. (A frame resumed
      // already, by a nested frame that ended at once, goes on with what
      // resumed it: the cancellation waits for its next suspension.) A call
      // made since has aborted its signal: the next one gets a fresh one.
      undoWaiting(frame);
      frame.flags &= ~AWAITING;
      frame.resumption = undefined;
      frame.extras!.controller = undefined;
      mode = THROW;
      value = takeCancellation(frame);
      continue;
    }
    if (run.tracer) run.trace(frame, "suspend", { reason: instruction.describe() });
    return awaited;
  }
}

/**
 * The frame's `async` driver loop: await what it waits on, then go on with
 * the answer, until it settles. It is made when the frame first suspends, so
 * a task that never waits costs no async function.
 */
async function drive(frame: Frame, awaited: Promise<void>): Promise<void> {
  const run = frame.run;
  for (;;) {
    await awaited;
    frame.waiting = undefined;
    const value = frame.resumption;
    frame.resumption = undefined;
    const mode = frame.hasFlag(RESUME_BY_THROW) ? THROW : NEXT;
    if (mode === THROW) {
      frame.flags &= ~RESUME_BY_THROW;
      // The cancellation is being thrown: a later one may land again.
      const extras = frame.extras;
      if (extras && value === extras.cancelPending) extras.cancelPending = undefined;
    }
    let next: Promise<void> | undefined;
    if (frame.ending) next = continueEnding(frame); // a cleanup has finished
    else {
      if (run.tracer) run.trace(frame, "wake");
      next = step(frame, mode, value);
    }
    // This driver's turn is over.
    run.runnable--;
    run.noteQuiet();
    if (next === undefined) return;
    awaited = next;
  }
}

// ---------------------------------------------------------------------------
// Ending: the body's end, then the cleanups newest first, then settling.
// ---------------------------------------------------------------------------

/** The body has ended: record how, then run the cleanups. */
export function endBody(frame: Frame, how: number, value: unknown): Promise<void> | undefined {
  frame.iterator = undefined;
  if (how === THROW) frame.run.model.threw(frame, value);
  else {
    frame.outcome = "completed";
    frame.result = value;
  }
  return continueEnding(frame);
}

/**
 * Run the cleanups, newest first, up to one that answers an operation: it
 * runs in a nested frame, whose promise the driver awaits before calling
 * back here. Settles the frame once none is left.
 */
function continueEnding(frame: Frame): Promise<void> | undefined {
  const operation = nextCleanup(frame.extras?.cleanups, frame, frame.run.model.threw);
  if (operation !== undefined) return enterNested(frame, CLEANUP, () => operation, true);
  settle(frame);
  return undefined;
}

/** The frame settles: its owner or its joiners resume; a root ends the run. */
function settle(frame: Frame): void {
  const run = frame.run;
  frame.flags |= SETTLED;
  run.blocked.delete(frame);
  if (frame instanceof NestedFrame) return nestedSettled(frame.owner, frame);
  run.running--;
  if (run.tracer) {
    const type = settledEvent(frame.outcome!);
    run.trace(frame, type, type === "throw" ? { error: frame.result } : undefined);
  }
  let joined = false;
  const joiners = frame.joiners;
  if (joiners) {
    frame.extras!.joiners = undefined;
    const mode = outcomeMode(frame);
    for (const waiter of joiners) {
      if (waiter.forHalt) run.wakeWith(waiter.frame, 0, NEXT, undefined);
      else {
        joined = true;
        run.wakeWith(waiter.frame, 0, mode, frame.result);
      }
    }
  }
  if (frame.parentId === undefined) run.finish(frame);
  else if (frame.outcome === "failed" && !joined) run.model.failedUnjoined(frame);
}

/**
 * A nested frame has settled: a cleanup's owner goes on ending (a cleanup
 * that did not complete is the owner's failure, as the model records it);
 * a deadline's timer is disarmed; the model resumes the owner of any other.
 */
function nestedSettled(owner: Frame, nested: NestedFrame): void {
  // A cancellation that reached the frame but was never thrown (its body
  // ended first) goes on to its owner, unless it was the frame's own.
  const pending = nested.cancelPending;
  if (pending !== undefined && pending !== nested.cancelledWith) {
    extrasOf(owner).cancelPending ??= pending;
  }
  if (nested.kind === CLEANUP) {
    if (nested.outcome !== "completed") owner.run.model.threw(owner, nested.result);
    return resume(owner, NEXT, undefined);
  }
  if (nested.kind === DEADLINE) nested.timer?.cancel();
  owner.run.model.nestedSettled(owner, nested);
}

// ---------------------------------------------------------------------------
// Run: the root, the answers `dispatch` leaves, the runnable count, and the
// end of the run.
// ---------------------------------------------------------------------------

export class DriverRun extends RunBase {
  protected readonly runtimeName: string;
  /** Its sleeps and deadlines. */
  readonly timers: Timers<Frame> = new Timers(this);
  /**
   * Frames that have waited on a join, a queue or `suspend()`, the waits no
   * timer or call ends: those a deadlock names. The model adds a frame as it
   * waits there; a frame leaves it when it settles, and one that has moved
   * on since is skipped.
   */
  readonly blocked = new Set<Frame>();
  /** Drivers resumed whose turn has not ended yet. */
  runnable = 0;
  /** Tasks not yet settled, the root included. */
  running = 1;
  /** Frames starting inside one another's first step, right now. */
  nestedStarts = 0;
  answerMode = NEXT;
  answerValue: unknown = undefined;
  #root: Frame | undefined = undefined;

  constructor(options: RunOptions, readonly model: DriverModel) {
    super(options);
    this.runtimeName = model.name;
  }

  start(fn: OperationFn<unknown>): void {
    const root = new Frame(this, this.nextId++, taskName(fn, fn.name || "main"), undefined);
    this.#root = root;
    if (this.tracer) this.trace(root, "spawn");
    if (this.listenForAbort(() => this.model.cancel(root))) return this.model.cancel(root);
    startFrame(root, fn);
    this.noteQuiet();
  }

  /**
   * Called whenever a turn ends. When no driver is runnable, nothing can run
   * until a timer fires or a call settles: a virtual clock then fires what
   * is due, and jumps to its next deadline unless a call is in flight. (Host
   * timers wake the real clock's sleepers by themselves.) With no timer to
   * fire and no call in flight, nothing ever will run again: a deadlock. A
   * timer may fire and resume nothing (a deadline whose operation has ended).
   * (A macrotask turn, through a MessageChannel, was tried first: in Deno a
   * message can arrive among the current microtasks, so a virtual clock
   * jumped at a different point from one run to the next, and its output was
   * not reproducible.)
   */
  noteQuiet(): void {
    while (this.runnable === 0 && !this.over) {
      if (this.clock.idle(this.inFlight === 0)) continue;
      if (this.inFlight === 0 && this.clock.kind === "virtual") this.#deadlocked();
      return;
    }
  }

  /**
   * Whatever still waits waits for ever: the model cancels what it will,
   * and the run goes on, to end with the first deadlock found. Once nothing
   * is left to cancel (a cleanup that waits for ever), the run ends at once.
   */
  #deadlocked(): void {
    const root = this.#root!;
    const waits: { id: number; wait: DeadlockWait }[] = [];
    const waiting = new Set<Frame>();
    for (const frame of this.blocked) {
      // A frame that has moved on since it waited there is skipped.
      const on = frame.waiting;
      if (frame.settled || !(on instanceof Wait)) continue;
      waits.push({
        id: frame.task.id,
        wait: { task: deadlockName(frame.task), on: on.describe() },
      });
      if (frame.task !== root) waiting.add(frame.task);
    }
    const stuck = idleDeadlock(
      this.clock.now(),
      waits.sort((a, b) => a.id - b.id).map(({ wait }) => wait),
    );
    const first = this.deadlock === undefined;
    this.deadlock ??= stuck;
    if (!this.model.deadlocked(root, waiting, first)) return this.abandon(stuck);
    this.noteQuiet();
  }

  /** Leave an answer for the step loop; always `true`, for `return run.answer(...)`. */
  answer(mode: number, value: unknown): true {
    this.answerMode = mode;
    this.answerValue = value;
    return true;
  }

  /** The answer's value, no longer kept alive here. */
  takeAnswerValue(): unknown {
    const value = this.answerValue;
    this.answerValue = undefined;
    return value;
  }

  frameOf(task: Task<unknown>): Frame {
    if (task instanceof Frame && task.run === this) return task;
    throw otherRun(task);
  }

  /** A sleep's end: the driver goes on (`Timers` asks no more of its run). */
  resume(frame: Frame): void {
    resumeDriver(frame, NEXT, undefined);
  }
  wake(): void {}

  /** A wait's wake-up: the driver goes on with `mode` and `value`; the wait stays the frame's till then. */
  wakeWith(frame: Frame, _epoch: number, mode: number, value: unknown): void {
    resumeDriver(frame, mode, value);
  }

  /**
   * The root has settled, so the run is over, as a program is when its main
   * function returns. Orphans still asleep never wake: their timers are
   * disarmed here, and their `finally` blocks and cleanups never run. An
   * orphan inside a call goes on when the call settles, up to its next
   * sleep, which never ends. No host timer outlives the run, and a virtual
   * clock stops.
   */
  finish(root: Frame): void {
    // Abandoned, with whatever they were about to do or report: say so.
    this.reportOrphans(this.running);
    this.end(root.outcome!, root.result, root.toString(), root.result);
  }

  /** Disarm the sleepers' timers: no host timer outlives the run. */
  protected override release(): void {
    this.timers.stop();
    this.blocked.clear();
  }

  trace(frame: Frame, type: TraceEventType, extra?: TraceExtra): void {
    const task = frame.task;
    this.traceTask(task, task.parentId, type, extra);
  }
}
