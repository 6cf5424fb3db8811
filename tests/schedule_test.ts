// `--schedule fifo|shuffle[:SEED]`: the seeded order of tasks woken together,
// under the runtimes that have a run queue of their own, and on the command line.

import { deepEqual, equal, match, notEqual, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { UsageError } from "../labs/lab.ts";
import { countdownLab, countdownMain } from "../labs/countdown.ts";
import { runtimes, shufflingRuntimeNames } from "../runtimes/registry.ts";
import { fifo, seededRandom, shuffleIndexes } from "../runtimes/schedule.ts";
import type { Schedule } from "../runtimes/types.ts";
import { createQueue } from "../runtimes/queue.ts";
import { log, sleep, spawn } from "../runtimes/verbs.ts";
import { virtualClock } from "../runtimes/clock.ts";
import type { OperationFn } from "../runtimes/types.ts";
import { compareLab, formatComparison } from "../tools/compare.ts";
import { runScene } from "../tools/report.ts";
import { parseSchedule, refuseShuffleFor } from "../tools/schedule_option.ts";
import { runProbe } from "../tools/matrix.ts";
import { probes } from "../tools/matrix_probes.ts";
import {
  observe,
  observeRecord,
  observeScenario,
  oracleResults,
  references,
} from "../tools/references.ts";
import { cleanupScenarios } from "./conformance/cleanup.ts";
import { combinatorScenarios } from "./conformance/combinators.ts";
import { delegationScenarios } from "./conformance/delegation.ts";
import { scopeScenarios } from "./conformance/scopes.ts";
import { timeoutScenarios } from "./conformance/timeouts.ts";
import { taskScenarios } from "./conformance/tasks.ts";
import { runDeno, tell } from "./harness.ts";

const shuffle = (seed: number): Schedule => ({ order: "shuffle", seed });

/** The lines `fn` prints under `runtime` on a virtual clock, with `schedule`. */
async function printed(
  runtime: string,
  fn: OperationFn<unknown>,
  schedule?: Schedule,
): Promise<string[]> {
  const lines: string[] = [];
  await runtimes[runtime].run(fn, {
    clock: virtualClock(),
    output: (line) => lines.push(line),
    schedule,
  });
  return lines;
}

/** The countdown's two lines at 2.0 s, as labels: `["B = 3", "D = 2"]` in the order printed. */
async function countdownTie(runtime: string, schedule?: Schedule): Promise<string[]> {
  const lines = await printed(runtime, () => countdownMain({ blocking: false }), schedule);
  return lines.filter((line) => line.startsWith("2.000s")).map((line) => line.trim().slice(-5));
}

Deno.test("schedule: the runtimes that shuffle are nursery and generator", () => {
  deepEqual([...shufflingRuntimeNames].sort(), ["generator", "nursery"]);
});

Deno.test("schedule: the seeded source replays the same numbers, in [0, 1), pinned", () => {
  const first = seededRandom(42);
  const again = seededRandom(42);
  const numbers = Array.from({ length: 1000 }, () => first());
  deepEqual(Array.from({ length: 1000 }, () => again()), numbers);
  ok(numbers.every((number) => number >= 0 && number < 1));
  // A change to the generator would change every replayed run: the first
  // draws of seed 0 are pinned.
  deepEqual(
    Array.from({ length: 3 }, seededRandom(0)).map((number) => number.toFixed(6)),
    ["0.266429", "0.000330", "0.223272"],
  );
  notEqual(seededRandom(1)(), seededRandom(2)());
});

Deno.test("schedule: a shuffle of three is a permutation, and every order comes up over seeds", () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const order: number[] = [];
    shuffleIndexes(order, 3, seededRandom(seed));
    deepEqual([...order].sort(), [0, 1, 2]);
    seen.add(order.join(""));
  }
  deepEqual([...seen].sort(), ["012", "021", "102", "120", "201", "210"]);
});

