// `deno task report`: the timeline model, the highlighting, the benchmark
// reading and the writing in process; the command as a user meets it, by
// subprocess. The page in a real browser is tested in tests/browser/.

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimes } from "../runtimes/registry.ts";
import type { TraceEvent } from "../runtimes/types.ts";
import { readBenchResults, renderBench } from "../tools/report_bench.ts";
import { highlightLines } from "../tools/report_diff.ts";
import { buildTimeline, formatTime, tickStep } from "../tools/report_timeline.ts";
import {
  adapterPairs,
  gatherReport,
  OutputRefused,
  renderScene,
  renderSite,
  runScene,
  scenes,
  scenesFor,
  siteMarker,
  virtualLabs,
  writeSite,
} from "../tools/report.ts";
import { ChildOutput, denoCommand, outputOf, runDeno } from "./harness.ts";

const reportScript = fileURLToPath(new URL("../tools/report.ts", import.meta.url));

function event(
  type: TraceEvent["type"],
  time: number,
  taskId: number,
  extra: Partial<TraceEvent> = {},
): TraceEvent {
  return {
    type,
    time,
    taskId,
    parentId: taskId === 0 ? undefined : 0,
    name: taskId === 0 ? "main" : `child ${taskId}`,
    ...extra,
  };
}

Deno.test("report timeline: spans and markers follow the trace; an unfinished task is alive to the end", () => {
  const timeline = buildTimeline([
    event("spawn", 0, 0),
    event("start", 0, 0),
    event("spawn", 0, 1),
    event("spawn", 0, 2),
    event("suspend", 0, 0, { reason: "join Task#1" }),
    event("start", 0, 1),
    event("suspend", 0, 1, { reason: "sleep 300" }),
    event("start", 0, 2),
    event("suspend", 0, 2, { reason: "sleep 5000" }),
    event("wake", 300, 1),
    event("log", 300, 1, { text: "hello" }),
    event("throw", 300, 1, { error: new RangeError("bad") }),
    event("wake", 300, 0),
    event("cancel", 300, 2),
    event("return", 300, 0),
  ], 400);
  deepEqual(timeline.endTime, 400);
  deepEqual(
    timeline.rows.map((row) => ({ id: row.id, end: row.end })),
    [{ id: 0, end: "return" }, { id: 1, end: "error" }, { id: 2, end: "alive" }],
  );
  deepEqual(timeline.rows[1].spans, [
    { kind: "ready", start: 0, end: 0 },
    { kind: "running", start: 0, end: 0 },
    { kind: "sleeping", start: 0, end: 300, reason: "sleep 300" },
    { kind: "running", start: 300, end: 300 },
  ]);
  deepEqual(timeline.rows[1].markers, [
    { kind: "spawn", time: 0, detail: "by #0" },
    { kind: "print", time: 300, detail: "hello" },
    { kind: "error", time: 300, detail: "RangeError: bad" },
  ]);
  deepEqual(timeline.rows[0].spans.map((span) => span.kind), [
    "ready",
    "running",
    "waiting",
    "running",
  ]);
  // The orphan's sleep reaches the end of the run.
  deepEqual(timeline.rows[2].spans.at(-1), {
    kind: "sleeping",
    start: 0,
    end: 400,
    reason: "sleep 5000",
  });
});

Deno.test("report timeline: time ticks are round numbers, in minutes and hours for long runs; times read as the lab's clock", () => {
  deepEqual([6000, 195_000, 915_000, 43_200_000, 1, 0, 7].map((span) => tickStep(span)), [
    1000,
    30_000,
    120_000,
    7_200_000,
    0.2,
    1,
    1,
  ]);
  deepEqual([0, 300, 2100, 59_999, 200_000, 3_661_000].map(formatTime), [
    "0 s",
    "300 ms",
    "2.1 s",
    "59.999 s",
    "3:20",
    "1:01:01",
  ]);
});

Deno.test("report scenes: countdown has 5 tasks and 12 prints under every runtime, on one scale", async () => {
  const { runs } = await runScene(scenes[0]);
  deepEqual(runs.map((run) => run.runtime), Object.keys(runtimes));
  for (const run of runs) {
    const rows = run.timeline.rows;
    deepEqual({
      runtime: run.runtime,
      rows: rows.length,
      roots: rows.filter((row) => row.parentId === undefined).length,
      prints: rows.flatMap((row) => row.markers).filter((marker) => marker.kind === "print")
        .length,
      end: run.timeline.endTime,
      outcome: run.outcome,
    }, { runtime: run.runtime, rows: 5, roots: 1, prints: 12, end: 6000, outcome: "exit 0" });
  }
});

