/**
 * `deno task exercise`: the workshop's exercises, and a checker for a
 * learner's attempt.
 *
 *     $ deno task exercise list
 *     $ deno task exercise show 1
 *     $ deno task exercise check 1 exercises/01-countdown-deadline/mine.ts
 *
 * `check` runs the file's default export (a `function*`, as for a lab file)
 * under every runtime on a virtual clock (and, for an exercise about the
 * order of tasks woken together, shuffled from a few fixed seeds under the
 * runtimes that can shuffle), and says per run which checks pass and, for each that fails, what is wrong and a hint. Each run is in
 * a thread of its own (a Web Worker), so that the learner's file cannot
 * reach the checks, end the checker with `Deno.exit`, or hold it with a
 * loop or a call() that never settles: a run that has not settled after
 * {@link defaultBudgetS} s of real time (`EXERCISE_BUDGET_S`) is stopped
 * and fails. Exit status: 0
 * when every check passes under every runtime, 1 when one fails (or the
 * file throws when imported), 2 for a usage error. A relative path starts
 * from the folder the command was run in.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../labs/lab.ts";
import {
  allPass,
  type Exercise,
  type ExerciseRun,
  judge,
  type Report,
  schedulesFor,
} from "../exercises/check.ts";
import { seconds } from "../exercises/check.ts";
import { exercises } from "../exercises/mod.ts";
import { runtimeNames, shufflingRuntimeNames } from "../runtimes/registry.ts";
import { scheduleText } from "../runtimes/schedule.ts";
import type { Schedule } from "../runtimes/types.ts";
import { errorLine } from "./compare.ts";
import {
  callerPath,
  exitStatus,
  exitWithUsage,
  listOf,
  paint,
  shownPath,
  useColor,
} from "./cli.ts";
import { LabFileError, printFailure } from "./lab.ts";
import { isLabFile, labFileExtensions } from "./lab_check.ts";

/** Real seconds a run may take before the checker stops it, unless `EXERCISE_BUDGET_S` says. */
export const defaultBudgetS = 10;

const usage = [
  "Usage: deno task exercise list",
  "       deno task exercise show N",
  "       deno task exercise check N FILE",
  "",
  "  list    the exercises, one a line",
  "  show    exercise N's statement, its starting file and how to check it",
  "  check   run FILE (its default export is a function*) under every runtime, in virtual",
  "          time, and say what is right and what is not, with a hint; an exercise about",
  "          the order of tasks woken together also runs it shuffled, from a few fixed seeds",
  `          (--schedule shuffle:SEED, under ${listOf(shufflingRuntimeNames)})`,
  "",
  "Each run has its own thread and at most 10 s of real time (EXERCISE_BUDGET_S=seconds to",
  "change it): one still running then loops without letting virtual time move, or waits on",
  "a call() that never settles (a call in flight holds virtual time still), and fails.",
  "",
  "Exit status: 0 every check passes, 1 one fails, 2 usage error.",
].join("\n");

/** The folder of exercise `exercise`, absolute. */
export function exerciseFolder(exercise: Exercise): string {
  return fileURLToPath(new URL(`../exercises/${exercise.folder}/`, import.meta.url));
}

/** Exercise number `text`, or a `UsageError` naming the numbers there are. */
export function findExercise(text: string | undefined): Exercise {
  const numbers = exercises.map((exercise) => String(exercise.number));
  if (text === undefined) throw new UsageError(`name an exercise: ${listOf(numbers)}`);
  const found = exercises.find((exercise) => String(exercise.number) === text.replace(/^0+/, ""));
  if (!found) throw new UsageError(`unknown exercise '${text}'; allowed: ${listOf(numbers)}`);
  return found;
}

/** The lines `exercise list` prints. */
export function listLines(): string[] {
  return exercises.map((exercise) =>
    `${String(exercise.number).padStart(2)}  ${exercise.folder.padEnd(24)} ${exercise.title}`
  );
}

/** A report's run as the checker names it: `nursery`, or `nursery --schedule shuffle:3`. */
function runLabel(report: Report): string {
  return report.schedule.order === "fifo"
    ? report.runtime
    : `${report.runtime} --schedule ${scheduleText(report.schedule)}`;
}

