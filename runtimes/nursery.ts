/**
 * The `nursery` runtime: trio's (and curio's) model on a scheduler of its
 * own.
 *
 * - One FIFO run queue of resumptions, drained in a loop, as in `generator`.
 * - The core's timer heap (`core/timers.ts`), as in `generator`.
 * - Every task and every scope is a nursery with a cancel scope: a body that
 *   returns waits for its children; a failing child cancels its siblings,
 *   and the parent fails with an `AggregateError` of every error (even one).
 * - Cancellation is `Cancelled`, thrown at a checkpoint (any operation that
 *   waits). It is level-triggered: every later checkpoint in a cancelled
 *   scope throws it again, unless a shielded scope stands in between. So
 *   `catch` sees it and must rethrow it, and async cleanup needs a shield.
 * - `timeout` and `moveOnAfter` are cancel scopes with deadlines; when two
 *   expire together, the outermost catches the `Cancelled`.
 *
 * The sections below (instructions, tasks, scopes, timers, errors, run) come
 * in the same order in every adapter, so that any two diff side by side.
 *
 * @module
 */

import { combinatorBody, reportUndelivered } from "./combinators.ts";
import {
  Cancelled,
  type DeadlockError,
  deadlockName,
  type DeadlockWait,
  describeError,
  errorMessage,
  HaltedError,
  isInstance,
  joinDeadlock,
  reportError,
  TimeoutError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, TaskBase, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { SchedulerRun } from "./scheduler.ts";
import type { CallbackTimer } from "./core/timers.ts";
import { callFrom, JoinWaiter, NEXT, SUSPENDED, takeFrom, THROW, Wait } from "./waits.ts";
import type {
  Operation,
  OperationFn,
  RunOptions,
  Runtime,
  ScopeHandle,
  SpawnOptions,
  Task,
  TaskState,
  TraceEventType,
} from "./types.ts";

// How a frame is resumed from the run queue (NEXT and THROW come from waits.ts).
const START = 3; // first step
const CONTINUE_ENDING = 5; // a child or cleanup finished: go on ending

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here. Every
// instruction that waits is a checkpoint: in a cancelled scope it throws
// `Cancelled` instead of waiting. `dispatch` either answers at once or
// leaves the frame waiting and returns false.
// ---------------------------------------------------------------------------

function dispatch(frame: Frame, instruction: AnyInstruction): boolean {
  const run = frame.run;
  switch (instruction.kind) {
    case "sleep":
      if (checkpoint(frame)) return true;
      // Even sleep(0) goes through the timers, so that a task yielding in a
      // loop cannot keep due timers from firing.
      frame.waiting = run.timers.sleep(frame, frame.epoch, instruction.ms);
      return false;
    case "spawn":
      return run.answer(
        NEXT,
        spawnTask(frame, instruction.fn, taskName(instruction.fn, instruction.name)),
      );
    case "scope":
      return enterNested(frame, SCOPE, scopeBody(instruction.body), instruction.shield);
    case "all":
    case "race":
      return enterNested(frame, SCOPE, combinatorBody(instruction), false);
    case "deadline": {
      // Not a closure here (see `combinatorBody`): the deadline is the frame's own.
      const nested = enterNested(frame, DEADLINE, operationBody(instruction.operation), false);
      extrasOf(frame.waiting as Frame).deadline = instruction;
      return nested;
    }
    case "ensure":
      (extrasOf(frame).cleanups ??= []).push(instruction.fn);
      return run.answer(NEXT, undefined);
    case "call":
      if (checkpoint(frame)) return true;
      return callFrom(frame, instruction.fn);
    case "now":
      return run.answer(NEXT, run.clock.now());
    case "suspend":
      if (checkpoint(frame)) return true;
      frame.waiting = SUSPENDED;
      return false;
    case "take":
      if (checkpoint(frame)) return true;
      return takeFrom(frame, fifoOf(instruction.queue));
    case "join":
      if (checkpoint(frame)) return true;
      return join(frame, run.frameOf(instruction.task), false);
    case "halt": {
      // The target is cancelled whatever happens next; waiting for it is a
      // checkpoint (so a task that halts itself gets `Cancelled` right here).
      const target = run.frameOf(instruction.task);
      cancelScope(target);
      if (checkpoint(frame)) return true;
      // From inside a task whose body is over (its cleanup, or a child it
      // waits for), its end waits for this very frame: waiting for it
      // would wait for ever.
      if (target.ending && within(frame, target)) return run.answer(NEXT, undefined);
      return join(frame, target, true);
    }
    case "log":
      run.output(instruction.text);
      if (run.tracer) run.trace(frame, "log", { text: instruction.text });
      return run.answer(NEXT, undefined);
    case "block":
      run.clock.block(instruction.ms);
      return run.answer(NEXT, undefined);
  }
}

/** True when `frame` is `outer` or lives inside it: a nested frame of it, or a task spawned in it. */
function within(frame: Frame, outer: Frame): boolean {
  for (let at: Frame | undefined = frame; at; at = at.parent) {
    if (at === outer) return true;
  }
  return false;
}

/** In a cancelled scope, answer with `Cancelled` (and return true). */
function checkpoint(frame: Frame): boolean {
  const cancelled = frame.cancelledBy;
  if (cancelled === undefined) return false;
  return frame.run.answer(THROW, new Cancelled(describeScope(cancelled)));
}

function join(frame: Frame, target: Frame, forHalt: boolean): boolean {
  const run = frame.run;
  if (target.settled) {
    if (forHalt) return run.answer(NEXT, undefined);
    return run.answer(outcomeMode(target), outcomeValue(target));
  }
  if (!forHalt) {
    const deadlock = joinsOwnEnd(frame.task, target);
    if (deadlock) throw deadlock;
  }
  const waiter = new JoinWaiter(frame, frame.epoch, target, forHalt);
  (extrasOf(target).joiners ??= []).push(waiter);
  frame.waiting = waiter;
  return false;
}

/**
 * A join that waits for its own end, thrown where it was written: on the
 * joining task itself, or on an ancestor, which waits for its children
 * (this one among them), so that only a cancellation could ever end the
 * wait. An ancestor's id is smaller than its descendants': the walk up
 * stops below the target's (and a join of a younger task, a child's, walks
 * nothing).
 */
function joinsOwnEnd(task: Frame, target: Frame): DeadlockError | undefined {
  if (target === task) return joinDeadlock(task, target);
  for (let at = task.parent; at !== undefined && at.task.id >= target.id; at = at.parent) {
    if (at.task === target) {
      return joinDeadlock(task, target, "under nursery a task waits for its children");
    }
  }
  return undefined;
}

/** What a waiting frame waits on, as a trace names it; `undefined` for a frame inside it. */
function describeWait(frame: Frame): string | undefined {
  const waiting = frame.waiting;
  if (waiting instanceof Wait) return waiting.describe();
  if (waiting === undefined && frame.ending && frame.liveChildren > 0) {
    return `children (${frame.liveChildren} running)`;
  }
  return undefined;
}

/** Stop waiting for whatever the frame waits on (it is being cancelled). */
function undoWaiting(frame: Frame): void {
  const waiting = frame.waiting;
  frame.waiting = undefined;
  frame.epoch++;
  if (waiting instanceof Wait) waiting.cancel();
}

// ---------------------------------------------------------------------------
// Tasks: a frame is one driven generator with its own cancel scope. A task
// is a frame of kind TASK; a scope, a combinator, a deadline and an `ensure`
// cleanup run in nested frames of the same task.
// ---------------------------------------------------------------------------

const TASK = 0;
const SCOPE = 1;
const CLEANUP = 2;
const DEADLINE = 3;

type Outcome = "completed" | "failed" | "halted";

// A frame's kind, booleans and outcome, packed into one small integer: a
// field each would cost 8 bytes per task, and tasks are many. Its state is
// derived from them.
const KIND_MASK = 3; // the low two bits: TASK, SCOPE, CLEANUP or DEADLINE
const CANCELLED = 4; // this frame's own cancel scope has been cancelled
const ENDING = 8; // the body has finished: wait for children, run cleanups, settle
const SETTLED = 16;
const ENDED_CANCELLED = 32; // the body ended by letting a `Cancelled` out
const CHILD_FAILED = 64;
const EXPIRED = 128; // a DEADLINE frame whose deadline passed
const SHIELD = 256;
const STARTED = 512;
const HALTING = 1024; // a task whose scope was cancelled while it ran
const OUTCOME_SHIFT = 11; // two bits: 0 none, then the index in `outcomes`
const outcomes = [undefined, "completed", "failed", "halted"] as const;

/**
 * What only some frames need, made on first use (`extrasOf`): a frame that
 * spawns no child, registers no cleanup, is never waited for and does not
 * fail pays one field for all of it.
 */
class FrameExtras {
  /**
   * Its children, oldest first, linked through `youngerSibling` (no array
   * to grow and copy as a parent spawns thousands). A settled child stays
   * linked until the next sweep (`childSettled`).
   */
  oldestChild: Frame | undefined = undefined;
  youngestChild: Frame | undefined = undefined;
  linkedChildren = 0;
  liveChildren = 0;
  cleanups: (() => Operation<void> | void)[] | undefined = undefined;
  joiners: JoinWaiter<Frame>[] | undefined = undefined;
  /** The errors the frame will fail with: its body's, then its children's. */
  errors: unknown[] | undefined = undefined;
  /** For a DEADLINE frame: its `timeout`/`moveOnAfter`, and its armed timer. */
  deadline: { ms: number; fail: boolean } | undefined = undefined;
  deadlineTimer: CallbackTimer | undefined = undefined;
  /** How many errors the frame had when its deadline expired. */
  errorsAtExpiry = 0;
}

class Frame extends TaskBase<unknown> {
  flags: number;
  /** Bumped whenever the frame leaves a wait: older wake-ups are stale. */
  epoch = 0;
  result: unknown = undefined;
  /** Until the frame starts, what starts it; then its generator. */
  body: ((frame: Frame) => Operation<unknown>) | Iterator<unknown, unknown, unknown> | undefined;
  waiting: unknown = undefined;
  extras: FrameExtras | undefined = undefined;
  /** The next younger child of the same parent (see `FrameExtras.oldestChild`). */
  youngerSibling: Frame | undefined = undefined;
  /**
   * The innermost cancelled scope around the frame, itself included, up to
   * the first shield: what every checkpoint asks. Kept up to date (from the
   * parent's when the frame is made, then by `deliverCancel`) rather than
   * found by walking up the parents each time, since tasks and scopes nest
   * 100,000 deep.
   */
  cancelledBy: Frame | undefined;

  constructor(
    readonly run: Run,
    kind: number,
    /** Where it lives: the frame it was spawned into, or entered from. */
    readonly parent: Frame | undefined,
    start: (frame: Frame) => Operation<unknown>,
    readonly id: number,
    readonly name: string,
    shield: boolean,
  ) {
    super();
    this.body = start;
    this.flags = shield ? kind | SHIELD : kind;
    this.cancelledBy = shield ? undefined : parent?.cancelledBy;
  }

  /** The task this frame belongs to: itself, for a task. */
  get task(): Frame {
    return this;
  }
  get kind(): number {
    return this.flags & KIND_MASK;
  }
  get shield(): boolean {
    return (this.flags & SHIELD) !== 0;
  }
  get cancelled(): boolean {
    return (this.flags & CANCELLED) !== 0;
  }
  set cancelled(on: boolean) {
    this.#set(CANCELLED, on);
  }
  get ending(): boolean {
    return (this.flags & ENDING) !== 0;
  }
  set ending(on: boolean) {
    this.#set(ENDING, on);
  }
  get settled(): boolean {
    return (this.flags & SETTLED) !== 0;
  }
  set settled(on: boolean) {
    this.#set(SETTLED, on);
  }
  get endedCancelled(): boolean {
    return (this.flags & ENDED_CANCELLED) !== 0;
  }
  set endedCancelled(on: boolean) {
    this.#set(ENDED_CANCELLED, on);
  }
  get childFailed(): boolean {
    return (this.flags & CHILD_FAILED) !== 0;
  }
  set childFailed(on: boolean) {
    this.#set(CHILD_FAILED, on);
  }
  get expired(): boolean {
    return (this.flags & EXPIRED) !== 0;
  }
  set expired(on: boolean) {
    this.#set(EXPIRED, on);
  }
  get started(): boolean {
    return (this.flags & STARTED) !== 0;
  }
  get halting(): boolean {
    return (this.flags & HALTING) !== 0;
  }
  set halting(on: boolean) {
    this.#set(HALTING, on);
  }
  get outcome(): Outcome | undefined {
    return outcomes[this.flags >> OUTCOME_SHIFT];
  }
  set outcome(outcome: Outcome) {
    this.flags = (this.flags & ((1 << OUTCOME_SHIFT) - 1)) |
      (outcomes.indexOf(outcome) << OUTCOME_SHIFT);
  }
  get state(): TaskState {
    if (this.settled) return this.outcome!;
    return !this.started ? "pending" : this.halting ? "halting" : "running";
  }
  get iterator(): Iterator<unknown, unknown, unknown> {
    return this.body as Iterator<unknown, unknown, unknown>;
  }
  /** Whoever waits for this frame to settle (for `JoinWaiter`). */
  get joiners(): JoinWaiter<Frame>[] | undefined {
    return this.extras?.joiners;
  }
  get errors(): unknown[] | undefined {
    return this.extras?.errors;
  }
  get liveChildren(): number {
    return this.extras?.liveChildren ?? 0;
  }

  #set(flag: number, on: boolean): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }
}

/** A scope, a combinator, a deadline or an `ensure` cleanup: a frame inside a task. */
class NestedFrame extends Frame {
  /** Kept, not looked up through the owners: scopes may nest thousands deep. */
  readonly #task: Frame;

  constructor(
    owner: Frame,
    kind: typeof SCOPE | typeof CLEANUP | typeof DEADLINE,
    start: (frame: Frame) => Operation<unknown>,
    shield: boolean,
  ) {
    const task = owner.task;
    super(owner.run, kind, owner, start, task.id, task.name, shield);
    this.#task = task;
  }

  override get task(): Frame {
    return this.#task;
  }
}

function extrasOf(frame: Frame): FrameExtras {
  return frame.extras ??= new FrameExtras();
}

/** Add to the errors the frame will fail with. */
function addError(frame: Frame, error: unknown): void {
  (extrasOf(frame).errors ??= []).push(error);
}

function spawnTask(parent: Frame, fn: OperationFn<unknown>, name: string): Frame {
  const run = parent.run;
  const child = new Frame(run, TASK, parent, fn, run.nextId++, name, false);
  const extras = extrasOf(parent);
  if (extras.youngestChild) extras.youngestChild.youngerSibling = child;
  else extras.oldestChild = child;
  extras.youngestChild = child;
  extras.linkedChildren++;
  extras.liveChildren++;
  if (run.tracer) run.trace(child, "spawn");
  run.enqueue(child, 0, START, undefined);
  return child;
}

function startFrame(frame: Frame): void {
  frame.flags |= STARTED;
  if (frame.run.tracer && frame.kind === TASK) frame.run.trace(frame, "start");
  if (frame.kind === DEADLINE) armDeadline(frame);
  const start = frame.body as (frame: Frame) => Operation<unknown>;
  frame.body = undefined;
  try {
    frame.body = start(frame)[Symbol.iterator]();
  } catch (error) {
    endBody(frame, THROW, error);
    return;
  }
  step(frame, NEXT, undefined);
}

/** Drive a frame's generator until it waits or ends. */
function step(frame: Frame, mode: number, value: unknown): void {
  const run = frame.run;
  const outer = run.current;
  run.current = frame;
  try {
    for (;;) {
      const iterator = frame.iterator;
      let result: IteratorResult<unknown, unknown>;
      try {
        if (mode === NEXT) result = iterator.next(value);
        else {
          if (!iterator.throw) throw value;
          result = iterator.throw(value);
        }
      } catch (error) {
        endBody(frame, THROW, error);
        return;
      }
      if (result.done) {
        endBody(frame, NEXT, result.value);
        return;
      }
      // A refused instruction (a task of another run, a bad argument) is
      // thrown where the operation was used, as any error there would be.
      let instruction: AnyInstruction;
      let answered: boolean;
      try {
        instruction = asInstruction(result.value);
        answered = dispatch(frame, instruction);
      } catch (error) {
        mode = THROW;
        value = error;
        continue;
      }
      if (answered) {
        mode = run.answerMode;
        value = run.answerValue;
        run.answerValue = undefined;
        continue;
      }
      if (run.tracer) run.trace(frame, "suspend", { reason: instruction.describe() });
      return;
    }
  } finally {
    run.current = outer;
  }
}

// ---------------------------------------------------------------------------
// Scopes: cancel scopes, nested frames and the end of a frame's life. When
// a body ends, however it ends: the frame waits for all its children; then
// its `ensure` cleanups run newest first, shielded; then it settles.
// ---------------------------------------------------------------------------

function operationBody(operation: Operation<unknown>): () => Operation<unknown> {
  return () => operation;
}

function scopeBody(
  body: (handle: ScopeHandle) => Operation<unknown>,
): (frame: Frame) => Operation<unknown> {
  return (frame) => body(new NurseryScopeHandle(frame));
}

class NurseryScopeHandle implements ScopeHandle {
  constructor(readonly frame: Frame) {}

  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    const frame = this.frame;
    if (frame.settled) {
      throw new Error(
        `cannot spawn ${
          taskName(fn, options?.name)
        }: its nursery has closed (the scope and all its children finished); spawn while the scope is open`,
      );
    }
    const child = spawnTask(frame, fn, taskName(fn, options?.name));
    frame.run.wake();
    return child as Task<T>;
  }

  cancel(): void {
    cancelScope(this.frame);
    this.frame.run.wake();
  }
}

