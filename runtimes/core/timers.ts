/**
 * The timers of the kit's own schedulers (`generator`, `nursery`, `native`):
 * one heap per run behind one host timer on the run's clock, armed for the
 * earliest deadline. The heap holds one `Due` per distinct deadline, and a
 * `Due` lists everything due then, in arming order: a sleeping frame as two
 * slots of that list (the frame and its epoch), any other timer as the
 * timer object. So a sleep costs no host timer and no object of its own,
 * only two slots of a list shared with every sleep that ends in the same
 * millisecond. That is a speed and memory choice, not a semantic one:
 * timers due at the same instant fire first-armed first, as the virtual
 * clock's own do.
 *
 * A cancelled sleep or timer stays in its list, and is skipped when the list
 * fires; a list with nothing live left is dropped when it reaches the top of
 * the heap (or at once with the rest, when nothing is left armed). On a
 * virtual clock such a list never keeps the host timer armed: the clock
 * must not jump to a deadline nobody waits for.
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

/** What a list of due entries needs of the timers it is in. */
interface TimerList {
  readonly run: TimerRun<unknown>;
  cancelled(due: Due): void;
}

/** A frame that sleeps in a shared list: its epoch tells a live entry from a stale one. */
export interface Sleeper {
  readonly epoch: number;
}

/**
 * Everything due at one deadline, in arming order. To a frame sleeping in
 * it, it is the frame's wait: cancelling it is the frame's leaving it (the
 * frame's epoch has moved on, so its entry is stale).
 */
export class Due extends Wait {
  /** Armed entries not yet cancelled; 0 once it has fired. */
  live = 0;
  /** A sleeper's two slots (frame, epoch), or one timer's two (timer, -1). */
  entries: unknown[] = [];

  constructor(
    readonly timers: TimerList,
    readonly deadline: number,
    readonly order: number,
  ) {
    super();
  }
  cancel(): void {
    this.timers.cancelled(this);
  }
  describe(): string {
    return "sleep";
  }
}

/** One deadline with an object of its own: a cancel scope's, or a sleep outside the core. */
export abstract class Timer extends Wait {
  constructor(readonly due: Due) {
    super();
  }
  get deadline(): number {
    return this.due.deadline;
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
    this.due.timers.cancelled(this.due);
  }
}

/** Something asleep until the deadline, woken through the run's `resume` (the promise loop's frames, `core/driver.ts`). */
export class SleepTimer<F> extends Timer {
  constructor(
    due: Due,
    readonly frame: F,
    /** The frame's epoch when it fell asleep; -1 once fired or cancelled. */
    public epoch: number,
  ) {
    super(due);
  }
  get armed(): boolean {
    return this.epoch >= 0;
  }
  fire(): void {
    const epoch = this.epoch;
    this.epoch = -1;
    this.due.timers.run.resume(this.frame, epoch, SLEPT, undefined);
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
  constructor(due: Due, callback: () => void) {
    super(due);
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
  #heap = new TimerHeap<Due>();
  /** The lists in the heap, by deadline. */
  #dues = new Map<number, Due>();
  /** Entries armed and not yet fired or cancelled. */
  #live = 0;
  #order = 0;
  #host: ClockTimer | undefined = undefined;
  /** `#fire` bound once, so that arming the host timer allocates no closure. */
  #fireLater = () => this.#fire();

  constructor(readonly run: TimerRun<F>) {}

  /**
   * Put a frame of the core to sleep for `ms`, in its epoch now: it resumes
   * with `SLEPT` unless its epoch moves on first. The list it sleeps in is
   * its wait.
   */
  sleepFrame(frame: F & Sleeper, ms: number): Due {
    const due = this.#dueIn(ms);
    due.entries.push(frame, frame.epoch);
    return due;
  }

  /** Put `frame` to sleep for `ms`; it resumes with `SLEPT` unless the timer is cancelled first. */
  sleep(frame: F, epoch: number, ms: number): SleepTimer<F> {
    const due = this.#dueIn(ms);
    const timer = new SleepTimer(due, frame, epoch);
    due.entries.push(timer, -1);
    return timer;
  }

  /** Call `callback` in `ms`, unless the timer is cancelled first. */
  after(ms: number, callback: () => void): CallbackTimer {
    const due = this.#dueIn(ms);
    const timer = new CallbackTimer(due, callback);
    due.entries.push(timer, -1);
    return timer;
  }

  /**
   * The list of what is due `ms` from now, with one more live entry. On the
   * real clock the deadline is rounded up to a whole millisecond: a sleep
   * is never shorter than asked (a host timer counts whole milliseconds
   * anyway), and sleeps in the same millisecond share a list. A virtual
   * clock's time stays exact.
   */
  #dueIn(ms: number): Due {
    const clock = this.run.clock;
    const exact = clock.now() + ms;
    const deadline = clock.kind === "virtual" ? exact : Math.ceil(exact);
    this.#live++;
    let due = this.#dues.get(deadline);
    if (due !== undefined) {
      due.live++;
      return due;
    }
    due = new Due(this, deadline, this.#order++);
    due.live = 1;
    this.#dues.set(deadline, due);
    this.#heap.push(due);
    if (this.#host === undefined || deadline < this.#host.deadline) this.#arm();
    return due;
  }

  /** The run is over: no host timer outlives it. */
  stop(): void {
    if (this.#host) this.run.clock.clearTimer(this.#host);
    this.#host = undefined;
  }

  /**
   * An entry of `due` was cancelled. With none left armed anywhere, the
   * heap is emptied. On a virtual clock, the host timer is re-armed (or
   * cleared) at once when `due` was the next and has nothing live left: the
   * clock jumps to the host timer's deadline, and must not jump to one
   * nobody waits for. On the real clock it is left to fire, finding nothing
   * due, and re-armed then: a `timeout` around an operation that finishes
   * at once then costs no host call.
   */
  cancelled(due: Due): void {
    // Every entry cancelled before the list fired had been counted live, so
    // a cancel that finds none live came after the fire: nothing to undo.
    if (due.live === 0) return;
    due.live--;
    const empty = --this.#live === 0;
    if (empty) {
      this.#heap.clear();
      this.#dues.clear();
    }
    if (this.run.clock.kind !== "virtual") return;
    if (empty) this.stop();
    else if (due.live === 0 && due === this.#heap.peek()) this.#arm();
  }

  /** Arm the host timer for the earliest live deadline, dropping dead lists on the way. */
  #arm(): void {
    const heap = this.#heap;
    while (heap.size > 0 && heap.peek()!.live === 0) this.#dues.delete(heap.pop()!.deadline);
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
      const due = heap.pop()!;
      this.#dues.delete(due.deadline);
      if (due.live > 0) this.#fireDue(due);
    }
    this.#arm();
    this.run.wake();
  }

  /** Wake every live sleeper of `due` and fire every armed timer, in arming order. */
  #fireDue(due: Due): void {
    this.#live -= due.live;
    due.live = 0;
    const entries = due.entries;
    due.entries = [];
    const run = this.run;
    for (let index = 0; index < entries.length; index += 2) {
      const epoch = entries[index + 1] as number;
      if (epoch >= 0) {
        const frame = entries[index] as F & Sleeper;
        if (frame.epoch === epoch) run.resume(frame, epoch, SLEPT, undefined);
      } else {
        const timer = entries[index] as Timer;
        if (timer.armed) timer.fire();
      }
    }
  }
}
