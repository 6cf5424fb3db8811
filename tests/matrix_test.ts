// The semantics matrix: cells computed from real runs, the Markdown it
// prints, the README check, and the command line.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runtimes } from "../runtimes/registry.ts";
import {
  buildMatrix,
  formatMatrix,
  matrixMarkers,
  readmePath,
  replaceMatrix,
  runMatrixCommand,
  runProbe,
  writeMatrix,
} from "../tools/matrix.ts";
import { fitMatrix, wrapWords } from "../tools/matrix_fit.ts";
import { probes } from "../tools/matrix_probes.ts";
import { declaredDifferences } from "../tools/references.ts";
import { runDeno } from "./harness.ts";

const matrixScript = fileURLToPath(new URL("../tools/matrix.ts", import.meta.url));

function probe(behaviour: string) {
  const found = probes.find((each) => each.behaviour.startsWith(behaviour));
  if (!found) throw new Error(`no probe for ${behaviour}`);
  return found;
}

async function cell(runtime: string, behaviour: string): Promise<string> {
  const chosen = probe(behaviour);
  return chosen.classify(await runProbe(runtimes[runtime], chosen));
}

Deno.test("matrix: a task's body returning while its child runs, per model", async () => {
  equal(
    await cell("native", "a task's body returns"),
    "the child runs on, detached (done at 10 ms)",
  );
  equal(await cell("nursery", "a task's body returns"), "the task waits for the child");
  equal(await cell("generator", "a task's body returns"), "the child is halted, its cleanup runs");
});

Deno.test("matrix: what catch sees when a sleeping task is cancelled, per model", async () => {
  const behaviour = "cancelled while sleeping";
  equal(await cell("native", behaviour), "`catch` sees AbortError; `finally` runs");
  equal(await cell("nursery", behaviour), "`catch` sees Cancelled; `finally` runs");
  equal(await cell("generator", behaviour), "`catch` never runs; `finally` runs");
});

Deno.test("matrix: level- and edge-triggered cancellation, and #1190", async () => {
  equal(
    await cell("nursery", "a wait in cleanup"),
    "level-triggered: the next wait throws Cancelled again",
  );
  equal(
    await cell("native", "a wait in cleanup"),
    "the wait runs normally (cancellation is delivered once)",
  );
  equal(
    await cell("generator", "async work in the `finally`"),
    "the cleanup runs, then the caller's code after its `yield*` resumes",
  );
});

Deno.test("matrix: an unjoined child's error, and orphans at the end of a run", async () => {
  equal(
    await cell("native", "a child throws"),
    "the parent runs on; reported on stderr; the run succeeds",
  );
  equal(
    await cell("generator", "a child throws"),
    "the parent is stopped; the run fails with Error: boom",
  );
  equal(
    await cell("native", "tasks still running"),
    "1 orphan stopped where it was, cleanup not run; said on stderr",
  );
});

Deno.test("matrix: the Markdown table has a row per probe, a column per runtime and reference, then the declared differences", async () => {
  const lines = formatMatrix(await buildMatrix()).split("\n");
  const table = lines.slice(0, lines.indexOf(""));
  equal(table.length, 2 + probes.length);
  const header = table[0].split("|").slice(1, -1).map((cell) => cell.trim());
  equal(
    header.join(","),
    [
      "behaviour",
      ...Object.keys(runtimes).map((n) => `\`${n}\``),
      "trio 0.34",
      "asyncio 3.11",
    ].join(","),
  );
  match(table[1], /^\| -+ (\| -+ )+\|$/);
  ok(table.every((line) => line.length === table[0].length));
  const differences = lines.filter((line) => line.startsWith("| D"));
  equal(differences.length, declaredDifferences.length);
  const first = differences[0].split("|").slice(1, -1).map((cell) => cell.trim());
  deepEqual(first, [
    "D1",
    "`nursery` against trio 0.34",
    probe("a CPU-bound").behaviour,
    declaredDifferences[0].reason,
  ]);
});

Deno.test("matrix: README.md's matrix is up to date (run `deno task matrix --write`)", async () => {
  const readme = await Deno.readTextFile(readmePath);
  ok(readme.includes(matrixMarkers.start) && readme.includes(matrixMarkers.end));
  const fresh = replaceMatrix(readme, formatMatrix(await buildMatrix()));
  equal(readme, fresh, "README.md's matrix is stale: run `deno task matrix --write`");
});