function enterNested(
  owner: Frame,
  kind: typeof SCOPE | typeof DEADLINE,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
): boolean {
  const run = owner.run;
  const nested = new NestedFrame(owner, kind, start, shield);
  owner.waiting = nested;
  run.enqueue(nested, 0, START, undefined);
  return false;
}

function describeScope(frame: Frame): string {
  const task = `Task#${frame.task.id} ${frame.task.name}`;
  if (frame.kind === TASK) return task;
  return `${frame.kind === DEADLINE ? "the deadline" : "a scope"} in ${task}`;
}

/** Cancel a frame's scope: every checkpoint inside it now throws `Cancelled`. */
function cancelScope(frame: Frame): void {
  if (frame.settled || frame.cancelled) return;
  frame.cancelled = true;
  const run = frame.run;
  if (run.tracer && frame.kind === TASK) run.trace(frame, "cancel");
  if (frame.started && frame.kind === TASK) frame.halting = true;
  deliverCancel(frame, new Cancelled(describeScope(frame)));
}

/**
 * Wake every checkpoint waiting inside the cancelled `frame`, down to
 * shielded scopes, and set each frame's `cancelledBy` on the way. Depth
 * first: a frame, then the scope it waits in, then its children oldest
 * first, so a parent is always set before its children. The path down is
 * kept in arrays, not on the call stack, which 10,000 nested frames
 * overflow.
 */
