/**
 * Every runtime of the kit, keyed by the name used on the command line.
 *
 * @module
 */

import { generator } from "./generator.ts";
import { native } from "./native.ts";
import { nursery } from "./nursery.ts";
import type { OperationFn, RunOptions, Runtime } from "./types.ts";

/**
 * `effection`, with its adapter (and so the Effection package) loaded on the
 * first `run`, not when `mod.ts` is imported: a project that never uses this
 * runtime loads no npm package at all. Its name and description are here so
 * that listing the runtimes loads nothing; tests/outside_test.ts checks that
 * they match the adapter's own.
 */
const effection: Runtime = {
  name: "effection",
  description:
    "the real Effection 4.1.1 as the reference: halting by return(), children halted when their parent ends, parent-first priority",
  async run<T>(fn: OperationFn<T>, options?: RunOptions): Promise<T> {
    const adapter = await import("./effection.ts");
    return await adapter.effection.run(fn, options);
  },
};

/**
 * `effect`, with its adapter (and so the Effect package) loaded on the first
 * `run`, as `effection`'s is; tests/outside_test.ts checks that its name and
 * description match the adapter's own.
 */
const effect: Runtime = {
  name: "effect",
  description:
    "the real Effect 4.1.5 as a reference: fibers halted by interruption, a child's failure reaching only its joiner, uncancellable cleanup",
  async run<T>(fn: OperationFn<T>, options?: RunOptions): Promise<T> {
    const adapter = await import("./effect.ts");
    return await adapter.effect.run(fn, options);
  },
};

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
