/**
 * The `generator` runtime: Effection's model on a scheduler of its own.
 *
 * - One FIFO run queue of resumptions, drained in a loop: no Promise per
 *   step, no host turn between steps.
 * - The core's timer heap (`core/timers.ts`), with at most one host timer armed at a time.
 * - Halting is `iterator.return()`: `catch` never sees it; `finally` blocks
 *   and `ensure` cleanups run.
 * - Structured lifetimes: when a body ends, however it ends, its children
 *   are halted (newest first), then its cleanups run (newest first).
 * - The first error halts the siblings and fails the parent with that error.
 *
 * The sections below (instructions, tasks, scopes, timers, errors, run) come
 * in the same order in every adapter, so that any two diff side by side.
 *
 * @module
 */

import { combinatorBody } from "./combinators.ts";
import {
  type DeadlockError,
  deadlockName,
  type DeadlockWait,
  describeError,
  HaltedError,
  joinDeadlock,
  reportError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, TaskBase, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { SchedulerRun } from "./scheduler.ts";
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
const RETURN = 2; // iterator.return(): the halt
const START = 3; // first step
const HALT = 4; // a halt requested from the queue (a parent crashing)
const CONTINUE_ENDING = 5; // a child or cleanup finished: go on ending

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here. `dispatch`
// either answers at once (the step loop goes on without a queue turn) or
// leaves the frame waiting and returns false.
// ---------------------------------------------------------------------------

function dispatch(frame: Frame, instruction: AnyInstruction): boolean {
  const run = frame.run;
  switch (instruction.kind) {
    case "sleep":
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
    case "deadline":
      return enterNested(frame, SCOPE, combinatorBody(instruction), false);
    case "ensure":
      (extrasOf(frame).cleanups ??= []).push(instruction.fn);
      return run.answer(NEXT, undefined);
    case "call":
      return callFrom(frame, instruction.fn);
    case "now":
      return run.answer(NEXT, run.clock.now());
    case "suspend":
      frame.waiting = SUSPENDED;
      return false;
    case "take":
      return takeFrom(frame, fifoOf(instruction.queue));
    case "join":
      return join(frame, run.frameOf(instruction.task), false);
    case "halt": {
      // Halting its own task (or an ancestor) leaves this frame halting too:
      // the step loop then returns it instead of letting it wait.
      const target = run.frameOf(instruction.task);
      haltFrame(target);
      // From inside a task whose body is over (its cleanup, or a child it
      // is halting), its end waits for this very frame: the halt is under
      // way, and waiting for it would wait for ever.
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
 * joining task itself, or on an ancestor, which here ends only once its
 * children (this one among them) have been halted, so that only a halt
 * could ever end the wait. An ancestor's id is smaller than its
 * descendants': the walk up stops below the target's (and a join of a
 * younger task, a child's, walks nothing).
 */
function joinsOwnEnd(task: Frame, target: Frame): DeadlockError | undefined {
  if (target === task) return joinDeadlock(task, target);
  for (let at = task.parent; at !== undefined && at.task.id >= target.id; at = at.parent) {
    if (at.task === target) {
      return joinDeadlock(
        task,
        target,
        "under generator a task ends only once its children are halted",
      );
    }
  }
  return undefined;
}

/** What a waiting frame waits on, as a trace names it; `undefined` for a frame inside it. */
function describeWait(frame: Frame): string | undefined {
  const waiting = frame.waiting;
  if (waiting instanceof Wait) return waiting.describe();
  if (waiting instanceof Frame && frame.ending && waiting.kind === TASK) return `halt ${waiting}`;
  return undefined;
}

/** Stop waiting for whatever the frame waits on (it is being halted). */
function undoWaiting(frame: Frame): void {
  const waiting = frame.waiting;
  frame.waiting = undefined;
  frame.epoch++;
  if (waiting instanceof Wait) waiting.cancel();
}

// ---------------------------------------------------------------------------
// Tasks: a frame is one driven generator. A task is a frame of kind TASK; a
// scope, a combinator and an `ensure` cleanup run in nested frames of the
// same task, so that halting one never has to reach into another's
// generator (which is what keeps `return()` safe).
// ---------------------------------------------------------------------------

const TASK = 0;
const SCOPE = 1;
const CLEANUP = 2;

type Outcome = "completed" | "failed" | "halted";

// A frame's kind, booleans and outcome, packed into one small integer: a
// field each would cost 8 bytes per task, and tasks are many.
const KIND_MASK = 3; // the low two bits: TASK, SCOPE or CLEANUP
const HALTING = 4; // a halt was requested
const RETURNING = 8; // `iterator.return()` was called: its `finally` blocks run
const ENDING = 16; // the body finished: children, then cleanups, then settle
const SETTLED = 32;
const STARTED = 64;
const SHIELD = 128;
const OUTCOME_SHIFT = 8; // two bits: 0 none, then the index in `outcomes`
const outcomes = [undefined, "completed", "failed", "halted"] as const;

/**
 * What only some frames need, made on first use (`extrasOf`): a frame that
 * spawns no child, registers no cleanup and is never waited for pays one
 * field for all of it.
 */
class FrameExtras {
  /**
   * Its children, newest first, linked through `olderSibling` (no array
   * to grow and copy as a parent spawns thousands). A settled child stays
   * linked until the next sweep (`childSettled`) or until the ending frame
   * passes it.
   */
  youngestChild: Frame | undefined = undefined;
  linkedChildren = 0;
  settledLinkedChildren = 0;
  cleanups: (() => Operation<void> | void)[] | undefined = undefined;
  joiners: JoinWaiter<Frame>[] | undefined = undefined;
  /** An error its nested scope failed with, queued for it but not yet thrown into it. */
  undelivered: { error: unknown } | undefined = undefined;
}

class Frame extends TaskBase<unknown> {
  flags: number;
  /** Bumped whenever the frame leaves a wait: older wake-ups are stale. */
  epoch = 0;
  /** The body's value, or the error the frame failed with. */
  result: unknown = undefined;
  /** Until the frame starts, what starts it; then its generator. */
  body: ((frame: Frame) => Operation<unknown>) | Iterator<unknown, unknown, unknown> | undefined;
  waiting: unknown = undefined;
  extras: FrameExtras | undefined = undefined;
  /** The next older child of the same parent (see `FrameExtras.youngestChild`). */
  olderSibling: Frame | undefined = undefined;

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
  }

  /** The task this frame belongs to: itself, for a task. */
  get task(): Frame {
    return this;
  }
  get kind(): number {
    return this.flags & KIND_MASK;
  }
  /** Whoever waits for this frame to settle (for `JoinWaiter`). */
  get joiners(): JoinWaiter<Frame>[] | undefined {
    return this.extras?.joiners;
  }
  get halting(): boolean {
    return (this.flags & HALTING) !== 0;
  }
  set halting(on: boolean) {
    this.flags = on ? this.flags | HALTING : this.flags & ~HALTING;
  }
  get returning(): boolean {
    return (this.flags & RETURNING) !== 0;
  }
  set returning(on: boolean) {
    this.flags = on ? this.flags | RETURNING : this.flags & ~RETURNING;
  }
  get ending(): boolean {
    return (this.flags & ENDING) !== 0;
  }
  set ending(on: boolean) {
    this.flags = on ? this.flags | ENDING : this.flags & ~ENDING;
  }
  get settled(): boolean {
    return (this.flags & SETTLED) !== 0;
  }
  get started(): boolean {
    return (this.flags & STARTED) !== 0;
  }
  get shield(): boolean {
    return (this.flags & SHIELD) !== 0;
  }
  get outcome(): Outcome | undefined {
    return outcomes[this.flags >> OUTCOME_SHIFT];
  }
  set outcome(outcome: Outcome) {
    this.flags = (this.flags & ((1 << OUTCOME_SHIFT) - 1)) |
      (outcomes.indexOf(outcome) << OUTCOME_SHIFT);
  }
  get state(): TaskState {
    return this.outcome ??
      (!this.started ? "pending" : this.halting ? "halting" : "running");
  }
  get iterator(): Iterator<unknown, unknown, unknown> {
    return this.body as Iterator<unknown, unknown, unknown>;
  }
}

/** A scope, a combinator or an `ensure` cleanup: a frame inside a task. */
class NestedFrame extends Frame {
  /** Kept, not looked up through the owners: scopes may nest thousands deep. */
  readonly #task: Frame;

  constructor(
    owner: Frame,
    kind: typeof SCOPE | typeof CLEANUP,
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

function spawnTask(parent: Frame, fn: OperationFn<unknown>, name: string): Frame {
  const run = parent.run;
  const child = new Frame(run, TASK, parent, fn, run.nextId++, name, false);
  const extras = extrasOf(parent);
  child.olderSibling = extras.youngestChild;
  extras.youngestChild = child;
  extras.linkedChildren++;
  if (run.tracer) run.trace(child, "spawn");
  run.enqueue(child, 0, START, undefined);
  return child;
}

function startFrame(frame: Frame): void {
  frame.flags |= STARTED;
  if (frame.run.tracer && frame.kind === TASK) frame.run.trace(frame, "start");
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
        else if (mode === THROW) {
          if (!iterator.throw) throw value;
          result = iterator.throw(value);
        } else {
          frame.returning = true;
          result = iterator.return ? iterator.return(undefined) : { done: true, value: undefined };
        }
      } catch (error) {
        endBody(frame, THROW, error);
        return;
      }
      if (result.done) {
        endBody(frame, frame.returning ? RETURN : NEXT, result.value);
        return;
      }
      if (frame.halting && !frame.returning) {
        mode = RETURN;
        continue;
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
      if (frame.halting && !frame.returning) {
        // Halted while it ran (it cancelled its own scope, say).
        undoWaiting(frame);
        mode = RETURN;
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
// Scopes: nested frames, halting, and the end of a frame's life. When a
// body ends, however it ends: its children are halted newest first, one at
// a time; then its `ensure` cleanups run newest first; then it settles.
// ---------------------------------------------------------------------------

function scopeBody(
  body: (handle: ScopeHandle) => Operation<unknown>,
): (frame: Frame) => Operation<unknown> {
  return (frame) => body(new GeneratorScopeHandle(frame));
}

class GeneratorScopeHandle implements ScopeHandle {
  constructor(readonly frame: Frame) {}

  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    const frame = this.frame;
    if (frame.settled || frame.ending) {
      throw new Error(
        `cannot spawn ${
          taskName(fn, options?.name)
        }: its scope has ended; spawn into a scope only while its body runs`,
      );
    }
    const child = spawnTask(frame, fn, taskName(fn, options?.name));
    frame.run.wake();
    return child as Task<T>;
  }

  cancel(): void {
    haltFrame(this.frame);
    this.frame.run.wake();
  }
}

function enterNested(
  owner: Frame,
  kind: typeof SCOPE | typeof CLEANUP,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
): boolean {
  const run = owner.run;
  const nested = new NestedFrame(owner, kind, start, shield);
  owner.waiting = nested;
  run.enqueue(nested, 0, START, undefined);
  return false;
}

/** Cancel a frame; idempotent. Its end is reported through `settle`. */
function haltFrame(frame: Frame): void {
  if (frame.settled || frame.halting) return;
  frame.halting = true;
  const run = frame.run;
  if (run.tracer && frame.kind === TASK) run.trace(frame, "cancel");
  if (!frame.started) {
    // Never started: nothing ran, so nothing needs cleaning up.
    frame.epoch++;
    frame.outcome = "halted";
    settle(frame);
    return;
  }
  if (frame.ending || run.current === frame) return;
  const undelivered = frame.extras?.undelivered;
  if (undelivered) {
    // Halted before it could receive its nested scope's error: not lost, failed.
    recordFailure(frame, undelivered.error);
    frame.extras!.undelivered = undefined;
  }
  const waiting = frame.waiting;
  if (waiting instanceof Frame) {
    // A nested scope: halt it (unless shielded); the owner returns once it has settled.
    if (!waiting.shield) haltFrame(waiting);
    return;
  }
  undoWaiting(frame);
  run.enqueue(frame, frame.epoch, RETURN, undefined);
}

function endBody(frame: Frame, how: number, value: unknown): void {
  frame.ending = true;
  frame.body = undefined;
  frame.waiting = undefined;
  if (how === THROW) recordFailure(frame, value);
  else if (frame.outcome === undefined) {
    frame.outcome = how === RETURN ? "halted" : "completed";
    frame.result = value;
  }
  const run = frame.run;
  if (run.tracer && frame.kind === TASK) {
    let running = 0;
    for (let child = frame.extras?.youngestChild; child; child = child.olderSibling) {
      if (!child.settled) running++;
    }
    if (running > 0) run.trace(frame, "suspend", { reason: `halt children (${running} running)` });
  }
  continueEnding(frame);
}

function continueEnding(frame: Frame): void {
  const extras = frame.extras;
  // Read afresh each time: a child that settles may sweep the list.
  while (extras?.youngestChild) {
    const child = extras.youngestChild;
    if (child.settled) {
      unlinkYoungest(extras, child);
      continue;
    }
    haltFrame(child);
    if (!child.settled) {
      frame.waiting = child; // goes on when this child settles
      return;
    }
  }
  const cleanups = frame.extras?.cleanups;
  while (cleanups && cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    let operation: Operation<void> | void;
    try {
      operation = cleanup();
    } catch (error) {
      recordFailure(frame, error);
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

/** What an ending frame waited for has settled: it goes on ending. */
function goOnEnding(frame: Frame, settled: Frame): void {
  if (!frame.ending || frame.waiting !== settled) return;
  frame.waiting = undefined;
  frame.run.enqueue(frame, 0, CONTINUE_ENDING, undefined);
}

function settle(frame: Frame): void {
  const run = frame.run;
  frame.flags = (frame.flags | SETTLED) & ~ENDING;
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
      if (waiter.forHalt) run.enqueue(waiter.frame, waiter.epoch, NEXT, undefined);
      else run.enqueue(waiter.frame, waiter.epoch, mode, value);
    }
  }
  const parent = frame.parent;
  if (parent === undefined) {
    run.finish(frame);
  } else if (frame.kind === TASK) {
    childSettled(parent, frame);
  } else if (frame.kind === SCOPE) {
    nestedSettled(parent, frame);
  } else {
    if (frame.outcome === "failed") recordFailure(parent, frame.result);
    goOnEnding(parent, frame);
  }
}

function nestedSettled(owner: Frame, nested: Frame): void {
  const run = owner.run;
  owner.waiting = undefined;
  if (owner.halting && !owner.returning) {
    // An error raised while the owner was being halted is not lost: it
    // becomes the owner's failure.
    if (nested.outcome === "failed") recordFailure(owner, nested.result);
    run.enqueue(owner, owner.epoch, RETURN, undefined);
  } else if (nested.outcome === "halted") {
    run.enqueue(owner, owner.epoch, NEXT, undefined);
  } else {
    if (nested.outcome === "failed") extrasOf(owner).undelivered = { error: nested.result };
    run.enqueue(owner, owner.epoch, outcomeMode(nested), nested.result);
  }
}

function childSettled(parent: Frame, child: Frame): void {
  const extras = parent.extras!;
  if (
    ++extras.settledLinkedChildren > 32 &&
    extras.settledLinkedChildren * 2 > extras.linkedChildren
  ) sweepSettledChildren(extras);
  if (child.outcome === "failed") childFailed(parent, child.result);
  goOnEnding(parent, child);
}

function unlinkYoungest(extras: FrameExtras, child: Frame): void {
  extras.youngestChild = child.olderSibling;
  child.olderSibling = undefined;
  extras.linkedChildren--;
  extras.settledLinkedChildren--;
}

/**
 * Unlink every settled child, so that a long-lived parent spawning many
 * short tasks does not keep them alive. An unlinked child forgets its older
 * sibling, so that a task kept by user code keeps no others alive.
 */
function sweepSettledChildren(extras: FrameExtras): void {
  let newer: Frame | undefined = undefined;
  let child = extras.youngestChild;
  while (child) {
    const older: Frame | undefined = child.olderSibling;
    if (child.settled) {
      if (newer) newer.olderSibling = older;
      else extras.youngestChild = older;
      child.olderSibling = undefined;
      extras.linkedChildren--;
    } else newer = child;
    child = older;
  }
  extras.settledLinkedChildren = 0;
}

function outcomeMode(frame: Frame): number {
  return frame.outcome === "completed" ? NEXT : THROW;
}

function outcomeValue(frame: Frame): unknown {
  return frame.outcome === "halted" ? new HaltedError(frame.toString()) : frame.result;
}

// ---------------------------------------------------------------------------
// Timers: a sleep is an entry in the core's timer heap (`core/timers.ts`),
// one per run behind one host timer; halting a sleeper cancels its entry.
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Errors: a failing child halts its siblings and fails its parent with its
// own error. Joiners hear of the failure first, so a parent joining the
// child catches it; the parent fails all the same.
// ---------------------------------------------------------------------------

function recordFailure(frame: Frame, error: unknown): void {
  if (frame.outcome !== "failed") {
    frame.outcome = "failed";
    frame.result = error;
  } else if (error !== frame.result) {
    // The first error wins; a later one (from cleanup, say) is reported, not dropped.
    reportError(
      `generator: ${frame.task} had already failed with ${
        describeError(frame.result)
      }; this later error is not its outcome:`,
      error,
    );
  }
}

function childFailed(parent: Frame, error: unknown): void {
  // A parent that failed already keeps its first error; the child keeps its own.
  if (parent.outcome === "failed") return;
  recordFailure(parent, error);
  if (!parent.ending && !parent.halting) parent.run.enqueue(parent, 0, HALT, undefined);
}

// ---------------------------------------------------------------------------
// Run: the run queue (fixed-size chunks, no object per entry), the drain loop,
// and the runtime object.
// ---------------------------------------------------------------------------

class Run extends SchedulerRun<Frame> {
  protected readonly runtimeName = "generator";

  start(fn: OperationFn<unknown>): void {
    const name = taskName(fn, fn.name || "main");
    const root = new Frame(this, TASK, undefined, fn, this.nextId++, name, false);
    this.begin(root, START, haltFrame);
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
      for (let child = frame.extras?.youngestChild; child; child = child.olderSibling) {
        if (child !== frame.waiting) frames.push(child);
      }
    }
    return waits.sort((a, b) => a.id - b.id).map(({ wait }) => wait);
  }

  protected runNext(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (mode === HALT) return haltFrame(frame);
    if (mode === CONTINUE_ENDING) return continueEnding(frame);
    if (frame.epoch !== epoch || frame.settled) return; // a stale wake-up
    frame.epoch++;
    if (mode === START) return startFrame(frame);
    frame.waiting = undefined;
    if (frame.extras) frame.extras.undelivered = undefined;
    if (this.tracer && mode !== RETURN) this.trace(frame, "wake");
    step(frame, mode, value);
  }

  finish(root: Frame): void {
    this.end(root.outcome!, root.result, root.toString());
  }
}

/**
 * The `generator` runtime: Effection's semantics on a scheduler of its own.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const seen: string[] = [];
 * await runtimes.generator.run(function* () {
 *   yield* spawn(function* child() {
 *     try {
 *       yield* sleep(1000);
 *     } finally {
 *       seen.push("child halted when its parent returned");
 *     }
 *   });
 *   yield* sleep(10);
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the child should have been halted");
 * ```
 */
export const generator: Runtime = {
  name: "generator",
  description:
    "Effection-style structured concurrency on its own scheduler: halting by return(), children halted when their parent ends",
  shuffles: true,
  run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
    const run = new Run(options);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
