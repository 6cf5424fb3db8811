/**
 * The sleepers of the memory benchmarks (`runtimes.ts`, `scale.ts`): a kit
 * task that counts itself and sleeps an hour, and the wait for a number of
 * sleepers to have reached their sleep, by their count (an event), never
 * by a guessed delay. It loads no npm package, so that `scale.ts`'s child
 * processes measure the runtimes, not a library they do not use.
 *
 * @module
 */

import { call, realClock, scope, sleep } from "../mod.ts";
import type { Operation, Runtime } from "../mod.ts";

/** One hour: long enough that no sleeper wakes while it is measured. */
export const HOUR = 3_600_000;

/** How many sleepers have reached their sleep: each counts itself just before it suspends. */
export const sleepers = { asleep: 0 };

/** A kit task that counts itself, then sleeps an hour. */
export function* sleeper(): Operation<void> {
  sleepers.asleep++;
  yield* sleep(HOUR);
}

export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Wait until `count()` (the kit's sleepers, unless told) reaches `n`, then
 * one more turn, for a runtime that arms the sleep a moment after the
 * count; give up after `limitMs`.
 */
export async function allAsleep(
  n: number,
  count: () => number = () => sleepers.asleep,
  limitMs = 60_000,
): Promise<void> {
  const giveUp = performance.now() + limitMs;
  while (count() < n) {
    if (performance.now() > giveUp) throw new Error(`only ${count()} of ${n} reached their sleep`);
    await nextMacrotask();
  }
  await nextMacrotask();
}

/** Once `n` sleepers have suspended, `whileSuspended()`, from a call. */
export function whenAllSuspended<T>(n: number, whileSuspended: () => T): Operation<T> {
  return call(async () => {
    await allAsleep(n);
    return whileSuspended();
  });
}

/**
 * As `suspendMany` (`runtimes.ts`), on the real clock, under a model whose scope ends its
 * children when cancelled (`generator`, `nursery`): the sleepers are
 * spawned into a scope, which is cancelled once they are measured, so that
 * the run ends without waiting for the hour.
 */
export function suspendManyOnRealClock<T>(
  runtime: Runtime,
  n: number,
  whileSuspended: () => T,
): Promise<T> {
  sleepers.asleep = 0;
  return runtime.run(function* () {
    let measured: T | undefined;
    yield* scope(function* (handle) {
      for (let i = 0; i < n; i++) handle.spawn(sleeper);
      measured = yield* whenAllSuspended(n, whileSuspended);
      handle.cancel();
    });
    return measured as T;
  }, { clock: realClock() });
}
