// `deno task compare`: the table's numbers on a known lab, in process, and
// its shape and usage errors as a user meets them, by subprocess.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { countdownLab } from "../labs/countdown.ts";
import { runtimes } from "../runtimes/registry.ts";
import { call, log, sleep, spawn, timeout } from "../runtimes/verbs.ts";
import type { TraceEvent } from "../runtimes/types.ts";
import { compareLab, countTasks, formatComparison, formatDuration } from "../tools/compare.ts";
import { ChildOutput, denoCommand, outputOf, runDeno, spawnWatched } from "./harness.ts";

const compareScript = fileURLToPath(new URL("../tools/compare.ts", import.meta.url));

const compare = (args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-env", compareScript, ...args]);

Deno.test("compare: countdown under every runtime: 5 tasks, none cancelled or orphaned, same output", async () => {
  const rows = await compareLab(countdownLab, { blocking: false }, "virtual");
  deepEqual(rows.map((row) => row.runtime), Object.keys(runtimes));
  for (const row of rows) {
    deepEqual(
      {
        runtime: row.runtime,
        outcome: row.outcome,
        exit: row.exit,
        time: row.time,
        spawned: row.spawned,
        cancelled: row.cancelled,
        errors: row.errors,
        orphans: row.orphans,
        stderr: row.stderr,
        lines: row.output.length,
        match: row.match,
      },
      {
        runtime: row.runtime,
        outcome: "ok",
        exit: 0,
        time: 6000,
        spawned: 5,
        cancelled: 0,
        errors: 0,
        orphans: 0,
        stderr: [],
        lines: 12,
        match: "same",
      },
    );
  }
});

Deno.test("compare: countdown --blocking takes 12 s of virtual time everywhere", async () => {
  const rows = await compareLab(countdownLab, { blocking: true }, "virtual");
  deepEqual(rows.map((row) => row.time), rows.map(() => 12000));
  ok(rows.every((row) => row.match === "same"));
});

Deno.test("compare: outputs that differ get group letters and a note on the first difference", async () => {
  const lab = {
    ...countdownLab,
    name: "who",
    *main() {
      yield* spawn(function* child() {
        yield* log("child");
      });
      yield* log("parent");
      yield* sleep(1);
    },
  };
  const rows = await compareLab(lab, {}, "virtual");
  const native = rows.find((row) => row.runtime === "native")!;
  const generator = rows.find((row) => row.runtime === "generator")!;
  deepEqual(native.output, ["child", "parent"]);
  deepEqual(generator.output, ["parent", "child"]);
  equal(native.match, "A");
  equal(generator.match, "B");
  match(
    formatComparison("who", "virtual", rows),
    /B \([^)]*generator[^)]*\) differs from A at line 1/,
  );
});

Deno.test("compare: orphans are spawned tasks with no return, throw or halt", () => {
  const event = (type: TraceEvent["type"], taskId: number, error?: unknown): TraceEvent => ({
    type,
    time: 0,
    taskId,
    parentId: taskId === 0 ? undefined : 0,
    name: `#${taskId}`,
    error,
  });
  const boom = new Error("boom");
  deepEqual(
    countTasks([
      event("spawn", 0),
      event("spawn", 1),
      event("spawn", 2),
      event("spawn", 3),
      event("cancel", 2),
      event("halt", 2),
      event("throw", 3, boom),
      event("throw", 0, boom),
    ]),
    { spawned: 4, cancelled: 1, errors: 1, orphans: 1 },
  );
});

Deno.test("compare: the table as printed for countdown", async () => {
  const { code, stdout, stderr } = await compare(["countdown"]);
  equal(stderr, "");
  equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  equal(lines[0], "countdown under every runtime, virtual clock");
  match(
    lines[2],
    /^runtime\s+outcome\s+exit\s+time\s+spawned\s+cancelled\s+errors\s+orphans\s+stderr\s+output$/,
  );
  equal(lines.length, 3 + Object.keys(runtimes).length);
  for (const [index, name] of Object.keys(runtimes).entries()) {
    match(
      lines[3 + index],
      new RegExp(`^${name}\\s+ok\\s+0\\s+6\\.000 s\\s+5\\s+0\\s+0\\s+0\\s+0\\s+same$`),
    );
  }
});

