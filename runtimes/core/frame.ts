/**
 * The frame record shared by the kit's own schedulers (`generator`,
 * `nursery`): what a frame is, and the bookkeeping every model does the
 * same way (the step loop is `loop.ts`). What a model decides (what a
 * checkpoint does, how cancellation is delivered, what a body's end waits
 * for, what a child's failure does) stays in its own file.
 *
 * One vocabulary: a frame is *cancelled* (one verb, whatever the model then
 * does about it), *resumed* from the run queue, and *settles* once, with an
 * outcome. Children are listed oldest first, everywhere.
 *
 * @module
 */

import { type DeadlockError, HaltedError, joinDeadlock } from "../errors.ts";
import type { Deadline } from "../instructions.ts";
import type { Operation, OperationFn } from "../types.ts";
import type { CallbackTimer } from "./timers.ts";
import { JoinWaiter, NEXT, Wait } from "../waits.ts";
import type { FrameRun } from "./loop.ts";
import {
  HALTING,
  MODEL_BIT_A,
  MODEL_BIT_B,
  outcomeMode,
  PackedTask,
  SETTLED,
  settledEvent,
  STARTED,
} from "./packed.ts";

export { MODEL_BIT_A, MODEL_BIT_B, outcomeMode };

// How a frame is resumed from the run queue, beyond NEXT and THROW (waits.ts).
/** Resume with `iterator.return()`: the generator model's halt. */
export const RETURN = 2;
/** The frame's first step. */
export const START = 3;
/** A child or a cleanup the ending frame waited for has settled: go on ending. */
export const CONTINUE_ENDING = 4;
/** A cancellation queued for the frame (a child failed while it ran). */
export const CANCEL = 5;

/** What a frame is: a task, or a frame inside one. */
export const TASK = 0;
/** A `scope` or a combinator. */
export const SCOPE = 1;
/** An `ensure` cleanup that returned an operation. */
export const CLEANUP = 2;
/** A `timeout` or `moveOnAfter`: its operation, with a deadline of its own (`DeadlineFrame`). */
export const DEADLINE = 3;
export type NestedKind = typeof SCOPE | typeof CLEANUP | typeof DEADLINE;

// A frame is a `PackedTask` (`core/packed.ts`: its state and outcome, and
// the bits STARTED, HALTING, SETTLED and the model bits A and B); the bits
// between those are numbered here; a model names the model bits it uses.
const KIND_MASK = 3; // the low two bits: TASK, SCOPE, CLEANUP or DEADLINE
const CANCELLED = 8; // a cancellation reached this frame itself
const ENDING = 32; // its body is over: children, then cleanups, then it settles
const SHIELD = 128;
/** Its model wants it returned (`iterator.return()`) at its next step. */
export const RETURN_DUE = 256;
/** `iterator.return()` was called: its `finally` blocks run. */
export const RETURNING = 512;
/** A DEADLINE frame's deadline came while its operation ran, and its model counted it. */
export const EXPIRED = 4096;
/**
 * A SCOPE frame the kit makes for itself (a combinator's, or one of its
 * contenders'), not a user's `scope`: a model that groups a scope body's
 * error (`nursery`, as trio's nurseries) leaves it bare.
 */
export const BARE_SCOPE = 8192;
/**
 * A cancellation reached the frame, and its `cancelledBy` is its parent's:
 * kept as this bit rather than in a `FrameExtras` made for it, so that a
 * scope cancelling a million sleepers makes no record for each
 * (`setCancelledBy`, `cancelledByOf`).
 */
const CANCEL_INHERITED = 16384;

/**
 * What only some frames need, made on first use (`extrasOf`): a frame that
 * spawns no child, registers no cleanup and is never waited for pays one
 * field for all of it.
 */
export class FrameExtras {
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
  /**
   * The innermost cancelled scope around the frame, itself included, up to
   * the first shield: what every checkpoint asks (set by a model that
   * cancels at checkpoints, nursery; inherited by a new frame). Kept up to
   * date rather than found by walking up the parents, since tasks and
   * scopes nest 100,000 deep; a frame without extras whose parent has the
   * same keeps it as a bit (`CANCEL_INHERITED`). Read it with `cancelledByOf`.
   */
  cancelledBy: Frame | undefined = undefined;
  /** What only its model keeps, made by the model on first use. */
  model: object | undefined = undefined;
}

/** One driven generator: a task (kind TASK), or a scope, combinator, deadline or cleanup in one. */
export class Frame extends PackedTask {
  /** Bumped whenever the frame leaves a wait: older wake-ups are stale. */
  epoch = 0;
  /** Until the frame starts, what starts it; then its generator. */
  body: ((frame: Frame) => Operation<unknown>) | Iterator<unknown, unknown, unknown> | undefined;
  /** A `Wait`, or the nested frame or child it waits for; `undefined` while it runs. */
  waiting: unknown = undefined;
  extras: FrameExtras | undefined = undefined;
  /** The next younger child of the same parent (see `FrameExtras.oldestChild`). */
  youngerSibling: Frame | undefined = undefined;

