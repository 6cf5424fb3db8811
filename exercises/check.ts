/**
 * What an exercise is, and how a learner's file is checked: run under every
 * runtime on a virtual clock, its printed lines stamped with the virtual
 * time and the task that printed them, then judged by the exercise's
 * checks, functions over the run (its lines, trace, outcome and end time),
 * each saying what is wrong and giving a hint. An exercise about the order
 * of tasks woken together is also run shuffled, from a few fixed seeds,
 * under every runtime that can shuffle (`--schedule shuffle:SEED`).
 *
 * @module
 */

import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import { fifo } from "../runtimes/schedule.ts";
import type { Operation, Schedule, TraceEvent } from "../runtimes/types.ts";
import { captureRun, errorLine } from "../tools/compare.ts";

/** One line the program printed, when and by which task. */
export interface Line {
  /** Virtual milliseconds since the run began. */
  time: number;
  text: string;
  task: string;
}

/** What one run of a learner's file did, under one runtime. */
export interface ExerciseRun {
  runtime: string;
  lines: Line[];
  events: TraceEvent[];
  outcome: "ok" | "error";
  error?: unknown;
  /** Virtual milliseconds when the run settled. */
  end: number;
  /** The checker stopped it at {@link runLimitMs}: it did not end by itself. */
  stopped: boolean;
  /** What the runtime wrote to stderr (orphans, errors no one received). */
  stderr: string[];
  /**
   * Why the checker ended the run itself, in real time, before it settled
   * (it called `Deno.exit`, or looped without letting time move); what it
   * did before is lost with its thread.
   */
  cutShort?: string;
}

/**
 * One check: `fault(run)` answers what is wrong, in a few words, or
 * `undefined` when the run passes.
 */
export interface Check {
  what: string;
  fault(run: ExerciseRun): string | undefined;
  hint: string;
}

/** An exercise: its number, folder name, title and checks. */
export interface Exercise {
  number: number;
  /** The folder under `exercises/`: `01-countdown-deadline`. */
  folder: string;
  title: string;
  checks: Check[];
  /**
   * Seeds the file is also run with, shuffled, under every runtime that
   * can shuffle: for an exercise whose bug hides in the order of tasks
   * woken together, which first in, first out never shows. Fixed, so that
   * a verdict can be replayed.
   */
  shuffleSeeds?: readonly number[];
}

/** The schedules `exercise` is checked under on `runtime`: first in, first out, then its shuffles. */
export function schedulesFor(exercise: Exercise, runtime: string): Schedule[] {
  if (!runtimes[runtime].shuffles) return [fifo];
  const seeds = exercise.shuffleSeeds ?? [];
  return [fifo, ...seeds.map((seed): Schedule => ({ order: "shuffle", seed }))];
}

/** Virtual time after which the checker stops a run that goes on by itself (a forgotten task). */
export const runLimitMs = 60_000;

/** Seconds as the labs print them: `2.500s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** A line as a check's message quotes it: `"job done" at 3.000s`. */
export function quote(line: Line): string {
  return `${JSON.stringify(line.text)} at ${seconds(line.time)}`;
}

/**
 * Run `main` under the named runtime on a fresh virtual clock, with
 * `schedule` (first in, first out unless given), stopped at {@link runLimitMs}.
 */
export async function runExercise(
  runtime: string,
  main: () => Operation<unknown>,
  schedule?: Schedule,
): Promise<ExerciseRun> {
  const clock = virtualClock();
  const controller = new AbortController();
  // The limit is a timer on the virtual clock itself: a run that would go
  // on for ever is stopped at 60 s of virtual time, at once in real time.
  clock.setTimer(runLimitMs, () => {
    controller.abort(new DOMException("stopped by the checker", "AbortError"));
  });
  const run = await captureRun(runtimes[runtime], main, {
    clock,
    signal: controller.signal,
    schedule,
  });
  const lines = run.events.filter((event) => event.type === "log").map((event) => ({
    time: event.time,
    text: event.text ?? "",
    task: event.name,
  }));
  return {
    runtime,
    lines,
    events: run.events,
    outcome: run.outcome,
    error: run.error,
    end: clock.now(),
    stopped: controller.signal.aborted,
    stderr: run.stderr,
  };
}

/** The check every exercise starts with: the run ends by itself, without an error. */
export const endsCleanly: Check = {
  what: "the program ends by itself, without an error",
  fault(run) {
    if (run.cutShort) return run.cutShort;
    if (run.stopped) {
      return `still running at ${seconds(runLimitMs)} of virtual time: the checker stopped it`;
    }
    if (run.outcome === "error") return `it failed: ${errorLine(run.error)}`;
    return undefined;
  },
  hint: "a task that nobody stops or waits for keeps some runtimes going (nursery waits for " +
    "every child); an error nobody catches ends the run",
};

