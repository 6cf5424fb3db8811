/**
 * The benchmark's scenarios written in idiomatic Effect (`effect` on npm,
 * pinned in `deno.json`), with no kit: the library's own cost, measured in
 * the same process as the kit's runtimes by `bench/runtimes.ts`.
 *
 * Each function runs one Effect program with `Effect.runPromise` and answers
 * what the matching kit scenario answers, so that the benchmark checks both
 * alike.
 *
 * @module
 */

import { Effect, Fiber, Queue } from "effect";
import type { Fiber as FiberType } from "effect/Fiber";

/** The generator child: one shared function, as the kit's `trivial`, so V8 is not measured instead. */
function* trivialGenerator(i: number): Generator<never, number, never> {
  return i;
}

/** What a spawned child is: an `Effect.succeed`, or an `Effect.gen` over a generator. */
export type EffectChild = "succeed" | "gen";

/**
 * Fork `n` trivial children with `Effect.forkChild`, then `Fiber.join` each
 * and answer their sum.
 */
export function effectSpawnAndJoin(n: number, child: EffectChild): Promise<number> {
  const make = child === "succeed"
    ? (i: number) => Effect.succeed(i)
    : (i: number) => Effect.gen(() => trivialGenerator(i));
  return Effect.runPromise(Effect.gen(function* () {
    const fibers: FiberType<number>[] = [];
    for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(make(i)));
    let sum = 0;
    for (const fiber of fibers) sum += yield* Fiber.join(fiber);
    return sum;
  }));
}

/**
 * Fork `n` fibers into `Effect.sleep(ms)` on Effect's default clock; once
 * `allSuspended` has seen every fiber reach its sleep, answer
 * `whileSuspended()`. The program then ends, and its children are
 * interrupted with it. With `ms` an hour, no sleep wakes while it is
 * measured, and each task holds a fiber and its sleep, which on the default
 * clock includes the host timer it arms. (Effect's `TestClock` arms none, but
 * its sleep, a latch and a sorted entry behind a semaphore, was measured
 * here to weigh more than the host timer, and to take twice the time.)
 */
export function effectSuspendMany<T>(
  n: number,
  ms: number,
  whileSuspended: () => T,
  allSuspended: (suspended: () => number) => Promise<void>,
): Promise<T> {
  let suspended = 0;
  const sleeper = Effect.suspend(() => {
    suspended++;
    return Effect.sleep(ms);
  });
  return Effect.runPromise(Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* Effect.forkChild(sleeper);
    return yield* Effect.promise(async () => {
      await allSuspended(() => suspended);
      return whileSuspended();
    });
  }));
}

/**
 * Ping-pong through two `Queue.unbounded`: the main fiber offers `0..m-1`
 * one at a time and takes each back from a forked echo before the next;
 * answers the sum of what came back (2m messages in all).
 */
export function effectPingPong(m: number): Promise<number> {
  return Effect.runPromise(Effect.gen(function* () {
    const ping = yield* Queue.unbounded<number>();
    const pong = yield* Queue.unbounded<number>();
    const echo = yield* Effect.forkChild(Effect.gen(function* () {
      for (let i = 0; i < m; i++) yield* Queue.offer(pong, yield* Queue.take(ping));
    }));
    let sum = 0;
    for (let i = 0; i < m; i++) {
      yield* Queue.offer(ping, i);
      sum += yield* Queue.take(pong);
    }
    yield* Fiber.join(echo);
    return sum;
  }));
}

/**
 * `Effect.timeout(Effect.succeed(i), ms)` for `i` in `0..n-1`, one after
 * another on the real clock; answers the sum of their values.
 */
export function effectTimeouts(n: number, ms: number): Promise<number> {
  return Effect.runPromise(Effect.gen(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Effect.timeout(Effect.succeed(i), ms);
    return sum;
  }));
}
