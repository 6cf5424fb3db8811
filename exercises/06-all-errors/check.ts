import { type Exercise, quote, seconds } from "../check.ts";
import { parts } from "./given.ts";

/** The line each part should give, in order. */
const expected = parts.map(([name, , failure]) =>
  failure === undefined ? `${name}: ok` : `${name}: failed: ${failure}`
);
const slowest = Math.max(...parts.map(([, ms]) => ms));

export const exercise: Exercise = {
  number: 6,
  folder: "06-all-errors",
  title: "collect the errors of several failing children",
  checks: [
    {
      what: "one line per part, in order, each with its outcome",
      fault(run) {
        const printed = run.lines.map((line) => line.text);
        if (printed.join("\n") === expected.join("\n")) return undefined;
        const wrong = expected.findIndex((line, index) => printed[index] !== line);
        if (wrong === -1) return `more lines than the ${expected.length} expected`;
        return printed[wrong] === undefined
          ? `line ${wrong + 1} is missing: expected ${JSON.stringify(expected[wrong])}`
          : `line ${wrong + 1}: expected ${JSON.stringify(expected[wrong])}, got ${
            quote(run.lines[wrong])
          }`;
      },
      hint: "all() stops at the first failure: catch each part's error inside its own " +
        "operation (a function* that try/catches yield* part) and answer a line instead",
    },
    {
      what: "every part is fetched, each in a task of its own, all from the start",
      fault(run) {
        const fetchers = parts.map(([, ms]) =>
          run.events.find((event) => event.type === "suspend" && event.reason === `sleep ${ms}`)
        );
        const missing = fetchers.findIndex((event) => event === undefined);
        if (missing !== -1) return `part ${parts[missing][0]} was never fetched`;
        const late = fetchers.find((event) => event!.time !== 0);
        if (late) return `a part was fetched at ${seconds(late.time)}`;
        const tasks = new Set(fetchers.map((event) => event!.taskId));
        return tasks.size === parts.length
          ? undefined
          : `the ${parts.length} parts were fetched by ${tasks.size} tasks`;
      },
      hint: "call fetchPart() for every part, concurrently: all([...]) of operations that each " +
        "catch their part's error, or spawn each",
    },
    {
      what: `the parts run concurrently: the lines come at ${seconds(slowest)}, when the last ends`,
      fault(run) {
        const early = run.lines.find((line) => line.time !== slowest);
        if (early) return quote(early);
        return run.end === slowest ? undefined : `it ended at ${seconds(run.end)}`;
      },
      hint: "start every part at once (all, or spawn and join), each part catching its own " +
        "error before it ends (under nursery, generator and effection a child's failure fails " +
        "its parent, even one that joins it in a try), and print when all are done",
    },
  ],
};
