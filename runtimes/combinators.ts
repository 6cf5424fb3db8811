/**
 * `all`, `race` and the deadlines of `timeout` and `moveOnAfter`, written
 * once with the verbs, for runtimes that run them as a nested scope of the
 * calling task. Each contender runs its operation in a scope of its own;
 * whatever loses is cancelled through that scope the moment the outcome is
 * decided, and its cleanup has finished before the combinator answers. No
 * runtime-specific rule (detached children, error grouping) leaks out,
 * because every contender catches its own outcome and the combinator stops
 * the rest itself. An error that a contender raised but the combinator will
 * not deliver (it came too late, or another outcome was chosen) is reported
 * on stderr, never dropped.
 *
 * @module
 */

import { isCancellation, reportError, TimeoutError } from "./errors.ts";
import { FifoQueue } from "./queue.ts";
import { type All, type Deadline, type Race, Scope } from "./instructions.ts";
import type { Operation, ScopeHandle, Task } from "./types.ts";
import { sleep, spawn } from "./verbs.ts";

/**
 * Say on stderr that `combinator` will not deliver the error of `operation`
 * (`operation 2`, or a deadline's `its operation`), for runtimes whose
 * deadlines are their own, too.
 */
export function reportUndelivered(combinator: string, operation: string, error: unknown): void {
  reportError(
    `${combinator}: the error of ${operation} was not delivered (another outcome came first, or a cancellation replaced it):`,
    error,
  );
}

/** How one contender ended. */
type Settlement =
  | { index: number; ok: true; value: unknown }
  | { index: number; ok: false; error: unknown };

/** The outcomes of one combinator's contenders, and what becomes of them. */
class Contest {
  readonly settled = new FifoQueue<Settlement>();
  readonly contenders: Task<void>[] = [];
  /** Each started contender's scope, by index: cancelling it stops that contender. */
  readonly scopes: ScopeHandle[] = [];
  /** The contender whose outcome decided the contest, once one has. */
  winner: number | undefined = undefined;
  #over = false;

  constructor(
    readonly combinator: string,
    /** Whether an outcome decides the contest (any, for `race`; a failure, for `all`). */
    readonly decides: (ok: boolean) => boolean,
    /** How a report names contender `index`. */
    readonly nameOf: (index: number) => string = (index) => `operation ${index}`,
  ) {}

  get decided(): boolean {
    return this.winner !== undefined;
  }

  /**
   * Contender `index`'s operation has finished (`ok`, or with an error). An
   * outcome that decides the contest cancels every other contender at once,
   * before anything else runs: a loser about to resume (with a value from a
   * queue, say) is stopped where it waits, and the value goes back to the
   * queue, rather than being taken and then dropped by the combinator.
   */
  decide(index: number, ok: boolean): void {
    if (this.decided || !this.decides(ok)) return;
    this.winner = index;
    this.#cancelScopes();
  }

  /** Cancel every started contender but the winner, newest first. */
  #cancelScopes(): void {
    for (let index = this.scopes.length - 1; index >= 0; index--) {
      if (index !== this.winner) this.scopes[index]?.cancel();
    }
  }

  /** A contender has ended, its cleanup done: its final outcome. */
  settle(settlement: Settlement): void {
    if (this.#over) {
      this.report(settlement);
      return;
    }
    // A cleanup's error can decide what the operation's value did not.
    this.decide(settlement.index, settlement.ok);
    this.settled.put(settlement);
  }

  /** Wait for the final outcome of the contender that decided the contest. */
  *outcome(): Generator<unknown, Settlement> {
    for (;;) {
      const settlement = yield* this.settled.get();
      if (settlement.index === this.winner) return settlement;
      this.report(settlement); // a loser's
    }
  }

  /** The combinator answers: what it has not read, it will never read. */
  close(): void {
    this.#over = true;
    for (let left = this.settled.tryTake(); left; left = this.settled.tryTake()) {
      this.report(left.value);
    }
  }

  /**
   * Stop the contenders and wait for them to end, having closed the
   * contest. If a cancellation interrupts the waiting (a thrown error, or
   * `return()` under `generator`) while the combinator was throwing
   * `chosen`'s error, that error would be replaced without a trace: report it.
   */
  *finish(chosen: Settlement | undefined): Generator<unknown, void> {
    this.close();
    this.winner ??= -1; // decided by nobody: a contender yet to start will not start
    this.#cancelScopes();
    let ended = false;
    try {
      // Contenders catch their own outcome, so joining one never throws it.
      for (let index = this.contenders.length - 1; index >= 0; index--) {
        yield* this.contenders[index];
      }
      ended = true;
    } finally {
      if (!ended && chosen) this.report(chosen);
    }
  }

  /** A settlement the combinator will not deliver: an error in it goes to stderr. */
  report(settlement: Settlement): void {
    // The cancellations the combinator caused itself are expected.
    if (settlement.ok || isCancellation(settlement.error)) return;
    reportUndelivered(this.combinator, this.nameOf(settlement.index), settlement.error);
  }
}

