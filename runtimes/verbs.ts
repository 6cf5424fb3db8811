/**
 * The verbs labs are written with. Each returns an operation that yields a
 * runtime-neutral instruction; whichever runtime drives the lab decides what
 * it means (the README's semantics table says how they differ).
 *
 * @module
 */

import {
  All,
  Block,
  Call,
  Deadline,
  Ensure,
  Log,
  Now,
  Race,
  Scope,
  Sleep,
  Spawn,
  Suspend,
} from "./instructions.ts";
import type {
  Operation,
  OperationFn,
  OperationResult,
  ScopeHandle,
  ScopeOptions,
  SpawnOptions,
  Task,
} from "./types.ts";

function checkDuration(verb: string, ms: number): void {
  if (!(ms >= 0) || ms === Infinity) {
    throw new RangeError(
      `${verb}(${ms}): the duration must be a finite number of milliseconds, 0 or more`,
    );
  }
}

/**
 * Suspend the current task for `ms` milliseconds on the runtime's clock; a
 * cancellation point.
 *
 * @example
 * ```ts
 * import { now, runtimes, sleep, virtualClock } from "@kit/concurrency";
 *
 * const woke = await runtimes.generator.run(function* () {
 *   yield* sleep(1500);
 *   return yield* now();
 * }, { clock: virtualClock() });
 * if (woke !== 1500) throw new Error(`woke at ${woke}`);
 * ```
 */
export function sleep(ms: number): Operation<void> {
  checkDuration("sleep", ms);
  return new Sleep(ms);
}

/**
 * Start `fn()` as a child task of the current scope and return its `Task`
 * at once. `yield* task` joins it; `yield* task.halt()` cancels it.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, spawn } from "@kit/concurrency";
 *
 * const sum = await runtimes.generator.run(function* () {
 *   const task = yield* spawn(function* worker() {
 *     yield* sleep(10);
 *     return 40;
 *   });
 *   return (yield* task) + 2;
 * });
 * if (sum !== 42) throw new Error(`got ${sum}`);
 * ```
 */
export function spawn<T>(
  fn: OperationFn<T>,
  options?: SpawnOptions,
): Operation<Task<T>> {
  return new Spawn<T>(fn, options?.name);
}

/**
 * Run `body(handle)` inside a boundary. What happens to children still
 * running when the body returns is the runtime's nature: `nursery` waits for
 * them, `generator` halts them, `native` leaves them running. With `shield`,
 * cancellation from outside does not reach inside. Answers the body's value,
 * or `undefined` when the body was cancelled through `handle.cancel()`.
 *
 * @example
 * ```ts
 * import { runtimes, scope, sleep } from "@kit/concurrency";
 *
 * const value = await runtimes.generator.run(function* () {
 *   return yield* scope(function* (handle) {
 *     handle.spawn(function* ticker() {
 *       yield* sleep(1000);
 *     });
 *     return "body done";
 *   });
 * });
 * if (value !== "body done") throw new Error(String(value));
 * ```
 */
export function scope<T>(
  body: (handle: ScopeHandle) => Operation<T>,
  options?: ScopeOptions,
): Operation<T | undefined> {
  return new Scope<T>(body, options?.shield ?? false);
}

/**
 * Register cleanup for the current scope (the task, or the innermost
 * `scope`): it runs when that scope ends however it ends, after its
 * `finally` blocks and its children, newest first, and may do async work.
 *
 * @example
 * ```ts
 * import { ensure, runtimes } from "@kit/concurrency";
 *
 * const seen: string[] = [];
 * await runtimes.generator.run(function* () {
 *   yield* ensure(() => void seen.push("first registered"));
 *   yield* ensure(() => void seen.push("second registered"));
 * });
 * if (seen.join() !== "second registered,first registered") throw new Error(seen.join());
 * ```
 */
export function ensure(fn: () => Operation<void> | void): Operation<void> {
  return new Ensure(fn);
}

/**
 * Run operations concurrently and answer all their results, in order. The
 * first failure cancels the rest (their cleanup finishes first) and is thrown.
 *
 * @example
 * ```ts
 * import { all, runtimes, sleep } from "@kit/concurrency";
 *
 * function* after(ms: number, value: string) {
 *   yield* sleep(ms);
 *   return value;
 * }
 * const values = await runtimes.generator.run(() => all([after(20, "a"), after(10, "b")]));
 * if (values.join() !== "a,b") throw new Error(values.join());
 * ```
 */
export function all<const T extends readonly Operation<unknown>[]>(
  operations: T,
): Operation<{ -readonly [K in keyof T]: OperationResult<T[K]> }> {
  return new All(operations) as Operation<never>;
}

