/**
 * `deno task oracle [--check] [--python PATH]`: run the oracle, the matrix
 * probes and the conformance scenarios rewritten in Python for the real
 * trio and asyncio (`oracle/`), and write what they did to
 * `oracle/results.json`, which the matrix's reference columns read.
 *
 *     $ deno task oracle                      # (re)write oracle/results.json
 *     $ deno task oracle --check              # exit 1 when a fresh run differs from it
 *     $ deno task oracle --python ~/py311/bin/python3
 *
 * It needs a Python of the version the results are made with
 * (`oraclePython`, 3.11: the asyncio column is that version's behaviour;
 * another is refused, said so) with its `venv` module: `python3`, or the
 * interpreter `--python` names. The first run makes a virtual environment
 * in `oracle/.venv/` (git-ignored) and installs `oracle/requirements.txt`
 * there with pip; later runs reuse it while the requirements and the
 * Python are the same.
 *
 * Fresh results are judged against the committed ones by what happened,
 * not by their text: per program and library, the set of outcomes (notes
 * and their virtual times, how the run ended and with what, when, what was
 * left unfinished, whether anything was reported), with memory addresses
 * and task numbers masked and what was reported (a traceback's wording)
 * left aside. The committed file is rewritten only when they differ so.
 *
 * Exit status: 0; 1 when Python or the environment is missing or of another
 * version, a program fails, or `--check` finds the results stale; 2 for a
 * usage error (an unknown option, a `--python` that cannot be run or is of
 * another version).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  callerPath,
  describeParseError,
  exitStatus,
  exitWithUsage,
  paint,
  useColor,
} from "./cli.ts";
import { oraclePython, type OracleRecord, type OracleResults } from "./references.ts";

const folder = (path: string) => fileURLToPath(new URL(`../oracle/${path}`, import.meta.url));

/** Where the oracle lives, its environment, and what it writes. */
export const oraclePaths = {
  requirements: folder("requirements.txt"),
  script: folder("run.py"),
  venv: folder(".venv"),
  python: folder(".venv/bin/python"),
  stamp: folder(".venv/requirements.stamp"),
  results: folder("results.json"),
};

/** Python, its venv module or pip cannot be had: the oracle cannot run here. */
export class OracleUnavailable extends Error {
  override name = "OracleUnavailable";
}

/** The interpreter itself cannot serve: it cannot be run, or says no Python version. */
export class OracleBadInterpreter extends OracleUnavailable {
  override name = "OracleBadInterpreter";
}

/** The Python found is not the version the results are made with. */
export class OracleWrongPython extends OracleBadInterpreter {
  override name = "OracleWrongPython";
}

/** `3.11.7` from what `python --version` says (`Python 3.11.7`), or undefined. */
export function pythonVersionOf(text: string): string | undefined {
  return text.match(/^Python (\d+\.\d+(?:\.\d+)?)/m)?.[1];
}

/** A version's major and minor parts: `3.11` of `3.11.7`. */
function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

