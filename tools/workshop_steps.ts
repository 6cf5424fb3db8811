/**
 * The workshop's steps: the path through the labs that the original
 * workshop takes (flags, spinner, countdown, native coroutines), then the
 * kit's own additions (latency, chess, echo, the runtimes compared, the
 * exercises). Each step says what to read, what to predict and what to
 * run, and, after the run, what there is to notice.
 *
 * A run is a lab's name and its arguments, shown as the `deno task lab:...`
 * command a learner would type; `deno task workshop` runs it in-process,
 * on the virtual clock wherever the lab allows, so that it is quick and
 * its output the same on every run.
 *
 * @module
 */

import { runtimeNames } from "../runtimes/registry.ts";

/** One lab run: `deno task lab:<lab> <args...>`. */
export interface StepRun {
  lab: string;
  args: string[];
  /**
   * The lines that come in the order the run's concurrent work ended, which
   * varies from run to run (the flags' per-code lines): the handout sorts them.
   */
  unordered?: RegExp;
}

/** A part of a source file to show: from the line that starts with `from` to the next `}` alone. */
export interface SourcePart {
  path: string;
  from: string;
}

/** A prediction asked before the run. */
export type Prediction =
  /** A question in words, answered in a line; shown again beside the run. */
  | { kind: "question"; question: string }
  /**
   * The exact output of `run`, typed in (or read from a file) and set beside
   * what the run prints, the differences marked. The first `skip` lines of
   * the run's output (a title) are not part of the prediction.
   */
  | { kind: "output"; source: SourcePart; run: StepRun; skip: number; what: string };

/** One step of the workshop. */
export interface Step {
  title: string;
  /** Files to read first, relative to the kit's folder. */
  read: string[];
  /** What to do, in a few lines. */
  intro: string[];
  prediction?: Prediction;
  /** The runs, in order (a prediction's run comes first, and is not repeated here). */
  runs: StepRun[];
  /** What to notice once the runs are done. */
  notice: string[];
  /**
   * Runs whose `why:` lines (the coros lab's `--explain`) join the notice:
   * the commentary comes from the lab itself, after the prediction.
   */
  explain?: StepRun;
  /** Commands to try afterwards, by hand. */
  more?: string[];
}

/** The command a learner types for `run`. */
export function commandOf(run: StepRun): string {
  const quoted = run.args.map((arg) => /^[\w.,=/:+-]+$/.test(arg) ? arg : `'${arg}'`);
  return [`deno task lab:${run.lab}`, ...quoted].join(" ");
}

const coros = (demo: string): StepRun => ({ lab: "coros", args: ["--demo", demo] });

/** The flags lab's line for one code under `-v`: `BR OK`, `ZZ not found`, `CN error: ...`. */
const perCode = /^[A-Z]{2} (OK|not found|error: .*)$/;

