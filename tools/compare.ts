/**
 * `deno task compare <lab> [lab options]`: run one lab under every runtime
 * and print one table of what each made of it.
 *
 *     $ deno task compare countdown
 *     countdown under every runtime, virtual clock
 *
 *     runtime    outcome  exit  time      spawned  cancelled  errors  orphans  stderr  output
 *     native     ok          0  6.000 s         5          0       0        0       0  same
 *     ...
 *
 * The lab runs on the virtual clock unless it refuses it, as one that does
 * real I/O does, or as the spinner does `--slow cpu` (then on the real clock,
 * and the table says why; `--clock` chooses). Its printed lines
 * (`RunOptions.output`) and whatever the runtime writes to stderr are
 * captured, and the counts come from its trace:
 *
 * - spawned: tasks that started, the root included;
 * - cancelled: tasks that were asked to stop or ended halted;
 * - errors: distinct errors that a task ended with, cancellations aside;
 * - orphans: spawned tasks with no `return`, `throw` or `halt` by the end of
 *   the run (they were still alive when the lab ended).
 *
 * Outputs are compared with what varies from run to run masked (ports,
 * temporary paths) and, on the real clock, measurements (durations, rates,
 * counts of requests) compared within a tolerance (`tools/run_varying.ts`:
 * a duration within 3x plus 100 ms, the others within 3x), so that two
 * runs that print the same thing are `same`; the footer lists what was
 * tolerated, and where, explains the output column's marks (a letter per
 * distinct output; `same` within tolerance on the real clock) and gives
 * each group's measured ranges on the real clock.
 *
 * `--schedule shuffle[:SEED]` shuffles each batch of woken tasks under the
 * runtimes that can (`nursery`, `generator`), all from the same seed; the
 * others run in their own order, and the header says so.
 *
 * @module
 */

import type { Lab, LabOption } from "../labs/lab.ts";
import { UsageError } from "../labs/lab.ts";
import { labs } from "../labs/mod.ts";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { describeError, isCancellation, isInstance } from "../runtimes/errors.ts";
import { runtimes } from "../runtimes/registry.ts";
import { scheduleText } from "../runtimes/schedule.ts";
import type { Clock, OperationFn, Runtime, Schedule, TraceEvent } from "../runtimes/types.ts";
import {
  type CtrlC,
  exitStatus,
  exitWithUsage,
  listOf,
  onCtrlC,
  paint,
  signalGrace,
  useColor,
} from "./cli.ts";
import {
  LabFileError,
  labForRun,
  loadLab,
  optionLines,
  parseOptions,
  printLabFileError,
  type Values,
} from "./lab.ts";
import { checkedLabArgs, isLabFile, noCheckOption, printBareYields } from "./lab_check.ts";
import { runInLabThread } from "./lab_thread.ts";
import {
  maskPortsAndPaths,
  measure,
  type MeasurementKind,
  measurementNames,
  sameWithinTolerance,
  tolerances,
} from "./run_varying.ts";
import {
  announceSeed,
  parseSchedule,
  type ScheduleChoice,
  scheduleOption,
} from "./schedule_option.ts";
import { fullStackWanted, withoutKitFrames } from "./stack_frames.ts";

/** What one run did, captured. */
export interface CapturedRun {
  /** `ok <value>`, or `error <Name>: <message>`. */
  outcome: "ok" | "error";
  value?: unknown;
  error?: unknown;
  /** Every trace event, in order. */
  events: TraceEvent[];
  /** The lines the operation printed with `log` (and `console.log`, when asked to count them). */
  output: string[];
  /** What the runtime (or the lab) wrote with `console.error` during the run. */
  stderr: string[];
  /** Milliseconds on the run's clock (virtual), or wall time (real). */
  elapsed: number;
}

/**
 * Run `fn` under `runtime` with a tracer, its output captured and
 * `console.error` redirected into the capture until the run settles; with
 * `consoleLog`, `console.log` too, its lines counted as output in their
 * place among `log`'s. Runs that capture stderr must not overlap.
 */
