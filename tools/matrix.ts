/**
 * `deno task matrix [--write | --check]`: run every probe of
 * `matrix_probes.ts` under every runtime on a virtual clock and print the
 * semantics matrix, as measured, as a Markdown table (rows: behaviours,
 * columns: runtimes).
 *
 *     $ deno task matrix            # print the matrix (fitted to a terminal)
 *     $ deno task matrix --write    # rewrite README.md between the matrix markers
 *     $ deno task matrix --check    # exit 1 when README.md's matrix is stale
 *
 * Exit status: 0, or 1 when `--check` finds the matrix stale or README.md
 * has no matrix markers to check or rewrite (the command line was right: the
 * README is not), 2 for a usage error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { ClockTimer, Runtime, Schedule } from "../runtimes/types.ts";
import { describeParseError, exitStatus, exitWithUsage, listOf, paint, useColor } from "./cli.ts";
import { captureRun, countTasks, errorLine } from "./compare.ts";
import { widthRange } from "./diff.ts";
import { fitMatrix } from "./matrix_fit.ts";
import { nameOf, type Probe, type ProbeRun, probes } from "./matrix_probes.ts";
import {
  type Agreement,
  compare,
  declaredDifferences,
  oracleResults,
  type Reference,
  referencePhrase,
  references,
} from "./references.ts";

/** The markers around the generated matrix in README.md. */
export const matrixMarkers = { start: "<!-- matrix:start -->", end: "<!-- matrix:end -->" };

/** The README whose matrix `--write` rewrites and `--check` checks. */
export const readmePath: string = fileURLToPath(new URL("../README.md", import.meta.url));

/** Run one probe under one runtime on a fresh virtual clock, with `schedule` if given. */
export async function runProbe(
  runtime: Runtime,
  probe: Probe,
  schedule?: Schedule,
): Promise<ProbeRun> {
  const clock = virtualClock();
  const notes: string[] = [];
  const interrupt = new AbortController();
  let interruptTimer: ClockTimer | undefined;
  const context = {
    note: (text: string) => void notes.push(`${clock.now()} ${text}`),
    clock,
    interruptAt: (ms: number) => {
      interruptTimer = clock.setTimer(
        ms - clock.now(),
        () => interrupt.abort(new DOMException("interrupted by Ctrl-C", "AbortError")),
      );
    },
  };
  const program = () => probe.program(context);
  Object.defineProperty(program, "name", { value: "probe" });
  const run = await captureRun(runtime, program, { clock, signal: interrupt.signal, schedule });
  if (interruptTimer) clock.clearTimer(interruptTimer);
  return {
    notes,
    outcome: run.outcome === "ok" ? "ok" : `error ${errorLine(run.error)}`,
    failure: run.outcome === "ok" ? "none" : nameOf(run.error),
    endedAt: clock.now(),
    events: run.events,
    stderr: run.stderr,
    counts: countTasks(run.events),
  };
}

/** A reference cell: what the library did, and whether its runtime agrees. */
export interface ReferenceCell {
  cell: string;
  agreement: Agreement;
}

/**
 * The matrix: one row per probe, one cell per runtime, the runs behind the
 * cells, and one cell per reference library (`references.ts`).
 */
export interface Matrix {
  runtimes: string[];
  references: Reference[];
  rows: {
    id: string;
    behaviour: string;
    cells: string[];
    runs: ProbeRun[];
    references: ReferenceCell[];
  }[];
}

/** The mark a reference cell carries: its runtime agrees, or differs (declared or not). */
export function agreementMark(reference: Reference, agreement: Agreement): string {
  const runtime = `\`${reference.runtime}\``;
  switch (agreement.kind) {
    case "agrees":
      return `${runtime}: same`;
    case "declared":
      return `${runtime}: differs, D${declaredDifferences.indexOf(agreement.difference) + 1}`;
    case "undeclared":
      return `${runtime}: differs, undeclared`;
    case "missing":
      return `${runtime}: not compared`;
  }
}

/** Run every probe under every runtime in the registry. */
export async function buildMatrix(): Promise<Matrix> {
  const names = Object.keys(runtimes);
  const rows = [];
  for (const probe of probes) {
    const cells = [];
    const runs: ProbeRun[] = [];
    for (const name of names) {
      const run = await runProbe(runtimes[name], probe);
      runs.push(run);
      let cell: string;
      try {
        cell = probe.classify(run);
      } catch (error) {
        cell = `unclassified: ${errorLine(error)}`;
      }
      cells.push(cell.replaceAll("|", "\\|"));
    }
    const referenceCells = references.map((reference) => {
      const records = oracleResults.probes[probe.id]?.[reference.library];
      const run = runs[names.indexOf(reference.runtime)];
      const agreement = compare(probe, run, reference, records);
      const phrase = referencePhrase(probe, records);
      return {
        cell: `${phrase} (${agreementMark(reference, agreement)})`.replaceAll("|", "\\|"),
        agreement,
      };
    });
    rows.push({
      id: probe.id,
      behaviour: probe.behaviour,
      cells,
      runs,
      references: referenceCells,
    });
  }
  return { runtimes: names, references, rows };
}