function deliverCancel(frame: Frame, cancelled: Cancelled): void {
  const path: Frame[] = []; // the frames whose children are being visited
  const lastVisited: (Frame | undefined)[] = []; // the child of each visited last
  let at: Frame | undefined = frame;
  for (;;) {
    if (at !== undefined) {
      // As the walk up the parents would answer: `frame` is cancelled, and
      // no frame reached is shielded (`frame` itself aside).
      at.cancelledBy = at.cancelled ? at : at.parent!.cancelledBy;
      path.push(at);
      lastVisited.push(undefined);
      const waiting: unknown = at.waiting;
      if (waiting instanceof Frame) {
        at = waiting.shield ? undefined : waiting;
        continue;
      }
      if (waiting !== undefined) {
        undoWaiting(at);
        at.run.enqueue(at, at.epoch, THROW, cancelled);
      }
      at = undefined;
    }
    const top = path.length - 1;
    if (top < 0) return;
    const previous = lastVisited[top];
    let child = previous === undefined ? path[top].extras?.oldestChild : previous.youngerSibling;
    while (child !== undefined && child.settled) child = child.youngerSibling;
    if (child === undefined) {
      path.pop();
      lastVisited.pop();
    } else {
      lastVisited[top] = child;
      at = child;
    }
  }
}

