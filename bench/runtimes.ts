/**
 * The runtime benchmark: speed and memory of every runtime in `runtimes`,
 * as ratios against raw promises measured in the same run.
 *
 *     $ deno task bench
 *     $ deno task bench -- --tasks 10000 --reps 3
 *
 * Five scenarios, sized by `--tasks` (N, 100,000 by default):
 *
 * - spawn+join: the root spawns N tasks (`spawn(() => trivial(i))`),
 *   then joins them one by one and checks their sum; the baseline is
 *   `Promise.all` over as many `trivialAsync(i)`. Both sides have the same
 *   shape: one shared function, one arrow per task where the kit needs it.
 *   (A fresh `function*` closure per task would measure V8 instead: each
 *   new generator function gets its own prototype object and object layout,
 *   which alone costs several times the whole promise baseline.) Real clock.
 *   Two more contenders, the floors of `floor.ts`, run the same root under
 *   drivers that know only spawn and join; each runtime's time is also
 *   printed against the floor of its scheduling order.
 * - heap per suspended task: the root spawns N tasks into
 *   `yield* sleep(HOUR)`, and while they are all suspended a `call()` forces
 *   garbage collection and reads the heap; the baseline is as many async
 *   functions awaiting a one-hour `setTimeout`. Virtual clock, so that no
 *   runtime arms a host timer per task (a `call` in flight stops it); and
 *   for `generator` and `nursery`, whose sleeps share one host timer, on the
 *   real clock too, in a scope cancelled once they are measured.
 * - ping-pong: N messages each way between two tasks through two queues of
 *   `createQueue`, one message in flight at a time; the baseline is two
 *   async functions and the least queue of promises.
 * - timeouts: N `timeout(1000, trivial(i))` one after another, real clock;
 *   the baseline arms a `setTimeout` around each `trivialAsync(i)` and
 *   clears it.
 * - sleepers: N / 10 tasks each sleeping 10 ms on the real clock, then
 *   joined; the baseline is as many async functions awaiting a timer.
 *
 * Beside them, where a goal names it, the library Effect written natively
 * with no kit (`effect_native.ts`): `Effect.forkChild` then `Fiber.join` of
 * `Effect.succeed` and of `Effect.gen` children, fibers asleep in
 * `Effect.sleep`, ping-pong through `Queue.unbounded`, `Effect.timeout`.
 *
 * Repetitions are interleaved (each round measures every contender once, in
 * a rotating order), with garbage collection before each measurement and one
 * warm-up round first; the tables show medians. Missed goals are printed as
 * `MISSED`, but the exit status is still 0: benchmarks report, tests judge.
 * The numbers also go to `bench/results/latest.json`.
 *
 * @module
 */

import { createQueue, realClock, runtimes, sleep, spawn, timeout, virtualClock } from "../mod.ts";
import type { Clock, Operation, Runtime, Task } from "../mod.ts";
import { errorMessage } from "../runtimes/errors.ts";
import { exitStatus, exitWithUsage, listOf, parseOptionsOrExit } from "../tools/cli.ts";
import { showProgress } from "../tools/progress.ts";
import {
  effectPingPong,
  effectSpawnAndJoin,
  effectSuspendMany,
  effectTimeouts,
} from "./effect_native.ts";
import { floorDriver } from "./floor.ts";
import {
  allAsleep,
  HOUR,
  nextMacrotask,
  sleeper,
  sleepers,
  suspendManyOnRealClock,
  whenAllSuspended,
} from "./sleepers.ts";

export { HOUR };

/** The trivial task: answers its argument without waiting. */
function* trivial(i: number): Operation<number> {
  return i;
}

/** The baseline's trivial task: an async function with nothing to await, on purpose. */
// deno-lint-ignore require-await
async function trivialAsync(i: number): Promise<number> {
  return i;
}

/** Spawn `n` trivial tasks under `runtime`, join them all, answer their sum. */
export function spawnAndJoin(runtime: Runtime, n: number): Promise<number> {
  return runtime.run(function* () {
    const tasks: Task<number>[] = [];
    for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => trivial(i)));
    let sum = 0;
    for (const task of tasks) sum += yield* task;
    return sum;
  });
}

