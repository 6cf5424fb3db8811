/**
 * The `nursery` runtime: trio's (and curio's) model on the kit's own
 * scheduler.
 *
 * The step loop, the instructions and the frame record are the core's
 * (`core/loop.ts`, `core/frame.ts`), shared with `generator`; this file is
 * the model, the hooks of its run:
 *
 * - Every task and every scope is a nursery with a cancel scope: a body that
 *   returns waits for its children; a failing child cancels its siblings,
 *   and the parent fails with an `AggregateError` of every error (even one).
 *   A `scope` groups its body's own error too (trio's strict exception
 *   groups); a task's own error comes out bare, for its joiner.
 * - Cancellation is `Cancelled`, thrown at a checkpoint (any operation that
 *   waits). It is level-triggered: every later checkpoint in a cancelled
 *   scope throws it again, unless a shielded scope stands in between. So
 *   `catch` sees it and must rethrow it, and async cleanup needs a shield.
 * - A `Cancelled` is caught by the outermost cancelled scope: when two
 *   deadlines expire together, the outer one's; a sleep (a deadline of its
 *   own, in trio) woken in the instant its scope is cancelled is cancelled.
 * - A frame's `ensure` cleanups are its `finally`, around its body and its
 *   children: an error a cleanup raises replaces the frame's failure, as
 *   `finally` does in Python and JavaScript (what it replaced is reported).
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
  BARE_SCOPE,
  cancelledByOf,
  CONTINUE_ENDING,
  DEADLINE,
  type DeadlineFrame,
  EXPIRED,
  Frame,
  markCancelled,
  MODEL_BIT_A,
  MODEL_BIT_B,
  outcomeMode,
  runCleanups,
  SCOPE,
  setCancelledBy,
  TASK,
  undoWaiting,
} from "./core/frame.ts";
import { settle } from "./core/loop.ts";
import { forEachReached, modelPart, ownModelPart } from "./core/model.ts";
import { Cancelled, errorMessage, isInstance, reportError } from "./errors.ts";
import { NEXT, THROW } from "./waits.ts";

export const name = "nursery";
export const description =
  "trio-style nurseries and cancel scopes on its own scheduler: parents wait for children, Cancelled is level-triggered, errors are grouped";

/** The body ended by letting a `Cancelled` out. */
const ENDED_CANCELLED = MODEL_BIT_A;
/** A child failed: the frame fails with an `AggregateError`. */
const CHILD_FAILED = MODEL_BIT_B;

/** What only this model keeps of a frame (`modelPart`). */
class ScopePart {
  /** The errors the frame will fail with: its body's, then its children's. */
  errors: unknown[] | undefined = undefined;
  /** `errors` is a cleanup's error, which replaced the frame's failure: never grouped. */
  cleanupFailed = false;
}

function partOf(frame: Frame): ScopePart | undefined {
  return modelPart<ScopePart>(frame);
}

function ownPart(frame: Frame): ScopePart {
  return ownModelPart(frame, ScopePart);
}

// ---------------------------------------------------------------------------
// Instructions: each means what `core/loop.ts` says. Every instruction
// that waits is a checkpoint: in a cancelled scope it throws `Cancelled`
// instead of waiting. A `timeout` is a DEADLINE frame of its own.
// ---------------------------------------------------------------------------

/** Why a task that joins its ancestor waits for ever. */
export const joinsOwnEnd = "under nursery a task waits for its children";

/** A cancellation arriving after a wake-up waits for the next checkpoint, as in trio. */
export const resumeEndsWait = true;

/** A checkpoint in a cancelled scope throws `Cancelled`, naming the scope. */
export function checkpoint(frame: Frame, cancelledBy: Frame): boolean {
  return frame.run.answer(THROW, new Cancelled(describeScope(cancelledBy)));
}

// ---------------------------------------------------------------------------
// Scopes: cancel scopes and the end of a frame's life. When a body ends,
// however it ends: the frame waits for all its children; then its `ensure`
// cleanups run newest first, shielded; then it settles. Until then, it
// takes children: a child may spawn a sibling while the body waits.
// ---------------------------------------------------------------------------

export function refuseSpawn(frame: Frame): string | undefined {
  if (!frame.settled) return undefined;
  return "its nursery has closed (the scope and all its children finished); spawn while the scope is open";
}

/** An ending frame waits for its children, as a deadlock's list names it. */
export function describeWait(frame: Frame): string | undefined {
  if (frame.waiting !== undefined || !frame.ending || frame.liveChildren === 0) return undefined;
  return `children (${frame.liveChildren} running)`;
}

function describeScope(frame: Frame): string {
  const task = `Task#${frame.task.id} ${frame.task.name}`;
  if (frame.kind === TASK) return task;
  return `${frame.kind === DEADLINE ? "the deadline" : "a scope"} in ${task}`;
}

/** Cancel a frame's scope: every checkpoint inside it now throws `Cancelled`. */
export function cancel(frame: Frame): void {
  if (!markCancelled(frame)) return;
  forEachReached(frame, deliverCancel, new Cancelled(describeScope(frame)));
}

/**
 * For each frame a cancellation reaches, down to shielded scopes: set its
 * `cancelledBy`, and wake the checkpoint it waits at. A frame is reached
 * before what it holds, so its parent is always set first.
 */
