/**
 * Running a workshop step's labs, in-process, as the lab runner would; and
 * the source a prediction is about. Shared by `deno task workshop` and its
 * handout.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime, Schedule } from "../runtimes/types.ts";
import { type Lab, UsageError } from "../labs/lab.ts";
import { exitStatus } from "./cli.ts";
import { captureRun, errorLine } from "./compare.ts";
import { defaultRuntime, loadLab, parseOptions, type Values } from "./lab.ts";
import { parseSchedule, refuseShuffleFor } from "./schedule_option.ts";
import { sourcePart, type Step, type StepRun } from "./workshop_steps.ts";

/** The kit's folder, where the paths a step names start. */
export const kitFolder = fileURLToPath(new URL("../", import.meta.url));

/** The runtime `values` name, or the lab runner's default. */
function runtimeOf(values: Values): Runtime {
  return runtimes[(values.runtime as string | undefined) ?? defaultRuntime];
}

/** The clock `values` name (once parsed), or the lab's own. */
function clockOf(lab: Lab<Values>, values: Values | undefined): "real" | "virtual" {
  return (values?.clock as "real" | "virtual" | undefined) ?? lab.defaultClock;
}

/** What one run of a lab printed, and how it ended. */
export interface LabOutput {
  lines: string[];
  stderr: string[];
  /** The exit status the lab runner would give: 0, 1, or the lab's own. */
  status: number;
  /** How a failed run failed, in one line. */
  failure?: string;
  /** The clock it ran on. */
  clock: "real" | "virtual";
  /** Why the lab's figures are this machine's (it measures the host), if they are. */
  measuresHost?: string;
}

/**
 * The arguments `run` is run with: its own, and for a lab that saves files
 * (the flags lab's `--dest`), unless the step names the folder, `downloads`
 * in `folder`: the learner's folder, not the kit's, where `deno task`
 * would otherwise start a relative path.
 */
export function argumentsOf(run: StepRun, options: Record<string, unknown>, folder: string) {
  const named = run.args.some((arg) => arg === "--dest" || arg.startsWith("--dest="));
  return "dest" in options && !named
    ? [...run.args, "--dest", join(folder, "downloads")]
    : run.args;
}

/**
 * Run `run` in-process as the lab runner would: its arguments parsed by the
 * runner's own rules, on the clock they choose (the lab's default
 * otherwise), files it saves under `folder` ({@link argumentsOf}). `print`
 * sees each line as it comes.
 */
export async function runLab(
  run: StepRun,
  options: { print?: (line: string) => void; signal?: AbortSignal; folder: string },
): Promise<LabOutput> {
  const lab = await loadLab(run.lab);
  let values: Values | undefined;
  let parsed: Values;
  let schedule: Schedule | undefined;
  try {
    const parsedArgs = parseOptions(lab, argumentsOf(run, lab.options, options.folder));
    values = parsedArgs.values;
    parsed = lab.parse(values, parsedArgs.positionals);
    const choice = parseSchedule(values.schedule as string | undefined);
    refuseShuffleFor(runtimeOf(values).name, choice);
    schedule = choice.schedule;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // As the lab runner does: its message, exit status 2, and the lab not started.
    return {
      lines: [],
      stderr: [],
      status: exitStatus.usage,
      failure: `${lab.name} refused its options: ${error.message}`,
      clock: clockOf(lab, values),
      measuresHost: lab.notComparable,
    };
  }
  const runtime = runtimeOf(values);
  const clockKind = clockOf(lab, values);
  const root = function* () {
    return yield* lab.main(parsed);
  };
  Object.defineProperty(root, "name", { value: lab.name });
  const captured = await captureRun(runtime, root, {
    clock: clockKind === "virtual" ? virtualClock() : realClock(),
    signal: options.signal,
    output: options.print,
    schedule,
  });
  if (captured.outcome === "error") {
    return {
      lines: captured.output,
      stderr: captured.stderr,
      status: exitStatus.failed,
      failure: `${lab.name} failed under ${runtime.name}: ${errorLine(captured.error)}`,
      clock: clockKind,
      measuresHost: lab.notComparable,
    };
  }
  const status = typeof captured.value === "number" ? captured.value : exitStatus.ok;
  return {
    lines: captured.output,
    stderr: captured.stderr,
    status,
    clock: clockKind,
    measuresHost: lab.notComparable,
  };
}

/** The `why:` notes a run of the coros lab with `--explain` printed, without the heading. */
export function notesOf(lines: readonly string[]): string[] {
  const at = lines.indexOf("why:");
  return at === -1 ? [] : lines.slice(at + 1).map((line) => line.trim());
}

/** The source a prediction is about, numbered. */
export async function sourceLines(step: Step): Promise<string[]> {
  if (step.prediction?.kind !== "output") return [];
  const { source } = step.prediction;
  const text = await Deno.readTextFile(join(kitFolder, source.path));
  const { firstLine, lines } = sourcePart(text, source);
  const width = String(firstLine + lines.length).length;
  return [
    `${source.path}, lines ${firstLine} to ${firstLine + lines.length - 1}:`,
    ...lines.map((line, index) => `${String(firstLine + index).padStart(width)}  ${line}`),
  ];
}
