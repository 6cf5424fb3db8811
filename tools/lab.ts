/**
 * The lab runner: `deno task lab <name or file.ts> [options]`, and the
 * `lab:<name>` tasks that call it.
 *
 * It adds the options every lab shares (`--runtime`, `--clock`, `--schedule`,
 * `--trace`, `--help`) to the lab's own, runs the lab under the chosen runtime, and
 * turns the outcome into an exit status: 0 success, 1 the lab's work failed,
 * 2 usage error, 130 after Ctrl-C (the run is halted first, so its cleanup
 * runs). The lab runs in a thread of its own (`lab_thread.ts`), so that
 * Ctrl-C ends even a lab that blocks or never yields.
 *
 *     $ deno task lab:countdown --runtime generator --clock virtual
 *     $ deno task lab my_exercise.ts --runtime generator
 *
 * A lab file's default export is a generator function (`function*`), or a
 * function returning an operation; it is given the values of the options
 * the file declares in `export const options` (as a built-in lab declares
 * its own). A relative path starts from the folder the user ran the
 * command in.
 *
 * `--runtime all` runs the lab under every runtime in turn. `--timeline
 * FILE` and `--trace-json FILE` record the runs and write them, once they
 * are over, as one HTML page of timelines and as a Chrome trace
 * (`lab_record.ts`), each file whole or not at all (`write_file.ts`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Lab, type LabOption, UsageError } from "../labs/lab.ts";
import { labs } from "../labs/mod.ts";
import { DeadlockError } from "../runtimes/errors.ts";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { describeError, errorMessage, hasText, isInstance } from "../runtimes/errors.ts";
import { runtimeNames, runtimes } from "../runtimes/registry.ts";
import { textTracer } from "../runtimes/trace_text.ts";
import type { Clock, Operation, Runtime, Schedule, TraceEvent, Tracer } from "../runtimes/types.ts";
import { log } from "../runtimes/verbs.ts";
import {
  callerPath,
  type CtrlC,
  describeParseError,
  exitStatus,
  exitWithUsage,
  ExpectedFailure,
  listOf,
  onCtrlC,
  paint,
  shownPath,
  signalGrace,
  useColor,
} from "./cli.ts";
import { errorLine } from "./compare.ts";
import {
  labArguments,
  type RecordedRun,
  type RecordingFiles,
  recordingFiles,
  writeRecordings,
} from "./lab_record.ts";
import { runInLabThread } from "./lab_thread.ts";
import {
  awaitHint,
  checkedLabArgs,
  isLabFile,
  noCheckOption,
  printBareYields,
} from "./lab_check.ts";
import {
  announceSeed,
  parseSchedule,
  refuseShuffleFor,
  type ScheduleChoice,
  scheduleOption,
  sectionSchedule,
} from "./schedule_option.ts";
import { fullStackWanted, inspectedWithoutKitFrames, withFoldedStderr } from "./stack_frames.ts";
import { localFiles, type UserFiles } from "./write_file.ts";

/** The runtime used when `--runtime` is not given. */
export const defaultRuntime = "generator";

