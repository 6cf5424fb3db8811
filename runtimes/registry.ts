/**
 * Every runtime of the kit, keyed by the name used on the command line.
 *
 * @module
 */

import { effection } from "./effection.ts";
import { generator } from "./generator.ts";
import { native } from "./native.ts";
import { nursery } from "./nursery.ts";
import type { Runtime } from "./types.ts";

/**
 * The runtimes, by name: `native` (Deno's promise loop), `nursery`
 * (trio-style, own scheduler), `generator` (Effection-style, own scheduler)
 * and `effection` (the real Effection library, the reference for generator).
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
});

/** The names `--runtime` accepts. */
export const runtimeNames: readonly string[] = Object.keys(runtimes);