export async function captureRun(
  runtime: Runtime,
  fn: OperationFn<unknown>,
  options: {
    clock: Clock;
    signal?: AbortSignal;
    output?: (line: string) => void;
    schedule?: Schedule;
    consoleLog?: boolean;
  },
): Promise<CapturedRun> {
  const events: TraceEvent[] = [];
  const output: string[] = [];
  const stderr: string[] = [];
  const printed = (line: string) => {
    output.push(line);
    options.output?.(line);
  };
  const consoleError = console.error;
  const consoleLog = console.log;
  console.error = (...data: unknown[]) => {
    const text = data.map(inspectSafely).join(" ");
    stderr.push(...text.split("\n"));
  };
  if (options.consoleLog) {
    console.log = (...data: unknown[]) => {
      const text = data.map((each) =>
        typeof each === "string" ? each : Deno.inspect(each, { colors: false })
      ).join(" ");
      for (const line of text.split("\n")) printed(line);
    };
  }
  const clock = options.clock;
  const started = clock.kind === "virtual" ? clock.now() : performance.now();
  try {
    const value = await runtime.run(fn, {
      clock,
      tracer: (event) => void events.push(event),
      output: printed,
      signal: options.signal,
      schedule: options.schedule,
    });
    const elapsed = (clock.kind === "virtual" ? clock.now() : performance.now()) - started;
    return { outcome: "ok", value, events, output, stderr, elapsed };
  } catch (error) {
    const elapsed = (clock.kind === "virtual" ? clock.now() : performance.now()) - started;
    return { outcome: "error", error, events, output, stderr, elapsed };
  } finally {
    console.error = consoleError;
    console.log = consoleLog;
  }
}

/**
 * A value as `console.error` shows it, an error's stack without the kit's
 * and the libraries' frames (unless `KIT_FULL_STACK=1`), or, where it cannot
 * be shown (a revoked Proxy), as `describeError` describes it.
 */
function inspectSafely(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const text = Deno.inspect(value);
    return fullStackWanted() ? text : withoutKitFrames(text);
  } catch {
    return describeError(value);
  }
}

/**
 * Run `lab` with `options` under `runtime` as `captureRun` does, its root
 * task named after the lab. What the lab prints with `console.log` (the
 * habit of Python's `print`) is its output as `log`'s lines are, so that
 * runtimes that print it in another order are not said to print the same.
 */
export function captureLab(
  runtime: Runtime,
  lab: Lab<unknown>,
  options: unknown,
  capture: { clock: Clock; signal?: AbortSignal; schedule?: Schedule },
): Promise<CapturedRun> {
  const root = function* () {
    return yield* lab.main(options);
  };
  Object.defineProperty(root, "name", { value: lab.name });
  return captureRun(runtime, root, { ...capture, consoleLog: true });
}

/** What the trace of a run says about its tasks. */
export interface TaskCounts {
  spawned: number;
  cancelled: number;
  errors: number;
  orphans: number;
}

const settles = new Set(["return", "throw", "halt"]);

/** Count spawned, cancelled, failed and still-alive tasks from a trace. */
export function countTasks(events: readonly TraceEvent[]): TaskCounts {
  const spawned = new Set<number>();
  const cancelled = new Set<number>();
  const settled = new Set<number>();
  const errors = new Set<unknown>();
  for (const event of events) {
    if (event.type === "spawn") spawned.add(event.taskId);
    if (event.type === "cancel" || event.type === "halt") cancelled.add(event.taskId);
    if (settles.has(event.type)) settled.add(event.taskId);
    if (event.type === "throw" && !isCancellation(event.error)) errors.add(event.error);
  }
  const orphans = [...spawned].filter((id) => !settled.has(id)).length;
  return { spawned: spawned.size, cancelled: cancelled.size, errors: errors.size, orphans };
}

/**
 * Describe an error in one line: `Name: message`, an `AggregateError` with
 * its errors. Never throws, whatever was thrown: what cannot be read is
 * described by `describeError`.
 */
export function errorLine(error: unknown): string {
  return lineOf(error, new Set());
}