Deno.test("report scenes: every lab that can run in virtual time has one; real-only labs have none", () => {
  deepEqual(virtualLabs(), ["countdown", "spinner", "coros", "chess", "pool"]);
  deepEqual(scenesFor(["chess", "countdown"]).map((scene) => scene.lab), [
    "countdown",
    "countdown",
    "chess",
  ]);
  deepEqual(adapterPairs(["a", "b", "c"]), [["a", "b"], ["a", "c"], ["b", "c"]]);
});

/**
 * A lab file of a user's, in a temporary folder: `n` workers (its option
 * `--n`, 2 unless given) sleep 100 ms each, one after the other, and print.
 */
async function writeUserLab(folder: string, name = "mine.ts"): Promise<string> {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const path = join(folder, name);
  await Deno.writeTextFile(
    path,
    `import { log, sleep, spawn } from "${mod}";\n` +
      `export const options = { n: { type: "string", help: "how many workers" } };\n` +
      `export default function* mine(values: { n?: string }) {\n` +
      `  for (let i = 0; i < Number(values.n ?? "2"); i++) {\n` +
      `    yield* yield* spawn(function* worker() {\n` +
      `      yield* sleep(100);\n` +
      `      yield* log(\`worker \${i}\`);\n` +
      `    });\n` +
      `  }\n` +
      `}\n`,
  );
  return path;
}

Deno.test("report scenes: a lab file, or a lab named with options, is one scene with them", () => {
  deepEqual(
    scenesFor(["chess", "mine.ts --n 3", "countdown --blocking", " other.ts "]).map((scene) => [
      scene.lab,
      scene.args,
    ]),
    [["chess", ["--boards", "4", "--moves", "3"]], ["mine.ts", ["--n", "3"]], [
      "countdown",
      ["--blocking"],
    ], ["other.ts", []]],
  );
});

Deno.test("report scenes: a user's lab file runs under every runtime with its options", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const path = await writeUserLab(folder);
    const { runs } = await runScene({ lab: path, args: ["--n", "3"], lesson: "mine" });
    deepEqual(runs.map((run) => run.runtime), Object.keys(runtimes));
    for (const run of runs) {
      deepEqual({
        runtime: run.runtime,
        rows: run.timeline.rows.map((row) => row.name),
        output: run.output,
        end: run.timeline.endTime,
        outcome: run.outcome,
      }, {
        runtime: run.runtime,
        rows: ["mine.ts", "worker", "worker", "worker"],
        output: ["worker 0", "worker 1", "worker 2"],
        end: 300,
        outcome: "exit 0",
      });
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report scenes: a lab file's path is escaped in the page, and its ids are safe", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const path = await writeUserLab(folder, `we"ird <&>.ts`);
    const html = renderScene(await runScene({ lab: path, args: [], lesson: "mine" }), 0);
    const section = html.slice(0, html.indexOf(">") + 1);
    equal(
      section,
      `<section class="scene" id="scene-1-${path.replace(/[^A-Za-z0-9_-]+/g, "-")}" data-lab="${
        path.replace('"ird <&>', "&quot;ird &lt;&amp;&gt;")
      }" aria-labelledby="scene-1-${path.replace(/[^A-Za-z0-9_-]+/g, "-")}-heading">`,
    );
    ok(!/id="[^"]*[<>&\s]/.test(html), "no id holds a character an id or a URL would trip on");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report command: --labs takes a user's lab file with its options, from the caller's folder", async () => {
  const folder = await Deno.makeTempDir();
  try {
    await writeUserLab(folder);
    const { code, stdout, stderr } = await outputOf(denoCommand(
      [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-write",
        reportScript,
        "--labs",
        "mine.ts --n 3",
        "--out",
        "site",
      ],
      { env: { NO_COLOR: "1", INIT_CWD: folder } },
    ));
    equal(code, 0, stderr);
    // This process may not run deno, so the file ran unchecked, and the report says so.
    match(
      stderr,
      /^warning: mine\.ts was not type-checked or linted: this process may not run deno/m,
    );
    const count = Object.keys(runtimes).length;
    ok(stdout.includes(`report: 1 scenes x ${count} runtimes`), stdout);
    const index = await Deno.readTextFile(join(folder, "site", "index.html"));
    equal(index.match(/<section class="scene" [^>]*data-lab="mine\.ts"/g)?.length, 1);
    equal(
      index.match(/deno task lab mine\.ts --runtime \w+ --clock virtual --n 3/g)?.length,
      count,
    );
    const scene = index.slice(index.indexOf('<section class="scene"'), index.indexOf("</section>"));
    equal(scene.match(/<svg class="timeline"[^>]*data-rows="4"/g)?.length, count);
    // A lab file that cannot be loaded is said before any work, exit 2.
    const refused = await outputOf(denoCommand(
      [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-write",
        reportScript,
        "--labs",
        "mine.ts --m",
      ],
      { env: { NO_COLOR: "1", INIT_CWD: folder } },
    ));
    equal(refused.code, 2);
    match(refused.stderr, /^error: --labs 'mine\.ts --m': unknown option --m; allowed: /m);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report highlighting: one fragment per line, a span cut at a line's end reopened on the next", () => {
  const source = "/** one\n * two */\nconst x = `a\nb`;\n";
  const lines = highlightLines(source);
  equal(lines.length, 4);
  match(lines[0], /^<span class="hljs-comment">\/\*\* one<\/span>$/);
  match(lines[1], /^<span class="hljs-comment"> \* two \*\/<\/span>$/);
  match(lines[2], /<span class="hljs-keyword">const<\/span>/);
  for (const line of lines) {
    equal(line.match(/<span/g)?.length ?? 0, line.match(/<\/span>/g)?.length ?? 0, line);
  }
  // Text is escaped, never markup.
  match(highlightLines("const a = 1 < 2;")[0], /1<\/span> &lt; <span/);
});

