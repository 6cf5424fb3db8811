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
  refuseUncalled,
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
  if (typeof ms !== "number") {
    throw new TypeError(
      `${verb}(${shown(ms)}): the duration must be a number of milliseconds, not ${kindOf(ms)}` +
        (typeof ms === "string" && /^\s*\d+(\.\d+)?\s*$/.test(ms)
          ? ` (write ${verb}(${Number(ms)}))`
          : ""),
    );
  }
  if (!(ms >= 0) || ms === Infinity) {
    throw new RangeError(
      `${verb}(${ms}): the duration must be a finite number of milliseconds, 0 or more`,
    );
  }
}

/** `timeout(ms, operation)` and `moveOnAfter(ms, operation)`, the duration first. */
function checkDeadline(verb: string, ms: number, operation: unknown): void {
  if (typeof ms !== "number" && typeof operation === "number") {
    throw new TypeError(
      `${verb}() takes the duration first: ${verb}(ms, operation) ` +
        "(asyncio.wait_for(aw, timeout) puts it last)",
    );
  }
  checkDuration(verb, ms);
  checkOperation(`${verb}(ms, operation)`, "the operation", operation);
}

/**
 * What a verb that takes a function was given instead, for its message:
 * an operation (`spawn(worker())`, the habit of asyncio's
 * `create_task(coro)`) or a value of another type.
 */
function checkFunction(verb: string, what: string, value: unknown): void {
  if (typeof value === "function") return;
  if (isOperationValue(value)) {
    throw new TypeError(
      `${verb}() was given an operation (such as worker()), not a function: ` +
        `write ${verb}(worker) or ${verb}(() => worker(args)); ${verb} calls ${what} itself` +
        (verb === "spawn"
          ? " (asyncio's create_task(coro) takes a coroutine, spawn does not)"
          : ""),
    );
  }
  throw new TypeError(`${verb}() takes ${what}, not ${kindOf(value)}`);
}

/** `all([a, b])` and `race([a, b])` take one array of operations. */
function checkOperations(verb: string, operations: unknown, extra: number): void {
  if (!Array.isArray(operations) || extra > 0) {
    throw new TypeError(
      `${verb}() takes one array of operations: ${verb}([a(), b()]), not ${verb}(a(), b())` +
        (verb === "all" ? " (the habit of asyncio.gather(*aws))" : ""),
    );
  }
  for (let index = 0; index < operations.length; index++) {
    checkOperation(`${verb}([...])`, `element ${index}`, operations[index]);
  }
}

/** An operation argument: what a verb runs, such as `timeout(ms, operation)`'s. */
function checkOperation(verb: string, what: string, value: unknown): void {
  if (isOperationValue(value)) return;
  const hint = typeof value === "function" ? ": call it, worker() rather than worker" : "";
  throw new TypeError(`${verb}: ${what} must be an operation, not ${kindOf(value)}${hint}`);
}

function isOperationValue(value: unknown): boolean {
  try {
    return typeof value === "object" && value !== null &&
      typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
  } catch {
    return false;
  }
}

/** `a string`, `a function`, `null`: what a wrong argument is. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object" && isThenableValue(value)) return "a promise";
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

function isThenableValue(value: object): boolean {
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/** An argument as a message quotes it: `"100"` for a string. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : kindOf(value);
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
  if (typeof fn !== "function") checkFunction("spawn", "the function", fn);
  checkSpawnOptions("spawn", options);
  return new Spawn<T>(fn, options?.name);
}

/**
 * `spawn(fn, options)`'s second argument, checked (and a scope handle's):
 * anything but `{ name }` is most likely trio's `start_soon(fn, *args)`
 * habit, which would run `fn` without the arguments meant for it.
 */
export function checkSpawnOptions(verb: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${verb}() takes its options ({ name }) second, not ${
        Array.isArray(options) ? "an array" : kindOf(options)
      }: to pass arguments, write ${verb}(() => worker(args)) ` +
        "(trio's start_soon(fn, *args) passes them; spawn does not)",
    );
  }
  const name: unknown = (options as SpawnOptions).name;
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${verb}()'s name option must be a string, not ${kindOf(name)}`);
  }
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
  if (typeof body !== "function") checkFunction("scope", "the body function", body);
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
  if (typeof fn !== "function") checkFunction("ensure", "the cleanup function", fn);
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
  checkOperations("all", operations, arguments.length - 1);
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
  checkOperations("race", operations, arguments.length - 1);
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
  checkDeadline("timeout", ms, operation);
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
  checkDeadline("moveOnAfter", ms, operation);
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
  if (typeof fn !== "function") {
    throw new TypeError(
      `call() takes a function that returns a promise or a value: call(() => fetch(url)), not ${
        kindOf(fn)
      }` + (kindOf(fn) === "a promise"
        ? " (call(fetch(url)) starts the work before the task asks for it)"
        : ""),
    );
  }
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

// `yield* sleep;` (a verb used without being called) says what to write.
for (
  const [verb, example] of [
    [sleep, "sleep(ms)"],
    [spawn, "spawn(worker)"],
    [scope, "scope(function* (handle) { ... })"],
    [ensure, "ensure(() => cleanup())"],
    [all, "all([a(), b()])"],
    [race, "race([a(), b()])"],
    [timeout, "timeout(ms, operation)"],
    [moveOnAfter, "moveOnAfter(ms, operation)"],
    [call, "call(() => promise)"],
    [now, "now()"],
    [suspend, "suspend()"],
    [log, "log(text)"],
    [block, "block(ms)"],
  ] as const
) {
  refuseUncalled(verb, verb.name, example);
}