/** `errorLine`, opening each `AggregateError` once (one may contain itself). */
function lineOf(error: unknown, opened: Set<unknown>): string {
  try {
    if (isInstance(error, AggregateError) && !opened.has(error)) {
      opened.add(error);
      const errors: unknown[] = Array.from(error.errors);
      return `AggregateError [${errors.map((each) => lineOf(each, opened)).join(", ")}]`;
    }
    if (isInstance(error, Error) || isInstance(error, DOMException)) {
      return `${error.name}: ${error.message}`;
    }
  } catch {
    // A name, message or list of errors that cannot be read: described whole.
  }
  return describeError(error);
}

/** One row of the comparison. */
export interface ComparisonRow extends TaskCounts {
  runtime: string;
  outcome: string;
  exit: number;
  /** Elapsed milliseconds on the clock the lab ran on. */
  time: number;
  stderr: string[];
  output: string[];
  /** `same` when every runtime printed the same lines; otherwise a group letter. */
  match: string;
  /** What the run threw, when it failed. */
  error?: unknown;
  /** Whether a task waited on a `call` (real work), which holds virtual time still. */
  waitedOnCall?: boolean;
}

/**
 * Run `lab` with `options` under every runtime in turn; one row each. Once
 * `signal` aborts, the run in progress is halted and the rest skipped. A
 * `UsageError` out of a run (a lab file's default export that returned no
 * operation) is thrown: no runtime could run the lab. A shuffled `schedule`
 * applies to the runtimes that can shuffle; the others run as they do.
 * `target`, the lab as named on the command line, has a lab file loaded
 * anew for each run after the first ({@link labForRun}: its module-level
 * state must not carry from one runtime's run to the next, or runtimes that
 * behave alike would read different).
 */
export async function compareLab(
  lab: Lab<unknown>,
  options: unknown,
  clockKind: "real" | "virtual",
  signal?: AbortSignal,
  schedule?: Schedule,
  target?: string,
): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  for (const [index, runtime] of Object.values(runtimes).entries()) {
    if (signal?.aborted) break;
    const clock = clockKind === "virtual" ? virtualClock() : realClock();
    const run = await captureLab(runtime, await labForRun(lab, target, index), options, {
      clock,
      signal,
      schedule: runtime.shuffles ? schedule : undefined,
    });
    // A Ctrl-C pressed while a step blocked the thread is delivered only
    // once the thread is free again: give it a moment before the next run.
    if (signal) await signalGrace(signal);
    if (run.outcome === "error" && isInstance(run.error, UsageError)) throw run.error;
    const status = run.outcome === "ok"
      ? (typeof run.value === "number" ? run.value : exitStatus.ok)
      : signal?.aborted
      ? exitStatus.interrupted
      : exitStatus.failed;
    rows.push({
      runtime: runtime.name,
      // A lab that ends normally may still say its work failed, by its status.
      outcome: run.outcome === "error"
        ? `failed: ${errorLine(run.error)}`
        : status === exitStatus.ok
        ? "ok"
        : "failed: the lab reported failure",
      exit: status,
      time: run.elapsed,
      stderr: run.stderr,
      output: run.output,
      match: "",
      error: run.outcome === "error" ? run.error : undefined,
      waitedOnCall: run.events.some((event) =>
        event.type === "suspend" && /^call\b/.test(event.reason ?? "")
      ),
      ...countTasks(run.events),
    });
  }
  markMatches(rows, clockKind);
  return rows;
}

/**
 * `line` with what varies from one run to the next masked: a port a server
 * was given (`127.0.0.1:41213`) and a temporary path (`/tmp/a1b2c3/x`).
 * Measurements on the real clock are compared within a tolerance instead
 * ({@link sameOutput}).
 */
export function maskRunVarying(line: string): string {
  return maskPortsAndPaths(line);
}

/**
 * Whether two lines of output say the same: ports and temporary paths
 * masked, and on the real clock each measurement (a duration, a rate, a
 * count of requests) within its tolerance of the other's, the rest alike.
 */