/** The checker's verdicts as text: a block per run, then a summary line. */
export function reportLines(exercise: Exercise, file: string, reports: Report[], color: boolean) {
  const seeds = exercise.shuffleSeeds ?? [];
  const lines = [
    `exercise ${exercise.number}: ${exercise.title}`,
    `${file} under every runtime, in virtual time` +
    (seeds.length === 0
      ? ""
      : `; under ${shufflingRuntimeNames.join(" and ")} also shuffled, seeds ${seeds.join(", ")}`),
  ];
  const width = Math.max(10, ...reports.map((report) => runLabel(report).length));
  for (const report of reports) {
    const { run, verdicts } = report;
    const failed = verdicts.filter((verdict) => verdict.fault);
    const status = failed.length === 0 ? paint("pass", 32, color) : paint(
      `FAIL (${failed.length} of ${verdicts.length} ${
        verdicts.length === 1 ? "check" : "checks"
      } failed)`,
      31,
      color,
    );
    const ended = run.cutShort ? "cut short" : `ended at ${seconds(run.end)}`;
    lines.push("", `${runLabel(report).padEnd(width)} ${status}, ${ended}`);
    for (const { check, fault } of verdicts) {
      if (!fault) {
        lines.push(`  ok    ${check.what}`);
        continue;
      }
      lines.push(`  FAIL  ${check.what}: ${fault}`, `        hint: ${check.hint}`);
    }
    if (failed.length > 0 && run.stderr.length > 0) {
      lines.push("  the runtime said on stderr:", ...run.stderr.slice(0, 5).map((l) => `    ${l}`));
    }
    if (failed.length > 0 && report.schedule.order === "shuffle") {
      lines.push(
        `  replay this run: deno task lab ${file} --runtime ${report.runtime} --clock virtual ` +
          `--schedule ${scheduleText(report.schedule)}`,
      );
    }
  }
  const passing = reports.filter((report) => report.verdicts.every((verdict) => !verdict.fault));
  lines.push(
    "",
    allPass(reports)
      ? `every check passes under every runtime${seeds.length === 0 ? "" : ", shuffled too"}`
      : `${passing.length} of ${reports.length} ${seeds.length === 0 ? "runtimes" : "runs"} ` +
        "pass: not yet",
  );
  return lines;
}

/** What the main thread tells a run's thread: the file to run, under which runtime and schedule. */
export interface ToExerciseThread {
  file: string;
  runtime: string;
  schedule: Schedule;
}

/** An error as it crosses from a run's thread: described, since it may not be cloneable. */
export interface PostedError {
  /** As `errorLine` gives it: `Error: boom`. */
  line: string;
  /** As `describeError` gives it, with its cause and stack. */
  description: string;
  /** It was a `UsageError`. */
  usage: boolean;
  /** It was a `LabFileError`: the file threw when imported. */
  load: boolean;
  /** It was an `Error` (or a `DOMException`), not a string, `null` or other value thrown. */
  isError: boolean;
}

/** What a run's thread tells the main thread. */
export type FromExerciseThread =
  /** The kit is loaded: the run's real-time budget starts. */
  | { type: "ready" }
  /** The file could not be loaded: not found, no default export (`usage`), or it threw (`cause`). */
  | { type: "load-error"; message: string; usage: boolean; cause?: PostedError }
  /** The run settled; its `error`, when it failed, is posted described. */
  | { type: "run"; run: ExerciseRun; error?: PostedError }
  /** The program called `Deno.exit(status)`. */
  | { type: "exit"; status: number }
  /** The program called `close()`, which ends a worker's thread. */
  | { type: "close" };

/** An error from a run's thread, shown as it was there. */
class PostedFailure extends Error {
  constructor(error: PostedError) {
    const at = error.line.indexOf(": ");
    super(at < 0 ? error.line : error.line.slice(at + 2));
    this.name = at < 0 ? "Error" : error.line.slice(0, at);
    this.stack = error.description;
  }
}

