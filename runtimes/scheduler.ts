/**
 * The plumbing shared by the kit's own schedulers (`generator`, `nursery`),
 * on top of what every run shares (`core/run.ts`): the FIFO run queue and
 * its drain loop (which lets a virtual clock jump when nothing can run),
 * the timers (`core/timers.ts`), wake-ups from outside the loop, and the
 * deadlock found when nothing can.
 * What a frame is and what its resumptions mean stays in each runtime.
 *
 * @module
 */

import { type DeadlockWait, idleDeadlock } from "./errors.ts";
import { otherRun, RunBase, type TraceExtra } from "./core/run.ts";
import { RunQueue } from "./run_queue.ts";
import { Timers } from "./core/timers.ts";
import type { Task, TraceEventType } from "./types.ts";
import { NEXT, type Waker } from "./waits.ts";

/** What the shared run needs to know of a frame. */
export interface ScheduledFrame {
  /** Bumped whenever the frame leaves a wait: older wake-ups are stale. */
  epoch: number;
  readonly id: number;
  readonly name: string;
  /** The task the frame belongs to (itself for a task). */
  readonly task: ScheduledFrame;
  /** The frame it was spawned into or entered from; none for the root. */
  readonly parent: ScheduledFrame | undefined;
}

/** One run of an operation on one of the kit's own schedulers. */
export abstract class SchedulerRun<F extends ScheduledFrame> extends RunBase implements Waker<F> {
  /** The frame whose generator is running, if any. */
  current: F | undefined = undefined;
  /** Where `dispatch` leaves an answer given at once. */
  answerMode = NEXT;
  answerValue: unknown = undefined;
  #queue = new RunQueue<F>();
  #flushing = false;
  #flushScheduled = false;
  #root: F | undefined = undefined;
  #cancelRoot: ((root: F) => void) | undefined = undefined;
  /** `flush` bound once, so that a wake-up allocates no closure. */
  #flushLater = () => this.flush();
  /** Every sleep and deadline of the run, behind one host timer. */
  readonly timers: Timers<F> = new Timers<F>(this);

  /** Resume `frame` from the queue; `epoch` says whether the entry is stale. */
  protected abstract runNext(frame: F, epoch: number, mode: number, value: unknown): void;

  /** Every task that waits, from the root down, and what each waits on (a deadlock's list). */
  protected abstract waitsOf(root: F): DeadlockWait[];

  /** True when `task` is one of this run's frames. */
  protected abstract owns(task: Task<unknown>): task is F & Task<unknown>;

  /** The frame behind a task of this run; a task of another run is an error. */
  frameOf(task: Task<unknown>): F {
    if (this.owns(task)) return task;
    throw otherRun(task);
  }

  /** Queue the root's start, let `signal` cancel it, and drain. */
  protected begin(root: F, startMode: number, cancelRoot: (root: F) => void): void {
    if (this.tracer) this.trace(root, "spawn");
    this.#root = root;
    this.#cancelRoot = cancelRoot;
    this.enqueue(root, 0, startMode, undefined);
    const alreadyAborted = this.listenForAbort(() => {
      cancelRoot(root);
      this.wake();
    });
    if (alreadyAborted) cancelRoot(root);
    this.flush();
  }

  /** The run is over: no host timer outlives it. */
  protected override release(): void {
    this.timers.stop();
  }

  /** Leave an answer for the step loop; always `true`, for `return run.answer(...)`. */
  answer(mode: number, value: unknown): true {
    this.answerMode = mode;
    this.answerValue = value;
    return true;
  }

  enqueue(frame: F, epoch: number, mode: number, value: unknown): void {
    this.#queue.push(frame, epoch, mode, value);
  }

  /** A wait's wake-up: queue the frame's resumption (a model may also end the wait here). */
  resume(frame: F, epoch: number, mode: number, value: unknown): void {
    this.enqueue(frame, epoch, mode, value);
  }

  /** A wake-up from outside the drain loop (a timer, a promise, a queue). */
  wakeWith(frame: F, epoch: number, mode: number, value: unknown): void {
    this.resume(frame, epoch, mode, value);
    this.wake();
  }

  /** Make sure the queue is drained soon, if no drain is under way. */
  wake(): void {
    if (this.#flushing || this.#flushScheduled || this.over) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flushLater);
  }

  /** Drain the queue; when nothing can run, let a virtual clock fire or jump. */
  flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    this.#flushScheduled = false;
    const queue = this.#queue;
    try {
      for (;;) {
        while (queue.shift()) this.runNext(queue.frame, queue.epoch, queue.mode, queue.value);
        if (this.over) break;
        if (this.clock.idle(this.inFlight === 0)) continue;
        // Nothing can run; on a virtual clock with no call in flight, nothing ever will.
        if (this.inFlight > 0 || this.clock.kind !== "virtual" || !this.#deadlocked()) break;
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * No task can run, no timer is armed and no call is in flight: whatever
   * still waits waits for ever. The first time, the root is halted as
   * Ctrl-C would halt it, so that every cleanup runs, and the drain goes on
   * (true); the run then rejects with the deadlock. Found again (the halt is
   * stuck too: a cleanup that waits for ever), the run ends at once, leaving
   * those waits where they are (false).
   */
  #deadlocked(): boolean {
    if (!this.noteDeadlock(idleDeadlock(this.clock.now(), this.waitsOf(this.#root!)))) return false;
    this.#cancelRoot!(this.#root!);
    return true;
  }

  trace(frame: F, type: TraceEventType, extra?: TraceExtra): void {
    const task = frame.task;
    this.traceTask(task, task.parent?.task.id, type, extra);
  }
}
