/**
 * `deno task exercise`: the workshop's exercises, and a checker for a
 * learner's attempt.
 *
 *     $ deno task exercise list
 *     $ deno task exercise show 1
 *     $ deno task exercise check 1 exercises/01-countdown-deadline/mine.ts
 *
 * `check` runs the file's default export (a `function*`, as for a lab file)
 * under every runtime on a virtual clock, and says per runtime which checks
 * pass and, for each that fails, what is wrong and a hint. Exit status: 0
 * when every check passes under every runtime, 1 when one fails (or the
 * file throws when imported), 2 for a usage error. A relative path starts
 * from the folder the command was run in.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { UsageError } from "../labs/lab.ts";
import { allPass, type Exercise, type Report, seconds } from "../exercises/check.ts";
import { checkExercise } from "../exercises/check.ts";
import { exercises } from "../exercises/mod.ts";
import { errorLine } from "./compare.ts";
import { exitStatus, exitWithUsage, listOf, paint, shownPath, useColor } from "./cli.ts";
import { LabFileError, loadLab, printFailure } from "./lab.ts";

const usage = [
  "Usage: deno task exercise list",
  "       deno task exercise show N",
  "       deno task exercise check N FILE",
  "",
  "  list    the exercises, one a line",
  "  show    exercise N's statement, its starting file and how to check it",
  "  check   run FILE (its default export is a function*) under every runtime, in virtual",
  "          time, and say what is right and what is not, with a hint",
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

/** The checker's verdicts as text: a block per runtime, then a summary line. */
export function reportLines(exercise: Exercise, file: string, reports: Report[], color: boolean) {
  const lines = [
    `exercise ${exercise.number}: ${exercise.title}`,
    `${file} under every runtime, in virtual time`,
  ];
  for (const { runtime, run, verdicts } of reports) {
    const failed = verdicts.filter((verdict) => verdict.fault);
    const status = failed.length === 0
      ? paint("pass", 32, color)
      : paint(`FAIL (${failed.length} of ${verdicts.length} checks)`, 31, color);
    lines.push("", `${runtime.padEnd(10)} ${status}, ended at ${seconds(run.end)}`);
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
  }
  const passing = reports.filter((report) => report.verdicts.every((verdict) => !verdict.fault));
  lines.push(
    "",
    allPass(reports)
      ? `every check passes under every runtime`
      : `${passing.length} of ${reports.length} runtimes pass: not yet`,
  );
  return lines;
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
      const lab = await loadLab(file);
      const reports = await checkExercise(exercise, () => lab.main({}));
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
      printFailure(error.message, error.cause);
      return exitStatus.failed;
    }
    if (error instanceof UsageError) exitWithUsage(error.message, usage);
    console.error(`error: ${errorLine(error)}`);
    return exitStatus.failed;
  }
}

if (import.meta.main) Deno.exit(await runExerciseCommand(Deno.args));