/** The options every lab shares: `--runtime`, `--clock`, `--schedule`, `--trace`, `--help`. */
export const sharedOptions: Record<string, LabOption> = {
  runtime: {
    type: "string",
    short: "r",
    choices: [...runtimeNames, "all"],
    placeholder: "NAME",
    help: `the concurrency model (default ${defaultRuntime}); all: each in turn`,
  },
  clock: {
    type: "string",
    choices: ["real", "virtual"],
    placeholder: "KIND",
    help: "real time, or virtual time that jumps to the next deadline",
  },
  schedule: scheduleOption,
  trace: { type: "boolean", help: "print every task's lifecycle events on stderr" },
  timeline: {
    type: "string",
    placeholder: "FILE",
    help: "write the run's timelines to FILE, one self-contained HTML page",
  },
  "trace-json": {
    type: "string",
    placeholder: "FILE",
    help: "write the run's trace to FILE, in the Chrome trace event format (Perfetto)",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/**
 * The option a lab file takes besides the shared ones: `--no-check` runs it
 * without the check `lab_check.ts` makes first (which the main thread does,
 * and takes the option away, before the lab is loaded).
 */
export const fileOnlyOptions: Record<string, LabOption> = {
  [noCheckOption.slice(2)]: {
    type: "boolean",
    help: "run the file without type-checking and linting it first",
  },
};

/** The names a lab file's own options may not take: the runner's own options. */
export const reservedOptionNames: readonly string[] = [
  ...Object.keys(sharedOptions),
  ...Object.keys(fileOnlyOptions),
];

/**
 * The shared options as `lab` takes them: a lab that refuses virtual time
 * offers only the real clock, in its help and in what `--clock` accepts.
 */
export function sharedOptionsOf(lab: Lab): Record<string, LabOption> {
  if (!lab.realClockOnly) return sharedOptions;
  return {
    ...sharedOptions,
    clock: { ...sharedOptions.clock, choices: ["real"], help: "real only: see Clock above" },
  };
}

function generalUsage(): string {
  const names = Object.values(labs).map((lab) => `  ${lab.name.padEnd(12)} ${lab.summary}`);
  return [
    "Usage: deno task lab <lab or file.ts> [options]",
    "       deno task lab:<lab> [options]",
    "",
    "Labs:",
    ...names,
    "  FILE.ts      your own lab: its default export is a function* (the operation to run),",
    "               type-checked and linted before it runs (--no-check runs it unchecked);",
    "               its options, if any, in export const options (as FILE.ts --help shows)",
    "",
    `Runtimes: ${listOf(runtimeNames)}; --runtime all runs the lab under each in turn`,
    "Run a lab with --help for its options.",
  ].join("\n");
}

/** One help line per option, `  -r, --runtime NAME   help`, in aligned columns. */
export function optionLines(options: Record<string, LabOption>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : "    ";
    const value = option.type === "string"
      ? ` ${option.choices ? option.choices.join("|") : option.placeholder ?? "VALUE"}`
      : "";
    return [`  ${short}--${name}${value}`, option.help];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, help]) => left.padEnd(width) + help);
}

/** The usage of `lab`, named as the user named it: `target`, a lab or a file. */
function labUsage(lab: Lab, target: string): string {
  const positionals = lab.positionals ? ` [${lab.positionals.placeholder}]` : "";
  // A built-in lab has a task of its own; a lab file goes through `lab`.
  const task = Object.hasOwn(labs, target) ? `lab:${target}` : `lab ${target}`;
  return [
    `Usage: deno task ${task}${positionals} [options]`,
    ...(lab.positionals ? [`  ${lab.positionals.placeholder}: ${lab.positionals.help}`] : []),
    "",
    `${lab.name}: ${lab.summary}`,
    lab.realClockOnly
      ? `Clock: real only (${lab.realClockOnly})`
      : `Clock: ${lab.defaultClock} by default`,
    "",
    "Options:",
    ...optionLines({
      ...sharedOptionsOf(lab),
      ...(Object.hasOwn(labs, target) ? {} : fileOnlyOptions),
      ...lab.options,
    }),
  ].join("\n");
}

/**
 * A lab file that throws when it is imported (a syntax error, a missing
 * import, its own top-level code): the lab's own failure, exit 1, with the
 * error (`cause`) printed as a failing run's is.
 */
export class LabFileError extends Error {
  override name = "LabFileError";
}

// deno-lint-ignore no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

/**
 * For an error that kept a module from loading at all (a syntax error, an
 * import that leads nowhere or names no export), what it says, as one line
 * that starts with where: `my_lab.ts:3:9: SyntaxError: Expression expected`.
 * `undefined` for any other error, such as one the file's own top-level code
 * threw, whose stack is the lab's own.
 */
export function loadErrorLine(error: unknown): string | undefined {
  if (!isInstance(error, Error)) return undefined;
  const { name, message } = error as Error & { code?: unknown };
  const code = (error as { code?: unknown }).code;
  if (name !== "SyntaxError" && code !== "ERR_MODULE_NOT_FOUND") return undefined;
  const plain = String(message).replace(ansi, "");
  const places = [...plain.matchAll(/(?:^|\s)(?:at )?(file:\/\/\S+?):(\d+):(\d+)\s*$/gm)];
  const place = places.at(-1);
  if (!place) return undefined;
  const where = `${shownPath(fileURLToPath(place[1]))}:${place[2]}:${place[3]}`;
  // The message without its place, and without the source excerpt Deno adds
  // under a syntax error; a hint line is kept, after a semicolon.
  const lines = plain.slice(0, place.index).split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !/^\d*\s*\|/.test(line));
  const what = lines.join("; ").replace(/\s+at$/, "");
  const kind = name === "SyntaxError" ? "SyntaxError: " : "";
  return `${where}: ${kind}${what}`;
}

