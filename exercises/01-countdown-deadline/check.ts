import { countdownLine, countdowns } from "../../labs/countdown.ts";
import { type Exercise, linesMatching, printersOf, quote, rootTask, seconds } from "../check.ts";

const deadline = 2500;

/** The countdown lines due before the deadline, in the order the lab prints them. */
function dueBeforeDeadline(): string[] {
  const due = countdowns.flatMap(([label, delayMs]) =>
    [3, 2, 1].map((n) => ({ time: delayMs * (4 - n), armed: delayMs * (3 - n), label, n }))
  ).filter((line) => line.time < deadline);
  // Timers due together fire in the order they were armed (B = 3 before D = 2 at 2 s).
  due.sort((a, b) => a.time - b.time || a.armed - b.armed);
  return due.map((line) => countdownLine(line.time, line.label, line.n));
}

const countdownPattern = /^\d+\.\d{3}s\t*[A-D] = \d$/;

export const exercise: Exercise = {
  number: 1,
  folder: "01-countdown-deadline",
  title: "cut the countdown short at 2.5 s with a timeout",
  checks: [
    {
      what: "no countdown line after 2.5 s",
      fault(run) {
        const late = linesMatching(run, countdownPattern).find((line) => line.time > deadline);
        return late && `a countdown went on: ${quote(late)}`;
      },
      hint: "put the countdowns themselves inside timeout(2500, ...): all([...]) of the " +
        "countdown operations, or a scope that spawns them, so that the deadline cancels them",
    },
    {
      what: "every countdown line due before 2.5 s, in order",
      fault(run) {
        const expected = dueBeforeDeadline();
        const printed = linesMatching(run, countdownPattern)
          .filter((line) => line.time <= deadline).map((line) => line.text);
        if (printed.join("\n") === expected.join("\n")) return undefined;
        const missing = expected.find((line, index) => printed[index] !== line);
        return missing
          ? `expected ${JSON.stringify(missing)} as line ${expected.indexOf(missing) + 1}`
          : `more lines than the ${expected.length} due before 2.5 s`;
      },
      hint: "the countdowns must still run concurrently until the deadline",
    },
    {
      what: "each countdown runs in a task of its own, beside the others",
      fault(run) {
        const tasks = countdowns.map(([label]) =>
          printersOf(run, new RegExp(`^\\d+\\.\\d{3}s\\t*${label} = \\d$`))
        );
        if (tasks.some((each) => each.has(rootTask(run)!))) {
          return "the main task printed countdown lines itself: no countdown ran beside it";
        }
        const shared = tasks.findIndex((each) => each.size > 1);
        if (shared !== -1) {
          return `${countdowns[shared][0]}'s lines came from ${tasks[shared].size} tasks`;
        }
        const distinct = new Set(tasks.flatMap((each) => [...each]));
        return distinct.size === countdowns.length
          ? undefined
          : `the ${countdowns.length} countdowns were printed by ${distinct.size} tasks`;
      },
      hint: "run the countdowns themselves concurrently (all([...]), or spawn each in a scope) " +
        "inside timeout(2500, ...), so that the deadline cancels their tasks",
    },
    {
      what: "the last line is `cut short at 2.500s`",
      fault(run) {
        const last = run.lines.at(-1);
        if (!last) return "nothing was printed";
        if (last.text !== "cut short at 2.500s") return `the last line is ${quote(last)}`;
        return undefined;
      },
      hint: "timeout() throws TimeoutError at the deadline: catch it (only it), then log the " +
        "elapsed time as the countdown does",
    },
    {
      what: "the program ends at 2.500s",
      fault: (run) => run.end === deadline ? undefined : `it ended at ${seconds(run.end)}`,
      hint: "nothing may keep running, or be waited for, after the deadline",
    },
  ],
};
