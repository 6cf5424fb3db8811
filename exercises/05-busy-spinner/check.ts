import { type Exercise, lineOf, linesMatching, seconds, spinnerTask } from "../check.ts";

const slicePattern = /^crunched (\d+) ms$/;

export const exercise: Exercise = {
  number: 5,
  folder: "05-busy-spinner",
  title: "keep the spinner alive beside a CPU-bound job (slices and sleep(0))",
  checks: [
    {
      what: "3000 ms of work in all, in slices of at most 100 ms",
      fault(run) {
        const slices = linesMatching(run, slicePattern).map((line) =>
          Number(slicePattern.exec(line.text)![1])
        );
        const total = slices.reduce((sum, ms) => sum + ms, 0);
        if (total !== 3000) return `crunch() did ${total} ms of work in all`;
        const big = slices.find((ms) => ms > 100);
        return big === undefined ? undefined : `one slice was ${big} ms`;
      },
      hint: "call crunch(100) thirty times instead of crunch(3000) once",
    },
    {
      what: "a spinner frame at least every 500 ms until `job done`",
      fault(run) {
        const done = lineOf(run, "job done");
        if (!done) return "no `job done` line";
        const frames = linesMatching(run, /^spinner [|/\\-]$/).map((line) => line.time)
          .filter((time) => time <= done.time);
        const marks = [0, ...frames, done.time];
        for (let index = 1; index < marks.length; index++) {
          if (marks[index] - marks[index - 1] > 500) {
            return `no frame from ${seconds(marks[index - 1])} to ${seconds(marks[index])}`;
          }
        }
        return undefined;
      },
      hint: "a slice that gives no other task a turn starves the spinner: after each slice, " +
        "yield* sleep(0), so that the spinner, whose sleep is due, runs",
    },
    {
      what: "the spinner runs in a task of its own, which says `spinner stopped`",
      fault(run) {
        const spinner = spinnerTask(run);
        return "fault" in spinner ? spinner.fault : undefined;
      },
      hint: "keep the spinner spawned beside the job, as start.ts does: the job's slices must " +
        "give it turns, not draw its frames for it",
    },
    {
      what: "the spinner is stopped before `job done`",
      fault(run) {
        const stopped = run.lines.findIndex((line) => line.text === "spinner stopped");
        const done = run.lines.findIndex((line) => line.text === "job done");
        if (stopped === -1) return "no `spinner stopped` line";
        return done !== -1 && stopped > done ? "it stopped after `job done`" : undefined;
      },
      hint: "halt the spinner when the work is done, as start.ts does",
    },
  ],
};