/** Every step, in order; `deno task workshop --step N` starts at `steps[N - 1]`. */
export const steps: readonly Step[] = [
  {
    title: "Flags: one download at a time, ten on one thread, ten threads",
    read: ["labs/flags.ts", "labs/flags_download.ts", "labs/flags_pool.ts"],
    intro: [
      "The flags lab downloads country flags from a server it starts on 127.0.0.1. With",
      "--delay 200, each request waits 200 ms on the server before it is answered. -m N",
      "keeps N requests in flight on the lab's one thread; --pool N hands them to N Web",
      "Workers, threads that each send their own requests, as a thread pool would.",
    ],
    prediction: {
      kind: "question",
      question: "Ten flags, 200 ms each: how long one at a time (-m 1)? Ten at a time on one " +
        "thread (-m 10)? With ten threads (--pool 10)?",
    },
    runs: [
      { lab: "flags", args: ["--delay", "200", "-l", "10", "-m", "1", "-v"] },
      { lab: "flags", args: ["--delay", "200", "-l", "10", "-m", "10", "-v"], unordered: perCode },
      {
        lab: "flags",
        args: ["--delay", "200", "-l", "10", "--pool", "10", "-v"],
        unordered: perCode,
      },
    ],
    notice: [
      "One at a time, the time is the sum of the waits: the program spends it doing nothing.",
      "Ten at a time, it is about the longest wait, on one thread: while one request waits,",
      "the loop sends the others. The codes (-v) come back in the order asked one at a time,",
      "in the order answered ten at a time.",
      "Ten threads wait no better than one loop: once started, they take as long or longer,",
      "and starting them here costs more than the whole download on one thread (the header",
      "says how long). Threads pay off when the work between waits is heavy, not when the",
      "program mostly waits.",
    ],
    more: [
      "deno task lab:flags --plain -l 10 --delay 200   # as flags.py: codes as they come",
      "deno task lab:flags -s DELAY -m 20     # random delays of 0.5 to 5 s, 20 at a time",
      "deno task lab:flags -s ERROR -m 20     # and errors: what is reported, what goes on",
    ],
  },
  {
    title: "Spinner: company while a slow call waits",
    read: ["labs/spinner.ts", "labs/spinner_slow.ts"],
    intro: [
      "The spinner lab starts a spinner task, calls slow() (a 3 s sleep by default), then",
      "stops the spinner and prints the answer.",
    ],
    prediction: {
      kind: "question",
      question: "While slow() sleeps, what lets the spinner draw its frames? What would stop it?",
    },
    runs: [{ lab: "spinner", args: ["--clock", "virtual"] }],
    notice: [
      "The spinner draws while slow() waits, because waiting hands the loop back: one thread,",
      "two tasks. A CPU-bound slow() hands nothing back, and the spinner freezes; a Web Worker",
      "runs it on another thread, and the spinner lives (both need the real clock).",
    ],
    more: [
      "deno task lab:spinner --slow cpu       # a CPU-bound job starves the spinner",
      "deno task lab:spinner --slow worker    # the job on a Web Worker: the spinner lives",
    ],
  },
  {
    title: "Countdown: four countdowns on one loop",
    read: ["labs/countdown.ts"],
    intro: [
      "Four countdowns, A to D, count 3, 2, 1, each sleeping its own delay before each line;",
      "each line shows the time and is indented by one tab per label.",
    ],
    prediction: {
      kind: "question",
      question: "Which countdown ends last, and how long does the whole run take?",
    },
    runs: [{ lab: "countdown", args: ["--clock", "virtual"] }],
    notice: [
      "The lines come out in time order, the columns interleaved: every task sleeps without",
      "blocking the others, so the run takes as long as the slowest countdown (B, 3 x 2 s),",
      "not the sum. At 2.000s B and D are due together: the timer armed first fires first,",
      "the kit's choice for output that is the same every run. trio runs tasks woken together",
      "in a random order; --schedule shuffle does too, from a seed it prints, so that the tie",
      "comes out either way and any run can be replayed.",
    ],
    more: [
      "deno task lab:countdown --clock virtual --runtime nursery --schedule shuffle",
      "deno task lab:countdown --clock virtual --runtime nursery --schedule shuffle:0  # D first",
    ],
  },
  {
    title: "Countdown, blocking: predict, then run",
    read: ["labs/countdown.ts"],
    intro: [
      "With --blocking, each countdown blocks the thread for its delay instead of sleeping.",
      "Read the countdown below, then write down the twelve lines you expect.",
    ],
    prediction: {
      kind: "output",
      source: { path: "labs/countdown.ts", from: "function* countdown(" },
      run: { lab: "countdown", args: ["--clock", "virtual", "--blocking"] },
      skip: 0,
      what: "the twelve lines of the blocking countdown (time, then the label and count; " +
        "tabs and spaces count as one space)",
    },
    runs: [],
    notice: [
      "Nothing interleaves: a blocked thread gives no other task a turn, so A counts to the end,",
      "then B, then C, then D, and the run takes the sum of all the delays, 12 s. This is the",
      "original's 'edit the example' step: one blocking call in a task blocks every task.",
    ],
  },
  {
    title: "Native coroutines, demo 1: predict, then run",
    read: ["labs/coros.ts"],
    intro: [
      "A generator driven by hand, with no event loop: the driver calls next() and prints",
      "what it answers, which show() writes as { value: ..., done: ... }. Read demo1 below.",
    ],
    prediction: {
      kind: "output",
      source: { path: "labs/coros.ts", from: "export function demo1(" },
      run: coros("1"),
      skip: 1,
      what: "the lines demo 1 prints (the lab prints a title line first: leave it out)",
    },
    runs: [],
    notice: [
      "Python drives a native coroutine with send(); a generator's next() is the same step.",
    ],
    explain: { lab: "coros", args: ["--demo", "1", "--explain"] },
  },
  {
    title: "Native coroutines, demo 2: predict, then run",
    read: ["labs/coros.ts"],
    intro: ["Demo 2 drives a generator to its end, and then once more."],
    prediction: {
      kind: "output",
      source: { path: "labs/coros.ts", from: "export function demo2(" },
      run: coros("2"),
      skip: 1,
      what: "the lines demo 2 prints (leave out the title line)",
    },
    runs: [],
    notice: ["A runtime is such a driver: it resumes each task when what it waits for is ready."],
    explain: { lab: "coros", args: ["--demo", "2", "--explain"] },
  },
  {
    title: "Native coroutines, demo 3: predict, then run",
    read: ["labs/coros.ts"],
    intro: ["Demo 3 sends values in: next(value) is what the paused yield evaluates to."],
    prediction: {
      kind: "output",
      source: { path: "labs/coros.ts", from: "export function demo3(" },
      run: coros("3"),
      skip: 1,
      what: "the lines demo 3 prints (leave out the title line)",
    },
    runs: [],
    notice: [
      "This two-way channel is all a runtime needs: a task yields an instruction (sleep 300),",
      "and the runtime answers it with next(result) when it is done.",
    ],
    explain: { lab: "coros", args: ["--demo", "3", "--explain"] },
  },
  {
    title: "Async functions are eager; a toy event loop",
    read: ["labs/coros_eager.ts", "labs/coros_loop.ts"],
    intro: [
      "JavaScript's own twist: an async function starts running as soon as it is called.",
      "Then three launches share a toy event loop of a page, with a simulated clock.",
    ],
    prediction: {
      kind: "question",
      question: "Calling an async function: does its body run before the call returns?",
    },
    runs: [coros("eager"), coros("loop")],
    notice: [
      "A promise cannot be driven by hand, and an async function cannot be stopped at an await;",
      "a generator can be both. That is why the kit's labs are written as function*.",
    ],
    explain: { lab: "coros", args: ["--demo", "loop", "--explain"] },
  },
  {
    title: "Latency: the table behind non-blocking I/O, measured here",
    read: ["labs/latency.ts"],
    intro: [
      "The workshop's Table 18-1 puts a cache hit at seconds and the network at years, on a",
      "scale where one CPU cycle takes a second. The lab measures the same rows on this",
      "machine (--budget 20: a quicker, rougher run than the default).",
    ],
    prediction: {
      kind: "question",
      question: "If one CPU cycle took a second, how long would a disk write take here?",
    },
    runs: [{ lab: "latency", args: ["--budget", "20"] }],
    notice: [
      "Compare each row with the workshop's column, and read what each figure really measures:",
      "a loopback round trip is not a network, and a disk may answer from a cache. Whatever the",
      "machine, a wait on the disk or the network costs tens of thousands to millions of cycles:",
      "time a blocked thread wastes, and a loop can spend on other tasks.",
    ],
    more: ["deno task lab:latency                 # the default, steadier figures"],
  },
  {
    title: "Chess: the simultaneous exhibition",
    read: ["labs/chess.ts"],
    intro: [
      "A master plays 24 opponents; she takes 5 s a move, they take 55 s, 30 move pairs a game.",
      "The lab plays the games one at a time, then all at once, in virtual time.",
    ],
    prediction: {
      kind: "question",
      question: "How long for the 24 games one at a time? And all at once?",
    },
    runs: [{ lab: "chess", args: [] }],
    notice: [
      "One at a time, the master waits through every opponent's 55 s: 12 hours. All at once,",
      "she moves on every board while the others think: about an hour, nearly all of it her own",
      "moves. Concurrency spends the waits; it does not make a single move faster.",
    ],
  },
  {
    title: "Echo: a TCP server written once on the kit",
    read: ["labs/echo.ts", "labs/echo_server.ts"],
    intro: [
      "An echo server and ten clients on 127.0.0.1, all tasks of one runtime, for one second.",
    ],
    prediction: {
      kind: "question",
      question: "How many round trips a second can one thread serve for ten clients?",
    },
    runs: [{ lab: "echo", args: ["--seconds", "1"] }],
    notice: [
      "Every connection is a task that waits on its socket; one thread serves them all, and the",
      "count depends on how cheaply the runtime switches between tasks (deno task bench:echo",
      "sets the kit beside raw Deno and Node).",
    ],
  },
  {
    title: "The runtimes compared: a spinner nobody stops",
    read: ["runtimes/native.ts", "runtimes/nursery.ts", "runtimes/generator.ts"],
    intro: [
      "The same lab under each runtime: --forget never stops the spinner. Each model has its",
      "own answer to a task that outlives the code that started it.",
    ],
    prediction: {
      kind: "question",
      question:
        "Under native (promises), nursery (trio), generator and the libraries: what becomes of the spinner?",
    },
    runs: runtimeNames.map((runtime) => ({
      lab: "spinner",
      args: ["--clock", "virtual", "--forget", "--runtime", runtime],
    })),
    notice: [
      "native leaves an orphan, stopped at the end of the run without its cleanup (and says so);",
      "nursery waits for it, as a trio nursery would, until the lab's watchdog gives up; generator",
      "and the real libraries (effection, effect) halt it when the main task returns, its cleanup",
      "run. Structured concurrency means that no task outlives its parent unnoticed.",
    ],
    more: [
      "deno task compare countdown            # one lab under every runtime, one table",
      "deno task matrix                       # the semantics matrix, measured",
      "deno task diff nursery generator       # two adapters side by side",
    ],
  },
  {
    title: "Exercises",
    read: ["exercises/"],
    intro: [
      "Nine exercises drawn from the labs; each is a statement, a starting file and a checker",
      "that runs your file under every runtime, in virtual time, and says what is right (the",
      "ninth, a bug that hides in the order of tasks woken together, also shuffled).",
    ],
    runs: [],
    notice: [
      "Each exercise is one of the labs' lessons turned round: you write the code, and the",
      "checker tells you, runtime by runtime, whether it behaves as asked.",
    ],
    more: [
      "deno task exercise list                # the exercises",
      "deno task exercise show 1              # a statement, and how to start",
      "deno task exercise check 1 FILE        # your attempt, under every runtime, with hints",
      "deno task exercise show 9              # find the bug that only a shuffled order shows",
    ],
  },
];

/**
 * The lines of `part` in `text`: from the first line that starts with
 * `part.from` to the next line that is `}` alone, with their line numbers.
 */
export function sourcePart(
  text: string,
  part: SourcePart,
): { firstLine: number; lines: string[] } {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith(part.from));
  if (start === -1) throw new Error(`${part.path} has no line starting with '${part.from}'`);
  const end = lines.findIndex((line, index) => index > start && line === "}");
  if (end === -1) throw new Error(`${part.path}: '${part.from}' has no closing line`);
  return { firstLine: start + 1, lines: lines.slice(start, end + 1) };
}