/** The baseline of `spawnAndJoin`: `n` async functions under `Promise.all`. */
export async function spawnAndJoinWithPromises(n: number): Promise<number> {
  const values = await Promise.all(Array.from({ length: n }, (_, i) => trivialAsync(i)));
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

/** What `spawnAndJoin` must answer: 0 + 1 + ... + (n - 1). */
export function expectedSum(n: number): number {
  return n * (n - 1) / 2;
}

// The promise sleepers' timers, kept to clear them afterwards. The array is
// reused from run to run, so that once grown it adds nothing to a reading.
type Timer = ReturnType<typeof setTimeout>;
const promiseTimers: (Timer | undefined)[] = [];

async function promiseSleeper(index: number): Promise<void> {
  sleepers.asleep++;
  await new Promise<void>((resolve) => {
    promiseTimers[index] = setTimeout(resolve, HOUR);
  });
}

/**
 * Suspend `n` tasks under `runtime`, each in `sleep(HOUR)` on a virtual
 * clock; once all are suspended, answer `whileSuspended()`. The run then
 * ends: its root returns, and what becomes of the sleepers is the runtime's
 * nature (halted, waited for, or left as orphans).
 */
export function suspendMany<T>(
  runtime: Runtime,
  n: number,
  whileSuspended: () => T,
): Promise<T> {
  sleepers.asleep = 0;
  return runtime.run(function* () {
    for (let i = 0; i < n; i++) yield* spawn(sleeper);
    // A call in flight stops the virtual clock: nobody wakes while it runs.
    return yield* whenAllSuspended(n, whileSuspended);
  }, { clock: virtualClock() });
}

/** The runtimes whose heap per suspended task is also read on the real clock. */
const onRealClock = ["generator", "nursery"];

/** How a runtime's row on the real clock is named. */
function realClockRow(name: string): string {
  return `${name}, real clock`;
}

/** The baseline of `suspendMany`: `n` async functions awaiting a one-hour timer. */
export async function suspendManyWithPromises<T>(n: number, whileSuspended: () => T): Promise<T> {
  sleepers.asleep = 0;
  for (let i = 0; i < n; i++) promiseSleeper(i);
  try {
    await allAsleep(n);
    return whileSuspended();
  } finally {
    for (let i = 0; i < n; i++) clearTimeout(promiseTimers[i]);
    promiseTimers.fill(undefined, 0, n);
  }
}

/**
 * Ping-pong through two queues made by `createQueue`: the root puts `0..m-1`
 * one at a time and takes each back from an echoing child before the next;
 * answers the sum of what came back (2m messages in all).
 */
export function pingPong(runtime: Runtime, m: number): Promise<number> {
  return runtime.run(function* () {
    const ping = createQueue<number>();
    const pong = createQueue<number>();
    const echo = yield* spawn(function* () {
      for (let i = 0; i < m; i++) pong.put(yield* ping.get());
    });
    let sum = 0;
    for (let i = 0; i < m; i++) {
      ping.put(i);
      sum += yield* pong.get();
    }
    yield* echo;
    return sum;
  });
}

/** The least queue of promises: values buffered, or handed to the one waiting taker. */
class PromiseQueue<T> {
  #buffer: T[] = [];
  #taker: ((value: T) => void) | undefined = undefined;

  put(value: T): void {
    const taker = this.#taker;
    if (taker === undefined) this.#buffer.push(value);
    else {
      this.#taker = undefined;
      taker(value);
    }
  }

  get(): Promise<T> {
    if (this.#buffer.length > 0) return Promise.resolve(this.#buffer.shift()!);
    return new Promise((resolve) => this.#taker = resolve);
  }
}

/** The baseline of `pingPong`: two async functions and two queues of promises. */
export async function pingPongWithPromises(m: number): Promise<number> {
  const ping = new PromiseQueue<number>();
  const pong = new PromiseQueue<number>();
  const echo = (async () => {
    for (let i = 0; i < m; i++) pong.put(await ping.get());
  })();
  let sum = 0;
  for (let i = 0; i < m; i++) {
    ping.put(i);
    sum += await pong.get();
  }
  await echo;
  return sum;
}

/**
 * `timeout(ms, trivial(i))` for `i` in `0..n-1`, one after another on the
 * real clock (unless told otherwise), so that each deadline is armed and
 * disarmed as in use; answers the sum of their values.
 */
export function timeouts(
  runtime: Runtime,
  n: number,
  ms: number,
  clock: Clock = realClock(),
): Promise<number> {
  return runtime.run(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* timeout(ms, trivial(i));
    return sum;
  }, { clock });
}

/** The baseline of `timeouts`: a `setTimeout` armed around each `trivialAsync(i)`, then cleared. */
export async function timeoutsWithPromises(n: number, ms: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let timer: Timer | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    });
    try {
      sum += await Promise.race([trivialAsync(i), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
  return sum;
}

function* sleepThenAnswer(ms: number, i: number): Operation<number> {
  yield* sleep(ms);
  return i;
}

/**
 * Spawn `n` tasks that each sleep `ms` on the real clock (unless told
 * otherwise) and answer their index; join them all and answer the sum.
 */
export function sleepersJoined(
  runtime: Runtime,
  n: number,
  ms: number,
  clock: Clock = realClock(),
): Promise<number> {
  return runtime.run(function* () {
    const tasks: Task<number>[] = [];
    for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => sleepThenAnswer(ms, i)));
    let sum = 0;
    for (const task of tasks) sum += yield* task;
    return sum;
  }, { clock });
}

async function sleepThenAnswerAsync(ms: number, i: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return i;
}

/** The baseline of `sleepersJoined`: `n` async functions awaiting a timer, under `Promise.all`. */
export async function sleepersJoinedWithPromises(n: number, ms: number): Promise<number> {
  const values = await Promise.all(
    Array.from({ length: n }, (_, i) => sleepThenAnswerAsync(ms, i)),
  );
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

// ---------------------------------------------------------------------------
// Measuring: garbage collection, interleaved repetitions, medians.
// ---------------------------------------------------------------------------

/** `gc()`, exposed by `--v8-flags=--expose-gc` (`deno task bench` passes it). */
declare const gc: (() => void) | undefined;

function collectGarbage(): void {
  // Twice: the first collection can leave garbage that only it made unreachable.
  gc!();
  gc!();
}

function heapAfterGc(): number {
  collectGarbage();
  return Deno.memoryUsage().heapUsed;
}

/** Give up on a measurement that takes longer than this (a runtime that hangs). */
const measurementLimitMs = 300_000;

async function withinLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: Timer | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${measurementLimitMs / 1000} s`)),
      measurementLimitMs,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Something measured: the baseline, or a runtime. */
interface Contender<S> {
  name: string;
  measure(): Promise<S>;
}

/** Every sample of one contender, or why it stopped being measured. */
interface Samples<S> {
  name: string;
  samples: S[];
  error?: string;
}

/**
 * What the runs wrote to stderr while measured, collected rather than shown
 * among the figures, with how often: `native`'s notice of the orphans it
 * leaves at the end of every heap run is right for a lab, noise here.
 */
const saidDuringRuns = new Map<string, number>();

/** Measure `contender` with its `console.error` lines collected in {@link saidDuringRuns}. */
async function measureQuietly<S>(contender: Contender<S>): Promise<S> {
  const consoleError = console.error;
  console.error = (...data: unknown[]) => {
    const line = data.map((each) => typeof each === "string" ? each : Deno.inspect(each)).join(" ");
    saidDuringRuns.set(line, (saidDuringRuns.get(line) ?? 0) + 1);
  };
  try {
    return await withinLimit(contender.measure(), contender.name);
  } finally {
    console.error = consoleError;
  }
}

/**
 * One warm-up round, then `reps` rounds; each round measures every contender
 * once, starting one further along each time, with garbage collected first.
 * A contender that throws is dropped from the later rounds. `onStep` hears
 * of each measurement as it starts.
 */
async function interleave<S>(
  contenders: Contender<S>[],
  reps: number,
  onStep: (what: string) => void = () => {},
): Promise<Samples<S>[]> {
  const results = contenders.map(({ name }): Samples<S> => ({ name, samples: [] }));
  for (let round = -1; round < reps; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + Math.max(round, 0)) % contenders.length;
      const result = results[index];
      if (result.error !== undefined) continue;
      onStep(
        `${contenders[index].name}, ${round < 0 ? "warm-up" : `round ${round + 1} of ${reps}`}`,
      );
      collectGarbage();
      try {
        const sample = await measureQuietly(contenders[index]);
        if (round >= 0) result.samples.push(sample);
      } catch (error) {
        result.error = errorMessage(error);
      }
    }
  }
  return results;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Time `run`, which must answer 0 + 1 + ... + (n - 1), in milliseconds. */
async function timeSum(run: () => Promise<number>, n: number): Promise<number> {
  const start = performance.now();
  const sum = await run();
  const elapsed = performance.now() - start;
  if (sum !== expectedSum(n)) throw new Error(`the tasks summed to ${sum}, not ${expectedSum(n)}`);
  return elapsed;
}

/** Heap per suspended task, and what the run still held once it had ended. */
interface HeapSample {
  bytesPerTask: number;
  residualPerTask: number;
}

async function heapOfSuspended(
  suspend: (whileSuspended: () => number) => Promise<number>,
  n: number,
): Promise<HeapSample> {
  const before = heapAfterGc();
  const during = await suspend(() => heapAfterGc());
  await nextMacrotask();
  const after = heapAfterGc();
  return { bytesPerTask: (during - before) / n, residualPerTask: (after - before) / n };
}

// ---------------------------------------------------------------------------
// Goals, the report and the JSON file.
// ---------------------------------------------------------------------------

/** A goal of the issue, on a median or on its ratio to the promise baseline. */
export interface Goal {
  /** How it reads in the table: `<= 3x`, `<= 512 B`. */
  text: string;
  holds(median: number, ratio: number): boolean;
}

function atMostTimes(maxRatio: number): Goal {
  return { text: `<= ${maxRatio}x`, holds: (_, ratio) => ratio <= maxRatio };
}

function atMostBytes(maxBytes: number): Goal {
  return { text: `<= ${maxBytes} B`, holds: (median) => median <= maxBytes };
}

/** Spawn+join time against raw promises, by runtime; a runtime not listed has no goal. */
export const speedGoals: Readonly<Record<string, Goal>> = {
  generator: atMostTimes(3),
  nursery: atMostTimes(3),
  native: atMostTimes(2),
};

/**
 * Heap per suspended task, by runtime: absolute for generator and nursery
 * (issue 16's gate), on the virtual and on the real clock; against raw
 * promises for native.
 */
export const memoryGoals: Readonly<Record<string, Goal>> = {
  generator: atMostBytes(450),
  [realClockRow("generator")]: atMostBytes(450),
  native: atMostTimes(2),
  nursery: atMostBytes(450),
  [realClockRow("nursery")]: atMostBytes(450),
};

/** `timeout` around an operation that finishes at once, by runtime, against raw promises. */
export const timeoutGoals: Readonly<Record<string, Goal>> = {
  native: atMostTimes(1.5),
};

/** Tasks sleeping 10 ms on the real clock, then joined, by runtime, against raw promises. */
export const sleeperGoals: Readonly<Record<string, Goal>> = {
  native: atMostTimes(1.2),
  nursery: atMostTimes(1.2),
};

/** Spawn+join against the floor of its scheduling order, for every runtime that has one. */
export const floorGoal = 1.5;

/**
 * The library Effect (`effect` on npm, pinned in `deno.json`), written
 * idiomatically with no kit (`effect_native.ts`), by scenario; `effect`
 * alone names the kit runtime driven by Effect, when there is one.
 */
export const effectNames = {
  spawnSucceed: "Effect.succeed, no kit",
  spawnGen: "Effect.gen, no kit",
  other: "Effect, no kit",
} as const;

/**
 * A goal of one contender against another in the same scenario: its median
 * (time or bytes) at most `maxRatio` times theirs.
 */
export interface VersusGoal {
  name: string;
  against: string;
  maxRatio: number;
  /** How it reads: `at least 3x faster`. */
  text: string;
}

const adapterGoal = (against: string): VersusGoal => ({
  name: "effect",
  against,
  maxRatio: 1.5,
  text: "within 1.5x",
});

/**
 * Against native Effect, by scenario (issue 17's benchmarks, issue 16's
 * gate). Spawn+join is judged against `Effect.succeed` children, the faster
 * of Effect's two, so the harder goal.
 */
export const versusGoals = {
  spawnJoin: [
    {
      name: "generator",
      against: effectNames.spawnSucceed,
      maxRatio: 1 / 3,
      text: "at least 3x faster",
    },
    adapterGoal(effectNames.spawnSucceed),
  ],
  suspendedHeap: [
    { name: "generator", against: effectNames.other, maxRatio: 1 / 5, text: "at most 1/5" },
    adapterGoal(effectNames.other),
  ],
  pingPong: [
    {
      name: "generator",
      against: effectNames.other,
      maxRatio: 1 / 10,
      text: "at least 10x the messages per second",
    },
    adapterGoal(effectNames.other),
  ],
  timeouts: [
    {
      name: "generator",
      against: effectNames.other,
      maxRatio: 1,
      text: "at most the cost per call",
    },
    { name: "nursery", against: effectNames.other, maxRatio: 1, text: "at most the cost per call" },
  ],
} satisfies Record<string, VersusGoal[]>;

/** A `VersusGoal` as measured: `ratio` is null when either side has no median. */
interface VersusResult {
  name: string;
  against: string;
  goal: string;
  maxRatio: number;
  ratio: number | null;
  met: boolean | null;
  /** Why there is no ratio. */
  note: string | null;
}

function versus(rows: Row[], goals: readonly VersusGoal[]): VersusResult[] {
  if (rows.length === 0) return []; // a scenario left out by --only
  return goals.map(({ name, against, maxRatio, text }) => {
    const mine = rows.find((row) => row.name === name);
    const theirs = rows.find((row) => row.name === against);
    const base = { name, against, goal: `${text} (<= ${formatRatio(maxRatio)})`, maxRatio };
    if (mine === undefined) {
      return { ...base, ratio: null, met: null, note: `not yet measured: no ${name} runtime` };
    }
    if (mine.median === null || theirs?.median == null) {
      return { ...base, ratio: null, met: false, note: "not measured: a side failed" };
    }
    const ratio = mine.median / theirs.median;
    return { ...base, ratio, met: ratio <= maxRatio, note: null };
  });
}

function printVersus(results: VersusResult[]): void {
  for (const { name, against, goal, ratio, met, note } of results) {
    const figure = ratio === null ? note : `${formatRatio(ratio)} ${met ? "ok" : "MISSED"}`;
    console.log(`  against ${against}: ${name} ${goal}: ${figure}`);
  }
}

function missedVersus(scenario: string, results: VersusResult[]): string[] {
  return results.filter((result) => result.met === false).map(({ name, against, goal, ratio }) =>
    `${name} ${scenario} against ${against}: goal ${goal}, was ${
      ratio === null ? "not measured" : formatRatio(ratio)
    }`
  );
}

/**
 * Against the real Effection (the reference), by runtime: spawn+join at least
 * 30x faster, and at most 1/15 of its heap per suspended task.
 */
export const effectionGoals: Readonly<Record<string, { speed: number; memory: number }>> = {
  generator: { speed: 1 / 30, memory: 1 / 15 },
};

const baselineName = "promises";

/**
 * The floors of spawn+join (`floor.ts`): the least a driver of these verbs
 * costs, children queued (as under generator and nursery) or run at once
 * (as under native). They show how much of a runtime's time is its own.
 */
const floors = [floorDriver("fifo"), floorDriver("inline")];

/** Which floor a runtime's spawn+join is read against. */
export const floorOf: Readonly<Record<string, string>> = {
  generator: floors[0].name,
  nursery: floors[0].name,
  native: floors[1].name,
};

/** Each runtime's spawn+join median over its floor's, when both ran. */
function againstFloors(rows: Row[]): { name: string; floor: string; ratio: number }[] {
  const medianOf = (name: string) => rows.find((row) => row.name === name)?.median ?? null;
  return rows.flatMap(({ name, median }) => {
    const floor = floorOf[name];
    const floorMedian = floor === undefined ? null : medianOf(floor);
    if (median === null || floorMedian === null) return [];
    return [{ name, floor, ratio: median / floorMedian }];
  });
}

/** One contender's line in a table and in the JSON file. */
interface Row {
  name: string;
  samples: number[];
  median: number | null;
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
  /** Its median over effection's, when effection ran. */
  vsEffection: number | null;
  /** The goal against effection, if any: at most this ratio. */
  effectionGoal: number | null;
  /** Whether the goal against raw promises held, and the one against effection. */
  metPromises: boolean | null;
  metEffection: boolean | null;
  error: string | null;
}

/** Medians, ratios to the baseline (the first contender) and goals. */
function summarize(
  results: Samples<number>[],
  goals: Readonly<Record<string, Goal>>,
  effectionGoalOf: (name: string) => number | undefined,
): Row[] {
  // A scenario left out by --only has no contenders, and so no rows.
  if (results.length === 0) return [];
  const [baseline] = results;
  if (baseline.error !== undefined) {
    throw new Error(`the ${baseline.name} baseline failed: ${baseline.error}`);
  }
  const baselineMedian = median(baseline.samples);
  const effection = results.find((result) => result.name === "effection");
  const effectionMedian = effection && effection.error === undefined
    ? median(effection.samples)
    : null;
  return results.map(({ name, samples, error }, index) => {
    const goal = index === 0 ? undefined : goals[name];
    const value = error === undefined ? median(samples) : null;
    const ratio = value === null ? null : value / baselineMedian;
    const vsEffection = value === null || effectionMedian === null ? null : value / effectionMedian;
    const effectionGoal = effectionMedian === null ? undefined : effectionGoalOf(name);
    const metLocal = goal === undefined ? null : value !== null && goal.holds(value, ratio!);
    const metEffection = effectionGoal === undefined
      ? null
      : vsEffection !== null && vsEffection <= effectionGoal;
    return {
      name,
      samples,
      median: value,
      ratio,
      goal: goal?.text ?? null,
      met: metLocal === null
        ? metEffection
        : metEffection === null
        ? metLocal
        : metLocal && metEffection,
      vsEffection,
      effectionGoal: effectionGoal ?? null,
      metPromises: metLocal,
      metEffection,
      error: error ?? null,
    };
  });
}

/** What went wrong, one phrase per missed goal or failed runtime. */
function missedGoals(scenario: string, rows: Row[], unit: (value: number) => string): string[] {
  return rows.filter((row) => row.met === false || row.error !== null).map((row) => {
    if (row.error !== null) return `${row.name} ${scenario} failed`;
    const missed = [
      row.metPromises === false ? `${row.goal} (was ${formatRatio(row.ratio!)})` : null,
      row.metEffection === false
        ? `<= 1/${Math.round(1 / row.effectionGoal!)} of effection (was 1/${
          Math.round(1 / row.vsEffection!)
        })`
        : null,
    ].filter(Boolean);
    return `${row.name} ${scenario} ${unit(row.median!)}: goal ${missed.join(" and ")}`;
  });
}

function formatMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

function formatBytes(bytes: number): string {
  return `${Math.round(bytes).toLocaleString("en-US")} B`;
}

function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

function rangeOf(samples: number[], unit: (value: number) => string): string {
  if (samples.length < 2) return "";
  const low = unit(Math.min(...samples)).replace(/ \S+$/, ""); // the unit once: 1.6-2.1 ms
  return `${low}-${unit(Math.max(...samples))}`;
}

function printTable(title: string, rows: Row[], unit: (value: number) => string): void {
  const header = ["runtime", "median", "range", "ratio to promises", "to effection", "goal"];
  const verdict = (met: boolean | null) => met ? "ok" : "MISSED";
  const goalText = (row: Row) =>
    [
      row.goal === null ? null : `${row.goal} ${verdict(row.metPromises)}`,
      row.effectionGoal === null
        ? null
        : `<= 1/${Math.round(1 / row.effectionGoal)} of effection ${verdict(row.metEffection)}`,
    ].filter(Boolean).join(", ");
  const cells = rows.map((row) => [
    row.name,
    row.median === null ? "-" : unit(row.median),
    rangeOf(row.samples, unit),
    row.ratio === null ? "" : formatRatio(row.ratio),
    row.vsEffection === null
      ? ""
      : row.vsEffection < 1
      ? `1/${Math.round(1 / row.vsEffection)}`
      : formatRatio(row.vsEffection),
    row.error !== null ? `FAILED: ${row.error}` : row.met === null ? "" : goalText(row),
  ]);
  const widths = header.map((label, column) =>
    Math.max(label.length, ...cells.map((cell) => cell[column].length))
  );
  const last = header.length - 1;
  // Names left-aligned, numbers right-aligned, the goal as it comes.
  const line = (cell: string[]) =>
    "  " +
    cell.map((text, column) =>
      column === 0 ? text.padEnd(widths[0]) : column === last ? text : text.padStart(widths[column])
    ).join("   ").trimEnd();
  console.log(title);
  console.log(line(header));
  for (const cell of cells) console.log(line(cell));
}

async function writeResultsAtomically(results: unknown, file: string): Promise<string> {
  const folder = new URL("./results/", import.meta.url);
  const target = new URL(file, folder);
  const temporary = new URL(`${file}.${Deno.pid}.tmp`, folder);
  await Deno.mkdir(folder, { recursive: true });
  try {
    await Deno.writeTextFile(temporary, JSON.stringify(results, null, 2) + "\n");
    await Deno.rename(temporary, target);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return target.pathname;
}

// ---------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------

/** The scenarios, in the order they run and print, as `--only` names them. */
const scenarioNames = ["spawn-join", "heap", "ping-pong", "timeouts", "sleepers"] as const;

type ScenarioName = typeof scenarioNames[number];

const allowedScenarios = listOf(scenarioNames);

const usage = [
  "Usage: deno task bench [-- options]",
  "",
  "Measures every runtime against raw promises in the same run, and against",
  "Effect written natively (no kit) where a goal names it:",
  "  spawn+join of N tasks; heap per suspended task (N tasks);",
  "  ping-pong of N messages each way through two queues;",
  "  N timeout(1000, an operation that finishes at once) in sequence;",
  "  N/10 tasks each sleeping 10 ms on the real clock, then joined.",
  "Writes bench/results/latest.json; progress goes to stderr. A default run",
  "takes several minutes: 19 minutes (6.4 minutes of CPU) on a shared 2-core",
  "machine, a third of it effection's spawn+join; --tasks and --reps scale it",
  "(--tasks 10000 --reps 3: about a minute there).",
  "",
  "Options:",
  "  --tasks N         tasks per scenario (default 100000)",
  "  --reps R          measured repetitions of each timed scenario (default 7)",
  "  --memory-reps M   measured repetitions of the heap scenario (default 3, or R if smaller)",
  "  --only NAMES      only the scenarios named, a comma list of",
  `                    ${allowedScenarios};`,
  "                    their figures go to bench/results/only.json instead",
  "  -h, --help        show this help",
].join("\n");

interface Settings {
  tasks: number;
  reps: number;
  memoryReps: number;
  /** The scenarios to run, in their own order: all of them unless `--only` says. */
  only: readonly ScenarioName[];
  /** Whether `--only` chose them. */
  chosen: boolean;
}

/** `--only`'s comma list, checked against {@link scenarioNames}; exits 2 on an unknown name. */
function parseOnly(text: string | undefined): readonly ScenarioName[] {
  if (text === undefined) return scenarioNames;
  const names = text.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(scenarioNames as readonly string[]).includes(name)) {
      exitWithUsage(
        name === ""
          ? `--only takes a comma list of scenarios, not '${text}'; allowed: ${allowedScenarios}`
          : `unknown scenario '${name}' in --only; allowed: ${allowedScenarios}`,
        usage,
      );
    }
  }
  return scenarioNames.filter((name) => names.includes(name));
}

function positiveInteger(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9_]*$/.test(text)) {
    exitWithUsage(`${option} takes a whole number of 1 or more, not '${text}'`, usage);
  }
  return Number(text.replaceAll("_", ""));
}

function parseSettings(args: string[]): Settings {
  const values = parseOptionsOrExit(args, {
    tasks: { type: "string" },
    reps: { type: "string" },
    "memory-reps": { type: "string" },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, usage);
  const tasks = positiveInteger("--tasks", values.tasks as string | undefined, 100_000);
  const reps = positiveInteger("--reps", values.reps as string | undefined, 7);
  const memoryReps = positiveInteger(
    "--memory-reps",
    values["memory-reps"] as string | undefined,
    Math.min(3, reps),
  );
  const onlyText = values.only as string | undefined;
  return { tasks, reps, memoryReps, only: parseOnly(onlyText), chosen: onlyText !== undefined };
}

/** The deadline of the timeout scenario: far enough that it never fires. */
const timeoutMs = 1000;

/**
 * Runtimes the timeout scenario leaves out: effection took about 3.8 ms a
 * call here (5,000 calls, a loaded 2-core machine), so 100,000 would take
 * minutes per repetition.
 */
const leftOutOfTimeouts = ["effection"];

/** How long each task of the sleepers scenario sleeps. */
const sleeperMs = 10;

function formatPerSecond(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M` : `${(perSecond / 1e3).toFixed(0)}k`;
}

/** A line of derived figures, one per contender with a median. */
function printDerived(label: string, rows: Row[], figure: (median: number) => string): void {
  const list = rows.flatMap(({ name, median }) =>
    median === null ? [] : [`${name} ${figure(median)}`]
  );
  if (list.length > 0) console.log(`  ${label}: ${list.join(", ")}`);
}

async function main(): Promise<number> {
  const { tasks: n, reps, memoryReps, only, chosen } = parseSettings(Deno.args);
  if (typeof gc !== "function") {
    exitWithUsage(
      "gc() is not exposed; run `deno task bench` (it passes --v8-flags=--expose-gc)",
      usage,
    );
  }
  const runs = (scenario: ScenarioName) => only.includes(scenario);
  const entries = Object.entries(runtimes);
  const sleepers = Math.max(1, Math.round(n / 10));
  const effect = effectNames.other;

  // Memory first. Deno's setTimeout returns a Node-style `Timeout` object,
  // and after the spawn+join runs V8 was seen to give new ones dictionary
  // properties (some 700 B more each), which would inflate the baseline.
  const memoryContenders: Contender<HeapSample>[] = !runs("heap") ? [] : [
    {
      name: baselineName,
      measure: () => heapOfSuspended((probe) => suspendManyWithPromises(n, probe), n),
    },
    ...entries.map(([name, runtime]) => ({
      name,
      measure: () => heapOfSuspended((probe) => suspendMany(runtime, n, probe), n),
    })),
    ...onRealClock.map((name) => ({
      name: realClockRow(name),
      measure: () =>
        heapOfSuspended((probe) => suspendManyOnRealClock(runtimes[name], n, probe), n),
    })),
    {
      name: effect,
      measure: () =>
        heapOfSuspended(
          (probe) => effectSuspendMany(n, HOUR, probe, (suspended) => allAsleep(n, suspended)),
          n,
        ),
    },
  ];
  const speedContenders: Contender<number>[] = !runs("spawn-join") ? [] : [
    { name: baselineName, measure: () => timeSum(() => spawnAndJoinWithPromises(n), n) },
    ...floors.map((floor) => ({
      name: floor.name,
      measure: () => timeSum(() => spawnAndJoin(floor, n), n),
    })),
    ...entries.map(([name, runtime]) => ({
      name,
      measure: () => timeSum(() => spawnAndJoin(runtime, n), n),
    })),
    {
      name: effectNames.spawnSucceed,
      measure: () => timeSum(() => effectSpawnAndJoin(n, "succeed"), n),
    },
    { name: effectNames.spawnGen, measure: () => timeSum(() => effectSpawnAndJoin(n, "gen"), n) },
  ];
  const queueContenders: Contender<number>[] = !runs("ping-pong") ? [] : [
    { name: baselineName, measure: () => timeSum(() => pingPongWithPromises(n), n) },
    ...entries.map(([name, runtime]) => ({
      name,
      measure: () => timeSum(() => pingPong(runtime, n), n),
    })),
    { name: effect, measure: () => timeSum(() => effectPingPong(n), n) },
  ];
  const timeoutContenders: Contender<number>[] = !runs("timeouts") ? [] : [
    { name: baselineName, measure: () => timeSum(() => timeoutsWithPromises(n, timeoutMs), n) },
    ...entries.filter(([name]) => !leftOutOfTimeouts.includes(name)).map(([name, runtime]) => ({
      name,
      measure: () => timeSum(() => timeouts(runtime, n, timeoutMs), n),
    })),
    { name: effect, measure: () => timeSum(() => effectTimeouts(n, timeoutMs), n) },
  ];
  const sleepingContenders: Contender<number>[] = !runs("sleepers") ? [] : [
    {
      name: baselineName,
      measure: () => timeSum(() => sleepersJoinedWithPromises(sleepers, sleeperMs), sleepers),
    },
    ...entries.map(([name, runtime]) => ({
      name,
      measure: () => timeSum(() => sleepersJoined(runtime, sleepers, sleeperMs), sleepers),
    })),
  ];
  const timed = [speedContenders, queueContenders, timeoutContenders, sleepingContenders];
  const progress = showProgress(
    "bench",
    (memoryReps + 1) * memoryContenders.length +
      (reps + 1) * timed.reduce((sum, contenders) => sum + contenders.length, 0),
  );
  const memory = await interleave(
    memoryContenders,
    memoryReps,
    (what) => progress.step(`heap per task: ${what}`),
  );
  const speed = await interleave(
    speedContenders,
    reps,
    (what) => progress.step(`spawn+join: ${what}`),
  );
  const queue = await interleave(
    queueContenders,
    reps,
    (what) => progress.step(`ping-pong: ${what}`),
  );
  const timeout = await interleave(
    timeoutContenders,
    reps,
    (what) => progress.step(`timeouts: ${what}`),
  );
  const sleeping = await interleave(
    sleepingContenders,
    reps,
    (what) => progress.step(`10 ms sleepers: ${what}`),
  );
  progress.done();

  const noGoal = {};
  const speedRows = summarize(speed, speedGoals, (name) => effectionGoals[name]?.speed);
  const memoryRows = summarize(
    memory.map(({ name, samples, error }) => ({
      name,
      samples: samples.map((sample) => sample.bytesPerTask),
      error,
    })),
    memoryGoals,
    (name) => effectionGoals[name]?.memory,
  );
  const queueRows = summarize(queue, noGoal, () => undefined);
  const timeoutRows = summarize(timeout, timeoutGoals, () => undefined);
  const sleeperRows = summarize(sleeping, sleeperGoals, () => undefined);
  const speedVersus = versus(speedRows, versusGoals.spawnJoin);
  const memoryVersus = versus(memoryRows, versusGoals.suspendedHeap);
  const queueVersus = versus(queueRows, versusGoals.pingPong);
  const timeoutVersus = versus(timeoutRows, versusGoals.timeouts);
  const overFloors = againstFloors(speedRows).map((entry) => ({
    ...entry,
    goal: `<= ${floorGoal}x`,
    met: entry.ratio <= floorGoal,
  }));
  const missed = [
    ...missedGoals("spawn+join", speedRows, formatMs),
    ...overFloors.filter(({ met }) => !met).map(({ name, floor, ratio }) =>
      `${name} spawn+join against the ${floor}: goal <= ${floorGoal}x (was ${formatRatio(ratio)})`
    ),
    ...missedVersus("spawn+join", speedVersus),
    ...missedGoals("heap per task", memoryRows, formatBytes),
    ...missedVersus("heap per task", memoryVersus),
    ...missedGoals("ping-pong", queueRows, formatMs),
    ...missedVersus("ping-pong", queueVersus),
    ...missedGoals("timeouts", timeoutRows, formatMs),
    ...missedVersus("timeouts", timeoutVersus),
    ...missedGoals("10 ms sleepers", sleeperRows, formatMs),
  ];

  const count = `${n.toLocaleString("en-US")} task${n === 1 ? "" : "s"}`;
  // Each table is followed by an empty line, but for the last one printed.
  const sections: (() => void)[] = [];
  if (runs("spawn-join")) {
    sections.push(() => {
      printTable(`spawn+join ${count} (median of ${reps}, interleaved)`, speedRows, formatMs);
      if (overFloors.length > 0) {
        const list = overFloors.map(({ name, floor, ratio, met }) =>
          `${name} ${formatRatio(ratio)} ${floor} ${met ? "ok" : "MISSED"}`
        );
        console.log(`  against its floor (goal <= ${floorGoal}x): ${list.join(", ")}`);
      }
      printVersus(speedVersus);
    });
  }
  if (runs("heap")) {
    sections.push(() => {
      printTable(
        `heap per suspended task, ${count} (median of ${memoryReps}, interleaved)`,
        memoryRows,
        formatBytes,
      );
      const residuals = memory
        .filter(({ samples }) => samples.length > 0)
        .map(({ name, samples }) => ({
          name,
          residual: median(samples.map((s) => s.residualPerTask)),
        }))
        // Worth a word only when it is per task, not the run's own few kilobytes.
        .filter(({ residual }) => residual > 32 && residual * n > 1 << 20);
      if (residuals.length > 0) {
        const list = residuals.map(({ name, residual }) => `${name} ${formatBytes(residual)}`);
        console.log(`  note: still held per task once the run had ended: ${list.join(", ")}`);
      }
      console.log(
        "  the kit's sleepers wait on its virtual clock (no host timer each), and the rows so marked on the real clock (one host timer for all); Effect's on its default clock (one host timer each)",
      );
      printVersus(memoryVersus);
    });
  }
  if (runs("ping-pong")) {
    sections.push(() => {
      printTable(
        `ping-pong, ${
          n.toLocaleString("en-US")
        } messages each way (median of ${reps}, interleaved)`,
        queueRows,
        formatMs,
      );
      printDerived(
        "messages per second",
        queueRows,
        (ms) => formatPerSecond(2 * n / (ms / 1000)),
      );
      printVersus(queueVersus);
    });
  }
  if (runs("timeouts")) {
    sections.push(() => {
      printTable(
        `timeout(${timeoutMs}, an operation that finishes at once), ${
          n.toLocaleString("en-US")
        } in sequence (median of ${reps}, interleaved)`,
        timeoutRows,
        formatMs,
      );
      printDerived("per call", timeoutRows, (ms) => `${(1000 * ms / n).toFixed(2)} µs`);
      console.log(`  left out, too slow to repeat at this size: ${leftOutOfTimeouts.join(", ")}`);
      printVersus(timeoutVersus);
    });
  }
  if (runs("sleepers")) {
    sections.push(() =>
      printTable(
        `${
          sleepers.toLocaleString("en-US")
        } tasks sleeping ${sleeperMs} ms, then joined, real clock (median of ${reps}, interleaved)`,
        sleeperRows,
        formatMs,
      )
    );
  }
  for (const section of sections) {
    section();
    console.log("");
  }
  const goalsOf = chosen ? `the goals of ${listOf(only)}` : "the goals";
  console.log(
    missed.length === 0
      ? `every goal held${chosen ? ` (${goalsOf})` : ""}`
      : `MISSED ${missed.length} of ${goalsOf}: ${missed.join("; ")}`,
  );
  for (const [line, times] of saidDuringRuns) {
    console.error(`said on stderr during the runs${times > 1 ? ` (${times} times)` : ""}: ${line}`);
  }

  const results = {
    date: new Date().toISOString(),
    deno: Deno.version,
    effect: await effectVersion(),
    tasks: n,
    scenarios: only,
    ...(runs("spawn-join") && {
      spawnJoin: {
        unit: "ms",
        reps,
        rows: speedRows,
        againstFloors: overFloors,
        versus: speedVersus,
      },
    }),
    ...(runs("heap") && {
      suspendedHeap: {
        unit: "bytes per task",
        reps: memoryReps,
        rows: memoryRows.map((row, index) => ({
          ...row,
          residualAfterRun: memory[index].samples.map((sample) => sample.residualPerTask),
        })),
        versus: memoryVersus,
      },
    }),
    ...(runs("ping-pong") && {
      pingPong: {
        title: `Ping-pong through two queues, ${n.toLocaleString("en-US")} messages each way: time`,
        unit: "ms",
        reps,
        messages: 2 * n,
        rows: queueRows,
        versus: queueVersus,
      },
    }),
    ...(runs("timeouts") && {
      timeouts: {
        title: `timeout(${timeoutMs}, an operation that finishes at once), ${
          n.toLocaleString("en-US")
        } in sequence: time`,
        unit: "ms",
        reps,
        rows: timeoutRows,
        versus: timeoutVersus,
      },
    }),
    ...(runs("sleepers") && {
      sleepers: {
        title: `${
          sleepers.toLocaleString("en-US")
        } tasks sleeping ${sleeperMs} ms on the real clock, then joined: time`,
        unit: "ms",
        reps,
        tasks: sleepers,
        rows: sleeperRows,
      },
    }),
    missed,
    allGoalsMet: missed.length === 0,
  };
  const file = chosen ? "only.json" : "latest.json";
  try {
    console.log(`results: ${await writeResultsAtomically(results, file)}`);
  } catch (error) {
    console.error(`could not write bench/results/${file}: ${(error as Error).message}`);
    return exitStatus.failed;
  }
  return exitStatus.ok;
}

/** The `effect` package as `deno.json` pins it, for the results file. */
async function effectVersion(): Promise<string | null> {
  try {
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    return typeof config?.imports?.effect === "string" ? config.imports.effect : null;
  } catch {
    return null;
  }
}

if (import.meta.main) {
  // Exit explicitly: a runtime that leaves orphans (native) may keep a timer
  // or a port alive, and a benchmark must not hang once it has reported.
  Deno.exit(await main());
}
