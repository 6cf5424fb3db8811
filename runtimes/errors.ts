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
 * import { TimeoutError } from "../mod.ts";
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
 * import { HaltedError } from "../mod.ts";
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
 * import { createQueue, QueueClosedError } from "../mod.ts";
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
 * import { Cancelled, runtimes, sleep, spawn, virtualClock } from "../mod.ts";
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

/** One task a deadlock holds, and what it waits on (as a trace names it). */
export interface DeadlockWait {
  /** The task: `Task#2 worker`. */
  readonly task: string;
  /** What it waits on: `join Task#1 main (running)`, `take`, `suspend`... */
  readonly on: string;
}

/**
 * A wait that nothing can ever end. Thrown where a task joins itself, or an
 * ancestor that cannot end before it (under the structured runtimes); and
 * the error a run on the virtual clock rejects with when no task can run, no
 * timer is armed and no `call` is in flight, yet tasks still wait (the
 * waiting tasks are halted first, so that their cleanup runs).
 *
 * @example
 * ```ts
 * import { createQueue, DeadlockError, runtimes, spawn, virtualClock } from "../mod.ts";
 * import type { Task } from "../mod.ts";
 *
 * let caught: unknown;
 * await runtimes.generator.run(function* () {
 *   const handOver = createQueue<Task<unknown>>();
 *   const worker = yield* spawn(function* worker() {
 *     const self = yield* handOver.get();
 *     try {
 *       yield* self;
 *     } catch (error) {
 *       caught = error;
 *     }
 *   });
 *   handOver.put(worker);
 *   yield* worker;
 * }, { clock: virtualClock() });
 * if (!(caught instanceof DeadlockError)) throw new Error(String(caught));
 * ```
 */
export class DeadlockError extends Error {
  /** Always `"DeadlockError"`. */
  override name = "DeadlockError";
  /** An error saying `why` the waits can never end, naming each waiting task and its wait. */
  constructor(why: string, readonly waits: readonly DeadlockWait[]) {
    const list = waits.map((wait) => `${wait.task} waits on ${wait.on}`).join("; ");
    super(list === "" ? `deadlock: ${why}` : `deadlock: ${why}: ${list}`);
  }
}

/** How a deadlock names a task: `Task#2 worker`, without its state. */
export function deadlockName(task: { id: number; name: string }): string {
  return `Task#${task.id} ${task.name}`;
}

/**
 * The error of a join that waits for its own end: on the joining task
 * itself, or, when `ancestorRule` says why that is one too, on an ancestor
 * of it.
 */
export function joinDeadlock(
  joiner: { id: number; name: string },
  target: { toString(): string },
  ancestorRule?: string,
): DeadlockError {
  const why = ancestorRule === undefined
    ? "a task joins itself, and cannot end while it waits for its own end"
    : `a task joins its own ancestor, which cannot end before it (${ancestorRule})`;
  return new DeadlockError(why, [{ task: deadlockName(joiner), on: `join ${target}` }]);
}

/**
 * True for what a halt itself raises (a cancellation, the `HaltedError` of
 * joining a halted task), alone or grouped: after a deadlock's halt, these
 * are its echoes, not news. A value that cannot be inspected is news.
 */
export function isHaltEcho(error: unknown): boolean {
  try {
    if (error instanceof AggregateError) return error.errors.every(isHaltEcho);
    return error instanceof HaltedError || isCancellation(error);
  } catch {
    return false;
  }
}

/** The error of a run on the virtual clock in which nothing can ever happen again. */
export function idleDeadlock(time: number, waits: readonly DeadlockWait[]): DeadlockError {
  const idle = `at ${time} ms no task can run, no timer is armed and no call is in flight`;
  // Should no task's wait be known, say so rather than list nothing.
  const yet = waits.length === 0
    ? "yet the run has not ended"
    : `yet ${waits.length} task${waits.length === 1 ? "" : "s"} wait${
      waits.length === 1 ? "s" : ""
    } for ever`;
  return new DeadlockError(`${idle}, ${yet}`, waits);
}