/** One check's verdict. */
export interface Verdict {
  check: Check;
  /** What is wrong; `undefined` when it passes. */
  fault?: string;
}

/**
 * Judge one run: the shared check, then the exercise's own; a run the
 * checker cut short is judged by the shared check alone, since what it did
 * is lost.
 */
export function judge(exercise: Exercise, run: ExerciseRun): Verdict[] {
  const checks = run.cutShort ? [endsCleanly] : [endsCleanly, ...exercise.checks];
  return checks.map((check) => {
    let fault: string | undefined;
    try {
      fault = check.fault(run);
    } catch (error) {
      // A check reads what the run printed; what it could not read is a fault, not a crash.
      fault = `the run's output could not be read: ${errorLine(error)}`;
    }
    return { check, fault };
  });
}

/** The verdicts on one run of a learner file: under a runtime, with a schedule. */
export interface Report {
  runtime: string;
  schedule: Schedule;
  run: ExerciseRun;
  verdicts: Verdict[];
}

/** Run `main` under every runtime in turn, shuffled too where the exercise asks, and judge each run. */
export async function checkExercise(
  exercise: Exercise,
  main: () => Operation<unknown>,
): Promise<Report[]> {
  const reports: Report[] = [];
  for (const runtime of Object.keys(runtimes)) {
    for (const schedule of schedulesFor(exercise, runtime)) {
      const run = await runExercise(runtime, main, schedule);
      reports.push({ runtime, schedule, run, verdicts: judge(exercise, run) });
    }
  }
  return reports;
}

/** Whether every check passed under every runtime. */
export function allPass(reports: readonly Report[]): boolean {
  return reports.every((report) => report.verdicts.every((verdict) => !verdict.fault));
}

// Helpers the checks share.

/** The lines whose text matches `pattern`. */
export function linesMatching(run: ExerciseRun, pattern: RegExp): Line[] {
  return run.lines.filter((line) => pattern.test(line.text));
}

/** The first line whose text is `text`, or `undefined`. */
export function lineOf(run: ExerciseRun, text: string): Line | undefined {
  return run.lines.find((line) => line.text === text);
}

/** The index of the first line whose text is `text` (-1 when absent). */
export function indexOf(run: ExerciseRun, text: string): number {
  return run.lines.findIndex((line) => line.text === text);
}

// What the trace shows: which task printed a line, and how a task ended.
// Task names differ between runtimes for the tasks a combinator starts
// (`race: operation 0`, or none at all under nursery), so the checks go by
// task ids: the task that printed a given line, the root, cancel and halt.

/** The id of the root task (the learner's `main`). */
export function rootTask(run: ExerciseRun): number | undefined {
  return run.events.find((event) => event.parentId === undefined)?.taskId;
}

/** The id of the task that printed the first line whose text is `text`, or `undefined`. */
export function printerOf(run: ExerciseRun, text: string): number | undefined {
  return run.events.find((event) => event.type === "log" && event.text === text)?.taskId;
}

/** The ids of the tasks that printed lines matching `pattern`. */
export function printersOf(run: ExerciseRun, pattern: RegExp): Set<number> {
  return new Set(
    run.events.filter((event) => event.type === "log" && pattern.test(event.text ?? ""))
      .map((event) => event.taskId),
  );
}

/** The first `cancel` or `halt` event of task `taskId`: when it was stopped from outside. */
export function stopOf(run: ExerciseRun, taskId: number): TraceEvent | undefined {
  return run.events.find((event) =>
    event.taskId === taskId && (event.type === "cancel" || event.type === "halt")
  );
}

/**
 * The one task that drew the spinner's frames and said `spinner stopped`
 * (exercises 4 and 5), or what is wrong instead, as a check's fault.
 */
export function spinnerTask(run: ExerciseRun): { task: number } | { fault: string } {
  const spinners = printersOf(run, /^spinner [|/\\-]$/);
  if (spinners.size === 0) return { fault: "no spinner frame was drawn" };
  if (spinners.has(rootTask(run)!)) {
    return {
      fault: "the main task drew spinner frames itself: no spinner task ran beside the job",
    };
  }
  if (spinners.size > 1) return { fault: `the frames came from ${spinners.size} tasks` };
  const [task] = spinners;
  return printerOf(run, "spinner stopped") === task
    ? { task }
    : { fault: "`spinner stopped` was not printed by the spinner's task" };
}