/** A Markdown table, padded the way `deno fmt` pads it. */
function markdownTable(table: string[][]): string[] {
  const widths = table[0].map((_, column) =>
    Math.max(3, ...table.map((line) => line[column].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  return [
    line(table[0]),
    line(widths.map((width) => "-".repeat(width))),
    ...table.slice(1).map(line),
  ];
}

/** The matrix as a Markdown table, then the table of declared differences. */
export function formatMatrix(matrix: Matrix): string {
  const table = markdownTable([
    [
      "behaviour",
      ...matrix.runtimes.map((name) => `\`${name}\``),
      ...matrix.references.map((reference) => reference.column),
    ],
    ...matrix.rows.map((row) => [
      row.behaviour,
      ...row.cells,
      ...row.references.map((reference) => reference.cell),
    ]),
  ]);
  return [...table, "", ...formatDifferences(matrix)].join("\n");
}

/** The declared differences the reference cells point at (`D1`...), as a Markdown table. */
export function formatDifferences(matrix: Matrix): string[] {
  const rows = declaredDifferences.map((difference, index) => {
    const reference = matrix.references.find((each) => each.library === difference.library);
    const row = matrix.rows.find((each) => each.id === difference.case);
    return [
      `D${index + 1}`,
      `\`${reference?.runtime}\` against ${reference?.column ?? difference.library}`,
      row ? row.behaviour : difference.case,
      difference.reason.replaceAll("|", "\\|"),
    ];
  });
  return markdownTable([["mark", "compared", "behaviour", "why they differ"], ...rows]);
}

/** A README without the matrix markers, in order: nothing to check or rewrite. */
export class MissingMarkers extends Error {
  override name = "MissingMarkers";
  constructor() {
    super(
      `README.md has no ${matrixMarkers.start} ... ${matrixMarkers.end} section; add the two markers where the matrix belongs`,
    );
  }
}

/** Where the matrix lies in `readme`: its start and end marker; `MissingMarkers` if absent. */
function matrixBounds(readme: string): { start: number; end: number } {
  const start = readme.indexOf(matrixMarkers.start);
  const end = readme.indexOf(matrixMarkers.end);
  if (start === -1 || end < start) throw new MissingMarkers();
  return { start, end };
}

/** `readme` with the text between the matrix markers replaced by `table`. */
export function replaceMatrix(readme: string, table: string): string {
  const { start, end } = matrixBounds(readme);
  return readme.slice(0, start + matrixMarkers.start.length) + `\n\n${table}\n\n` +
    readme.slice(end);
}

/** Rewrite the README's matrix: a temporary file beside it, then a rename. */
export async function writeMatrix(path: string, table: string): Promise<boolean> {
  const readme = await Deno.readTextFile(path);
  const updated = replaceMatrix(readme, table);
  if (updated === readme) return false;
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, updated);
  await Deno.rename(temporary, path);
  return true;
}

const usage = [
  "Usage: deno task matrix [--write | --check | --width N]",
  "",
  "Runs every probe under every runtime (" + listOf(Object.keys(runtimes)) +
  ") on a virtual clock",
  "and prints the semantics matrix: as a Markdown table, or on a terminal fitted to its width",
  "(a heading per behaviour, a line per runtime). Takes a few seconds.",
  "",
  "Options:",
  "      --write  rewrite README.md between " + matrixMarkers.start + " and " + matrixMarkers.end,
  "      --check  exit 1 when README.md's matrix differs from a fresh one",
  `      --width N  fit N columns, ${widthRange.min} to ${widthRange.max}, even when piped`,
  "  -h, --help   show this help",
].join("\n");

/** Run `matrix` on `args`, `--write` and `--check` on `readme`; answers the exit status. */
export async function runMatrixCommand(args: string[], readme = readmePath): Promise<number> {
  let values: { write?: boolean; check?: boolean; width?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        write: { type: "boolean" },
        check: { type: "boolean" },
        width: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    exitWithUsage(
      describeParseError(error, ["--write", "--check", "--width", "--help"], undefined, args),
      usage,
    );
  }
  if (values.help) {
    console.log(usage);
    return exitStatus.ok;
  }
  if (values.write && values.check) {
    exitWithUsage("--write and --check exclude each other; give one", usage);
  }
  const width = textWidth(values);
  if (values.write || values.check) {
    // Before the probes run: a README without the markers has nowhere to put them.
    try {
      matrixBounds(await Deno.readTextFile(readme));
    } catch (error) {
      if (!(error instanceof MissingMarkers)) throw error;
      console.error(`${paint("error:", 31, useColor(Deno.stderr))} ${error.message}`);
      return exitStatus.failed;
    }
  }
  const matrix = await buildMatrix();
  const table = formatMatrix(matrix);
  if (values.check) {
    const text = await Deno.readTextFile(readme);
    if (replaceMatrix(text, table) === text) {
      console.log("README.md's matrix is up to date");
      return exitStatus.ok;
    }
    console.error("README.md's matrix is stale: run `deno task matrix --write`");
    return exitStatus.failed;
  }
  if (values.write) {
    const changed = await writeMatrix(readme, table);
    console.log(changed ? "README.md: matrix rewritten" : "README.md: matrix already up to date");
    return exitStatus.ok;
  }
  console.log(width === undefined ? table : fitMatrix(matrix, width));
  return exitStatus.ok;
}

/**
 * The columns to fit the matrix into, or `undefined` for Markdown: `--width`,
 * else the terminal's when stdout is one; a bad `--width`, or one beside
 * `--write` or `--check` (which always use Markdown), is a usage error.
 */
function textWidth(values: { write?: boolean; check?: boolean; width?: string }) {
  if (values.width === undefined) {
    if (values.write || values.check || !Deno.stdout.isTerminal()) return undefined;
    return Math.max(widthRange.min, Deno.consoleSize().columns);
  }
  if (values.write || values.check) {
    exitWithUsage("--width is for printing; --write and --check use Markdown", usage);
  }
  const width = Number(values.width);
  if (!/^\d+$/.test(values.width) || width < widthRange.min || width > widthRange.max) {
    exitWithUsage(
      `--width needs a whole number of columns from ${widthRange.min} to ${widthRange.max} ` +
        `(got '${values.width}')`,
      usage,
    );
  }
  return width;
}

if (import.meta.main) {
  Deno.exit(await runMatrixCommand(Deno.args));
}
