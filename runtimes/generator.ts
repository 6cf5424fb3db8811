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
  CANCEL,
  CONTINUE_ENDING,
  countChildSettled,
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
  outcomeMode,
  RETURN,
  runCleanups,
  SCOPE,
  spawnChild,
  START,
  TASK,
  undoWaiting,
  within,
} from "./core/frame.ts";
import { describeError, reportError } from "./errors.ts";
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

/** `iterator.return()` was called: its `finally` blocks run. */
const RETURNING = MODEL_BIT_A;

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
        spawnChild(frame, instruction.fn, taskName(instruction.fn, instruction.name)),
      );
    case "scope":
      enterNested(frame, SCOPE, scopeBody(instruction.body), instruction.shield);
      return false;
    case "all":
    case "race":
    case "deadline":
      enterNested(frame, SCOPE, combinatorBody(instruction), false);
      return false;
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
      return join(frame, run.frameOf(instruction.task), false, joinWhy);
    case "halt": {
      // Halting its own task (or an ancestor) leaves this frame cancelled too:
      // the step loop then returns it instead of letting it wait.
      const target = run.frameOf(instruction.task);
      cancel(target);
      // From inside a task whose body is over (its cleanup, or a child it
      // is halting), its end waits for this very frame: the halt is under
      // way, and waiting for it would wait for ever.
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
const joinWhy = "under generator a task ends only once its children are halted";

// ---------------------------------------------------------------------------
// Tasks: a frame is one driven generator (its record is `core/frame.ts`).
// Here: starting one and stepping it; `iterator.return()` is this model's halt.
// ---------------------------------------------------------------------------

function startFrame(frame: Frame): void {
  markStarted(frame);
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
          frame.setFlag(RETURNING, true);
          result = iterator.return ? iterator.return(undefined) : { done: true, value: undefined };
        }
      } catch (error) {
        endBody(frame, THROW, error);
        return;
      }
      if (result.done) {
        endBody(frame, frame.hasFlag(RETURNING) ? RETURN : NEXT, result.value);
        return;
      }
      if (frame.cancelled && !frame.hasFlag(RETURNING)) {
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
      if (frame.cancelled && !frame.hasFlag(RETURNING)) {
        // Cancelled while it ran (it cancelled its own scope, say).
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
// Scopes: cancelling, and the end of a frame's life. When a body ends,
// however it ends: its children are halted youngest first, one at a time;
// then its `ensure` cleanups run newest first; then it settles.
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
    const child = spawnChild(frame, fn, taskName(fn, options?.name));
    frame.run.wake();
    return child as Task<T>;
  }

  cancel(): void {
    cancel(this.frame);
    this.frame.run.wake();
  }
}

/**
 * Cancel a frame: halt it, by `iterator.return()` at once (or, for a frame
 * waiting in a nested scope, once that scope has been halted). Idempotent.
 */
function cancel(frame: Frame): void {
  if (!markCancelled(frame)) return;
  const run = frame.run;
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
    if (!waiting.shield) cancel(waiting);
    return;
  }
  undoWaiting(frame);
  run.enqueue(frame, frame.epoch, RETURN, undefined);
}

function endBody(frame: Frame, how: number, value: unknown): void {
  markEnding(frame);
  if (how === THROW) recordFailure(frame, value);
  else if (frame.outcome === undefined) {
    frame.outcome = how === RETURN ? "halted" : "completed";
    frame.result = value;
  }
  const live = frame.liveChildren;
  if (live > 0) {
    // Halted youngest first: the list is oldest first, so the youngest is last.
    const toHalt: Frame[] = [];
    for (let child = frame.extras!.oldestChild; child; child = child.youngerSibling) {
      if (!child.settled) toHalt.push(child);
    }
    frame.extras!.toHalt = toHalt;
    if (frame.run.tracer && frame.kind === TASK) {
      frame.run.trace(frame, "suspend", { reason: `halt children (${live} running)` });
    }
  }
  continueEnding(frame);
}

function continueEnding(frame: Frame): void {
  const toHalt = frame.extras?.toHalt;
  while (toHalt && toHalt.length > 0) {
    const child = toHalt.pop()!;
    if (child.settled) continue;
    cancel(child);
    if (!child.settled) {
      frame.waiting = child; // goes on when this child settles
      return;
    }
  }
  if (toHalt) frame.extras!.toHalt = undefined;
  if (runCleanups(frame, recordFailure)) return; // goes on when the cleanup settles
  settle(frame);
}

/** What an ending frame waited for has settled: it goes on ending. */
function goOnEnding(frame: Frame, settled: Frame): void {
  if (!frame.ending || frame.waiting !== settled) return;
  frame.waiting = undefined;
  frame.run.enqueue(frame, 0, CONTINUE_ENDING, undefined);
}

function settle(frame: Frame): void {
  markSettled(frame);
  const parent = frame.parent;
  if (parent === undefined) {
    frame.run.finish(frame);
  } else if (frame.kind === TASK) {
    countChildSettled(parent);
    if (frame.outcome === "failed") childFailed(parent, frame.result);
    goOnEnding(parent, frame);
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
  if (owner.cancelled && !owner.hasFlag(RETURNING)) {
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
  if (!parent.ending && !parent.cancelled) parent.run.enqueue(parent, 0, CANCEL, undefined);
}

// ---------------------------------------------------------------------------
// Run: the core's run of frames, resuming them as this model does.
// ---------------------------------------------------------------------------

class Run extends FrameRun {
  protected readonly runtimeName = "generator";

  cancel(frame: Frame): void {
    cancel(frame);
  }

  /** What a waiting frame waits on, as a trace names it; `undefined` for a frame inside it. */
  protected describeWait(frame: Frame): string | undefined {
    const waiting = frame.waiting;
    if (waiting instanceof Wait) return waiting.describe();
    if (waiting instanceof Frame && frame.ending && waiting.kind === TASK) {
      return `halt ${waiting}`;
    }
    return undefined;
  }

  protected runNext(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (mode === CANCEL) return cancel(frame);
    if (mode === CONTINUE_ENDING) return continueEnding(frame);
    if (frame.epoch !== epoch || frame.settled) return; // a stale wake-up
    frame.epoch++;
    if (mode === START) return startFrame(frame);
    frame.waiting = undefined;
    if (frame.extras) frame.extras.undelivered = undefined;
    if (this.tracer && mode !== RETURN) this.trace(frame, "wake");
    step(frame, mode, value);
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
    run.start(fn, taskName(fn, fn.name || "main"));
    return run.promise as Promise<T>;
  },
};
