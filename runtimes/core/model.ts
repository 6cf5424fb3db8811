/**
 * What a model is to the core (`generator` and `nursery` are each one): the
 * hooks the step loop calls (`Model`), and what every model does the same
 * way with them: keep a part of its own on a frame, walk down the frames a
 * cancellation reaches, and make a `Runtime` of itself.
 *
 * @module
 */

import type { OperationFn, RunOptions, Runtime } from "../types.ts";
import { extrasOf, Frame } from "./frame.ts";
import { FrameRun } from "./loop.ts";

/**
 * A model: what `generator` and `nursery` each answer, each as the exports
 * of its own module. Each hook runs once per lifecycle event of a frame
 * (never once per step).
 */
export interface Model {
  /** The runtime's name, for what it says on stderr. */
  readonly name: string;
  /** What the runtime is, in one line (`Runtime.description`). */
  readonly description: string;
  /** Why a task that joins its ancestor would wait for ever, under this model. */
  readonly joinsOwnEnd: string;
  /** A resumption ends the wait at once (a cancellation then waits for the next checkpoint). */
  readonly resumeEndsWait: boolean;
  /** Cancel a frame (the signal and a deadlock cancel the root this way too). */
  cancel(frame: Frame): void;
  /** A checkpoint in a cancelled scope: answer (`run.answer`) and return true, or let the wait go on. */
  checkpoint(frame: Frame, cancelledBy: Frame): boolean;
  /** The body is over (`how`: NEXT, THROW or RETURN): record how, then end the frame. */
  bodyEnded(frame: Frame, how: number, value: unknown): void;
  /** What the ending frame waited for (a child, a cleanup) has settled: go on ending. */
  continueEnding(frame: Frame): void;
  /** The frame is about to settle: decide its outcome, if its body's end did not. */
  decideOutcome(frame: Frame): void;
  /** A child task has settled (and is counted out of the parent's live children). */
  childSettled(parent: Frame, child: Frame): void;
  /** A nested scope, combinator or deadline has settled: resume its owner. */
  nestedSettled(owner: Frame, nested: Frame): void;
  /** An error a cleanup raised: the frame fails with it, or reports it. */
  cleanupFailed(frame: Frame, error: unknown): void;
  /** Why a scope handle may not spawn into the frame now, or `undefined`. */
  refuseSpawn(frame: Frame): string | undefined;
  /**
   * The frame's outcome is decided whatever comes next: a `timeout`'s or
   * `moveOnAfter`'s deadline that comes then changes nothing. Otherwise the
   * core marks the frame `EXPIRED` and cancels it.
   */
  outcomeDecided(frame: Frame): boolean;
  /**
   * What a waiting frame waits on beyond a `Wait` (which names itself), as
   * a deadlock's list names it; `undefined` for nothing to say.
   */
  describeWait(frame: Frame): string | undefined;
}

/** The model's part of a frame (`FrameExtras.model`), if it made one. */
export function modelPart<P>(frame: Frame): P | undefined {
  return frame.extras?.model as P | undefined;
}

/** The model's part of a frame, made on first use. */
export function ownModelPart<P extends object>(frame: Frame, Part: new () => P): P {
  return (extrasOf(frame).model ??= new Part()) as P;
}

/**
 * Visit every frame a cancellation of `frame` reaches: the frame, then the
 * nested scope it waits in (not a shielded one), then its children oldest
 * first, depth first, so that a frame is visited before what it holds.
 * The path down is kept in arrays, not on the call stack, which 10,000
 * nested frames overflow. `context` is handed to `visit`, so that a walk
 * allocates no closure.
 */
export function forEachReached<C>(
  frame: Frame,
  visit: (frame: Frame, context: C) => void,
  context: C,
): void {
  const path: Frame[] = []; // the frames whose children are being visited
  const lastVisited: (Frame | undefined)[] = []; // the child of each visited last
  let at: Frame | undefined = frame;
  for (;;) {
    if (at !== undefined) {
      visit(at, context);
      path.push(at);
      lastVisited.push(undefined);
      const waiting: unknown = at.waiting;
      at = waiting instanceof Frame && !waiting.shield ? waiting : undefined;
      continue;
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

/**
 * A model as a `Runtime`: each run a `FrameRun` with the model's hooks,
 * copied from its module into a plain record.
 */
export function frameRuntime(model: Model): Runtime {
  const hooks: Model = { ...model };
  return {
    name: model.name,
    description: model.description,
    shuffles: true,
    run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
      const run = new FrameRun(options, hooks);
      run.start(fn);
      return run.promise as Promise<T>;
    },
  };
}
