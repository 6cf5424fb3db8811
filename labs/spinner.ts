/**
 * spinner: a spinner keeps the user company while `slow()` works, unless
 * something keeps it from getting a turn.
 *
 * The supervisor spawns the spinner (a frame every 100 ms), prints the
 * spinner's task, waits for `slow()`, stops the spinner and returns the
 * answer; the lab prints `Answer: 42`, then how long `slow()` took and how
 * many frames the spinner drew, so the lesson is a number.
 *
 *     $ deno task lab:spinner --runtime generator --clock virtual
 *     spinner object: Task#2 spin (pending)
 *     Answer: 42
 *     slow() took 3.000 s (--slow sleep); the spinner drew 30 frames
 *
 *     $ deno task lab:spinner --slow cpu
 *     spinner object: Task#2 spin (pending)
 *     Answer: 42
 *     slow() took 3.158 s (--slow cpu); the spinner drew 0 frames
 *     the job: 794,149 primes below 12,100,000, counted in one go
 *
 * `--slow` picks the work (see `spinner_slow.ts`): `sleep` (cooperative, the
 * default), `block` (the thread blocks: the spinner is frozen), `cpu` (a
 * CPU-bound prime count: frozen too), `nap` (the same count napping 1 ms
 * every so often: the spinner spins, the job takes longer) and `worker` (the
 * count in a Web Worker: the spinner spins, the job takes no longer). The
 * last three do real work in real time, so `--clock virtual` refuses them
 * (a usage error); `sleep` and `block` are exact there.
 *
 * Frame counts differ where the models do. Under `native` a spawned task
 * runs at once up to its first wait, so the spinner draws one frame before
 * `block` or `cpu` freezes the thread. Under `nursery`, as in trio, a
 * cancelled task goes on to its next checkpoint: a spinner halted before it
 * ever ran still draws one frame; but a sleep is a deadline of its own, so
 * one whose wake-up comes in the same instant as the answer (at 3.0 s on
 * the virtual clock) is cancelled: 30 frames. Under `generator` a halt is
 * immediate: 30 frames with `sleep`, none with `block` or `cpu`.
 *
 * `--forget`: the supervisor never stops the spinner. What happens to it
 * is each runtime's nature, and the last line says which it was:
 *
 * - `native`: the spinner outlives its supervisor, an orphan still drawing
 *   after `Answer: 42` (the lab lingers 1 s to show it: 9 more frames);
 *   exit 0.
 * - `generator`: the spinner is halted when the supervisor returns; exit 0.
 * - `nursery`: the supervisor waits for its spinner forever, so the answer
 *   never comes; a watchdog (twice `--seconds`, plus 1 s, on the lab's
 *   clock) halts it; exit 1.
 *
 *     $ deno task lab:spinner --runtime nursery --clock virtual --forget
 *     spinner object: Task#2 spin (pending)
 *     slow() took 3.000 s (--slow sleep); the spinner drew 71 frames
 *     --forget: no answer within the 7 s watchdog: slow() answered 42 at
 *     3.000 s, but the supervisor never returned, waiting for the spinner
 *     it never stopped; the watchdog halted both (exit 1)
 *
 * On a terminal the spinner draws one line in place, with the cursor
 * hidden; the line is erased when it stops, and the cursor comes back on
 * every exit path (the end, an error, Ctrl-C), from the lab's `ensure`
 * (and, should the process exit with no cleanup, from an `unload` handler,
 * or from the lab runner when it stops the lab's busy thread).
 * Elsewhere (a pipe, a file) nothing is animated and only the plain lines
 * above are printed. `--display animated` or `plain` forces either.
 * Frames are coloured on a terminal unless `NO_COLOR` is set.
 *
 * Exit status: 0 with the answer, 1 when the watchdog had to halt the
 * supervisor (or the work failed), 2 for a usage error, 130 after Ctrl-C.
 *
 * @module
 */

