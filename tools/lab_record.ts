/**
 * Recording a lab's runs for `deno task lab ... --timeline FILE
 * --trace-json FILE`: the files checked before the run, the runs as their
 * tracer saw them, and the files written after it, however it ended (a
 * failure, Ctrl-C), each whole or not at all: as one HTML page of timelines
 * (`timeline_page.ts`) and as a Chrome trace (`trace_chrome.ts`).
 *
 * @module
 */

import { dirname } from "node:path";
import type { Lab } from "../labs/lab.ts";
import { errorMessage } from "../runtimes/errors.ts";
import type { Schedule, TraceEvent } from "../runtimes/types.ts";
import { UsageError } from "../shared/usage.ts";
import { callerPath, paint, shownPath, useColor } from "./cli.ts";
import type { Values } from "./lab.ts";
import { chromeTrace } from "./trace_chrome.ts";
import type { UserFiles } from "./write_file.ts";

/** One runtime's run of a lab, as its tracer saw it. */
export interface RecordedRun {
  runtime: string;
  clock: "real" | "virtual";
  /** Every trace event, in order. */
  events: TraceEvent[];
  /** The clock's time when the run ended, in milliseconds. */
  endTime: number;
  /** `exit 0`, `failed: Error: ...`, `interrupted`. */
  outcome: string;
  /** The shuffle it ran with (`--schedule shuffle:SEED`), if it was shuffled. */
  schedule?: Schedule;
}

/** The files `--timeline` and `--trace-json` name, checked and made absolute. */
export interface RecordingFiles {
  timeline?: string;
  traceJson?: string;
}

/**
 * The files to record the runs in, checked before the run so that a long
 * run does not end in a usage error: each must name a file (not a folder)
 * in a folder that exists, where `files` may write, and not both the same.
 */
export async function recordingFiles(values: Values, files: UserFiles): Promise<RecordingFiles> {
  const named: RecordingFiles = {};
  for (const [option, key] of [["timeline", "timeline"], ["trace-json", "traceJson"]] as const) {
    const given = values[option];
    if (typeof given !== "string") continue;
    if (given === "") throw new UsageError(`--${option} is empty; name the file to write`);
    const path = callerPath(given);
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(path);
    } catch {
      // A new file: its folder must exist.
    }
    if (info?.isDirectory) throw new UsageError(`--${option} ${given} is a folder; name a file`);
    if (!info && !isFolder(dirname(path))) {
      throw new UsageError(`--${option} ${given}: the folder ${dirname(given)} does not exist`);
    }
    if (!await files.mayWrite(path)) {
      throw new UsageError(
        `--${option} ${given}: no permission to write there; deno task lab may write anywhere`,
      );
    }
    named[key] = path;
  }
  if (named.timeline !== undefined && named.timeline === named.traceJson) {
    throw new UsageError("--timeline and --trace-json name the same file; name two");
  }
  return named;
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** The lab's own options and arguments as given, for the command shown on the timelines page. */
export function labArguments(lab: Lab, values: Values, positionals: string[]): string[] {
  const args: string[] = [];
  for (const name of Object.keys(lab.options)) {
    const value = values[name];
    if (value === true) args.push(`--${name}`);
    else if (typeof value === "string") args.push(`--${name}`, value);
  }
  return [...args, ...positionals];
}

/**
 * Write the recorded runs to the files named; answers whether all were
 * written. Each is said on stderr, written or not.
 */
export async function writeRecordings(
  files: RecordingFiles,
  lab: string,
  args: string[],
  runs: RecordedRun[],
  userFiles: UserFiles,
): Promise<boolean> {
  const outputs: [string, string | undefined, () => Promise<string>][] = [
    // The page draws as the report does: its modules are loaded only when asked for.
    [
      "--timeline",
      files.timeline,
      async () => (await import("./timeline_page.ts")).timelinePage(lab, args, runs),
    ],
    [
      "--trace-json",
      files.traceJson,
      () => Promise.resolve(JSON.stringify(chromeTrace([lab, ...args].join(" "), runs))),
    ],
  ];
  let written = true;
  for (const [option, path, render] of outputs) {
    if (path === undefined) continue;
    try {
      await userFiles.write(path, await render());
      console.error(`${option}: wrote ${shownPath(path)}`);
    } catch (error) {
      console.error(
        `${paint("error:", 31, useColor(Deno.stderr))} ${option}: cannot write ${
          shownPath(path)
        }: ${errorMessage(error)}`,
      );
      written = false;
    }
  }
  return written;
}
