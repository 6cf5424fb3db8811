/**
 * Test helpers: run an operation on a fresh virtual clock and keep a
 * transcript of what happened, stamped with virtual time, so that a test
 * asserts the whole story in one `deepEqual`.
 *
 * @module
 */

import { virtualClock } from "../runtimes/clock.ts";
import type { Clock, ClockTimer, Operation, Runtime, TraceEvent } from "../runtimes/types.ts";

/** What a scenario did: its notes, the run's outcome, trace events. */
export interface Story {
  notes: string[];
  outcome: string;
  events: TraceEvent[];
}

/** Describe how a run ended: `ok <value>` or `error <Name>: <message>`. */
export function describeOutcome(settled: PromiseSettledResult<unknown>): string {
  if (settled.status === "fulfilled") return `ok ${String(settled.value)}`;
  const error = settled.reason;
  if (error instanceof AggregateError) {
    return `error AggregateError [${
      error.errors.map((each) => `${each.name}: ${each.message}`).join(", ")
    }]`;
  }
  return error instanceof Error || error instanceof DOMException
    ? `error ${error.name}: ${error.message}`
    : `error ${String(error)}`;
}

/**
 * Run `scenario(note)` under `runtime` on a virtual clock. `note(text)`
 * records `<virtual ms> <text>`.
 */
export async function tell(
  runtime: Runtime,
  scenario: (note: (text: string) => void, clock: Clock) => Operation<unknown>,
  options: { signal?: AbortSignal } = {},
): Promise<Story> {
  const clock = virtualClock();
  const notes: string[] = [];
  const events: TraceEvent[] = [];
  const note = (text: string) => void notes.push(`${clock.now()} ${text}`);
  const [settled] = await Promise.allSettled([
    runtime.run(() => scenario(note, clock), {
      clock,
      tracer: (event) => void events.push(event),
      output: (line) => note(`log ${line}`),
      signal: options.signal,
    }),
  ]);
  return { notes, outcome: describeOutcome(settled), events };
}

/** A clock that counts how many host timers are armed at once. */
export function countingClock(): { clock: Clock; mostArmed: () => number } {
  const inner = virtualClock();
  const armed = new Set<ClockTimer>();
  let most = 0;
  const clock: Clock = {
    kind: inner.kind,
    now: () => inner.now(),
    setTimer(ms, fire) {
      const timer: ClockTimer = inner.setTimer(ms, () => {
        armed.delete(timer);
        fire();
      });
      armed.add(timer);
      most = Math.max(most, armed.size);
      return timer;
    },
    clearTimer(timer) {
      armed.delete(timer);
      inner.clearTimer(timer);
    },
    block: (ms) => inner.block(ms),
    idle: (mayAdvance) => inner.idle(mayAdvance),
  };
  return { clock, mostArmed: () => most };
}

/**
 * Run plain promise code on a virtual clock: `sleep` arms the clock's
 * timers, and whenever a host turn passes with nothing else to do, the
 * clock jumps to its next deadline. Answers when `body` settles.
 */
export async function onVirtualClock<T>(
  clock: Clock,
  body: (sleep: (ms: number) => Promise<void>) => Promise<T>,
): Promise<T> {
  let settled = false;
  const result = body((ms) => new Promise((resolve) => clock.setTimer(ms, resolve)))
    .finally(() => settled = true);
  // Microtasks all run before a macrotask, so after one turn every promise
  // chain is waiting on a timer (or done).
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!settled && !clock.idle(true)) break;
  }
  return await result;
}
