/**
 * countdown: four countdowns interleaved on one loop.
 *
 * Each of A, B, C and D counts 3, 2, 1, sleeping before each line (A 0.7 s,
 * B 2 s, C 0.3 s, D 1 s); each line shows the elapsed time and is indented by
 * one tab per label, so the columns show the interleaving. With the
 * cooperative sleep the lines come out in time order and the run takes 6 s
 * (B's three 2 s sleeps); with `--blocking` nothing interleaves: A A A B B B
 * C C C D D D, taking the sum of every delay, 12 s.
 *
 *     $ deno task lab:countdown --runtime generator --clock virtual
 *     0.300s			C = 3
 *     0.600s			C = 2
 *     0.700s	A = 3
 *     0.900s			C = 1
 *     1.000s				D = 3
 *     1.400s	A = 2
 *     2.000s		B = 3
 *     2.000s				D = 2
 *     ...
 *     6.000s		B = 1
 *
 * Ties: B = 3 and D = 2 both fall due at 2.0 s. Timers due at the same
 * instant fire in the order they were armed: B armed its 2 s sleep at 0 s,
 * D its 1 s sleep at 1 s, so B prints first, as in the original.
 *
 * @module
 */

import { block, log, now, sleep, spawn } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import type { Lab } from "./lab.ts";

/** The countdowns of the original: label and delay before each line, in ms. */
export const countdowns: readonly (readonly [label: string, delayMs: number])[] = [
  ["A", 700],
  ["B", 2000],
  ["C", 300],
  ["D", 1000],
];

/** One countdown line: elapsed seconds, then the label in its column. */
export function countdownLine(elapsedMs: number, label: string, n: number): string {
  const tabs = "\t".repeat(label.charCodeAt(0) - "A".charCodeAt(0));
  return `${(elapsedMs / 1000).toFixed(3)}s\t${tabs}${label} = ${n}`;
}

function* countdown(
  label: string,
  delayMs: number,
  blocking: boolean,
  start: number,
): Operation<void> {
  for (let n = 3; n > 0; n--) {
    yield* blocking ? block(delayMs) : sleep(delayMs);
    yield* log(countdownLine((yield* now()) - start, label, n));
  }
}

/** Start the four countdowns as tasks and wait for all of them. */
export function* countdownMain(options: { blocking: boolean }): Operation<void> {
  const start = yield* now();
  const tasks = [];
  for (const [label, delayMs] of countdowns) {
    tasks.push(
      yield* spawn(() => countdown(label, delayMs, options.blocking, start), {
        name: `countdown ${label}`,
      }),
    );
  }
  for (const task of tasks) yield* task;
}

/** The countdown lab. */
export const countdownLab: Lab<{ blocking: boolean }> = {
  name: "countdown",
  summary: "four countdowns interleaved on one loop; --blocking shows what a blocking call does",
  options: {
    blocking: {
      type: "boolean",
      help: "block the thread instead of sleeping cooperatively: no interleaving, 12 s",
    },
  },
  defaultClock: "real",
  parse: (values) => ({ blocking: values.blocking === true }),
  main: countdownMain,
};