/**
 * Print why a lab file could not be loaded: one line when its message says
 * it all (see `loadErrorLine`), else the error with its stack, as a failing
 * run's is printed.
 */
export function printLabFileError(error: LabFileError): void {
  if (loadErrorLine(error.cause) === undefined) printFailure(error.message, error.cause);
  else console.error(`${paint("error:", 31, useColor(Deno.stderr))} ${error.message}`);
}

/** What a lab file's default export must be, for the messages that say it is not. */
const labFileExport = "a generator function (function*) returning the lab's operation";

/**
 * A built-in lab by name, or a lab file's default export; `UsageError` for
 * an unknown name, a missing file or an export that cannot be run,
 * `LabFileError` for a file that throws when imported. An `instance` above
 * 0 loads a lab file's module afresh, its module-level state new (a counter
 * declared outside its function), for a run that must not see what an
 * earlier run in the same process left there.
 */
export async function loadLab(target: string, instance = 0): Promise<Lab<Values>> {
  if (!isLabFile(target)) {
    // Own properties only: `toString` or `constructor` is no lab.
    if (Object.hasOwn(labs, target)) return labs[target];
    throw new UsageError(
      `unknown lab '${target}'; allowed: ${listOf([...Object.keys(labs), "a file.ts"])}`,
    );
  }
  const path = callerPath(target);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new UsageError(`cannot read lab file ${target}: ${errorMessage(error)}`);
  }
  if (!info.isFile) throw new UsageError(`lab file ${target} is not a file`);
  let module: { default?: unknown; options?: unknown };
  try {
    const url = pathToFileURL(path);
    if (instance > 0) url.searchParams.set("instance", String(instance));
    module = await import(url.href);
  } catch (error) {
    const line = loadErrorLine(error);
    const what = line === undefined
      ? `cannot load lab file ${target}`
      : `cannot load lab file: ${line}`;
    throw new LabFileError(`${what}${awaitHint(error)}`, { cause: error });
  }
  const main = module.default;
  if (isOperation(main)) {
    throw new UsageError(
      `${target}'s default export is an operation, the result of a call, where the ` +
        `lab needs the function to call: ${calledExportFix(path)}`,
    );
  }
  if (main === undefined) {
    throw new UsageError(`${target} has no default export to run; export default ${labFileExport}`);
  }
  if (typeof main !== "function") {
    throw new UsageError(
      `${target}'s default export is ${describeValue(main)}, not a function; ` +
        `export default ${labFileExport}`,
    );
  }
  // An async function's promise, or an async generator, cannot be driven by
  // a runtime: said before the run. What a plain function returns is
  // checked when the run calls it.
  const kind = main.constructor.name;
  if (kind === "AsyncFunction" || kind === "AsyncGeneratorFunction") {
    const what = kind === "AsyncFunction" ? "an async function" : "an async function*";
    throw new UsageError(`${target}'s default export is ${what}; it must be ${labFileExport}`);
  }
  const options = labFileOptions(target, module.options);
  return {
    name: basename(target),
    summary: `your lab, ${target}`,
    options,
    defaultClock: "real",
    // The values of the file's own options, by long name.
    parse: (values) => Object.fromEntries(Object.keys(options).map((name) => [name, values[name]])),
    main: (values) => {
      const operation: unknown = main(values);
      if (!isOperation(operation)) {
        throw new UsageError(
          `${target}'s default export returned ${describeValue(operation)}, not an operation; ` +
            `it must be ${labFileExport}`,
        );
      }
      return printingAnswer(basename(target), operation);
    },
  };
}

/**
 * A lab file's `export const options`, checked: an object of options as a
 * built-in lab declares them (`{ n: { type: "string", help: "how many" } }`),
 * none named as a shared option. `UsageError` naming what is wrong.
 */
