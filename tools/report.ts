/**
 * `deno task report [--out DIR] [--labs NAMES]`: run the labs that can run
 * in virtual time under every runtime, with the tracer, and write a static
 * site that compares them: task timelines stacked by runtime, the
 * semantics matrix, the latest benchmark ratios and the adapters side by
 * side. Every asset is local, so the site works offline.
 *
 *     $ deno task report
 *     report: 7 scenes x 4 runtimes, the matrix, 6 adapter pairs
 *     wrote report/index.html
 *
 *     $ deno task report --out /tmp/site --labs countdown,chess
 *
 * The site is written to a temporary folder beside `DIR` and renamed into
 * place, so an interrupted run leaves the previous report whole. `DIR` is
 * replaced only when it is empty or holds a report this command wrote.
 * Relative paths start from the folder the command was run in; by default
 * the site goes to the project's `report/`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLabFile, isLabFile, printBareYields, printProblems } from "./lab_check.ts";
import type { Lab } from "../labs/lab.ts";
import { UsageError } from "../labs/lab.ts";
import { labs } from "../labs/mod.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { isInstance } from "../runtimes/errors.ts";
import { runtimes, shufflingRuntimeNames } from "../runtimes/registry.ts";
import { scheduleText } from "../runtimes/schedule.ts";
import type { Schedule } from "../runtimes/types.ts";
import {
  callerPath,
  describeParseError,
  exitStatus,
  exitWithUsage,
  listOf,
  onCtrlC,
  shownPath,
} from "./cli.ts";
import { type CapturedRun, captureLab, countTasks, errorLine, type TaskCounts } from "./compare.ts";
import {
  LabFileError,
  labForRun,
  loadLab,
  parseOptions,
  printLabFileError,
  type Values,
} from "./lab.ts";
import {
  announceSeed,
  parseSchedule,
  type ScheduleChoice,
  scheduleOption,
} from "./schedule_option.ts";
import { buildMatrix, type Matrix } from "./matrix.ts";
import { folderMarkers, OutputRefused, refuseForeignFolder } from "./output_folder.ts";
import { showProgress } from "./progress.ts";
import { declaredDifferences } from "./references.ts";
import { type BenchReading, readBenchResults, renderBench } from "./report_bench.ts";
import { type Adapter, renderAdapterDiff } from "./report_diff.ts";
import {
  buildTimeline,
  escapeHtml,
  formatTime,
  type MarkerKind,
  markerLabels,
  renderTimeline,
  spanHeight,
  type SpanKind,
  spanLabels,
  type Timeline,
  timelineDefs,
} from "./report_timeline.ts";

// ---------------------------------------------------------------------------
// Scenes: which labs run, with which options, and what to look for.
// ---------------------------------------------------------------------------

/** One lab run with fixed options under every runtime. */
export interface Scene {
  /** A built-in lab's name, or a lab file's path as the user gave it. */
  lab: string;
  /** The lab's options, as on its command line. */
  args: string[];
  /** The clock its runs use, for the command shown beside them (virtual unless said). */
  clock?: "real" | "virtual";
  /** What the timelines show, in a sentence or two. */
  lesson: string;
  /**
   * Set when the lab uses no runtime (it drives its coroutines by hand):
   * why its runs are shown once, as output, instead of a timeline per
   * runtime, each one root task that only prints. Shown so only while every
   * runtime's run prints the same.
   */
  withoutRuntime?: string;
}

/**
 * The scenes of the built-in labs. A lab that runs in virtual time but is
 * not listed here gets one scene with its default options.
 */
