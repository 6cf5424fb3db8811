/**
 * The report's adapter pages: two runtimes' sources side by side, aligned
 * section by section (`tools/diff.ts` does the aligning, with the `diff`
 * package), highlighted by highlight.js, every differing line marked with a
 * sign as well as a colour.
 *
 * @module
 */

import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import { type AlignedSection, alignSections, type Row } from "./diff.ts";
import { escapeHtml } from "./report_timeline.ts";

hljs.registerLanguage("typescript", typescript);

/**
 * Highlight TypeScript source and cut the markup into one HTML fragment per
 * line. highlight.js marks up the whole file (a comment or a template
 * literal may span lines), so a span open at a line's end is closed there
 * and opened again on the next line.
 */
export function highlightLines(source: string): string[] {
  const html = hljs.highlight(source.replace(/\n$/, ""), { language: "typescript" }).value;
  const lines: string[] = [];
  const open: string[] = [];
  for (const line of html.split("\n")) {
    let text = open.join("") + line;
    for (const tag of line.matchAll(/<span[^>]*>|<\/span>/g)) {
      if (tag[0] === "</span>") open.pop();
      else open.push(tag[0]);
    }
    text += "</span>".repeat(open.length);
    lines.push(text);
  }
  return lines;
}

const markWords: Record<Row["mark"], string> = {
  " ": "same",
  "|": "changed",
  "<": "only left",
  ">": "only right",
};

const markSigns: Record<Row["mark"], string> = { " ": "", "|": "~", "<": "−", ">": "+" };

/** One adapter: its runtime name, file name and source. */
export interface Adapter {
  runtime: string;
  file: string;
  source: string;
}

/** Count the rows of a section by mark. */
function countMarks(section: AlignedSection): Record<Row["mark"], number> {
  const counts = { " ": 0, "|": 0, "<": 0, ">": 0 };
  for (const row of section.rows) counts[row.mark]++;
  return counts;
}

function sectionId(heading: string): string {
  return `section-${heading.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}

/**
 * The body of an adapter page: a table of contents by section, then each
 * section as a table of aligned rows (line number, code, line number,
 * code), the mark column saying how the two sides relate.
 */
export function renderAdapterDiff(left: Adapter, right: Adapter): string {
  const sections = alignSections(left.source, right.source);
  const leftLines = highlightLines(left.source);
  const rightLines = highlightLines(right.source);
  const toc = sections.map((section) => {
    const counts = countMarks(section);
    const changed = counts["|"] + counts["<"] + counts[">"];
    return `<li><a href="#${sectionId(section.heading)}">${escapeHtml(section.heading)}</a> ` +
      `<span class="counts">${counts[" "]} same, ${changed} different</span></li>`;
  }).join("");
  const cell = (line: { number: number } | undefined, lines: string[], side: string) =>
    line
      ? `<td class="number">${line.number}</td><td class="code ${side}"><code>${
        lines[line.number - 1] ?? ""
      }</code></td>`
      : `<td class="number"></td><td class="code ${side} empty"></td>`;
  const tables = sections.map((section) => {
    const counts = countMarks(section);
    const rows = section.rows.map((row) => {
      const word = markWords[row.mark];
      return `<tr class="row-${word.replace(" ", "-")}" data-mark="${word}">${
        cell(row.left, leftLines, "left")
      }<td class="mark" title="${word}"><span class="visually-hidden">${word}</span>` +
        `<span aria-hidden="true">${markSigns[row.mark]}</span></td>${
          cell(row.right, rightLines, "right")
        }</tr>`;
    }).join("\n");
    const where = (side: AlignedSection["left"]) =>
      side ? `lines ${side.firstLine}–${side.firstLine + side.lines.length - 1}` : "absent";
    return `<section class="diff-section" id="${sectionId(section.heading)}">
<h3>${escapeHtml(section.heading)}</h3>
<p class="counts">${escapeHtml(left.file)} ${where(section.left)}, ${escapeHtml(right.file)} ${
      where(section.right)
    }: ${counts[" "]} same, ${counts["|"]} changed, ${counts["<"]} only in ${
      escapeHtml(left.runtime)
    }, ${counts[">"]} only in ${escapeHtml(right.runtime)}</p>
<div class="scroll"><table class="diff" data-left="${escapeHtml(left.runtime)}" data-right="${
      escapeHtml(right.runtime)
    }">
<colgroup><col class="number"><col><col class="mark"><col class="number"><col></colgroup>
<thead><tr><th scope="col" colspan="2">${
      escapeHtml(left.file)
    }</th><th scope="col"><span class="visually-hidden">how the lines relate</span></th><th scope="col" colspan="2">${
      escapeHtml(right.file)
    }</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
  }).join("\n");
  return `<nav aria-label="Sections"><ol class="toc">${toc}</ol></nav>
<p class="legend">Marks: <span class="mark-sample row-changed">~ changed</span> <span class="mark-sample row-only-left">− only in ${
    escapeHtml(left.runtime)
  }</span> <span class="mark-sample row-only-right">+ only in ${
    escapeHtml(right.runtime)
  }</span>; unmarked lines are the same.</p>
${tables}`;
}