for (const runtime of shufflingRuntimeNames) {
  Deno.test(`schedule: ${runtime}'s countdown tie at 2.0 s comes out both ways over seeds`, async () => {
    // FIFO: the order the timers were armed (B at 0 s, D at 1 s).
    deepEqual(await countdownTie(runtime), ["B = 3", "D = 2"]);
    deepEqual(await countdownTie(runtime, fifo), ["B = 3", "D = 2"]);
    // Two seeds found to give each order, pinned.
    deepEqual(await countdownTie(runtime, shuffle(1)), ["B = 3", "D = 2"]);
    deepEqual(await countdownTie(runtime, shuffle(0)), ["D = 2", "B = 3"]);
  });

  Deno.test(`schedule: ${runtime} with the same seed prints the same lines`, async () => {
    const main = () => countdownMain({ blocking: false });
    for (const seed of [0, 1, 7, 4294967295]) {
      deepEqual(
        await printed(runtime, main, shuffle(seed)),
        await printed(runtime, main, shuffle(seed)),
      );
    }
  });

  Deno.test(`schedule: ${runtime}'s two spawned children run in both orders over seeds, after the parent`, async () => {
    function* twoSpawns() {
      yield* spawn(function* a() {
        yield* log("child a");
      });
      yield* spawn(function* b() {
        yield* log("child b");
      });
      yield* log("parent");
      yield* sleep(1);
    }
    deepEqual(await printed(runtime, twoSpawns), ["parent", "child a", "child b"]);
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      orders.add((await printed(runtime, twoSpawns, shuffle(seed))).join(", "));
    }
    deepEqual([...orders].sort(), ["parent, child a, child b", "parent, child b, child a"]);
  });

  Deno.test(`schedule: ${runtime} runs a task woken by a batch after that whole batch`, async () => {
    // a, b and c wake at 10 ms in one batch; the first to run wakes the
    // listener, which runs only after the other two, whatever the order.
    function* main() {
      const heard = createQueue<string>();
      yield* spawn(function* listener() {
        yield* log(`listener heard ${yield* heard.get()}`);
      });
      for (const name of ["a", "b", "c"]) {
        yield* spawn(function* () {
          yield* sleep(10);
          yield* log(`${name} woke`);
          heard.put(name);
        });
      }
      yield* sleep(20);
    }
    const orders = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const lines = await printed(runtime, main, shuffle(seed));
      const woke = lines.slice(0, 3).map((line) => line.replace(" woke", ""));
      deepEqual([...woke].sort(), ["a", "b", "c"]);
      deepEqual(lines.slice(3), [`listener heard ${woke[0]}`]);
      orders.add(woke.join(""));
    }
    equal(orders.size, 6);
  });
}

Deno.test("schedule: --schedule values parse, and bad ones name the allowed values", () => {
  deepEqual(parseSchedule(undefined), { schedule: fifo, picked: false });
  deepEqual(parseSchedule("fifo"), { schedule: fifo, picked: false });
  deepEqual(parseSchedule("shuffle:42"), { schedule: shuffle(42), picked: false });
  deepEqual(parseSchedule("shuffle:4294967295").schedule, shuffle(4294967295));
  const picked = parseSchedule("shuffle");
  equal(picked.picked, true);
  equal(picked.schedule.order, "shuffle");
  const allowed =
    /allowed: fifo, shuffle or shuffle:SEED \(SEED a whole number from 0 to 4294967295\)/;
  for (
    const bad of ["lifo", "shuffle:abc", "shuffle:", "shuffle:-1", "shuffle:1.5", "shuffle:0x10"]
  ) {
    throws(
      () => parseSchedule(bad),
      (error) => error instanceof UsageError && allowed.test(error.message),
    );
  }
  throws(() => parseSchedule("shuffle:4294967296"), /bad seed '4294967296'/);
});

Deno.test("schedule: a shuffle is refused for a runtime that cannot shuffle, naming those that can", () => {
  const given = (schedule: Schedule) => ({ schedule, picked: false });
  refuseShuffleFor("nursery", given(shuffle(1)));
  refuseShuffleFor("native", given(fifo));
  throws(
    () => refuseShuffleFor("native", given(shuffle(1))),
    /--schedule shuffle:1 cannot apply to native.*allowed runtimes: nursery or generator/,
  );
  throws(() => refuseShuffleFor("effection", given(shuffle(1))), /cannot apply to effection/);
  // A seed picked for a bare `shuffle` is not one the user gave: the option is named as given.
  throws(
    () => refuseShuffleFor("effect", { schedule: shuffle(7), picked: true }),
    /: --schedule shuffle cannot apply to effect, /,
  );
});

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const lab = (args: string[]) => runDeno(["run", "--allow-read", "--allow-env", labScript, ...args]);

Deno.test("schedule: lab --schedule shuffle prints its seed on stderr, and that seed replays the run byte for byte", async () => {
  const first = await lab([
    "countdown",
    "--clock",
    "virtual",
    "--runtime",
    "nursery",
    "--schedule",
    "shuffle",
  ]);
  equal(first.code, 0);
  const said =
    /^schedule: (shuffle:(\d+)) \(the same seed replays this run: --schedule shuffle:\2\)$/m
      .exec(first.stderr);
  ok(said, first.stderr);
  equal(first.stderr.trim().split("\n").length, 1);
  const again = await lab([
    "countdown",
    "--clock",
    "virtual",
    "--runtime",
    "nursery",
    "--schedule",
    said[1],
  ]);
  equal(again.code, 0);
  equal(again.stdout, first.stdout);
  // A seed given is not said again.
  equal(again.stderr, "");
});

