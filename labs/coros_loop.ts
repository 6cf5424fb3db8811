/**
 * The coros lab's last demo (`--demo loop`): a toy event loop in a page,
 * the bridge from driving generators by hand to a runtime. Tasks are
 * generators that yield how many seconds they want to sleep; the loop keeps
 * a run queue of tasks ready to go on and a timer heap of sleeping ones, and
 * when nothing is ready it moves its clock to the next deadline. Time here
 * is simulated, so the output is the same on every run.
 *
 * Three rocket launches (after Brett Cannon's `launchpad.py`) count down
 * concurrently and lift off in 5 s of loop time; one after another they
 * would take 15 s. `runtimes/generator.ts` is the full version: the same
 * run queue and timer heap, plus task trees, cancellation, errors and real
 * time.
 *
 * @module
 */

import { TimerHeap } from "../runtimes/timer_heap.ts";
import type { DemoText } from "./coros_eager.ts";

/** A task of the toy loop: a generator that yields how many seconds it wants to sleep. */
type ToyTask = Generator<number, void, unknown>;

/** A sleeping task in the timer heap. */
interface Sleeper {
  readonly deadline: number;
  /** Ties fire in the order the sleeps began. */
  readonly order: number;
  readonly task: ToyTask;
}

/** A loop of a page: a run queue, a timer heap, a clock that jumps. */
export class ToyLoop {
  /** The loop's clock, in seconds. */
  now = 0;
  /** How many times the clock moved forward to a deadline. */
  jumps = 0;
  #ready: ToyTask[] = [];
  #sleeping = new TimerHeap<Sleeper>();
  #sleeps = 0;

  /** Add a task; it starts on the loop's next turn. */
  spawn(task: ToyTask): void {
    this.#ready.push(task);
  }

  /** Run until every task has finished. */
  run(): void {
    while (this.#ready.length > 0 || this.#sleeping.size > 0) {
      if (this.#ready.length === 0) this.#wakeNextSleepers();
      const task = this.#ready.shift()!;
      const step = task.next();
      if (!step.done) {
        this.#sleeping.push({ deadline: this.now + step.value, order: this.#sleeps++, task });
      }
    }
  }

  /** Nothing is ready: jump to the earliest deadline and ready every task due then. */
  #wakeNextSleepers(): void {
    const deadline = this.#sleeping.peek()!.deadline;
    if (deadline > this.now) this.jumps++;
    this.now = deadline;
    while (this.#sleeping.size > 0 && this.#sleeping.peek()!.deadline <= this.now) {
      this.#ready.push(this.#sleeping.pop()!.task);
    }
  }
}

/** What a toy task writes: `<loop time>s <text>`. */
export type Print = (text: string) => void;

/** Sleep on the toy loop: the loop takes the task back and resumes it `seconds` later. */
function* sleep(seconds: number): ToyTask {
  yield seconds;
}

/** The launches: label, seconds to wait before the countdown, seconds of countdown. */
export const launches: readonly (readonly [label: string, delay: number, count: number])[] = [
  ["A", 0, 5],
  ["B", 2, 3],
  ["C", 1, 4],
];

function* launch(label: string, delay: number, count: number, print: Print): ToyTask {
  print(`${label} waits ${delay} s before its countdown`);
  yield* sleep(delay);
  print(`${label} starts its countdown`);
  for (let left = count; left > 0; left--) {
    print(`${label} T-minus ${left}`);
    yield* sleep(1);
  }
  print(`${label} lift-off!`);
}

/** The loop demo's lines, and its notes for `--explain`. */
export function loopDemo(): DemoText {
  const lines = [
    "loop: three launches as generators on a toy event loop (a run queue, a timer heap,",
    "sleeping tasks, simulated time): each yields the seconds it wants to sleep",
  ];
  const loop = new ToyLoop();
  const print: Print = (text) => lines.push(`${loop.now.toFixed(1)}s ${text}`);
  for (const [label, delay, count] of launches) loop.spawn(launch(label, delay, count, print));
  loop.run();
  const sequential = launches.map(([, delay, count]) => delay + count);
  const sum = sequential.reduce((total, each) => total + each, 0);
  lines.push(
    `all lifted off at ${
      loop.now.toFixed(1)
    } s of loop time (the clock jumped ${loop.jumps} times)`,
  );
  const notes = [
    `one after another they would take ${sequential.join(" + ")} = ${sum} s: the loop overlaps`,
    "the sleeps, and its clock jumps from one deadline to the next",
    "the full version, with task trees, cancellation, errors and real time: runtimes/generator.ts",
  ];
  return { lines, notes };
}
