// The spinner lab: exact frame counts and lines in virtual time for the
// modes the virtual clock allows (sleep, block), what --forget does under
// each runtime, the escape codes of the animated screen, the real-work modes
// (cpu, nap, worker) by what is deterministic about them, and the command
// line: usage errors, exit statuses, and the cursor restored after Ctrl-C.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { spinnerMain, type SpinnerOptions } from "../labs/spinner.ts";
import { countPrimes, limitFor, PrimeCounter } from "../labs/spinner_job.ts";
import { animatedScreen, escapes, plainScreen } from "../labs/spinner_screen.ts";
import { napEveryNumbers } from "../labs/spinner_slow.ts";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Clock, Runtime } from "../runtimes/types.ts";
import { ChildOutput, denoCommand, outputOf } from "./harness.ts";

const { native, nursery, generator, effection, effect } = runtimes;
/** Every runtime: each table of expected values below names each one. */
const everyRuntime = Object.values(runtimes);

async function spinnerLines(
  runtime: Runtime,
  options: Partial<SpinnerOptions>,
  clock: Clock = virtualClock(),
): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const status = await runtime.run(
    () =>
      spinnerMain({ slow: "sleep", forget: false, seconds: 3, screen: plainScreen, ...options }),
    { clock, output: (line) => lines.push(line) },
  );
  return { status, lines };
}

/** Everything written to the terminal, animation and lines, in order. */
async function spinnerScreen(
  runtime: Runtime,
  options: Partial<SpinnerOptions>,
  run: { signal?: AbortSignal; color?: boolean } = {},
): Promise<string> {
  let written = "";
  const screen = animatedScreen((text) => written += text, run.color ?? false);
  await Promise.allSettled([
    runtime.run(
      () => spinnerMain({ slow: "sleep", forget: false, seconds: 3, screen, ...options }),
      { clock: virtualClock(), output: (line) => written += `${line}\n`, signal: run.signal },
    ),
  ]);
  return written;
}

const frame = (glyph: string) => `\r${glyph} thinking!\x1b[K`;

// --slow sleep: a frame every 100 ms while slow() sleeps 3 s. At 3.0 s the
// spinner's next frame and slow()'s answer fall due together (slow() armed
// its timer first, so the supervisor goes first and halts the spinner).
// Every runtime stops it there: 30 frames. Under nursery, as in trio, the
// spinner's wake-up meets the cancellation in the same instant and loses
// to it (a sleep is a deadline of its own), so it draws no 31st frame.
const sleepFrames = { native: 30, nursery: 30, generator: 30, effection: 30, effect: 30 };

for (const runtime of everyRuntime) {
  const frames = sleepFrames[runtime.name as keyof typeof sleepFrames];
  Deno.test(`${runtime.name}: spinner --slow sleep draws ${frames} frames in 3 s`, async () => {
    const { status, lines } = await spinnerLines(runtime, {});
    equal(status, 0);
    deepEqual(lines, [
      `spinner object: Task#2 spin (${runtime === native ? "running" : "pending"})`,
      "Answer: 42",
      `slow() took 3.000 s (--slow sleep); the spinner drew ${frames} frames`,
    ]);
  });

  Deno.test(`${runtime.name}: spinner --slow sleep with no tie draws one frame per 100 ms`, async () => {
    const { lines } = await spinnerLines(runtime, { seconds: 0.25 });
    equal(lines[2], "slow() took 0.250 s (--slow sleep); the spinner drew 3 frames");
  });
}

// --slow block: the thread blocks for 3 s and no task gets a turn. Under
// generator, effection and effect the spinner never starts: 0 frames (a
// halted Effect fiber that never ran is interrupted before its first
// step). Under native a spawned task runs at once up to its first wait, so
// it drew one frame before the block froze it. Under nursery a task
// cancelled before it started still runs up to its first checkpoint, as in
// trio: one frame, after the block.
const blockFrames = { native: 1, nursery: 1, generator: 0, effection: 0, effect: 0 };

for (const runtime of everyRuntime) {
  const frames = blockFrames[runtime.name as keyof typeof blockFrames];
  Deno.test(`${runtime.name}: spinner --slow block draws ${frames} frame(s), the 3 s pass anyway`, async () => {
    const { status, lines } = await spinnerLines(runtime, { slow: "block" });
    equal(status, 0);
    equal(lines[1], "Answer: 42");
    equal(
      lines[2],
      `slow() took 3.000 s (--slow block); the spinner drew ${frames} frame${
        frames === 1 ? "" : "s"
      }`,
    );
  });
}

