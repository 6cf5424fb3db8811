/**
 * Task timelines for the report: a run's trace turned into one row per task
 * (what it was doing, when) and drawn as an SVG that reads without colour.
 *
 * A row's life is cut into spans by its trace events:
 *
 * - `ready`: spawned, not started yet (a thin line);
 * - `running`: started or woken, until it suspends or ends (solid);
 * - `sleeping`: suspended on a `sleep` (hatched);
 * - `waiting`: suspended on anything else: a join, a queue, a `call` (dotted).
 *
 * Markers sit on the row at the instant of an event, each with its own
 * shape: spawn (hollow circle), print (tick), cancel (cross), halt (square),
 * error (triangle), return (filled circle). A task still alive when the run
 * ended (an orphan) keeps its last span to the end and is labelled so.
 *
 * @module
 */

import type { TraceEvent } from "../runtimes/types.ts";
import { errorLine } from "./compare.ts";

/** What a task was doing during a span. */
export type SpanKind = "ready" | "running" | "sleeping" | "waiting";

/** The instants a timeline marks. */
export type MarkerKind = "spawn" | "print" | "cancel" | "halt" | "error" | "return";

/** One stretch of a task's life. */
export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
  /** For `sleeping` and `waiting`: the instruction waited on. */
  reason?: string;
}

/** One event drawn on a task's row. */
export interface Marker {
  kind: MarkerKind;
  time: number;
  /** What happened, in words: the printed line, the error... */
  detail: string;
}

/** One task of a run. */
export interface TaskRow {
  id: number;
  name: string;
  parentId: number | undefined;
  spans: Span[];
  markers: Marker[];
  /** How it ended; `alive` when it had not ended by the end of the run. */
  end: "return" | "error" | "halt" | "alive";
}

/** A run's tasks in spawn order, and the instant the run ended. */
export interface Timeline {
  rows: TaskRow[];
  /** The clock's time of the last event (at least 0). */
  endTime: number;
}

const markerOf: Partial<Record<TraceEvent["type"], MarkerKind>> = {
  spawn: "spawn",
  log: "print",
  cancel: "cancel",
  halt: "halt",
  throw: "error",
  return: "return",
};

function detailOf(event: TraceEvent): string {
  if (event.type === "log") return event.text ?? "";
  if (event.type === "throw") return errorLine(event.error);
  if (event.type === "spawn" && event.parentId !== undefined) return `by #${event.parentId}`;
  return event.reason ?? "";
}

/**
 * Build the timeline of a run from its trace events, in the order the
 * tracer received them. `endTime`, when given, is the instant the run
 * ended (a lab may end after its last event); orphans' spans reach it.
 */
export function buildTimeline(events: readonly TraceEvent[], endTime?: number): Timeline {
  const rows = new Map<number, TaskRow>();
  /** Where each task's current span began, and what kind it is. */
  const open = new Map<number, Span>();
  let last = 0;
  const rowOf = (event: TraceEvent): TaskRow => {
    let row = rows.get(event.taskId);
    if (!row) {
      row = {
        id: event.taskId,
        name: event.name,
        parentId: event.parentId,
        spans: [],
        markers: [],
        end: "alive",
      };
      rows.set(event.taskId, row);
    }
    return row;
  };
  const switchTo = (row: TaskRow, time: number, next: Span | undefined) => {
    const current = open.get(row.id);
    if (current) {
      current.end = time;
      row.spans.push(current);
    }
    if (next) open.set(row.id, next);
    else open.delete(row.id);
  };
  for (const event of events) {
    const { time } = event;
    last = Math.max(last, time);
    const row = rowOf(event);
    const marker = markerOf[event.type];
    if (marker) row.markers.push({ kind: marker, time, detail: detailOf(event) });
    switch (event.type) {
      case "spawn":
        switchTo(row, time, { kind: "ready", start: time, end: time });
        break;
      case "start":
      case "wake":
        switchTo(row, time, { kind: "running", start: time, end: time });
        break;
      case "suspend": {
        const reason = event.reason ?? "";
        const kind = reason.startsWith("sleep") ? "sleeping" : "waiting";
        switchTo(row, time, { kind, start: time, end: time, reason });
        break;
      }
      case "return":
      case "throw":
      case "halt":
        switchTo(row, time, undefined);
        row.end = event.type === "throw" ? "error" : event.type;
        break;
    }
  }
  const end = Math.max(last, endTime ?? 0);
  for (const row of rows.values()) switchTo(row, end, undefined);
  return { rows: [...rows.values()], endTime: end };
}

// ---------------------------------------------------------------------------
// Drawing.
// ---------------------------------------------------------------------------

/** Escape text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** A time on the lab's clock, readably: `300 ms`, `2.1 s`, `3:20` (minutes), `1:05:00`. */
export function formatTime(ms: number): string {
  if (ms > 0 && ms < 1000) return `${Number(ms.toFixed(3))} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))} s`;
  const seconds = Math.round(ms / 1000);
  const ss = String(seconds % 60).padStart(2, "0");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}:${ss}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${ss}`;
}

/** Tick spacings for spans of minutes or more: as a clock is read. */
const clockSteps = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((minutes) =>
  minutes * 60_000
);

/**
 * Tick spacing for about `count` ticks over `span` ms: 1, 2 or 5 times a
 * power of ten for spans under two minutes; quarter minutes, minutes or
 * hours for longer ones.
 */
export function tickStep(span: number, count = 8): number {
  if (span <= 0) return 1;
  const rough = span / count;
  if (span >= 120_000) return clockSteps.find((step) => step >= rough) ?? clockSteps.at(-1)!;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough)!;
}

/** The geometry of a drawing, in SVG user units. */
const layout = { label: 170, plot: 760, right: 20, row: 26, axis: 28, bar: 12 };

/** How tall a span is drawn: a thin line while only spawned, a bar otherwise. */
export function spanHeight(kind: SpanKind): number {
  return kind === "ready" ? 2 : layout.bar;
}

/** The `<defs>` every timeline refers to: patterns for spans, shapes for markers. */
export function timelineDefs(): string {
  return `<svg width="0" height="0" class="defs" aria-hidden="true" focusable="false"><defs>
