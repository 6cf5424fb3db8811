/**
 * `deno task oracle [--check]`: run the oracle, the matrix probes and the
 * conformance scenarios rewritten in Python for the real trio and asyncio
 * (`oracle/`), and write what they did to `oracle/results.json`, which the
 * matrix's reference columns read.
 *
 *     $ deno task oracle            # (re)write oracle/results.json
 *     $ deno task oracle --check    # exit 1 when a fresh run differs from it
 *
 * It needs `python3` with its `venv` module; the first run makes a virtual
 * environment in `oracle/.venv/` (git-ignored) and installs
 * `oracle/requirements.txt` there with pip; later runs reuse it while the
 * requirements and the Python are the same.
 *
 * Exit status: 0; 1 when Python or the environment is missing, a program
 * fails, or `--check` finds the results stale; 2 for a usage error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { describeParseError, exitStatus, exitWithUsage, paint, useColor } from "./cli.ts";

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

async function execute(command: string, args: string[]) {
  let output;
  try {
    output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new OracleUnavailable(`${command} is not on the PATH`);
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
 * Make the virtual environment unless one made from the same requirements
 * and the same `python3` is there; answers its Python.
 */
export async function ensureEnvironment(): Promise<string> {
  const version = await execute("python3", ["--version"]);
  if (version.code !== 0) {
    throw new OracleUnavailable(`python3 --version failed: ${version.stderr}`);
  }
  const requirements = await Deno.readTextFile(oraclePaths.requirements);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(requirements));
  const stamp = `${version.stdout.trim()} ${
    [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("")
  }`;
  const existing = await Deno.readTextFile(oraclePaths.stamp).catch(() => undefined);
  if (existing === stamp) return oraclePaths.python;
  await Deno.remove(oraclePaths.venv, { recursive: true }).catch(() => {});
  const venv = await execute("python3", ["-m", "venv", oraclePaths.venv]);
  if (venv.code !== 0) {
    await Deno.remove(oraclePaths.venv, { recursive: true }).catch(() => {});
    throw new OracleUnavailable(
      `python3 -m venv failed (on Debian: apt-get install python3-venv): ${
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

/**
 * Whether two results say the same: everything alike but the patch level of
 * Python (asyncio's column is a Python minor version's behaviour).
 */
export function sameResults(left: string, right: string): boolean {
  const normal = (text: string) => {
    try {
      const results = JSON.parse(text);
      results.versions.python = results.versions.python.split(".").slice(0, 2).join(".");
      return JSON.stringify(results);
    } catch {
      return text;
    }
  };
  return normal(left) === normal(right);
}

const usage = [
  "Usage: deno task oracle [--check]",
  "",
  "Runs the oracle's Python programs (oracle/) under trio and asyncio, in a virtual",
  "environment made in oracle/.venv/, and writes oracle/results.json.",
  "",
  "Options:",
  "      --check  exit 1 when a fresh run differs from oracle/results.json",
  "  -h, --help   show this help",
].join("\n");

/** Run `oracle` on `args`; answers the exit status. */
export async function runOracleCommand(args: string[]): Promise<number> {
  let values: { check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    exitWithUsage(describeParseError(error, ["--check", "--help"]), usage);
  }
  if (values.help) {
    console.log(usage);
    return exitStatus.ok;
  }
  const fail = (message: string) => {
    console.error(`${paint("error:", 31, useColor(Deno.stderr))} ${message}`);
    return exitStatus.failed;
  };
  let fresh: string;
  try {
    fresh = await runOracle(await ensureEnvironment());
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const committed = await Deno.readTextFile(oraclePaths.results).catch(() => "");
  if (values.check) {
    if (sameResults(fresh, committed)) return exitStatus.ok;
    return fail("oracle/results.json is stale: run `deno task oracle`");
  }
  if (fresh !== committed) {
    const temporary = `${oraclePaths.results}.tmp`;
    await Deno.writeTextFile(temporary, fresh);
    await Deno.rename(temporary, oraclePaths.results);
  }
  const results = JSON.parse(fresh);
  console.log(
    `oracle/results.json ${fresh === committed ? "already up to date" : "written"}: ${
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
