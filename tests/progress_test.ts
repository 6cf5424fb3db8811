// The progress of long runs (bench, bench:scale, bench:flags, report): one
// line redrawn on a terminal, plain lines when piped, and the figures on
// stdout untouched by either.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { progressBar, showProgress } from "../tools/progress.ts";
import { denoCommand, outputOf } from "./harness.ts";

/** A stand-in for stderr that keeps what is written. */
function fakeStream(terminal: boolean, columns = 200) {
  const decoder = new TextDecoder();
  const stream = {
    written: "",
    isTerminal: () => terminal,
    columns: () => columns,
    writeSync(bytes: Uint8Array) {
      stream.written += decoder.decode(bytes);
      return bytes.length;
    },
  };
  return stream;
}

Deno.test("progress: the bar fills with the steps", () => {
  equal(progressBar(0, 4, 8), "[........]");
  equal(progressBar(1, 4, 8), "[##......]");
  equal(progressBar(4, 4, 8), "[########]");
});

Deno.test("progress: piped, a plain line for the first step and each tenth of the way", () => {
  const stream = fakeStream(false);
  const progress = showProgress("bench", 20, stream);
  for (let step = 1; step <= 20; step++) progress.step(`step ${step}`);
  progress.done();
  const lines = stream.written.trimEnd().split("\n");
  deepEqual(lines.map((line) => / (\d+)\/20 /.exec(line)![1]), [
    "1",
    "2",
    "4",
    "6",
    "8",
    "10",
    "12",
    "14",
    "16",
    "18",
    "20",
  ]);
  match(lines[0], /^bench \[#*\.+\] 1\/20 0 s {2}step 1$/);
  ok(!stream.written.includes("\r"), "no redrawing into a pipe");
});

Deno.test("progress: on a terminal, one line redrawn in place, fitted, erased at the end", () => {
  const stream = fakeStream(true, 40);
  const progress = showProgress("report", 3, stream);
  progress.step("running countdown under every runtime");
  equal(stream.written, "\r\x1b[K" + "report [##########....................] 1/3".slice(0, 39));
  stream.written = "";
  progress.done();
  equal(stream.written, "\r\x1b[K");
});

Deno.test("progress: on a terminal, a figure printed mid-run gets a line of its own", () => {
  const stream = fakeStream(true);
  const printed: string[] = [];
  const consoleLog = console.log;
  console.log = (...data: unknown[]) => void printed.push(data.join(" "));
  try {
    const progress = showProgress("scale", 2, stream);
    progress.step("first");
    stream.written = "";
    console.log("a figure");
    deepEqual(printed, ["a figure"]);
    // Erased before the figure, redrawn after it.
    const erased = "\r\x1b[K";
    ok(stream.written.startsWith(erased + erased), JSON.stringify(stream.written));
    match(stream.written.slice(2 * erased.length), /^scale \[#+\.+\] 1\/2 0 s {2}first$/);
    progress.done();
    console.log("after");
    deepEqual(printed, ["a figure", "after"]);
  } finally {
    console.log = consoleLog;
  }
});

Deno.test("progress: bench, piped, shows its progress and the orphan notice once, on stderr; stdout has the figures", async () => {
  // No --allow-write: the results file is not written (exit 1, said), so
  // that a test never overwrites bench/results/latest.json.
  const { code, stdout, stderr } = await outputOf(denoCommand([
    "run",
    "--allow-read",
    "--allow-env",
    "--v8-flags=--expose-gc",
    fileURLToPath(new URL("../bench/runtimes.ts", import.meta.url)),
    "--tasks",
    "50",
    "--reps",
    "1",
  ], { env: { NO_COLOR: "1" } }));
  match(stdout, /^spawn\+join 50 tasks/);
  ok(!stdout.includes("orphans"), stdout);
  // Every contender of every scenario, a warm-up and one round each (their
  // count, which grows with the registry, read from the first line).
  const total = stderr.match(
    /^bench \[#*\.+\] 1\/(\d+) \d+ s {2}heap per task: promises, warm-up$/m,
  )?.[1];
  ok(total !== undefined, stderr);
  match(stderr, new RegExp(`^bench \\[#+\\] ${total}/${total} \\d+ s {2}10 ms sleepers: `, "m"));
  const notices = stderr.split("\n").filter((line) => line.includes("still running (orphans)"));
  deepEqual(notices, [
    "said on stderr during the runs (2 times): native: the run ended with 50 tasks still " +
    "running (orphans), stopped where they were",
  ]);
  match(stderr, /could not write bench\/results\/latest\.json/);
  equal(code, 1);
});