function endBody(frame: Frame, how: number, value: unknown): void {
  frame.ending = true;
  frame.body = undefined;
  frame.waiting = undefined;
  if (how === THROW) {
    if (isInstance(value, Cancelled) && frame.cancelledBy !== undefined) {
      frame.endedCancelled = true;
    } else {
      // An error in a nursery's body cancels the nursery, as in trio.
      addError(frame, value);
      cancelScope(frame);
    }
  } else {
    frame.result = value;
  }
  const run = frame.run;
  if (run.tracer && frame.kind === TASK && frame.liveChildren > 0) {
    run.trace(frame, "suspend", { reason: `children (${frame.liveChildren} running)` });
  }
  continueEnding(frame);
}

function continueEnding(frame: Frame): void {
  if (frame.liveChildren > 0) return; // goes on when the last child settles
  const cleanups = frame.extras?.cleanups;
  while (cleanups && cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    let operation: Operation<void> | void;
    try {
      operation = cleanup();
    } catch (error) {
      addError(frame, error);
      continue;
    }
    if (operation) {
      const nested = new NestedFrame(frame, CLEANUP, () => operation, true);
      frame.waiting = nested; // goes on when the cleanup settles
      frame.run.enqueue(nested, 0, START, undefined);
      return;
    }
  }
  settle(frame);
}