Deno.test("matrix: --write replaces only what lies between the markers", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = `${directory}/README.md`;
    const before = `# Title\n\n${matrixMarkers.start}\nold\n${matrixMarkers.end}\n\nafter\n`;
    await Deno.writeTextFile(path, before);
    equal(await writeMatrix(path, "| a |\n| - |"), true);
    equal(
      await Deno.readTextFile(path),
      `# Title\n\n${matrixMarkers.start}\n\n| a |\n| - |\n\n${matrixMarkers.end}\n\nafter\n`,
    );
    equal(await writeMatrix(path, "| a |\n| - |"), false);
    equal([...Deno.readDirSync(directory)].length, 1);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("matrix: an unknown option is a usage error, exit 2", async () => {
  const { code, stderr } = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    matrixScript,
    "--rewrite",
  ]);
  equal(code, 2);
  const [first, blank, usage] = stderr.split("\n");
  equal(first, "error: unknown option --rewrite; allowed: --write, --check, --width or --help");
  equal(blank, "");
  match(usage, /^Usage: deno task matrix/);
});

Deno.test("matrix: --check and --write on a README without the markers: one line, exit 1, README untouched", async () => {
  const directory = await Deno.makeTempDir();
  const consoleError = console.error;
  try {
    const path = `${directory}/README.md`;
    await Deno.writeTextFile(path, "# Title\n\nno matrix here\n");
    for (const option of ["--check", "--write"]) {
      const errors: string[] = [];
      console.error = (...data: unknown[]) => void errors.push(data.join(" "));
      const status = await runMatrixCommand([option], path);
      console.error = consoleError;
      equal(status, 1, option);
      // One line, `error:` (in red on a terminal) and what is missing.
      equal(errors.length, 1, errors.join("\n"));
      match(errors[0], /^\S*error:\S* README\.md has no /);
      ok(
        errors[0].endsWith(
          `README.md has no ${matrixMarkers.start} ... ${matrixMarkers.end} section; ` +
            "add the two markers where the matrix belongs",
        ),
      );
    }
    equal(await Deno.readTextFile(path), "# Title\n\nno matrix here\n");
    equal([...Deno.readDirSync(directory)].length, 1);
  } finally {
    console.error = consoleError;
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("matrix: --check says so when the README's matrix is current, exit 0", async () => {
  const { code, stdout } = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    matrixScript,
    "--check",
  ]);
  equal(stdout, "README.md's matrix is up to date\n");
  equal(code, 0);
});

Deno.test("matrix: --width fits the matrix to that many columns: a heading per behaviour, a line per runtime", async () => {
  const { code, stdout } = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    matrixScript,
    "--width",
    "60",
  ]);
  equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  ok(lines.every((line) => line.length <= 60), lines.find((line) => line.length > 60));
  for (const name of Object.keys(runtimes)) {
    equal(lines.filter((line) => line.startsWith(`  ${name} `)).length, probes.length, name);
  }
  ok(lines.includes("a task's body returns while a child still runs"));
  // The reference columns, and the declared differences they point at, fit too.
  for (const column of ["trio 0.34", "asyncio 3.11"]) {
    equal(lines.filter((line) => line.startsWith(`  ${column} `)).length, probes.length, column);
  }
  ok(lines.includes("declared differences"));
  ok(lines.some((line) => /^ {2}D1 +`?nursery`? against trio/.test(line)), "D1's line");
});

Deno.test("matrix: fitted text wraps a long cell under its own text and unescapes Markdown", () => {
  const text = fitMatrix({
    runtimes: ["a", "bee"],
    references: [],
    rows: [{
      id: "what",
      behaviour: "what happens",
      cells: ["x \\| y", "one two three four five"],
      runs: [],
      references: [],
    }],
  }, 20);
  equal(
    text,
    ["what happens", "  a    x | y", "  bee  one two three", "       four five"].join("\n"),
  );
  equal(wrapWords("abcdefghij kl", 4).join(","), "abcd,efgh,ij,kl");
});

Deno.test("matrix: --width is a usage error beside --check, or out of range", async () => {
  for (const args of [["--check", "--width", "80"], ["--width", "20"], ["--width", "wide"]]) {
    const { code, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      matrixScript,
      ...args,
    ]);
    equal(code, 2, args.join(" "));
    match(stderr, /^error: --width /, args.join(" "));
  }
});