Deno.test("native: spinner --forget leaves an orphan still drawing after the answer (exit 0)", async () => {
  const { status, lines } = await spinnerLines(native, { forget: true });
  equal(status, 0);
  deepEqual(lines, [
    "spinner object: Task#2 spin (running)",
    "Answer: 42",
    "slow() took 3.000 s (--slow sleep); the spinner drew 31 frames",
    "--forget: the spinner outlived its supervisor: Task#2 spin (running) drew 9 frames " +
    "more in the 1 s after the answer; an orphan, only the end of the run stops it (exit 0)",
  ]);
});

Deno.test("nursery: spinner --forget waits for the spinner until the watchdog (exit 1)", async () => {
  const { status, lines } = await spinnerLines(nursery, { forget: true });
  equal(status, 1);
  deepEqual(lines, [
    "spinner object: Task#2 spin (pending)",
    "slow() took 3.000 s (--slow sleep); the spinner drew 71 frames",
    "--forget: no answer within the 7 s watchdog: slow() answered 42 at 3.000 s, but the " +
    "supervisor never returned, waiting for the spinner it never stopped; the watchdog " +
    "halted both (exit 1)",
  ]);
});

Deno.test("generator: spinner --forget halts the spinner when the supervisor returns (exit 0)", async () => {
  const { status, lines } = await spinnerLines(generator, { forget: true });
  equal(status, 0);
  deepEqual(lines, [
    "spinner object: Task#2 spin (pending)",
    "Answer: 42",
    "slow() took 3.000 s (--slow sleep); the spinner drew 30 frames",
    "--forget: Task#2 spin (halted) drew no frame after the answer: it was halted when " +
    "its supervisor returned (exit 0)",
  ]);
});

for (const runtime of [effection, effect]) {
  // Under effect the watchdog's moveOnAfter is Effect.timeoutOption, whose
  // operation is a task of the trace of its own: the spinner is Task#3.
  const spinner = runtime === effect ? "Task#3 spin" : "Task#2 spin";
  Deno.test(`${runtime.name}: spinner --forget halts the spinner when the supervisor returns, as generator (exit 0)`, async () => {
    const { status, lines } = await spinnerLines(runtime, { forget: true });
    equal(status, 0);
    deepEqual(lines, [
      `spinner object: ${spinner} (pending)`,
      "Answer: 42",
      "slow() took 3.000 s (--slow sleep); the spinner drew 30 frames",
      `--forget: ${spinner} (halted) drew no frame after the answer: it was halted when ` +
      "its supervisor returned (exit 0)",
    ]);
  });
}

Deno.test("generator: the animated spinner hides the cursor, redraws one line, erases it and shows the cursor", async () => {
  const written = await spinnerScreen(generator, { seconds: 0.25 });
  equal(
    written,
    "spinner object: Task#2 spin (pending)\n" +
      escapes.hideCursor + frame("⠋") + frame("⠙") + frame("⠹") +
      escapes.eraseLine + escapes.showCursor +
      "Answer: 42\n" +
      "slow() took 0.250 s (--slow sleep); the spinner drew 3 frames\n",
  );
});

Deno.test("native: a printed line never lands on the spinner's line, and the orphan's frames end with the run", async () => {
  const written = await spinnerScreen(native, { seconds: 0.25, forget: true });
  const [beforeAnswer, afterAnswer] = written.split("Answer: 42\n");
  ok(
    beforeAnswer.startsWith(escapes.hideCursor + frame("⠋") + escapes.eraseLine + "spinner object"),
  );
  ok(beforeAnswer.endsWith(escapes.eraseLine), "the line is erased before the answer is printed");
  equal(
    afterAnswer.split(escapes.hideCursor).length,
    1,
    "the cursor stays hidden: one hide in all",
  );
  ok(afterAnswer.includes("--forget: the spinner outlived its supervisor"));
  ok(afterAnswer.endsWith(escapes.showCursor), "the lab's ensure shows the cursor last");
  equal(written.split(escapes.showCursor).length, 2, "shown once");
});

Deno.test("the animated screen shows the cursor at exit even if no cleanup runs (Deno.exit)", () => {
  let written = "";
  const screen = animatedScreen((text) => written += text, false);
  screen.draw("⠋", "thinking!");
  globalThis.dispatchEvent(new Event("unload"));
  ok(written.endsWith(escapes.showCursor));
  screen.close();
  written = "";
  globalThis.dispatchEvent(new Event("unload"));
  equal(written, "", "once the cursor is back, the screen no longer listens for the exit");
});

