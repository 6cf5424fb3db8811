/**
 * The floor of spawn+join: what the least a driver of the kit's verbs can
 * do costs, so that the benchmark can tell a runtime's own cost from the
 * cost of operations being generators that yield instructions.
 *
 * Two drivers that understand `spawn` and `join` and nothing else: no
 * cancellation, no cleanup, no error handling, no tracing, no clock, one
 * joiner per task. They differ only in when a spawned child first runs:
 *
 * - `fifo`: the child waits its turn in a first-in first-out queue, as
 *   under `generator` and `nursery` (the parent goes on first);
 * - `inline`: the child runs at once, until it finishes or waits, as an
 *   async function does under `native`.
 *
 * They are measuring instruments, not runtimes: any other instruction is
 * refused, and a task that throws fails the whole run.
 *
 * @module
 */

import { asInstruction, TaskBase } from "../runtimes/instructions.ts";
import type { OperationFn, Runtime, TaskState } from "../runtimes/types.ts";

/** When a spawned child first runs. */
export type FloorOrder = "fifo" | "inline";

class FloorTask extends TaskBase<unknown> {
  /** Until it starts, what starts it. */
  start: OperationFn<unknown> | undefined;
  iterator: Iterator<unknown, unknown, unknown> | undefined = undefined;
  /** What it is resumed with next; once done, its result. */
  value: unknown = undefined;
  done = false;
  joiner: FloorTask | undefined = undefined;

  constructor(readonly id: number, start: OperationFn<unknown>) {
    super();
    this.start = start;
  }

  get name(): string {
    return "task";
  }
  get state(): TaskState {
    return this.done ? "completed" : this.iterator ? "running" : "pending";
  }
}

class FloorRun {
  #queue: (FloorTask | undefined)[] = [];
  #head = 0;
  #nextId = 0;

  constructor(readonly order: FloorOrder) {}

  /** Run `fn` as the root task; answer its result. */
  run(fn: OperationFn<unknown>): unknown {
    const root = new FloorTask(this.#nextId++, fn);
    this.#queue.push(root);
    while (this.#head < this.#queue.length) {
      const task = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined;
      this.#step(task);
    }
    if (!root.done) throw new Error(`the ${this.order} floor's root is waiting for ever`);
    return root.value;
  }

  #spawn(fn: OperationFn<unknown>): FloorTask {
    const child = new FloorTask(this.#nextId++, fn);
    if (this.order === "inline") this.#step(child);
    else this.#queue.push(child);
    return child;
  }

  #step(task: FloorTask): void {
    if (task.start) {
      task.iterator = task.start()[Symbol.iterator]();
      task.start = undefined;
    }
    const iterator = task.iterator!;
    let answer = task.value;
    task.value = undefined;
    for (;;) {
      const result = iterator.next(answer);
      if (result.done) {
        task.done = true;
        task.value = result.value;
        task.iterator = undefined;
        const joiner = task.joiner;
        if (joiner) {
          task.joiner = undefined;
          joiner.value = result.value;
          this.#queue.push(joiner);
        }
        return;
      }
      const instruction = asInstruction(result.value);
      if (instruction.kind === "spawn") {
        answer = this.#spawn(instruction.fn);
      } else if (instruction.kind === "join") {
        const target = instruction.task;
        if (!(target instanceof FloorTask)) {
          throw new TypeError(`${target} belongs to another run`);
        }
        if (target.done) {
          answer = target.value;
          continue;
        }
        if (target.joiner) throw new TypeError(`the floor drivers let one task join ${target}`);
        target.joiner = task;
        return;
      } else {
        throw new TypeError(
          `the ${this.order} floor driver knows only spawn and join, not ${instruction.kind}`,
        );
      }
    }
  }
}

/** A floor driver, shaped as a `Runtime` so that the benchmark can run it like one. */
export function floorDriver(order: FloorOrder): Runtime {
  return {
    name: `${order} floor`,
    description: order === "fifo"
      ? "spawn and join only, children queued first in first out"
      : "spawn and join only, children run at once",
    run<T>(fn: OperationFn<T>): Promise<T> {
      try {
        return Promise.resolve(new FloorRun(order).run(fn) as T);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