  constructor(
    readonly run: FrameRun,
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
  get shield(): boolean {
    return (this.flags & SHIELD) !== 0;
  }
  get cancelled(): boolean {
    return (this.flags & CANCELLED) !== 0;
  }
  get ending(): boolean {
    return (this.flags & ENDING) !== 0;
  }
  get iterator(): Iterator<unknown, unknown, unknown> {
    return this.body as Iterator<unknown, unknown, unknown>;
  }
  /** Whoever waits for this frame to settle (for `JoinWaiter`). */
  get joiners(): JoinWaiter<Frame>[] | undefined {
    return this.extras?.joiners;
  }
  get liveChildren(): number {
    return this.extras?.liveChildren ?? 0;
  }
}

/** A scope, a combinator, a deadline or a cleanup: a frame inside a task. */
export class NestedFrame extends Frame {
  /** Kept, not looked up through the owners: scopes may nest thousands deep. */
  readonly #task: Frame;

  constructor(
    owner: Frame,
    kind: NestedKind,
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

/**
 * A `timeout` or `moveOnAfter`: its operation runs in this frame, and a
 * timer armed as it starts tells the model when the deadline comes.
 */
export class DeadlineFrame extends NestedFrame {
  /** Armed until it fires or the frame settles. */
  timer: CallbackTimer | undefined = undefined;

  constructor(owner: Frame, readonly deadline: Deadline<unknown>) {
    super(owner, DEADLINE, operationOf, false);
  }
}

function operationOf(frame: Frame): Operation<unknown> {
  return (frame as DeadlineFrame).deadline.operation;
}

export function extrasOf(frame: Frame): FrameExtras {
  return frame.extras ??= new FrameExtras();
}

/**
 * Mark a frame cancelled; false when it had settled or was cancelled
 * already (a cancellation is delivered once). A started task is halting
 * from here on.
 */
export function markCancelled(frame: Frame): boolean {
  if ((frame.flags & (SETTLED | CANCELLED)) !== 0) return false;
  frame.flags |= frame.started && frame.kind === TASK ? CANCELLED | HALTING : CANCELLED;
  if (frame.run.tracer && frame.kind === TASK) frame.run.trace(frame, "cancel");
  return true;
}

/** Its body has begun; traced for a task. */
export function markStarted(frame: Frame): void {
  frame.flags |= STARTED;
  if (frame.run.tracer && frame.kind === TASK) frame.run.trace(frame, "start");
}

/** Its body is over: no generator, no wait; children and cleanups come next. */
export function markEnding(frame: Frame): void {
  frame.flags |= ENDING;
  frame.body = undefined;
  frame.waiting = undefined;
}

/** True when `frame` is `outer` or lives inside it: a nested frame of it, or a task spawned in it. */
export function within(frame: Frame, outer: Frame): boolean {
  for (let at: Frame | undefined = frame; at; at = at.parent) {
    if (at === outer) return true;
  }
  return false;
}

/** Stop waiting for whatever the frame waits on (it is being cancelled). */
export function undoWaiting(frame: Frame): void {
  const waiting = frame.waiting;
  frame.waiting = undefined;
  frame.epoch++;
  if (waiting instanceof Wait) waiting.cancel();
}

/** Make a child task of `parent`, youngest of its children, and queue its start. */
export function spawnChild(parent: Frame, fn: OperationFn<unknown>, name: string): Frame {
  const run = parent.run;
  const child = new Frame(run, TASK, parent, fn, run.nextId++, name, false);
  const extras = extrasOf(parent);
  if (extras.youngestChild) extras.youngestChild.youngerSibling = child;
  else extras.oldestChild = child;
  extras.youngestChild = child;
  extras.linkedChildren++;
  extras.liveChildren++;
  if (run.tracer) run.trace(child, "spawn");
  inheritCancel(child);
  run.enqueue(child, 0, START, undefined);
  return child;
}

/** Make a nested frame the owner waits for, and queue its start. */
export function enterNested(
  owner: Frame,
  kind: NestedKind,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
): NestedFrame {
  return enter(owner, new NestedFrame(owner, kind, start, shield));
}

/** Enter a `timeout` or `moveOnAfter`, as `enterNested` enters a scope. */
export function enterDeadline(owner: Frame, deadline: Deadline<unknown>): DeadlineFrame {
  return enter(owner, new DeadlineFrame(owner, deadline));
}

function enter<N extends NestedFrame>(owner: Frame, nested: N): N {
  inheritCancel(nested);
  owner.waiting = nested;
  owner.run.enqueue(nested, 0, START, undefined);
  return nested;
}

/** A new frame is in whatever cancelled scope its parent is in, unless it is shielded. */
function inheritCancel(frame: Frame): void {
  const outer = frame.shield ? undefined : cancelledByOf(frame.parent!);
  if (outer !== undefined) setCancelledBy(frame, outer);
}

/** The innermost cancelled scope around the frame, if any (`FrameExtras.cancelledBy`). */
export function cancelledByOf(frame: Frame): Frame | undefined {
  const cancelledBy = frame.extras?.cancelledBy;
  if (cancelledBy !== undefined || (frame.flags & CANCEL_INHERITED) === 0) return cancelledBy;
  return frame.parent!.extras!.cancelledBy;
}

/**
 * Set the innermost cancelled scope around the frame. A frame with no
 * extras whose parent holds the same scope in its own only gets a bit: its
 * parent is never left out of a cancellation that reaches the frame, so the
 * two stay the same.
 */
export function setCancelledBy(frame: Frame, scope: Frame): void {
  if (frame.extras === undefined && frame.parent?.extras?.cancelledBy === scope) {
    frame.flags |= CANCEL_INHERITED;
  } else extrasOf(frame).cancelledBy = scope;
}

/**
 * One fewer live child. Once more than half of many linked children have
 * settled, they are unlinked, so that a long-lived parent spawning many
 * short tasks does not keep them alive.
 */
export function countChildSettled(parent: Frame): void {
  const extras = parent.extras!;
  extras.liveChildren--;
  if (extras.linkedChildren > 32 && extras.liveChildren * 2 < extras.linkedChildren) {
    sweepSettledChildren(extras);
  }
}

/**
 * Unlink every settled child. An unlinked child forgets its younger
 * sibling, so that a task kept by user code keeps no others alive.
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

/**
 * Run the frame's `ensure` cleanups, newest first, until one returns an
 * operation: that one runs in a shielded CLEANUP frame the ending frame
 * waits for (true). An error a cleanup throws goes to the model's `cleanupFailed`.
 */
export function runCleanups(frame: Frame): boolean {
  const operation = nextCleanup(frame.extras?.cleanups, frame, frame.run.model.cleanupFailed);
  if (operation === undefined) return false;
  enterNested(frame, CLEANUP, () => operation, true);
  return true;
}

/**
 * Call `ensure` cleanups, newest first (each taken off the list), until one
 * returns an operation, which the caller runs; an error one throws goes to
 * `failed`, and the next is called. Both loops end frames this way
 * (`core/driver.ts` too).
 */
export function nextCleanup<F>(
  cleanups: (() => Operation<void> | void)[] | undefined,
  frame: F,
  failed: (frame: F, error: unknown) => void,
): Operation<void> | undefined {
  while (cleanups && cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      const operation = cleanup();
      if (operation) return operation;
    } catch (error) {
      failed(frame, error);
    }
  }
  return undefined;
}

/**
 * The frame settles with the outcome it has: traced for a task, and its
 * joiners resumed. Telling the parent is the caller's.
 */
export function markSettled(frame: Frame): void {
  const run = frame.run;
  frame.flags = (frame.flags | SETTLED) & ~ENDING;
  if (run.tracer && frame.kind === TASK) {
    const type = settledEvent(frame.outcome!);
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
}

/**
 * Wait for `target` to settle: a join (answered with its outcome), or the
 * end of a halt (answered with nothing). A join that waits for its own end
 * is thrown where it was written (`why`: why an ancestor waits for it).
 */
export function join(frame: Frame, target: Frame, forHalt: boolean, why: string): boolean {
  const run = frame.run;
  if (target.settled) {
    if (forHalt) return run.answer(NEXT, undefined);
    return run.answer(outcomeMode(target), outcomeValue(target));
  }
  if (!forHalt) {
    const deadlock = joinsOwnEnd(frame.task, target, why);
    if (deadlock) throw deadlock;
  }
  const waiter = new JoinWaiter(frame, frame.epoch, target, forHalt);
  (extrasOf(target).joiners ??= []).push(waiter);
  frame.waiting = waiter;
  return false;
}

/**
 * A join that waits for its own end: on the joining task itself, or on an
 * ancestor, which ends only once this task has. An ancestor's id is smaller
 * than its descendants': the walk up stops below the target's (and a join
 * of a younger task, a child's, walks nothing).
 */
function joinsOwnEnd(task: Frame, target: Frame, why: string): DeadlockError | undefined {
  if (target === task) return joinDeadlock(task, target);
  for (let at = task.parent; at !== undefined && at.task.id >= target.id; at = at.parent) {
    if (at.task === target) return joinDeadlock(task, target, why);
  }
  return undefined;
}

/** What a joiner of the frame resumes with: its value or error, or a `HaltedError` once halted. */
export function outcomeValue(frame: Frame): unknown {
  return frame.outcome === "halted" ? new HaltedError(frame.toString()) : frame.result;
}