const usageCases: [string, string[], RegExp][] = [
  ["no lab", [], /name a lab to compare/],
  ["an unknown lab", ["tetris"], /unknown lab 'tetris'; allowed: countdown/],
  [
    "'constructor', a property of every object but no lab,",
    ["constructor", "--help"],
    /unknown lab 'constructor'; allowed: countdown/,
  ],
  [
    "an unknown option",
    ["countdown", "--fast"],
    /unknown option --fast; allowed: --clock, --schedule, --no-check, --help or --blocking/,
  ],
  [
    "--runtime, which compare chooses itself",
    ["countdown", "--runtime", "native"],
    /unknown option --runtime/,
  ],
  [
    "an unknown clock",
    ["countdown", "--clock", "sundial"],
    /unknown clock 'sundial'; allowed: real or virtual/,
  ],
  [
    "the virtual clock for a lab doing real I/O",
    ["flags", "--clock", "virtual"],
    /flags cannot run on the virtual clock/,
  ],
];

for (const [what, args, message] of usageCases) {
  Deno.test(`compare: ${what} is a usage error, exit 2`, async () => {
    const { code, stdout, stderr } = await compare(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, blank, usage] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    equal(blank, "");
    match(usage, /^Usage: deno task compare <lab> \[options\]/);
  });
}

Deno.test("compare: --help lists the lab's own options, exit 0", async () => {
  const { code, stdout } = await compare(["countdown", "--help"]);
  equal(code, 0);
  match(stdout, /Options of countdown:\n\s+--blocking/);
});

Deno.test("compare: times read as seconds under a minute, h:mm:ss above", () => {
  equal(formatDuration(6000), "6.000 s");
  equal(formatDuration(46_855_000), "13:00:55.000");
  equal(formatDuration(61_500), "0:01:01.500");
});

Deno.test("compare: Ctrl-C while a run blocks the thread stops there: no further runtime, exit 130", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    // Written straight to stdout, as compare captures what `log` prints.
    await Deno.writeTextFile(
      file,
      `import { block } from "${verbs}";\n` +
        `export default function* blocker() {\n` +
        `  Deno.stdout.writeSync(new TextEncoder().encode("blocking\\n"));\n` +
        `  yield* block(300);\n}\n`,
    );
    const child = denoCommand(
      ["run", "--allow-read", "--allow-env", compareScript, file, "--clock", "real"],
      { env: { NO_COLOR: "1" }, stderr: "null" },
    ).spawn();
    const stdout = new ChildOutput(child.stdout);
    await stdout.readUntil("blocking\n");
    // The signal arrives while the thread is blocked; it is handled after.
    child.kill("SIGINT");
    const seen = await stdout.readToEnd();
    equal((await child.status).code, 130);
    equal(seen.match(/blocking/g)?.length, 1, "the runtimes after the first did not run");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("compare: Ctrl-C ends a run that loops without yielding: exit 130, no further runtime", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `export default function* runaway() {\n` +
        `  Deno.stdout.writeSync(new TextEncoder().encode("looping\\n"));\n` +
        `  while (true) {}\n}\n`,
    );
    const run = spawnWatched(["run", "--allow-read", "--allow-env", compareScript, file]);
    await run.stdout.readUntil("looping\n");
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "looping\n");
    match(stderr, /the lab's thread stayed busy for 2 s, so its cleanup could not run/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("compare: a lab file that throws when imported is the lab failing: exit 1, the error printed", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, `throw new Error("kaput at import");\n`);
    const { code, stdout, stderr } = await compare([file]);
    equal(stdout, "");
    match(stderr, /^error: cannot load lab file .*:\nError: kaput at import\n\s+at /);
    equal(code, 1);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("compare: a lab file whose default export returns no operation is a usage error, exit 2", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, "export default () => 5;\n");
    const { code, stdout, stderr } = await compare([file]);
    equal(stdout, "");
    const [first, blank, usage] = stderr.split("\n");
    match(first, /^error: .*'s default export returned a number, not an operation; it must be/);
    equal(blank, "");
    match(usage, /^Usage: deno task compare <lab> \[options\]/);
    equal(code, 2);
  } finally {
    await Deno.remove(file);
  }
});