function deliverCancel(at: Frame, cancelled: Cancelled): void {
  // As the walk up the parents would answer: the cancelled frame is the
  // first reached, and no frame reached after it is shielded.
  setCancelledBy(at, at.cancelled ? at : cancelledByOf(at.parent!)!);
  const waiting: unknown = at.waiting;
  if (waiting === undefined || waiting instanceof Frame) return;
  undoWaiting(at);
  at.run.enqueue(at, at.epoch, THROW, cancelled);
}

export function bodyEnded(frame: Frame, how: number, value: unknown): void {
  if (how === THROW) {
    if (isInstance(value, Cancelled) && cancelledByOf(frame) !== undefined) {
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

export function continueEnding(frame: Frame): void {
  if (frame.liveChildren > 0) return; // goes on when the last child settles
  if (runCleanups(frame)) return; // goes on when the cleanup settles
  settle(frame);
}

export function childSettled(parent: Frame, child: Frame): void {
  if (child.outcome === "failed") childFailed(parent, child.result);
  // An ending frame waits for its last child, unless a cleanup of its own runs.
  if (parent.ending && parent.liveChildren === 0 && parent.waiting === undefined) {
    parent.run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  }
}

/** The owner resumes with its nested frame's answer (nothing, from one that caught its cancellation). */
export function nestedSettled(owner: Frame, nested: Frame): void {
  const run = owner.run;
  if (nested.outcome === "halted") run.enqueue(owner, owner.epoch, NEXT, undefined);
  else run.enqueue(owner, owner.epoch, outcomeMode(nested), nested.result);
}

// ---------------------------------------------------------------------------
// Errors: a failing child cancels its parent's scope (so its siblings and
// the parent's own body get `Cancelled`); the parent fails with an
// `AggregateError` of every error, once all its children have finished.
// ---------------------------------------------------------------------------

/** Add to the errors the frame will fail with. */
function addError(frame: Frame, error: unknown): void {
  (ownPart(frame).errors ??= []).push(error);
}

/** A cleanup raised `error`: it replaces the failure so far, as `finally` does; the replaced is reported. */
export function cleanupFailed(frame: Frame, error: unknown): void {
  const part = ownPart(frame);
  for (const replaced of new Set(part.errors)) reportReplaced(frame, replaced);
  part.errors = [error];
  part.cleanupFailed = true;
}

function childFailed(parent: Frame, error: unknown): void {
  addError(parent, error);
  parent.setFlag(CHILD_FAILED, true);
  cancel(parent);
}

/** A frame with errors fails with them: a deadline that comes then changes nothing. */
export function outcomeDecided(frame: Frame): boolean {
  return partOf(frame)?.errors !== undefined;
}

/**
 * How a frame ended: failed, its errors grouped (a child failed, or it is
 * a user's `scope`) unless a cleanup's error replaced them; or cancelled,
 * which this frame's scope catches only when it was cancelled itself and no
 * scope around it was (so when two deadlines expire together, the outermost
 * wins); or completed. An expired deadline whose errors all came from the
 * cancellation its expiry caused ends expired, the errors reported.
 */
export function decideOutcome(frame: Frame): void {
  const part = partOf(frame);
  const outer = frame.parent && cancelledByOf(frame.parent);
  if (part?.errors && part.errors.length > 1) {
    // The same error can come by two paths: a parent that joins a failing
    // child and lets its error out has it from its body and from the child.
    // It is one error, listed once (compared as `Set` does, so any value).
    part.errors = [...new Set(part.errors)];
  }
  if (part?.errors && frame.hasFlag(EXPIRED) && outer === undefined) {
    // As with every runtime's combinators: errors raised only by the
    // cancellation the expiry caused (cleanups' too) do not replace it;
    // they are reported.
    for (const error of part.errors) {
      const combinator = (frame as DeadlineFrame).deadline.fail ? "timeout" : "moveOnAfter";
      reportUndelivered(combinator, "its operation", error);
    }
    part.errors = undefined;
    frame.setFlag(ENDED_CANCELLED, true);
  }
  if (part?.errors) {
    const grouped = !part.cleanupFailed && (frame.hasFlag(CHILD_FAILED) || isUsersScope(frame));
    frame.outcome = "failed";
    frame.result = grouped
      ? new AggregateError(part.errors, describeFailures(frame, part.errors))
      : part.errors[0];
  } else if (frame.hasFlag(ENDED_CANCELLED)) {
    const caught = frame.kind === TASK || (frame.cancelled && outer === undefined);
    frame.outcome = caught ? "halted" : "failed";
    if (!caught) frame.result = new Cancelled(describeScope(outer!));
  } else {
    frame.outcome = "completed";
  }
}

/** A user's `scope` is a nursery of its own: its body's error comes out grouped, as in trio. */
function isUsersScope(frame: Frame): boolean {
  return frame.kind === SCOPE && !frame.hasFlag(BARE_SCOPE);
}

/** An error a cleanup's error replaced: reported, not dropped (Python keeps it as `__context__`). */
function reportReplaced(frame: Frame, error: unknown): void {
  reportError(
    `nursery: an error raised in a cleanup of ${
      describeScope(frame)
    } replaced this one, as \`finally\` does:`,
    error,
  );
}

function describeFailures(frame: Frame, errors: unknown[]): string {
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return `${count} in ${describeScope(frame)}: ${errorMessage(errors[0])}`;
}