Deno.test("generator: frames are cyan only when colour is on", async () => {
  const written = await spinnerScreen(generator, { seconds: 0.05 }, { color: true });
  ok(written.includes("\r\x1b[36m⠋\x1b[0m thinking!"));
});

for (const runtime of everyRuntime) {
  Deno.test(`${runtime.name}: halting the run mid-spin (Ctrl-C) erases the line and shows the cursor`, async () => {
    // The abort comes from the fifth frame's write: in virtual time the
    // whole run passes without a host turn, so nothing outside could land.
    const interrupt = new AbortController();
    let written = "";
    let frames = 0;
    const screen = animatedScreen((text) => {
      written += text;
      if (text.includes("thinking!") && ++frames === 5) interrupt.abort(new Error("Ctrl-C"));
    }, false);
    const [settled] = await Promise.allSettled([
      runtime.run(
        () => spinnerMain({ slow: "sleep", forget: false, seconds: 3, screen }),
        {
          clock: virtualClock(),
          output: (line) => written += `${line}\n`,
          signal: interrupt.signal,
        },
      ),
    ]);
    equal(settled.status, "rejected");
    ok(!written.includes("Answer"));
    ok(
      written.endsWith(escapes.eraseLine + escapes.showCursor),
      JSON.stringify(written.slice(-40)),
    );
    equal(written.split(escapes.showCursor).length, 2, "shown once");
  });
}

// The real-work modes run real CPU work in real time, so what is checked is
// what the clock cannot change: the job's result, how many slices it took,
// and whether the spinner got a turn at all. Durations are never asserted.
const tinySeconds = 0.02;

Deno.test("the prime count is right and the same however it is sliced", () => {
  equal(countPrimes(1_000_000).primes, 78_498);
  const counter = new PrimeCounter(100_000);
  let slices = 1;
  while (!counter.advance(napEveryNumbers)) slices++;
  deepEqual(counter.result(), { limit: 100_000, primes: 9_592 });
  equal(slices, 5);
  equal(limitFor(3), 12_100_000);
});

const cpuFrames = blockFrames;

for (const runtime of everyRuntime) {
  const limit = limitFor(tinySeconds);
  const primes = countPrimes(limit).primes.toLocaleString("en-US");
  const job = `the job: ${primes} primes below ${limit.toLocaleString("en-US")}, counted`;

  Deno.test(`${runtime.name}: spinner --slow cpu freezes the spinner (frames as for block)`, async () => {
    const { status, lines } = await spinnerLines(
      runtime,
      { slow: "cpu", seconds: tinySeconds },
      realClock(),
    );
    equal(status, 0);
    const frames = cpuFrames[runtime.name as keyof typeof cpuFrames];
    match(lines[2], new RegExp(`spinner drew ${frames} frames?$`));
    equal(lines[3], `${job} in one go`);
  });

  Deno.test(`${runtime.name}: spinner --slow nap gives the spinner a turn at every nap`, async () => {
    const { status, lines } = await spinnerLines(
      runtime,
      { slow: "nap", seconds: tinySeconds },
      realClock(),
    );
    equal(status, 0);
    const frames = Number(lines[2].match(/spinner drew (\d+) frame/)![1]);
    ok(frames >= 1, lines[2]);
    const slices = Math.ceil(limit / napEveryNumbers);
    equal(lines[3], `${job} in ${slices} slices, with a 1 ms nap between`);
  });

  Deno.test(`${runtime.name}: spinner --slow worker keeps the spinner going and terminates the worker`, async () => {
    const workers = countingWorkers();
    const { status, lines } = await spinnerLines(
      runtime,
      { slow: "worker", seconds: tinySeconds },
      realClock(),
    ).finally(workers.restore);
    deepEqual(workers.counts, { started: 1, terminated: 1 });
    equal(status, 0);
    ok(Number(lines[2].match(/spinner drew (\d+) frame/)![1]) >= 1, lines[2]);
    equal(lines[3], `${job} in a Web Worker`);
  });

  Deno.test(`${runtime.name}: halting the run during --slow worker terminates the worker at once`, async () => {
    // A job of a minute: the test ends only because the halt terminates the
    // worker (and the ops sanitizer would catch a worker left running). The
    // supervisor prints the spinner's task just before it starts the
    // worker; one host turn later the worker is counting.
    const interrupt = new AbortController();
    const output = (line: string) => {
      if (line.startsWith("spinner object")) {
        setTimeout(() => interrupt.abort(new Error("Ctrl-C")), 0);
      }
    };
    const workers = countingWorkers();
    try {
      const [settled] = await Promise.allSettled([
        runtime.run(
          () => spinnerMain({ slow: "worker", forget: false, seconds: 60, screen: plainScreen }),
          { clock: realClock(), output, signal: interrupt.signal },
        ),
      ]);
      equal(settled.status, "rejected");
    } finally {
      workers.restore();
    }
    deepEqual(workers.counts, { started: 1, terminated: 1 });
  });
}