export function sameLine(left: string, right: string, clockKind: "real" | "virtual"): boolean {
  const [a, b] = [maskRunVarying(left), maskRunVarying(right)];
  return clockKind === "real" ? sameWithinTolerance(a, b) : a === b;
}

/** Whether two outputs say the same, line by line, as {@link sameLine}. */
export function sameOutput(
  left: readonly string[],
  right: readonly string[],
  clockKind: "real" | "virtual",
): boolean {
  return left.length === right.length &&
    left.every((line, index) => sameLine(line, right[index], clockKind));
}

/**
 * Group the rows by output, compared as {@link sameOutput} does (each row
 * joins the first group whose first row it matches): `same` when there is
 * one group, else A, B...
 */
function markMatches(rows: ComparisonRow[], clockKind: "real" | "virtual"): void {
  const groups: ComparisonRow[] = [];
  for (const row of rows) {
    let group = groups.findIndex((first) => sameOutput(first.output, row.output, clockKind));
    if (group === -1) group = groups.push(row) - 1;
    row.match = String.fromCharCode(65 + group);
  }
  if (groups.length === 1) { for (const row of rows) row.match = "same"; }
}

/**
 * What the footer says was tolerated: on the real clock, each kind of
 * measurement the outputs hold, its tolerance, and the lines it is on.
 */
function toleratedFields(rows: readonly ComparisonRow[]): string[] {
  const lines = new Map<MeasurementKind, Set<number>>();
  for (const row of rows) {
    row.output.forEach((line, index) => {
      for (const { kind } of measure(maskRunVarying(line)).measurements) {
        if (!lines.has(kind)) lines.set(kind, new Set());
        lines.get(kind)!.add(index + 1);
      }
    });
  }
  return (Object.keys(tolerances) as MeasurementKind[]).filter((kind) => lines.has(kind)).map(
    (kind) => {
      const at = [...lines.get(kind)!].sort((a, b) => a - b);
      const shown = at.length > 6 ? `${at.slice(0, 6).join(", ")}...` : at.join(", ");
      return `${measurementNames[kind]} ${tolerances[kind]} (line${
        at.length === 1 ? "" : "s"
      } ${shown})`;
    },
  );
}

/**
 * The comparison as aligned text: a header line (and why the clock is real,
 * when the lab refused the virtual one: `clockNote`; the schedule, when it
 * is a shuffle), the table, then notes.
 */
