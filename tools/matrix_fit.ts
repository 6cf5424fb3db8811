/**
 * The semantics matrix as text that fits a terminal: `deno task matrix` on
 * a terminal, or with `--width N`. The Markdown table is as wide as its
 * longest cells put side by side (over 400 columns), which a terminal wraps
 * into an unreadable mess; here each behaviour is a heading, and under it
 * one line per runtime, wrapped under its own text.
 *
 *     a task's body returns while a child still runs
 *       native     the child runs on, detached (done at 10 ms)
 *       nursery    the task waits for the child
 *
 * @module
 */

import { formatDifferences, type Matrix } from "./matrix.ts";

/** Words of `text` in lines of at most `width` columns; a longer word is cut. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = "";
    }
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * `matrix` in lines of at most `width` columns: a heading per behaviour, a
 * line per runtime and per reference library, then the declared differences
 * the reference cells point at.
 */
export function fitMatrix(matrix: Matrix, width: number): string {
  const names = [...matrix.runtimes, ...matrix.references.map((reference) => reference.column)];
  const nameWidth = Math.max(...names.map((name) => name.length));
  const indent = 2 + nameWidth + 2;
  const out: string[] = [];
  const entry = (name: string, text: string) => {
    // The cells are escaped for Markdown; plain text shows them as they are.
    const [first, ...rest] = wrapWords(
      text.replaceAll("\\|", "|").replaceAll("`", ""),
      width - indent,
    );
    out.push(`  ${name.padEnd(nameWidth)}  ${first}`);
    for (const line of rest) out.push(" ".repeat(indent) + line);
  };
  for (const row of matrix.rows) {
    if (out.length > 0) out.push("");
    out.push(...wrapWords(row.behaviour, width));
    row.cells.forEach((cell, column) => entry(matrix.runtimes[column], cell));
    row.references.forEach((reference, column) =>
      entry(matrix.references[column].column, reference.cell)
    );
  }
  const differences = declaredDifferenceLines(matrix);
  if (differences.length > 0) {
    out.push("", ...wrapWords("declared differences", width));
    for (const [mark, text] of differences) entry(mark, text);
  }
  return out.join("\n");
}

/** Each declared difference as its mark and one line of text: what is compared, where, and why. */
function declaredDifferenceLines(matrix: Matrix): [string, string][] {
  if (matrix.references.length === 0) return [];
  // The Markdown table's rows, less its heading and rule.
  return formatDifferences(matrix).slice(2).map((line) => {
    const [mark, compared, behaviour, why] = line.split(/(?<!\\)\|/).slice(1, -1).map((cell) =>
      cell.trim()
    );
    return [mark, `${compared}, ${behaviour}: ${why}`];
  });
}
