/**
 * The timers of the kit's own schedulers (`generator`, `nursery`): one heap
 * per run, ordered by deadline and then by arming order, behind one host
 * timer on the run's clock, armed for the earliest deadline. A sleep is one
 * small entry, not a host timer each: that is a speed and memory choice,
 * not a semantic one (timers due at the same instant fire first-armed
 * first, as the virtual clock's own do).
 *
 * A cancelled timer is dropped lazily, when it reaches the top of the heap
 * (or at once with the rest, when no timer is left armed); on a virtual
 * clock it never keeps the host timer armed: the clock must not jump to the
 * deadline of a timer nobody waits for.
 *
 * @module
 */

import { TimerHeap } from "../timer_heap.ts";
import { Wait } from "../waits.ts";
import type { Clock, ClockTimer } from "../types.ts";

/**
 * The resume mode of a sleep whose deadline came. Not `NEXT`: as in trio,
 * where a sleep is a deadline in a cancel scope of its own, a wake-up that
 * meets a cancellation of an enclosing scope in the same instant loses to it
 * (`core/loop.ts` asks the model's checkpoint before the frame resumes).
 */
export const SLEPT = 6;

/** What the timers need of their run. */
export interface TimerRun<F> {
  readonly clock: Clock;
  /** Queue a resumption of `frame`, without draining the queue. */
  resume(frame: F, epoch: number, mode: number, value: unknown): void;
  /** Make sure the queue is drained soon. */
  wake(): void;
}

/** What a timer needs of the timers it is in. */
interface TimerList {
  cancelled(timer: Timer): void;
}

/** One armed deadline in the heap. */
export abstract class Timer extends Wait {
  constructor(
    readonly timers: TimerList,
    readonly deadline: number,
    readonly order: number,
  ) {
    super();
  }
  /** False once it fired or was cancelled. */
  abstract get armed(): boolean;
  /** Its deadline has come: act, and disarm. */
  abstract fire(): void;
  /** Disarm it; nothing happens if it fired already. */
  abstract disarm(): void;
  cancel(): void {
    if (!this.armed) return;
    this.disarm();
    this.timers.cancelled(this);
  }
}

/** A frame asleep until the deadline. */
export class SleepTimer<F> extends Timer {
  constructor(
    timers: Timers<F>,
    deadline: number,
    order: number,
    readonly frame: F,
    /** The frame's epoch when it fell asleep; -1 once fired or cancelled. */
    public epoch: number,
  ) {
    super(timers, deadline, order);
  }
  get armed(): boolean {
    return this.epoch >= 0;
  }
  fire(): void {
    const epoch = this.epoch;
    this.epoch = -1;
    (this.timers as Timers<F>).run.resume(this.frame, epoch, SLEPT, undefined);
  }
  disarm(): void {
    this.epoch = -1;
  }
  describe(): string {
    return "sleep";
  }
}

/** A deadline that calls a function: a cancel scope's, say. */
export class CallbackTimer extends Timer {
  #callback: (() => void) | undefined;
  constructor(timers: TimerList, deadline: number, order: number, callback: () => void) {
    super(timers, deadline, order);
    this.#callback = callback;
  }
  get armed(): boolean {
    return this.#callback !== undefined;
  }
  fire(): void {
    const callback = this.#callback!;
    this.#callback = undefined;
    callback();
  }
  disarm(): void {
    this.#callback = undefined;
  }
  describe(): string {
    return "deadline";
  }
}

/** A run's timers: a heap of deadlines behind one host timer. */
export class Timers<F> {
  #heap = new TimerHeap<Timer>();
  /** Timers armed and not yet fired or cancelled. */
  #live = 0;
  #order = 0;
  #host: ClockTimer | undefined = undefined;
  /** `#fire` bound once, so that arming the host timer allocates no closure. */
  #fireLater = () => this.#fire();

  constructor(readonly run: TimerRun<F>) {}

  /** Put `frame` to sleep for `ms`; it resumes with `SLEPT` unless the wait is cancelled first. */
  sleep(frame: F, epoch: number, ms: number): SleepTimer<F> {
    const timer = new SleepTimer(this, this.#deadlineIn(ms), this.#order++, frame, epoch);
    this.#add(timer);
    return timer;
  }

  /** Call `callback` in `ms`, unless the timer is cancelled first. */
  after(ms: number, callback: () => void): CallbackTimer {
    const timer = new CallbackTimer(this, this.#deadlineIn(ms), this.#order++, callback);
    this.#add(timer);
    return timer;
  }

  /**
   * The deadline `ms` from now. On the real clock it is rounded up to a
   * whole millisecond: a sleep is never shorter than asked (a host timer
   * counts whole milliseconds anyway), and a whole number is stored in the
   * timer as a small integer, where a fraction takes a boxed number of 16
   * bytes more per sleeper. A virtual clock's time stays exact.
   */
  #deadlineIn(ms: number): number {
    const clock = this.run.clock;
    const deadline = clock.now() + ms;
    return clock.kind === "virtual" ? deadline : Math.ceil(deadline);
  }

  /** The run is over: no host timer outlives it. */
  stop(): void {
    if (this.#host) this.run.clock.clearTimer(this.#host);
    this.#host = undefined;
  }

  /**
   * A timer was cancelled. With none left armed, the heap is emptied. On a
   * virtual clock, the host timer is re-armed (or cleared) at once when the
   * cancelled timer was the next due: the clock jumps to the host timer's
   * deadline, and must not jump to one nobody waits for. On the real clock
   * it is left to fire, finding nothing due, and re-armed then: a `timeout`
   * around an operation that finishes at once then costs no host call.
   */
  cancelled(timer: Timer): void {
    const empty = --this.#live === 0;
    if (empty) this.#heap.clear();
    if (this.run.clock.kind !== "virtual") return;
    if (empty) this.stop();
    else if (timer === this.#heap.peek()) this.#arm();
  }

  #add(timer: Timer): void {
    this.#live++;
    this.#heap.push(timer);
    if (this.#host === undefined || timer.deadline < this.#host.deadline) this.#arm();
  }

  /** Arm the host timer for the earliest armed deadline, dropping cancelled ones on the way. */
  #arm(): void {
    const heap = this.#heap;
    while (heap.size > 0 && !heap.peek()!.armed) heap.pop();
    const next = heap.peek();
    const host = this.#host;
    if (host !== undefined && next !== undefined && host.deadline === next.deadline) return;
    const clock = this.run.clock;
    if (host) clock.clearTimer(host);
    this.#host = next === undefined
      ? undefined
      : clock.setTimer(Math.max(0, next.deadline - clock.now()), this.#fireLater);
  }

  #fire(): void {
    this.#host = undefined;
    const heap = this.#heap;
    const now = this.run.clock.now();
    while (heap.size > 0 && heap.peek()!.deadline <= now) {
      const timer = heap.pop()!;
      if (!timer.armed) continue;
      this.#live--;
      timer.fire();
    }
    this.#arm();
    this.run.wake();
  }
}