function settle(frame: Frame): void {
  const run = frame.run;
  decideOutcome(frame);
  frame.settled = true;
  frame.ending = false;
  frame.extras?.deadlineTimer?.cancel();
  if (run.tracer && frame.kind === TASK) {
    const type: TraceEventType = frame.outcome === "completed"
      ? "return"
      : frame.outcome === "failed"
      ? "throw"
      : "halt";
    run.trace(frame, type, type === "throw" ? { error: frame.result } : undefined);
  }
  const joiners = frame.joiners;
  if (joiners) {
    frame.extras!.joiners = undefined;
    const mode = outcomeMode(frame);
    const value = outcomeValue(frame);
    for (const waiter of joiners) {
      if (waiter.forHalt) run.resume(waiter.frame, waiter.epoch, NEXT, undefined);
      else run.resume(waiter.frame, waiter.epoch, mode, value);
    }
  }
  const parent = frame.parent;
  if (parent === undefined) {
    run.finish(frame);
  } else if (frame.kind === TASK) {
    childSettled(parent, frame);
  } else if (frame.kind === CLEANUP) {
    if (frame.outcome === "failed") addError(parent, frame.result);
    parent.waiting = undefined;
    run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  } else {
    nestedSettled(parent, frame);
  }
}

/**
 * How a frame ended: failed with its errors; or cancelled, which this
 * frame's scope catches only when it was cancelled itself and no scope
 * around it was (so when two deadlines expire together, the outermost wins);
 * or completed. An expired deadline whose errors all came from the
 * cancellation its expiry caused ends expired, the errors reported.
 */
