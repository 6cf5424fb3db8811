// The exercises: each reference solution passes every check under every
// runtime, and each starting file fails under every runtime (a check with
// its hint says why); the checker's verdicts on small programs of our own;
// and the `exercise` command line (list, show, check, usage errors).

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { allPass, checkExercise, runExercise, runLimitMs } from "../exercises/check.ts";
import { exercises } from "../exercises/mod.ts";
import { all, log, sleep, spawn } from "../mod.ts";
import type { Operation } from "../runtimes/types.ts";
import { runtimeNames } from "../runtimes/registry.ts";
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
    deepEqual(solution.map((report) => report.runtime), [...runtimeNames]);
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
      ok(report.verdicts.some((verdict) => verdict.fault), `${report.runtime}: the start passes`);
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
  match(stdout, /\n0 of 4 runtimes pass: not yet\n$/);
});

Deno.test("cli: exercise usage errors name the problem and the allowed values, exit 2", async () => {
  const unknown = await exercise(["check", "99", "x.ts"]);
  equal(unknown.code, 2);
  match(unknown.stderr, /^error: unknown exercise '99'; allowed: 1, 2, .* or 8$/m);
  const missing = await exercise(["check", "1", "nowhere.ts"]);
  equal(missing.code, 2);
  match(missing.stderr, /^error: cannot read lab file nowhere\.ts/m);
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

Deno.test("cli: exercise check of a file that calls Deno.exit(0) fails, exit 1, saying so", async () => {
  const { code, stdout } = await checkSource(
    'import { log } from "KIT";\nexport default function* () {\n  yield* log("bye");\n  Deno.exit(0);\n}\n',
  );
  equal(code, 1);
  match(stdout, /^native {5}FAIL \(1 of 1 checks\), cut short$/m);
  match(
    stdout,
    /FAIL {2}the program ends by itself, without an error: the program called Deno\.exit\(0\) instead of ending/,
  );
  match(stdout, /\n0 of 4 runtimes pass: not yet\n$/);
});

const loopsMessage =
  /: did not finish within 1 s of real time: it loops without letting time move$/m;

Deno.test("cli: exercise check stops a task looping on sleep(0) after its real-time budget", async () => {
  const { code, stdout } = await checkSource(
    'import { sleep, spawn } from "KIT";\nexport default function* () {\n' +
      "  yield* spawn(function* () {\n    for (;;) yield* sleep(0);\n  });\n  yield* sleep(1000);\n}\n",
  );
  equal(code, 1);
  equal(stdout.match(new RegExp(loopsMessage, "gm"))?.length, 4, stdout);
});

Deno.test("cli: exercise check stops a busy loop (for (;;) {}) after its real-time budget", async () => {
  const { code, stdout } = await checkSource("export default function* () {\n  for (;;) {}\n}\n");
  equal(code, 1);
  equal(stdout.match(new RegExp(loopsMessage, "gm"))?.length, 4, stdout);
});

Deno.test("cli: a file that empties the exercise's checks is still judged by them", async () => {
  const { code, stdout } = await checkSource(
    'import { exercises } from "EXERCISES";\nfor (const each of exercises) each.checks.length = 0;\n' +
      "export default function* () {}\n",
  );
  equal(code, 1);
  match(stdout, /^native {5}FAIL \(3 of 5 checks\)/m);
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
    4,
    stdout,
  );
});
