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
 *     next() -> Primed!   (priming runs the body up to its first yield)
 *     next(5) -> 50
 *     next(6) -> 60
 *     next(7) -> 70
 *     next(8) -> done, and 80 is the return value: { value: 80, done: true }
 *
 *     $ deno task lab:coros --demo loop
 *     loop: three launches as generators on a toy event loop (a run queue, a timer heap,
 *     sleeping tasks, simulated time): each yields the seconds it wants to sleep
 *     0.0s A waits 0 s before its countdown
 *     ...
 *     5.0s A lift-off!
 *     all lifted off at 5.0 s of loop time (the clock jumped 5 times);
 *     one after another they would take 5 + 5 + 5 = 15 s
 *     the full version, with task trees, cancellation, errors and real time: runtimes/generator.ts
 *
 * `--demo all` (the default) runs 1, 2, 3, eager and loop in that order,
 * with a blank line between them.
 *
 * @module
 */

import { call, log } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import type { Lab } from "./lab.ts";
import { eagerDemo, show } from "./coros_eager.ts";
import { loopDemo } from "./coros_loop.ts";

/** Demo 1: a generator yields 42 once; the driver prints what two `next()` calls give. */
export function demo1(): string[] {
  const lines = ["demo 1: a generator yields 42 once; the driver calls next() and prints, twice"];
  function* yieldsFortyTwo(): Generator<number, void, unknown> {
    yield 42;
  }
  const coroutine = yieldsFortyTwo();
  for (const which of ["first", "second"]) {
    const step = coroutine.next();
    if (step.done) {
      lines.push(
        `done: the ${which} next() answered ${show(step)}: after its only yield the body ended,`,
        `so the ${which} print never ran (Python's send() raises StopIteration at this point)`,
      );
      break;
    }
    lines.push(String(step.value));
  }
  return lines;
}

/** Demo 2: yields 1, 2 and 3; then the driver drives the finished generator again. */
export function demo2(): string[] {
  const lines = [
    "demo 2: a generator yields 1, 2 and 3; the driver calls next() until done, then again",
  ];
  function* oneTwoThree(): Generator<number, void, unknown> {
    yield 1;
    yield 2;
    yield 3;
  }
  const coroutine = oneTwoThree();
  for (let step = coroutine.next(); !step.done; step = coroutine.next()) {
    lines.push(String(step.value));
  }
  lines.push("done: the fourth next() ended it");
  lines.push(
    `driven again: next() -> ${show(coroutine.next())}: no error, a finished generator stays done`,
    "(Python raises RuntimeError: cannot reuse already awaited coroutine)",
  );
  try {
    coroutine.throw(new Error("too late"));
  } catch (error) {
    lines.push(
      `and throw(new Error("too late")) into it comes straight back: ${(error as Error).message}`,
    );
  }
  return lines;
}

/** Demo 3: primed, then each value sent in comes back ten times bigger; the last is returned. */
export function demo3(): string[] {
  const lines = ["demo 3: prime with next(), then send values in with next(value)"];
  function* timesTen(): Generator<string | number, number, number> {
    let received = yield "Primed!";
    for (let answered = 0; answered < 3; answered++) received = yield received * 10;
    return received * 10;
  }
  const coroutine = timesTen();
  lines.push(`next() -> ${coroutine.next().value}   (priming runs the body up to its first yield)`);
  for (const sent of [5, 6, 7]) lines.push(`next(${sent}) -> ${coroutine.next(sent).value}`);
  const last = coroutine.next(8);
  lines.push(`next(8) -> done, and ${last.value} is the return value: ${show(last)}`);
  return lines;
}

/** The values `--demo` takes. */
export const demoNames = ["1", "2", "3", "eager", "loop", "all"] as const;

/** Which demo to run. */
export type DemoName = typeof demoNames[number];

const demos: Record<Exclude<DemoName, "all">, () => string[] | Promise<string[]>> = {
  "1": demo1,
  "2": demo2,
  "3": demo3,
  eager: eagerDemo,
  loop: loopDemo,
};

/** Print the chosen demo's lines, or every demo's with a blank line between. */
export function* corosMain(options: { demo: DemoName }): Operation<void> {
  const chosen = options.demo === "all" ? Object.values(demos) : [demos[options.demo]];
  for (const [index, demo] of chosen.entries()) {
    if (index > 0) yield* log("");
    // The eager demo awaits a promise: `call` bridges it, whatever the runtime.
    for (const line of yield* call(demo)) yield* log(line);
  }
}

/** The coros lab. */
export const corosLab: Lab<{ demo: DemoName }> = {
  name: "coros",
  summary: "generators driven by hand with next(), async functions' eagerness, a toy event loop",
  options: {
    demo: {
      type: "string",
      choices: demoNames,
      help: "which demo: 1, 2, 3, eager, loop, or all of them (the default)",
    },
  },
  defaultClock: "virtual",
  parse: (values) => ({ demo: (values.demo ?? "all") as DemoName }),
  main: corosMain,
};
