/**
 * The step loop shared by the kit's own schedulers (`generator`,
 * `nursery`): driving a frame's generator, the model-neutral instructions
 * (spawn, scope, combinators, deadlines, ensure, call, now, suspend, take,
 * join, halt, log, block), settling a frame, and the run that owns the frames.
 *
 * A model is a `Model`, a record of hooks (the exports of `generator.ts` or
 * `nursery.ts`): they answer what a model answers (how cancellation is
 * delivered, what happens when a body ends, what a child's failure does,
 * what a deadline's expiry changes), and each runs once per
 * lifecycle event, never once per step, so the loop stays the same for
 * every model. A checkpoint costs the loop one field read: only a frame in
 * a cancelled scope (`FrameExtras.cancelledBy`) calls its model.
 *
 * @module
 */

import { checkSpawnOptions } from "../verbs.ts";
import { combinatorBody } from "../combinators.ts";
import type { Model } from "./model.ts";
import { deadlockName, type DeadlockWait, TimeoutError } from "../errors.ts";
import {
  type All,
  type AnyInstruction,
  asInstruction,
  type Race,
  taskName,
} from "../instructions.ts";
import { fifoOf } from "../queue.ts";
import { SchedulerRun } from "../scheduler.ts";
import type {
  Operation,
  OperationFn,
  RunOptions,
  ScopeHandle,
  SpawnOptions,
  Task,
} from "../types.ts";
import { callFrom, NEXT, SUSPENDED, takeFrom, THROW, Wait } from "../waits.ts";
import { SLEPT } from "./timers.ts";
import {
  BARE_SCOPE,
  CANCEL,
  cancelledByOf,
  CLEANUP,
  CONTINUE_ENDING,
  countChildSettled,
  DEADLINE,
  type DeadlineFrame,
  enterDeadline,
  enterNested,
  EXPIRED,
  extrasOf,
  Frame,
  join,
  markEnding,
  markSettled,
  markStarted,
  RETURN,
  RETURN_DUE,
  RETURNING,
  SCOPE,
  spawnChild,
  START,
  TASK,
  undoWaiting,
  within,
} from "./frame.ts";

/**
 * What each runtime-neutral instruction means. `dispatch` either answers at
 * once (the step loop goes on without a queue turn) or leaves the frame
 * waiting and returns false. Every instruction that waits is a checkpoint.
 */
