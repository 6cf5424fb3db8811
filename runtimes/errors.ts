/**
 * The errors that the kit's verbs and runtimes raise, each with a message
 * that says what happened and, where it helps, what to do.
 *
 * @module
 */

/**
 * A `timeout(ms, op)` whose deadline passed before `op` finished.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@kit/concurrency";
 *
 * const error = new TimeoutError(100);
 * if (error.message !== "timed out after 100 ms") throw error;
 * ```
 */
export class TimeoutError extends Error {
  /** Always `"TimeoutError"`. */
  override name = "TimeoutError";
  /** An error for a deadline of `ms` milliseconds. */
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/**
 * Thrown by joining a task that was halted before it could finish.
 *
 * @example
 * ```ts
 * import { HaltedError } from "@kit/concurrency";
 *
 * const error = new HaltedError("Task#1 worker (halted)");
 * if (!error.message.startsWith("Task#1 worker")) throw error;
 * ```
 */
export class HaltedError extends Error {
  /** Always `"HaltedError"`. */
  override name = "HaltedError";
  /** An error naming the halted task (its `toString()`). */
  constructor(task: string) {
    super(`${task} was halted before it finished`);
  }
}

/**
 * Thrown by `get()` on a queue that is closed and empty, and by `put` after
 * `close`.
 *
 * @example
 * ```ts
 * import { createQueue, QueueClosedError } from "@kit/concurrency";
 *
 * const queue = createQueue<number>();
 * queue.close();
 * try {
 *   queue.put(1);
 * } catch (error) {
 *   if (!(error instanceof QueueClosedError)) throw error;
 * }
 * ```
 */
export class QueueClosedError extends Error {
  /** Always `"QueueClosedError"`. */
  override name = "QueueClosedError";
  /** An error for a closed queue. */
  constructor() {
    super("the queue is closed");
  }
}

/**
 * True for the errors by which a runtime delivers cancellation: `nursery`'s
 * `Cancelled` and `native`'s `AbortError`.
 *
 * @example
 * ```ts
 * import { isCancellation } from "./errors.ts";
 *
 * if (!isCancellation(new DOMException("stop", "AbortError"))) throw new Error("expected true");
 * ```
 */
export function isCancellation(error: unknown): boolean {
  return error instanceof Cancelled ||
    (error instanceof DOMException && error.name === "AbortError");
}

/**
 * How the `nursery` runtime delivers cancellation: thrown at a checkpoint
 * (any operation that waits). `catch` sees it and must rethrow it; every
 * later checkpoint in the cancelled scope throws it again, unless shielded.
 *
 * @example
 * ```ts
 * import { Cancelled, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * let seen = "";
 * await runtimes.nursery.run(function* () {
 *   const task = yield* spawn(function* worker() {
 *     try {
 *       yield* sleep(1000);
 *     } catch (error) {
 *       seen = error instanceof Cancelled ? "Cancelled" : "other";
 *       throw error;
 *     }
 *   });
 *   yield* task.halt();
 * }, { clock: virtualClock() });
 * if (seen !== "Cancelled") throw new Error(seen);
 * ```
 */
export class Cancelled extends Error {
  /** Always `"Cancelled"`. */
  override name = "Cancelled";
  /** An error naming the task or scope whose cancel scope was cancelled. */
  constructor(where: string) {
    super(`${where} was cancelled`);
  }
}