const benchRow = (name: string, ratio: number | null, goal: string | null) => ({
  name,
  median: ratio === null ? null : ratio * 10,
  ratio,
  goal,
  metPromises: goal === null ? null : ratio !== null && ratio <= 3,
  error: ratio === null ? "it threw" : null,
});
/** Benchmark results as `deno task bench` writes them, a few rows of each kind. */
const benchResults = {
  date: "2026-11-28",
  tasks: 100,
  deno: { deno: "2.9.6" },
  spawnJoin: {
    unit: "ms",
    reps: 1,
    rows: [
      benchRow("promises", 1, null),
      benchRow("generator", 10.8, "<= 3x"),
      benchRow("x", null, null),
    ],
    againstFloors: [{ name: "generator", floor: "fifo floor", ratio: 2.17 }],
  },
  suspendedHeap: { unit: "bytes per task", reps: 1, rows: [benchRow("promises", 1, null)] },
};

Deno.test("report bench: results, a missing file and a broken one each say what they are", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const missing = await readBenchResults(join(folder, "latest.json"));
    equal(missing.kind, "absent");
    match(renderBench(missing), /No benchmark results yet.*deno task bench/);
    await Deno.writeTextFile(join(folder, "broken.json"), "{ not json");
    const broken = await readBenchResults(join(folder, "broken.json"));
    equal(broken.kind, "unreadable");
    match(renderBench(broken), /could not be read \(not JSON/);
    await Deno.writeTextFile(join(folder, "wrong.json"), '{"spawnJoin": {}}');
    match(renderBench(await readBenchResults(join(folder, "wrong.json"))), /lacks spawnJoin/);
    await Deno.writeTextFile(join(folder, "good.json"), JSON.stringify(benchResults));
    const html = renderBench(await readBenchResults(join(folder, "good.json")));
    match(html, /10\.80x/);
    match(html, /&lt;= 3x <strong>missed<\/strong>/);
    match(html, /failed: it threw/);
    match(html, /<code>generator<\/code> 2\.17x the fifo floor/);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report bench: a titled scenario and goals against another contender are drawn", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const results = {
      ...benchResults,
      spawnJoin: {
        ...benchResults.spawnJoin,
        versus: [
          {
            name: "generator",
            against: "Effect.succeed, no kit",
            goal: "at least 3x faster (<= 0.33x)",
            ratio: 0.5,
            met: false,
            note: null,
          },
          {
            name: "effect",
            against: "Effect.succeed, no kit",
            goal: "within 1.5x (<= 1.50x)",
            ratio: null,
            met: null,
            note: "not yet measured: no effect runtime",
          },
        ],
      },
      pingPong: {
        title: "Ping-pong through two queues: time",
        unit: "ms",
        reps: 1,
        rows: [benchRow("promises", 1, null), benchRow("Effect, no kit", 42, null)],
      },
      missed: ["not a scenario"],
    };
    await Deno.writeTextFile(join(folder, "more.json"), JSON.stringify(results));
    const html = renderBench(await readBenchResults(join(folder, "more.json")));
    match(html, /<figcaption>Ping-pong through two queues: time[ <]/);
    match(html, /data-runtime="Effect, no kit".*42\.00x/);
    match(
      html,
      /<code>generator<\/code> against Effect\.succeed, no kit: at least 3x faster \(&lt;= 0\.33x\): 0\.50x <strong>missed<\/strong>/,
    );
    match(html, /<code>effect<\/code> against .*: not yet measured: no effect runtime/);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report writing: a new folder, a previous report replaced whole, a foreign folder refused", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const out = join(folder, "site");
    await writeSite(out, new Map([["index.html", "one"], [siteMarker, ""], ["a/b.html", "b"]]));
    equal(await Deno.readTextFile(join(out, "a/b.html")), "b");
    await writeSite(out, new Map([["index.html", "two"], [siteMarker, ""]]));
    equal(await Deno.readTextFile(join(out, "index.html")), "two");
    await rejects(Deno.stat(join(out, "a")), Deno.errors.NotFound);
    const foreign = join(folder, "mine");
    await Deno.mkdir(foreign);
    await Deno.writeTextFile(join(foreign, "notes.txt"), "keep me");
    await rejects(writeSite(foreign, new Map([["index.html", "x"]])), OutputRefused);
    equal(await Deno.readTextFile(join(foreign, "notes.txt")), "keep me");
    // Nothing but the two folders was left behind: no temporary copies.
    const names = [];
    for await (const entry of Deno.readDir(folder)) names.push(entry.name);
    deepEqual(names.sort(), ["mine", "site"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report command: a bare yield the runtimes refuse in a lab file is pointed at where it is written, once, as lab does", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await outputOf(denoCommand(
      ["task", "-q", "report", "--labs", "tests/mistakes/bare_yield_imported.ts", "--out", folder],
      { cwd: fileURLToPath(new URL("../", import.meta.url)), env: { NO_COLOR: "1" } },
    ));
    // The page is written, each runtime's run shown failed.
    equal(code, 0, stderr);
    match(stdout, /^wrote /m);
    deepEqual(stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line)), [
      "tests/mistakes/napping.ts:6:3: a bare yield hands sleep(ms) to the runtime without " +
      "running it: write yield* sleep(ms) (kit/bare-yield)",
    ]);
    const index = await Deno.readTextFile(join(folder, "index.html"));
    ok(index.includes("a bare yield of sleep"), "the runs' failure is on the page");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report command: each runtime runs a lab file afresh, its module-level state not carried over", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const mod = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      join(folder, "counter.ts"),
      `import { log, sleep } from "${mod}";\nlet counter = 0;\n` +
        "export default function* () {\n  yield* sleep(1);\n  counter++;\n" +
        "  yield* log(`counter = ${counter}`);\n}\n",
    );
    const data = await gatherReport([join(folder, "counter.ts")], "/nonexistent/latest.json");
    const outputs = data.sceneRuns[0].runs.map((run) => run.output.join("|"));
    deepEqual(outputs, outputs.map(() => "counter = 1"));
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report command: a lab file is checked as deno task lab checks it: its problems, one line each, exit 2", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const mod = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      join(folder, "forgot.ts"),
      `import { log, sleep } from "${mod}";\n` +
        'export default function* forgot() {\n  sleep(1000);\n  yield* log("end");\n}\n',
    );
    const task = (...args: string[]) =>
      outputOf(denoCommand(["task", "-q", "report", ...args], {
        cwd: fileURLToPath(new URL("../", import.meta.url)),
        env: { NO_COLOR: "1", INIT_CWD: folder },
      }));
    const refused = await task("--labs", "forgot.ts", "--out", "site");
    equal(refused.code, 2, refused.stderr);
    equal(
      refused.stderr,
      "forgot.ts:3:3: sleep(1000) makes an operation and drops it, so nothing runs (Python's " +
        '"coroutine was never awaited"): write yield* sleep(1000) (kit/discarded-operation)\n' +
        "forgot.ts: 1 problem found before running it (--no-check runs it anyway)\n",
    );
    equal(refused.stdout, "");
    deepEqual([...Deno.readDirSync(folder)].map((entry) => entry.name), ["forgot.ts"]);
    // --no-check skips the check: what is said next is the file's option, not its problem.
    const unchecked = await task("--labs", "forgot.ts --m", "--no-check");
    equal(unchecked.code, 2);
    match(unchecked.stderr, /^error: --labs 'forgot\.ts --m': unknown option --m; allowed: /m);
    ok(!unchecked.stderr.includes("kit/discarded-operation"), unchecked.stderr);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