for (
  const [args, message] of [
    [
      ["--schedule", "shuffle:abc"],
      /^error: bad seed 'abc' in --schedule shuffle:abc; allowed: fifo, shuffle or shuffle:SEED/,
    ],
    [
      ["--schedule", "lifo"],
      /^error: unknown schedule 'lifo'; allowed: fifo, shuffle or shuffle:SEED/,
    ],
    [["--schedule"], /^error: --schedule needs a value: one of fifo, shuffle or shuffle:SEED$/m],
    [
      ["--runtime", "native", "--schedule", "shuffle:3"],
      /^error: --schedule shuffle:3 cannot apply to native.*allowed runtimes: nursery or generator/,
    ],
    [
      ["--runtime", "native", "--schedule", "shuffle"],
      /^error: --schedule shuffle cannot apply to native.*allowed runtimes: nursery or generator/,
    ],
  ] as const
) {
  Deno.test(`schedule: lab countdown ${args.join(" ")} is a usage error, exit 2`, async () => {
    const { code, stdout, stderr } = await lab(["countdown", "--clock", "virtual", ...args]);
    equal(code, 2);
    equal(stdout, "");
    match(stderr, message);
    match(stderr, /--schedule fifo\|shuffle\[:SEED\]/);
  });
}

Deno.test("schedule: compare --schedule shuffle:0 shuffles nursery and generator only, and says so", async () => {
  const rows = await compareLab(
    countdownLab,
    { blocking: false },
    "virtual",
    undefined,
    shuffle(0),
  );
  const group = Object.fromEntries(rows.map((row) => [row.runtime, row.match]));
  equal(group.nursery, group.generator);
  equal(group.native, group.effection);
  notEqual(group.native, group.nursery);
  const nursery = rows.find((row) => row.runtime === "nursery")!;
  deepEqual(
    nursery.output.filter((line) => line.startsWith("2.000s")).map((line) => line.trim().slice(-5)),
    ["D = 2", "B = 3"],
  );
  const text = formatComparison("countdown", "virtual", rows, false, undefined, shuffle(0));
  match(
    text,
    /^schedule shuffle:0: nursery, generator shuffle each batch of woken tasks from this seed; native, effection.* run in their own order$/m,
  );
  // Under fifo the header says nothing of the schedule, and every runtime agrees.
  const fifoRows = await compareLab(countdownLab, { blocking: false }, "virtual", undefined, fifo);
  ok(fifoRows.every((row) => row.match === "same"));
  ok(!/schedule/.test(formatComparison("countdown", "virtual", fifoRows, false, undefined, fifo)));
});

const reportScript = fileURLToPath(new URL("../tools/report.ts", import.meta.url));