/** Count the Web Workers started and terminated until `restore()`. */
function countingWorkers() {
  const counts = { started: 0, terminated: 0 };
  const original = globalThis.Worker;
  globalThis.Worker = class extends original {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      counts.started++;
    }
    override terminate(): void {
      counts.terminated++;
      super.terminate();
    }
  };
  return { counts, restore: () => void (globalThis.Worker = original) };
}

// The command line, as a user meets it.

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

const labCommand = (args: string[]) =>
  denoCommand(["run", "--allow-read", "--allow-env", labScript, "spinner", ...args], {
    env: { NO_COLOR: "1" },
  });
const lab = (args: string[]) => outputOf(labCommand(args));

const forgetStatus = { native: 0, nursery: 1, generator: 0, effection: 0, effect: 0 };

for (const [name, status] of Object.entries(forgetStatus)) {
  Deno.test(`cli: spinner --forget --runtime ${name} --clock virtual exits ${status}, plain lines on a pipe`, async () => {
    const { code, stdout } = await lab(["--forget", "--runtime", name, "--clock", "virtual"]);
    equal(code, status);
    match(stdout, /^spinner object: Task#\d spin /);
    match(stdout, /\n--forget: .*\(exit \d\)\n$/);
    ok(!stdout.includes("\x1b["), "no escape codes when stdout is not a terminal");
  });
}

const usageCases: [string, string[], RegExp][] = [
  [
    "real CPU work on the virtual clock",
    ["--slow", "cpu", "--clock", "virtual"],
    /--slow cpu does real work, which takes real time: with --clock virtual, --slow takes sleep or block/,
  ],
  ["a worker on the virtual clock", ["--slow", "worker", "--clock", "virtual"], /--slow worker/],
  [
    "an unknown --slow",
    ["--slow", "turbo"],
    /unknown slow 'turbo'; allowed: sleep, block, cpu, nap or worker/,
  ],
  [
    "zero seconds",
    ["--seconds", "0"],
    /--seconds takes a number of seconds above 0, at most 60, not '0'/,
  ],
  ["seconds that are no number", ["--seconds", "soon"], /not 'soon'/],
  [
    "an unknown --display",
    ["--display", "fancy"],
    /unknown display 'fancy'; allowed: auto, animated or plain/,
  ],
];

for (const [what, args, message] of usageCases) {
  Deno.test(`cli: spinner with ${what} is a usage error, exit 2`, async () => {
    const { code, stdout, stderr } = await lab(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, ...rest] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    ok(rest.join("\n").includes("Usage: deno task lab:spinner"));
  });
}

Deno.test("cli: spinner --help documents the options and the exit status of every --forget outcome", async () => {
  const { code, stdout } = await lab(["--help"]);
  equal(code, 0);
  match(stdout, /--slow sleep\|block\|cpu\|nap\|worker/);
  match(stdout, /--display auto\|animated\|plain/);
  match(stdout, /native leaves an orphan \(exit 0\), generator halts it \(exit 0\), nursery waits/);
  match(stdout, /watchdog \(exit 1\)/);
});

for (const runtime of Object.keys(runtimes)) {
  Deno.test(`cli: Ctrl-C while the spinner spins under ${runtime} shows the cursor again, exit 130`, async () => {
    const child = labCommand(["--runtime", runtime, "--display", "animated"]).spawn();
    const stdout = new ChildOutput(child.stdout);
    // Interrupt once a frame has been drawn after the spinner object's line
    // (under native the first frame comes before it).
    await stdout.readUntil(/spinner object[^]*thinking!/);
    child.kill("SIGINT");
    const seen = await stdout.readToEnd();
    const status = await child.status;
    await child.stderr.cancel();
    equal(status.code, 130);
    ok(seen.indexOf(escapes.hideCursor) < seen.indexOf(escapes.showCursor));
    ok(seen.endsWith(escapes.eraseLine + escapes.showCursor), JSON.stringify(seen.slice(-40)));
    ok(!seen.includes("Answer"));
  });
}