const report = (args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-env", "--allow-write", reportScript, ...args]);

Deno.test("report command: usage errors name the problem and the allowed values, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--labs", "nope"],
      // A lab file is allowed too: `--labs "mylab.ts --n 3"`.
      /^error: unknown lab 'nope'; allowed: countdown, spinner, coros, chess, pool or a file\.ts$/m,
    ],
    [
      ["--labs", "countdown --fast"],
      /^error: --labs 'countdown --fast': unknown option --fast; allowed: /m,
    ],
    [
      ["--labs", "no_such_lab.ts"],
      /^error: --labs 'no_such_lab.ts': cannot read lab file no_such_lab.ts: /m,
    ],
    [["--labs", "flags"], /^error: lab 'flags' cannot run in virtual time \(it does real/m],
    [["--labs", ","], /^error: --labs needs at least one lab; allowed: /m],
    [
      ["--colour"],
      /^error: unknown option --colour; allowed: --out, --labs, --bench, --schedule, --no-check or --help$/m,
    ],
    [["extra"], /^error: unexpected argument 'extra'/m],
  ];
  for (const [args, message] of cases) {
    const { code, stderr, stdout } = await report(args);
    equal(code, 2, args.join(" "));
    match(stderr, message);
    match(stderr, /Usage: deno task report/);
    equal(stdout, "");
  }
});

