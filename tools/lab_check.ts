/**
 * The check `deno task lab my_lab.ts` makes before it runs a lab file: the
 * type checker (`deno check`) and the kit's lint plugin (`lint/kit.ts`), so
 * that a forgotten `yield*`, `spawn(worker())` or `sleep("100")` is said
 * before the run, one line a problem with the file and line, exit 2.
 * `--no-check` skips it.
 *
 * It runs `deno` as a subprocess: the running binary when the process may
 * (`--allow-run` naming it), else `deno` from the PATH (`--allow-run=deno`,
 * which the lab task grants). Without either permission the file is run
 * unchecked, as before; with one but no `deno` to run, unchecked with a
 * warning.
 *
 * @module
 */

import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage, isInstance } from "../runtimes/errors.ts";
import { isBareYieldRefusal } from "../runtimes/instructions.ts";
import { callerPath, shownPath } from "./cli.ts";

/** The option that runs a lab file without the check. */
export const noCheckOption = "--no-check";

const kitRoot = fileURLToPath(new URL("../", import.meta.url));

/** The configuration the check lints with: the kit's plugin alone, no style rules. */
const checkConfig = join(kitRoot, "lint", "lab_check.json");

/** The endings a lab file's name may have. */
export const labFileExtensions = [".ts", ".js", ".mjs", ".mts"];

/** Whether `target` names a lab file rather than a built-in lab. */
export function isLabFile(target: string): boolean {
  return labFileExtensions.some((extension) => target.endsWith(extension));
}

/** One problem found, where it is and what it says. */
export interface Problem {
  /** The file, as the user knows it. */
  file: string;
  line: number;
  column: number;
  /** `kit/bare-yield`, `TS2345`. */
  code: string;
  message: string;
}

/** `my_lab.ts:3:9: <message> (TS2345)`: one line, what an editor can jump to. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message} (${problem.code})`;
}

/** The `deno` to run, or `undefined` when this process may run none. */
function denoBinary(): string | undefined {
  for (const command of [Deno.execPath(), "deno"]) {
    try {
      if (Deno.permissions.querySync({ name: "run", command }).state === "granted") return command;
    } catch {
      // A permission that cannot be queried is one not granted.
    }
  }
  return undefined;
}