async function execute(command: string, args: string[]) {
  let output;
  try {
    output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new OracleUnavailable(
        command.includes("/") ? `${command} does not exist` : `${command} is not on the PATH`,
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new OracleUnavailable(`${command} cannot be run: ${error.message}`);
    }
    throw error;
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The last non-empty line of `text`: what a failing Python command says last. */
function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

/**
 * Make the virtual environment with `python` (a command or a path) unless
 * one made from the same requirements and the same interpreter is there;
 * answers its Python. An interpreter of another version than
 * {@link oraclePython} is refused ({@link OracleWrongPython}) before
 * anything is touched.
 */
export async function ensureEnvironment(python = "python3"): Promise<string> {
  let version;
  try {
    version = await execute(python, ["--version"]);
  } catch (error) {
    if (!(error instanceof OracleUnavailable)) throw error;
    throw new OracleBadInterpreter(error.message);
  }
  if (version.code !== 0) {
    throw new OracleBadInterpreter(`${python} --version failed: ${lastLine(version.stderr)}`);
  }
  const found = pythonVersionOf(version.stdout + version.stderr);
  if (found === undefined) {
    throw new OracleBadInterpreter(
      `${python} --version said '${
        lastLine(version.stdout + version.stderr)
      }', not a Python version`,
    );
  }
  if (minorOf(found) !== oraclePython) {
    throw new OracleWrongPython(
      `${python} is Python ${found}, but oracle/results.json is made with Python ${oraclePython} ` +
        `(its asyncio column is that version's behaviour): name a Python ${oraclePython} ` +
        "interpreter with deno task oracle --python PATH (ORACLE_PYTHON=PATH for the tests)",
    );
  }
  const requirements = await Deno.readTextFile(oraclePaths.requirements);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(requirements));
  const stamp = `${python} Python ${found} ${
    [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("")
  }`;
  const existing = await Deno.readTextFile(oraclePaths.stamp).catch(() => undefined);
  if (existing === stamp) return oraclePaths.python;
  await Deno.remove(oraclePaths.venv, { recursive: true }).catch(() => {});
  const venv = await execute(python, ["-m", "venv", oraclePaths.venv]);
  if (venv.code !== 0) {
    await Deno.remove(oraclePaths.venv, { recursive: true }).catch(() => {});
    throw new OracleUnavailable(
      `${python} -m venv failed (on Debian: apt-get install python3-venv): ${
        lastLine(venv.stderr + venv.stdout)
      }`,
    );
  }
  const pip = await execute(oraclePaths.python, [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "--requirement",
    oraclePaths.requirements,
  ]);
  if (pip.code !== 0) {
    await Deno.remove(oraclePaths.venv, { recursive: true }).catch(() => {});
    throw new OracleUnavailable(`pip install failed: ${lastLine(pip.stderr)}`);
  }
  // Written last: an environment cut short by a failure or Ctrl-C has none.
  await Deno.writeTextFile(oraclePaths.stamp, stamp);
  return oraclePaths.python;
}

/** Run every oracle program; answers the results as `oracle/run.py` prints them. */
export async function runOracle(python: string): Promise<string> {
  const run = await execute(python, [oraclePaths.script]);
  if (run.code !== 0) throw new Error(`oracle/run.py failed:\n${run.stderr}`);
  return run.stdout;
}

/** `text` with what differs between two runs of the same program masked: addresses, task numbers. */
function maskIdentities(text: string): string {
  return text.replace(/\b0x[0-9a-f]+\b/gi, "0x…").replace(/\bTask-\d+\b/g, "Task-…");
}

/**
 * What a record says happened, as one comparable string: its notes (their
 * virtual times and words), how it ended and with what, when, what it left
 * unfinished, and whether it reported anything, not what (the wording of a report, a traceback, varies with
 * the patch level). Identities masked.
 */
export function judgedOutcome(record: Partial<OracleRecord>): string {
  return maskIdentities(JSON.stringify({
    notes: record.notes,
    outcome: record.outcome,
    failure: record.failure,
    endedAt: record.endedAt,
    orphans: record.orphans,
    reported: record.stderr === undefined ? undefined : record.stderr.length > 0,
  }));
}

/** Each program's outcomes under each library, judged: `probe spawn_order, trio` to a sorted set. */
function judgedResults(results: OracleResults): Map<string, string[]> {
  const judged = new Map<string, string[]>();
  for (const kind of ["probes", "scenarios"] as const) {
    for (const [name, libraries] of Object.entries(results[kind] ?? {})) {
      for (const [library, records] of Object.entries(libraries)) {
        const outcomes = [...new Set(records.map(judgedOutcome))].sort();
        judged.set(`${kind === "probes" ? "probe" : "scenario"} ${name}, ${library}`, outcomes);
      }
    }
  }
  return judged;
}

/**
 * How a fresh run's results differ from the committed ones, judged by
 * outcome (see {@link judgedOutcome}), one line per program and library
 * that differs (and for the versions: trio's, and Python's major.minor);
 * none when they say the same.
 */
export function resultsDrift(fresh: string, committed: string): string[] {
  let here: OracleResults, there: OracleResults;
  try {
    here = JSON.parse(fresh);
  } catch {
    return ["the fresh run's results are not JSON"];
  }
  try {
    there = JSON.parse(committed);
  } catch {
    return ["oracle/results.json is missing or not JSON"];
  }
  const drift: string[] = [];
  if (here.versions?.trio !== there.versions?.trio) {
    drift.push(`trio ${here.versions?.trio} here, ${there.versions?.trio} in oracle/results.json`);
  }
  const [python, pythonThere] = [here.versions?.python, there.versions?.python].map((version) =>
    minorOf(String(version))
  );
  if (python !== pythonThere) {
    drift.push(`Python ${python} here, ${pythonThere} in oracle/results.json`);
  }
  const ours = judgedResults(here);
  const theirs = judgedResults(there);
  for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
    const [now, then] = [ours.get(key), theirs.get(key)];
    if (now === undefined) drift.push(`${key}: in oracle/results.json, not run now`);
    else if (then === undefined) drift.push(`${key}: run now, not in oracle/results.json`);
    else if (JSON.stringify(now) !== JSON.stringify(then)) {
      const gained = now.filter((outcome) => !then.includes(outcome));
      const lost = then.filter((outcome) => !now.includes(outcome));
      drift.push(
        `${key}: ${gained.length} outcome${gained.length === 1 ? "" : "s"} new (${
          gained[0] ?? "none"
        }), ${lost.length} gone (${lost[0] ?? "none"})`,
      );
    }
  }
  return drift;
}