export function formatComparison(
  labName: string,
  clockKind: "real" | "virtual",
  rows: readonly ComparisonRow[],
  color = false,
  clockNote?: string,
  schedule?: Schedule,
): string {
  const header = [
    "runtime",
    "outcome",
    "exit",
    "time",
    "spawned",
    "cancelled",
    "errors",
    "orphans",
    "stderr",
    "output",
  ];
  const numeric = new Set(["exit", "time", "spawned", "cancelled", "errors", "orphans", "stderr"]);
  const cells = rows.map((row) => [
    row.runtime,
    row.outcome.length > 40 ? row.outcome.slice(0, 39) + "…" : row.outcome,
    String(row.exit),
    formatDuration(row.time),
    String(row.spawned),
    String(row.cancelled),
    String(row.errors),
    String(row.orphans),
    String(row.stderr.length),
    row.match,
  ]);
  const widths = header.map((name, column) =>
    Math.max(name.length, ...cells.map((line) => line[column].length))
  );
  const align = (line: string[]) =>
    line.map((cell, column) => {
      if (numeric.has(header[column])) return cell.padStart(widths[column]);
      const padded = cell.padEnd(widths[column]);
      return cell.startsWith("failed") ? paint(padded, 31, color) : padded;
    }).join("  ").trimEnd();
  const lines = [
    `${labName} under every runtime, ${clockKind} clock`,
    ...(clockNote ? [`(the lab refuses the virtual clock here: ${clockNote})`] : []),
    ...(schedule?.order === "shuffle" ? [scheduleNote(schedule)] : []),
    "",
    align(header),
    ...cells.map(align),
  ];
  const groups = [...new Set(rows.map((row) => row.match))].filter((tag) => tag !== "same");
  if (groups.length > 0) {
    lines.push("", "Output differs between runtimes:");
    const first = rows.find((row) => row.match === groups[0])!;
    for (const tag of groups.slice(1)) {
      const other = rows.find((row) => row.match === tag)!;
      const [at, ...more] = differingLines(first.output, other.output, clockKind, 3);
      // Past a run's last line, what it printed is said in words, never as
      // a quoted line it could have printed itself.
      const quote = (row: ComparisonRow, index: number) =>
        index < row.output.length
          ? JSON.stringify(row.output[index])
          : `no line (${
            row.output.length === 1 ? "1 line" : `${row.output.length} lines`
          } printed)`;
      lines.push(
        `  ${tag} (${
          rows.filter((row) => row.match === tag).map((row) => row.runtime).join(", ")
        })` +
          ` differs from ${groups[0]} at line ${at + 1}: ` +
          `${quote(other, at)} vs ${quote(first, at)}`,
      );
      for (const index of more) {
        lines.push(
          `    and at line ${index + 1}: ${quote(other, index)} vs ${quote(first, index)}`,
        );
      }
    }
  }
  const masked = rows.some((row) => row.output.some((line) => maskRunVarying(line) !== line));
  const tolerated = clockKind === "real" ? toleratedFields(rows) : [];
  const marks = marksNote(rows, clockKind, tolerated.length > 0);
  if (marks.length > 0) lines.push("", ...marks);
  if (masked || tolerated.length > 0) lines.push("");
  if (masked) {
    lines.push("Compared with what varies from run to run masked: ports, temporary paths.");
  }
  if (tolerated.length > 0) {
    lines.push(
      "Tolerated, as measurements on the real clock vary from run to run: " +
        `${tolerated.join("; ")}.`,
    );
  }
  const held = rows.filter((row) => row.waitedOnCall).map((row) => row.runtime);
  if (clockKind === "virtual" && held.length > 0) {
    const runs = held.length === rows.length ? "every run" : `the runs of ${held.join(", ")}`;
    lines.push(
      "",
      `Virtual time stood still in ${runs} while a call (real work) was in flight: no sleep ` +
        "or timeout beside it could pass meanwhile, however long it took; --clock real " +
        "compares the runs as they happen" +
        (isLabFile(labName) ? " (deno task lab runs a lab file on the real clock)." : "."),
    );
  }
  for (const row of rows) {
    if (row.stderr.length === 0) continue;
    lines.push("", `stderr of ${row.runtime}:`);
    for (const line of row.stderr.slice(0, 5)) lines.push(`  ${line}`);
    if (row.stderr.length > 5) lines.push(`  ... ${row.stderr.length - 5} more lines`);
  }
  return lines.join("\n");
}

/**
 * What the output column's marks mean, when they need saying: a letter per
 * distinct output, or `same` on the real clock, where measurements count as
 * the same within a tolerance; then, on the real clock, each group's ranges
 * of the measurements it holds (`same: line 1: 0.50 s to 0.52 s`), so that
 * how far apart "the same" was can be read.
 */
function marksNote(
  rows: readonly ComparisonRow[],
  clockKind: "real" | "virtual",
  tolerated: boolean,
): string[] {
  const lettered = rows.some((row) => row.match !== "same");
  if (!lettered && !tolerated) return [];
  const alike = tolerated
    ? "the same lines, measurements within the tolerances below and the rest alike"
    : "the same lines";
  const note = [
    lettered
      ? `output: one letter per distinct output, A for the first runtime's; runtimes with one ` +
        `letter printed ${alike}.`
      : `output: same, every runtime printed ${alike}.`,
  ];
  if (clockKind !== "real") return note;
  const groups = [...new Set(rows.map((row) => row.match))];
  for (const group of groups) {
    const members = rows.filter((row) => row.match === group);
    const ranges = measuredRanges(members.map((row) => row.output));
    if (ranges.length > 0) note.push(`  ${group}, measured: ${ranges.join("; ")}`);
  }
  return note;
}

