import { type Exercise, printerOf, quote, rootTask, seconds } from "../check.ts";
import { fetchMs, readers } from "./given.ts";

/** The rates `fetchRates` answers, as each reader should print them. */
const rateLines = new Map(
  readers.map(([name, currency]) => [
    name,
    `${name}: ${currency} ${{ EUR: 1.08, GBP: 0.79 }[currency]}`,
  ]),
);

export const exercise: Exercise = {
  number: 9,
  folder: "09-order-dependent",
  title: "find the bug that hides in the order of tasks woken together",
  // Fixed seeds, so that a verdict can be replayed; under the starting
  // file, three of the four wake a reader before the cache is warm.
  shuffleSeeds: [1, 2, 3, 4],
  checks: [
    {
      what: "`cache warm`, then every reader's rate, whatever order the runtime picks",
      fault(run) {
        const printed = run.lines.map((line) => line.text);
        if (printed[0] !== "cache warm") {
          const first = run.lines[0];
          return first === undefined
            ? "nothing was printed"
            : `the first line is ${quote(first)}, not "cache warm": a reader ran before the ` +
              "cache was warm";
        }
        const rest = printed.slice(1);
        for (const [name, expected] of rateLines) {
          const line = rest.find((text) => text.startsWith(`${name}:`));
          if (line === undefined) return `${name} printed nothing`;
          if (line !== expected) {
            return `${name} printed ${JSON.stringify(line)}, not ${JSON.stringify(expected)}`;
          }
        }
        return rest.length === rateLines.size
          ? undefined
          : `${printed.length} lines, not the ${rateLines.size + 1} expected`;
      },
      hint: "under a shuffled schedule the tasks woken at the same instant run in any order: " +
        "a reader that sleeps as long as the fetch takes may run before the fetch's task has " +
        "stored the rates; make each reader wait for the fetch itself",
    },
    {
      what: `every line comes at ${seconds(fetchMs)}, when the rates arrive`,
      fault(run) {
        const off = run.lines.find((line) => line.time !== fetchMs);
        if (off) return quote(off);
        return run.end === fetchMs ? undefined : `it ended at ${seconds(run.end)}`;
      },
      hint: "waiting longer than the fetch hides the bug without fixing it, and makes every " +
        "reader late; wait for the fetch's task, and nothing else",
    },
    {
      what: "each reader is a task of its own that waits for the fetch, not for a timer",
      fault(run) {
        const root = rootTask(run);
        const warmer = printerOf(run, "cache warm");
        const seen = new Set<number>();
        for (const [name, expected] of rateLines) {
          const reader = printerOf(run, expected) ??
            run.events.find((event) => event.type === "log" && event.text?.startsWith(`${name}:`))
              ?.taskId;
          if (reader === undefined) return `${name}'s line was not printed`;
          if (reader === root) return `${name}'s line was printed by the main task`;
          if (reader === warmer) return `${name}'s line was printed by the task that fetched`;
          if (seen.has(reader)) return `two readers' lines came from one task`;
          seen.add(reader);
          const timed = run.events.find((event) =>
            event.taskId === reader && event.type === "suspend" &&
            /^sleep\b/.test(event.reason ?? "")
          );
          if (timed) {
            return `${name}'s task waited on a timer (${timed.reason}): a guess at when the ` +
              "cache is warm";
          }
        }
        return undefined;
      },
      hint: "give each reader the fetch's task and let it join it (yield* task answers the " +
        "rates once they are there, to every task that joins it), or send the rates through a " +
        "queue; a sleep, even sleep(0), only bets on the order",
    },
  ],
};
