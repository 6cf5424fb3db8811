// The exercises: each reference solution passes every check under every
// runtime, and each starting file fails under every runtime (a check with
// its hint says why); a file that only prints the expected lines fails on the
// trace, and other correct solutions pass; the checker's verdicts on small
// programs of our own;
// and the `exercise` command line (list, show, check, usage errors).

import { join } from "node:path";
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  allPass,
  checkExercise,
  type Report,
  runExercise,
  runLimitMs,
} from "../exercises/check.ts";
import { exercises } from "../exercises/mod.ts";
import {
  all,
  call,
  createQueue,
  log,
  moveOnAfter,
  now,
  scope,
  sleep,
  spawn,
  timeout,
  TimeoutError,
} from "../mod.ts";
import type { Operation } from "../runtimes/types.ts";
import { runtimeNames, shufflingRuntimeNames } from "../runtimes/registry.ts";
import { runDeno } from "./harness.ts";

const folderOf = (folder: string) => new URL(`../exercises/${folder}/`, import.meta.url);

async function mainOf(url: URL): Promise<() => Operation<unknown>> {
  const module = await import(url.href);
  return module.default;
}

Deno.test("there are at least eight exercises, numbered 1, 2, 3... in order", () => {
  ok(exercises.length >= 8);
  deepEqual(exercises.map((exercise) => exercise.number), exercises.map((_, index) => index + 1));
});

for (const exercise of exercises) {
  Deno.test(`exercise ${exercise.number}: the solution passes under every runtime, the start fails under every runtime`, async () => {
    const solution = await checkExercise(
      exercise,
      await mainOf(new URL("solution.ts", folderOf(exercise.folder))),
    );
    // Every runtime, in order; an exercise with shuffle seeds adds shuffled runs after each
    // runtime's own, so the names repeat.
    deepEqual([...new Set(solution.map((report) => report.runtime))], [...runtimeNames]);
    for (const report of solution) {
      const faults = report.verdicts.filter((verdict) => verdict.fault);
      deepEqual(
        faults.map((verdict) => `${verdict.check.what}: ${verdict.fault}`),
        [],
        report.runtime,
      );
    }
    ok(allPass(solution));
    const start = await checkExercise(
      exercise,
      await mainOf(new URL("start.ts", folderOf(exercise.folder))),
    );
    for (const report of start) {
      ok(
        report.verdicts.some((verdict) => verdict.fault),
        `${report.runtime} ${JSON.stringify(report.schedule)}: the start passes`,
      );
    }
  });
}

Deno.test("exercise 7: downloads in batches of three pass the limit but fail the idle-slot check", async () => {
  const { codes, download, limit } = await import("../exercises/07-bounded-downloads/given.ts");
  const reports = await checkExercise(exercises[6], function* batches() {
    for (let at = 0; at < codes.length; at += limit) {
      yield* all(codes.slice(at, at + limit).map((code) => download(code)));
    }
    yield* log(`all ${codes.length} done`);
  });
  for (const report of reports) {
    const failed = report.verdicts.filter((verdict) => verdict.fault);
    deepEqual(failed.map((verdict) => verdict.check.what), [
      "3 in flight for as long as codes are waiting",
    ], report.runtime);
  }
});

Deno.test("exercise 8: a finally whose cleanup waits passes under native, generator and effection, not nursery", async () => {
  const { heartbeat, openConnection } = await import("../exercises/08-cleanup-on-cancel/given.ts");
  function* session(): Operation<void> {
    const db = yield* openConnection("db");
    try {
      yield* heartbeat(db);
    } finally {
      yield* db.close();
    }
  }
  const reports = await checkExercise(exercises[7], function* () {
    const task = yield* spawn(session);
    yield* sleep(2500);
    yield* task.halt();
    yield* log("session over");
  });
  deepEqual(
    reports.filter((report) => !report.verdicts.every((verdict) => !verdict.fault)).map((report) =>
      report.runtime
    ),
    ["nursery"],
  );
});