/** Whether two results say the same happened: {@link resultsDrift} finds nothing. */
export function sameResults(left: string, right: string): boolean {
  return resultsDrift(left, right).length === 0;
}

const usage = [
  "Usage: deno task oracle [--check] [--python PATH]",
  "",
  "Runs the oracle's Python programs (oracle/) under trio and asyncio, in a virtual",
  "environment made in oracle/.venv/, and writes oracle/results.json.",
  "",
  "Options:",
  "      --check        exit 1 when a fresh run differs from oracle/results.json in what",
  "                     happened (not in the wording of what was reported)",
  `      --python PATH  the Python ${oraclePython} to run (default python3); the results are`,
  `                     made with Python ${oraclePython}, and another version is refused`,
  "  -h, --help         show this help",
].join("\n");

/** Run `oracle` on `args`; answers the exit status. */
export async function runOracleCommand(args: string[]): Promise<number> {
  let values: { check?: boolean; help?: boolean; python?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        check: { type: "boolean" },
        python: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    exitWithUsage(describeParseError(error, ["--check", "--python", "--help"]), usage);
  }
  if (values.help) {
    console.log(usage);
    return exitStatus.ok;
  }
  const fail = (message: string) => {
    console.error(`${paint("error:", 31, useColor(Deno.stderr))} ${message}`);
    return exitStatus.failed;
  };
  if (values.python === "") exitWithUsage("--python is empty; name a Python interpreter", usage);
  // A path as typed from the caller's folder; a bare name is looked up on the PATH.
  const python = values.python === undefined
    ? "python3"
    : values.python.includes("/")
    ? callerPath(values.python)
    : values.python;
  let environment: string;
  try {
    environment = await ensureEnvironment(python);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The interpreter named cannot serve: a usage error, as any bad option value.
    const named = values.python !== undefined && error instanceof OracleUnavailable &&
      (error instanceof OracleWrongPython ||
        / does not exist| is not on the PATH| cannot be run|--version /.test(message));
    if (named) exitWithUsage(`--python ${values.python}: ${message}`, usage);
    return fail(message);
  }
  let fresh: string;
  try {
    fresh = await runOracle(environment);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const committed = await Deno.readTextFile(oraclePaths.results).catch(() => "");
  const drift = resultsDrift(fresh, committed);
  if (values.check) {
    if (drift.length === 0) return exitStatus.ok;
    return fail(
      `oracle/results.json is stale: run \`deno task oracle\`\n${
        drift.map((line) => `  ${line}`).join("\n")
      }`,
    );
  }
  // Rewritten only when what happened differs: a new patch level's wording is no change.
  if (drift.length > 0) {
    const temporary = `${oraclePaths.results}.tmp`;
    await Deno.writeTextFile(temporary, fresh);
    await Deno.rename(temporary, oraclePaths.results);
  }
  const results = JSON.parse(fresh);
  console.log(
    `oracle/results.json ${drift.length === 0 ? "already up to date" : "written"}: ${
      Object.keys(results.probes).length
    } probes, ${
      Object.keys(results.scenarios).length
    } scenarios; trio ${results.versions.trio}, Python ${results.versions.python}`,
  );
  return exitStatus.ok;
}

if (import.meta.main) {
  Deno.exit(await runOracleCommand(Deno.args));
}
