/**
 * The lab runner: `deno task lab <name or file.ts> [options]`, and the
 * `lab:<name>` tasks that call it.
 *
 * It adds the options every lab shares (`--runtime`, `--clock`, `--trace`,
 * `--help`) to the lab's own, runs the lab under the chosen runtime, and
 * turns the outcome into an exit status: 0 success, 1 the lab's work failed,
 * 2 usage error, 130 after Ctrl-C (the run is halted first, so its cleanup
 * runs). The lab runs in a thread of its own (`lab_thread.ts`), so that
 * Ctrl-C ends even a lab that blocks or never yields.
 *
 *     $ deno task lab:countdown --runtime generator --clock virtual
 *     $ deno task lab my_exercise.ts --runtime generator
 *
 * A lab file's default export is a generator function (`function*`), or a
 * function returning an operation; a relative path starts from the folder
 * the user ran the command in.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { type Lab, type LabOption, UsageError } from "../labs/lab.ts";
import { labs } from "../labs/mod.ts";
import { DeadlockError } from "../runtimes/errors.ts";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { describeError, errorMessage, hasText, isInstance } from "../runtimes/errors.ts";
import { runtimeNames, runtimes } from "../runtimes/registry.ts";
import { textTracer } from "../runtimes/trace_text.ts";
import type { Operation } from "../runtimes/types.ts";
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
  signalGrace,
  useColor,
} from "./cli.ts";
import { runInLabThread } from "./lab_thread.ts";
import { checkedLabArgs } from "./lab_check.ts";
import { fullStackWanted, inspectedWithoutKitFrames } from "./stack_frames.ts";

/** The runtime used when `--runtime` is not given. */
export const defaultRuntime = "generator";

/** The options every lab shares: `--runtime`, `--clock`, `--trace`, `--help`. */
export const sharedOptions: Record<string, LabOption> = {
  runtime: {
    type: "string",
    short: "r",
    choices: runtimeNames,
    placeholder: "NAME",
    help: `the concurrency model (default ${defaultRuntime})`,
  },
  clock: {
    type: "string",
    choices: ["real", "virtual"],
    placeholder: "KIND",
    help: "real time, or virtual time that jumps to the next deadline",
  },
  trace: { type: "boolean", help: "print every task's lifecycle events on stderr" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

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
    "               type-checked and linted before it runs (--no-check runs it unchecked)",
    "",
    "Runtimes: " + listOf(runtimeNames),
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
    ...optionLines({ ...sharedOptionsOf(lab), ...lab.options }),
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

/** What a lab file's default export must be, for the messages that say it is not. */
const labFileExport = "a generator function (function*) returning the lab's operation";

/**
 * A built-in lab by name, or a lab file's default export; `UsageError` for
 * an unknown name, a missing file or an export that cannot be run,
 * `LabFileError` for a file that throws when imported.
 */
export async function loadLab(target: string): Promise<Lab<Values>> {
  if (!/\.(ts|js|mjs|mts)$/.test(target)) {
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
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new LabFileError(`cannot load lab file ${target}`, { cause: error });
  }
  const main = module.default;
  if (typeof main !== "function") {
    throw new UsageError(`${target} has no default export to run; export default ${labFileExport}`);
  }
  // An async function's promise, or an async generator, cannot be driven by
  // a runtime: said before the run. What a plain function returns is
  // checked when the run calls it.
  const kind = main.constructor.name;
  if (kind === "AsyncFunction" || kind === "AsyncGeneratorFunction") {
    const what = kind === "AsyncFunction" ? "an async function" : "an async function*";
    throw new UsageError(`${target}'s default export is ${what}; it must be ${labFileExport}`);
  }
  return {
    name: basename(target),
    summary: `your lab, ${target}`,
    options: {},
    defaultClock: "real",
    parse: () => ({}),
    main: () => {
      const operation: unknown = main();
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
    const choicesOf = (name: string) => options[name]?.choices;
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

/**
 * Run the lab runner on `args`; answers the exit status. Ctrl-C is heard
 * through `ctrlC` (in the lab's thread, the main thread passes it on).
 */
export async function runLabCommand(
  args: string[],
  ctrlC: () => CtrlC = onCtrlC,
): Promise<number> {
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    if (args.length === 0) exitWithUsage("name a lab to run", generalUsage());
    console.log(generalUsage());
    return exitStatus.ok;
  }
  const target = args[0];
  let lab: Lab<Values> | undefined;
  let values: Values;
  let options: Values;
  try {
    lab = await loadLab(target);
    const parsed = parseOptions(lab, args.slice(1));
    values = parsed.values;
    if (values.help) {
      console.log(labUsage(lab, target));
      return exitStatus.ok;
    }
    options = lab.parse(values, parsed.positionals);
  } catch (error) {
    if (isInstance(error, LabFileError)) {
      printFailure(error.message, error.cause);
      return exitStatus.failed;
    }
    if (!isInstance(error, UsageError)) throw error;
    exitWithUsage(error.message, lab ? labUsage(lab, target) : generalUsage());
  }

  const runtime = runtimes[(values.runtime as string | undefined) ?? defaultRuntime];
  const clockKind = (values.clock as string | undefined) ?? lab.defaultClock;
  const clock = clockKind === "virtual" ? virtualClock() : realClock();
  const tracer = values.trace ? textTracer((line) => console.error(line)) : undefined;

  // Ctrl-C halts the run, so that every task's cleanup runs; a second one
  // exits at once.
  const interrupt = ctrlC();
  const main = lab.main;
  const root = function* () {
    return yield* main(options);
  };
  Object.defineProperty(root, "name", { value: lab.name });
  try {
    const status = await runtime.run(root, { clock, tracer, signal: interrupt.signal });
    // A Ctrl-C pressed while the last step blocked the thread is delivered
    // only once the thread is free again: give it a moment, and it counts.
    await signalGrace(interrupt.signal);
    if (interrupt.signal.aborted) return exitStatus.interrupted;
    return status ?? exitStatus.ok;
  } catch (error) {
    if (interrupt.signal.aborted) return exitStatus.interrupted;
    // A lab file's default export that returned no operation.
    if (isInstance(error, UsageError)) exitWithUsage(error.message, labUsage(lab, target));
    const fullStack = values.trace === true || fullStackWanted();
    printFailure(`${lab.name} failed under ${runtime.name}`, error, fullStack);
    return exitStatus.failed;
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