// Files that print the expected lines at the expected virtual times without
// doing the work: each must fail, under every runtime, on the check that reads
// the trace (which task printed a line, which task was cancelled or halted).
const printOnly: [number, string, () => Operation<unknown>][] = [
  [1, "each countdown runs in a task of its own, beside the others", function* () {
    const { countdownLine, countdowns } = yield* call(() => import("../labs/countdown.ts"));
    const due = countdowns.flatMap(([label, delayMs]) =>
      [1, 2, 3].map((step) => ({
        time: delayMs * step,
        armed: delayMs * (step - 1),
        label,
        n: 4 - step,
      }))
    ).filter((line) => line.time < 2500)
      .sort((a, b) => a.time - b.time || a.armed - b.armed);
    for (const line of due) {
      yield* sleep(line.time - (yield* now()));
      yield* log(countdownLine(line.time, line.label, line.n));
    }
    yield* sleep(2500 - (yield* now()));
    yield* log("cut short at 2.500s");
  }],
  [2, "the server is asked at once, and its 5 s answer is not waited for", function* () {
    yield* sleep(1000);
    yield* log("quote: (cached) Simple is better than complex.");
    yield* log("done at 1.000s");
  }],
  [3, "the slow mirror's own task says `slow mirror: cancelled`, in its cleanup", function* () {
    yield* log("slow mirror: started");
    yield* log("fast mirror: started");
    yield* sleep(300);
    yield* log("fast mirror: done");
    yield* log("slow mirror: cancelled");
    yield* log("got it from fast mirror");
  }],
  [4, "the spinner's own task is halted, and its cleanup says `spinner stopped`", function* () {
    const frames = "|/-\\";
    for (let frame = 0; frame < 8; frame++) {
      if (frame > 0) yield* sleep(400);
      yield* log(`spinner ${frames[frame % frames.length]}`);
    }
    yield* sleep(200);
    yield* log("job done");
    yield* log("spinner stopped");
    yield* log("answer: 42");
  }],
  [5, "the spinner runs in a task of its own, which says `spinner stopped`", function* () {
    const frames = "|/-\\";
    for (let slice = 0; slice < 30; slice++) {
      if (slice % 4 === 0) yield* log(`spinner ${frames[(slice / 4) % frames.length]}`);
      yield* sleep(100);
      yield* log("crunched 100 ms");
    }
    yield* log("spinner stopped");
    yield* log("job done");
  }],
  [6, "every part is fetched, each in a task of its own, all from the start", function* () {
    yield* sleep(300);
    yield* log("a: ok");
    yield* log("b: failed: server said 500");
    yield* log("c: failed: connection reset");
  }],
  [7, "each download runs in a task beside the main one, from its start to its end", function* () {
    const { codes, delayOf, limit } = yield* call(() =>
      import("../exercises/07-bounded-downloads/given.ts")
    );
    // The schedule three workers would follow, printed by the main task alone.
    const free = Array.from({ length: limit }, () => 0);
    const due: { time: number; text: string }[] = [];
    for (const code of codes) {
      const worker = free.indexOf(Math.min(...free));
      due.push({ time: free[worker], text: `start ${code}` });
      free[worker] += delayOf(code);
      due.push({ time: free[worker], text: `done ${code}` });
    }
    due.sort((a, b) => a.time - b.time || (a.text < b.text ? -1 : 1));
    for (const line of due) {
      yield* sleep(line.time - (yield* now()));
      yield* log(line.text);
    }
    yield* log(`all ${codes.length} done`);
  }],
  [8, "the session's task is halted at 2.500s and says `closed db` in its cleanup", function* () {
    yield* sleep(100);
    yield* log("open db");
    yield* sleep(1000);
    yield* log("ping db");
    yield* sleep(1000);
    yield* log("ping db");
    yield* sleep(450);
    yield* log("closed db");
    yield* log("session over");
  }],
  [9, "each reader is a task of its own that waits for the fetch, not for a timer", function* () {
    yield* sleep(500);
    yield* log("cache warm");
    yield* log("till: EUR 1.08");
    yield* log("board: GBP 0.79");
  }],
];

for (const [number, what, main] of printOnly) {
  Deno.test(`exercise ${number}: a file that only prints the expected lines fails on the trace`, async () => {
    for (const report of await checkExercise(exercises[number - 1], main)) {
      const failed = report.verdicts.filter((verdict) => verdict.fault);
      deepEqual(
        failed.map((verdict) => verdict.check.what),
        [what],
        `${report.runtime}: ${failed.map((v) => v.fault)}`,
      );
      ok(failed[0].fault && failed[0].check.hint, report.runtime);
    }
  });
}

