/**
 * `all`, `race` and the deadlines of `timeout` and `moveOnAfter`, written
 * once with the verbs, for runtimes that run them as a nested scope of the
 * calling task. Whatever loses is halted, and its cleanup has finished,
 * before the combinator answers; no runtime-specific rule (detached
 * children, error grouping) leaks out, because every contender catches its
 * own outcome and the combinator halts the rest itself. An error that a
 * contender raised but the combinator will not deliver (it came too late, or
 * another outcome was chosen) is reported on stderr, never dropped.
 *
 * @module
 */

import { isCancellation, TimeoutError } from "./errors.ts";
import { FifoQueue } from "./queue.ts";
import type { All, Deadline, Race } from "./instructions.ts";
import type { Operation, Task } from "./types.ts";
import { sleep, spawn } from "./verbs.ts";

/** How one contender ended. */
type Settlement =
  | { index: number; ok: true; value: unknown }
  | { index: number; ok: false; error: unknown };

/** The outcomes of one combinator's contenders, and what becomes of them. */
class Contest {
  readonly settled = new FifoQueue<Settlement>();
  readonly contenders: Task<void>[] = [];
  #over = false;

  constructor(readonly combinator: string) {}

  settle(settlement: Settlement): void {
    if (this.#over) this.#reportUndelivered(settlement);
    else this.settled.put(settlement);
  }

  /** The combinator answers: what it has not read, it will never read. */
  close(): void {
    this.#over = true;
    for (let left = this.settled.tryTake(); left; left = this.settled.tryTake()) {
      this.#reportUndelivered(left.value);
    }
  }

  /**
   * Halt the contenders, having closed the contest. If a cancellation
   * interrupts the halting (a thrown error, or `return()` under
   * `generator`) while the combinator was throwing `chosen`'s error, that
   * error would be replaced without a trace: report it.
   */
  *finish(chosen: Settlement | undefined): Generator<unknown, void> {
    this.close();
    let halted = false;
    try {
      yield* haltAll(this.contenders);
      halted = true;
    } finally {
      if (!halted && chosen) this.#reportUndelivered(chosen);
    }
  }

  #reportUndelivered(settlement: Settlement): void {
    // The cancellations the combinator caused itself are expected.
    if (settlement.ok || isCancellation(settlement.error)) return;
    console.error(
      `${this.combinator}: the error of operation ${settlement.index} was not delivered (another outcome came first, or a cancellation replaced it):`,
      settlement.error,
    );
  }
}

function* contend(
  operation: Operation<unknown>,
  index: number,
  contest: Contest,
): Generator<unknown, void> {
  let settlement: Settlement;
  try {
    settlement = { index, ok: true, value: yield* operation };
  } catch (error) {
    settlement = { index, ok: false, error };
  }
  contest.settle(settlement);
}

function* startContenders(
  operations: readonly Operation<unknown>[],
  contest: Contest,
): Generator<unknown, void> {
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    contest.contenders.push(
      yield* spawn(() => contend(operation, index, contest), {
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
  const contest = new Contest("all");
  const results: unknown[] = new Array(operations.length);
  let failure: Settlement | undefined;
  try {
    yield* startContenders(operations, contest);
    for (let remaining = operations.length; remaining > 0; remaining--) {
      const settlement = yield* contest.settled.get();
      if (!settlement.ok) {
        failure = settlement;
        throw settlement.error;
      }
      results[settlement.index] = settlement.value;
    }
    return results;
  } finally {
    yield* contest.finish(failure);
  }
}

/** The first to settle wins; the rest are halted. */
export function* raceOf(
  operations: readonly Operation<unknown>[],
): Generator<unknown, unknown> {
  const contest = new Contest("race");
  let first: Settlement | undefined;
  try {
    yield* startContenders(operations, contest);
    first = yield* contest.settled.get();
    if (first.ok) return first.value;
    throw first.error;
  } finally {
    yield* contest.finish(first);
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
 *
 * It runs its own contest rather than delegating to `raceOf`: a `yield*`
 * into a generator whose `finally` waits loses a `return()` halt (Effection
 * issue #1190), so async cleanup stays in the frame's top-level generator.
 */
export function* deadlineOf<T>(
  ms: number,
  operation: Operation<T>,
  fail: boolean,
): Generator<unknown, T | undefined> {
  const contest = new Contest(fail ? "timeout" : "moveOnAfter");
  let first: Settlement | undefined;
  try {
    yield* startContenders([boxed(operation), expireAfter(ms)], contest);
    first = yield* contest.settled.get();
  } finally {
    yield* contest.finish(first?.ok ? undefined : first);
  }
  if (!first.ok) throw first.error;
  if (first.value !== expired) return (first.value as { value: T }).value;
  if (fail) throw new TimeoutError(ms);
  return undefined;
}

/**
 * What the nested frame of an `all`, `race` or deadline instruction runs.
 * Runtimes call this from their `dispatch` rather than write the closure
 * there: a closure in `dispatch` would capture `instruction`, and V8 would
 * then allocate a context for it on every dispatch, spawns and joins too.
 */
export function combinatorBody(
  instruction: All<unknown> | Race<unknown> | Deadline<unknown>,
): () => Operation<unknown> {
  switch (instruction.kind) {
    case "all":
      return () => allOf(instruction.operations);
    case "race":
      return () => raceOf(instruction.operations);
    case "deadline":
      return () => deadlineOf(instruction.ms, instruction.operation, instruction.fail);
  }
}
