/**
 * How a task waits, under every runtime that drives generators itself
 * (`generator`, `nursery`, `native`): on a queue, on a promise API, on
 * another task, on nothing (`suspend`), on a timer. Every wait is a `Wait`
 * with one way out besides its wake-up, `cancel()`, through which every
 * cancellation goes: it undoes the wait so that nothing is lost (a queue
 * value goes to the next getter) and nothing stays armed (a timer, a call's
 * signal). `describe()` names it, for a deadlock's list and a trace.
 *
 * A wait records the frame's epoch and wakes it through its `Waker`: the
 * run's `wakeWith`. `invoke`, how a `call`'s function is called and its
 * result read, serves every runtime.
 *
 * @module
 */

import { QueueClosedError } from "./errors.ts";
import type { FifoQueue, QueueWaiter } from "./queue.ts";

/** Resume with `iterator.next(value)`. */
export const NEXT = 0;
/** Resume with `iterator.throw(value)`. */
export const THROW = 1;

/** What a wait needs of its scheduler. */
export interface Waker<F> {
  /** Queue a resumption and make sure the queue is drained. */
  wakeWith(frame: F, epoch: number, mode: number, value: unknown): void;
  /** Calls in flight: a virtual clock stands still while there are any. */
  inFlight: number;
}

/**
 * One way of waiting. A wait stays its frame's until the frame resumes, so
 * a cancellation that lands after the wake-up but before the resumption
 * still goes through `cancel()`.
 */
export abstract class Wait {
  /** Stop waiting: undo the wait, losing nothing and leaving nothing armed. */
  abstract cancel(): void;
  /** What the frame waits on, as a deadlock's list and a trace name it. */
  abstract describe(): string;
}

/** `suspend()`: waiting for nothing, until a cancellation. */
class Suspended extends Wait {
  cancel(): void {}
  describe(): string {
    return "suspend";
  }
}

/** The one wait of every `suspend()`: there is nothing to undo. */
export const SUSPENDED: Wait = new Suspended();

/** A `get` waiting on a queue. */
export class TakeWaiter<F, T> extends Wait implements QueueWaiter<T> {
  #delivered: { value: T } | undefined = undefined;

  constructor(
    readonly waker: Waker<F>,
    readonly frame: F,
    readonly epoch: number,
    readonly queue: FifoQueue<T>,
  ) {
    super();
  }
  deliver(value: T): void {
    this.#delivered = { value };
    this.waker.wakeWith(this.frame, this.epoch, NEXT, value);
  }
  closed(): void {
    this.waker.wakeWith(this.frame, this.epoch, THROW, new QueueClosedError());
  }
  /** Stop waiting; a value delivered but not yet taken goes back to the queue. */
  cancel(): void {
    if (this.#delivered) this.queue.giveBack(this.#delivered.value);
    else this.queue.unwait(this);
  }
  describe(): string {
    return "take";
  }
}

/** A promise API in flight; its signal aborts when the caller is cancelled. */
export class CallWaiter<F> extends Wait {
  done = false;
  constructor(
    readonly waker: Waker<F>,
    readonly frame: F,
    readonly epoch: number,
    readonly controller: AbortController,
  ) {
    super();
    waker.inFlight++;
  }
  settle(mode: number, value: unknown): void {
    if (this.done) return;
    this.done = true;
    this.waker.inFlight--;
    this.waker.wakeWith(this.frame, this.epoch, mode, value);
  }
  /** Abort the call's signal (unless it settled); its settlement is then ignored. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.waker.inFlight--;
    this.controller.abort();
  }
  describe(): string {
    return "call";
  }
}

/** What calling a `call`'s function gave. */
export type Invoked =
  | { value: unknown }
  | { error: unknown }
  | { promise: Promise<unknown> };

/**
 * Call `fn(signal)`: a plain value, the error it threw, or the promise to
 * wait on. A promise-like is adopted by `Promise.resolve`, so that a hostile
 * one (a `then` that throws, a `then` getter that throws) becomes an error
 * or a rejection, never an exception in the runtime, and never a wait that
 * no settlement ends.
 */
export function invoke(fn: (signal: AbortSignal) => unknown, signal: AbortSignal): Invoked {
  try {
    const result = fn(signal);
    if (!isPromiseLike(result)) return { value: result };
    return { promise: Promise.resolve(result) };
  } catch (error) {
    return { error };
  }
}

/**
 * Start `fn(signal)`, with the signal of `controller` (a fresh one unless
 * given). Answers `{ value }` or `{ error }` when it settled at once (it
 * returned a plain value or threw), else the waiter that wakes the frame
 * when its promise settles.
 */
export function startCall<F>(
  waker: Waker<F>,
  frame: F,
  epoch: number,
  fn: (signal: AbortSignal) => unknown,
  controller: AbortController = new AbortController(),
): { value: unknown } | { error: unknown } | CallWaiter<F> {
  const invoked = invoke(fn, controller.signal);
  if (!("promise" in invoked)) return invoked;
  const waiter = new CallWaiter(waker, frame, epoch, controller);
  invoked.promise.then(
    (value) => waiter.settle(NEXT, value),
    (error) => waiter.settle(THROW, error),
  );
  return waiter;
}

/** True for anything with a `then` method, as `await` sees it. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/** Waiting for another frame to settle: a join, or the end of a halt. */
export class JoinWaiter<F extends { joiners: JoinWaiter<F>[] | undefined }> extends Wait {
  constructor(
    readonly frame: F,
    readonly epoch: number,
    readonly target: F,
    readonly forHalt: boolean,
  ) {
    super();
  }
  cancel(): void {
    const joiners = this.target.joiners;
    const index = joiners ? joiners.indexOf(this) : -1;
    if (index >= 0) joiners!.splice(index, 1);
  }
  describe(): string {
    return `${this.forHalt ? "halt" : "join"} ${this.target}`;
  }
}

/** What `takeFrom` and `callFrom` need of a frame of the kit's own schedulers. */
export interface WaitingFrame<F> {
  readonly run: Waker<F> & { answer(mode: number, value: unknown): true };
  epoch: number;
  waiting: unknown;
}

/**
 * A `get`: answers at once with a buffered value (or the closed queue's
 * error), else leaves the frame waiting. True when answered at once.
 */
export function takeFrom<F extends WaitingFrame<F>, T>(frame: F, queue: FifoQueue<T>): boolean {
  const got = queue.tryTake();
  if (got) return frame.run.answer(NEXT, got.value);
  if (queue.isClosed) return frame.run.answer(THROW, new QueueClosedError());
  const waiter = new TakeWaiter(frame.run, frame, frame.epoch, queue);
  queue.wait(waiter);
  frame.waiting = waiter;
  return false;
}

/**
 * A `call`: answers at once when `fn` returns a plain value or throws, else
 * leaves the frame waiting for its promise. True when answered at once.
 * The signal is `controller`'s (a fresh one unless given).
 */
export function callFrom<F extends WaitingFrame<F>>(
  frame: F,
  fn: (signal: AbortSignal) => unknown,
  controller?: AbortController,
): boolean {
  const started = startCall(frame.run, frame, frame.epoch, fn, controller);
  if ("value" in started) return frame.run.answer(NEXT, started.value);
  if ("error" in started) return frame.run.answer(THROW, started.error);
  frame.waiting = started;
  return false;
}
