// The held-back mistaken lab files of tests/mistakes/ (excluded from the
// project's own fmt, lint and check), each run as a learner runs it:
// `deno task lab FILE`. Checked first, each gets one line naming the fix,
// with its file and line, and exit 2; only the lab that really succeeds
// exits 0. With `--no-check`, the runtimes' own messages name the fix
// without the kit's stack frames, where a run can tell at all.

import { equal, match, ok } from "node:assert/strict";
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

/** Unchecked, what each run says (the runtimes' own checks), exit 1. */
const unchecked: { file: string; says: string }[] = [
  { file: "spawn_call.ts", says: "write spawn(worker) or spawn(() => worker(args))" },
  { file: "bare_yield.ts", says: "write yield* sleep(...), not yield" },
  { file: "uncalled_verb.ts", says: "yield* sleep is missing its call: write yield* sleep(ms)" },
  { file: "duration_string.ts", says: "not a string (write sleep(100))" },
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

Deno.test("mistakes: an await in a function* with --no-check cannot load, and says the fix, exit 1", async () => {
  const { code, stderr } = await lab("await_in_operation.ts", "--no-check");
  equal(code, 1, stderr);
  match(
    stderr,
    /cannot load lab file tests\/mistakes\/await_in_operation\.ts: an await inside a function\* operation.*write yield\* call\(\(\) => promise\)/,
  );
});

Deno.test("mistakes: --trace shows the kit's frames after all", async () => {
  const { code, stderr } = await lab("spawn_call.ts", "--no-check", "--trace");
  equal(code, 1, stderr);
  match(stderr, /at spawn \(file:\/\/.*\/runtimes\/verbs\.ts:/);
});

Deno.test("mistakes: --no-check really skips the check (a forgotten yield* runs, waiting for nothing)", async () => {
  const { code, stdout } = await lab("forgotten_yield.ts", "--no-check");
  equal(code, 0);
  equal(stdout, "after sleep: 0 ms\n");
});
