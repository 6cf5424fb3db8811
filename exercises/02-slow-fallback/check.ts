import { type Exercise, lineOf, quote, seconds } from "../check.ts";
import { cachedQuote } from "./given.ts";

const fallback = `quote: (cached) ${cachedQuote}`;

export const exercise: Exercise = {
  number: 2,
  folder: "02-slow-fallback",
  title: "give a slow server 1 s, then use the cached quote (moveOnAfter)",
  checks: [
    {
      what: "the cached quote is printed at 1.000s",
      fault(run) {
        const line = lineOf(run, fallback);
        if (!line) {
          const other = run.lines.find((each) => each.text.startsWith("quote:"));
          return other ? `instead: ${quote(other)}` : `no line ${JSON.stringify(fallback)}`;
        }
        return line.time === 1000 ? undefined : `it came at ${seconds(line.time)}`;
      },
      hint: "moveOnAfter(1000, fetchQuote()) answers undefined when the second is up",
    },
    {
      what: "the server is asked at once, and its 5 s answer is not waited for",
      fault(run) {
        const asked = run.events.find((event) =>
          event.type === "suspend" && event.reason === "sleep 5000"
        );
        if (!asked) return "fetchQuote() was never waited on: the server was not asked";
        return asked.time === 0 ? undefined : `the server was asked at ${seconds(asked.time)}`;
      },
      hint: "call fetchQuote() inside moveOnAfter(1000, ...), which stops waiting for it " +
        "when the second is up",
    },
    {
      what: "the server's own answer is never printed",
      fault(run) {
        const live = run.lines.find((line) =>
          line.text.startsWith("quote:") && line.text !== fallback
        );
        return live && `printed ${quote(live)}`;
      },
      hint: "print the server's quote only when it answered in time",
    },
    {
      what: "the last line is `done at 1.000s`, and the program ends then",
      fault(run) {
        const last = run.lines.at(-1);
        if (last?.text !== "done at 1.000s") {
          return last ? `the last line is ${quote(last)}` : "nothing was printed";
        }
        return run.end === 1000 ? undefined : `it ended at ${seconds(run.end)}`;
      },
      hint: "the request must be cancelled at the deadline, not left running",
    },
  ],
};
