/**
 * The plumbing shared by the kit's own schedulers (`generator`, `nursery`),
 * on top of what every run shares (`core/run.ts`): the FIFO run queue and
 * its drain loop (which lets a virtual clock jump when nothing can run,
 * and, under `schedule: shuffle`, runs each batch of woken tasks in a
 * seeded random order), the timers (`core/timers.ts`), wake-ups from
 * outside the loop, and the deadlock found when nothing can.
 * What a frame is and what its resumptions mean stays in each runtime.
 *
 * @module
 */

import { type DeadlockWait, idleDeadlock } from "./errors.ts";
import { otherRun, RunBase, type TraceExtra } from "./core/run.ts";
import { RunQueue } from "./run_queue.ts";
import { Timers } from "./core/timers.ts";
import { seededRandom, shuffleIndexes } from "./schedule.ts";
import type { RunOptions, Task, TraceEventType } from "./types.ts";
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

/**
 * Put back in the order they were queued the entries of any frame queued
 * more than once in a batch (a wake-up and a cancellation, say), each in
 * one of the places the shuffle gave that frame: what is shuffled is the
 * order of the tasks, as in trio, where a task is scheduled at most once;
 * which wake-up a task receives stays what it is under first in, first out.
 */
function keepEachFramesOrder(batch: unknown[], order: number[], count: number): void {
  const places = new Map<unknown, number[]>();
  for (let place = 0; place < count; place++) {
    const frame = batch[order[place] * 4];
    const taken = places.get(frame);
    if (taken) taken.push(place);
    else places.set(frame, [place]);
  }
  for (const taken of places.values()) {
    if (taken.length < 2) continue;
    const entries = taken.map((place) => order[place]).sort((a, b) => a - b);
    taken.forEach((place, index) => order[place] = entries[index]);
  }
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
  /** Under `schedule: shuffle`, the seeded random source that orders each batch. */
  #random: (() => number) | undefined;
  /** The batch being shuffled, four slots an entry as in the queue, and the order to run it in. */
  #batch: unknown[] = [];
  #batchOrder: number[] = [];

  constructor(options: RunOptions) {
    super(options);
    const schedule = options.schedule;
    this.#random = schedule?.order === "shuffle" ? seededRandom(schedule.seed) : undefined;
  }

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
        if (this.#random) this.#drainShuffled(queue, this.#random);
        else while (queue.shift()) this.runNext(queue.frame, queue.epoch, queue.mode, queue.value);
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
   * Drain the queue a batch at a time, as trio does: take everything queued
   * now, run it in a random order, then what those steps queued, and so on.
   */
  #drainShuffled(queue: RunQueue<F>, random: () => number): void {
    const batch = this.#batch;
    const order = this.#batchOrder;
    for (;;) {
      let count = 0;
      while (queue.shift()) {
        const slot = count++ * 4;
        batch[slot] = queue.frame;
        batch[slot + 1] = queue.epoch;
        batch[slot + 2] = queue.mode;
        batch[slot + 3] = queue.value;
      }
      if (count === 0) return;
      shuffleIndexes(order, count, random);
      keepEachFramesOrder(batch, order, count);
      for (let index = 0; index < count; index++) {
        const slot = order[index] * 4;
        const frame = batch[slot] as F;
        const value = batch[slot + 3];
        // Keep neither the frame nor the value alive from here.
        batch[slot] = batch[slot + 3] = undefined;
        this.runNext(frame, batch[slot + 1] as number, batch[slot + 2] as number, value);
      }
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
