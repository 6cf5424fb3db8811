/**
 * Every runtime of the kit, keyed by the name used on the command line.
 *
 * @module
 */

import * as generatorModel from "./generator.ts";
import { native } from "./native.ts";
import * as nurseryModel from "./nursery.ts";
import { restartUnusedClock } from "./clock.ts";
import { frameRuntime } from "./core/model.ts";
import type { OperationFn, RunOptions, Runtime } from "./types.ts";

/**
 * The `nursery` runtime: trio's structured concurrency, the model of
 * `nursery.ts` on the kit's own scheduler.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const seen: string[] = [];
 * await runtimes.nursery.run(function* () {
 *   yield* spawn(function* child() {
 *     yield* sleep(1000);
 *     seen.push("the parent waited for its child");
 *   });
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the parent should have waited");
 * ```
 */
export const nursery: Runtime = frameRuntime(nurseryModel);

/**
 * The `generator` runtime: Effection's semantics, the model of
 * `generator.ts` on the kit's own scheduler.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const seen: string[] = [];
 * await runtimes.generator.run(function* () {
 *   yield* spawn(function* child() {
 *     try {
 *       yield* sleep(1000);
 *     } finally {
 *       seen.push("child halted when its parent returned");
 *     }
 *   });
 *   yield* sleep(10);
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the child should have been halted");
 * ```
 */
export const generator: Runtime = frameRuntime(generatorModel);

/**
 * A runtime whose adapter (and so its npm package) is loaded by `load` on
 * its first `run`, not when `mod.ts` is imported: a project that never uses
 * it loads no npm package at all. Its name and description are given here
 * so that listing the runtimes loads nothing; tests/outside_test.ts checks
 * that they match the adapter's own. The load's time is not the run's: a
 * real clock that nothing has used yet starts once the adapter is loaded,
 * so that time 0 is when the body starts, as under every runtime.
 */
export function loadedOnFirstRun(
  name: string,
  description: string,
  load: () => Promise<Runtime>,
): Runtime {
  return {
    name,
    description,
    async run<T>(fn: OperationFn<T>, options?: RunOptions): Promise<T> {
      const adapter = await load();
      if (options?.clock) restartUnusedClock(options.clock);
      return await adapter.run(fn, options);
    },
  };
}

/** `effection`: the real Effection library. */
const effection = loadedOnFirstRun(
  "effection",
  "the real Effection 4.1.1 as the reference: halting by return(), children halted when their parent ends, parent-first priority",
  async () => (await import("./effection.ts")).effection,
);

/** `effect`: the real Effect library. */
const effect = loadedOnFirstRun(
  "effect",
  "the real Effect 4.1.5 as a reference: fibers halted by interruption, a child's failure reaching only its joiner, uncancellable cleanup",
  async () => (await import("./effect.ts")).effect,
);

/**
 * The runtimes, by name: `native` (Deno's promise loop), `nursery`
 * (trio-style, own scheduler), `generator` (Effection-style, own scheduler)
 * `effection` (the real Effection library, the reference for generator) and
 * `effect` (the real Effect library, the most used one in TypeScript).
 *
 * @example
 * ```ts
 * import { runtimes } from "@kit/concurrency";
 *
 * for (const [name, runtime] of Object.entries(runtimes)) {
 *   console.log(`${name}: ${runtime.description}`);
 * }
 * ```
 */
export const runtimes: Readonly<Record<string, Runtime>> = Object.freeze({
  native,
  nursery,
  generator,
  effection,
  effect,
});

/** The names `--runtime` accepts. */
export const runtimeNames: readonly string[] = Object.keys(runtimes);

/** The runtimes that can shuffle each batch of woken tasks (`--schedule shuffle`). */
export const shufflingRuntimeNames: readonly string[] = runtimeNames.filter((name) =>
  runtimes[name].shuffles
);
