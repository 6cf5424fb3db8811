/**
 * Bytes allocated per spawned and joined task, under each runtime of the
 * kit's own: the figure that does not move with the machine's noise.
 *
 *     $ deno task bench:alloc
 *     $ deno task bench:alloc -- --tasks 50000
 *
 * The young generation is made large enough (`--min-semi-space-size`, set
 * by the task) that no garbage collection runs while N tasks are spawned
 * and joined (`spawnAndJoin` of `runtimes.ts`); the heap grows by what the
 * run allocated, read before and after with garbage collected first. Five
 * readings per runtime, the median printed, beside raw promises doing the
 * same. A reading during which the heap shrank (a collection ran after
 * all) is refused, and said so. Exit status 0, as for every benchmark.
 *
 * @module
 */

import { runtimes } from "../mod.ts";
import type { Runtime } from "../mod.ts";
import { exitWithUsage, parseOptionsOrExit } from "../tools/cli.ts";
import { expectedSum, spawnAndJoin, spawnAndJoinWithPromises } from "./runtimes.ts";

/**
 * The goals: no more than before the runtimes shared one core, in bytes per
 * task, as this script measured them then (readings vary by a few bytes
 * from one run to the next: generator 607-608, nursery 619-623, native 568).
 */
export const allocationGoals: Record<string, number> = {
  generator: 608,
  nursery: 621,
  native: 568,
};

const usage = [
  "Usage: deno task bench:alloc [-- options]",
  "",
  "Bytes allocated per spawned and joined task under generator, nursery and",
  "native, against raw promises, each the median of five readings.",
  "",
  "Options:",
  "  --tasks N     tasks per reading (default 20000, at most 100000)",
  "  -h, --help    show this help",
].join("\n");

const gc = (globalThis as { gc?: () => void }).gc;

/** Bytes allocated by `body`, or `undefined` when a collection ran during it. */
async function allocatedBy(body: () => Promise<number>, n: number): Promise<number | undefined> {
  gc!();
  const before = Deno.memoryUsage().heapUsed;
  const sum = await body();
  const after = Deno.memoryUsage().heapUsed;
  if (sum !== expectedSum(n)) throw new Error(`the tasks summed to ${sum}, not ${expectedSum(n)}`);
  return after > before ? after - before : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perTask(body: () => Promise<number>, n: number): Promise<string> {
  await body(); // warm-up: compiled code and inline caches, not counted
  const readings: number[] = [];
  let refused = 0;
  for (let reading = 0; reading < 5; reading++) {
    const bytes = await allocatedBy(body, n);
    if (bytes === undefined) refused++;
    else readings.push(bytes / n);
  }
  if (readings.length === 0) return "no reading: a collection ran during each";
  const note = refused > 0 ? ` (${refused} reading${refused === 1 ? "" : "s"} refused)` : "";
  return `${Math.round(median(readings))} B${note}`;
}

async function main(): Promise<void> {
  const values = parseOptionsOrExit(
    Deno.args,
    { tasks: { type: "string" }, help: { type: "boolean", short: "h" } },
    usage,
  );
  const text = (values.tasks as string | undefined) ?? "20000";
  if (!/^[1-9][0-9_]*$/.test(text) || Number(text.replaceAll("_", "")) > 100_000) {
    exitWithUsage(`--tasks takes a whole number from 1 to 100000, not '${text}'`, usage);
  }
  const n = Number(text.replaceAll("_", ""));
  if (!gc) exitWithUsage("run it through `deno task bench:alloc`, which exposes gc()", usage);
  console.log(`bytes allocated per spawned and joined task, ${n.toLocaleString("en-US")} tasks`);
  console.log(`  promises     ${await perTask(() => spawnAndJoinWithPromises(n), n)}`);
  for (const name of Object.keys(allocationGoals)) {
    const runtime: Runtime = runtimes[name];
    const figure = await perTask(() => spawnAndJoin(runtime, n), n);
    const bytes = Number.parseInt(figure);
    const goal = allocationGoals[name];
    const verdict = Number.isNaN(bytes)
      ? "not measured"
      : `${(bytes / goal).toFixed(2)}x of ${goal} B ${bytes <= goal ? "ok" : "MISSED"}`;
    console.log(`  ${name.padEnd(12)} ${figure}   goal <= ${goal} B (before the core): ${verdict}`);
  }
}

if (import.meta.main) await main();
