/**
 * The report's benchmark section: the ratios `deno task bench` wrote to
 * `bench/results/latest.json`, drawn as bars with the numbers and goals
 * written beside them.
 *
 * @module
 */

import { shownPath } from "./cli.ts";
import { escapeHtml } from "./report_timeline.ts";

/** One runtime's figures in one scenario, as `bench/runtimes.ts` writes them. */
interface BenchRow {
  name: string;
  median: number | null;
  ratio: number | null;
  goal: string | null;
  metPromises: boolean | null;
  error: string | null;
}

/** A goal of one contender against another, such as the kit's generator against native Effect. */
interface BenchVersus {
  name: string;
  against: string;
  goal: string;
  ratio: number | null;
  met: boolean | null;
  note: string | null;
}

interface BenchScenario {
  /** How the report titles it; the two first scenarios have titles of their own. */
  title?: string;
  unit: string;
  reps: number;
  rows: BenchRow[];
  /** Spawn+join only: each runtime's median over its floor's (`bench/floor.ts`). */
  againstFloors?: { name: string; floor: string; ratio: number }[];
  versus?: BenchVersus[];
}

/**
 * The parts of `latest.json` the report draws: the two first scenarios by
 * name, and any other key holding a scenario with a title, in file order.
 */
export interface BenchResults {
  date: string;
  tasks: number;
  deno: { deno: string };
  spawnJoin: BenchScenario;
  suspendedHeap: BenchScenario;
  [scenario: string]: unknown;
}

/** What reading the results file gave: results, or why there are none. */
export type BenchReading =
  | { kind: "results"; path: string; results: BenchResults }
  | { kind: "absent"; path: string }
  | { kind: "unreadable"; path: string; reason: string };

function isScenario(value: unknown): value is BenchScenario {
  const scenario = value as BenchScenario;
  return typeof scenario === "object" && scenario !== null && Array.isArray(scenario.rows) &&
    scenario.rows.every((row) =>
      typeof row?.name === "string" && (row.ratio === null || typeof row.ratio === "number")
    );
}

/** Read and check the benchmark results at `path`. */
export async function readBenchResults(path: string): Promise<BenchReading> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "absent", path };
    return { kind: "unreadable", path, reason: (error as Error).message };
  }
  try {
    const results = JSON.parse(text) as BenchResults;
    if (!isScenario(results?.spawnJoin) || !isScenario(results?.suspendedHeap)) {
      return { kind: "unreadable", path, reason: "it lacks spawnJoin or suspendedHeap rows" };
    }
    return { kind: "results", path, results };
  } catch (error) {
    return { kind: "unreadable", path, reason: `not JSON: ${(error as Error).message}` };
  }
}

/** The number a goal such as `<= 3x` allows, if it is a ratio. */
function goalRatio(goal: string | null): number | undefined {
  const match = goal?.match(/^<=\s*([\d.]+)x$/);
  return match ? Number(match[1]) : undefined;
}

function formatRatio(ratio: number): string {
  return ratio >= 100 ? `${Math.round(ratio)}x` : `${ratio.toFixed(2)}x`;
}

/**
 * One scenario as a table of bars: a bar's length is its ratio to raw
 * promises (on a logarithmic scale when the ratios span more than a factor
 * of twenty), the goal drawn as a rule across it and written out.
 */