function labFileOptions(target: string, declared: unknown): Record<string, LabOption> {
  if (declared === undefined) return {};
  const shape = '{ name: { type: "string" or "boolean", help: "..." } }';
  if (typeof declared !== "object" || declared === null || Array.isArray(declared)) {
    throw new UsageError(
      `${target}'s options export is ${describeValue(declared)}; write ${shape}`,
    );
  }
  const options: Record<string, LabOption> = {};
  for (const [name, option] of Object.entries(declared)) {
    const where = `${target}'s option '${name}'`;
    if (reservedOptionNames.includes(name)) {
      throw new UsageError(
        `${where} is one every lab has; name it otherwise than ${listOf(reservedOptionNames)}`,
      );
    }
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      throw new UsageError(`${where}: a name is lower-case letters, digits and -, as --dry-run`);
    }
    const { type, help, short, placeholder } = (option ?? {}) as Partial<LabOption>;
    if (type !== "string" && type !== "boolean") {
      throw new UsageError(`${where} has type ${String(type)}; allowed: string or boolean`);
    }
    if (typeof help !== "string") {
      throw new UsageError(`${where} has no help text; add help: "..."`);
    }
    if (short !== undefined && (typeof short !== "string" || !/^[A-Za-z]$/.test(short))) {
      throw new UsageError(`${where} has short ${String(short)}; a short name is one letter`);
    }
    if (short !== undefined && Object.values(sharedOptions).some((each) => each.short === short)) {
      throw new UsageError(`${where} has short -${short}, which every lab has already`);
    }
    options[name] = {
      type,
      help,
      ...(short === undefined ? {} : { short }),
      ...(typeof placeholder === "string" ? { placeholder } : {}),
    };
  }
  return options;
}

/**
 * Drive a lab file's operation and print what it returns, unless
 * `undefined`: `my_lab.ts returned 42`. A returned value is an answer, not
 * an exit status (a lab fails by throwing), so 0, 1, 2 and 130 keep their
 * meanings whatever a lab returns.
 */
function* printingAnswer(name: string, operation: Operation<unknown>): Operation<void> {
  const value = yield* operation;
  if (value !== undefined) yield* log(`${name} returned ${inspectAnswer(value)}`);
}

/** A returned value as `console.log` would show it, on one line; a value that cannot be shown, in a few words. */
function inspectAnswer(value: unknown): string {
  try {
    return Deno.inspect(value, { colors: false, compact: true, breakLength: Infinity });
  } catch {
    return describeValue(value);
  }
}

/**
 * What to write for a default export that calls the lab's function instead
 * of passing it (`export default main();`), read from the file's source:
 * the function itself, or an arrow that makes the call when it has
 * arguments.
 */
function calledExportFix(path: string): string {
  let source = "";
  try {
    source = Deno.readTextFileSync(path);
  } catch {
    // Said without the names, below.
  }
  const call = /^\s*export\s+default\s+([A-Za-z_$][\w$.]*)\s*\(([^()]*)\)\s*;?\s*$/m.exec(source);
  if (call === null) return "export default the function, not what calling it returns";
  const [, name, args] = call;
  const written = `export default ${name}(${args.trim()})`;
  return args.trim() === ""
    ? `write export default ${name}, not ${written}`
    : `write export default () => ${name}(${args.trim()}), not ${written}`;
}

/**
 * The lab for run `index` (from 0) of several of `target` in one process:
 * `lab` for the first run, or for a built-in lab; after it, a lab file
 * loaded afresh, so that no run sees the module-level state (a counter
 * declared outside its function) an earlier one left. `lab` itself when
 * `target` is not given.
 */
export async function labForRun<T>(
  lab: Lab<T>,
  target: string | undefined,
  index: number,
): Promise<Lab<T>> {
  if (index === 0 || target === undefined || !isLabFile(target)) return lab;
  // The same file's default export, its options parsed alike.
  return await loadLab(target, index) as Lab<unknown> as Lab<T>;
}

/** Whether `value` can be driven with `yield*`: an iterable object (a string is no operation). */
function isOperation(value: unknown): value is Operation<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === "function";
}

/** What a value is, in a few words: `a Promise`, `undefined`, `a number`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== "object") return `a ${typeof value}`;
  const name = value.constructor?.name;
  return name ? `a ${name}` : "an object";
}

/** Parsed option values, by long name. */
export type Values = Record<string, string | boolean | undefined>;

/**
 * Parse `args` against `shared` and the lab's own options, strictly;
 * `UsageError` names the problem and the allowed values.
 */
