// `deno task diff`: sections split at the banners and matched by heading,
// lines aligned within them, the side-by-side layout, and the command line.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runtimes } from "../runtimes/registry.ts";
import { alignSections, renderSideBySide, splitSections } from "../tools/diff.ts";
import { denoCommand, outputOf } from "./harness.ts";

const diffScript = fileURLToPath(new URL("../tools/diff.ts", import.meta.url));
const rule = "// " + "-".repeat(20);

const left = [
  "/** Left adapter. */",
  "import { a } from './a.ts';",
  rule,
  "// Tasks: how a task starts.",
  rule,
  "function start() {",
  "  queue.push(task);",
  "  return task;",
  "}",
  rule,
  "// Timers: one per sleep.",
  rule,
  "const timers = [];",
].join("\n") + "\n";

const right = [
  "/** Right adapter. */",
  "import { a } from './a.ts';",
  rule,
  "// Tasks: how a task starts.",
  rule,
  "function start() {",
  "  heap.push(task);",
  "  trace(task);",
  "  return task;",
  "}",
  rule,
  "// Errors: what a failure does.",
  rule,
  "throw error;",
  rule,
  "// Timers: one heap.",
  rule,
  "const heap = new Heap();",
].join("\n") + "\n";

Deno.test("diff: a file splits at its banners, by heading word, keeping line numbers", () => {
  const sections = splitSections(left);
  deepEqual(
    sections.map((section) => [section.heading, section.firstLine, section.lines.length]),
    [["Preamble", 1, 2], ["Tasks", 3, 7], ["Timers", 10, 4]],
  );
});

Deno.test("diff: sections match by heading; lines align by longest common subsequence", () => {
  const aligned = alignSections(left, right);
  deepEqual(aligned.map((section) => section.heading), ["Preamble", "Tasks", "Errors", "Timers"]);
  const tasks = aligned[1].rows.map((row) =>
    `${row.left?.number ?? "-"} ${row.mark} ${row.right?.number ?? "-"}`
  );
  deepEqual(tasks, ["3   3", "4   4", "5   5", "6   6", "7 | 7", "- > 8", "8   9", "9   10"]);
  deepEqual(aligned[2].rows.map((row) => row.mark), [">", ">", ">", ">"]);
  equal(aligned[2].left, undefined);
  deepEqual(aligned[3].rows.map((row) => row.mark), [" ", "|", " ", "|"]);
});

Deno.test("diff: the side-by-side text fits the width, with numbers and marks, no colour", () => {
  const lines = renderSideBySide(alignSections(left, right), {
    width: 100,
    color: false,
    names: ["left.ts", "right.ts"],
  });
  ok(lines.every((line) => line.length <= 100), lines.find((line) => line.length > 100));
  ok(lines.every((line) => !line.includes("\x1b")));
  ok(lines.includes(
    "== Tasks (left.ts 3-9, right.ts 3-10): 6 same, 1 changed, 0 left only, 1 right only ".padEnd(
      100,
      "=",
    ),
  ));
  const changed = lines.find((line) => line.includes("queue.push"))!;
  deepEqual(changed.split(/\s+/), ["", "7", "queue.push(task);", "|", "7", "heap.push(task);"]);
  const added = lines.find((line) => line.includes("trace(task)"))!;
  deepEqual(added.split(/\s+/), ["", ">", "8", "trace(task);"]);
});

Deno.test("diff: --changed folds each run of identical lines into one line saying how many", () => {
  const lines = renderSideBySide(alignSections(left, right), {
    width: 100,
    color: false,
    names: ["left.ts", "right.ts"],
    changedOnly: true,
  });
  const start = lines.findIndex((line) => line.startsWith("== Tasks"));
  deepEqual(lines.slice(start + 1, start + 6).map((line) => line.trim().split(/\s+/).join(" ")), [
    "… 4 same lines",
    "7 queue.push(task); | 7 heap.push(task);",
    "> 8 trace(task);",
    "… 2 same lines",
    "",
  ]);
  ok(!lines.some((line) => line.includes("return task")), "an identical line is hidden");
});

// The environment as given (no NO_COLOR unless asked): piping alone must turn colour off.
const diff = (args: string[], env: Record<string, string> = {}) =>
  outputOf(denoCommand(["run", "--allow-read", "--allow-env", diffScript, ...args], { env }));

