/**
 * The errors that the kit's verbs and runtimes raise, each with a message
 * that says what happened and, where it helps, what to do; and how any
 * thrown value, however strange, is checked, described and reported without
 * throwing ({@link describeError}, {@link isInstance}, {@link reportError}).
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
  return isInstance(error, Cancelled) || isAbortError(error);
}

/**
 * True for a `DOMException` named `AbortError`, `native`'s cancellation;
 * false, not an exception, for a value whose name cannot be read.
 *
 * @example
 * ```ts
 * import { isAbortError } from "./errors.ts";
 *
 * if (!isAbortError(new DOMException("stop", "AbortError"))) throw new Error("expected true");
 * ```
 */
export function isAbortError(error: unknown): boolean {
  if (!isInstance(error, DOMException)) return false;
  try {
    return error.name === "AbortError";
  } catch {
    return false;
  }
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
 * import { createQueue, DeadlockError, runtimes, spawn, virtualClock } from "@kit/concurrency";
 * import type { Task } from "@kit/concurrency";
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
    if (isInstance(error, AggregateError)) return error.errors.every(isHaltEcho);
    return isInstance(error, HaltedError) || isCancellation(error);
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

/**
 * Whether `value instanceof type`, answering false where `instanceof` would
 * throw: any value can be thrown, and a Proxy whose `getPrototypeOf` trap
 * throws, or a revoked one, makes `instanceof` throw instead of answering.
 *
 * @example
 * ```ts
 * import { isInstance } from "./errors.ts";
 *
 * const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error("no"); } });
 * if (isInstance(hostile, Error) || !isInstance(new TypeError(), Error)) throw new Error();
 * ```
 */
export function isInstance<T>(
  value: unknown,
  // deno-lint-ignore no-explicit-any
  type: abstract new (...args: any[]) => T,
): value is T {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** How deep a description follows errors thrown while describing. */
const deepestDescription = 2;

/**
 * Any thrown value as text, never throwing: what `String(value)` gives
 * (`Error: boom`, `Symbol(x)`, `undefined`) when it can, and otherwise what
 * kind of value it is and why it has no text, such as `an object with a null
 * prototype that cannot be turned into text (TypeError: Cannot convert
 * object to primitive value)`. Every path that reports, compares or traces
 * an error goes through it, so that a Proxy whose traps throw, a revoked
 * Proxy, or an object whose `toString` or `Symbol.toPrimitive` throws is
 * reported like any other error instead of crashing the reporter.
 *
 * @example
 * ```ts
 * import { describeError } from "./errors.ts";
 *
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * if (describeError(new Error("boom")) !== "Error: boom") throw new Error();
 * if (!describeError(proxy).includes("revoked")) throw new Error(describeError(proxy));
 * ```
 */
export function describeError(value: unknown): string {
  return describe(value, 0);
}

/**
 * Whether `String(value)` gives text rather than throwing: false for an
 * object with a null prototype, a Proxy whose traps throw, an object whose
 * `toString` throws.
 *
 * @example
 * ```ts
 * import { hasText } from "./errors.ts";
 *
 * if (hasText(Object.create(null)) || !hasText(Symbol("s"))) throw new Error();
 * ```
 */
export function hasText(value: unknown): boolean {
  try {
    String(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown, depth: number): string {
  // `String` of a primitive, a symbol included, cannot throw.
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    return String(value);
  }
  try {
    return String(value);
  } catch (thrown) {
    const why = depth < deepestDescription ? describe(thrown, depth + 1) : "and so did the error";
    return `${kindOf(value)} that cannot be turned into text (${why})`;
  }
}

/** `an Error`, `an object with a null prototype`, `an object`: as much as `value` lets be known. */
function kindOf(value: object): string {
  const fallback = typeof value === "function" ? "a function" : "an object";
  try {
    const prototype = Object.getPrototypeOf(value);
    if (prototype === null) return `${fallback} with a null prototype`;
    const name: unknown = Object.getOwnPropertyDescriptor(prototype, "constructor")?.value?.name;
    if (typeof name === "string" && /^\w+$/.test(name)) {
      return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
    }
  } catch {
    // A Proxy whose traps throw, or a revoked one, tells nothing of itself.
  }
  return fallback;
}

/**
 * The message of an `Error`, and {@link describeError}'s text for any other
 * value, or for an error whose message cannot be read; never throws.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./errors.ts";
 *
 * if (errorMessage(new Error("boom")) !== "boom") throw new Error();
 * if (errorMessage(Symbol("s")) !== "Symbol(s)") throw new Error();
 * ```
 */
export function errorMessage(error: unknown): string {
  if (isInstance(error, Error)) {
    try {
      const message: unknown = error.message;
      if (typeof message === "string") return message;
    } catch {
      // Described whole below.
    }
  }
  return describeError(error);
}

/**
 * Write `what` and `error` on stderr with `console.error`, which shows an
 * error's stack and causes; where the console cannot show the value (a
 * revoked Proxy makes it throw), {@link describeError}'s text instead, so
 * that the error is reported all the same.
 *
 * @example
 * ```ts
 * import { reportError } from "./errors.ts";
 *
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * // A console that, like Deno's, throws for what it cannot show.
 * const lines: string[] = [];
 * const consoleError = console.error;
 * console.error = (...data: unknown[]) => void lines.push(data.map(String).join(" "));
 * try {
 *   reportError("demo: thrown:", proxy);
 * } finally {
 *   console.error = consoleError;
 * }
 * if (!lines[0].startsWith("demo: thrown: an object that cannot")) throw new Error(lines[0]);
 * ```
 */
export function reportError(what: string, error: unknown): void {
  try {
    console.error(what, error);
  } catch {
    console.error(what, describeError(error));
  }
}