export const scenes: readonly Scene[] = [
  {
    lab: "countdown",
    args: [],
    lesson:
      "Four countdowns sleep and print in turn; the root joins them one by one. The same prints at the same instants under every runtime.",
  },
  {
    lab: "countdown",
    args: ["--blocking"],
    lesson:
      "A blocking sleep holds the whole loop: each countdown runs to its end before the next starts, and the run takes the sum of the delays.",
  },
  {
    lab: "spinner",
    args: ["--display", "plain"],
    lesson:
      "The spinner draws frames while slow() sleeps, then is cancelled: watch how each runtime stops it (a cancel, a halt) at the same instant.",
  },
  {
    lab: "spinner",
    args: ["--display", "plain", "--forget"],
    lesson:
      "Nobody stops the spinner. native leaves it running after its parent returned (an orphan, marked …), generator halts it when the parent's body ends, nursery waits for it until a watchdog fails the run. The watchdog is a moveOnAfter: effection runs it as a race of two tasks of its own (its timer, its operation); effect as Effect's timeoutOption, its operation a task and its timer Effect's sleep; under nursery, generator and native it is a frame of the calling task with a deadline of its own, no task.",
  },
  {
    lab: "chess",
    args: ["--boards", "4", "--moves", "3"],
    lesson:
      "A master plays four boards one at a time, then all at once: while one opponent thinks, the master moves on the next board.",
  },
  {
    lab: "pool",
    args: ["--deadline", "500", "--clients", "4"],
    lesson:
      "Four clients share two connections, each acquired as a resource, and read rows from a cursor's channel. At its deadline a client is cancelled mid-query; its cursor's query task is halted and its connection given back, to the client that waited for it.",
  },
  {
    lab: "coros",
    args: [],
    lesson:
      "Coroutines driven by hand, with next(), then a toy event loop: the printed output is the lesson.",
    withoutRuntime:
      "The lab drives its generators itself, so no runtime schedules anything: under every runtime the run is one task that only prints, the same lines. There is no timeline to compare; the output is shown once.",
  },
];

/** The built-in labs that can run in virtual time. */
export function virtualLabs(): string[] {
  return Object.values(labs).filter((lab) => lab.realClockOnly === undefined).map((lab) =>
    lab.name
  );
}

/**
 * The scenes of the chosen labs: for a built-in lab named alone, its scenes
 * in `scenes` order (or one with its default options); for a lab file, or a
 * lab named with options (`mylab.ts --n 3`, `countdown --blocking`), one
 * scene with those options, in the order given, after the built-in ones.
 */
export function scenesFor(entries: readonly string[]): Scene[] {
  const named = entries.map((entry) => entry.trim().split(/\s+/));
  const alone = named.filter((words) => words.length === 1 && Object.hasOwn(labs, words[0]))
    .map(([name]) => name);
  const chosen = scenes.filter((scene) => alone.includes(scene.lab));
  for (const [lab, ...args] of named) {
    if (args.length === 0 && Object.hasOwn(labs, lab)) {
      if (!chosen.some((scene) => scene.lab === lab)) {
        chosen.push({ lab, args: [], lesson: labs[lab].summary });
      }
      continue;
    }
    const summary = Object.hasOwn(labs, lab) ? labs[lab].summary : `your lab, ${lab}`;
    chosen.push({ lab, args, lesson: `${summary}: run as named on the command line.` });
  }
  return chosen;
}

// ---------------------------------------------------------------------------
// Runs: every scene under every runtime, traced, on a virtual clock.
// ---------------------------------------------------------------------------

/** One runtime's run of a scene. */
export interface RuntimeRun {
  runtime: string;
  outcome: string;
  /** Milliseconds of virtual time. */
  elapsed: number;
  output: string[];
  stderr: string[];
  counts: TaskCounts;
  timeline: Timeline;
}

/** A scene and its runs, one per runtime. */
export interface SceneRuns {
  scene: Scene;
  runs: RuntimeRun[];
  /** The shuffle the runtimes that can shuffle ran with; none for first in, first out. */
  schedule?: Schedule;
  /** What each run that failed threw, for saying where a lab file went wrong. */
  failures?: readonly unknown[];
}

/**
 * The lab of `scene` (built in, or a lab file) with its options parsed;
 * `UsageError` for an unknown lab or a bad option, `LabFileError` for a
 * file that throws when imported.
 */
export async function sceneLab(scene: Scene): Promise<{ lab: Lab<Values>; options: unknown }> {
  const lab = await loadLab(scene.lab);
  if (lab.realClockOnly) {
    throw new UsageError(`lab '${scene.lab}' cannot run in virtual time (${lab.realClockOnly})`);
  }
  const { values, positionals } = parseOptions(lab, scene.args);
  return { lab, options: lab.parse(values, positionals) };
}

/**
 * Run `scene` under every runtime in the registry; a shuffled `schedule`
 * applies to the runtimes that can shuffle.
 */