// Correct solutions other than the reference ones: they must pass.
const otherSolutions: [number, string, () => Operation<unknown>][] = [
  [1, "timeout around a scope that spawns the countdowns", function* () {
    const { countdownLine, countdowns } = yield* call(() => import("../labs/countdown.ts"));
    try {
      yield* timeout(
        2500,
        scope(function* () {
          const tasks = [];
          for (const [label, delayMs] of countdowns) {
            tasks.push(
              yield* spawn(function* () {
                for (let n = 3; n > 0; n--) {
                  yield* sleep(delayMs);
                  yield* log(countdownLine(yield* now(), label, n));
                }
              }),
            );
          }
          for (const task of tasks) yield* task;
        }),
      );
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      yield* log("cut short at 2.500s");
    }
  }],
  [1, "moveOnAfter around all", function* () {
    const { countdownLine, countdowns } = yield* call(() => import("../labs/countdown.ts"));
    yield* moveOnAfter(
      2500,
      all(countdowns.map(([label, delayMs]) =>
        (function* () {
          for (let n = 3; n > 0; n--) {
            yield* sleep(delayMs);
            yield* log(countdownLine(yield* now(), label, n));
          }
        })()
      )),
    );
    yield* log("cut short at 2.500s");
  }],
  [3, "spawn each mirror, halt the loser", function* () {
    const { download, mirrors } = yield* call(() => import("../exercises/03-race-loser/given.ts"));
    const finished = createQueue<string>();
    const tasks = [];
    for (const [mirror, ms] of mirrors) {
      tasks.push(
        yield* spawn(function* () {
          finished.put(yield* download(mirror, ms));
        }),
      );
    }
    const winner = yield* finished.get();
    for (const task of tasks) yield* task.halt();
    yield* log(`got it from ${winner}`);
  }],
  [5, "slices of 50 ms", function* () {
    const { crunch, spin } = yield* call(() => import("../exercises/05-busy-spinner/given.ts"));
    const spinner = yield* spawn(spin);
    for (let done = 0; done < 3000; done += 50) {
      yield* crunch(50);
      yield* sleep(0);
    }
    yield* spinner.halt();
    yield* log("job done");
  }],
  [5, "a spinner that polls a flag on sleep(0)", function* () {
    const { crunch } = yield* call(() => import("../exercises/05-busy-spinner/given.ts"));
    let working = true;
    const spinner = yield* spawn(function* () {
      const frames = "|/-\\";
      let frame = 0;
      let next = 0;
      try {
        while (working) {
          if ((yield* now()) >= next) {
            yield* log(`spinner ${frames[frame++ % frames.length]}`);
            next += 400;
          }
          yield* sleep(0);
        }
      } finally {
        yield* log("spinner stopped");
      }
    });
    for (let done = 0; done < 3000; done += 100) {
      yield* crunch(100);
      yield* sleep(0);
    }
    working = false;
    yield* spinner;
    yield* log("job done");
  }],
];

otherSolutions.push([9, "the rates sent to each reader through a queue of its own", function* () {
  const { fetchRates, readers } = yield* call(() =>
    import("../exercises/09-order-dependent/given.ts")
  );
  const inboxes = readers.map(() => createQueue<Record<string, number>>());
  const tasks = [];
  tasks.push(
    yield* spawn(function* () {
      const rates = yield* fetchRates();
      yield* log("cache warm");
      for (const inbox of inboxes) inbox.put(rates);
    }),
  );
  for (const [index, [name, currency]] of readers.entries()) {
    tasks.push(
      yield* spawn(function* () {
        const rates = yield* inboxes[index].get();
        yield* log(`${name}: ${currency} ${rates[currency]}`);
      }),
    );
  }
  for (const task of tasks) yield* task;
}]);

for (const [number, how, main] of otherSolutions) {
  Deno.test(`exercise ${number}: another correct solution passes: ${how}`, async () => {
    for (const report of await checkExercise(exercises[number - 1], main)) {
      deepEqual(
        report.verdicts.filter((verdict) => verdict.fault).map((verdict) =>
          `${verdict.check.what}: ${verdict.fault}`
        ),
        [],
        report.runtime,
      );
    }
  });
}

Deno.test("every exercise has its statement, a start and a solution", async () => {
  for (const exercise of exercises) {
    for (const file of ["README.md", "start.ts", "solution.ts"]) {
      ok(
        (await Deno.stat(new URL(file, folderOf(exercise.folder)))).isFile,
        `${exercise.folder}/${file}`,
      );
    }
  }
});

