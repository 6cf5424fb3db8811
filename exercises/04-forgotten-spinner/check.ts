import {
  type Exercise,
  indexOf,
  linesMatching,
  quote,
  seconds,
  spinnerTask,
  stopOf,
} from "../check.ts";

export const exercise: Exercise = {
  number: 4,
  folder: "04-forgotten-spinner",
  title: "halt the forgotten spinner when the job is done",
  checks: [
    {
      what: "`job done`, `spinner stopped`, `answer: 42`, in that order",
      fault(run) {
        const order = ["job done", "spinner stopped", "answer: 42"].map((text) =>
          indexOf(run, text)
        );
        const missing = ["job done", "spinner stopped", "answer: 42"].find((_, i) =>
          order[i] === -1
        );
        if (missing) return `no ${JSON.stringify(missing)} line`;
        if (!(order[0] < order[1] && order[1] < order[2])) {
          return `they came as ${
            [...order].sort((a, b) => a - b).map((index) => JSON.stringify(run.lines[index].text))
              .join(", ")
          }`;
        }
        return undefined;
      },
      hint: "keep the Task that spawn() answers, and halt it (yield* spinner.halt()) before " +
        "printing the answer: halt waits for the spinner's cleanup",
    },
    {
      what: "the spinner's own task is halted, and its cleanup says `spinner stopped`",
      fault(run) {
        const spinner = spinnerTask(run);
        if ("fault" in spinner) return spinner.fault;
        const stop = stopOf(run, spinner.task);
        return stop ? undefined : "the spinner's task was never halted: it ended by itself";
      },
      hint: "spin() says `spinner stopped` in its finally when its task is halted: keep the " +
        "Task that spawn(spin) answers and yield* its halt()",
    },
    {
      what: "no spinner frame after the job is done",
      fault(run) {
        const done = run.lines.find((line) => line.text === "job done");
        const late = linesMatching(run, /^spinner [|/\\-]$/).find((line) =>
          done && line.time > done.time
        );
        return late && `a frame was drawn at ${seconds(late.time)}: ${quote(late)}`;
      },
      hint: "a spinner nobody stops keeps drawing",
    },
    {
      what: "the program ends at 3.000s",
      fault: (run) => run.end === 3000 ? undefined : `it ended at ${seconds(run.end)}`,
      hint: "under nursery the run waits for every task still running",
    },
  ],
};
