/**
 * The synchronisation primitives people reach for: a lock, a semaphore, an
 * event, and `resource`, a value released when the scope that acquired it
 * ends (Python's `async with`).
 *
 * Written once over the verbs and the queue, so they work under every
 * runtime in the registry, including ones added later. A semaphore is a
 * queue of tokens: `acquire` is a `get`, served first come, first served;
 * `release` puts a token back, which hands it straight to the oldest
 * waiter. What a runtime does with a task that was handed the token and
 * then cancelled before it could run again shows through: under `nursery`,
 * as in trio, the task holds the lock and meets the cancellation at its
 * next wait (where its `finally` releases it); elsewhere the token goes on
 * to the next waiter, and the cancelled task never holds it.
 *
 * @module
 */

import { shown } from "./channel.ts";
import { refuseUncalled } from "./instructions.ts";
import { FifoQueue } from "./queue.ts";
import type { Operation } from "./types.ts";
import { ensure } from "./verbs.ts";

/** Up to `n` tasks at a time may hold a semaphore. */
export interface Semaphore {
  /** Wait for a token, behind every task that asked earlier; a cancellation point. */
  acquire(): Operation<void>;
  /** Give a token back: to the oldest waiter, or to the semaphore. Throws if none is held. */
  release(): void;
  /**
   * Run `body` holding a token, released when `body` ends however it ends
   * (`async with semaphore:`).
   */
  hold<T>(body: () => Operation<T>): Operation<T>;
  /** How many tokens are free now. */
  readonly available: number;
}

/** A semaphore of one: one task at a time holds it. */
export interface Lock {
  /** Wait for the lock, behind every task that asked earlier; a cancellation point. */
  acquire(): Operation<void>;
  /** Give the lock to the oldest waiter, or leave it free. Throws if nobody holds it. */
  release(): void;
  /** Run `body` holding the lock, released when `body` ends however it ends (`async with lock:`). */
  hold<T>(body: () => Operation<T>): Operation<T>;
  /** Whether a task holds it now. */
  readonly locked: boolean;
}

class TokenSemaphore implements Semaphore, Lock {
  readonly #tokens = new FifoQueue<true>();
  #held = 0;

  constructor(count: number, readonly what: string) {
    for (let token = 0; token < count; token++) this.#tokens.put(true);
  }

  get available(): number {
    return this.#tokens.size;
  }

  get locked(): boolean {
    return this.#held > 0;
  }

  *acquire(): Operation<void> {
    yield* this.#tokens.get();
    this.#held++;
  }

  release(): void {
    if (this.#held === 0) {
      throw new Error(`release() of ${this.what} that nobody holds: acquire it first`);
    }
    this.#held--;
    this.#tokens.put(true);
  }

  *hold<T>(body: () => Operation<T>): Operation<T> {
    yield* this.acquire();
    try {
      return yield* body();
    } finally {
      this.release();
    }
  }
}

// `yield* lock.acquire;` (the method not called) says what to write.
refuseUncalled(TokenSemaphore.prototype.acquire, "lock.acquire", "lock.acquire()");
refuseUncalled(TokenSemaphore.prototype.hold, "lock.hold", "lock.hold(function* () { ... })");

/**
 * Make a free lock, served first come, first served (asyncio's and trio's
 * `Lock`; any task may release it, as in asyncio).
 *
 * @example Two tasks take turns
 * ```ts
 * import { createLock, log, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const lines: string[] = [];
 * await runtimes.generator.run(function* () {
 *   const lock = createLock();
 *   function* turn(name: string) {
 *     yield* lock.hold(function* () {
 *       yield* log(`${name} in`);
 *       yield* sleep(10);
 *       yield* log(`${name} out`);
 *     });
 *   }
 *   const a = yield* spawn(() => turn("a"));
 *   const b = yield* spawn(() => turn("b"));
 *   yield* a;
 *   yield* b;
 * }, { clock: virtualClock(), output: (line) => lines.push(line) });
 * if (lines.join() !== "a in,a out,b in,b out") throw new Error(lines.join());
 * ```
 */
export function createLock(): Lock {
  return new TokenSemaphore(1, "a lock");
}

