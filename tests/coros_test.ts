// The coros lab: every demo's exact output, the same under every runtime
// and on every run; --demo all is every demo in order; the toy loop's
// timing; and the command line.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { corosMain, type DemoName } from "../labs/coros.ts";
import { ToyLoop } from "../labs/coros_loop.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { runDeno } from "./harness.ts";

async function corosLines(
  runtime: Runtime,
  demo: DemoName,
  explain = false,
): Promise<string[]> {
  const lines: string[] = [];
  await runtime.run(() => corosMain({ demo, explain }), {
    clock: virtualClock(),
    output: (line) => lines.push(line),
  });
  return lines;
}

const expected: Record<Exclude<DemoName, "all">, string[]> = {
  "1": [
    "demo 1: a generator yields 42 once; the driver calls next() and prints, twice",
    "{ value: 42, done: false }",
    "{ value: undefined, done: true }",
  ],
  "2": [
    "demo 2: a generator yields 1, 2 and 3; the driver calls next() until done, then again",
    "1",
    "2",
    "3",
    "{ value: undefined, done: true }",
    "caught: too late",
  ],
  "3": [
    "demo 3: prime with next(), then send values in with next(value)",
    "{ value: 'Primed!', done: false }",
    "{ value: 50, done: false }",
    "{ value: 60, done: false }",
    "{ value: 70, done: false }",
    "{ value: 80, done: true }",
  ],
  eager: [
    "eager: an async function starts when called; a generator waits for next()",
    "calling answerLater()...",
    "  answerLater: running, up to its first await",
    "returned: a Promise; has next(): false",
    "  answerLater: resumed by the event loop after its await",
    "awaited: 42",
    "calling answerWhenDriven()...",
    "returned: a Generator",
    "  answerWhenDriven: running, up to its first yield",
    "next() -> { value: 'ready', done: false }",
    "  answerWhenDriven: the driver answered 'go on'",
    'next("go on") -> { value: 42, done: true }',
    "yield*: the driver calls next() on outer(), which delegates to inner()",
    "  outer: before yield* inner()",
    "next() -> { value: 'from inner, 1st', done: false }",
    "next(\"one\") -> { value: 'from inner, 2nd', done: false }",
    "  inner: the driver sent 'one' and 'two'; returning 42",
    "  outer: yield* inner() evaluated to 42",
    'next("two") -> { value: undefined, done: true }',
  ],
  loop: [
    "loop: three launches as generators on a toy event loop (a run queue, a timer heap,",
    "sleeping tasks, simulated time): each yields the seconds it wants to sleep",
    "0.0s A waits 0 s before its countdown",
    "0.0s B waits 2 s before its countdown",
    "0.0s C waits 1 s before its countdown",
    "0.0s A starts its countdown",
    "0.0s A T-minus 5",
    "1.0s C starts its countdown",
    "1.0s C T-minus 4",
    "1.0s A T-minus 4",
    "2.0s B starts its countdown",
    "2.0s B T-minus 3",
    "2.0s C T-minus 3",
    "2.0s A T-minus 3",
    "3.0s B T-minus 2",
    "3.0s C T-minus 2",
    "3.0s A T-minus 2",
    "4.0s B T-minus 1",
    "4.0s C T-minus 1",
    "4.0s A T-minus 1",
    "5.0s B lift-off!",
    "5.0s C lift-off!",
    "5.0s A lift-off!",
    "all lifted off at 5.0 s of loop time (the clock jumped 5 times)",
  ],
};

for (const [demo, lines] of Object.entries(expected)) {
  Deno.test(`coros --demo ${demo} prints exactly its lines`, async () => {
    deepEqual(await corosLines(runtimes.generator, demo as DemoName), lines);
  });
}

Deno.test("coros --demo all is every demo in order, a blank line between, under every runtime", async () => {
  const all = Object.values(expected).flatMap((lines, index) =>
    index === 0 ? lines : ["", ...lines]
  );
  for (const runtime of Object.values(runtimes)) {
    deepEqual(await corosLines(runtime, "all"), all, runtime.name);
  }
});

Deno.test("coros gives no commentary unless --explain: then each demo's notes follow its lines", async () => {
  for (const demo of ["1", "2", "3", "eager", "loop"] as const) {
    const plain = await corosLines(runtimes.generator, demo);
    ok(!plain.some((line) => line === "why:" || line.startsWith("  the ")), demo);
    const explained = await corosLines(runtimes.generator, demo, true);
    // The same lines first, then `why:` and the notes, indented.
    deepEqual(explained.slice(0, plain.length), plain, demo);
    equal(explained[plain.length], "why:", demo);
    ok(explained.length > plain.length + 1, demo);
    ok(explained.slice(plain.length + 1).every((line) => line.startsWith("  ")), demo);
  }
  const demo1 = await corosLines(runtimes.generator, "1", true);
  ok(demo1.some((line) => line.includes("StopIteration")));
});

Deno.test("the toy loop runs sleepers concurrently: the longest, not the sum", () => {
  const woke: string[] = [];
  const loop = new ToyLoop();
  function* napper(label: string, naps: number[]): Generator<number, void, unknown> {
    for (const seconds of naps) {
      yield seconds;
      woke.push(`${loop.now} ${label}`);
    }
  }
  loop.spawn(napper("a", [3]));
  loop.spawn(napper("b", [1, 1, 1]));
  loop.spawn(napper("c", [2]));
  loop.run();
  equal(loop.now, 3);
  equal(loop.jumps, 3);
  deepEqual(woke, ["1 b", "2 c", "2 b", "3 a", "3 b"]);
});

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

const lab = (args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-env", labScript, "coros", ...args]);

Deno.test("cli: coros with no option runs every demo and exits 0", async () => {
  const { code, stdout } = await lab([]);
  equal(code, 0);
  const all = Object.values(expected).map((lines) => lines.join("\n")).join("\n\n");
  equal(stdout, `${all}\n`);
});

Deno.test("cli: coros --demo 1 --explain prints the notes after the lines", async () => {
  const { code, stdout } = await lab(["--demo", "1", "--explain"]);
  equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  deepEqual(lines.slice(0, 4), [...expected["1"], "why:"]);
  match(lines[4], / {2}the first next\(\) runs the body/);
});

Deno.test("cli: coros --demo 4 is a usage error naming the demos, exit 2", async () => {
  const { code, stdout, stderr } = await lab(["--demo", "4"]);
  equal(code, 2);
  equal(stdout, "");
  match(stderr.split("\n")[0], /^error: unknown demo '4'; allowed: 1, 2, 3, eager, loop or all$/);
  ok(stderr.includes("Usage: deno task lab:coros"));
});