Deno.test("diff: two fixture files by path, piped: plain text, 160 columns", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${directory}/left.ts`, left);
    await Deno.writeTextFile(`${directory}/right.ts`, right);
    const { code, stdout } = await diff([`${directory}/left.ts`, `${directory}/right.ts`]);
    equal(code, 0);
    ok(!stdout.includes("\x1b"), "no ANSI codes when piped");
    const lines = stdout.trimEnd().split("\n");
    match(lines[0], /^left\.ts\s+right\.ts$/);
    equal(lines.find((line) => line.startsWith("== Tasks"))!.length, 160);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("diff: nursery and generator, the two model files, share their sections in order, none of them mostly identical lines", async () => {
  const { code, stdout } = await diff(["nursery", "generator", "--width", "120"]);
  equal(code, 0);
  const titles = stdout.split("\n").filter((line) => line.startsWith("== "));
  deepEqual(titles.map((line) => line.split(" ")[1]), [
    "Preamble",
    "Instructions",
    "Scopes",
    "Errors",
  ]);
  for (const title of titles) {
    const [same, changed, left, right] = title.match(/\d+ (same|changed|left|right)/g)!
      .map((count) => parseInt(count));
    ok(same * 2 < same + changed + left + right, title);
  }
  ok(stdout.split("\n").every((line) => line.length <= 120));
});

Deno.test("diff: native, the third model file, has their sections and one that makes the runtime", async () => {
  const { code, stdout } = await diff(["native", "nursery", "--changed", "--width", "120"]);
  equal(code, 0);
  const headings = stdout.split("\n").filter((line) => line.startsWith("== "))
    .map((line) => line.split(" ")[1]);
  deepEqual(headings, ["Preamble", "Instructions", "Scopes", "Errors", "Run"]);
});

// Each model readable in one short file: what is not the model is the core's.
Deno.test("the model files stay short: generator and nursery under 300 lines, native under 450", async () => {
  const limits: Record<string, number> = { generator: 300, nursery: 300, native: 450 };
  for (const [name, limit] of Object.entries(limits)) {
    const text = await Deno.readTextFile(new URL(`../runtimes/${name}.ts`, import.meta.url));
    const lines = text.trimEnd().split("\n").length;
    ok(lines < limit, `runtimes/${name}.ts has ${lines} lines, not under ${limit}`);
  }
});

Deno.test("diff: effection and effect share the six sections in order too", async () => {
  const { code, stdout } = await diff(["effection", "effect", "--changed", "--width", "120"]);
  equal(code, 0);
  const headings = stdout.split("\n").filter((line) => line.startsWith("== "))
    .map((line) => line.split(" ")[1]);
  deepEqual(headings, ["Preamble", "Instructions", "Tasks", "Scopes", "Timers", "Errors", "Run"]);
  match(stdout, /^== Tasks \(effection\.ts \d+-\d+, effect\.ts \d+-\d+\): \d+ same/m);
});

Deno.test("diff: an unknown runtime is a usage error listing the allowed ones, exit 2", async () => {
  const { code, stdout, stderr } = await diff(["nursery", "threads"], { NO_COLOR: "1" });
  equal(code, 2);
  equal(stdout, "");
  const [first, blank, usage] = stderr.split("\n");
  equal(
    first,
    `error: unknown runtime 'threads'; allowed: ${
      Object.keys(runtimes).join(", ").replace(/, ([^,]+)$/, " or $1")
    }, or a path to a .ts file`,
  );
  equal(blank, "");
  match(usage, /^Usage: deno task diff <runtimeA> <runtimeB>/);
});

Deno.test("diff: one runtime only, or a bad width, is a usage error, exit 2", async () => {
  match((await diff(["nursery"], { NO_COLOR: "1" })).stderr, /^error: name two runtimes/);
  const cases: [string[], string][] = [
    [["--width", "9"], "--width needs a whole number of columns from 40 to 400 (got '9')"],
    [
      ["--width", "10000000"],
      "--width needs a whole number of columns from 40 to 400 (got '10000000')",
    ],
    [["--width", "1e3"], "--width needs a whole number of columns from 40 to 400 (got '1e3')"],
    [["--width"], "--width needs a value"],
    [
      ["--width", "-5"],
      "--width needs a value; one that starts with a dash goes after '=': --width=-5",
    ],
    [["--width=-5"], "--width needs a whole number of columns from 40 to 400 (got '-5')"],
    [["--help=yes"], "--help takes no value: give it alone, as --help"],
    [["--wide"], "unknown option --wide; allowed: --width, --changed or --help"],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await diff(["nursery", "generator", ...args], {
      NO_COLOR: "1",
    });
    equal(code, 2, args.join(" "));
    equal(stdout, "");
    const [first, blank, usage] = stderr.split("\n");
    equal(first, `error: ${message}`);
    equal(blank, "");
    match(usage, /^Usage: deno task diff/);
  }
});

Deno.test("diff: relative paths start from the caller's folder (INIT_CWD), not deno task's", async () => {
  const project = await Deno.makeTempDir();
  const caller = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${caller}/left.ts`, left);
    await Deno.writeTextFile(`${caller}/right.ts`, right);
    // As `deno task` runs it: in the folder of deno.json, INIT_CWD the caller's.
    const { code, stdout, stderr } = await outputOf(
      denoCommand(["run", "--allow-read", "--allow-env", diffScript, "left.ts", "right.ts"], {
        cwd: project,
        env: { INIT_CWD: caller },
      }),
    );
    equal(stderr, "");
    equal(code, 0);
    match(stdout.split("\n")[0], /^left\.ts\s+right\.ts$/);
  } finally {
    await Deno.remove(project, { recursive: true });
    await Deno.remove(caller, { recursive: true });
  }
});