export function parseOptions(
  lab: Lab,
  args: string[],
  shared: Record<string, LabOption> = sharedOptionsOf(lab),
): { values: Values; positionals: string[] } {
  const options = { ...shared, ...lab.options };
  const allowed = Object.keys(options).map((name) => `--${name}`);
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map((
          [name, { type, short }],
        ) => [name, short ? { type, short } : { type }]),
      ),
      strict: true,
      allowPositionals: true,
    }) as { values: Values; positionals: string[] });
  } catch (error) {
    const choicesOf = (name: string) => options[name]?.choices ?? options[name]?.forms;
    throw new UsageError(describeParseError(error, allowed, choicesOf, args));
  }
  if (positionals.length > 0 && !lab.positionals) {
    throw new UsageError(
      `unexpected argument '${positionals[0]}'; ${lab.name} takes only options: ${listOf(allowed)}`,
    );
  }
  if (values.clock === "virtual" && lab.realClockOnly) {
    throw new UsageError(
      `${lab.name} cannot run on the virtual clock: ${lab.realClockOnly}; allowed: real`,
    );
  }
  for (const [name, option] of Object.entries(options)) {
    const value = values[name];
    if (option.choices && typeof value === "string" && !option.choices.includes(value)) {
      throw new UsageError(`unknown ${name} '${value}'; allowed: ${listOf(option.choices)}`);
    }
  }
  return { values, positionals };
}

/**
 * Print why a lab failed: `error: <what>:`, then the error with its stack,
 * or, for an `ExpectedFailure`, whose message says it all, one line. Any
 * value can have been thrown: one the console cannot show (a revoked Proxy)
 * is printed as `describeError` describes it, and one that has no text (a
 * Proxy whose traps throw, which the console shows as `{}`) is described
 * after what the console shows. The kit's own stack frames are left out,
 * unless `fullStack` (`--trace`, `KIT_FULL_STACK=1`).
 */
export function printFailure(what: string, error: unknown, fullStack = fullStackWanted()): void {
  const heading = `${paint("error:", 31, useColor(Deno.stderr))} ${what}:`;
  // A deadlock's message names every waiting task: the runtime's stack adds nothing.
  if (isInstance(error, ExpectedFailure) || isInstance(error, DeadlockError)) {
    console.error(`${heading} ${errorMessage(error)}`);
    return;
  }
  console.error(heading);
  try {
    console.error(
      fullStack || typeof error !== "object" ? error : inspectedWithoutKitFrames(error),
    );
  } catch {
    console.error(describeError(error));
    return;
  }
  if (!hasText(error)) console.error(`(${describeError(error)})`);
}

/** How one run ended: its exit status, and the outcome the timelines page shows. */
interface RunEnd {
  status: number;
  outcome: string;
}

/**
 * Run `lab` once under `runtime`: its trace on stderr with `--trace`, and
 * into `events` when the run is recorded. A lab file's default export that
 * returned no operation is a usage error (exit 2, here).
 */
async function runOnce(
  runtime: Runtime,
  lab: Lab<Values>,
  target: string,
  options: Values,
  clock: Clock,
  record: { trace: boolean; events?: TraceEvent[]; signal: AbortSignal; schedule?: Schedule },
): Promise<RunEnd> {
  const text = record.trace ? textTracer((line) => console.error(line)) : undefined;
  const events = record.events;
  const tracer: Tracer | undefined = events === undefined ? text : (event) => {
    events.push(event);
    text?.(event);
  };
  const main = lab.main;
  const root = function* () {
    return yield* main(options);
  };
  Object.defineProperty(root, "name", { value: lab.name });
  const { signal, schedule } = record;
  const fullStack = record.trace || fullStackWanted();
  try {
    // What a runtime reports on stderr (a failure nobody joined) is folded as a failure is.
    const status = await withFoldedStderr(
      fullStack,
      () => runtime.run(root, { clock, tracer, signal, schedule }),
    );
    // A Ctrl-C pressed while the last step blocked the thread is delivered
    // only once the thread is free again: give it a moment, and it counts.
    await signalGrace(signal);
    if (signal.aborted) return { status: exitStatus.interrupted, outcome: "interrupted" };
    return { status: status ?? exitStatus.ok, outcome: `exit ${status ?? exitStatus.ok}` };
  } catch (error) {
    if (signal.aborted) return { status: exitStatus.interrupted, outcome: "interrupted" };
    // A lab file's default export that returned no operation.
    if (isInstance(error, UsageError)) exitWithUsage(error.message, labUsage(lab, target));
    printFailure(`${lab.name} failed under ${runtime.name}`, error, fullStack);
    await printBareYields(target, [error]);
    return { status: exitStatus.failed, outcome: `failed: ${errorLine(error)}` };
  }
}

