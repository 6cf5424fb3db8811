// The held-back mistaken lab files of tests/mistakes/ (excluded from the
// project's own fmt, lint and check), each run as a learner runs it:
// `deno task lab FILE`. Checked first, each gets one line naming the fix,
// with its file and line, and exit 2; only the lab that really succeeds
// exits 0. With `--no-check`, the runtimes' own messages name the fix
// without the kit's stack frames, where a run can tell at all.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { denoCommand, type Finished, outputOf } from "./harness.ts";

const repo = fileURLToPath(new URL("../", import.meta.url));

function lab(file: string, ...options: string[]): Promise<Finished> {
  return outputOf(
    denoCommand(["task", "-q", "lab", `tests/mistakes/${file}`, "--clock", "virtual", ...options], {
      cwd: repo,
      env: { NO_COLOR: "1" },
    }),
  );
}

/** Each mistake, and the fix its one line must name. */
const checked: { file: string; line: number; says: string }[] = [
  { file: "forgotten_yield.ts", line: 5, says: "write yield* sleep(1000)" },
  {
    file: "forgotten_yield_spawn.ts",
    line: 10,
    says: "write const task = yield* spawn(worker)",
  },
  { file: "spawn_call.ts", line: 10, says: "write spawn(worker) or spawn(() => worker())" },
  { file: "await_in_operation.ts", line: 5, says: "write yield* call(() => promise)" },
  { file: "bare_yield.ts", line: 5, says: "write yield* sleep(1000)" },
  { file: "uncalled_verb.ts", line: 5, says: "write yield* sleep(...)" },
  { file: "duration_string.ts", line: 5, says: "write sleep(100)" },
  { file: "seconds.ts", line: 5, says: "for 0.5 seconds (asyncio's unit) write sleep(500)" },
  {
    file: "asyncio_names.ts",
    line: 10,
    says: "asyncio.gather is Python's, not the kit's: write yield* all([fetchOne(1), fetchOne(2)])",
  },
  {
    file: "timeout_order.ts",
    line: 5,
    says: "timeout takes the duration first: write timeout(500, sleep(100))",
  },
  {
    file: "start_soon.ts",
    line: 10,
    says: "(the habit of trio's start_soon(fn, *args)): write spawn(() => worker(3))",
  },
  {
    file: "called_export.ts",
    line: 10,
    says: "where the lab needs the function to call: write export default main",
  },
  {
    file: "type_error.ts",
    line: 5,
    says: "Argument of type 'number' is not assignable to parameter of type 'string'. (TS2345)",
  },
];

for (const mistake of checked) {
  Deno.test(`mistakes: ${mistake.file} is refused before it runs, one line naming the fix, exit 2`, async () => {
    const { code, stdout, stderr } = await lab(mistake.file);
    const where = `\n${stderr}`;
    equal(code, 2, `exit status${where}`);
    equal(stdout, "", "the lab did not run");
    const problems = stderr.split("\n").filter((line) =>
      /^tests\/mistakes\/.*:\d+:\d+: /.test(line)
    );
    equal(problems.length, 1, `one problem line${where}`);
    ok(problems[0].startsWith(`tests/mistakes/${mistake.file}:${mistake.line}:`), problems[0]);
    ok(problems[0].includes(mistake.says), `"${problems[0]}" does not say "${mistake.says}"`);
    match(stderr, /1 problem found before running it \(--no-check runs it anyway\)/);
  });
}

Deno.test("mistakes: a returned number is printed, and the lab that succeeded exits 0", async () => {
  const { code, stdout, stderr } = await lab("returned_number.ts");
  equal(code, 0, stderr);
  equal(stdout, "returned_number.ts returned 42\n");
});

Deno.test("mistakes: sleep(0.5) unchecked really succeeds, after half a millisecond: exit 0", async () => {
  const { code, stdout, stderr } = await lab("seconds.ts", "--no-check");
  equal(code, 0, stderr);
  equal(stdout, "half a second later?\n");
});

/** Unchecked, what each run says (the runtimes' own checks), exit 1. */
const unchecked: { file: string; says: string }[] = [
  { file: "spawn_call.ts", says: "write spawn(worker) or spawn(() => worker(args))" },
  { file: "bare_yield.ts", says: "write yield* sleep(...), not yield" },
  { file: "uncalled_verb.ts", says: "yield* sleep is missing its call: write yield* sleep(ms)" },
  { file: "duration_string.ts", says: "not a string (write sleep(100))" },
  {
    file: "timeout_order.ts",
    says: "timeout() takes the duration first: timeout(ms, operation) (asyncio.wait_for",
  },
];

for (const mistake of unchecked) {
  Deno.test(`mistakes: ${mistake.file} with --no-check fails naming the fix, no kit frames, exit 1`, async () => {
    const { code, stderr } = await lab(mistake.file, "--no-check");
    equal(code, 1, stderr);
    ok(stderr.includes(mistake.says), stderr);
    ok(!/runtimes\/|tools\//.test(stderr), `a kit frame shown:\n${stderr}`);
    match(stderr, /frames inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them/);
  });
}

Deno.test("mistakes: a bare yield the runtimes refuse is pointed at in the lab file, as an editor jumps to it", async () => {
  const { code, stderr } = await lab("bare_yield.ts", "--no-check");
  equal(code, 1, stderr);
  const located = stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line));
  deepEqual(located, [
    "tests/mistakes/bare_yield.ts:5:3: a bare yield hands sleep(1000) to the runtime without " +
    "running it: write yield* sleep(1000) (kit/bare-yield)",
  ]);
});