/** The real-time budget per run, in seconds: `EXERCISE_BUDGET_S`, or {@link defaultBudgetS}. */
function budgetS(): number {
  const text = Deno.env.get("EXERCISE_BUDGET_S");
  if (text === undefined) return defaultBudgetS;
  const value = Number(text);
  if (text.trim() === "" || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`EXERCISE_BUDGET_S must be a positive number of seconds, not '${text}'`);
  }
  return value;
}

/**
 * Run `file` under one runtime in a thread of its own, stopped after
 * `budgetMs` of real time; `UsageError` or `LabFileError` when the file
 * cannot be loaded.
 */
function runInThread(
  file: string,
  runtime: string,
  schedule: Schedule,
  budgetMs: number,
): Promise<ExerciseRun> {
  const worker = new Worker(new URL("./exercise_worker.ts", import.meta.url), {
    type: "module",
    name: `exercise ${runtime}`,
  });
  const cutShort = (why: string): ExerciseRun => ({
    runtime,
    lines: [],
    events: [],
    outcome: "error",
    end: 0,
    stopped: true,
    stderr: [],
    cutShort: why,
  });
  return new Promise<ExerciseRun>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (then: () => void) => {
      clearTimeout(timer);
      // A busy thread may outlive this; the command's `Deno.exit` ends it.
      worker.terminate();
      then();
    };
    let started = false;
    worker.onmessage = (event: MessageEvent<FromExerciseThread>) => {
      const message = event.data;
      if (message.type === "ready") {
        // Said once, by the worker itself; the file cannot restart its budget.
        if (started) return;
        started = true;
        timer = setTimeout(
          () =>
            settle(() =>
              resolve(cutShort(
                `did not finish within ${budgetMs / 1000} s of real time: it loops without ` +
                  "letting time move, or waits on a call() that never settles",
              ))
            ),
          budgetMs,
        );
        worker.postMessage({ file, runtime, schedule } satisfies ToExerciseThread);
      } else if (message.type === "exit") {
        settle(() =>
          resolve(cutShort(`the program called Deno.exit(${message.status}) instead of ending`))
        );
      } else if (message.type === "close") {
        settle(() => resolve(cutShort("the program called close() instead of ending")));
      } else if (message.type === "load-error") {
        settle(() =>
          reject(
            message.usage ? new UsageError(message.message) : new LabFileError(message.message, {
              cause: message.cause && new PostedFailure(message.cause),
            }),
          )
        );
      } else {
        const error = message.error;
        settle(() =>
          resolve({
            ...message.run,
            // A value thrown that is no Error stays its own description: no `Error: ` before it.
            error: error && (error.usage
              ? new UsageError(
                error.line.replace(/^UsageError: /, ""),
              )
              : error.isError
              ? new PostedFailure(error)
              : error.line),
          })
        );
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      settle(() => resolve(cutShort(`its thread failed: ${event.message}`)));
    };
  });
}

/**
 * Check `file` against `exercise` under every runtime (and the exercise's
 * shuffles), each run in a thread of its own, so that no run sees what an
 * earlier one left in the file's module, with `budgetMs` of real time; the
 * checks run here, on what the run's thread posted back, out of the file's
 * reach.
 */
export async function checkFile(
  exercise: Exercise,
  file: string,
  budgetMs: number,
): Promise<Report[]> {
  const reports: Report[] = [];
  for (const runtime of runtimeNames) {
    for (const schedule of schedulesFor(exercise, runtime)) {
      const run = await runInThread(file, runtime, schedule, budgetMs);
      reports.push({ runtime, schedule, run, verdicts: judge(exercise, run) });
    }
  }
  return reports;
}

/**
 * When a file to check could not load a module it imports and lies outside
 * its exercise's folder: the likely cause, a copy whose relative imports
 * (`../../mod.ts`, `./given.ts`) lead nowhere from where it was put, and
 * what to do instead.
 */
