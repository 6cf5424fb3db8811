/**
 * `deno task diff <runtimeA> <runtimeB>`: two adapters side by side, aligned
 * section by section, so that reading them is the lesson.
 *
 *     $ deno task diff nursery generator
 *     $ deno task diff nursery generator --changed
 *     $ deno task diff runtimes/nursery.ts my_runtime.ts --width 200
 *
 * Each file is split at its `// ----` banners (Instructions, Tasks, Scopes,
 * Timers, Errors, Run); sections are matched by their heading word, and the
 * lines within a pair of sections are aligned by a longest-common-subsequence
 * diff (the `diff` package). Every line keeps its line number; `|` marks a
 * line that differs, `<` one only on the left, `>` one only on the right.
 * `--changed` shows only those, each run of identical lines folded into one
 * line that says how many.
 * The layout fits the terminal's width (160 columns when stdout is not a
 * terminal; `--width` from 40 to 400), and is plain text, without colour,
 * unless stdout is a terminal and `NO_COLOR` is unset. A relative path
 * starts from the folder the command was run in.
 *
 * @module
 */

import { diffArrays } from "diff";
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimes } from "../runtimes/registry.ts";
import {
  callerPath,
  describeParseError,
  exitStatus,
  exitWithUsage,
  listOf,
  paint,
  useColor,
} from "./cli.ts";

/** One section of an adapter: its heading word and its lines, numbered from `firstLine`. */
export interface Section {
  heading: string;
  firstLine: number;
  lines: string[];
}

/** The heading of the lines before the first banner (imports, constants). */
export const preamble = "Preamble";

const bannerRule = /^\/\/ -{10,}\s*$/;
const bannerHeading = /^\/\/ ([A-Za-z]+):/;

/**
 * Split a source file at its section banners: a `// ----` rule followed by
 * `// Heading: ...`. The lines before the first banner form the preamble.
 */
export function splitSections(text: string): Section[] {
  const lines = text.replace(/\n$/, "").split("\n");
  const sections: Section[] = [{ heading: preamble, firstLine: 1, lines: [] }];
  lines.forEach((line, index) => {
    const heading = bannerRule.test(line) ? lines[index + 1]?.match(bannerHeading) : null;
    if (heading) sections.push({ heading: heading[1], firstLine: index + 1, lines: [] });
    sections.at(-1)!.lines.push(line);
  });
  return sections[0].lines.length === 0 ? sections.slice(1) : sections;
}

/** One aligned row: a line on either side (or none), and how they relate. */
export interface Row {
  /** ` ` same, `|` differ, `<` left only, `>` right only. */
  mark: " " | "|" | "<" | ">";
  left?: { number: number; text: string };
  right?: { number: number; text: string };
}

/** A pair of matched sections (either may be missing) and their aligned rows. */
export interface AlignedSection {
  heading: string;
  left?: Section;
  right?: Section;
  rows: Row[];
}

/** Align two runs of lines with a longest-common-subsequence diff. */
export function alignLines(left: Section | undefined, right: Section | undefined): Row[] {
  const rows: Row[] = [];
  let leftNumber = left?.firstLine ?? 0;
  let rightNumber = right?.firstLine ?? 0;
  let removed: string[] = [];
  const flush = (added: string[]) => {
    const paired = Math.min(removed.length, added.length);
    for (let index = 0; index < Math.max(removed.length, added.length); index++) {
      const row: Row = { mark: index < paired ? "|" : index < removed.length ? "<" : ">" };
      if (index < removed.length) row.left = { number: leftNumber++, text: removed[index] };
      if (index < added.length) row.right = { number: rightNumber++, text: added[index] };
      rows.push(row);
    }
    removed = [];
  };
  for (const change of diffArrays(left?.lines ?? [], right?.lines ?? [])) {
    if (change.removed) {
      removed.push(...change.value);
    } else if (change.added) {
      flush(change.value);
    } else {
      flush([]);
      for (const text of change.value) {
        rows.push({
          mark: " ",
          left: { number: leftNumber++, text },
          right: { number: rightNumber++, text },
        });
      }
    }
  }
  flush([]);
  return rows;
}

/**
 * Match the sections of two files by heading, in the left file's order, a
 * section found only on the right coming after the one it follows there.
 */
export function alignSections(leftText: string, rightText: string): AlignedSection[] {
  const left = splitSections(leftText);
  const right = splitSections(rightText);
  const order = left.map((section) => section.heading);
  right.forEach((section, index) => {
    if (order.includes(section.heading)) return;
    const before = index === 0 ? -1 : order.indexOf(right[index - 1].heading);
    order.splice(before + 1, 0, section.heading);
  });
  return order.map((heading) => {
    const l = left.find((section) => section.heading === heading);
    const r = right.find((section) => section.heading === heading);
    return { heading, left: l, right: r, rows: alignLines(l, r) };
  });
}

/** Options of `renderSideBySide`. */
export interface RenderOptions {
  /** Total columns. */
  width: number;
  /** ANSI colours for the marks. */
  color: boolean;
  /** The two file names, for the header. */
  names: [string, string];
  /** Show only what differs: each run of identical lines becomes one line saying how many. */
  changedOnly?: boolean;
}

/** Expand tabs and cut `text` to `width` columns (an ellipsis marks a cut). */
function fit(text: string, width: number): string {
  const plain = text.replaceAll("\t", "    ");
  return plain.length <= width ? plain.padEnd(width) : plain.slice(0, width - 1) + "…";
}

function span(section: Section | undefined): string {
  if (!section) return "absent";
  return `${section.firstLine}-${section.firstLine + section.lines.length - 1}`;
}