import cliSpinners from "cli-spinners";
import { ensure, log, moveOnAfter, now, sleep, spawn } from "../runtimes/verbs.ts";
import type { Operation, Task } from "../runtimes/types.ts";
import { useColor } from "../shared/terminal.ts";
import { decimalNumber, type Lab, UsageError } from "./lab.ts";
import {
  animatedScreen,
  plainScreen,
  type SpinnerScreen,
  writeToStdout,
} from "./spinner_screen.ts";
import {
  answer,
  type JobReport,
  realWorkModes,
  slow,
  type SlowMode,
  slowModes,
} from "./spinner_slow.ts";

/** The original's pace: a frame every 0.1 s (the package's `dots` frames, not its interval). */
const frameMs = 100;

/** With `--forget`, how long the lab goes on after the answer, to show a spinner still drawing. */
const lingerMs = 1000;

/** The spinner's frames. */
const frames: readonly string[] = cliSpinners.dots.frames;

/** The watchdog of `--forget`: twice what `slow()` should take, plus the linger. */
function watchdogMs(seconds: number): number {
  return 2 * seconds * 1000 + lingerMs;
}

/** The spinner lab's options, once parsed. */
export interface SpinnerOptions {
  /** How `slow()` works. */
  slow: SlowMode;
  /** The supervisor never stops the spinner. */
  forget: boolean;
  /** How long `slow()` works (its size, for the real-work modes). */
  seconds: number;
  /** Where the spinner draws. */
  screen: SpinnerScreen;
}

/** What the tasks tell the lab as they go. */
interface Progress {
  startedAt: number;
  frames: number;
  spinner: Task<void> | undefined;
  slowStartedAt: number | undefined;
  slowAnsweredAt: number | undefined;
  job: JobReport | undefined;
}

/** Print a line: the spinner's line is erased first, so the line starts clean. */
function* say(screen: SpinnerScreen, text: string): Operation<void> {
  screen.eraseLine();
  yield* log(text);
}

/** Draw a frame, then sleep, until halted; the line is erased however it ends. */
function* spin(message: string, screen: SpinnerScreen, progress: Progress): Operation<void> {
  yield* ensure(() => screen.stop());
  for (let frame = 0;; frame = (frame + 1) % frames.length) {
    screen.draw(frames[frame], message);
    progress.frames++;
    yield* sleep(frameMs);
  }
}

function* supervisor(options: SpinnerOptions, progress: Progress): Operation<number> {
  // Named after its function, as in the original; the lab's root task is `spinner`.
  const spinner = yield* spawn(() => spin("thinking!", options.screen, progress), { name: "spin" });
  progress.spinner = spinner;
  yield* say(options.screen, `spinner object: ${spinner}`);
  progress.slowStartedAt = yield* now();
  const result = yield* slow(options.slow, options.seconds, (job) => progress.job = job);
  progress.slowAnsweredAt = yield* now();
  if (!options.forget) yield* spinner.halt();
  return result;
}

function framesDrawn(count: number): string {
  return `${count} frame${count === 1 ? "" : "s"}`;
}

function inSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function* sayWhatSlowDid(options: SpinnerOptions, progress: Progress): Operation<void> {
  const { slowStartedAt, slowAnsweredAt, job } = progress;
  const took = slowAnsweredAt === undefined
    ? `had not answered`
    : `took ${inSeconds(slowAnsweredAt - slowStartedAt!)}`;
  yield* say(
    options.screen,
    `slow() ${took} (--slow ${options.slow}); the spinner drew ${framesDrawn(progress.frames)}`,
  );
  if (job) {
    const { primes, limit } = job.count;
    yield* say(
      options.screen,
      `the job: ${primes.toLocaleString("en-US")} primes below ${
        limit.toLocaleString("en-US")
      }, counted ${job.how}`,
    );
  }
}

