// `--trace-json`: the runs of a lab in the Chrome trace event format, each
// event checked against the format's required fields, and what the events
// say checked against what the lab did.

import { deepEqual, equal, ok } from "node:assert/strict";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Operation, TraceEvent } from "../runtimes/types.ts";
import { log, sleep, spawn } from "../runtimes/verbs.ts";
import type { RecordedRun } from "../tools/lab_record.ts";
import { chromeTrace, waitName } from "../tools/trace_chrome.ts";

/**
 * Every problem with `trace` as a Chrome trace in its object form: each
 * event must have `name` (a string), `ph`, `ts` (microseconds, a finite
 * number, here never negative), `pid` and `tid` (whole numbers); a complete
 * event (`X`) its `dur`; an instant event (`i`) a scope `s` of `g`, `p` or
 * `t`; a metadata event (`M`) one of the names the viewers read, with its
 * `args`. Answers the problems, one line each; none when it is valid.
 */
function traceProblems(trace: unknown): string[] {
  const problems: string[] = [];
  if (typeof trace !== "object" || trace === null || !("traceEvents" in trace)) {
    return ["not an object with traceEvents"];
  }
  const { traceEvents, displayTimeUnit } = trace as {
    traceEvents: Record<string, unknown>[];
    displayTimeUnit?: string;
  };
  if (!Array.isArray(traceEvents)) return ["traceEvents is not an array"];
  if (displayTimeUnit !== undefined && displayTimeUnit !== "ms" && displayTimeUnit !== "ns") {
    problems.push(`displayTimeUnit ${displayTimeUnit}`);
  }
  const whole = (value: unknown) => typeof value === "number" && Number.isInteger(value);
  const time = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) && value >= 0;
  traceEvents.forEach((event, index) => {
    const say = (what: string) =>
      problems.push(`event ${index} (${JSON.stringify(event)}): ${what}`);
    if (typeof event.name !== "string" || event.name === "") say("no name");
    if (!time(event.ts)) say("ts is not a time in microseconds");
    if (!whole(event.pid)) say("pid is not a whole number");
    if (!whole(event.tid)) say("tid is not a whole number");
    if (event.ph === "X") {
      if (!time(event.dur)) say("a complete event without a dur");
    } else if (event.ph === "i" || event.ph === "I") {
      if (!["g", "p", "t"].includes(event.s as string)) say("an instant event without a scope");
    } else if (event.ph === "M") {
      const names = ["process_name", "process_sort_index", "thread_name", "thread_sort_index"];
      if (!names.includes(event.name as string)) say("a metadata name the viewers do not read");
      const args = event.args as Record<string, unknown> | undefined;
      if (args?.name === undefined && args?.sort_index === undefined) say("metadata without args");
    } else {
      say(`ph ${String(event.ph)} is not one this kit writes`);
    }
    if (event.args !== undefined && (typeof event.args !== "object" || event.args === null)) {
      say("args is not an object");
    }
  });
  return problems;
}

/** The small lab most tests here record: a worker that sleeps 300 ms, joined. */
function* oneWorker(): Operation<void> {
  const worker = yield* spawn(function* worker() {
    yield* sleep(300);
    yield* log("worker woke");
  });
  yield* worker;
}

/** Run `lab` (a small one by default) under every runtime on a virtual clock, recording it as `lab` does. */
async function recordEveryRuntime(
  lab: () => Operation<unknown> = oneWorker,
): Promise<RecordedRun[]> {
  const runs: RecordedRun[] = [];
  for (const runtime of Object.values(runtimes)) {
    const events: TraceEvent[] = [];
    const clock = virtualClock();
    await runtime.run(lab, { clock, tracer: (event) => void events.push(event), output: () => {} });
    runs.push({
      runtime: runtime.name,
      clock: "virtual",
      events,
      endTime: clock.now(),
      outcome: "exit 0",
    });
  }
  return runs;
}

Deno.test("trace json: every event has the format's required fields", async () => {
  const trace = chromeTrace("mine.ts", await recordEveryRuntime());
  deepEqual(traceProblems(trace), []);
  // It survives JSON: nothing in it is undefined, a function or a cycle.
  deepEqual(traceProblems(JSON.parse(JSON.stringify(trace))), []);
  ok(trace.traceEvents.length > 20);
});

Deno.test("trace json: the checker finds what is missing", () => {
  const problems = traceProblems({
    traceEvents: [
      { name: "sleep 300", ph: "X", ts: 0, pid: 1, tid: 1 },
      { name: "print", ph: "i", ts: 5, pid: 1, tid: 1 },
      { name: "running", ph: "X", ts: -1, dur: 0, pid: 1.5, tid: 1 },
      { name: "", ph: "B", ts: 0, pid: 1, tid: 1 },
      { name: "colour", ph: "M", ts: 0, pid: 1, tid: 1, args: {} },
    ],
  });
  deepEqual(problems.map((line) => line.replace(/ \(.*\):/, ":")), [
    "event 0: a complete event without a dur",
    "event 1: an instant event without a scope",
    "event 2: ts is not a time in microseconds",
    "event 2: pid is not a whole number",
    "event 3: no name",
    "event 3: ph B is not one this kit writes",
    "event 4: a metadata name the viewers do not read",
    "event 4: metadata without args",
  ]);
  deepEqual(traceProblems([]), ["not an object with traceEvents"]);
});