function decideOutcome(frame: Frame): void {
  if (frame.errors && frame.errors.length > 1) {
    // The same error can come by two paths: a parent that joins a failing
    // child and lets its error out has it from its body and from the child.
    // It is one error, listed once (compared as `Set` does, so any value).
    frame.extras!.errors = [...new Set(frame.errors)];
  }
  if (frame.errors && frame.expired && expiryWins(frame)) {
    // As with every runtime's combinators: errors raised only by the
    // cancellation the expiry caused do not replace it; they are reported.
    const deadline = frame.extras!.deadline!;
    for (const error of frame.errors) {
      reportUndelivered(deadline.fail ? "timeout" : "moveOnAfter", "its operation", error);
    }
    frame.extras!.errors = undefined;
    frame.endedCancelled = true;
  }
  if (frame.errors) {
    frame.outcome = "failed";
    frame.result = frame.childFailed
      ? new AggregateError(frame.errors, `${describeFailures(frame)}`)
      : firstError(frame);
  } else if (frame.endedCancelled) {
    const outer = frame.parent?.cancelledBy;
    const caught = frame.kind === TASK || (frame.cancelled && outer === undefined);
    frame.outcome = caught ? "halted" : "failed";
    if (!caught) frame.result = new Cancelled(describeScope(outer!));
  } else {
    frame.outcome = "completed";
  }
}