/**
 * For outputs that count as the same, each line's measurements that vary,
 * as ranges: `line 1: 0.50 s to 0.52 s, 2,170 requests to 2,890 requests`.
 * The first four such lines, then `...`.
 */
function measuredRanges(outputs: readonly (readonly string[])[]): string[] {
  const ranges: string[] = [];
  const length = Math.max(0, ...outputs.map((output) => output.length));
  for (let index = 0; index < length; index++) {
    const measured = outputs.map((output) =>
      output[index] === undefined ? [] : measure(maskRunVarying(output[index])).measurements
    );
    const count = Math.min(...measured.map((each) => each.length));
    const spans: string[] = [];
    for (let at = 0; at < count; at++) {
      const values = measured.map((each) => each[at]);
      const low = values.reduce((a, b) => (b.value < a.value ? b : a));
      const high = values.reduce((a, b) => (b.value > a.value ? b : a));
      if (low.value !== high.value) spans.push(`${low.text} to ${high.text}`);
    }
    if (spans.length === 0) continue;
    if (ranges.length === 4) {
      ranges.push("...");
      break;
    }
    ranges.push(`line ${index + 1}: ${spans.join(", ")}`);
  }
  return ranges;
}

/** What a shuffled comparison says under its header: which runtimes shuffled, from which seed. */
function scheduleNote(schedule: Schedule): string {
  const all = Object.values(runtimes);
  const names = (shuffles: boolean) =>
    all.filter((runtime) => !!runtime.shuffles === shuffles).map((runtime) => runtime.name)
      .join(", ");
  const others = names(false);
  return `schedule ${scheduleText(schedule)}: ${names(true)} shuffle each batch of woken ` +
    `tasks from this seed${others ? `; ${others} run in their own order` : ""}`;
}

/** `6.000 s` under a minute, `13:00:55.000` (hours, minutes, seconds) above. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = ((ms % 60_000) / 1000).toFixed(3).padStart(6, "0");
  return `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`;
}

/**
 * The indices of the first `count` lines at which `a` and `b` differ, as
 * {@link sameLine} compares them (one ending is a difference).
 */
function differingLines(
  a: readonly string[],
  b: readonly string[],
  clockKind: "real" | "virtual",
  count: number,
): number[] {
  const found: number[] = [];
  for (let index = 0; index < Math.max(a.length, b.length) && found.length < count; index++) {
    const both = index < a.length && index < b.length;
    if (!both || !sameLine(a[index], b[index], clockKind)) found.push(index);
    // Past the end of one, every further line differs: the first says it.
    if (index >= Math.min(a.length, b.length)) break;
  }
  return found;
}

