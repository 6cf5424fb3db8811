import { type Exercise, indexOf, lineOf, printerOf, quote, rootTask, seconds } from "../check.ts";

export const exercise: Exercise = {
  number: 3,
  folder: "03-race-loser",
  title: "a race that cleans up its loser (race)",
  checks: [
    {
      what: "`got it from fast mirror` at 0.300s",
      fault(run) {
        const line = run.lines.find((each) => each.text.startsWith("got it from"));
        if (!line) return "no `got it from` line";
        if (line.text !== "got it from fast mirror") return `instead: ${quote(line)}`;
        return line.time === 300 ? undefined : `it came at ${seconds(line.time)}`;
      },
      hint: "the fast mirror answers at 300 ms: take the first answer, not both",
    },
    {
      what: "the slow mirror is cancelled before the winner is announced",
      fault(run) {
        const cancelled = indexOf(run, "slow mirror: cancelled");
        const announced = run.lines.findIndex((each) => each.text.startsWith("got it from"));
        if (cancelled === -1) return "`slow mirror: cancelled` was never printed: no cleanup ran";
        if (announced !== -1 && cancelled > announced) {
          return "the loser was cleaned up only after `got it from`";
        }
        return undefined;
      },
      hint: "race([...]) cancels the losers and waits for their cleanup before it answers; " +
        "a task left to itself is cleaned up late, or never",
    },
    {
      what: "the slow mirror's own task says `slow mirror: cancelled`, in its cleanup",
      fault(run) {
        const started = printerOf(run, "slow mirror: started");
        const cancelled = printerOf(run, "slow mirror: cancelled");
        if (started === undefined || cancelled === undefined) {
          return `no \`slow mirror: ${started === undefined ? "started" : "cancelled"}\` line`;
        }
        if (started === rootTask(run) || cancelled === rootTask(run)) {
          return "the main task printed the mirror's lines itself: no download ran beside it";
        }
        return started === cancelled
          ? undefined
          : "`slow mirror: cancelled` was printed by another task than the download's";
      },
      hint: "download() itself says `cancelled` in its finally when it is stopped: run both " +
        "downloads as tasks (race, or spawn each) and let the winner's arrival stop the loser",
    },
    {
      what: "the slow mirror never finishes",
      fault(run) {
        const done = lineOf(run, "slow mirror: done");
        return done && `it ran on: ${quote(done)}`;
      },
      hint: "a loser that is not cancelled runs to the end (under nursery the run waits for it)",
    },
    {
      what: "the program ends at 0.300s",
      fault: (run) => run.end === 300 ? undefined : `it ended at ${seconds(run.end)}`,
      hint: "nothing should be left running once the winner is known",
    },
  ],
};