/** An expired deadline frame's errors all came after the expiry, and no scope around it was cancelled. */
function expiryWins(frame: Frame): boolean {
  return frame.kind === DEADLINE && frame.extras!.errorsAtExpiry === 0 &&
    frame.parent?.cancelledBy === undefined;
}

function nestedSettled(owner: Frame, nested: Frame): void {
  const run = owner.run;
  owner.waiting = undefined;
  if (nested.outcome !== "halted") {
    run.enqueue(owner, owner.epoch, outcomeMode(nested), nested.result);
  } else if (nested.kind === DEADLINE && nested.expired && nested.extras!.deadline!.fail) {
    run.enqueue(owner, owner.epoch, THROW, new TimeoutError(nested.extras!.deadline!.ms));
  } else {
    run.enqueue(owner, owner.epoch, NEXT, undefined);
  }
}

function childSettled(parent: Frame, child: Frame): void {
  const extras = parent.extras!;
  extras.liveChildren--;
  if (extras.linkedChildren > 32 && extras.liveChildren * 2 < extras.linkedChildren) {
    sweepSettledChildren(extras);
  }
  if (child.outcome === "failed") childFailed(parent, child.result);
  // An ending frame waits for its last child, unless a cleanup of its own runs.
  if (parent.ending && parent.liveChildren === 0 && parent.waiting === undefined) {
    parent.run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  }
}

/**
 * Unlink every settled child, so that a long-lived parent spawning many
 * short tasks does not keep them alive. An unlinked child forgets its
 * younger sibling, so that a task kept by user code keeps no others alive.
 */
function sweepSettledChildren(extras: FrameExtras): void {
  let older: Frame | undefined = undefined;
  let child = extras.oldestChild;
  while (child) {
    const younger: Frame | undefined = child.youngerSibling;
    if (child.settled) {
      if (older) older.youngerSibling = younger;
      else extras.oldestChild = younger;
      child.youngerSibling = undefined;
      extras.linkedChildren--;
    } else older = child;
    child = younger;
  }
  extras.youngestChild = older;
}

function outcomeMode(frame: Frame): number {
  return frame.outcome === "completed" ? NEXT : THROW;
}

function outcomeValue(frame: Frame): unknown {
  return frame.outcome === "halted" ? new HaltedError(frame.toString()) : frame.result;
}

// ---------------------------------------------------------------------------
// Timers: a sleep is an entry in the core's timer heap (`core/timers.ts`),
// as in `generator`; a deadline is one too, whose expiry cancels its scope.
// ---------------------------------------------------------------------------