function renderScenario(title: string, scenario: BenchScenario, unit: string): string {
  const ratios = scenario.rows.flatMap((row) => row.ratio === null ? [] : [row.ratio]);
  const goals = scenario.rows.flatMap((row) => goalRatio(row.goal) ?? []);
  const top = Math.max(1, ...ratios, ...goals) * 1.1;
  const low = Math.min(1, ...ratios) / 1.5;
  const logarithmic = top / low > 20;
  const position = (ratio: number) =>
    100 * (logarithmic ? Math.log(ratio / low) / Math.log(top / low) : ratio / top);
  const rows = scenario.rows.map((row) => {
    const goal = goalRatio(row.goal);
    const verdict = row.metPromises === null ? "" : row.metPromises ? "met" : "missed";
    const bar = row.ratio === null
      ? `<span class="failed">failed: ${escapeHtml(row.error ?? "no result")}</span>`
      : `<div class="bar-track"><div class="bar ${
        row.name === "promises" ? "bar-baseline" : ""
      }" style="width:${position(row.ratio).toFixed(1)}%"></div>${
        goal === undefined
          ? ""
          : `<div class="goal-rule" style="left:${position(goal).toFixed(1)}%" title="goal ${
            escapeHtml(row.goal!)
          }"></div>`
      }</div>`;
    return `<tr data-runtime="${escapeHtml(row.name)}"><th scope="row">${
      escapeHtml(row.name)
    }</th><td class="bar-cell">${bar}</td><td class="number">${
      row.ratio === null ? "–" : formatRatio(row.ratio)
    }</td><td class="number">${
      row.median === null ? "–" : escapeHtml(unitOf(row.median, unit))
    }</td><td>${row.goal ? `${escapeHtml(row.goal)} <strong>${verdict}</strong>` : ""}</td></tr>`;
  }).join("\n");
  return `<figure class="bench-chart">
<figcaption>${escapeHtml(title)}${
    logarithmic ? " (bars on a logarithmic scale; the numbers are exact)" : ""
  }</figcaption>
<div class="scroll" tabindex="0" role="region" aria-label="${escapeHtml(title)}">
<table class="bars"><thead><tr><th scope="col">runtime</th><th scope="col">ratio to raw promises</th><th scope="col">ratio</th><th scope="col">median</th><th scope="col">goal</th></tr></thead>
<tbody>
${rows}
</tbody></table></div></figure>`;
}

/** A sentence on each runtime against its floor, when the results have floors. */
function renderFloors(scenario: BenchScenario): string {
  const floors = Array.isArray(scenario.againstFloors) ? scenario.againstFloors : [];
  if (floors.length === 0) return "";
  const list = floors.map(({ name, floor, ratio }) =>
    `<code>${escapeHtml(String(name))}</code> ${formatRatio(Number(ratio))} the ${
      escapeHtml(String(floor))
    }`
  );
  return `<p data-bench="floors">The floors are two drivers that know only spawn and join (<code>bench/floor.ts</code>): no cancellation, cleanup, errors or tracing; children queued first in first out, as under <code>generator</code> and <code>nursery</code>, or run at once, as under <code>native</code>. They are what any runtime of these verbs costs at the least. Each runtime against its floor: ${
    list.join(", ")
  }.</p>`;
}

/** A sentence per goal against another contender, when the scenario has any. */
function renderVersus(scenario: BenchScenario): string {
  const goals = Array.isArray(scenario.versus) ? scenario.versus : [];
  if (goals.length === 0) return "";
  const items = goals.map(({ name, against, goal, ratio, met, note }) =>
    `<li><code>${escapeHtml(String(name))}</code> against ${escapeHtml(String(against))}: ${
      escapeHtml(String(goal))
    }: ${
      typeof ratio === "number"
        ? `${formatRatio(ratio)} <strong>${met ? "met" : "missed"}</strong>`
        : escapeHtml(String(note ?? "not measured"))
    }</li>`
  );
  return `<ul data-bench="versus">${items.join("")}</ul>`;
}

function unitOf(value: number, unit: string): string {
  return unit === "ms"
    ? `${value.toFixed(1)} ms`
    : `${Math.round(value).toLocaleString("en-US")} B`;
}

/** The benchmark section's body for what `readBenchResults` found. */
export function renderBench(reading: BenchReading): string {
  if (reading.kind === "absent") {
    return `<p class="notice" data-bench="absent">No benchmark results yet: <code>${
      escapeHtml(shownPath(reading.path))
    }</code> does not exist. Run <code>deno task bench</code>, then <code>deno task report</code> again.</p>`;
  }
  if (reading.kind === "unreadable") {
    return `<p class="notice" data-bench="unreadable">The benchmark results in <code>${
      escapeHtml(shownPath(reading.path))
    }</code> could not be read (${
      escapeHtml(reading.reason)
    }). Run <code>deno task bench</code> to write them again.</p>`;
  }
  const { results } = reading;
  const tasks = Number(results.tasks).toLocaleString("en-US");
  return `<p data-bench="results">From <code>${
    escapeHtml(shownPath(reading.path))
  }</code>, written ${escapeHtml(String(results.date))} by Deno ${
    escapeHtml(String(results.deno?.deno))
  }: medians of interleaved repetitions, each as a ratio to raw promises measured in the same run (1x is as fast, or as small, as promises; lower is better). A rule across a bar marks the goal.</p>
${renderScenario(`Spawn and join ${tasks} trivial tasks: time`, results.spawnJoin, "ms")}
${renderFloors(results.spawnJoin)}
${renderVersus(results.spawnJoin)}
${renderScenario(`${tasks} tasks suspended at once: heap per task`, results.suspendedHeap, "B")}
${renderVersus(results.suspendedHeap)}${
    Object.entries(results).flatMap(([key, value]) =>
      key === "spawnJoin" || key === "suspendedHeap" || !isScenario(value) ||
        typeof value.title !== "string"
        ? []
        : [`\n${renderScenario(value.title, value, value.unit)}\n${renderVersus(value)}`]
    ).join("")
  }`;
}