Deno.test("the checker stamps each line with its virtual time, and stops a run that never ends", async () => {
  const run = await runExercise("nursery", function* () {
    yield* spawn(function* forgotten() {
      for (;;) yield* sleep(25_000);
    });
    yield* sleep(100);
    yield* log("main done");
  });
  deepEqual(run.lines.map(({ time, text }) => ({ time, text })), [{
    time: 100,
    text: "main done",
  }]);
  ok(run.stopped);
  equal(run.end, runLimitMs);
  const [fault] = (await checkExercise(exercises[0], function* () {
    for (;;) yield* sleep(25_000);
  })).map((report) => report.verdicts[0].fault);
  match(fault ?? "", /^still running at 60\.000s of virtual time/);
});

const exerciseScript = fileURLToPath(new URL("../tools/exercise.ts", import.meta.url));
const exercise = (args: string[], env: Record<string, string> = {}) =>
  runDeno(["run", "--allow-read", "--allow-env", exerciseScript, ...args], env);

Deno.test("cli: exercise list names every exercise; show prints the statement and how to check", async () => {
  const listed = await exercise(["list"]);
  equal(listed.code, 0);
  equal(listed.stdout.trimEnd().split("\n").length, exercises.length);
  match(listed.stdout, /^ 1 {2}01-countdown-deadline/);
  const shown = await exercise(["show", "03"]);
  equal(shown.code, 0);
  match(shown.stdout, /^# Exercise 3: a race that cleans up its loser/);
  match(shown.stdout, /deno task exercise check 3 .*exercises\/03-race-loser\/mine\.ts/);
});

Deno.test("cli: exercise check a start file fails with hints (exit 1), relative to INIT_CWD", async () => {
  const folder = fileURLToPath(folderOf("04-forgotten-spinner"));
  const { code, stdout } = await exercise(["check", "4", "start.ts"], { INIT_CWD: folder });
  equal(code, 1);
  match(stdout, /^native {5}FAIL/m);
  match(stdout, /^nursery {4}FAIL \(.*\), ended at 60\.000s$/m);
  match(stdout, /hint: keep the Task that spawn\(\) answers/);
  match(stdout, /\n0 of 5 runtimes pass: not yet\n$/);
});

Deno.test("cli: exercise usage errors name the problem and the allowed values, exit 2", async () => {
  const unknown = await exercise(["check", "99", "x.ts"]);
  equal(unknown.code, 2);
  match(unknown.stderr, /^error: unknown exercise '99'; allowed: 1, 2, .* or 9$/m);
  const missing = await exercise(["check", "1", "nowhere.ts"]);
  equal(missing.code, 2);
  // A file not there yet: most likely the starting file was not copied; the message says how.
  match(
    missing.stderr,
    /^error: nowhere\.ts does not exist; start from a copy of the starting file: cp \S*exercises\/01-countdown-deadline\/start\.ts nowhere\.ts \(deno task exercise show 1 says more\)$/m,
  );
  // A file that is no lab file, or a built-in lab's name, is refused before it is looked for.
  for (const file of ["data.json", "countdown"]) {
    const notCode = await exercise(["check", "1", file]);
    equal(notCode.code, 2);
    match(
      notCode.stderr,
      new RegExp(
        `^error: the file to check must end in \\.ts, \\.js, \\.mjs or \\.mts, not '${file}'$`,
        "m",
      ),
    );
  }
  const command = await exercise(["run"]);
  equal(command.code, 2);
  match(command.stderr, /^error: unknown command 'run'; allowed: list, show or check$/m);
});

Deno.test("cli: a file that throws when imported is reported, exit 1", async () => {
  const folder = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${folder}/broken.ts`, 'throw new Error("broken on import");\n');
    const { code, stderr } = await exercise(["check", "1", "broken.ts"], { INIT_CWD: folder });
    equal(code, 1);
    match(stderr, /cannot load lab file broken\.ts/);
    match(stderr, /broken on import/);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

// A learner's file runs in a thread of its own: what it does there cannot
// end the checker, hold it, or reach the checks.
async function checkSource(source: string, budgetS = "1") {
  const folder = await Deno.makeTempDir();
  try {
    const kit = new URL("../mod.ts", import.meta.url).href;
    const checks = new URL("../exercises/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${folder}/mine.ts`,
      source.replaceAll("KIT", kit).replaceAll("EXERCISES", checks),
    );
    return await exercise(["check", "1", "mine.ts"], {
      INIT_CWD: folder,
      EXERCISE_BUDGET_S: budgetS,
    });
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("cli: a starting file copied out of its exercise's folder fails to load, with a hint to copy it beside start.ts", async () => {
  const folder = await Deno.makeTempDir();
  try {
    await Deno.copyFile(
      new URL("../exercises/03-race-loser/start.ts", import.meta.url),
      join(folder, "mine.ts"),
    );
    const { code, stderr } = await exercise(["check", "3", "mine.ts"], { INIT_CWD: folder });
    equal(code, 1);
    // One line, where first (the import is one the folder does not have), then the hint.
    match(stderr, /^error: cannot load lab file: mine\.ts:\d+:\d+: Module not found "[^"]+"\.?$/m);
    ok(!stderr.includes("PostedFailure"), stderr);
    match(
      stderr,
      /^hint: mine\.ts is not in .*exercises\/03-race-loser\/?, and its imports are relative to that folder: copy it there \(cp mine\.ts .*exercises\/03-race-loser\/mine\.ts\)/m,
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("cli: exercise check of a file that calls Deno.exit(0) fails, exit 1, saying so", async () => {
  const { code, stdout } = await checkSource(
    'import { log } from "KIT";\nexport default function* () {\n  yield* log("bye");\n  Deno.exit(0);\n}\n',
    "60", // a budget no busy machine's run of it comes near: the budget is not what is tested
  );
  equal(code, 1);
  match(stdout, /^native {5}FAIL \(1 of 1 check failed\), cut short$/m);
  match(
    stdout,
    /FAIL {2}the program ends by itself, without an error: the program called Deno\.exit\(0\) instead of ending/,
  );
  match(stdout, /\n0 of 5 runtimes pass: not yet\n$/);
});

Deno.test("cli: exercise check shows a thrown value that is no Error as itself, not as an Error", async () => {
  const { code, stdout } = await checkSource(
    'export default function* () {\n  throw "plain words";\n}\n',
    // It throws at once: a budget no busy machine's import of the file comes near.
    "60",
  );
  equal(code, 1);
  const said = stdout.match(/without an error: it failed: plain words$/gm);
  equal(said?.length, runtimeNames.length, stdout);
  ok(!stdout.includes("Error: plain words"), stdout);
});

Deno.test("cli: exercise check shows a run's first console calls and drops the rest, saying so", async () => {
  const { code, stdout, stderr } = await checkSource(
    'import { log } from "KIT";\nexport default function* () {\n' +
      '  for (let i = 0; i < 100000; i++) console.log("chatty " + i);\n  yield* log("done");\n}\n',
    "60",
  );
  equal(code, 1);
  const chatty = stdout.split("\n").filter((line) => line.startsWith("chatty "));
  // The worker's limit, 100 calls a run.
  equal(chatty.length, 100 * runtimeNames.length, "the first calls of each run");
  equal(
    stderr.split("\n").filter((line) =>
      line === "(the exercise checker shows a run's first 100 console calls only)"
    ).length,
    runtimeNames.length,
  );
  // The verdict is still there, after the runs' output.
  match(stdout, /\n0 of 5 runtimes pass: not yet\n$/);
});

const loopsMessage =
  /: did not finish within 1 s of real time: it loops without letting time move, or waits on a call\(\) that never settles$/m;

Deno.test("cli: exercise check stops a call() that never settles after its real-time budget, naming it", async () => {
  const { code, stdout } = await checkSource(
    'import { call } from "KIT";\nexport default function* () {\n' +
      "  yield* call(() => new Promise(() => {}));\n}\n",
  );
  equal(code, 1);
  equal(stdout.match(new RegExp(loopsMessage, "gm"))?.length, runtimeNames.length, stdout);
});

Deno.test("cli: exercise check stops a task looping on sleep(0) after its real-time budget", async () => {
  const { code, stdout } = await checkSource(
    'import { sleep, spawn } from "KIT";\nexport default function* () {\n' +
      "  yield* spawn(function* () {\n    for (;;) yield* sleep(0);\n  });\n  yield* sleep(1000);\n}\n",
  );
  equal(code, 1);
  equal(stdout.match(new RegExp(loopsMessage, "gm"))?.length, runtimeNames.length, stdout);
});

Deno.test("cli: exercise check stops a busy loop (for (;;) {}) after its real-time budget", async () => {
  const { code, stdout } = await checkSource("export default function* () {\n  for (;;) {}\n}\n");
  equal(code, 1);
  equal(stdout.match(new RegExp(loopsMessage, "gm"))?.length, runtimeNames.length, stdout);
});

Deno.test("cli: a file that empties the exercise's checks is still judged by them", async () => {
  const { code, stdout } = await checkSource(
    'import { exercises } from "EXERCISES";\nfor (const each of exercises) each.checks.length = 0;\n' +
      "export default function* () {}\n",
    "60", // a budget no busy machine's run of it comes near: the budget is not what is tested
  );
  equal(code, 1);
  match(stdout, /^native {5}FAIL \(4 of 6 checks failed\)/m);
});

Deno.test("cli: a bad EXERCISE_BUDGET_S is a usage error naming it, exit 2", async () => {
  const { code, stderr } = await checkSource("export default function* () {}\n", "soon");
  equal(code, 2);
  match(stderr, /^error: EXERCISE_BUDGET_S must be a positive number of seconds, not 'soon'$/m);
});

Deno.test("cli: exercise check passes a solution, run in its own thread, exit 0", async () => {
  const folder = fileURLToPath(folderOf("03-race-loser"));
  const { code, stdout } = await exercise(["check", "3", "solution.ts"], { INIT_CWD: folder });
  equal(code, 0, stdout);
  match(stdout, /\nevery check passes under every runtime\n$/);
});

Deno.test("cli: exercise check of a file that calls close() fails at once, saying so", async () => {
  const { code, stdout } = await checkSource(
    "export default function* () {\n  close();\n}\n",
    "60",
  );
  equal(code, 1);
  equal(
    stdout.match(/: the program called close\(\) instead of ending$/gm)?.length,
    runtimeNames.length,
    stdout,
  );
});

Deno.test("exercise 9: the start's bug shows only when shuffled: its lines are right under fifo, wrong under some seeds of each shuffling runtime", async () => {
  const main = await mainOf(new URL("start.ts", folderOf("09-order-dependent")));
  const output = "`cache warm`, then every reader's rate, whatever order the runtime picks";
  const outputFault = (report: Report) =>
    report.verdicts.find((verdict) => verdict.check.what === output)!.fault;
  const reports = await checkExercise(exercises[8], main);
  for (const report of reports.filter((report) => report.schedule.order === "fifo")) {
    equal(outputFault(report), undefined, report.runtime);
  }
  for (const runtime of shufflingRuntimeNames) {
    const shuffled = reports.filter((report) =>
      report.runtime === runtime && report.schedule.order === "shuffle"
    );
    equal(shuffled.length, exercises[8].shuffleSeeds!.length);
    ok(shuffled.some((report) => outputFault(report)?.includes("a reader ran before")), runtime);
  }
});

Deno.test("exercise 9: a reader that sleeps 0 ms more passes the output but fails as a timer bet", async () => {
  const { fetchMs, fetchRates, readers } = await import("../exercises/09-order-dependent/given.ts");
  const reports = await checkExercise(exercises[8], function* () {
    const cache: { rates?: Record<string, number> } = {};
    const tasks = [
      yield* spawn(function* () {
        cache.rates = yield* fetchRates();
        yield* log("cache warm");
      }),
    ];
    for (const [name, currency] of readers) {
      tasks.push(
        yield* spawn(function* () {
          yield* sleep(fetchMs);
          yield* sleep(0);
          yield* log(`${name}: ${currency} ${cache.rates![currency]}`);
        }),
      );
    }
    for (const task of tasks) yield* task;
  });
  for (const report of reports) {
    deepEqual(
      report.verdicts.filter((verdict) => verdict.fault).map((verdict) => verdict.check.what),
      ["each reader is a task of its own that waits for the fetch, not for a timer"],
      `${report.runtime} ${JSON.stringify(report.schedule)}`,
    );
  }
});

Deno.test("cli: exercise check 9 runs shuffled too, and gives the command that replays a failing run", async () => {
  const folder = fileURLToPath(folderOf("09-order-dependent"));
  const { code, stdout } = await exercise(["check", "9", "start.ts"], { INIT_CWD: folder });
  equal(code, 1);
  match(stdout, /under nursery and generator also shuffled, seeds 1, 2, 3, 4$/m);
  match(stdout, /^nursery --schedule shuffle:1 +FAIL/m);
  match(
    stdout,
    /^ {2}replay this run: deno task lab start\.ts --runtime nursery --clock virtual --schedule shuffle:1$/m,
  );
  match(stdout, /\n0 of \d+ runs pass: not yet\n$/);
});
