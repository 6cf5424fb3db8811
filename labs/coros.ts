/**
 * coros: coroutines driven by hand, with no event loop, then a toy loop.
 *
 * The three demos of the original, with generators driven by `next()`
 * where Python drove native coroutines with `send()`; then what JavaScript
 * does its own way (`--demo eager`) and a toy event loop of a page
 * (`--demo loop`). No runtime is needed for any of it: the lab only prints,
 * so `--runtime` and `--clock` change nothing, and the output is the same
 * on every run.
 *
 *     $ deno task lab:coros --demo 3
 *     demo 3: prime with next(), then send values in with next(value)
 *     { value: 'Primed!', done: false }
 *     { value: 50, done: false }
 *     { value: 60, done: false }
 *     { value: 70, done: false }
 *     { value: 80, done: true }
 *
 *     $ deno task lab:coros --demo loop
 *     loop: three launches as generators on a toy event loop (a run queue, a timer heap,
 *     sleeping tasks, simulated time): each yields the seconds it wants to sleep
 *     0.0s A waits 0 s before its countdown
 *     ...
 *     5.0s A lift-off!
 *     all lifted off at 5.0 s of loop time (the clock jumped 5 times)
 *
 * The lab prints only what each program prints, so that a learner can
 * predict it first (`deno task workshop` asks for the prediction);
 * `--explain` adds, after each demo, why it comes out so.
 *
 * `--demo all` (the default) runs 1, 2, 3, eager and loop in that order,
 * with a blank line between them.
 *
 * @module
 */

import { call, log } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import type { Lab } from "./lab.ts";
import { type DemoText, eagerDemo, show } from "./coros_eager.ts";
import { loopDemo } from "./coros_loop.ts";

/** Where a demo's program prints. */
export type Print = (text: string) => void;

// Each demo is a program that only prints what its driver sees: its source
// is what the workshop shows a learner, who predicts the lines before
// running it, so the why lives apart, in the notes `--explain` prints.

/** Demo 1: a generator yields 42 once; the driver calls `next()` and prints, twice. */
export function demo1(print: Print): void {
  function* yieldsFortyTwo(): Generator<number, void, unknown> {
    yield 42;
  }
  const coroutine = yieldsFortyTwo();
  print(show(coroutine.next()));
  print(show(coroutine.next()));
}

/** Demo 2: yields 1, 2 and 3; then the driver drives the finished generator again. */
export function demo2(print: Print): void {
  function* oneTwoThree(): Generator<number, void, unknown> {
    yield 1;
    yield 2;
    yield 3;
  }
  const coroutine = oneTwoThree();
  for (let step = coroutine.next(); !step.done; step = coroutine.next()) {
    print(String(step.value));
  }
  print(show(coroutine.next()));
  try {
    coroutine.throw(new Error("too late"));
  } catch (error) {
    print(`caught: ${(error as Error).message}`);
  }
}

/** Demo 3: primed, then each value sent in comes back ten times bigger; the last is returned. */
export function demo3(print: Print): void {
  function* timesTen(): Generator<string | number, number, number> {
    let received = yield "Primed!";
    for (let answered = 0; answered < 3; answered++) received = yield received * 10;
    return received * 10;
  }
  const coroutine = timesTen();
  print(show(coroutine.next()));
  for (const sent of [5, 6, 7, 8]) print(show(coroutine.next(sent)));
}

/** A demo program with its title and notes. */
interface HandDemo {
  title: string;
  program: (print: Print) => void;
  notes: string[];
}

/** Demos 1, 2 and 3, each with the title the lab prints first and its notes. */
export const handDemos: Record<"1" | "2" | "3", HandDemo> = {
  "1": {
    title: "demo 1: a generator yields 42 once; the driver calls next() and prints, twice",
    program: demo1,
    notes: [
      "the first next() runs the body up to its only yield, which hands out 42; the second",
      "resumes it after the yield, the body ends, and next() answers done, with no value",
      "(Python's send() raises StopIteration at this point; JavaScript answers done: true)",
    ],
  },
  "2": {
    title: "demo 2: a generator yields 1, 2 and 3; the driver calls next() until done, then again",
    program: demo2,
    notes: [
      "the fourth next() ended the body; driven again, a finished generator stays done, with no",
      "error (Python raises RuntimeError: cannot reuse already awaited coroutine), and an error",
      "thrown into it comes straight back out to the driver",
    ],
  },
  "3": {
    title: "demo 3: prime with next(), then send values in with next(value)",
    program: demo3,
    notes: [
      "priming: the first next() runs the body up to its first yield (its argument, if any, is",
      "lost); each later next(value) is what that yield evaluates to inside the body, so 5 comes",
      "back as 50; the fourth value sent, 8, ends the loop and 80 is the return value",
    ],
  },
};

function handDemo(which: "1" | "2" | "3"): DemoText {
  const { title, program, notes } = handDemos[which];
  const lines = [title];
  program((text) => lines.push(text));
  return { lines, notes };
}

/** The values `--demo` takes. */
export const demoNames = ["1", "2", "3", "eager", "loop", "all"] as const;

/** Which demo to run. */
export type DemoName = typeof demoNames[number];

/** Every demo's text, by name. */
export const demos: Record<Exclude<DemoName, "all">, () => DemoText | Promise<DemoText>> = {
  "1": () => handDemo("1"),
  "2": () => handDemo("2"),
  "3": () => handDemo("3"),
  eager: eagerDemo,
  loop: loopDemo,
};

/** The coros lab's options. */
export interface CorosOptions {
  demo: DemoName;
  /** Print each demo's notes after its lines. */
  explain: boolean;
}

/**
 * Print the chosen demo's lines, or every demo's with a blank line between;
 * with `explain`, each demo's notes follow its lines, after `why:`.
 */
export function* corosMain(options: CorosOptions): Operation<void> {
  const chosen = options.demo === "all" ? Object.values(demos) : [demos[options.demo]];
  for (const [index, demo] of chosen.entries()) {
    if (index > 0) yield* log("");
    // The eager demo awaits a promise: `call` bridges it, whatever the runtime.
    const { lines, notes } = yield* call(async () => await demo());
    for (const line of lines) yield* log(line);
    if (!options.explain) continue;
    yield* log("why:");
    for (const note of notes) yield* log(`  ${note}`);
  }
}

/** The coros lab. */
export const corosLab: Lab<CorosOptions> = {
  name: "coros",
  summary: "generators driven by hand with next(), async functions' eagerness, a toy event loop",
  options: {
    demo: {
      type: "string",
      choices: demoNames,
      help: "which demo: 1, 2, 3, eager, loop, or all of them (the default)",
    },
    explain: {
      type: "boolean",
      help: "after each demo, say why it prints what it does (predict first, then explain)",
    },
  },
  defaultClock: "virtual",
  parse: (values) => ({
    demo: (values.demo ?? "all") as DemoName,
    explain: values.explain === true,
  }),
  main: corosMain,
};