Deno.test("mistakes: a bare yield in a module the lab imports is pointed at there, not in the lab file", async () => {
  // The lab file itself passes the check; its module's bare yield is refused when it runs.
  const { code, stdout, stderr } = await lab("bare_yield_imported.ts", "--runtime", "all");
  equal(code, 1, stderr);
  ok(!stdout.includes("woke"), stdout);
  const located = stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line));
  equal(located.length, 5, stderr);
  for (const line of located) {
    equal(
      line,
      "tests/mistakes/napping.ts:6:3: a bare yield hands sleep(ms) to the runtime without " +
        "running it: write yield* sleep(ms) (kit/bare-yield)",
    );
  }
});

Deno.test("mistakes: a bare yield the lint plugin cannot see gets the runtime's message and no line, rather than a wrong one", async () => {
  const { code, stderr } = await lab("bare_yield_unseen.ts");
  equal(code, 1, stderr);
  match(stderr, /a bare yield of sleep\(\.\.\.\) does not run the operation: write yield\* sleep/);
  deepEqual(stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line)), []);
});

Deno.test("mistakes: an await in a function* with --no-check cannot load, and says the fix, exit 1", async () => {
  const { code, stderr } = await lab("await_in_operation.ts", "--no-check");
  equal(code, 1, stderr);
  // One line, where first, as an editor jumps to it: no stack, no folded frames.
  equal(
    stderr,
    "error: cannot load lab file: tests/mistakes/await_in_operation.ts:5:18: SyntaxError: " +
      "Unexpected reserved word: an await inside a function* operation; an operation waits " +
      "with yield*, and for a promise write yield* call(() => promise)\n",
  );
});

Deno.test("mistakes: a syntax error with --no-check is one line naming the file, line and column, exit 1", async () => {
  const folder = await Deno.makeTempDir({ prefix: "mistakes_" });
  try {
    await Deno.writeTextFile(
      join(folder, "syntax.ts"),
      "export default function* main() {\n  const x = ;\n}\n",
    );
    const { code, stderr } = await outputOf(
      denoCommand(["task", "-q", "lab", join(folder, "syntax.ts"), "--no-check"], {
        cwd: repo,
        env: { NO_COLOR: "1" },
      }),
    );
    equal(code, 1, stderr);
    equal(
      stderr,
      `error: cannot load lab file: ${join(folder, "syntax.ts")}:2:13: SyntaxError: ` +
        "Expression expected\n",
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("mistakes: unchecked, no runtime shows a library's frames; the folded line names them", async () => {
  const { code, stderr } = await lab("bare_yield.ts", "--no-check", "--runtime", "all");
  equal(code, 1, stderr);
  equal(stderr.match(/a bare yield of sleep\(\.\.\.\) does not run the operation/g)?.length, 5);
  ok(!/registry\.npmjs\.org|node_modules|runtimes\/|tools\//.test(stderr), stderr);
  match(stderr, /frames inside the kit and \d+ inside npm:effection not shown/);
  match(stderr, /frames inside the kit and \d+ inside npm:effect not shown/);
});

Deno.test("mistakes: a failure nobody joined, as a runtime reports it, shows the lab's line and folds the rest", async () => {
  const { code, stdout, stderr } = await lab("unjoined_failure.ts", "--runtime", "effect");
  equal(code, 0, stderr);
  equal(stdout, "parent done\n");
  match(stderr, /Error: boom\n\s+at bad \(file:\/\/.*\/tests\/mistakes\/unjoined_failure\.ts:6:/);
  ok(!/registry\.npmjs\.org|runtimes\//.test(stderr), stderr);
  match(stderr, /inside npm:effect not shown: --trace or KIT_FULL_STACK=1 shows them/);
});

Deno.test("mistakes: --trace shows the kit's frames after all", async () => {
  const { code, stderr } = await lab("spawn_call.ts", "--no-check", "--trace");
  equal(code, 1, stderr);
  match(stderr, /at spawn \(file:\/\/.*\/runtimes\/verbs\.ts:/);
});

Deno.test("mistakes: export default main() with --no-check is refused when the file loads, exit 2", async () => {
  const { code, stdout, stderr } = await lab("called_export.ts", "--no-check");
  equal(code, 2, stderr);
  equal(stdout, "");
  match(
    stderr,
    /^error: tests\/mistakes\/called_export\.ts's default export is an operation, the result of a call, where the lab needs the function to call: write export default main, not export default main\(\)$/m,
  );
});

Deno.test("mistakes: under --runtime all each runtime runs the lab file afresh, a module-level count not carried over", async () => {
  const { code, stdout, stderr } = await lab("module_counter.ts", "--runtime", "all");
  equal(code, 0, stderr);
  const counts = stdout.split("\n").filter((line) => line.startsWith("counter"));
  equal(counts.length, 5, stdout);
  deepEqual(counts, counts.map(() => "counter = 3"));
});

Deno.test("mistakes: --no-check really skips the check (a forgotten yield* runs, waiting for nothing)", async () => {
  const { code, stdout } = await lab("forgotten_yield.ts", "--no-check");
  equal(code, 0);
  equal(stdout, "after sleep: 0 ms\n");
});
