/**
 * `all`, `race` and the deadlines of `timeout` and `moveOnAfter`, written
 * once with the verbs, for runtimes that run them as a nested scope of the
 * calling task. Whatever loses is halted, and its cleanup has finished,
 * before the combinator answers; no runtime-specific rule (detached
 * children, error grouping) leaks out, because every contender catches its
 * own outcome and the combinator halts the rest itself.
 *
 * @module
 */

import { TimeoutError } from "./errors.ts";
import { createQueue } from "./queue.ts";
import type { Operation, Queue, Task } from "./types.ts";
import { sleep, spawn } from "./verbs.ts";

/** How one contender ended. */
type Settlement =
  | { index: number; ok: true; value: unknown }
  | { index: number; ok: false; error: unknown };

function* contend(
  operation: Operation<unknown>,
  index: number,
  settled: Queue<Settlement>,
): Generator<unknown, void> {
  let settlement: Settlement;
  try {
    settlement = { index, ok: true, value: yield* operation };
  } catch (error) {
    settlement = { index, ok: false, error };
  }
  settled.put(settlement);
}

function* startContenders(
  operations: readonly Operation<unknown>[],
  settled: Queue<Settlement>,
  contenders: Task<void>[],
): Generator<unknown, void> {
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    contenders.push(
      yield* spawn(() => contend(operation, index, settled), {
        name: `contender ${index}`,
      }),
    );
  }
}

function* haltAll(tasks: readonly Task<unknown>[]): Generator<unknown, void> {
  for (let index = tasks.length - 1; index >= 0; index--) {
    yield* tasks[index].halt();
  }
}

/** Every result in order; the first failure halts the rest and is thrown. */
export function* allOf(
  operations: readonly Operation<unknown>[],
): Generator<unknown, unknown[]> {
  const settled = createQueue<Settlement>();
  const contenders: Task<void>[] = [];
  const results: unknown[] = new Array(operations.length);
  try {
    yield* startContenders(operations, settled, contenders);
    for (let remaining = operations.length; remaining > 0; remaining--) {
      const settlement = yield* settled.get();
      if (!settlement.ok) throw settlement.error;
      results[settlement.index] = settlement.value;
    }
    return results;
  } finally {
    yield* haltAll(contenders);
  }
}

/** The first to settle wins; the rest are halted. */
export function* raceOf(
  operations: readonly Operation<unknown>[],
): Generator<unknown, unknown> {
  const settled = createQueue<Settlement>();
  const contenders: Task<void>[] = [];
  try {
    yield* startContenders(operations, settled, contenders);
    const first = yield* settled.get();
    if (first.ok) return first.value;
    throw first.error;
  } finally {
    yield* haltAll(contenders);
  }
}

const expired = Symbol("expired");

function* expireAfter(ms: number): Generator<unknown, typeof expired> {
  yield* sleep(ms);
  return expired;
}

function* boxed<T>(operation: Operation<T>): Generator<unknown, { value: T }> {
  return { value: yield* operation };
}

/**
 * `operation` against a deadline `ms` from now: its value, or on expiry
 * `TimeoutError` (when `fail`) or `undefined`. The deadline's timer is armed
 * before any nested deadline's, so when two expire together the outer wins.
 */
export function* deadlineOf<T>(
  ms: number,
  operation: Operation<T>,
  fail: boolean,
): Generator<unknown, T | undefined> {
  const outcome = yield* raceOf([boxed(operation), expireAfter(ms)]);
  if (outcome !== expired) return (outcome as { value: T }).value;
  if (fail) throw new TimeoutError(ms);
  return undefined;
}
