/**
 * What `deno task lab ... --timeline FILE --trace-json FILE` writes: the
 * runs of a lab, recorded by their tracer, as one self-contained HTML page
 * of timelines (the report's drawing, its style and script inline, so the
 * file can be mailed or opened anywhere) and as a trace in the Chrome trace
 * event format, which Perfetto (ui.perfetto.dev) and `chrome://tracing`
 * open.
 *
 * In the trace, each runtime's run is a process (`pid`, named after the
 * runtime) and each task a thread (`tid`, its task id, named `#id name`);
 * what a task was doing is a complete event (`ph: "X"`, named `running`,
 * `ready`, or what it waited on: `sleep 300`, `join Task#2`), and what
 * happened to it an instant event on its thread (`ph: "i"`: `spawn`,
 * `print`, `cancel`, `halt`, `error`, `return`, with the details in
 * `args`). Times are microseconds (`ts`, `dur`) on the run's clock.
 *
 * Both files are written by `writeFileAtomically` (`write_file.ts`), so a
 * file is whole or absent whatever happens.
 *
 * @module
 */

import type { Schedule, TraceEvent } from "../runtimes/types.ts";
import { countTasks } from "./compare.ts";
import { legend, renderScene, type RuntimeRun } from "./report.ts";
import { buildTimeline, escapeHtml, timelineDefs } from "./report_timeline.ts";

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

// ---------------------------------------------------------------------------
// The Chrome trace event format.
// ---------------------------------------------------------------------------

/** One event of the Chrome trace event format, as this kit writes it. */
export interface ChromeTraceEvent {
  /** What it is: a span's kind or what it waited on, a marker's kind, or a metadata name. */
  name: string;
  /** `X` a complete event (with `dur`), `i` an instant one, `M` metadata. */
  ph: "X" | "i" | "M";
  /** When, in microseconds on the run's clock. */
  ts: number;
  /** The run: one per runtime, from 1. */
  pid: number;
  /** The task's id. */
  tid: number;
  /** For `X`: how long, in microseconds. */
  dur?: number;
  /** For `i`: its scope, here always the thread (`t`). */
  s?: "t";
  /** A category: the span's or the marker's kind, or `kit` for metadata. */
  cat?: string;
  args?: Record<string, string | number>;
}

/** A whole trace file in the format's object form. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ms";
  otherData: Record<string, string>;
}

/** Milliseconds as the format's microseconds, to the nanosecond. */
function micros(ms: number): number {
  return Math.round(ms * 1_000_000) / 1000;
}

/** The runs of `lab` (its command line, as the user typed it) as a Chrome trace. */
export function chromeTrace(lab: string, runs: readonly RecordedRun[]): ChromeTrace {
  const traceEvents: ChromeTraceEvent[] = [];
  runs.forEach((run, index) => {
    const pid = index + 1;
    const meta = (name: string, tid: number, args: Record<string, string | number>) =>
      traceEvents.push({ name, ph: "M", ts: 0, pid, tid, cat: "kit", args });
    meta("process_name", 0, { name: `${run.runtime} (${run.outcome})` });
    meta("process_sort_index", 0, { sort_index: pid });
    for (const row of buildTimeline(run.events, run.endTime).rows) {
      const tid = row.id;
      meta("thread_name", tid, { name: `#${row.id} ${row.name}` });
      meta("thread_sort_index", tid, { sort_index: row.id });
      for (const span of row.spans) {
        const ts = micros(span.start);
        traceEvents.push({
          name: span.reason ?? span.kind,
          ph: "X",
          ts,
          dur: Math.max(0, micros(span.end) - ts),
          pid,
          tid,
          cat: span.kind,
        });
      }
      for (const marker of row.markers) {
        traceEvents.push({
          name: marker.kind,
          ph: "i",
          s: "t",
          ts: micros(marker.time),
          pid,
          tid,
          cat: marker.kind,
          ...(marker.detail ? { args: { detail: marker.detail } } : {}),
        });
      }
    }
  });
  return {
    traceEvents,
    displayTimeUnit: "ms",
    otherData: {
      lab,
      runtimes: runs.map((run) => run.runtime).join(", "),
      clock: [...new Set(runs.map((run) => run.clock))].join(", "),
    },
  };
}

// ---------------------------------------------------------------------------
// The page of timelines.
// ---------------------------------------------------------------------------

/** A run as the report's scenes show it; what it wrote to stderr went to the terminal. */
function sceneRun(run: RecordedRun): RuntimeRun {
  return {
    runtime: run.runtime,
    outcome: run.outcome,
    elapsed: run.endTime,
    output: run.events.filter((event) => event.type === "log").map((event) => event.text ?? ""),
    stderr: [],
    counts: countTasks(run.events),
    timeline: buildTimeline(run.events, run.endTime),
  };
}

/**
 * One HTML page of the runs' timelines: the report's scene, its style and
 * script inline, no other file. `lab` and `args` are as the user gave them.
 */
export async function timelinePage(
  lab: string,
  args: readonly string[],
  runs: readonly RecordedRun[],
  date = new Date().toISOString(),
): Promise<string> {
  const [css, script] = await Promise.all(
    ["report.css", "report.js"].map((file) =>
      Deno.readTextFile(new URL(`./${file}`, import.meta.url))
    ),
  );
  const clocks = [...new Set(runs.map((run) => run.clock))];
  const scene = {
    lab,
    args: [...args],
    clock: clocks.length === 1 ? clocks[0] : undefined,
    lesson: `${lab}, run by deno task lab under ${
      runs.map((run) => run.runtime).join(", ")
    } on the ${clocks.join(" and ")} clock.`,
  };
  const title = `${[lab, ...args].join(" ")}: timelines`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${css}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to the content</a>
<header>
<h1>${escapeHtml(title)}</h1>
<p>Made ${
    escapeHtml(date)
  } by <code>deno task lab</code>. One row per task, named, on the lab's clock; the runs share one time scale. Hover over a bar or a marker for its details; each timeline also has its tasks as a table.</p>
</header>
<main id="main">
${timelineDefs()}
${legend()}
${
    renderScene({
      scene,
      runs: runs.map(sceneRun),
      schedule: runs.find((run) => run.schedule)?.schedule,
    }, 0)
  }
</main>
<script>
${script}</script>
</body>
</html>
`;
}