function armDeadline(frame: Frame): void {
  const run = frame.run;
  const extras = frame.extras!;
  extras.deadlineTimer = run.timers.after(extras.deadline!.ms, () => {
    extras.deadlineTimer = undefined;
    extras.errorsAtExpiry = extras.errors?.length ?? 0;
    frame.expired = true;
    cancelScope(frame);
  });
}

// ---------------------------------------------------------------------------
// Errors: a failing child cancels its parent's scope (so its siblings and
// the parent's own body get `Cancelled`); the parent fails with an
// `AggregateError` of every error, once all its children have finished.
// ---------------------------------------------------------------------------

function childFailed(parent: Frame, error: unknown): void {
  addError(parent, error);
  parent.childFailed = true;
  cancelScope(parent);
}

/** A frame's first error, its outcome; later ones (from cleanups, say) are reported, not dropped. */
function firstError(frame: Frame): unknown {
  const [first, ...later] = frame.errors!;
  for (const error of later) {
    if (error === first) continue;
    reportError(
      `nursery: ${describeScope(frame)} had already failed with ${
        describeError(first)
      }; this later error is not its outcome:`,
      error,
    );
  }
  return first;
}

function describeFailures(frame: Frame): string {
  const errors = frame.errors!;
  const first = errorMessage(errors[0]);
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return `${count} in ${describeScope(frame)}: ${first}`;
}

// ---------------------------------------------------------------------------
// Run: the run queue, the drain loop, and the runtime object.
// ---------------------------------------------------------------------------

class Run extends SchedulerRun<Frame> {
  protected readonly runtimeName = "nursery";

  start(fn: OperationFn<unknown>): void {
    const name = taskName(fn, fn.name || "main");
    const root = new Frame(this, TASK, undefined, fn, this.nextId++, name, false);
    this.begin(root, START, cancelScope);
  }

  protected owns(task: Task<unknown>): task is Frame {
    return task instanceof Frame && task.run === this;
  }

  /** Down from the root: each frame's wait, through nested frames and children. */
  protected waitsOf(root: Frame): DeadlockWait[] {
    const waits: { id: number; wait: DeadlockWait }[] = [];
    const frames = [root];
    while (frames.length > 0) {
      const frame = frames.pop()!;
      if (frame.settled) continue;
      const on = describeWait(frame);
      if (on !== undefined) {
        waits.push({ id: frame.task.id, wait: { task: deadlockName(frame.task), on } });
      }
      if (frame.waiting instanceof Frame) frames.push(frame.waiting);
      for (let child = frame.extras?.oldestChild; child; child = child.youngerSibling) {
        frames.push(child);
      }
    }
    return waits.sort((a, b) => a.id - b.id).map(({ wait }) => wait);
  }

  /**
   * Reschedule a waiting frame. From here on its wait is over: a
   * cancellation arriving before it runs waits for its next checkpoint, as
   * in trio, so the value it was woken with is never lost.
   */
  override resume(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (frame.epoch === epoch) frame.waiting = undefined;
    this.enqueue(frame, epoch, mode, value);
  }

  protected runNext(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (mode === CONTINUE_ENDING) return continueEnding(frame);
    if (frame.epoch !== epoch || frame.settled) return; // a stale wake-up
    frame.epoch++;
    if (mode === START) return startFrame(frame);
    frame.waiting = undefined;
    if (this.tracer) this.trace(frame, "wake");
    step(frame, mode, value);
  }

  finish(root: Frame): void {
    this.end(root.outcome!, root.result, root.toString());
  }
}

/**
 * The `nursery` runtime: trio's structured concurrency on a scheduler of its
 * own.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const seen: string[] = [];
 * await runtimes.nursery.run(function* () {
 *   yield* spawn(function* child() {
 *     yield* sleep(1000);
 *     seen.push("the parent waited for its child");
 *   });
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the parent should have waited");
 * ```
 */
export const nursery: Runtime = {
  name: "nursery",
  description:
    "trio-style nurseries and cancel scopes on its own scheduler: parents wait for children, Cancelled is level-triggered, errors are grouped",
  shuffles: true,
  run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
    const run = new Run(options);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