/** The lab: supervise, print the answer and the numbers, and with `--forget` say what became of the spinner. */
export function* spinnerMain(options: SpinnerOptions): Operation<number> {
  const { screen } = options;
  // The one place the cursor comes back, however the run ends.
  yield* ensure(() => screen.close());
  const progress: Progress = {
    startedAt: yield* now(),
    frames: 0,
    spinner: undefined,
    slowStartedAt: undefined,
    slowAnsweredAt: undefined,
    job: undefined,
  };
  const supervisorTask = yield* spawn(() => supervisor(options, progress), { name: "supervisor" });
  // Under native nothing else stops the supervisor (and its worker) if the lab is halted.
  yield* ensure(() => supervisorTask.halt());
  const result = options.forget
    ? yield* moveOnAfter(watchdogMs(options.seconds), supervisorTask)
    : yield* supervisorTask;

  if (result === undefined) {
    yield* supervisorTask.halt();
    yield* sayWhatSlowDid(options, progress);
    const answered = progress.slowAnsweredAt === undefined
      ? "slow() had not answered"
      : `slow() answered ${answer} at ${
        inSeconds(progress.slowAnsweredAt - progress.startedAt)
      }, ` +
        `but the supervisor never returned, waiting for the spinner it never stopped`;
    yield* say(
      screen,
      `--forget: no answer within the ${
        watchdogMs(options.seconds) / 1000
      } s watchdog: ${answered}; the watchdog halted both (exit 1)`,
    );
    return 1;
  }

  yield* say(screen, `Answer: ${result}`);
  yield* sayWhatSlowDid(options, progress);
  if (!options.forget) return 0;

  const framesAtAnswer = progress.frames;
  yield* sleep(lingerMs);
  const after = progress.frames - framesAtAnswer;
  const spinner = progress.spinner!;
  yield* say(
    screen,
    after > 0
      ? `--forget: the spinner outlived its supervisor: ${spinner} drew ${framesDrawn(after)} ` +
        `more in the ${lingerMs / 1000} s after the answer; ` +
        `an orphan, only the end of the run stops it (exit 0)`
      : `--forget: ${spinner} drew no frame after the answer: it was halted when its ` +
        `supervisor returned (exit 0)`,
  );
  return 0;
}

function parseSeconds(value: string | boolean | undefined): number {
  if (value === undefined) return 3;
  const parsed = typeof value === "string" ? decimalNumber(value) : NaN;
  if (!(parsed > 0 && parsed <= 60)) {
    throw new UsageError(`--seconds takes a number of seconds above 0, at most 60, not '${value}'`);
  }
  return parsed;
}

/** Turn the command line's values into the lab's options. */
export function parseSpinnerOptions(
  values: Record<string, string | boolean | undefined>,
): SpinnerOptions {
  const slowMode = (values.slow ?? "sleep") as SlowMode;
  if (values.clock === "virtual" && realWorkModes.includes(slowMode)) {
    throw new UsageError(
      `--slow ${slowMode} does real work, which takes real time: with --clock virtual, ` +
        `--slow takes sleep or block`,
    );
  }
  const display = values.display ?? "auto";
  const animated = display === "animated" || (display === "auto" && Deno.stdout.isTerminal());
  return {
    slow: slowMode,
    forget: values.forget === true,
    seconds: parseSeconds(values.seconds),
    screen: animated ? animatedScreen(writeToStdout, useColor(Deno.stdout)) : plainScreen,
  };
}

/** The spinner lab. */
export const spinnerLab: Lab<SpinnerOptions> = {
  name: "spinner",
  summary:
    "a spinner while slow() sleeps, blocks, computes, naps or offloads; --forget to leave it",
  options: {
    slow: {
      type: "string",
      choices: slowModes,
      help: "how slow() works (default sleep); cpu, nap and worker need the real clock",
    },
    forget: {
      type: "boolean",
      help: "never stop the spinner: native leaves an orphan (exit 0), generator halts it " +
        "(exit 0), nursery waits for it until a watchdog (exit 1)",
    },
    seconds: {
      type: "string",
      placeholder: "N",
      help: "how long slow() works: above 0, at most 60 (default 3); cpu, nap and worker " +
        "are sized to take about that here",
    },
    display: {
      type: "string",
      choices: ["auto", "animated", "plain"],
      help: "animate on a terminal (auto, the default), always, or never",
    },
  },
  defaultClock: "real",
  parse: parseSpinnerOptions,
  main: spinnerMain,
};