function dispatch(frame: Frame, instruction: AnyInstruction): boolean {
  const run = frame.run;
  switch (instruction.kind) {
    case "sleep":
      if (checkpoint(frame)) return true;
      // Even sleep(0) goes through the timers, so that a task yielding in a
      // loop cannot keep due timers from firing.
      frame.waiting = run.timers.sleepFrame(frame, instruction.ms);
      return false;
    case "spawn":
      return run.answer(
        NEXT,
        spawnChild(frame, instruction.fn, taskName(instruction.fn, instruction.name)),
      );
    case "scope":
      enterNested(frame, SCOPE, scopeBody(instruction.body), instruction.shield)
        .setFlag(BARE_SCOPE, instruction.bare);
      return false;
    case "all":
    case "race":
      enterCombinator(frame, instruction);
      return false;
    case "deadline":
      enterDeadline(frame, instruction);
      return false;
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
      return join(frame, run.frameOf(instruction.task), false, run.model.joinsOwnEnd);
    case "halt": {
      // The target is cancelled whatever happens next; waiting for it is a
      // checkpoint.
      const target = run.frameOf(instruction.task);
      run.model.cancel(target);
      if (checkpoint(frame)) return true;
      // From inside a task whose body is over (its cleanup, or a child it
      // waits for or halts), its end waits for this very frame: waiting
      // for it would wait for ever.
      if (target.ending && within(frame, target)) return run.answer(NEXT, undefined);
      return join(frame, target, true, run.model.joinsOwnEnd);
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

/** In a cancelled scope, the model answers instead of the wait (and this returns true). */
function checkpoint(frame: Frame): boolean {
  const cancelledBy = cancelledByOf(frame);
  return cancelledBy !== undefined && frame.run.model.checkpoint(frame, cancelledBy);
}

function startFrame(frame: Frame): void {
  markStarted(frame);
  if (frame.kind === DEADLINE) armDeadline(frame as DeadlineFrame);
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

/**
 * Drive a frame's generator until it waits or ends. A frame its model
 * wants returned (`RETURN_DUE`) is returned at its next step, and only
 * once: its `finally` blocks may wait.
 */
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
          frame.flags = (frame.flags | RETURNING) & ~RETURN_DUE;
          result = iterator.return ? iterator.return(undefined) : { done: true, value: undefined };
        }
      } catch (error) {
        endBody(frame, THROW, error);
        return;
      }
      if (result.done) {
        endBody(frame, (frame.flags & RETURNING) !== 0 ? RETURN : NEXT, result.value);
        return;
      }
      if ((frame.flags & RETURN_DUE) !== 0) {
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
      if ((frame.flags & RETURN_DUE) !== 0) {
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

/** The body is over (`how`: NEXT returned, THROW threw, RETURN was returned): the model ends it. */
function endBody(frame: Frame, how: number, value: unknown): void {
  markEnding(frame);
  frame.run.model.bodyEnded(frame, how, value);
}

/**
 * The frame settles with the outcome its model decides; then its parent
 * hears of it: a task's parent through the model, a cleanup's owner goes
 * on ending, a scope's owner resumes as the model says.
 */
export function settle(frame: Frame): void {
  const run = frame.run;
  run.model.decideOutcome(frame);
  if (frame.kind === DEADLINE) settleDeadline(frame as DeadlineFrame);
  markSettled(frame);
  const parent = frame.parent;
  if (parent === undefined) {
    run.finish(frame);
  } else if (frame.kind === TASK) {
    countChildSettled(parent);
    run.model.childSettled(parent, frame);
  } else if (frame.kind === CLEANUP) {
    if (frame.outcome === "failed") run.model.cleanupFailed(parent, frame.result);
    parent.waiting = undefined;
    run.enqueue(parent, 0, CONTINUE_ENDING, undefined);
  } else {
    parent.waiting = undefined;
    run.model.nestedSettled(parent, frame);
  }
}

function scopeBody(
  body: (handle: ScopeHandle) => Operation<unknown>,
): (frame: Frame) => Operation<unknown> {
  return (frame) => body(new FrameScopeHandle(frame));
}

/** What a `scope` body is given: spawn into the scope, or cancel it. */
class FrameScopeHandle implements ScopeHandle {
  constructor(readonly frame: Frame) {}

  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    const frame = this.frame;
    checkSpawnOptions("handle.spawn", options);
    const name = taskName(fn, options?.name);
    const refused = frame.run.model.refuseSpawn(frame);
    if (refused !== undefined) throw new Error(`cannot spawn ${name}: ${refused}`);
    const child = spawnChild(frame, fn, name);
    frame.run.wake();
    return child as Task<T>;
  }

  cancel(): void {
    this.frame.run.model.cancel(this.frame);
    this.frame.run.wake();
  }
}

/** `all` or `race`, as the shared combinator in a nested scope. */
function enterCombinator(frame: Frame, instruction: All<unknown> | Race<unknown>): void {
  enterNested(frame, SCOPE, combinatorBody(instruction), false).setFlag(BARE_SCOPE, true);
}

/**
 * A DEADLINE frame starts: when its deadline comes, a frame that was not
 * cancelled and whose outcome its model has not decided is `EXPIRED`, and
 * cancelled.
 */
function armDeadline(frame: DeadlineFrame): void {
  frame.timer = frame.run.timers.after(frame.deadline.ms, () => {
    frame.timer = undefined;
    const model = frame.run.model;
    if (frame.cancelled || model.outcomeDecided(frame)) return;
    frame.setFlag(EXPIRED, true);
    model.cancel(frame);
  });
}

/**
 * A DEADLINE frame settles: its timer is disarmed, and an operation its
 * deadline halted (`EXPIRED`) answers as the deadline says, `TimeoutError`
 * or `undefined`, unless its owner is being returned and takes no answer.
 */
function settleDeadline(frame: DeadlineFrame): void {
  frame.timer?.cancel();
  if (!frame.hasFlag(EXPIRED) || frame.outcome !== "halted") return;
  if ((frame.parent!.flags & RETURN_DUE) !== 0) return;
  const deadline = frame.deadline;
  frame.outcome = deadline.fail ? "failed" : "completed";
  frame.result = deadline.fail ? new TimeoutError(deadline.ms) : undefined;
}

/** A run of frames under one model. */
export class FrameRun extends SchedulerRun<Frame> {
  protected readonly runtimeName: string;

  constructor(options: RunOptions, readonly model: Model) {
    super(options);
    this.runtimeName = model.name;
  }

  /** Make the root task and drain the queue. */
  start(fn: OperationFn<unknown>): void {
    const name = taskName(fn, fn.name || "main");
    const root = new Frame(this, TASK, undefined, fn, this.nextId++, name, false);
    this.begin(root, START, this.model.cancel);
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
      const waiting = frame.waiting;
      const on = waiting instanceof Wait ? waiting.describe() : this.model.describeWait(frame);
      if (on !== undefined) {
        waits.push({ id: frame.task.id, wait: { task: deadlockName(frame.task), on } });
      }
      if (waiting instanceof Frame) frames.push(waiting);
      for (let child = frame.extras?.oldestChild; child; child = child.youngerSibling) {
        if (child !== waiting) frames.push(child);
      }
    }
    return waits.sort((a, b) => a.id - b.id).map(({ wait }) => wait);
  }

  /** The root has settled: so does the run. */
  finish(root: Frame): void {
    this.end(root.outcome!, root.result, root.toString());
  }

  /**
   * Reschedule a waiting frame. Under a model whose resumption ends the
   * wait (nursery, as trio), a cancellation arriving before it runs waits
   * for its next checkpoint, so the value it was woken with is never lost.
   */
  override resume(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (this.model.resumeEndsWait && frame.epoch === epoch) frame.waiting = undefined;
    this.enqueue(frame, epoch, mode, value);
  }

  protected runNext(frame: Frame, epoch: number, mode: number, value: unknown): void {
    if (mode === CANCEL) return this.model.cancel(frame);
    if (mode === CONTINUE_ENDING) return this.model.continueEnding(frame);
    if (frame.epoch !== epoch || frame.settled) return; // a stale wake-up
    frame.epoch++;
    if (mode === START) return startFrame(frame);
    if (mode === SLEPT) {
      // A sleep's wake-up loses to a cancellation that reached its scope in
      // the same instant (see `SLEPT`): the checkpoint answers instead.
      if (checkpoint(frame)) {
        mode = this.answerMode;
        value = this.answerValue;
      } else mode = NEXT;
    }
    frame.waiting = undefined;
    if (this.tracer && mode !== RETURN) this.trace(frame, "wake");
    step(frame, mode, value);
  }
}