Deno.test("schedule: report --schedule shuffle:0 runs the shufflers shuffled and gives each its replay command", async () => {
  const { runs, schedule } = await runScene({ lab: "countdown", args: [], lesson: "" }, shuffle(0));
  deepEqual(schedule, shuffle(0));
  const tie = (runtime: string) =>
    runs.find((run) => run.runtime === runtime)!.output.filter((line) => line.startsWith("2.000s"))
      .map((line) => line.trim().slice(-5));
  deepEqual(tie("nursery"), ["D = 2", "B = 3"]);
  deepEqual(tie("generator"), ["D = 2", "B = 3"]);
  deepEqual(tie("native"), ["B = 3", "D = 2"]);
  const out = await Deno.makeTempDir();
  try {
    const site = `${out}/site`;
    const { code, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-write",
      reportScript,
      "--labs",
      "countdown",
      "--out",
      site,
      "--schedule",
      "shuffle:0",
    ]);
    equal(code, 0, stderr);
    const page = await Deno.readTextFile(`${site}/index.html`);
    match(
      page,
      /Under nursery and generator, tasks woken together ran in a shuffled order \(--schedule shuffle:0, which replays it\)/,
    );
    match(page, /deno task lab countdown --runtime nursery --clock virtual --schedule shuffle:0/);
    match(page, /deno task lab countdown --runtime native --clock virtual</);
    const bad = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      reportScript,
      "--schedule",
      "lifo",
    ]);
    equal(bad.code, 2);
    match(bad.stderr, /^error: unknown schedule 'lifo'; allowed: fifo, shuffle or shuffle:SEED/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

// A frame can be queued twice in one batch: the joiner of a child whose
// cleanup failed is woken with the error and, by the same failure, halted.
// Shuffling orders tasks, not a task's own wake-ups: the first queued still
// wins, as under fifo, whatever the seed.
for (
  const name of [
    "an error thrown by cleanup during a halt",
    "an ensure cleanup that throws fails its task",
    "a cleanup error after the body failed",
  ]
) {
  const scenario = [...taskScenarios, ...cleanupScenarios].find((each) => each.name === name)!;
  for (const runtime of shufflingRuntimeNames) {
    Deno.test(`schedule: ${runtime}, "${name}" tells the same story under every seed`, async () => {
      // What the runtime reports on stderr is part of the story, kept out of the test's output.
      const story = async (schedule?: Schedule) => {
        const stderr: string[] = [];
        const consoleError = console.error;
        console.error = (...data: unknown[]) => void stderr.push(data.join(" "));
        try {
          const { notes, outcome } = await tell(runtimes[runtime], scenario.program, { schedule });
          return { notes, outcome, stderr };
        } finally {
          console.error = consoleError;
        }
      };
      const expected = await story();
      for (let seed = 0; seed < 25; seed++) {
        deepEqual(await story(shuffle(seed)), expected, `seed ${seed}`);
      }
    });
  }
}

Deno.test("schedule: lab --runtime all --schedule shuffle:0 shuffles nursery and generator only, and its timelines give each run's command", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const page = `${folder}/timelines.html`;
    const { code, stdout, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      `--allow-write=${folder}`,
      labScript,
      "countdown",
      "--runtime",
      "all",
      "--clock",
      "virtual",
      "--schedule",
      "shuffle:0",
      "--timeline",
      page,
    ]);
    equal(code, 0, stderr);
    // Each section says whether it was shuffled.
    deepEqual(
      stdout.split("\n").filter((line) => line.startsWith("== ")),
      Object.keys(runtimes).map((name) =>
        `== ${name} (${
          shufflingRuntimeNames.includes(name) ? "shuffle:0" : "its own order: it cannot shuffle"
        }) ==`
      ),
    );
    ok(stdout.includes("== native (its own order: it cannot shuffle) =="));
    ok(stdout.includes("== nursery (shuffle:0) =="));
    const tieOf = (runtime: string) => {
      const section = stdout.split(new RegExp(`== ${runtime}[ (].*==`))[1].split("==")[0];
      return section.split("\n").filter((line) => line.startsWith("2.000s")).map((line) =>
        line.trim().slice(-5)
      );
    };
    deepEqual(tieOf("native"), ["B = 3", "D = 2"]);
    deepEqual(tieOf("nursery"), ["D = 2", "B = 3"]);
    deepEqual(tieOf("generator"), ["D = 2", "B = 3"]);
    const html = await Deno.readTextFile(page);
    match(html, /deno task lab countdown --runtime nursery --clock virtual --schedule shuffle:0/);
    match(html, /deno task lab countdown --runtime native --clock virtual</);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

// trio's own outcomes, from the oracle: wherever the real trio gives more
// than one outcome (its batch order), nursery shuffled over seeds gives the
// same set, no outcome more or less; under fifo it gives one of them.
const trio = references.find((reference) => reference.library === "trio")!;
const seeds = Array.from({ length: 30 }, (_, seed) => seed);
const keyOf = (value: unknown) => JSON.stringify(value);

for (const probe of probes) {
  const records = oracleResults.probes[probe.id]?.trio ?? [];
  if (records.length < 2) continue;
  Deno.test(`schedule: nursery shuffled gives trio's outcomes of the probe "${probe.behaviour}"`, async () => {
    const theirs = new Set(records.map((record) => keyOf(observeRecord(record, trio))));
    const ours = new Set<string>();
    for (const seed of seeds) {
      ours.add(keyOf(observe(await runProbe(runtimes.nursery, probe, shuffle(seed)))));
    }
    deepEqual([...ours].sort(), [...theirs].sort());
    ok(theirs.has(keyOf(observe(await runProbe(runtimes.nursery, probe)))));
  });
}

const scenarios = [
  ...taskScenarios,
  ...scopeScenarios,
  ...timeoutScenarios,
  ...combinatorScenarios,
  ...cleanupScenarios,
  ...delegationScenarios,
];
for (const scenario of scenarios) {
  const records = oracleResults.scenarios[scenario.name]?.trio ?? [];
  if (records.length < 2) continue;
  Deno.test(`schedule: nursery shuffled gives trio's outcomes of the scenario "${scenario.name}"`, async () => {
    const theirs = new Set(
      records.map((record) =>
        keyOf(observeScenario(record.notes, record.outcome, trio.vocabulary))
      ),
    );
    const ours = new Set<string>();
    for (const seed of seeds) {
      const { notes, outcome } = await tell(runtimes.nursery, scenario.program, {
        schedule: shuffle(seed),
      });
      ours.add(keyOf(observeScenario(notes, outcome)));
    }
    deepEqual([...ours].sort(), [...theirs].sort());
  });
}