export async function runScene(scene: Scene, schedule?: Schedule): Promise<SceneRuns> {
  const { lab, options } = await sceneLab(scene);
  const runs: RuntimeRun[] = [];
  const failures: unknown[] = [];
  for (const [index, runtime] of Object.values(runtimes).entries()) {
    const clock = virtualClock();
    const run = await captureLab(runtime, await labForRun(lab, scene.lab, index), options, {
      clock,
      schedule: runtime.shuffles ? schedule : undefined,
    });
    runs.push(runtimeRun(runtime.name, run, clock.now()));
    if (run.outcome === "error") failures.push(run.error);
  }
  return {
    scene,
    runs,
    schedule: schedule?.order === "shuffle" ? schedule : undefined,
    failures,
  };
}

/** One run as a scene shows it: its outcome, counts and timeline. */
export function runtimeRun(runtime: string, run: CapturedRun, endTime: number): RuntimeRun {
  return {
    runtime,
    outcome: run.outcome === "ok"
      ? `exit ${typeof run.value === "number" ? run.value : 0}`
      : `failed: ${errorLine(run.error)}`,
    elapsed: run.elapsed,
    output: run.output,
    stderr: run.stderr,
    counts: countTasks(run.events),
    timeline: buildTimeline(run.events, endTime),
  };
}

// ---------------------------------------------------------------------------
// Pages.
// ---------------------------------------------------------------------------