/**
 * One contender: the operation in a scope of its own, which the contest
 * cancels to stop it, and whose `ensure` cleanups run before this `try`
 * ends, so that a cleanup's error is this contender's outcome, not a
 * failure of its task that every runtime would treat its own way.
 */
function* contend(
  operation: Operation<unknown>,
  index: number,
  contest: Contest,
): Generator<unknown, void> {
  let settlement: Settlement;
  try {
    // The kit's own scope, not a user's (`bare`): under `nursery` a
    // contender's error comes out as it is, not grouped. Its body is an
    // arrow to a generator function written once: a `function*` written
    // here would be a new generator function, with a prototype of its own,
    // on every call.
    const value = yield* new Scope(
      (handle) => contendInScope(handle, operation, index, contest),
      false,
      true,
    );
    settlement = { index, ok: true, value };
  } catch (error) {
    settlement = { index, ok: false, error };
  }
  contest.settle(settlement);
}

/** A contender's scope body: the operation, and what its ending decides. */
function* contendInScope(
  handle: ScopeHandle,
  operation: Operation<unknown>,
  index: number,
  contest: Contest,
): Generator<unknown, unknown> {
  // Decided before this contender's first turn (under a runtime that
  // queues new tasks): it has lost without starting.
  if (contest.decided) return undefined;
  contest.scopes[index] = handle;
  let value: unknown;
  try {
    value = yield* operation;
  } catch (error) {
    // Its own cancellation decides nothing: the contest, or whoever
    // cancels the combinator, caused it.
    if (!isCancellation(error)) contest.decide(index, false);
    throw error;
  }
  contest.decide(index, true);
  return value;
}

function* startContenders(
  operations: readonly Operation<unknown>[],
  contest: Contest,
): Generator<unknown, void> {
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    contest.contenders.push(
      // Named for what it is, as a timeline or a trace shows it: `moveOnAfter: its timer`.
      yield* spawn(() => contend(operation, index, contest), {
        name: `${contest.combinator}: ${contest.nameOf(index)}`,
      }),
    );
  }
}

const anyOutcome = () => true;
const aFailure = (ok: boolean) => !ok;

/** Every result in order; the first failure halts the rest and is thrown. */
export function* allOf(
  operations: readonly Operation<unknown>[],
): Generator<unknown, unknown[]> {
  const contest = new Contest("all", aFailure);
  const results: unknown[] = new Array(operations.length);
  let failure: Settlement | undefined;
  try {
    yield* startContenders(operations, contest);
    for (let remaining = operations.length; remaining > 0; remaining--) {
      const settlement = yield* contest.settled.get();
      if (!contest.decided && settlement.ok) {
        results[settlement.index] = settlement.value;
        continue;
      }
      // Only a failure decides `all`: the deciding contender's outcome is the error to throw.
      if (settlement.index !== contest.winner) contest.report(settlement);
      failure = settlement.index === contest.winner ? settlement : yield* contest.outcome();
      throw (failure as Extract<Settlement, { ok: false }>).error;
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
  const contest = new Contest("race", anyOutcome);
  let first: Settlement | undefined;
  try {
    yield* startContenders(operations, contest);
    first = yield* contest.outcome();
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
 * first, before the operation starts: when the operation would finish at
 * the very instant of the deadline, the deadline wins (as in trio and
 * asyncio, and as under `nursery`'s own deadlines), and when two deadlines
 * expire together, the outer one wins.
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
  const contest = new Contest(
    fail ? "timeout" : "moveOnAfter",
    anyOutcome,
    (index) => index === 0 ? "its timer" : "its operation",
  );
  let first: Settlement | undefined;
  try {
    yield* startContenders([expireAfter(ms), boxed(operation)], contest);
    first = yield* contest.outcome();
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