/** `deno task compare ARGS` as a user runs it, from the kit's folder (the task may run deno). */
const compareTask = (args: string[]) =>
  outputOf(
    denoCommand(["task", "-q", "compare", ...args], {
      cwd: fileURLToPath(new URL("../", import.meta.url)),
      env: { NO_COLOR: "1" },
    }),
  );

Deno.test("compare: a lab file is type-checked and linted first, as lab does it: one line a problem, exit 2", async () => {
  const { code, stdout, stderr } = await compareTask(["tests/mistakes/spawn_call.ts"]);
  equal(stdout, "", "nothing ran");
  equal(
    stderr,
    "tests/mistakes/spawn_call.ts:10:29: spawn(worker()) passes an operation where spawn takes " +
      "the function (the habit of asyncio's create_task(coro)): write spawn(worker) or " +
      "spawn(() => worker()) (kit/spawn-call)\n" +
      "tests/mistakes/spawn_call.ts: 1 problem found before running it (--no-check runs it anyway)\n",
  );
  equal(code, 2);
});

Deno.test("compare: a bare yield the runtimes refuse is pointed at where it is written, once, as lab does", async () => {
  // The lab file passes the check; the module it imports yields an operation bare.
  const { code, stdout, stderr } = await compareTask(["tests/mistakes/bare_yield_imported.ts"]);
  equal(code, 1, stderr);
  equal(
    stdout.match(/failed: TypeError: a bare yield of sl/g)?.length,
    Object.keys(runtimes).length,
    stdout,
  );
  deepEqual(stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line)), [
    "tests/mistakes/napping.ts:6:3: a bare yield hands sleep(ms) to the runtime without " +
    "running it: write yield* sleep(ms) (kit/bare-yield)",
  ]);
});

Deno.test("compare: a lab file failing otherwise gets no line pointed at", async () => {
  const { code, stderr } = await compareTask(["tests/mistakes/spawn_call.ts", "--no-check"]);
  equal(code, 1, stderr);
  deepEqual(stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line)), []);
});

/** A lab file whose count lives at module level, as a new user writes it: 3 after one run. */
async function counterLab(folder: string): Promise<string> {
  const path = `${folder}/counter.ts`;
  await Deno.writeTextFile(
    path,
    `import { log, sleep } from "${new URL("../mod.ts", import.meta.url).href}";
let counter = 0;
export default function* () {
  for (let i = 0; i < 3; i++) {
    yield* sleep(1);
    counter++;
  }
  yield* log(\`counter = \${counter}\`);
}
`,
  );
  return path;
}

