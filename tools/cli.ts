/**
 * What every command-line entry point of the kit shares: colour that honours
 * `NO_COLOR` and terminals, usage errors (one line, the usage, exit 2) and
 * the exit statuses; the paths a user types; Ctrl-C.
 *
 * @module
 */

import { isAbsolute, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

import { exitStatus, listOf, paint, useColor } from "../shared/terminal.ts";

// The pieces the labs use too live where they may import them, in shared/terminal.ts.
export { exitStatus, ExpectedFailure, listOf, paint, useColor } from "../shared/terminal.ts";

/** Print a usage error the kit's way and exit with status 2. */
export function exitWithUsage(message: string, usage: string): never {
  const color = useColor(Deno.stderr);
  console.error(`${paint("error:", 31, color)} ${message}`);
  console.error("");
  console.error(usage);
  Deno.exit(exitStatus.usage);
}

/**
 * The folder the user ran the command in. `deno task` runs every task in
 * the folder that holds `deno.json`, and says where it was called from in
 * `INIT_CWD`.
 */
export function callerFolder(): string {
  return Deno.env.get("INIT_CWD") ?? Deno.cwd();
}

/** A path the user typed, made absolute: relative ones start from {@link callerFolder}. */
export function callerPath(path: string): string {
  return resolve(callerFolder(), path);
}

/** A path as the user knows it: relative to {@link callerFolder} when inside it. */
export function shownPath(path: string): string {
  const inside = relative(callerFolder(), path);
  return inside === "" || inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

/** A command's options, as `parseArgs` takes them, by long name. */
export type OptionSpecs = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * Parse a script's `args` strictly against `options` (no positional
 * arguments): anything else is a usage error (exit 2) naming the allowed
 * options, and, for a missing value, `choicesOf` the option; `--help`
 * prints `usage` and exits 0. A leading `--`, which `deno task name -- ...`
 * passes on, is skipped.
 */
export function parseOptionsOrExit(
  args: readonly string[],
  options: OptionSpecs,
  usage: string,
  choicesOf?: (option: string) => readonly string[] | undefined,
): Record<string, string | boolean | undefined> {
  const given = args[0] === "--" ? args.slice(1) : [...args];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: given, options, strict: true, allowPositionals: false }));
  } catch (error) {
    const allowed = Object.keys(options).map((name) => `--${name}`);
    exitWithUsage(describeParseError(error, allowed, choicesOf, given), usage);
  }
  if (values.help) {
    console.log(usage);
    Deno.exit(exitStatus.ok);
  }
  return values;
}

/**
 * Turn an error of `node:util` `parseArgs` into the kit's one-line usage
 * message: the option named, and the allowed ones (`allowed`, as `--name`).
 * `choicesOf` gives an option's allowed values, for a missing value;
 * `args`, the arguments parsed, the value a user gave that starts with a dash.
 */
export function describeParseError(
  error: unknown,
  allowed: readonly string[],
  choicesOf: (option: string) => readonly string[] | undefined = () => undefined,
  args: readonly string[] = [],
): string {
  const message = (error as Error).message;
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}; allowed: ${listOf(allowed)}`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument '${positional[1]}'; allowed: ${listOf(allowed)}`;
  // `--trace=yes`: a boolean option given a value.
  const flag = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (flag) return `${flag[1]} takes no value: give it alone, as ${flag[1]}`;
  // `--runtime --clock`, `-r -5`: the next argument starts with a dash, so
  // it was not taken as the value. Named by its long form, which the hint
  // at the end of the message gives for a short option too; the value is
  // not in the message, so it is looked up in `args` after the option as
  // typed.
  const dashed = /for '([^']+)'\?[^]*?use '(--[\w-]+)=/.exec(message);
  if (dashed) {
    const [, typed, option] = dashed;
    const choices = choicesOf(option.slice(2));
    if (choices) return `${option} needs a value: one of ${listOf(choices)}`;
    const at = args.findIndex((arg, index) => arg === typed && args[index + 1]?.startsWith("-"));
    const value = at === -1 ? "VALUE" : args[at + 1];
    // `--delay --seed 3`: the value was forgotten, not written with a dash.
    if (allowed.includes(value.split("=")[0])) return `${option} needs a value`;
    return `${option} needs a value; one that starts with a dash goes after '=': ${option}=${value}`;
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+)/.exec(message);
  if (missing) {
    const choices = choicesOf(missing[1].slice(2));
    return `${missing[1]} needs a value${choices ? `: one of ${listOf(choices)}` : ""}`;
  }
  return message;
}

/**
 * How long after a Ctrl-C another SIGINT still counts as the same keypress:
 * the terminal signals the whole process group and `deno task` forwards the
 * signal to its child as well, so one Ctrl-C can arrive twice, a few
 * milliseconds apart.
 */
export const sameKeypressMs = 250;

/** What `onCtrlC` answers: the signal the first Ctrl-C aborts, and how to stop listening. */
export interface CtrlC {
  readonly signal: AbortSignal;
  stop(): void;
}

/** What the lab runner and the workshop take as Ctrl-C: SIGTERM too. */
export const interruptSignals: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Listen for Ctrl-C (and whatever other `signals` are named: the lab
 * runner takes {@link interruptSignals}). The first aborts `signal` with an
 * `AbortError`, so that the work in progress can stop and clean up; a
 * later one, sent as a keypress of its own, exits at once with status 130
 * (`exitNow`, for a tool that has something to say first).
 */
export function onCtrlC(
  exitNow: () => void = () => Deno.exit(exitStatus.interrupted),
  signals: readonly Deno.Signal[] = ["SIGINT"],
): CtrlC {
  const controller = new AbortController();
  let firstAt = 0;
  const listener = () => {
    if (!controller.signal.aborted) {
      firstAt = performance.now();
      controller.abort(new DOMException("interrupted by Ctrl-C", "AbortError"));
    } else if (performance.now() - firstAt > sameKeypressMs) {
      exitNow();
    }
  };
  for (const name of signals) Deno.addSignalListener(name, listener);
  return {
    signal: controller.signal,
    stop: () => {
      for (const name of signals) Deno.removeSignalListener(name, listener);
    },
  };
}

/**
 * How long to listen for a Ctrl-C after a run: one pressed while a step
 * blocked the thread is delivered only once the thread is free again.
 */
export const signalGraceMs = 25;

/** Wait until `signal` aborts or `ms` pass, whichever comes first. */
export function signalGrace(signal: AbortSignal, ms = signalGraceMs): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