const compareOptions: Record<string, LabOption> = {
  clock: {
    type: "string",
    choices: ["real", "virtual"],
    placeholder: "KIND",
    help: "the clock for every run (default virtual, or real for a lab that does real I/O)",
  },
  schedule: scheduleOption,
  // Taken away, with the check it skips, before the lab is loaded (`lab_check.ts`).
  [noCheckOption.slice(2)]: {
    type: "boolean",
    help: "run a lab file without type-checking and linting it first",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** The built-in labs worth comparing: not those that measure the host. */
const comparableLabs = Object.values(labs).filter((lab) => !lab.notComparable).map((lab) =>
  lab.name
);

function usage(lab?: Lab<unknown>): string {
  const lines = [
    "Usage: deno task compare <lab> [options]",
    "",
    "Runs the lab under every runtime (" + listOf(Object.keys(runtimes)) +
    ") and prints one table.",
    "",
    "Labs: " + listOf(comparableLabs) + ", or a lab file.ts",
    "",
    "Options:",
    ...optionLines(compareOptions),
  ];
  if (lab && Object.keys(lab.options).length > 0) {
    lines.push("", `Options of ${lab.name}:`, ...optionLines(lab.options));
  }
  return lines.join("\n");
}

/** The clock `compare` runs a lab on, the lab's options parsed for it, and why not virtual. */
export interface ClockChoice {
  clockKind: "real" | "virtual";
  options: unknown;
  /** Why the lab refused the virtual clock, when it was not asked for and the real one is used. */
  refusal?: string;
}

/**
 * Apply the lab's own clock rules: `--clock` if given; else the virtual
 * clock, unless the lab refuses it (`realClockOnly`, or its options parsed
 * for the virtual clock are a usage error, as the spinner's `--slow cpu`
 * is), and then the real clock, if the lab takes its options there. The lab
 * sees the clock chosen as `--clock`, as if the user had typed it, so that
 * no run is faked in virtual time.
 */
export function chooseClock(lab: Lab, values: Values, positionals: string[]): ClockChoice {
  const asked = values.clock as "real" | "virtual" | undefined;
  const clockKind = asked ?? (lab.realClockOnly ? "real" : "virtual");
  try {
    return { clockKind, options: lab.parse({ ...values, clock: clockKind }, positionals) };
  } catch (error) {
    if (asked !== undefined || clockKind === "real" || !(error instanceof UsageError)) throw error;
    const options = lab.parse({ ...values, clock: "real" }, positionals);
    return { clockKind: "real", options, refusal: error.message };
  }
}

/**
 * Run `compare` on `args`; answers the exit status. Ctrl-C is heard
 * through `ctrlC` (in the lab's thread, the main thread passes it on).
 */
export async function runCompareCommand(
  args: string[],
  ctrlC: () => CtrlC = onCtrlC,
): Promise<number> {
  if (args.length === 0) exitWithUsage("name a lab to compare", usage());
  if (args[0] === "--help" || args[0] === "-h") {
    console.log(usage());
    return exitStatus.ok;
  }
  let lab: Lab<Values> | undefined;
  let clock: ClockChoice;
  let schedule: ScheduleChoice;
  try {
    lab = await loadLab(args[0]);
    if (lab.notComparable) {
      throw new UsageError(`${lab.name} is not compared across runtimes: ${lab.notComparable}`);
    }
    const { values, positionals } = parseOptions(lab, args.slice(1), compareOptions);
    if (values.help) {
      console.log(usage(lab));
      return exitStatus.ok;
    }
    clock = chooseClock(lab, values, positionals);
    schedule = parseSchedule(values.schedule as string | undefined);
  } catch (error) {
    if (isInstance(error, LabFileError)) {
      printLabFileError(error);
      return exitStatus.failed;
    }
    if (!isInstance(error, UsageError)) throw error;
    exitWithUsage(error.message, usage(lab));
  }
  const { clockKind, options, refusal } = clock;

  // Ctrl-C halts the run in progress (its cleanup runs) and skips the rest.
  const interrupt = ctrlC();
  announceSeed(schedule);
  try {
    const rows = await compareLab(
      lab as Lab<unknown>,
      options,
      clockKind,
      interrupt.signal,
      schedule.schedule,
      args[0],
    );
    console.log(
      formatComparison(
        lab.name,
        clockKind,
        rows,
        useColor(Deno.stdout),
        refusal,
        schedule.schedule,
      ),
    );
    // A bare yield the runtimes refused, pointed at in the lab file as `lab` does.
    await printBareYields(args[0], rows.map((row) => row.error));
    if (interrupt.signal.aborted) return exitStatus.interrupted;
    return rows.every((row) => row.exit === exitStatus.ok) ? exitStatus.ok : exitStatus.failed;
  } catch (error) {
    if (!isInstance(error, UsageError)) throw error;
    exitWithUsage(error.message, usage(lab));
  } finally {
    interrupt.stop();
  }
}

if (import.meta.main) {
  // A lab file is type-checked and linted first, as `deno task lab` does it;
  // its problems are a usage error.
  const args = await checkedLabArgs(Deno.args);
  if (args === undefined) Deno.exit(exitStatus.usage);
  // In a thread of its own, so that Ctrl-C ends even a lab that never yields.
  Deno.exit(await runInLabThread(new URL(import.meta.url), "runCompareCommand", args));
}