Deno.test("compare: each runtime runs a lab file afresh, its module-level state not carried over from the run before", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await compareTask([await counterLab(folder)]);
    equal(code, 0, stderr);
    equal(stdout.match(/ ok +0 .* same\n/g)?.length, Object.keys(runtimes).length, stdout);
    ok(!stdout.includes("counter = 6"), stdout);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("compare: --no-check runs a lab file unchecked (a forgotten yield* waits for nothing)", async () => {
  const { code, stdout, stderr } = await compareTask([
    "tests/mistakes/forgotten_yield.ts",
    "--no-check",
  ]);
  equal(stderr, "");
  match(stdout, /^forgotten_yield\.ts under every runtime, virtual clock\n/);
  equal(stdout.match(/ ok +0 +0\.000 s .* same\n/g)?.length, Object.keys(runtimes).length, stdout);
  equal(code, 0);
});

// Runs that print what varies by run (a server's port, a temporary path):
// each run prints its own, as the flags lab prints its embedded server's
// random port, and `compare flags` once showed four different outputs.
function varyingLab(say: (run: number) => string) {
  let runs = 0;
  return {
    ...countdownLab,
    name: "varying",
    *main() {
      runs++;
      yield* log(say(runs));
      yield* sleep(1);
    },
  };
}

Deno.test("compare: outputs differing only by a port or a temporary path are the same", async () => {
  const tmp = Deno.env.get("TMPDIR")?.replace(/\/+$/, "") || "/tmp";
  const lab = varyingLab((run) =>
    `site http://127.0.0.1:${41000 + run}/flags, files in ${tmp}/run${run}x7q`
  );
  const rows = await compareLab(lab, {}, "virtual");
  deepEqual(rows.map((row) => row.match), rows.map(() => "same"));
  match(formatComparison("varying", "virtual", rows), /masked: ports, temporary paths\.$/m);
});

Deno.test("compare: outputs that really differ are not masked into the same", async () => {
  const cases: [string, (run: number) => string][] = [
    ["a number that is no port", (run) => `answer ${run}`],
    ["a port on another host's name", (run) => `example.com:${8000 + run}`],
    ["a duration in virtual time, which is exact", (run) => `took ${run}.000 s`],
  ];
  for (const [what, say] of cases) {
    const rows = await compareLab(varyingLab(say), {}, "virtual");
    equal(new Set(rows.map((row) => row.match)).size, rows.length, what);
  }
});

Deno.test("compare: on the real clock, durations are masked too", async () => {
  const rows = await compareLab(
    varyingLab((run) => `Elapsed time: 0.${run}9s, ${run} ms`),
    {},
    "real",
  );
  deepEqual(rows.map((row) => row.match), rows.map(() => "same"));
});

Deno.test("compare: on the real clock, rates and counts of requests and frames within 3x and durations within 3x plus 100 ms are the same; the footer lists them", async () => {
  // Echo's summary as five runs gave it (one per runtime): counts, times and rates that vary run to run.
  const said = [
    "  2,850 requests in 0.50 s: 5,676 requests/s, 5.5 MiB/s",
    "  2,890 requests in 0.52 s: 5,539 requests/s, 5.4 MiB/s",
    "  2,170 requests in 0.51 s: 4,286 requests/s, 4.2 MiB/s",
    "  2,610 requests in 0.50 s: 5,178 requests/s, 5.1 MiB/s",
    "  2,700 requests in 0.50 s: 5,400 requests/s, 5.3 MiB/s",
  ];
  // And the spinner's frames, which come as often as real time allows.
  const frames = [29, 32, 34, 31, 30];
  const lab = {
    ...varyingLab((run) => said[run - 1]),
    *main() {
      runs++;
      yield* log(said[runs - 1]);
      yield* log(`slow() took 3.${runs}05 s; the spinner drew ${frames[runs - 1]} frames`);
    },
  };
  let runs = 0;
  const rows = await compareLab(lab, {}, "real");
  deepEqual(rows.map((row) => row.match), rows.map(() => "same"));
  const text = formatComparison("varying", "real", rows);
  match(
    text,
    /^Tolerated, as measurements on the real clock vary from run to run: durations within 3x plus 100 ms \(lines 1, 2\); rates within 3x \(line 1\); counts of requests and frames within 3x \(lines 1, 2\)\.$/m,
  );
  // The footer says what `same` allowed, and how far apart the runs really were.
  match(
    text,
    /^output: same, every runtime printed the same lines, measurements within the tolerances below and the rest alike\.$/m,
  );
  match(
    text,
    /^ {2}same, measured: line 1: 2,170 requests to 2,890 requests, 0\.50 s to 0\.52 s, 4,286 requests\/s to 5,676 requests\/s, 4\.2 MiB\/s to 5\.5 MiB\/s; line 2: 3\.105 s to 3\.505 s, 29 frames to 34 frames$/m,
  );
});

Deno.test("compare: the footer explains the letters, and on the real clock each group's measured ranges", async () => {
  // Two groups on the real clock: within 3x plus 100 ms of the first, and beyond it.
  const took = [1.0, 1.2, 2.5, 9.0, 9.5];
  const real = await compareLab(varyingLab((run) => `took ${took[run - 1]} s`), {}, "real");
  deepEqual(real.map((row) => row.match), ["A", "A", "A", "B", "B"]);
  const text = formatComparison("varying", "real", real);
  match(
    text,
    /^output: one letter per distinct output, A for the first runtime's; runtimes with one letter printed the same lines, measurements within the tolerances below and the rest alike\.$/m,
  );
  match(text, /^ {2}A, measured: line 1: 1 s to 2\.5 s$/m);
  match(text, /^ {2}B, measured: line 1: 9 s to 9\.5 s$/m);
  // In virtual time the letters are explained, with no tolerance and no ranges.
  const exact = await compareLab(varyingLab((run) => (run < 3 ? "a" : "b")), {}, "virtual");
  const lines = formatComparison("varying", "virtual", exact).split("\n");
  ok(
    lines.includes(
      "output: one letter per distinct output, A for the first runtime's; runtimes with one " +
        "letter printed the same lines.",
    ),
    lines.join("\n"),
  );
  ok(!lines.some((line) => line.includes("measured")));
});

Deno.test("compare: on the real clock, measurements beyond their tolerance still differ, and so does the rest of the line", async () => {
  const cases: [string, (run: number) => string][] = [
    ["durations beyond 3x plus 100 ms", (run) => `took ${[0.1, 1, 4, 13][run - 1]}s`],
    // A sleep of 200 ms that one runtime skipped (a forgotten yield*) is no noise of the clock.
    ["a 200 ms wait against none", (run) => `waited ${[0, 200, 1000, 4000][run - 1]} ms`],
    ["rates beyond 3x", (run) => `${[100, 400, 1600, 6400][run - 1]} requests/s`],
    ["request counts beyond 3x", (run) => `${[10, 40, 160, 640][run - 1]} requests`],
    ["frame counts beyond 3x", (run) => `drew ${[10, 40, 160, 640][run - 1]} frames`],
    ["the words around the same duration", (run) => `step ${run} took 1.00 s`],
  ];
  for (const [what, say] of cases) {
    const rows = await compareLab(varyingLab(say), {}, "real");
    equal(new Set(rows.map((row) => row.match)).size, rows.length, what);
  }
  // In virtual time a rate is exact, as a duration is.
  const rows = await compareLab(varyingLab((run) => `${1000 + run} requests/s`), {}, "virtual");
  equal(new Set(rows.map((row) => row.match)).size, rows.length);
  ok(!formatComparison("varying", "virtual", rows).includes("Tolerated"));
});

Deno.test("compare: a difference shows the first lines that really differ, not the masked ones", async () => {
  let runs = 0;
  const lab = {
    ...countdownLab,
    name: "lines",
    *main() {
      runs++;
      yield* log(`server on 127.0.0.1:${5000 + runs}`);
      yield* log("the same");
      yield* log(runs === 1 ? "first" : "later");
      yield* log(runs === 1 ? "one" : "other");
    },
  };
  const rows = await compareLab(lab, {}, "virtual");
  const text = formatComparison("lines", "virtual", rows);
  match(
    text,
    /B \(nursery, generator, effection, effect\) differs from A at line 3: "later" vs "first"/,
  );
  match(text, /^ {4}and at line 4: "other" vs "one"$/m);
  ok(!/line 1/.test(text), text);
});

Deno.test("compare: a run that printed fewer lines is said to have printed none there, not a quoted line", async () => {
  let runs = 0;
  const lab = {
    ...countdownLab,
    name: "short",
    *main() {
      runs++;
      yield* log("(end)");
      if (runs === 1) yield* log("main done");
    },
  };
  const text = formatComparison("short", "virtual", await compareLab(lab, {}, "virtual"));
  match(text, /differs from A at line 2: no line \(1 line printed\) vs "main done"$/m);
  ok(!text.includes('"(end)" vs'), text);
});

Deno.test("compare: what a lab prints with console.log is its output, compared with log's lines in order", async () => {
  let runs = 0;
  const lab = {
    ...countdownLab,
    name: "printing",
    *main() {
      runs++;
      yield* log("by log");
      console.log(runs === 1 ? "printed first" : "printed later");
    },
  };
  const before = console.log;
  const rows = await compareLab(lab, {}, "virtual");
  equal(console.log, before, "console.log is given back");
  deepEqual(rows[0].output, ["by log", "printed first"]);
  deepEqual(rows[1].output, ["by log", "printed later"]);
  match(
    formatComparison("printing", "virtual", rows),
    /differs from A at line 2: "printed later" vs "printed first"/,
  );
});

Deno.test("compare: on the virtual clock, a call that held time still is said, with --clock real", async () => {
  const waiting = {
    ...countdownLab,
    name: "waitfor.ts",
    *main() {
      // asyncio.wait_for(request, 0.005): the request's real 20 ms pass in no virtual time.
      yield* timeout(5, call(() => new Promise((resolve) => setTimeout(resolve, 20))));
      yield* log("answered");
    },
  };
  const text = formatComparison("waitfor.ts", "virtual", await compareLab(waiting, {}, "virtual"));
  match(
    text,
    /^Virtual time stood still in every run while a call \(real work\) was in flight: .*--clock real compares the runs as they happen \(deno task lab runs a lab file on the real clock\)\.$/m,
  );
  const sleeping = {
    ...countdownLab,
    name: "nap.ts",
    *main() {
      yield* sleep(5);
    },
  };
  const plain = formatComparison("nap.ts", "virtual", await compareLab(sleeping, {}, "virtual"));
  ok(!plain.includes("stood still"), plain);
});

Deno.test("compare: a lab that ends with a failing status reads failed, never 'ok' beside exit 1", async () => {
  const lab = {
    ...countdownLab,
    name: "verdict",
    *main() {
      yield* sleep(1);
      return 1;
    },
  };
  const rows = await compareLab(lab, {}, "virtual");
  for (const row of rows) {
    equal(row.exit, 1);
    equal(row.outcome, "failed: the lab reported failure");
  }
});

Deno.test("compare: spinner --slow cpu, which the lab refuses in virtual time, runs on the real clock and says why", async () => {
  const { code, stdout } = await compare(["spinner", "--slow", "cpu", "--seconds", "0.2"]);
  const lines = stdout.split("\n");
  equal(lines[0], "spinner under every runtime, real clock");
  match(lines[1], /^\(the lab refuses the virtual clock here: --slow cpu does real work/);
  // Real work takes real time: no run reads 0.000 s, as the faked runs did.
  for (const name of Object.keys(runtimes)) {
    const row = lines.find((line) => line.startsWith(`${name} `))!;
    ok(!/ 0\.000 s /.test(row), row);
  }
  equal(code, 0);
});

Deno.test("compare: spinner --slow cpu --clock virtual is the lab's own usage error, exit 2", async () => {
  const { code, stderr } = await compare(["spinner", "--slow", "cpu", "--clock", "virtual"]);
  match(stderr, /^error: --slow cpu does real work, which takes real time/);
  equal(code, 2);
});

Deno.test("compare: flags, whose embedded server has a random port, prints the same output under every runtime", async () => {
  const dest = await Deno.makeTempDir();
  try {
    const { code, stdout } = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `--allow-write=${dest}`,
      compareScript,
      "flags",
      "--dest",
      dest,
      // Each request waits 200 ms on the server: the elapsed times, compared within 3x plus
      // 100 ms, are then the server's, whatever else the machine is doing.
      "--delay",
      "200",
    ]);
    equal(code, 0, stdout);
    for (const name of Object.keys(runtimes)) {
      match(stdout, new RegExp(`^${name} .* same$`, "m"));
    }
  } finally {
    await Deno.remove(dest, { recursive: true });
  }
});
