/**
 * A tracer that writes one readable line per event, for `--trace`.
 *
 * @module
 */

import { describeError } from "./errors.ts";
import type { TraceEvent, Tracer } from "./types.ts";

/** Format one event: clock time, task, event and detail in fixed columns. */
export function formatTraceEvent(event: TraceEvent): string {
  const time = (event.time / 1000).toFixed(3).padStart(8);
  const task = `#${event.taskId} ${event.name}`.padEnd(18);
  const detail = event.type === "log"
    ? JSON.stringify(event.text)
    : event.type === "throw"
    ? describeError(event.error)
    : event.reason ??
      (event.type === "spawn" && event.parentId !== undefined ? `by #${event.parentId}` : "");
  return `${time}s ${task} ${event.type.padEnd(7)} ${detail}`.trimEnd();
}

/**
 * A tracer that writes every event as a line of text.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, textTracer, virtualClock } from "@kit/concurrency";
 *
 * const lines: string[] = [];
 * await runtimes.generator.run(function* main() {
 *   yield* sleep(5);
 * }, { clock: virtualClock(), tracer: textTracer((line) => lines.push(line)) });
 * if (!lines.some((line) => line.includes("suspend sleep 5"))) throw new Error(lines.join("\n"));
 * ```
 */
export function textTracer(write: (line: string) => void): Tracer {
  return (event) => write(formatTraceEvent(event));
}