Deno.test("trace json: a process per runtime, a thread per task, spans and prints where they happened", async () => {
  const runs = await recordEveryRuntime();
  const trace = chromeTrace("mine.ts", runs);
  const processes = trace.traceEvents.filter((event) => event.name === "process_name")
    .map((event) => [event.pid, event.args?.name]);
  deepEqual(processes, runs.map((run, index) => [index + 1, `${run.runtime} (exit 0)`]));
  for (let pid = 1; pid <= runs.length; pid++) {
    const events = trace.traceEvents.filter((event) => event.pid === pid);
    const threads = new Map(
      events.filter((event) => event.name === "thread_name").map((event) => [
        event.tid,
        event.args?.name,
      ]),
    );
    // Every thread that has events is named.
    for (const event of events) ok(threads.has(event.tid), `pid ${pid} tid ${event.tid} unnamed`);
    const workerTid = [...threads].find(([, name]) => String(name).endsWith(" worker"))![0];
    const sleeps = events.filter((event) => event.tid === workerTid && event.name === "sleep 300");
    deepEqual(sleeps.map(({ ph, ts, dur, cat }) => ({ ph, ts, dur, cat })), [
      { ph: "X", ts: 0, dur: 300_000, cat: "sleeping" },
    ], runs[pid - 1].runtime);
    const prints = events.filter((event) => event.name === "print");
    deepEqual(prints.map(({ ph, s, ts, tid, args }) => ({ ph, s, ts, tid, args })), [
      { ph: "i", s: "t", ts: 300_000, tid: workerTid, args: { detail: "worker woke" } },
    ], runs[pid - 1].runtime);
  }
  equal(trace.displayTimeUnit, "ms");
  deepEqual(trace.otherData, {
    lab: "mine.ts",
    runtimes: runs.map((run) => run.runtime).join(", "),
    clock: "virtual",
  });
});

Deno.test("trace json: a shuffled run names its schedule, so that it can be replayed", async () => {
  const runs = await recordEveryRuntime();
  runs[1].schedule = { order: "shuffle", seed: 42 };
  runs[2].schedule = { order: "shuffle", seed: 42 };
  const { otherData } = chromeTrace("mine.ts", runs);
  equal(otherData.schedule, `shuffle:42 under ${runs[1].runtime}, ${runs[2].runtime}`);
});

Deno.test("trace json: a wait is named by what it waits on and whom, not by a task's momentary state", () => {
  equal(waitName("join Task#2 worker (running)"), "join Task#2 worker");
  equal(waitName("join Task#2 worker (pending)"), "join Task#2 worker");
  equal(waitName("children (2 running)"), "children");
  equal(waitName("halt children (1 running)"), "halt children");
  equal(waitName("sleep 300"), "sleep 300");
});

function* sleeper(ms: number): Operation<void> {
  yield* sleep(ms);
  yield* log(`slept ${ms}`);
}

Deno.test("trace json: the same program gives the same event names under every runtime", async () => {
  // Two children joined while they sleep: under one runtime a child not yet
  // started is pending, under another already running; the names must not say.
  const runs = await recordEveryRuntime(function* twoWorkers() {
    const short = yield* spawn(() => sleeper(100));
    const long = yield* spawn(() => sleeper(200));
    yield* short;
    yield* long;
  });
  const trace = chromeTrace("two.ts", runs);
  const namesOf = (pid: number) => {
    const events = trace.traceEvents.filter((event) => event.pid === pid);
    const threads = new Map(
      events.filter((event) => event.name === "thread_name").map((event) => [
        event.tid,
        String(event.args?.name),
      ]),
    );
    return new Set(
      events.filter((event) => event.ph !== "M").map((event) =>
        `${threads.get(event.tid)}: ${event.name}`
      ),
    );
  };
  const first = [...namesOf(1)].sort();
  ok(first.includes("#0 twoWorkers: join Task#1 task"), first.join("\n"));
  ok(first.includes("#0 twoWorkers: join Task#2 task"), first.join("\n"));
  for (let pid = 2; pid <= runs.length; pid++) {
    deepEqual([...namesOf(pid)].sort(), first, `${runs[pid - 1].runtime} vs ${runs[0].runtime}`);
  }
  // What the runtime said, state and all, is still there.
  ok(
    trace.traceEvents.some((event) =>
      /^join Task#1 task \(\w+\)$/.test(String(event.args?.detail))
    ),
  );
});