<pattern id="pattern-sleeping" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="fill-sleeping"/><line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern>
<pattern id="pattern-waiting" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" class="fill-waiting"/><circle cx="2.5" cy="2.5" r="1" class="dot"/></pattern>
<symbol id="marker-spawn" viewBox="-6 -6 12 12"><circle r="4" class="marker-hollow"/></symbol>
<symbol id="marker-print" viewBox="-6 -6 12 12"><path d="M0 -5 V5" class="marker-line"/></symbol>
<symbol id="marker-cancel" viewBox="-6 -6 12 12"><path d="M-4 -4 L4 4 M4 -4 L-4 4" class="marker-line"/></symbol>
<symbol id="marker-halt" viewBox="-6 -6 12 12"><rect x="-4" y="-4" width="8" height="8" class="marker-solid"/></symbol>
<symbol id="marker-error" viewBox="-6 -6 12 12"><path d="M0 -5 L5 4 L-5 4 Z" class="marker-solid"/></symbol>
<symbol id="marker-return" viewBox="-6 -6 12 12"><circle r="4" class="marker-solid"/></symbol>
</defs></svg>`;
}

/** Names shown for spans and markers, in the legend and in tooltips. */
export const spanLabels: Record<SpanKind, string> = {
  ready: "spawned, not started",
  running: "running",
  sleeping: "sleeping",
  waiting: "waiting (join, queue, call)",
};

/** Names of the markers. */
export const markerLabels: Record<MarkerKind, string> = {
  spawn: "spawn",
  print: "print",
  cancel: "cancel",
  halt: "halt",
  error: "error",
  return: "return",
};

/**
 * Draw a timeline as an SVG whose time axis spans `scaleEnd` (so that runs
 * of the same lab share one scale). `title` names it for assistive
 * technology; `id` makes element ids unique on the page.
 */
export function renderTimeline(
  timeline: Timeline,
  options: { title: string; id: string; scaleEnd: number },
): string {
  const { label, plot, right, row: rowHeight, axis } = layout;
  const scaleEnd = Math.max(options.scaleEnd, timeline.endTime, 1);
  const x = (time: number) => label + (time / scaleEnd) * plot;
  const width = label + plot + right;
  const height = axis + timeline.rows.length * rowHeight + 8;
  const parts: string[] = [];
  const step = tickStep(scaleEnd);
  for (let tick = 0; tick <= scaleEnd + step / 1000; tick += step) {
    const at = x(tick).toFixed(1);
    parts.push(
      `<line x1="${at}" x2="${at}" y1="${axis - 6}" y2="${height - 4}" class="grid"/>`,
      `<text x="${at}" y="${axis - 10}" class="tick" text-anchor="middle">${
        escapeHtml(formatTime(tick))
      }</text>`,
    );
  }
  timeline.rows.forEach((task, index) => {
    const top = axis + index * rowHeight;
    const middle = top + rowHeight / 2;
    const role = task.parentId === undefined ? "root" : "child";
    const ending = task.end === "alive" ? "still alive at the end (orphan)" : `ended: ${task.end}`;
    parts.push(
      `<g class="task-row" data-role="${role}" data-task="${task.id}" data-end="${task.end}">`,
      `<title>${escapeHtml(`#${task.id} ${task.name}: ${ending}`)}</title>`,
      `<text x="${label - 8}" y="${middle + 4}" class="task-name" text-anchor="end">${
        escapeHtml(truncate(`#${task.id} ${task.name}`, 24))
      }</text>`,
    );
    for (const span of task.spans) {
      const start = x(span.start);
      const spanWidth = Math.max(x(span.end) - start, span.kind === "running" ? 1.5 : 0);
      const tip = `${spanLabels[span.kind]}${span.reason ? ` (${span.reason})` : ""}: ${
        formatTime(span.start)
      } to ${formatTime(span.end)}`;
      const barHeight = spanHeight(span.kind);
      parts.push(
        `<rect x="${start.toFixed(2)}" y="${(middle - barHeight / 2).toFixed(1)}" width="${
          spanWidth.toFixed(2)
        }" height="${barHeight}" class="span span-${span.kind}" data-span="${span.kind}"><title>${
          escapeHtml(tip)
        }</title></rect>`,
      );
    }
    for (const marker of task.markers) {
      const tip = `${markerLabels[marker.kind]} at ${formatTime(marker.time)}${
        marker.detail ? `: ${marker.detail}` : ""
      }`;
      parts.push(
        `<use href="#marker-${marker.kind}" x="${(x(marker.time) - 6).toFixed(2)}" y="${
          middle - 6
        }" width="12" height="12" class="marker marker-${marker.kind}" data-event="${marker.kind}"><title>${
          escapeHtml(tip)
        }</title></use>`,
      );
    }
    if (task.end === "alive") {
      parts.push(
        `<text x="${(x(timeline.endTime) + 4).toFixed(1)}" y="${
          middle + 4
        }" class="orphan-label">…</text>`,
      );
    }
    parts.push("</g>");
  });
  return `<svg class="timeline" id="${options.id}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${options.id}-title" data-rows="${timeline.rows.length}"><title id="${options.id}-title">${
    escapeHtml(options.title)
  }</title>${parts.join("")}</svg>`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : text.slice(0, length - 1) + "…";
}
