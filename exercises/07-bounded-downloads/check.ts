import {
  type Exercise,
  type ExerciseRun,
  linesMatching,
  printerOf,
  rootTask,
  seconds,
} from "../check.ts";
import { codes, limit } from "./given.ts";

/** How many downloads are in flight after the last line of each instant. */
function inFlightByInstant(run: ExerciseRun): { time: number; inFlight: number; done: number }[] {
  const instants: { time: number; inFlight: number; done: number }[] = [];
  let inFlight = 0;
  let done = 0;
  for (const line of run.lines) {
    if (line.text.startsWith("start ")) inFlight++;
    if (line.text.startsWith("done ")) (inFlight--, done++);
    if (instants.at(-1)?.time === line.time) instants.pop();
    instants.push({ time: line.time, inFlight, done });
  }
  return instants;
}

export const exercise: Exercise = {
  number: 7,
  folder: "07-bounded-downloads",
  title: "a bounded downloader: a queue and three workers",
  checks: [
    {
      what: "every code started once and done once",
      fault(run) {
        for (const kind of ["start", "done"]) {
          const seen = linesMatching(run, new RegExp(`^${kind} `)).map((line) =>
            line.text.slice(kind.length + 1)
          );
          const missing = codes.find((code) => !seen.includes(code));
          if (missing) return `no \`${kind} ${missing}\``;
          const twice = seen.find((code, index) => seen.indexOf(code) !== index);
          if (twice) return `\`${kind} ${twice}\` twice`;
        }
        return undefined;
      },
      hint: "each code goes into the queue once, and each is taken by one worker",
    },
    {
      what: "each download runs in a task beside the main one, from its start to its end",
      fault(run) {
        for (const code of codes) {
          const started = printerOf(run, `start ${code}`);
          if (started === undefined) continue; // said by the check above
          if (started === rootTask(run)) {
            return `the main task printed \`start ${code}\` itself: no worker downloaded it`;
          }
          if (printerOf(run, `done ${code}`) !== started) {
            return `\`done ${code}\` was printed by another task than \`start ${code}\``;
          }
        }
        return undefined;
      },
      hint: "let download(code) print its own lines, inside the workers' tasks",
    },
    {
      what: `never more than ${limit} downloads at a time`,
      fault(run) {
        let inFlight = 0;
        for (const line of run.lines) {
          if (line.text.startsWith("start ")) inFlight++;
          if (line.text.startsWith("done ")) inFlight--;
          if (inFlight > limit) return `${inFlight} in flight at ${seconds(line.time)}`;
        }
        return undefined;
      },
      hint:
        `start ${limit} workers, each downloading one code at a time, instead of a task per code`,
    },
    {
      what: `${limit} in flight for as long as codes are waiting`,
      fault(run) {
        for (const { time, inFlight, done } of inFlightByInstant(run)) {
          const wanted = Math.min(limit, codes.length - done);
          if (inFlight < wanted) return `only ${inFlight} in flight at ${seconds(time)}`;
        }
        return undefined;
      },
      hint: "a worker takes the next code as soon as its download ends, without waiting for " +
        "the others (no batches)",
    },
    {
      what: `the last line is \`all ${codes.length} done\``,
      fault(run) {
        const last = run.lines.at(-1)?.text;
        return last === `all ${codes.length} done`
          ? undefined
          : `the last line is ${JSON.stringify(last)}`;
      },
      hint: "wait for every worker (all, or join each), then print it",
    },
  ],
};
