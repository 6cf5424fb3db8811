/**
 * A lab's recorded runs in the Chrome trace event format, which Perfetto
 * (ui.perfetto.dev) and `chrome://tracing` open: what
 * `deno task lab ... --trace-json FILE` writes.
 *
 * Each runtime's run is a process (`pid`, named after the runtime and how
 * the run ended) and each task a thread (`tid`, its task id, named
 * `#id name`); what a task was doing is a complete event (`ph: "X"`, named
 * `running`, `ready`, or what it waited on: `sleep 300`, `join Task#2
 * worker`, the same under every runtime: see `waitName`),
 * and what happened to it an instant event on its thread (`ph: "i"`:
 * `spawn`, `print`, `cancel`, `halt`, `error`, `return`, with the details
 * in `args`). Times are microseconds (`ts`, `dur`) on the run's clock.
 *
 * @module
 */

import { scheduleText } from "../runtimes/schedule.ts";
import type { RecordedRun } from "./lab_record.ts";
import { buildTimeline } from "./report_timeline.ts";

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

/**
 * A wait named by what it waits on and whom, without the momentary state a
 * runtime adds in parentheses: `join Task#2 worker (running)` is `join
 * Task#2 worker`, `children (2 running)` is `children`. That state differs
 * between runtimes for the same program (a task not yet started is
 * `pending` under one, `running` under another), and a viewer groups
 * events by name; the whole text stays in the event's `args.detail`.
 */
export function waitName(reason: string): string {
  return reason.replace(/ \([^()]*\)$/, "");
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
        const name = span.reason === undefined ? span.kind : waitName(span.reason);
        traceEvents.push({
          name,
          ph: "X",
          ts,
          dur: Math.max(0, micros(span.end) - ts),
          pid,
          tid,
          cat: span.kind,
          ...(span.reason !== undefined && span.reason !== name
            ? { args: { detail: span.reason } }
            : {}),
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
  const shuffled = runs.find((run) => run.schedule);
  const shuffledNames = runs.filter((run) => run.schedule).map((run) => run.runtime).join(", ");
  return {
    traceEvents,
    displayTimeUnit: "ms",
    otherData: {
      lab,
      runtimes: runs.map((run) => run.runtime).join(", "),
      clock: [...new Set(runs.map((run) => run.clock))].join(", "),
      // A shuffled run replays with its seed.
      ...(shuffled?.schedule
        ? { schedule: `${scheduleText(shuffled.schedule)} under ${shuffledNames}` }
        : {}),
    },
  };
}