/**
 * Run operations concurrently and answer the first to settle (its value, or
 * its error thrown); the losers are cancelled and cleaned up first.
 *
 * @example
 * ```ts
 * import { race, runtimes, sleep, virtualClock } from "@kit/concurrency";
 *
 * function* after(ms: number, value: string) {
 *   yield* sleep(ms);
 *   return value;
 * }
 * const winner = await runtimes.generator.run(
 *   () => race([after(20, "slow"), after(10, "fast")]),
 *   { clock: virtualClock() },
 * );
 * if (winner !== "fast") throw new Error(winner);
 * ```
 */
export function race<const T extends readonly Operation<unknown>[]>(
  operations: T,
): Operation<OperationResult<T[number]>> {
  if (operations.length === 0) {
    throw new RangeError("race([]) would wait forever: give it at least one operation");
  }
  return new Race(operations) as Operation<never>;
}

/**
 * Run `operation`, failing with `TimeoutError` if it has not finished `ms`
 * from now (trio's `fail_after`); the operation is cancelled and cleaned up
 * before the error is thrown.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, timeout, TimeoutError, virtualClock } from "@kit/concurrency";
 *
 * const outcome = await runtimes.generator.run(function* () {
 *   try {
 *     yield* timeout(100, sleep(5000));
 *     return "finished";
 *   } catch (error) {
 *     return error instanceof TimeoutError ? "timed out" : "other";
 *   }
 * }, { clock: virtualClock() });
 * if (outcome !== "timed out") throw new Error(outcome);
 * ```
 */
export function timeout<T>(ms: number, operation: Operation<T>): Operation<T> {
  checkDuration("timeout", ms);
  return new Deadline(ms, operation, true) as Operation<T>;
}

/**
 * Run `operation`, giving up quietly after `ms`: answers its value, or
 * `undefined` when the deadline passed first (trio's `move_on_after`).
 *
 * @example
 * ```ts
 * import { moveOnAfter, runtimes, sleep, virtualClock } from "@kit/concurrency";
 *
 * const value = await runtimes.generator.run(
 *   () => moveOnAfter(100, sleep(5000)),
 *   { clock: virtualClock() },
 * );
 * if (value !== undefined) throw new Error("expected undefined");
 * ```
 */
export function moveOnAfter<T>(
  ms: number,
  operation: Operation<T>,
): Operation<T | undefined> {
  checkDuration("moveOnAfter", ms);
  return new Deadline(ms, operation, false);
}

/**
 * Bridge to promise APIs: `fn(signal)` returns a value or a promise; the
 * signal aborts when the calling task is cancelled. While a call is in
 * flight, a virtual clock does not move.
 *
 * @example
 * ```ts
 * import { call, runtimes } from "@kit/concurrency";
 *
 * const text = await runtimes.generator.run(() =>
 *   call(async (signal) => {
 *     const blob = new Blob(["hello"]);
 *     signal.throwIfAborted();
 *     return await blob.text();
 *   })
 * );
 * if (text !== "hello") throw new Error(text);
 * ```
 */
export function call<T>(
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
): Operation<T> {
  return new Call<T>(fn);
}

/**
 * The current time on the runtime's clock, in milliseconds.
 *
 * @example
 * ```ts
 * import { now, runtimes, virtualClock } from "@kit/concurrency";
 *
 * const start = await runtimes.generator.run(() => now(), { clock: virtualClock() });
 * if (start !== 0) throw new Error(`virtual time starts at 0, not ${start}`);
 * ```
 */
export function now(): Operation<number> {
  return new Now();
}

/**
 * Wait until cancelled; never answers.
 *
 * @example
 * ```ts
 * import { moveOnAfter, runtimes, suspend, virtualClock } from "@kit/concurrency";
 *
 * await runtimes.generator.run(() => moveOnAfter(10, suspend()), { clock: virtualClock() });
 * ```
 */
export function suspend(): Operation<never> {
  return new Suspend();
}

/**
 * Print one line through the runtime: to its `output` (standard output by
 * default) and, as a `log` event, to its tracer.
 *
 * @example
 * ```ts
 * import { log, runtimes } from "@kit/concurrency";
 *
 * const lines: string[] = [];
 * await runtimes.generator.run(() => log("hello"), { output: (line) => lines.push(line) });
 * if (lines.join() !== "hello") throw new Error(lines.join());
 * ```
 */
export function log(text: string): Operation<void> {
  return new Log(text);
}

/**
 * Block the thread for `ms` without giving any other task a turn (the
 * blocking `time.sleep` of the original labs). On the real clock the thread
 * really blocks; a virtual clock advances by `ms` at once.
 *
 * @example
 * ```ts
 * import { block, now, runtimes, virtualClock } from "@kit/concurrency";
 *
 * const after = await runtimes.generator.run(function* () {
 *   yield* block(250);
 *   return yield* now();
 * }, { clock: virtualClock() });
 * if (after !== 250) throw new Error(String(after));
 * ```
 */
export function block(ms: number): Operation<void> {
  checkDuration("block", ms);
  return new Block(ms);
}
