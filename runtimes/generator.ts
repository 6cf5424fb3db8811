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
 * Each function exported here is one of the model's hooks (`core/model.ts`
 * says when each runs); the runtime is made of them in `registry.ts`. The
 * sections below (instructions, scopes, errors) come in the order every
 * adapter keeps, so that any two diff side by side.
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
import { modelPart, ownModelPart } from "./core/model.ts";
import { describeError, reportError } from "./errors.ts";
import { NEXT, THROW } from "./waits.ts";

export const name = "generator";
export const description =
  "Effection-style structured concurrency on its own scheduler: halting by return(), children halted when their parent ends";

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
export const joinsOwnEnd = "under generator a task ends only once its children are halted";

/** A resumption may still be overtaken by a halt, which never waits. */
export const resumeEndsWait = false;

/** Never asked: no frame is in a cancelled scope. */
export function checkpoint(): boolean {
  return false;
}

// ---------------------------------------------------------------------------
// Scopes: cancelling, and the end of a frame's life. When a body ends,
// however it ends: its children are halted youngest first, one at a time;
// then its `ensure` cleanups run newest first; then it settles. A task's
// body may not spawn into its scope once it has ended.
// ---------------------------------------------------------------------------

export function refuseSpawn(frame: Frame): string | undefined {
  if (!frame.settled && !frame.ending) return undefined;
  return "its scope has ended; spawn into a scope only while its body runs";
}

/** An ending frame halts a child, as a deadlock's list names it. */
export function describeWait(frame: Frame): string | undefined {
  const waiting = frame.waiting;
  if (!(waiting instanceof Frame) || !frame.ending || waiting.kind !== TASK) return undefined;
  return `halt ${waiting}`;
}

/**
 * Cancel a frame: halt it, by `iterator.return()` at once (or, for a frame
 * waiting in a nested scope, once that scope has been halted). Idempotent.
 */
export function cancel(frame: Frame): void {
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

export function bodyEnded(frame: Frame, how: number, value: unknown): void {
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

export function continueEnding(frame: Frame): void {
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

export function childSettled(parent: Frame, child: Frame): void {
  if (child.outcome === "failed") childFailed(parent, child.result);
  // An ending parent halting this very child goes on ending.
  if (parent.ending && parent.waiting === child) {
    parent.waiting = undefined;
    parent.run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  }
}

export function nestedSettled(owner: Frame, nested: Frame): void {
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
// Errors: a failing child halts its siblings and fails its parent with its
// own error. Joiners hear of the failure first, so a parent joining the
// child catches it; the parent fails all the same.
// ---------------------------------------------------------------------------

/** The first error is the frame's outcome; a later one is reported. */
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

/** An error a cleanup raised fails the frame, unless it failed already. */
export function cleanupFailed(frame: Frame, error: unknown): void {
  recordFailure(frame, error);
}

/**
 * A frame whose body is over has its outcome (and so has one whose child
 * failed): a deadline that comes then changes nothing.
 */
export function outcomeDecided(frame: Frame): boolean {
  return frame.outcome !== undefined;
}

/**
 * The outcome was decided as the body ended, but for an operation its
 * deadline halted: an error raised only while it was halted (a cleanup's,
 * say) does not replace the expiry; it is reported, as the combinators do.
 */
export function decideOutcome(frame: Frame): void {
  if (!frame.hasFlag(EXPIRED) || frame.outcome !== "failed") return;
  const combinator = (frame as DeadlineFrame).deadline.fail ? "timeout" : "moveOnAfter";
  reportUndelivered(combinator, "its operation", frame.result);
  frame.outcome = "halted";
}
