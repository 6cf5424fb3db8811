/**
 * The `generator` runtime: Effection's model on the kit's own scheduler.
 *
 * The step loop, the instructions and the frame record are the core's
 * (`core/loop.ts`, `core/frame.ts`), shared with `nursery`; this file is
 * the model, the hooks of its run:
 *
 * - A checkpoint does nothing: a halt does not wait for one.
 * - Cancelling is halting, by `iterator.return()`, at once: `catch` never
 *   sees it; `finally` blocks and `ensure` cleanups run.
 * - When a body ends, however it ends, its children are halted (youngest
 *   first, one at a time), then its cleanups run (newest first).
 * - The first error halts the siblings and fails the parent with that
 *   error.
 * - A `timeout` or `moveOnAfter` whose deadline comes while its operation
 *   runs halts the operation, and then answers (`TimeoutError`, or
 *   `undefined`).
 *
 * The sections below (instructions, tasks, scopes, timers, errors, run) come
 * in the same order in every adapter, so that any two diff side by side.
 *
 * @module
 */

import { reportUndelivered } from "./combinators.ts";
import {
  CANCEL,
  CONTINUE_ENDING,
  type DeadlineFrame,
  EXPIRED,
  Frame,
  markCancelled,
  outcomeMode,
  RETURN,
  RETURN_DUE,
  runCleanups,
  TASK,
  undoWaiting,
} from "./core/frame.ts";
import { settle } from "./core/loop.ts";
import { frameRuntime, type Model, modelPart, ownModelPart } from "./core/model.ts";
import { describeError, reportError } from "./errors.ts";
import { NEXT, THROW, Wait } from "./waits.ts";
import type { Runtime } from "./types.ts";

/** What only this model keeps of a frame (`modelPart`). */
class HaltPart {
  /** The live children left to halt as the body ends, the youngest last. */
  toHalt: Frame[] | undefined = undefined;
  /** An error its nested scope failed with, queued for the frame at `epoch`. */
  undelivered: { error: unknown; epoch: number } | undefined = undefined;
}

function partOf(frame: Frame): HaltPart | undefined {
  return modelPart<HaltPart>(frame);
}

function ownPart(frame: Frame): HaltPart {
  return ownModelPart(frame, HaltPart);
}

// ---------------------------------------------------------------------------
// Instructions: each means what `core/loop.ts` says. No wait is a
// checkpoint here: a halt does not wait for one.
// ---------------------------------------------------------------------------

/** Why a task that joins its ancestor waits for ever. */
const joinsOwnEnd = "under generator a task ends only once its children are halted";

// ---------------------------------------------------------------------------
// Tasks: a task's body may not spawn into its scope once it has ended
// (its children are being halted).
// ---------------------------------------------------------------------------

function refuseSpawn(frame: Frame): string | undefined {
  if (!frame.settled && !frame.ending) return undefined;
  return "its scope has ended; spawn into a scope only while its body runs";
}

/** What a waiting frame waits on, as a trace names it; `undefined` for a frame inside it. */
function describeWait(frame: Frame): string | undefined {
  const waiting = frame.waiting;
  if (waiting instanceof Wait) return waiting.describe();
  if (waiting instanceof Frame && frame.ending && waiting.kind === TASK) return `halt ${waiting}`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Scopes: cancelling, and the end of a frame's life. When a body ends,
// however it ends: its children are halted youngest first, one at a time;
// then its `ensure` cleanups run newest first; then it settles.
// ---------------------------------------------------------------------------

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
  if (frame.ending) return;
  // Returned at its next step; one that is running now returns as it yields.
  frame.flags |= RETURN_DUE;
  if (run.current === frame) return;
  const undelivered = partOf(frame)?.undelivered;
  if (undelivered && undelivered.epoch === frame.epoch) {
    // Halted before it could receive its nested scope's error: not lost, failed.
    recordFailure(frame, undelivered.error);
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

function bodyEnded(frame: Frame, how: number, value: unknown): void {
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
    ownPart(frame).toHalt = toHalt;
    if (frame.run.tracer && frame.kind === TASK) {
      frame.run.trace(frame, "suspend", { reason: `halt children (${live} running)` });
    }
  }
  continueEnding(frame);
}

function continueEnding(frame: Frame): void {
  const toHalt = partOf(frame)?.toHalt;
  while (toHalt && toHalt.length > 0) {
    const child = toHalt.pop()!;
    if (child.settled) continue;
    cancel(child);
    if (!child.settled) {
      frame.waiting = child; // goes on when this child settles
      return;
    }
  }
  if (toHalt) ownPart(frame).toHalt = undefined;
  if (runCleanups(frame)) return; // goes on when the cleanup settles
  settle(frame);
}

function childSettled(parent: Frame, child: Frame): void {
  if (child.outcome === "failed") childFailed(parent, child.result);
  // An ending parent halting this very child goes on ending.
  if (parent.ending && parent.waiting === child) {
    parent.waiting = undefined;
    parent.run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  }
}

function nestedSettled(owner: Frame, nested: Frame): void {
  const run = owner.run;
  if ((owner.flags & RETURN_DUE) !== 0) {
    // An error raised while the owner was being halted is not lost: it
    // becomes the owner's failure.
    if (nested.outcome === "failed") recordFailure(owner, nested.result);
    run.enqueue(owner, owner.epoch, RETURN, undefined);
  } else if (nested.outcome === "halted") {
    run.enqueue(owner, owner.epoch, NEXT, undefined);
  } else {
    if (nested.outcome === "failed") {
      // Until the owner resumes (its epoch moves on), a halt must not lose this error.
      ownPart(owner).undelivered = { error: nested.result, epoch: owner.epoch };
    }
    run.enqueue(owner, owner.epoch, outcomeMode(nested), nested.result);
  }
}

// ---------------------------------------------------------------------------
// Timers: a sleep is an entry in the core's timer heap (`core/timers.ts`),
// one per run behind one host timer; halting a sleeper cancels its entry.
// A deadline is one too: when it comes, its operation is halted.
// ---------------------------------------------------------------------------

/**
 * A deadline came. An operation still running is halted; one whose body is
 * over, that failed, or that is being halted from outside keeps its outcome.
 */
function deadlineExpired(frame: DeadlineFrame): void {
  if (frame.ending || frame.cancelled || frame.outcome !== undefined) return;
  frame.setFlag(EXPIRED, true);
  cancel(frame);
}

/**
 * An error raised only while its deadline halted the operation (a cleanup's,
 * say) does not replace the expiry: it is reported, as the combinators do.
 */
function settling(frame: Frame): void {
  if (!frame.hasFlag(EXPIRED) || frame.outcome !== "failed") return;
  const combinator = (frame as DeadlineFrame).deadline.fail ? "timeout" : "moveOnAfter";
  reportUndelivered(combinator, "its operation", frame.result);
  frame.outcome = "halted";
}

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
// Run: the core's run of frames (`core/loop.ts`), with this model's hooks.
// ---------------------------------------------------------------------------

const model: Model = {
  name: "generator",
  joinsOwnEnd,
  resumeEndsWait: false,
  cancel,
  checkpoint: () => false, // never asked: no frame is in a cancelled scope
  bodyEnded,
  continueEnding,
  settling,
  childSettled,
  nestedSettled,
  addFailure: recordFailure,
  refuseSpawn,
  deadlineExpired,
  describeWait,
};

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
export const generator: Runtime = frameRuntime(
  model,
  "Effection-style structured concurrency on its own scheduler: halting by return(), children halted when their parent ends",
);
