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
  CLEANUP,
  CONTINUE_ENDING,
  countChildSettled,
  DEADLINE,
  enterNested,
  extrasOf,
  Frame,
  FrameRun,
  join,
  markCancelled,
  markEnding,
  markSettled,
  markStarted,
  MODEL_BIT_A,
  MODEL_BIT_B,
  MODEL_BIT_C,
  type NestedKind,
  outcomeMode,
  runCleanups,
  SCOPE,
  spawnChild,
  START,
  TASK,
  undoWaiting,
  within,
} from "./core/frame.ts";
import {
  Cancelled,
  describeError,
  errorMessage,
  isInstance,
  reportError,
  TimeoutError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { callFrom, NEXT, SUSPENDED, takeFrom, THROW, Wait } from "./waits.ts";
import type {
  Operation,
  OperationFn,
  RunOptions,
  Runtime,
  ScopeHandle,
  SpawnOptions,
  Task,
} from "./types.ts";

/** The body ended by letting a `Cancelled` out. */
const ENDED_CANCELLED = MODEL_BIT_A;
/** A child failed: the frame fails with an `AggregateError`. */
const CHILD_FAILED = MODEL_BIT_B;
/** A DEADLINE frame whose deadline passed. */
const EXPIRED = MODEL_BIT_C;

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
      return run.answer(NEXT, spawn(frame, instruction.fn, instruction.name));
    case "scope":
      return enter(frame, SCOPE, scopeBody(instruction.body), instruction.shield);
    case "all":
    case "race":
      return enter(frame, SCOPE, combinatorBody(instruction), false);
    case "deadline": {
      // Not a closure here (see `combinatorBody`): the deadline is the frame's own.
      const operation = instruction.operation;
      enter(frame, DEADLINE, () => operation, false);
      extrasOf(frame.waiting as Frame).deadline = instruction;
      return false;
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
      return join(frame, run.frameOf(instruction.task), false, joinWhy);
    case "halt": {
      // The target is cancelled whatever happens next; waiting for it is a
      // checkpoint (so a task that halts itself gets `Cancelled` right here).
      const target = run.frameOf(instruction.task);
      cancel(target);
      if (checkpoint(frame)) return true;
      // From inside a task whose body is over (its cleanup, or a child it
      // waits for), its end waits for this very frame: waiting for it
      // would wait for ever.
      if (target.ending && within(frame, target)) return run.answer(NEXT, undefined);
      return join(frame, target, true, joinWhy);
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

/** Why a task that joins its ancestor waits for ever. */
const joinWhy = "under nursery a task waits for its children";

/** In a cancelled scope, answer with `Cancelled` (and return true). */
function checkpoint(frame: Frame): boolean {
  const cancelled = cancelledBy(frame);
  if (cancelled === undefined) return false;
  return frame.run.answer(THROW, new Cancelled(describeScope(cancelled)));
}

/**
 * The innermost cancelled scope around the frame, itself included, up to
 * the first shield (kept in its extras: most frames are in no cancelled
 * scope).
 */
function cancelledBy(frame: Frame): Frame | undefined {
  return frame.extras?.cancelledBy;
}

/** A new frame is inside whatever cancelled scope its parent is in, unless shielded. */
function inheritCancel(frame: Frame): void {
  const outer = frame.shield ? undefined : frame.parent?.extras?.cancelledBy;
  if (outer !== undefined) extrasOf(frame).cancelledBy = outer;
}

function spawn(parent: Frame, fn: OperationFn<unknown>, name: string | undefined): Frame {
  const child = spawnChild(parent, fn, taskName(fn, name));
  inheritCancel(child);
  return child;
}

function enter(
  owner: Frame,
  kind: NestedKind,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
): false {
  inheritCancel(enterNested(owner, kind, start, shield));
  return false;
}

// ---------------------------------------------------------------------------
// Tasks: a frame is one driven generator (its record is `core/frame.ts`).
// Here: starting one (a DEADLINE frame arms its deadline) and stepping it.
// ---------------------------------------------------------------------------

function startFrame(frame: Frame): void {
  markStarted(frame);
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
// Scopes: cancel scopes and the end of a frame's life. When a body ends,
// however it ends: the frame waits for all its children; then its `ensure`
// cleanups run newest first, shielded; then it settles.
// ---------------------------------------------------------------------------

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
    const child = spawn(frame, fn, options?.name);
    frame.run.wake();
    return child as Task<T>;
  }

  cancel(): void {
    cancel(this.frame);
    this.frame.run.wake();
  }
}

function describeScope(frame: Frame): string {
  const task = `Task#${frame.task.id} ${frame.task.name}`;
  if (frame.kind === TASK) return task;
  return `${frame.kind === DEADLINE ? "the deadline" : "a scope"} in ${task}`;
}

/** Cancel a frame's scope: every checkpoint inside it now throws `Cancelled`. */
function cancel(frame: Frame): void {
  if (!markCancelled(frame)) return;
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
      extrasOf(at).cancelledBy = at.cancelled ? at : cancelledBy(at.parent!);
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
  markEnding(frame);
  if (how === THROW) {
    if (isInstance(value, Cancelled) && cancelledBy(frame) !== undefined) {
      frame.setFlag(ENDED_CANCELLED, true);
    } else {
      // An error in a nursery's body cancels the nursery, as in trio.
      addError(frame, value);
      cancel(frame);
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
  if (runCleanups(frame, addError)) return; // goes on when the cleanup settles
  settle(frame);
}

function settle(frame: Frame): void {
  const run = frame.run;
  decideOutcome(frame);
  frame.extras?.deadlineTimer?.cancel();
  markSettled(frame);
  const parent = frame.parent;
  if (parent === undefined) {
    run.finish(frame);
  } else if (frame.kind === TASK) {
    countChildSettled(parent);
    if (frame.outcome === "failed") childFailed(parent, frame.result);
    // An ending frame waits for its last child, unless a cleanup of its own runs.
    if (parent.ending && parent.liveChildren === 0 && parent.waiting === undefined) {
      run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
    }
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
  const extras = frame.extras;
  if (extras?.errors && extras.errors.length > 1) {
    // The same error can come by two paths: a parent that joins a failing
    // child and lets its error out has it from its body and from the child.
    // It is one error, listed once (compared as `Set` does, so any value).
    extras.errors = [...new Set(extras.errors)];
  }
  if (extras?.errors && frame.hasFlag(EXPIRED) && expiryWins(frame)) {
    // As with every runtime's combinators: errors raised only by the
    // cancellation the expiry caused do not replace it; they are reported.
    const deadline = extras.deadline!;
    for (const error of extras.errors) {
      reportUndelivered(deadline.fail ? "timeout" : "moveOnAfter", "its operation", error);
    }
    extras.errors = undefined;
    frame.setFlag(ENDED_CANCELLED, true);
  }
  if (extras?.errors) {
    frame.outcome = "failed";
    frame.result = frame.hasFlag(CHILD_FAILED)
      ? new AggregateError(extras.errors, `${describeFailures(frame, extras.errors)}`)
      : firstError(frame, extras.errors);
  } else if (frame.hasFlag(ENDED_CANCELLED)) {
    const outer = frame.parent && cancelledBy(frame.parent);
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
    (frame.parent === undefined || cancelledBy(frame.parent) === undefined);
}

function nestedSettled(owner: Frame, nested: Frame): void {
  const run = owner.run;
  owner.waiting = undefined;
  if (nested.outcome !== "halted") {
    run.enqueue(owner, owner.epoch, outcomeMode(nested), nested.result);
  } else if (nested.kind === DEADLINE && nested.hasFlag(EXPIRED) && nested.extras!.deadline!.fail) {
    run.enqueue(owner, owner.epoch, THROW, new TimeoutError(nested.extras!.deadline!.ms));
  } else {
    run.enqueue(owner, owner.epoch, NEXT, undefined);
  }
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
    frame.setFlag(EXPIRED, true);
    cancel(frame);
  });
}

// ---------------------------------------------------------------------------
// Errors: a failing child cancels its parent's scope (so its siblings and
// the parent's own body get `Cancelled`); the parent fails with an
// `AggregateError` of every error, once all its children have finished.
// ---------------------------------------------------------------------------

/** Add to the errors the frame will fail with. */
function addError(frame: Frame, error: unknown): void {
  (extrasOf(frame).errors ??= []).push(error);
}

function childFailed(parent: Frame, error: unknown): void {
  addError(parent, error);
  parent.setFlag(CHILD_FAILED, true);
  cancel(parent);
}

/** A frame's first error, its outcome; later ones (from cleanups, say) are reported, not dropped. */
function firstError(frame: Frame, errors: unknown[]): unknown {
  const [first, ...later] = errors;
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

function describeFailures(frame: Frame, errors: unknown[]): string {
  const first = errorMessage(errors[0]);
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return `${count} in ${describeScope(frame)}: ${first}`;
}

// ---------------------------------------------------------------------------
// Run: the core's run of frames, resuming them as this model does.
// ---------------------------------------------------------------------------

class Run extends FrameRun {
  protected readonly runtimeName = "nursery";

  cancel(frame: Frame): void {
    cancel(frame);
  }

  /** What a waiting frame waits on, as a trace names it; `undefined` for a frame inside it. */
  protected describeWait(frame: Frame): string | undefined {
    const waiting = frame.waiting;
    if (waiting instanceof Wait) return waiting.describe();
    if (waiting === undefined && frame.ending && frame.liveChildren > 0) {
      return `children (${frame.liveChildren} running)`;
    }
    return undefined;
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
    run.start(fn, taskName(fn, fn.name || "main"));
    return run.promise as Promise<T>;
  },
};