/**
 * Run the lab runner on `args`; answers the exit status. Ctrl-C is heard
 * through `ctrlC` (in the lab's thread, the main thread passes it on), and
 * the files `--timeline` and `--trace-json` name are written through
 * `userFiles` (in the lab's thread, the main thread writes them).
 */
export async function runLabCommand(
  args: string[],
  ctrlC: () => CtrlC = onCtrlC,
  userFiles: UserFiles = localFiles,
): Promise<number> {
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    if (args.length === 0) exitWithUsage("name a lab to run", generalUsage());
    console.log(generalUsage());
    return exitStatus.ok;
  }
  const target = args[0];
  let lab: Lab<Values> | undefined;
  let values: Values;
  let positionals: string[];
  let options: Values;
  let schedule: ScheduleChoice;
  let files: RecordingFiles;
  try {
    lab = await loadLab(target);
    ({ values, positionals } = parseOptions(lab, args.slice(1)));
    if (values.help) {
      console.log(labUsage(lab, target));
      return exitStatus.ok;
    }
    options = lab.parse(values, positionals);
    files = await recordingFiles(values, userFiles);
    schedule = parseSchedule(values.schedule as string | undefined);
    const runtimeName = (values.runtime as string | undefined) ?? defaultRuntime;
    // Under --runtime all, a shuffle applies to the runtimes that can shuffle, as in compare.
    if (runtimeName !== "all") refuseShuffleFor(runtimeName, schedule);
  } catch (error) {
    if (isInstance(error, LabFileError)) {
      printLabFileError(error);
      return exitStatus.failed;
    }
    if (!isInstance(error, UsageError)) throw error;
    exitWithUsage(error.message, lab ? labUsage(lab, target) : generalUsage());
  }

  const chosen = (values.runtime as string | undefined) ?? defaultRuntime;
  const names = chosen === "all" ? runtimeNames : [chosen];
  const clockKind = (values.clock as "real" | "virtual" | undefined) ?? lab.defaultClock;
  const recording = files.timeline !== undefined || files.traceJson !== undefined;

  // Ctrl-C halts the run, so that every task's cleanup runs; a second one
  // exits at once. Under --runtime all, no further runtime is started.
  const interrupt = ctrlC();
  const recorded: RecordedRun[] = [];
  let status: number = exitStatus.ok;
  announceSeed(schedule);
  try {
    for (const [index, name] of names.entries()) {
      if (names.length > 1) {
        const heading = `== ${name}${sectionSchedule(name, schedule.schedule)} ==`;
        console.log(`${recorded.length > 0 ? "\n" : ""}${heading}`);
      }
      const clock = clockKind === "virtual" ? virtualClock() : realClock();
      const events: TraceEvent[] = [];
      const runLab = await labForRun(lab, target, index);
      const end = await runOnce(runtimes[name], runLab, target, options, clock, {
        trace: values.trace === true,
        events: recording ? events : undefined,
        signal: interrupt.signal,
        schedule: runtimes[name].shuffles ? schedule.schedule : undefined,
      });
      const { outcome } = end;
      const shuffled = runtimes[name].shuffles && schedule.schedule.order === "shuffle";
      recorded.push({
        runtime: name,
        clock: clockKind,
        events,
        endTime: clock.now(),
        outcome,
        schedule: shuffled ? schedule.schedule : undefined,
      });
      // The first status that is not success is the command's.
      if (status === exitStatus.ok) status = end.status;
      if (end.status === exitStatus.interrupted) status = end.status;
      if (interrupt.signal.aborted) break;
    }
    // The runs are recorded however they ended, Ctrl-C included: each
    // file is whole, or not written.
    if (recording) {
      const args = labArguments(lab, values, positionals);
      const written = await writeRecordings(files, target, args, recorded, userFiles);
      if (!written && status === exitStatus.ok) status = exitStatus.failed;
    }
    return status;
  } finally {
    interrupt.stop();
  }
}

if (import.meta.main) {
  // A lab file is type-checked and linted first; its problems are a usage error.
  const args = await checkedLabArgs(Deno.args);
  if (args === undefined) Deno.exit(exitStatus.usage);
  // In a thread of its own, so that Ctrl-C ends even a lab that never yields.
  Deno.exit(await runInLabThread(new URL(import.meta.url), "runLabCommand", args));
}