/**
 * Make a semaphore with `count` free tokens: at most `count` tasks hold one
 * at a time, the others wait their turn, first come, first served.
 *
 * @example At most two at a time
 * ```ts
 * import { createSemaphore, now, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const ended = await runtimes.generator.run(function* () {
 *   const slots = createSemaphore(2);
 *   const tasks = [];
 *   for (let n = 0; n < 4; n++) tasks.push(yield* spawn(() => slots.hold(() => sleep(100))));
 *   for (const task of tasks) yield* task;
 *   return yield* now();
 * }, { clock: virtualClock() });
 * if (ended !== 200) throw new Error(`ended at ${ended} ms`);
 * ```
 */
export function createSemaphore(count: number): Semaphore {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `createSemaphore(${shown(count)}): the count must be a whole number, 1 or more`,
    );
  }
  return new TokenSemaphore(count, "a semaphore");
}

/** A flag that tasks can wait for, set once. */
export interface Event {
  /** Set the flag, waking every task that waits; setting it again does nothing. */
  set(): void;
  /** Wait until the flag is set (at once if it is); a cancellation point while it waits. */
  wait(): Operation<void>;
  /** Whether the flag is set. */
  readonly isSet: boolean;
}

/**
 * Make an event, not yet set (asyncio's and trio's `Event`).
 *
 * @example Wait for a signal from another task
 * ```ts
 * import { createEvent, now, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const at = await runtimes.generator.run(function* () {
 *   const ready = createEvent();
 *   yield* spawn(function* () {
 *     yield* sleep(300);
 *     ready.set();
 *   });
 *   yield* ready.wait();
 *   return yield* now();
 * }, { clock: virtualClock() });
 * if (at !== 300) throw new Error(`woke at ${at} ms`);
 * ```
 */
export function createEvent(): Event {
  // Each waiter waits on a mailbox of its own, handed a value when the
  // event is set, so that a waiter woken and cancelled before it runs fares
  // as one handed a lock does, under every runtime.
  let waiters: FifoQueue<true>[] | undefined = [];
  return {
    set() {
      if (!waiters) return;
      for (const mailbox of waiters) mailbox.put(true);
      waiters = undefined;
    },
    *wait() {
      if (!waiters) return;
      const mailbox = new FifoQueue<true>();
      waiters.push(mailbox);
      let woken = false;
      try {
        yield* mailbox.get();
        woken = true;
      } finally {
        // Cancelled while it waits: it waits no more.
        const index = !woken && waiters ? waiters.indexOf(mailbox) : -1;
        if (index >= 0) waiters!.splice(index, 1);
      }
    },
    get isSet() {
      return !waiters;
    },
  };
}

/**
 * Acquire a value and have `release(value)` run when the current scope
 * (the task, or the innermost `scope`) ends, however it ends: returning,
 * failing or halted. Python's `async with pool.acquire() as conn:`. The
 * release is registered with `ensure` in the same step as the value
 * arrives, so no cancellation can come between; an `acquire` that is
 * itself cancelled or fails has nothing to release.
 *
 * @example A connection returned to its pool when the scope ends
 * ```ts
 * import { createQueue, resource, runtimes, scope } from "@kit/concurrency";
 *
 * const pool = createQueue<string>();
 * pool.put("connection 1");
 * const used = await runtimes.generator.run(function* () {
 *   yield* scope(function* () {
 *     const connection = yield* resource(pool.get(), (connection) => pool.put(connection));
 *     if (pool.size !== 0) throw new Error("the connection should be out of the pool");
 *     return connection;
 *   });
 *   return pool.size;
 * });
 * if (used !== 1) throw new Error("the connection should be back in the pool");
 * ```
 */
export function* resource<T>(
  acquire: Operation<T> | (() => Operation<T>),
  release: (value: T) => Operation<void> | void,
): Operation<T> {
  const operation = typeof acquire === "function" ? acquire() : acquire;
  if (!isOperation(operation)) {
    throw new TypeError(
      "resource(acquire, release): acquire must be an operation or a function that returns one, " +
        `not ${shown(operation)}`,
    );
  }
  if (typeof release !== "function") {
    throw new TypeError(
      `resource(acquire, release): release must be a function of the value, not ${shown(release)}`,
    );
  }
  const value = yield* operation;
  yield* ensure(() => release(value));
  return value;
}

refuseUncalled(resource, "resource", "resource(acquire, release)");

function isOperation(value: unknown): value is Operation<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as Operation<unknown>)[Symbol.iterator] === "function";
}