function importHint(number: string, file: string, error: LabFileError): string | undefined {
  const cause = error.cause instanceof Error
    ? `${error.message}\n${error.cause.message}\n${error.cause.stack}`
    : error.message;
  if (!/Module not found/.test(cause)) return undefined;
  const exercise = exercises.find((each) => String(each.number) === String(Number(number)));
  if (!exercise) return undefined;
  const folder = exerciseFolder(exercise);
  if (dirname(callerPath(file)) === resolve(folder)) return undefined;
  const mine = shownPath(join(folder, "mine.ts"));
  return `hint: ${file} is not in ${shownPath(folder)}, and its imports are relative to that ` +
    `folder: copy it there (cp ${file} ${mine}) and check that copy: ` +
    `deno task exercise check ${exercise.number} ${mine}`;
}

/**
 * A `UsageError` when `file` does not exist: most likely the starting file
 * was not copied yet, so the message says how.
 */
async function refuseMissing(exercise: Exercise, file: string): Promise<void> {
  try {
    await Deno.stat(callerPath(file));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return; // said when the file is loaded
    const folder = exerciseFolder(exercise);
    const start = shownPath(join(folder, "start.ts"));
    throw new UsageError(
      `${file} does not exist; start from a copy of the starting file: cp ${start} ${file} ` +
        `(deno task exercise show ${exercise.number} says more)`,
    );
  }
}

/** Run `exercise` on `args`; answers the exit status. */
export async function runExerciseCommand(args: string[]): Promise<number> {
  const given = args[0] === "--" ? args.slice(1) : args;
  const [command, number, file, ...rest] = given;
  if (command === "--help" || command === "-h") {
    console.log(usage);
    return exitStatus.ok;
  }
  const color = useColor(Deno.stdout);
  try {
    if (command === "list") {
      if (number !== undefined) throw new UsageError(`list takes no argument, not '${number}'`);
      console.log(listLines().join("\n"));
      return exitStatus.ok;
    }
    if (command === "show") {
      const exercise = findExercise(number);
      if (file !== undefined) throw new UsageError(`show takes one number, not also '${file}'`);
      const folder = exerciseFolder(exercise);
      console.log(await Deno.readTextFile(join(folder, "README.md")));
      const start = shownPath(join(folder, "start.ts"));
      const mine = shownPath(join(folder, "mine.ts"));
      console.log(
        [
          `Start from ${start}: copy it beside itself (its imports are relative), then check it:`,
          `  cp ${start} ${mine}`,
          `  deno task exercise check ${exercise.number} ${mine}`,
        ].join("\n"),
      );
      return exitStatus.ok;
    }
    if (command === "check") {
      const exercise = findExercise(number);
      if (file === undefined) throw new UsageError("check needs the file to check: check N FILE");
      if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
      // Not a lab's name either: `check 1 countdown` checks no built-in lab.
      if (!isLabFile(file)) {
        throw new UsageError(
          `the file to check must end in ${listOf(labFileExtensions)}, not '${file}'`,
        );
      }
      await refuseMissing(exercise, file);
      const reports = await checkFile(exercise, file, budgetS() * 1000);
      const usageError = reports.find((report) => report.run.error instanceof UsageError);
      if (usageError) throw usageError.run.error;
      console.log(reportLines(exercise, file, reports, color).join("\n"));
      return allPass(reports) ? exitStatus.ok : exitStatus.failed;
    }
    throw new UsageError(
      command === undefined
        ? "name a command: list, show or check"
        : `unknown command '${command}'; allowed: list, show or check`,
    );
  } catch (error) {
    if (error instanceof LabFileError) {
      // What the run's thread said, as it said it (its own description, stack included).
      const cause = error.cause instanceof PostedFailure ? error.cause.stack : error.cause;
      // Without a cause, the message says it all, in one line (a syntax error, a missing import).
      if (cause === undefined) {
        console.error(`${paint("error:", 31, useColor(Deno.stderr))} ${error.message}`);
      } else printFailure(error.message, cause);
      const hint = command === "check" ? importHint(number, file, error) : undefined;
      if (hint) console.error(hint);
      return exitStatus.failed;
    }
    if (error instanceof UsageError) exitWithUsage(error.message, usage);
    console.error(`error: ${errorLine(error)}`);
    return exitStatus.failed;
  }
}

if (import.meta.main) Deno.exit(await runExerciseCommand(Deno.args));