/** The nearest `deno.json` or `deno.jsonc` at or above `folder`, if any. */
function nearestConfig(folder: string): string | undefined {
  for (let at = folder;; at = dirname(at)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if (Deno.statSync(join(at, name)).isFile) return join(at, name);
      } catch {
        // Not here.
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

async function run(
  deno: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(deno, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A location the tools print (`file:///a/b.ts`), as the user knows the file. */
function shownFile(location: string): string {
  return shownPath(location.startsWith("file://") ? fileURLToPath(location) : location);
}

/**
 * The type checker's errors, from its text output: `TS2345 [ERROR]: message`
 * then the source and `at file:///...:line:column`. Related information (an
 * indented message: TS1356's "Did you mean to mark this function as
 * 'async'?", wrong advice for an operation) is left out.
 */
export function typeProblems(output: string): Problem[] {
  const problems: Problem[] = [];
  let pending: { code: string; message: string } | undefined;
  for (const line of output.split("\n")) {
    const start = /^(TS\d+) \[ERROR\]: (.*)$/.exec(line);
    if (start) {
      pending = /^\s/.test(start[2]) ? undefined : { code: start[1], message: start[2] };
      continue;
    }
    const at = /^\s+at (\S+):(\d+):(\d+)$/.exec(line);
    if (at && pending) {
      problems.push({
        file: shownFile(at[1]),
        line: Number(at[2]),
        column: Number(at[3]),
        ...pending,
      });
      pending = undefined;
    }
  }
  return problems;
}

/** The lint plugin's problems, from `deno lint --json`. */
export function lintProblems(json: string): Problem[] {
  let report: {
    diagnostics?: {
      filename: string;
      range: { start: { line: number; col: number } };
      code: string;
      message: string;
    }[];
  };
  try {
    report = JSON.parse(json);
  } catch {
    return [];
  }
  return (report.diagnostics ?? []).map((diagnostic) => ({
    file: shownFile(diagnostic.filename),
    line: diagnostic.range.start.line,
    column: diagnostic.range.start.col + 1,
    code: diagnostic.code,
    message: diagnostic.message,
  }));
}

/**
 * Type-check and lint the lab file at `path`: every problem, the kit's own
 * first. A type error on a line the kit's plugin explains is left out (the
 * plugin names the fix; the type checker, at best, the symptom). `undefined`
 * when the check cannot run.
 */
export async function checkLabFile(path: string): Promise<Problem[] | undefined> {
  const deno = denoBinary();
  if (deno === undefined) return undefined;
  const folder = dirname(path);
  // The lab file's own project decides how its imports resolve; inside the
  // kit (or in no project), the check's own configuration does, since the
  // kit's excludes its test fixtures.
  const config = nearestConfig(folder);
  const ownProject = config !== undefined && dirname(config) !== resolve(kitRoot);
  const checkArgs = ownProject
    ? ["check", "--quiet", path]
    : ["check", "--quiet", "--config", checkConfig, path];
  let checked, linted;
  try {
    [checked, linted] = await Promise.all([
      run(deno, checkArgs, folder),
      run(deno, ["lint", "--json", "--config", checkConfig, path], folder),
    ]);
  } catch (error) {
    console.error(
      `warning: ${shownPath(path)} runs unchecked: cannot run ${deno} (${errorMessage(error)})`,
    );
    return undefined;
  }
  const kit = lintProblems(linted.stdout);
  const explained = new Set(kit.map((problem) => `${problem.file}:${problem.line}`));
  const types = typeProblems(checked.stderr + checked.stdout)
    .filter((problem) => !explained.has(`${problem.file}:${problem.line}`));
  return [...kit, ...types];
}

/**
 * The lab runner's arguments after the check: `args` without `--no-check`,
 * or `undefined` after printing the problems (the caller exits 2). Only a
 * lab file is checked, and not for `--help`.
 */
export async function checkedLabArgs(args: string[]): Promise<string[] | undefined> {
  const rest = args.filter((arg) => arg !== noCheckOption);
  const target = args[0];
  if (
    rest.length !== args.length || target === undefined || !isLabFile(target) ||
    args.includes("--help") || args.includes("-h")
  ) return rest;
  const path = callerPath(target);
  try {
    if (!Deno.statSync(path).isFile) return rest;
  } catch {
    return rest; // The runner says what is wrong with the path.
  }
  const problems = await checkLabFile(path);
  if (problems === undefined || problems.length === 0) return rest;
  printProblems(target, problems);
  return undefined;
}

/**
 * Print `problems` found in the lab file `target`, one line each, then a
 * line that counts them and says how to run the file anyway.
 */
export function printProblems(target: string, problems: readonly Problem[]): void {
  for (const problem of problems) console.error(formatProblem(problem));
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  console.error(
    `${target}: ${count} found before running it (${noCheckOption} runs it anyway)`,
  );
}

/**
 * For a lab file that cannot be loaded because an `await` sits in a
 * `function*` (the engine says only "Unexpected reserved word"), what to
 * write instead, as a clause to add to the message; else "".
 */
export function awaitHint(error: unknown): string {
  if (!isInstance(error, SyntaxError)) return "";
  const at = /Unexpected reserved word at (file:\/\/\S+):(\d+):(\d+)$/.exec(errorMessage(error));
  if (!at) return "";
  try {
    const line = Deno.readTextFileSync(fileURLToPath(at[1])).split("\n")[Number(at[2]) - 1];
    if (!line?.slice(Number(at[3]) - 1).startsWith("await")) return "";
  } catch {
    return "";
  }
  return ": an await inside a function* operation; an operation waits with yield*, " +
    "and for a promise write yield* call(() => promise)";
}

/** The kit's own sources, under its folder: never where a lab's bare yield is. */
const kitSources = /^(mod\.ts$|runtimes\/|labs\/|tools\/|lint\/|shared\/)/;

/**
 * The files of the lab file at `path`'s own code: itself and every local
 * module it imports (`deno info`), but the kit's sources. Just the file
 * when the graph cannot be read.
 */
async function ownModules(deno: string, path: string): Promise<string[]> {
  try {
    const info = await run(deno, ["info", "--json", path], dirname(path));
    const graph: { modules?: { specifier?: string }[] } = JSON.parse(info.stdout);
    const files = (graph.modules ?? [])
      .map((module) => module.specifier ?? "")
      .filter((specifier) => specifier.startsWith("file://"))
      .map((specifier) => fileURLToPath(specifier))
      .filter((file) => {
        const inKit = relative(kitRoot, file);
        return inKit.startsWith("..") || isAbsolute(inKit) || !kitSources.test(inKit);
      });
    return files.includes(path) ? files : [path, ...files];
  } catch {
    return [path];
  }
}

/** Bare-yield locations already looked for, by lab file (`--runtime all` fails five times). */
const bareYieldsFound = new Map<string, Promise<Problem[]>>();

/**
 * Where the lab file at `path`, or a module of its own that it imports,
 * yields an operation bare, as the kit's lint plugin finds it: for a run
 * that the runtimes refused, whose stack cannot say it. `verb` (the
 * refusal's `sleep` in `sleep(...)`), when known, keeps only that verb's
 * bare yields. Empty when the plugin finds none, or `deno` cannot be run:
 * a line is named only when the plugin saw the bare yield there.
 */
export function bareYieldsIn(path: string, verb?: string): Promise<Problem[]> {
  const key = `${path}\0${verb ?? ""}`;
  let found = bareYieldsFound.get(key);
  if (found === undefined) {
    found = lookForBareYields(path, verb);
    bareYieldsFound.set(key, found);
  }
  return found;
}

/** The lint message's start for a bare yield of a call of `verb`, directly or as a method. */
function called(verb: string): RegExp {
  return new RegExp(`^a bare yield hands (?:[\\w$]+\\.)*${verb.replace(/\$/g, "\\$")}\\(`);
}

async function lookForBareYields(path: string, verb?: string): Promise<Problem[]> {
  const deno = denoBinary();
  if (deno === undefined) return [];
  try {
    const files = await ownModules(deno, path);
    const linted = await run(
      deno,
      ["lint", "--json", "--config", checkConfig, ...files],
      dirname(path),
    );
    return lintProblems(linted.stdout).filter((problem) =>
      problem.code === "kit/bare-yield" &&
      (verb === undefined || called(verb).test(problem.message))
    );
  } catch {
    return [];
  }
}

/**
 * After runs of `target` that the runtimes refused for a bare `yield` of an
 * operation, when `target` is a lab file: where the file, or a module of its
 * own, writes it (the kit's lint plugin finds it; the error's stack cannot),
 * one line each on stderr as an editor jumps to it, each place once however
 * many of `errors` it explains. Nothing for any other failure, or when the
 * plugin finds none, rather than a guess. `lab`, `compare` and `report` all
 * say it this way.
 */
export async function printBareYields(target: string, errors: readonly unknown[]): Promise<void> {
  if (!isLabFile(target)) return;
  const lines = new Set<string>();
  for (const error of errors) {
    if (!isBareYieldRefusal(error)) continue;
    const verb = /^a bare yield of (?:[\w$]+\.)*([\w$]+)\(/.exec(errorMessage(error))?.[1];
    for (const problem of await bareYieldsIn(callerPath(target), verb)) {
      lines.add(formatProblem(problem));
    }
  }
  for (const line of lines) console.error(line);
}
