// Property-based tests: random programs of spawn, sleep, throw, halt,
// timeout, race, all, ensure and queue operations, run under every runtime
// on the virtual clock. Seeded (PROPERTY_SEED overrides the default seed);
// on failure fast-check prints the seed and the shrunk program.

import fc from "fast-check";
import { deepEqual, equal, ok } from "node:assert/strict";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes, shufflingRuntimeNames } from "../runtimes/registry.ts";
import { formatTraceEvent } from "../runtimes/trace_text.ts";
import type { Runtime, Schedule, TraceEvent } from "../runtimes/types.ts";
import { programs, Recording, type Step, taskBody } from "./property/program.ts";

const seed = Number(Deno.env.get("PROPERTY_SEED") ?? 20261128);
const numRuns = Number(Deno.env.get("PROPERTY_RUNS") ?? 1000);

/** Everything one run of a program left behind. */
interface Run {
  recording: Recording;
  /** Trace events until the run settled. */
  events: TraceEvent[];
  /** Trace events including what orphans did after it (native). */
  eventsAfterwards: TraceEvent[];
  trace: string[];
  settled: PromiseSettledResult<unknown>;
  endTime: number;
  /** What the runtime reported on stderr (native's unhandled failures). */
  reported: string;
}

async function runProgram(runtime: Runtime, program: Step[], schedule?: Schedule): Promise<Run> {
  const clock = virtualClock();
  const recording = new Recording(() => clock.now(), program);
  const events: TraceEvent[] = [];
  const reported: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) =>
    void reported.push(
      args.map((arg) => typeof arg === "string" ? arg : Deno.inspect(arg, { depth: 8 })).join(" "),
    );
  // What a run did is what it did until it settled: under `native`, orphans
  // may go on a little afterwards, and that is no longer the run.
  let runEvents: TraceEvent[] = [];
  let runOutput: string[] = [];
  const snapshot = () => {
    runEvents = [...events];
    runOutput = [...recording.output];
  };
  try {
    const [settled] = await Promise.allSettled([
      runtime.run(function* main() {
        return yield* taskBody(program, recording, 0);
      }, {
        clock,
        tracer: (event) => void events.push(event),
        output: (line) => void recording.output.push(`${clock.now()} ${line}`),
        schedule,
      }).finally(snapshot),
    ]);
    const endTime = clock.now();
    // Orphans' last steps are microtasks (their time has stopped): one host
    // turn lets them finish, so that what they report is heard.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const afterwards = [...events];
    recording.output.splice(0, Infinity, ...runOutput);
    return {
      recording,
      events: runEvents,
      eventsAfterwards: afterwards,
      trace: runEvents.map(formatTraceEvent),
      settled,
      endTime,
      reported: reported.join("\n"),
    };
  } finally {
    console.error = consoleError;
  }
}

/** The program's id of a traced task: the root is 0, `p3` is 3. */
function programId(event: TraceEvent): number | undefined {
  if (event.taskId === 0) return 0;
  const match = /^p(\d+)$/.exec(event.name);
  return match ? Number(match[1]) : undefined;
}

const settling = new Set(["return", "throw", "halt"]);

/** Every error inside `error`, AggregateErrors opened. */
function flatten(error: unknown): unknown[] {
  return error instanceof AggregateError ? error.errors.flatMap(flatten) : [error];
}

function messagesSeen(run: Run): string {
  const errors = run.eventsAfterwards.filter((event) => event.type === "throw").flatMap((event) =>
    flatten(event.error)
  );
  if (run.settled.status === "rejected") errors.push(...flatten(run.settled.reason));
  return [...errors.map((error) => (error as Error)?.message ?? String(error)), run.reported]
    .join("\n");
}

/** Every started task's cleanup ran exactly once (native: unless still running at the end). */
function checkCleanups(runtime: string, run: Run): void {
  const settledIds = new Set(
    run.events.filter((event) => settling.has(event.type)).map(programId),
  );
  for (const id of run.recording.started) {
    const count = run.recording.cleanups.get(id) ?? 0;
    if (runtime === "native" && !settledIds.has(id)) {
      ok(count <= 1, `task ${id} cleaned up ${count} times`);
    } else {
      equal(count, 1, `task ${id}'s cleanup ran ${count} times`);
    }
  }
}

/** Under structured runtimes, no task has an event after its parent ended. */
function checkNoEventAfterParentEnded(run: Run): void {
  const endedAt = new Map<number, number>();
  run.events.forEach((event, index) => {
    if (settling.has(event.type)) endedAt.set(event.taskId, index);
  });
  run.events.forEach((event, index) => {
    if (event.parentId === undefined) return;
    const parentEnded = endedAt.get(event.parentId);
    ok(
      parentEnded === undefined || index < parentEnded,
      `${formatTraceEvent(event)} came after its parent #${event.parentId} ended`,
    );
  });
}

/**
 * No thrown error is lost: each one is in a failure, the run's rejection, or
 * a report. Under `native`, a task still running when the run ended was
 * abandoned with whatever it was about to deliver; the run reports that it
 * abandoned tasks, and that accounts for errors thrown inside them.
 */
