/**
 * `deno task workshop --handout DIR`: the workshop for the teacher, as one
 * printable HTML page (`DIR/index.html`) that needs no network: the steps,
 * what to read and predict, the commands, the output each command prints
 * (run here and now, in virtual time where the lab allows, never typed
 * in), what to notice, and the exercises with their starting files.
 *
 * The CSS is inline and there is no script. The folder is the handout's
 * own, marked by a `.kit-handout` file: a folder that is neither new, nor
 * empty, nor a previous handout is refused (a report's among them), and
 * only the handout's own files are rewritten there, the others kept.
 *
 * @module
 */

import { join } from "node:path";
import { UsageError } from "../labs/lab.ts";
import { exercises } from "../exercises/mod.ts";
import { escapeHtml } from "./report_timeline.ts";
import { folderMarkers, OutputRefused, refuseForeignFolder } from "./output_folder.ts";
import { exerciseFolder } from "./exercise.ts";
import { markEveryRunVarying, maskPortsAndPaths } from "./run_varying.ts";
import { type LabOutput, notesOf, runLab, sourceLines } from "./workshop_run.ts";
import { commandOf, type Step, type StepRun, steps } from "./workshop_steps.ts";

const css = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b66; --rule: #d0d0d7; --code: #f4f4f7; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, sans-serif; color: var(--ink); max-width: 62rem; margin: 0 auto;
  padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