/** The aligned sections as side-by-side text lines. */
export function renderSideBySide(
  sections: readonly AlignedSection[],
  options: RenderOptions,
): string[] {
  const lastLine = Math.max(
    1,
    ...sections.flatMap((section) =>
      section.rows.map((row) => Math.max(row.left?.number ?? 0, row.right?.number ?? 0))
    ),
  );
  const numberWidth = String(lastLine).length;
  const textWidth = Math.max(10, Math.floor((options.width - 3 - 2 * (numberWidth + 1)) / 2));
  const colors = { "|": 33, "<": 31, ">": 32 } as const;
  const side = (line: { number: number; text: string } | undefined) =>
    line
      ? `${String(line.number).padStart(numberWidth)} ${fit(line.text, textWidth)}`
      : " ".repeat(numberWidth + 1 + textWidth);
  const [leftName, rightName] = options.names;
  const out = [
    `${fit(leftName, numberWidth + 1 + textWidth)}   ${rightName}`.trimEnd(),
  ];
  for (const section of sections) {
    const counts = { " ": 0, "|": 0, "<": 0, ">": 0 };
    for (const row of section.rows) counts[row.mark]++;
    const title = `== ${section.heading} (${leftName} ${span(section.left)}, ${rightName} ${
      span(section.right)
    }): ${counts[" "]} same, ${counts["|"]} changed, ${counts["<"]} left only, ${
      counts[">"]
    } right only `;
    const banner = title.length > options.width
      ? title.slice(0, options.width - 1) + "…"
      : title.padEnd(options.width, "=");
    out.push("", paint(banner, 1, options.color));
    let same = 0;
    const sayHidden = () => {
      if (same > 0) {
        out.push(`${" ".repeat(numberWidth)} … ${same} same line${same === 1 ? "" : "s"}`);
      }
      same = 0;
    };
    for (const row of section.rows) {
      if (options.changedOnly && row.mark === " ") {
        same++;
        continue;
      }
      sayHidden();
      const mark = row.mark === " " ? " " : paint(row.mark, colors[row.mark], options.color);
      out.push(`${side(row.left)} ${mark} ${side(row.right)}`.trimEnd());
    }
    sayHidden();
  }
  return out;
}

/** The columns `--width` allows: narrower cannot show two sides, wider only costs memory. */
export const widthRange = { min: 40, max: 400 } as const;

const usage = [
  "Usage: deno task diff <runtimeA> <runtimeB> [--changed] [--width N]",
  "",
  "Shows two adapters, runtimes/<runtimeA>.ts and runtimes/<runtimeB>.ts, side by side,",
  "aligned section by section. Either may also be a path to a .ts file.",
  "",
  "Runtimes: " + listOf(Object.keys(runtimes)),
  "",
  "Options:",
  "      --changed  show only the lines that differ; each run of identical lines is one line",
  "                 saying how many",
  `      --width N  columns to fit, ${widthRange.min} to ${widthRange.max} ` +
  "(default: the terminal's width, or 160)",
  "  -h, --help     show this help",
].join("\n");

/** The file a runtime name or a path stands for; `undefined` for an unknown name. */
export function adapterPath(target: string): string | undefined {
  if (target.endsWith(".ts")) return callerPath(target);
  if (!Object.hasOwn(runtimes, target)) return undefined;
  return fileURLToPath(new URL(`../runtimes/${target}.ts`, import.meta.url));
}

/** Run `diff` on `args`; answers the exit status. */
export async function runDiffCommand(args: string[]): Promise<number> {
  let values: { width?: string; changed?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        width: { type: "string" },
        changed: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    exitWithUsage(
      describeParseError(error, ["--width", "--changed", "--help"], undefined, args),
      usage,
    );
  }
  if (values.help) {
    console.log(usage);
    return exitStatus.ok;
  }
  if (positionals.length !== 2) {
    exitWithUsage(
      `name two runtimes to compare (got ${positionals.length}); allowed: ${
        listOf(Object.keys(runtimes))
      }, or paths to .ts files`,
      usage,
    );
  }
  const paths = positionals.map((target) => {
    const path = adapterPath(target);
    if (path === undefined) {
      exitWithUsage(
        `unknown runtime '${target}'; allowed: ${
          listOf(Object.keys(runtimes))
        }, or a path to a .ts file`,
        usage,
      );
    }
    return path;
  });
  let width = Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 160;
  if (values.width !== undefined) {
    width = Number(values.width);
    if (!/^\d+$/.test(values.width) || width < widthRange.min || width > widthRange.max) {
      exitWithUsage(
        `--width needs a whole number of columns from ${widthRange.min} to ${widthRange.max} ` +
          `(got '${values.width}')`,
        usage,
      );
    }
  }
  const texts = [];
  for (const path of paths) {
    try {
      texts.push(await Deno.readTextFile(path));
    } catch (error) {
      exitWithUsage(`cannot read ${path}: ${(error as Error).message}`, usage);
    }
  }
  const lines = renderSideBySide(alignSections(texts[0], texts[1]), {
    width,
    color: useColor(Deno.stdout),
    names: [basename(paths[0]), basename(paths[1])],
    changedOnly: values.changed === true,
  });
  const encoder = new TextEncoder();
  try {
    await Deno.stdout.write(encoder.encode(lines.join("\n") + "\n"));
  } catch (error) {
    // A reader that stops early (`| head`) closes the pipe: not our failure.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
  return exitStatus.ok;
}

if (import.meta.main) {
  Deno.exit(await runDiffCommand(Deno.args));
}