function checkNoErrorLost(runtime: string, run: Run): void {
  const seen = messagesSeen(run);
  const abandonedReported = /the run ended with \d+ tasks? still running/.test(run.reported);
  const settled = new Set(
    run.events.filter((event) => settling.has(event.type)).map(programId),
  );
  for (const { message, task } of run.recording.thrown) {
    if (new RegExp(`\\b${message}\\b`).test(seen)) continue;
    const abandoned = runtime === "native" && abandonedReported && !settled.has(task);
    ok(abandoned, `${message} was thrown but never surfaced`);
  }
}

function nothingFailedOrHalted(run: Run): boolean {
  return run.settled.status === "fulfilled" &&
    !run.events.some((event) =>
      event.type === "throw" || event.type === "halt" || event.type === "cancel"
    );
}

function everySpawnJoined(steps: Step[]): boolean {
  return steps.every((step) => {
    if (step.op === "spawn") return step.join && everySpawnJoined(step.body);
    if (step.op === "timeout") return everySpawnJoined(step.body);
    if (step.op === "race" || step.op === "all") return step.branches.every(everySpawnJoined);
    return step.op !== "halt";
  });
}

/** Run every check on one program, under every runtime. */
async function checkProgram(program: Step[]): Promise<void> {
  const runs = new Map<string, Run>();
  for (const runtime of Object.values(runtimes)) {
    const run = await runProgram(runtime, program);
    const again = await runProgram(runtime, program);
    // Determinism: the same program gives a byte-identical trace.
    deepEqual(again.trace, run.trace, `${runtime.name}: the trace changed between runs`);
    deepEqual(
      again.recording.output,
      run.recording.output,
      `${runtime.name}: the output changed between runs`,
    );
    checkCleanups(runtime.name, run);
    if (runtime.name !== "native") checkNoEventAfterParentEnded(run);
    checkNoErrorLost(runtime.name, run);
    runs.set(runtime.name, run);
  }
  // Programs where nothing fails, nothing is halted and every spawned task
  // is joined mean the same thing under every model.
  const all = [...runs.values()];
  if (everySpawnJoined(program) && all.every(nothingFailedOrHalted)) {
    const [first, ...rest] = all;
    for (const other of rest) {
      deepEqual(
        (other.settled as PromiseFulfilledResult<unknown>).value,
        (first.settled as PromiseFulfilledResult<unknown>).value,
      );
      equal(other.endTime, first.endTime);
      deepEqual([...other.recording.output].sort(), [...first.recording.output].sort());
    }
  }
}

async function assertOver(arbitrary: fc.Arbitrary<Step[]>, runs: number): Promise<void> {
  await fc.assert(fc.asyncProperty(arbitrary, checkProgram), { seed, numRuns: runs })
    .catch((error) => {
      const cause = (error as Error).cause;
      throw new Error(
        `${(error as Error).message}\nWhat failed: ${cause}\nPROPERTY_SEED=${seed}`,
      );
    });
}

Deno.test(`property: random programs keep every runtime's rules (${numRuns} programs, seed ${seed})`, async () => {
  await assertOver(programs(), numRuns);
});

Deno.test(`property: calm programs mean the same under every runtime (${numRuns} programs, seed ${seed})`, async () => {
  await assertOver(programs({ calm: true }), numRuns);
});

/**
 * Under a shuffled schedule, nursery and generator keep their rules
 * whatever the order of each batch, and the same seed replays the same
 * trace; a program where nothing fails or is halted and every spawned task
 * is joined answers the same value at the same time as in FIFO order.
 */
async function checkShuffled(program: Step[], scheduleSeed: number): Promise<void> {
  const schedule: Schedule = { order: "shuffle", seed: scheduleSeed };
  for (const name of shufflingRuntimeNames) {
    const runtime = runtimes[name];
    const run = await runProgram(runtime, program, schedule);
    const again = await runProgram(runtime, program, schedule);
    deepEqual(again.trace, run.trace, `${name}: seed ${scheduleSeed} gave another trace`);
    checkCleanups(name, run);
    checkNoEventAfterParentEnded(run);
    checkNoErrorLost(name, run);
    if (everySpawnJoined(program) && nothingFailedOrHalted(run)) {
      const inOrder = await runProgram(runtime, program);
      deepEqual(
        (run.settled as PromiseFulfilledResult<unknown>).value,
        (inOrder.settled as PromiseFulfilledResult<unknown>).value,
      );
      equal(run.endTime, inOrder.endTime);
    }
  }
}

const shuffledRuns = Math.ceil(numRuns / 4);
Deno.test(`property: shuffled schedules keep nursery's and generator's rules (${shuffledRuns} programs, seed ${seed})`, async () => {
  await fc.assert(
    fc.asyncProperty(programs(), fc.nat({ max: 2 ** 32 - 1 }), checkShuffled),
    { seed, numRuns: shuffledRuns },
  ).catch((error) => {
    const cause = (error as Error).cause;
    throw new Error(`${(error as Error).message}\nWhat failed: ${cause}\nPROPERTY_SEED=${seed}`);
  });
});