function page(title: string, assets: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${assets}report.css">
<script src="${assets}report.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to the content</a>
${body}
</body>
</html>
`;
}

/** A scene's element id: its lab's name, or a lab file's path, made safe for an id and a URL. */
function sceneId(scene: Scene, index: number): string {
  return `scene-${index + 1}-${scene.lab.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

function sceneCommand(scene: Scene, runtime: string, schedule?: Schedule): string {
  const shuffled = schedule && runtimes[runtime]?.shuffles
    ? [`--schedule ${scheduleText(schedule)}`]
    : [];
  return [
    `deno task lab ${scene.lab} --runtime ${runtime} --clock ${scene.clock ?? "virtual"}`,
    ...shuffled,
    ...scene.args,
  ].join(" ");
}

/** The legend of the timelines' spans and markers. */
export function legend(): string {
  const spans = (Object.keys(spanLabels) as SpanKind[]).map((kind) => {
    const height = spanHeight(kind);
    return `<li><svg width="28" height="14" aria-hidden="true"><rect x="0" y="${
      7 - height / 2
    }" width="28" height="${height}" class="span span-${kind}"/></svg> ${spanLabels[kind]}</li>`;
  });
  const markers = (Object.keys(markerLabels) as MarkerKind[]).map((kind) =>
    `<li><svg width="14" height="14" aria-hidden="true"><use href="#marker-${kind}" width="14" height="14" class="marker-${kind}"/></svg> ${
      markerLabels[kind]
    }</li>`
  );
  return `<ul class="legend" aria-label="Legend">${[...spans, ...markers].join("")}<li>… ${
    escapeHtml("still alive when the run ended (an orphan)")
  }</li></ul>`;
}

function taskTable(timeline: Timeline): string {
  const rows = timeline.rows.map((row) => {
    const spawned = row.markers.find((marker) => marker.kind === "spawn")?.time ?? 0;
    const ended = row.end === "alive" ? "–" : formatTime(row.spans.at(-1)?.end ?? spawned);
    const prints = row.markers.filter((marker) => marker.kind === "print").length;
    return `<tr><th scope="row">#${row.id} ${escapeHtml(row.name)}</th><td>${
      row.parentId === undefined ? "root" : `#${row.parentId}`
    }</td><td class="number">${formatTime(spawned)}</td><td class="number">${ended}</td><td>${
      row.end === "alive" ? "still alive (orphan)" : row.end
    }</td><td class="number">${prints}</td></tr>`;
  }).join("");
  return `<table class="tasks"><thead><tr><th scope="col">task</th><th scope="col">parent</th><th scope="col">spawned</th><th scope="col">ended</th><th scope="col">how</th><th scope="col">prints</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A scene: its lesson, then each runtime's run, with its timeline, tasks and output. */
export function renderScene(sceneRuns: SceneRuns, index: number): string {
  const { scene, runs, schedule } = sceneRuns;
  const id = sceneId(scene, index);
  const scaleEnd = Math.max(...runs.map((run) => run.timeline.endTime));
  const outputs = new Map<string, string[]>();
  for (const run of runs) {
    const key = run.output.join("\n");
    outputs.set(key, [...(outputs.get(key) ?? []), run.runtime]);
  }
  const sameOutput = outputs.size === 1;
  if (scene.withoutRuntime && sameOutput && runs.every((run) => run.counts.spawned === 1)) {
    return renderOutputOnce(sceneRuns, id);
  }
  const blocks = runs.map((run) => {
    const runId = `${id}-${run.runtime}`;
    const { counts } = run;
    const printed = runs.length === 1
      ? `${plural(run.output.length, "line")} printed`
      : sameOutput
      ? "output the same under every runtime"
      : `output shared with ${
        listOf(outputs.get(run.output.join("\n"))!.filter((name) => name !== run.runtime)) ||
        "no other runtime"
      }`;
    const stderr = run.stderr.length === 0
      ? ""
      : `<details><summary>stderr (${run.stderr.length} lines)</summary><pre class="output">${
        escapeHtml(run.stderr.join("\n"))
      }</pre></details>`;
    return `<div class="run" data-runtime="${run.runtime}">
<h4>${escapeHtml(run.runtime)}</h4>
<p class="command"><code>${escapeHtml(sceneCommand(scene, run.runtime, schedule))}</code></p>
<p class="summary">${escapeHtml(run.outcome)} after ${formatTime(run.elapsed)}; ${
      plural(counts.spawned, "task")
    }, ${counts.cancelled} cancelled, ${plural(counts.errors, "error")}, ${
      plural(counts.orphans, "orphan")
    }; ${printed}</p>
<div class="scroll" tabindex="0" role="region" aria-label="${
      escapeHtml(`${scene.lab} timeline under ${run.runtime}`)
    }">${
      renderTimeline(run.timeline, {
        title: `${scene.lab} ${scene.args.join(" ")} under ${run.runtime}: ${
          plural(run.timeline.rows.length, "task")
        } over ${formatTime(run.timeline.endTime)}`,
        id: `${runId}-timeline`,
        scaleEnd,
      })
    }</div>
<details><summary>Tasks as a table</summary>${taskTable(run.timeline)}</details>
<details><summary>What it printed (${run.output.length} lines)</summary><pre class="output">${
      escapeHtml(run.output.join("\n"))
    }</pre></details>${stderr}
</div>`;
  }).join("\n");
  return `<section class="scene" id="${id}" data-lab="${
    escapeHtml(scene.lab)
  }" aria-labelledby="${id}-heading">
<h3 id="${id}-heading">${escapeHtml([scene.lab, ...scene.args].join(" "))}</h3>
<p>${escapeHtml(scene.lesson)}</p>
${blocks}
</section>`;
}

/** `1 task`, `4 tasks`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * A scene whose lab uses no runtime (`Scene.withoutRuntime`): why, the
 * runtimes it was run under, and its output once.
 */
function renderOutputOnce({ scene, runs }: SceneRuns, id: string): string {
  const output = runs[0].output;
  return `<section class="scene" id="${id}" data-lab="${
    escapeHtml(scene.lab)
  }" aria-labelledby="${id}-heading">
<h3 id="${id}-heading">${escapeHtml([scene.lab, ...scene.args].join(" "))}</h3>
<p>${escapeHtml(scene.lesson)}</p>
<p>${escapeHtml(scene.withoutRuntime!)}</p>
<div class="run" data-runtime="all">
<p class="command"><code>${
    escapeHtml([`deno task lab ${scene.lab} --clock virtual`, ...scene.args].join(" "))
  }</code>, under any <code>--runtime</code></p>
<p class="summary">${
    escapeHtml(`${runs[0].outcome} under ${
      runs.map((run) => run.runtime).join(", ")
    }: ${plural(1, "task")} each, the same output`)
  }</p>
<details open><summary>What it printed (${
    plural(output.length, "line")
  })</summary><pre class="output">${escapeHtml(output.join("\n"))}</pre></details>
</div>
</section>`;
}

/** Escape a Markdown cell, its `code` spans kept as code. */
function markdownCell(text: string): string {
  return escapeHtml(text.replaceAll("\\|", "|")).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function renderMatrix(matrix: Matrix): string {
  const head = [...matrix.runtimes, ...matrix.references.map((reference) => reference.column)]
    .map((name) => `<th scope="col">${escapeHtml(name)}</th>`).join("");
  const rows = matrix.rows.map((row, index) =>
    `<tr><th scope="row"><a href="#probe-${index + 1}">${markdownCell(row.behaviour)}</a></th>${
      [...row.cells, ...row.references.map((reference) => reference.cell)]
        .map((cell) => `<td>${markdownCell(cell)}</td>`).join("")
    }</tr>`
  ).join("\n");
  const differences = declaredDifferences.map((difference, index) => {
    const reference = matrix.references.find((each) => each.library === difference.library);
    const row = matrix.rows.find((each) => each.id === difference.case);
    return `<li id="difference-${index + 1}"><strong>D${index + 1}</strong>, <code>${
      escapeHtml(reference?.runtime ?? "")
    }</code> against ${escapeHtml(reference?.column ?? difference.library)}, ${
      markdownCell(row?.behaviour ?? difference.case)
    }: ${markdownCell(difference.reason)}</li>`;
  }).join("\n");
  const probes = matrix.rows.map((row, index) => {
    const id = `probe-${index + 1}`;
    const scaleEnd = Math.max(...row.runs.map((run) => run.endedAt));
    const timelines = row.runs.map((run, column) => {
      const runtime = matrix.runtimes[column];
      const timeline = buildTimeline(run.events, run.endedAt);
      return `<div class="run" data-runtime="${runtime}"><h4>${escapeHtml(runtime)}</h4>
<p class="summary">${markdownCell(row.cells[column])}</p>
<div class="scroll" tabindex="0" role="region" aria-label="${
        escapeHtml(`probe ${index + 1} under ${runtime}`)
      }">${
        renderTimeline(timeline, {
          title: `${row.behaviour} under ${runtime}: ${plural(timeline.rows.length, "task")}`,
          id: `${id}-${runtime}-timeline`,
          scaleEnd,
        })
      }</div></div>`;
    }).join("\n");
    return `<details class="probe" id="${id}"><summary>${markdownCell(row.behaviour)}</summary>
${timelines}
</details>`;
  }).join("\n");
  return `<p>Each behaviour is a small program (a probe) run under every runtime on a virtual clock; the cells say what it did, as measured by this run. A behaviour's name opens its runs as timelines, below the table. The last two columns are the same probes written in Python for the real trio and asyncio (<code>oracle/</code>, recorded in <code>oracle/results.json</code>); each says whether the runtime that claims the library's model (<code>nursery</code>, <code>native</code>) does the same, or names its declared difference.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Semantics matrix">
<table class="matrix"><thead><tr><th scope="col">behaviour</th>${head}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
<h3>Declared differences</h3>
<ul class="differences">
${differences}
</ul>
<h3>The probes, run by run</h3>
${probes}`;
}

/** Pairs of adapters worth reading side by side: every pair, in registry order. */
export function adapterPairs(names: readonly string[]): [string, string][] {
  return names.flatMap((left, index) =>
    names.slice(index + 1).map((right): [string, string] => [left, right])
  );
}

function pairFile(left: string, right: string): string {
  return `adapters/${left}-${right}.html`;
}

/** Everything the site shows, gathered. */
export interface ReportData {
  sceneRuns: SceneRuns[];
  matrix: Matrix;
  bench: BenchReading;
  adapters: Adapter[];
  /** When the report was made. */
  date: string;
  /** The shuffle the scenes ran with, if they were shuffled. */
  schedule?: Schedule;
}

/** What the page says of a shuffled report: which runtimes shuffled, and how to replay it. */
function shuffleSentence(schedule: Schedule): string {
  return `Under ${shufflingRuntimeNames.join(" and ")}, tasks woken together ran in a shuffled ` +
    `order (--schedule ${scheduleText(schedule)}, which replays it); the other runtimes ran in ` +
    `their own order.`;
}

function renderIndex(data: ReportData): string {
  const pairs = adapterPairs(data.adapters.map((adapter) => adapter.runtime));
  const sceneLinks = data.sceneRuns.map(({ scene }, index) =>
    `<li><a href="#${sceneId(scene, index)}">${
      escapeHtml([scene.lab, ...scene.args].join(" "))
    }</a></li>`
  ).join("");
  const pairLinks = pairs.map(([left, right]) =>
    `<li><a href="${pairFile(left, right)}">${escapeHtml(left)} beside ${
      escapeHtml(right)
    }</a></li>`
  ).join("");
  const body = `<header>
<h1>Concurrency models, side by side</h1>
<p>The same labs under every runtime (${
    escapeHtml(data.adapters.map((adapter) => adapter.runtime).join(", "))
  }), in virtual time. Made ${escapeHtml(data.date)} by <code>deno task report</code>.${
    data.schedule ? ` ${escapeHtml(shuffleSentence(data.schedule))}` : ""
  }</p>
<nav aria-label="Report"><ul>
<li><a href="#timelines">Timelines</a></li>
<li><a href="#matrix">Semantics matrix</a></li>
<li><a href="#bench">Benchmarks</a></li>
<li><a href="#adapters">Adapters side by side</a></li>
</ul></nav>
</header>
<main id="main">
${timelineDefs()}
<section id="timelines" aria-labelledby="timelines-heading">
<h2 id="timelines-heading">Timelines</h2>
<p>One row per task, named, on the lab's clock; the runtimes of a scene share one time scale, so what differs stands out. Hover over a bar or a marker for its details; each timeline also has its tasks as a table, for the keyboard and for screen readers.</p>
${legend()}
<nav aria-label="Scenes"><ul class="toc">${sceneLinks}</ul></nav>
${data.sceneRuns.map(renderScene).join("\n")}
</section>
<section id="matrix" aria-labelledby="matrix-heading">
<h2 id="matrix-heading">Semantics matrix</h2>
${renderMatrix(data.matrix)}
</section>
<section id="bench" aria-labelledby="bench-heading">
<h2 id="bench-heading">Benchmarks</h2>
${renderBench(data.bench)}
</section>
<section id="adapters" aria-labelledby="adapters-heading">
<h2 id="adapters-heading">Adapters side by side</h2>
<p>The three models (native, nursery, generator) share their sections in the same order (instructions, scopes, errors; native adds the run that makes it), and the adapters of the real libraries (effection, effect) theirs (instructions, tasks, scopes, timers, errors, run), so two of them read side by side section by section, with every differing line marked.</p>
<ul class="pairs">${pairLinks}</ul>
</section>
</main>`;
  return page("Concurrency models, side by side", "", body);
}

function renderPairPage(left: Adapter, right: Adapter): string {
  const body = `<header>
<p><a href="../index.html#adapters">Back to the report</a></p>
<h1>${escapeHtml(left.runtime)} beside ${escapeHtml(right.runtime)}</h1>
<p><code>${escapeHtml(left.file)}</code> on the left, <code>${
    escapeHtml(right.file)
  }</code> on the right, aligned section by section.</p>
</header>
<main id="main">
${renderAdapterDiff(left, right)}
</main>`;
  return page(`${left.runtime} beside ${right.runtime}`, "../", body);
}

/** The site's files, by path relative to its folder. */
export async function renderSite(data: ReportData): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const asset of ["report.css", "report.js"]) {
    files.set(asset, await Deno.readTextFile(new URL(`./${asset}`, import.meta.url)));
  }
  files.set("index.html", renderIndex(data));
  const byName = new Map(data.adapters.map((adapter) => [adapter.runtime, adapter]));
  for (const [left, right] of adapterPairs([...byName.keys()])) {
    files.set(pairFile(left, right), renderPairPage(byName.get(left)!, byName.get(right)!));
  }
  files.set(siteMarker, "Written by `deno task report`; the next run may replace this folder.\n");
  return files;
}

// ---------------------------------------------------------------------------
// Writing: into a temporary folder, then renamed into place.
// ---------------------------------------------------------------------------

/** The file that marks a folder as a report this command may replace. */
export const siteMarker = folderMarkers.report;

export { OutputRefused };

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Write `files` as the folder `out`: into a temporary sibling first, then
 * renamed into place (the previous report is removed only after the new one
 * is whole). Refuses to replace a folder that is neither empty nor a report
 * (a workshop handout's included: `tools/output_folder.ts`).
 */
export async function writeSite(
  out: string,
  files: Map<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const target = resolve(out);
  await refuseForeignFolder(out, "report");
  await Deno.mkdir(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.${Deno.pid}.tmp`);
  const previous = join(dirname(target), `.${basename(target)}.${Deno.pid}.old`);
  try {
    for (const [path, text] of files) {
      signal?.throwIfAborted();
      await Deno.mkdir(dirname(join(temporary, path)), { recursive: true });
      await Deno.writeTextFile(join(temporary, path), text);
    }
    const hadPrevious = await exists(target);
    if (hadPrevious) await Deno.rename(target, previous);
    await Deno.rename(temporary, target);
    if (hadPrevious) await Deno.remove(previous, { recursive: true });
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    throw error;
  }
}

// ---------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------

/** Where `deno task bench` writes its results. */
export const defaultBenchPath = fileURLToPath(
  new URL("../bench/results/latest.json", import.meta.url),
);

/** Where the site goes without `--out`: the project's `report/`. */
export const defaultOutPath = fileURLToPath(new URL("../report", import.meta.url));

function usage(): string {
  return [
    "Usage: deno task report [--out DIR] [--labs LABS] [--bench FILE] [--schedule ORDER]",
    "                        [--no-check]",
    "",
    "Runs the labs that can run in virtual time under every runtime, traced, and writes",
    "a static site: task timelines, the semantics matrix, the benchmark ratios and the",
    "adapters side by side. Open DIR/index.html in a browser; it works offline.",
    "Progress goes to stderr; a run of every lab takes about 10 s.",
    "",
    "Options:",
    "      --out DIR      the folder to write (default report); replaced only if empty or a report",
    `      --labs LABS    comma-separated labs (default all: ${listOf(virtualLabs())}), each a`,
    '                     name or a lab file, with its options if any: "mylab.ts --n 3,countdown"',
    "      --bench FILE   benchmark results to chart (default bench/results/latest.json)",
    "      --schedule fifo|shuffle[:SEED]",
    `                     the order of tasks woken together (default fifo); shuffled from SEED`,
    `                     under ${
      shufflingRuntimeNames.join(" and ")
    }, a seed picked and printed if none`,
    "      --no-check     run lab files without type-checking and linting them first",
    "                     (as deno task lab FILE checks them; a problem found is exit 2)",
    "  -h, --help         show this help",
  ].join("\n");
}

/** The adapters of every registered runtime, read from `runtimes/`. */
export async function readAdapters(): Promise<Adapter[]> {
  const adapters: Adapter[] = [];
  for (const runtime of Object.keys(runtimes)) {
    const file = `runtimes/${runtime}.ts`;
    const source = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    adapters.push({ runtime, file, source });
  }
  return adapters;
}

/** Gather everything the report shows for the labs `names`. */
export async function gatherReport(
  names: readonly string[],
  benchPath: string,
  progress: (line: string) => void = () => {},
  signal?: AbortSignal,
  schedule?: Schedule,
): Promise<ReportData> {
  const sceneRuns = [];
  for (const scene of scenesFor(names)) {
    signal?.throwIfAborted();
    progress(`running ${[scene.lab, ...scene.args].join(" ")} under every runtime`);
    sceneRuns.push(await runScene(scene, schedule));
  }
  signal?.throwIfAborted();
  progress("running the semantics probes");
  const matrix = await buildMatrix();
  return {
    sceneRuns,
    matrix,
    bench: await readBenchResults(benchPath),
    adapters: await readAdapters(),
    date: new Date().toISOString(),
    schedule: schedule?.order === "shuffle" ? schedule : undefined,
  };
}

/**
 * Type-check and lint each lab file among `entries` as `deno task lab` does
 * (`lab_check.ts`): false after printing the problems of those that have
 * some. A file that cannot be checked here (the process may not run
 * `deno`) is said to be unchecked, and runs.
 */
async function labFilesPassCheck(entries: readonly string[]): Promise<boolean> {
  const files = new Set(
    entries.map((entry) => entry.trim().split(/\s+/)[0]).filter((name) => isLabFile(name)),
  );
  let pass = true;
  for (const file of files) {
    const path = callerPath(file);
    try {
      if (!(await Deno.stat(path)).isFile) continue;
    } catch {
      continue; // Loading it says what is wrong with the path.
    }
    const problems = await checkLabFile(path);
    if (problems === undefined) {
      console.error(
        `warning: ${file} was not type-checked or linted: this process may not run deno ` +
          "(--allow-run=deno, which the report task grants)",
      );
    } else if (problems.length > 0) {
      printProblems(file, problems);
      pass = false;
    }
  }
  return pass;
}

/** Run `report` on `args`; answers the exit status. */
export async function runReportCommand(args: string[]): Promise<number> {
  const options = {
    out: { type: "string" },
    labs: { type: "string" },
    bench: { type: "string" },
    schedule: { type: "string" },
    "no-check": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  let values: {
    out?: string;
    labs?: string;
    bench?: string;
    schedule?: string;
    "no-check"?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    exitWithUsage(
      describeParseError(
        error,
        ["--out", "--labs", "--bench", "--schedule", "--no-check", "--help"],
        (name) => name === "schedule" ? scheduleOption.forms : undefined,
        args,
      ),
      usage(),
    );
  }
  if (values.help) {
    console.log(usage());
    return exitStatus.ok;
  }
  const allowed = virtualLabs();
  const names = values.labs === undefined
    ? allowed
    : values.labs.split(",").map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) {
    exitWithUsage(`--labs needs at least one lab; allowed: ${listOf(allowed)}`, usage());
  }
  const allowedHere = listOf([...allowed, "a file.ts"]);
  for (const name of names.map((entry) => entry.split(/\s+/)[0])) {
    if (allowed.includes(name) || isLabFile(name)) continue;
    const reason = Object.hasOwn(labs, name) ? labs[name].realClockOnly : undefined;
    exitWithUsage(
      reason
        ? `lab '${name}' cannot run in virtual time (${reason}); allowed: ${allowedHere}`
        : `unknown lab '${name}'; allowed: ${allowedHere}`,
      usage(),
    );
  }
  let schedule: ScheduleChoice;
  try {
    schedule = parseSchedule(values.schedule);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    exitWithUsage(error.message, usage());
  }
  // Each lab file is checked as `deno task lab` checks it, before it is loaded.
  if (!values["no-check"] && !(await labFilesPassCheck(names))) return exitStatus.usage;
  // Every lab file is loaded, and every lab's options parsed, before the
  // work: a mistake in the last one is said at once.
  for (const scene of scenesFor(names)) {
    try {
      await sceneLab(scene);
    } catch (error) {
      if (isInstance(error, LabFileError)) {
        printLabFileError(error);
        return exitStatus.failed;
      }
      if (!isInstance(error, UsageError)) throw error;
      exitWithUsage(`--labs '${[scene.lab, ...scene.args].join(" ")}': ${error.message}`, usage());
    }
  }
  const out = values.out === undefined ? defaultOutPath : callerPath(values.out);
  // Checked now as well as when writing, so that a refusal comes before the work.
  await refuseForeignFolder(out, "report");
  // Results named on the command line must be there: only the default
  // path may be absent (the page then says how to write them).
  const benchPath = values.bench === undefined ? defaultBenchPath : callerPath(values.bench);
  if (values.bench !== undefined) {
    const reading = await readBenchResults(benchPath);
    if (reading.kind !== "results") {
      const problem = reading.kind === "absent"
        ? "does not exist"
        : `cannot be read (${reading.reason})`;
      exitWithUsage(
        `--bench ${values.bench} ${problem}; name a results file that \`deno task bench\` wrote`,
        usage(),
      );
    }
  }

  // Ctrl-C stops between steps; a half-written site is removed, the previous one kept.
  // Later Ctrl-Cs change nothing: stopping is already under way, and quick.
  const interrupt = onCtrlC(() => {});
  // Each scene, the probes, then the site.
  announceSeed(schedule);
  const progress = showProgress("report", scenesFor(names).length + 2);
  let data: ReportData;
  try {
    data = await gatherReport(
      names,
      benchPath,
      (line) => progress.step(line),
      interrupt.signal,
      schedule.schedule,
    );
    progress.step("writing the site");
    await writeSite(out, await renderSite(data), interrupt.signal);
    progress.done();
    // A bare yield the runtimes refused, pointed at in the lab file as `lab` does.
    for (const { scene, failures } of data.sceneRuns) {
      await printBareYields(scene.lab, failures ?? []);
    }
  } catch (error) {
    progress.done();
    if (!interrupt.signal.aborted) throw error;
    console.error("interrupted: the report was not written");
    return exitStatus.interrupted;
  } finally {
    interrupt.stop();
  }
  console.log(
    `report: ${data.sceneRuns.length} scenes x ${data.adapters.length} runtimes, the matrix, ${
      adapterPairs(data.adapters.map((adapter) => adapter.runtime)).length
    } adapter pairs; benchmarks: ${data.bench.kind}`,
  );
  console.log(`wrote ${shownPath(join(out, "index.html"))}`);
  return exitStatus.ok;
}

if (import.meta.main) {
  try {
    Deno.exit(await runReportCommand(Deno.args));
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof OutputRefused)) throw error;
    exitWithUsage(error.message, usage());
  }
}