p, ul { margin: .4rem 0; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
code { background: var(--code); padding: 0 .2em; border-radius: 3px; }
pre { background: var(--code); padding: .6rem .8rem; border-radius: 4px; overflow-x: auto;
  white-space: pre; tab-size: 8; }
pre.command { background: #1d1d1f; color: #f4f4f7; }
pre.command::before { content: "$ "; color: #9a9aa6; }
.label { color: var(--muted); font-size: .9rem; font-style: italic;
  margin: .8rem 0 .1rem; }
.stderr { color: #9a3412; }
.measured { background: #fef3c7; border-bottom: 1px dotted #b45309; }
pre.output.measured { border-left: 4px solid #d97706; border-bottom: none; }
.predict { border-left: 4px solid #2563eb; padding-left: .8rem; }
.notice { border-left: 4px solid #16a34a; padding-left: .8rem; }
nav ol { columns: 2; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section.step, section.exercise { break-inside: auto; }
  h2 { break-after: avoid; }
  /* Wide tables (the latency lab's) shrink and wrap on paper rather than run off the page. */
  pre { white-space: pre-wrap; break-inside: avoid; font-size: 7.5pt; }
  pre.command { background: none; color: var(--ink); border: 1px solid var(--rule); }
}
`;

/** What building the handout goes by: where the labs save files, and Ctrl-C. */
interface Build {
  folder: string;
  signal?: AbortSignal;
}

/** Run `run` for the handout: halted by Ctrl-C, which then stops the build (an `AbortError`). */
async function runLabFor(build: Build, run: StepRun): Promise<LabOutput> {
  build.signal?.throwIfAborted();
  const output = await runLab(run, { folder: build.folder, signal: build.signal });
  build.signal?.throwIfAborted();
  return output;
}

/** Around a measured figure until the line is escaped: characters no lab prints. */
const measuredStart = "\uE000";
const measuredEnd = "\uE001";

/** `lines` escaped for HTML, each figure between the marks above in a `<span class="measured">`. */
function measuredHtml(lines: readonly string[]): string[] {
  return lines.map((line) =>
    escapeHtml(line).replace(
      new RegExp(`${measuredStart}([^${measuredEnd}]*)${measuredEnd}`, "g"),
      '<span class="measured">$1</span>',
    )
  );
}

/**
 * What a real-clock run printed, as the handout shows it, in HTML: each
 * figure measured on this machine (durations, rates, counts of requests) in
 * a `<span class="measured">`, but for a figure given in the command
 * (`--delay 200`: `delay 200 ms`); ports and temporary paths, which mean
 * nothing on another run, written `…`; and the lines that come in the order
 * the work ended (`run.unordered`) sorted, in their places. So two builds of
 * the handout differ in the marked figures alone.
 */
export function realTimeHtml(run: StepRun, lines: readonly string[]): string[] {
  const marked = lines.map((line) =>
    markEveryRunVarying(line, run.args, (number) => `${measuredStart}${number}${measuredEnd}`)
  );
  const unordered = run.unordered;
  if (unordered) {
    const sorted = marked.filter((line) => unordered.test(line)).sort();
    for (const [index, line] of marked.entries()) {
      if (unordered.test(line)) marked[index] = sorted.shift()!;
    }
  }
  return measuredHtml(marked);
}

/**
 * One run's command and the output it printed when the handout was built
 * (lab files saved in `folder`), said to be one of three kinds: the same on
 * every run (virtual time); measured here, figure by figure (real time:
 * {@link realTimeHtml}); or measured here as a whole (a lab that measures
 * the machine: all its figures are this machine's, beside the workshop's).
 */
async function runBlock(run: StepRun, build: Build, skip = 0): Promise<string> {
  const output = await runLabFor(build, run);
  const command = `<pre class="command">${escapeHtml(commandOf(run))}</pre>`;
  const after = skip > 0 ? ", after its title line" : "";
  const failure = output.failure ? [output.failure] : [];
  if (output.measuresHost !== undefined) {
    const lines = [...output.lines.slice(skip), ...output.stderr, ...failure].map((line) =>
      maskPortsAndPaths(line, "…")
    );
    return [
      command,
      `<p class="label">prints (every figure <span class="measured">measured</span> on the ` +
      `machine that built this page, at that moment; the workshop's columns beside them${after})` +
      `</p>`,
      `<pre class="output measured">${escapeHtml(lines.join("\n"))}</pre>`,
    ].join("\n");
  }
  const real = output.clock === "real";
  const shown = (lines: readonly string[]) =>
    real ? realTimeHtml(run, lines) : lines.map(escapeHtml);
  const printed = shown(output.lines.slice(skip));
  const stderr = shown([...output.stderr, ...failure]).map((line) =>
    `<span class="stderr">${line}</span>`
  );
  const label = real
    ? `real time: each <span class="measured">figure marked</span> was measured on the machine ` +
      "that built this page and differs from run to run; ports written …" +
      `${
        run.unordered ? "; the lines of each code sorted, as they come in the order answered" : ""
      }`
    : "virtual time: the same on every run";
  return [
    command,
    `<p class="label">prints (${label}${after})</p>`,
    `<pre class="output ${real ? "real-time" : "reproducible"}">${
      [...printed, ...stderr].join("\n")
    }</pre>`,
  ].join("\n");
}

async function stepSection(step: Step, number: number, build: Build): Promise<string> {
  const parts = [
    `<section class="step" id="step-${number}">`,
    `<h2>Step ${number}: ${escapeHtml(step.title)}</h2>`,
    `<p><strong>Read:</strong> ${
      step.read.map((path) => `<code>${escapeHtml(path)}</code>`).join(", ")
    }</p>`,
    `<p>${escapeHtml(step.intro.join(" "))}</p>`,
  ];
  const prediction = step.prediction;
  if (prediction?.kind === "question") {
    parts.push(
      `<p class="predict"><strong>Predict:</strong> ${escapeHtml(prediction.question)}</p>`,
    );
  }
  if (prediction?.kind === "output") {
    const [heading, ...source] = await sourceLines(step);
    parts.push(
      `<p class="label">${escapeHtml(heading)}</p>`,
      `<pre class="source">${escapeHtml(source.join("\n"))}</pre>`,
      `<p class="predict"><strong>Predict</strong> ${
        escapeHtml(prediction.what)
      }, before running:</p>`,
      await runBlock(prediction.run, build, prediction.skip),
    );
  }
  for (const run of step.runs) parts.push(await runBlock(run, build));
  const notice = [escapeHtml(step.notice.join(" "))];
  if (step.explain) {
    const notes = notesOf((await runLabFor(build, step.explain)).lines);
    notice.push(
      `From <code>${escapeHtml(commandOf(step.explain))}</code>: ${escapeHtml(notes.join(" "))}`,
    );
  }
  parts.push(
    `<div class="notice"><p><strong>What to notice:</strong> ${notice.join("</p><p>")}</p></div>`,
  );
  if (step.more) {
    parts.push(
      `<p class="label">try also</p>`,
      `<pre class="command-list">${escapeHtml(step.more.join("\n"))}</pre>`,
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

/** Inline Markdown: `code` and **strong**, on escaped text. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

/**
 * The Markdown of the exercises' statements as HTML: paragraphs, `- `
 * lists, fenced code and inline code (all they use); the `# ` title is
 * left out, the section has its own.
 */
export function markdownToHtml(markdown: string): string {
  const html: string[] = [];
  const lines = markdown.replace(/\n$/, "").split("\n");
  let paragraph: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join(" "))}</p>`);
    if (list.length) {
      html.push(`<ul>${list.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`);
    }
    paragraph = [];
    list = [];
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith("```")) {
      flush();
      const code: string[] = [];
      while (++index < lines.length && !lines[index].startsWith("```")) code.push(lines[index]);
      html.push(`<pre>${escapeHtml(code.join("\n"))}</pre>`);
    } else if (line.startsWith("# ")) {
      flush();
    } else if (line.startsWith("- ")) {
      if (paragraph.length) flush();
      list.push(line.slice(2));
    } else if (line.startsWith("  ") && list.length) {
      list[list.length - 1] += ` ${line.trim()}`;
    } else if (line.trim() === "") {
      flush();
    } else {
      if (list.length) flush();
      paragraph.push(line);
    }
  }
  flush();
  return html.join("\n");
}

async function exerciseSection(): Promise<string> {
  const parts = [
    `<section class="exercises" id="exercises">`,
    `<h2>Exercises</h2>`,
    `<p>Each exercise is a statement, a starting file and a checker. Copy the starting file ` +
    `beside itself (its imports are relative), edit it, and check it: the checker runs it under ` +
    `every runtime, in virtual time, and says what is right and what is not, with a hint.</p>`,
  ];
  for (const exercise of exercises) {
    const folder = exerciseFolder(exercise);
    const statement = await Deno.readTextFile(join(folder, "README.md"));
    const start = await Deno.readTextFile(join(folder, "start.ts"));
    const path = `exercises/${exercise.folder}`;
    parts.push(
      `<section class="exercise" id="exercise-${exercise.number}">`,
      `<h3>Exercise ${exercise.number}: ${escapeHtml(exercise.title)}</h3>`,
      markdownToHtml(statement),
      `<p class="label">start from ${escapeHtml(path)}/start.ts</p>`,
      `<pre class="source">${escapeHtml(start.replace(/\n$/, ""))}</pre>`,
      `<pre class="command">${
        escapeHtml(`deno task exercise check ${exercise.number} ${path}/mine.ts`)
      }</pre>`,
      `</section>`,
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

/**
 * The handout as one HTML page. The labs' files (the flags) are saved in a
 * temporary folder, removed after, however the build ends. `progress` hears
 * of each step as it starts; once `signal` aborts (Ctrl-C), the lab running
 * is halted and the build stops with its reason.
 */
export async function buildHandout(
  options: { signal?: AbortSignal; progress?: (what: string) => void } = {},
): Promise<string> {
  const sections: string[] = [];
  const folder = await Deno.makeTempDir({ prefix: "kit-handout-" });
  try {
    for (const [index, step] of steps.entries()) {
      options.progress?.(`step ${index + 1}: ${step.title}`);
      sections.push(await stepSection(step, index + 1, { folder, signal: options.signal }));
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
  const toc = steps.map((step, index) =>
    `<li><a href="#step-${index + 1}">${escapeHtml(step.title)}</a></li>`
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Concurrency models, side by side: the workshop</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>Concurrency models, side by side: the workshop</h1>
<p>The steps of <code>deno task workshop</code>, for the teacher: what to read, what to predict,
what to run and what it prints, and what to notice; then the exercises. Every output below was
printed by the command above it when this page was built. Where a lab runs in virtual time, its
output is the same on every run and every machine. Where it runs in real time, each figure
<span class="measured">marked so</span> was measured on the machine that built this page, at that
moment, and will differ on yours; ports are written …. Paths start from the kit's folder.</p>
</header>
<nav><h2>Steps</h2><ol>
${toc}
<li><a href="#exercises">Exercises</a></li>
</ol></nav>
<main>
${sections.join("\n")}
${await exerciseSection()}
</main>
</body>
</html>
`;
}

/** What the handout's marker file says. */
const markerText = "Written by `deno task workshop --handout`: the next run rewrites index.html " +
  "here, and leaves every other file as it is.\n";

/** The handout's files, by name: what it writes, and all it ever touches in its folder. */
export const handoutFiles = ["index.html", folderMarkers.handout] as const;

/**
 * Write the handout page `html` into `folder`: made if new, refused unless
 * it is empty or a previous handout (never a report's folder, nor anyone's
 * own files). Only its own files are written, each under a temporary name
 * renamed into place; whatever else is in the folder (a teacher's notes)
 * is kept.
 */
export async function writeHandoutFiles(folder: string, html: string, shown = folder) {
  await refuseForeignFolder(folder, "handout", shown);
  await Deno.mkdir(folder, { recursive: true });
  // The marker first: a folder with the handout's page in it is always marked as the handout's.
  for (const [name, text] of [[folderMarkers.handout, markerText], ["index.html", html]]) {
    const path = join(folder, name);
    const temporary = join(folder, `.${name}.${Deno.pid}.tmp`);
    try {
      await Deno.writeTextFile(temporary, text);
      await Deno.rename(temporary, path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw error;
    }
  }
}

/**
 * Build the handout and write it into `folder` (`shown` as the user named
 * it). A folder it may not write into is refused before the labs run, and
 * again before writing, should it have changed meanwhile: a `UsageError`.
 */
export async function writeHandout(
  folder: string,
  shown = folder,
  options: { signal?: AbortSignal; progress?: (what: string) => void } = {},
): Promise<void> {
  try {
    await refuseForeignFolder(folder, "handout", shown);
    const html = await buildHandout(options);
    options.progress?.("writing the page");
    await writeHandoutFiles(folder, html, shown);
  } catch (error) {
    if (error instanceof OutputRefused) throw new UsageError(error.message);
    throw error;
  }
}
