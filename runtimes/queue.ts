/**
 * `createQueue`: a first-in first-out channel between tasks, the same under
 * every runtime. The queue is plain data; a runtime that meets a `Take`
 * instruction either gets a value at once or registers a waiter, which is
 * how each runtime wakes its own tasks its own way.
 *
 * @module
 */

import { QueueClosedError } from "./errors.ts";
import { refuseUncalled, Take } from "./instructions.ts";
import type { Operation, Queue } from "./types.ts";

/** How a runtime is told that a waiting `get` can go on. */
export interface QueueWaiter<T> {
  /** A value arrived for this waiter. */
  deliver(value: T): void;
  /** The queue was closed while this waiter waited. */
  closed(): void;
}

/** The queue behind `createQueue`; runtimes use `tryTake`, `wait` and `unwait`. */
export class FifoQueue<T> implements Queue<T> {
  #buffer: T[] = [];
  #head = 0;
  #waiters: QueueWaiter<T>[] = [];
  #closed = false;

  get size(): number {
    return this.#buffer.length - this.#head;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  put(value: T): void {
    if (this.#closed) throw new QueueClosedError();
    const waiter = this.#waiters.shift();
    if (waiter) waiter.deliver(value);
    else this.#buffer.push(value);
  }

  get(): Operation<T> {
    return new Take<T>(this);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.closed();
  }

  /** For runtimes: take a buffered value, if there is one. */
  tryTake(): { value: T } | undefined {
    if (this.#head === this.#buffer.length) return undefined;
    const value = this.#buffer[this.#head++];
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    }
    return { value };
  }

  /** For runtimes: wait for the next value (call only after `tryTake` found none). */
  wait(waiter: QueueWaiter<T>): void {
    if (this.#closed) waiter.closed();
    else this.#waiters.push(waiter);
  }

  /**
   * For runtimes: a value delivered to a waiter that was cancelled before it
   * could take it comes back, to the next waiter or the front of the buffer.
   */
  giveBack(value: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.deliver(value);
    else if (this.#head > 0) this.#buffer[--this.#head] = value;
    else this.#buffer.unshift(value);
  }

  /** For runtimes: stop waiting (the waiting task was cancelled). */
  unwait(waiter: QueueWaiter<T>): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}

refuseUncalled(FifoQueue.prototype.get, "queue.get", "queue.get()");

/**
 * Make a queue: `put(v)` is synchronous, `get()` is an operation and a
 * cancellation point, `close()` ends it.
 *
 * @example Hand values from one task to another
 * ```ts
 * import { createQueue, runtimes, spawn } from "@kit/concurrency";
 *
 * const got = await runtimes.generator.run(function* () {
 *   const queue = createQueue<number>();
 *   yield* spawn(function* producer() {
 *     queue.put(1);
 *     queue.put(2);
 *   });
 *   return (yield* queue.get()) + (yield* queue.get());
 * });
 * if (got !== 3) throw new Error(`expected 3, got ${got}`);
 * ```
 */
export function createQueue<T>(): Queue<T> {
  return new FifoQueue<T>();
}

/** For runtimes: the queue behind a `Take`, checked. */
export function fifoOf<T>(queue: Queue<T>): FifoQueue<T> {
  if (queue instanceof FifoQueue) return queue;
  throw new TypeError("get() works only on queues made by createQueue()");
}