Deno.test("report command: --bench naming a missing or broken file is a usage error naming it, exit 2", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const broken = join(folder, "broken.json");
    await Deno.writeTextFile(broken, "{ not json");
    const cases: [string, RegExp][] = [
      ["/nonexistent/none.json", /^error: --bench \/nonexistent\/none\.json does not exist; name/m],
      [broken, /^error: --bench .*broken\.json cannot be read \(not JSON: .*\); name a results/m],
    ];
    for (const [bench, message] of cases) {
      const { code, stderr, stdout } = await report(["--labs", "countdown", "--bench", bench]);
      equal(code, 2, bench);
      match(stderr, message);
      match(stderr, /Usage: deno task report/);
      equal(stdout, "");
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report command: writes the site for the labs asked for, relative paths from the caller's folder, keeps a foreign folder", async () => {
  const project = await Deno.makeTempDir();
  const folder = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(folder, "good.json"), JSON.stringify(benchResults));
    // As `deno task` runs it: in the folder of deno.json, INIT_CWD the caller's.
    const { code, stdout, stderr } = await outputOf(denoCommand(
      [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-write",
        reportScript,
        "--labs",
        "countdown",
        "--out",
        "site",
        "--bench",
        "good.json",
      ],
      { cwd: project, env: { NO_COLOR: "1", INIT_CWD: folder } },
    ));
    equal(code, 0);
    // Its progress, piped: a plain line a step, on stderr; stdout has the result.
    deepEqual(stderr.trimEnd().split("\n").map((line) => line.replace(/ \d+ s /, " N s ")), [
      "report [########......................] 1/4 N s  running countdown under every runtime",
      "report [###############...............] 2/4 N s  running countdown --blocking under every runtime",
      "report [#######################.......] 3/4 N s  running the semantics probes",
      "report [##############################] 4/4 N s  writing the site",
    ]);
    // Every runtime in the registry, and every pair of them.
    const count = Object.keys(runtimes).length;
    ok(
      stdout.includes(
        `report: 2 scenes x ${count} runtimes, the matrix, ${
          count * (count - 1) / 2
        } adapter pairs; benchmarks: results`,
      ),
      stdout,
    );
    match(stdout, /^wrote site\/index\.html$/m);
    equal([...Deno.readDirSync(project)].length, 0, "nothing written where deno task runs");
    const out = join(folder, "site");
    const index = await Deno.readTextFile(join(out, "index.html"));
    equal(index.match(/<section class="scene"/g)?.length, 2);
    match(index, /data-bench="results">From <code>good\.json<\/code>/);
    ok(!/https?:\/\//.test(index.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, "")));
    for (const [left, right] of adapterPairs(Object.keys(runtimes))) {
      await Deno.stat(join(out, "adapters", `${left}-${right}.html`));
    }
    await Deno.writeTextFile(join(folder, "notes.txt"), "keep me");
    const refused = await report(["--labs", "countdown", "--out", folder]);
    equal(refused.code, 2);
    match(refused.stderr, /--out .* is a folder with other files in it/);
  } finally {
    await Deno.remove(folder, { recursive: true });
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("report command: Ctrl-C stops it, exit 130, the previous report kept whole", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const out = join(folder, "site");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, siteMarker), "");
    await Deno.writeTextFile(join(out, "index.html"), "previous");
    const child = denoCommand(
      ["run", "--allow-read", "--allow-env", "--allow-write", reportScript, "--out", out],
      { env: { NO_COLOR: "1" }, stdout: "null" },
    ).spawn();
    const stderr = new ChildOutput(child.stderr);
    await stderr.readUntil("running countdown under every runtime");
    child.kill("SIGINT");
    const seen = await stderr.readToEnd();
    equal((await child.status).code, 130);
    match(seen, /interrupted: the report was not written/);
    equal(await Deno.readTextFile(join(out, "index.html")), "previous");
    const names = [];
    for await (const entry of Deno.readDir(folder)) names.push(entry.name);
    deepEqual(names, ["site"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("report scenes: a forgotten spinner: native's orphan outlives its parent, nursery's supervisor waits for it", async () => {
  const scene = scenes.find((each) => each.args.includes("--forget"))!;
  const { runs } = await runScene(scene);
  const timelineOf = (runtime: string) => runs.find((run) => run.runtime === runtime)!.timeline;
  const alive = (runtime: string) =>
    timelineOf(runtime).rows.filter((row) => row.end === "alive").map((row) => row.name);
  deepEqual(alive("native"), ["spin"]);
  deepEqual(alive("generator"), []);
  deepEqual(alive("nursery"), []);
  // slow() answers at 3 s; the supervisor's body ends there and it waits for
  // the spinner until the 7 s watchdog.
  const supervisor = timelineOf("nursery").rows.find((row) => row.name === "supervisor")!;
  deepEqual(supervisor.spans.at(-1), {
    kind: "waiting",
    start: 3000,
    end: 7000,
    reason: "children (1 running)",
  });
});

Deno.test("report scenes: coros, which uses no runtime, is shown once as output, not as four one-task timelines", async () => {
  const data = await gatherReport(["coros"], "/nonexistent/latest.json");
  const index = (await renderSite(data)).get("index.html")!;
  const section = /<section class="scene"[^]*?<\/section>/.exec(index)![0];
  match(section, /data-lab="coros"/);
  equal(section.match(/<svg/g), null, "no timeline");
  match(section, /no runtime schedules anything/);
  ok(
    section.includes(
      `exit 0 under ${Object.keys(runtimes).join(", ")}: 1 task each, the same output`,
    ),
    section,
  );
  ok(section.includes("demo 3: prime with next()"), "its output, once");
  ok(!/\b1 tasks\b/.test(index), "no '1 tasks' anywhere");
});

Deno.test("report scenes: captions count in the singular for one", async () => {
  const data = await gatherReport(["countdown"], "/nonexistent/latest.json");
  const index = (await renderSite(data)).get("index.html")!;
  ok(!/\b1 (tasks|errors|orphans)\b/.test(index), /\b1 (tasks|errors|orphans)\b/.exec(index)?.[0]);
  match(index, /\b0 orphans\b/);
});

Deno.test("report scenes: a forgotten spinner's watchdog tasks are named for what they are, where the runtime has them", async () => {
  const scene = scenes.find((each) => each.args.includes("--forget"))!;
  const { runs } = await runScene(scene);
  const names = (runtime: string) =>
    runs.find((run) => run.runtime === runtime)!.timeline.rows.map((row) => row.name);
  // A race of two tasks under effection; under nursery, generator and
  // native, a frame of the calling task with a deadline of its own.
  deepEqual(names("effection").slice(3), ["moveOnAfter: its timer", "moveOnAfter: its operation"]);
  for (const runtime of ["nursery", "generator", "native"]) {
    deepEqual(names(runtime), ["spinner", "supervisor", "spin"]);
  }
  // Effect's own timeoutOption: its operation is a task of the trace, its timer is Effect's sleep.
  deepEqual(names("effect"), ["spinner", "supervisor", "moveOnAfter: its operation", "spin"]);
});
