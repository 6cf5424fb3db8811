/**
 * What every run of every runtime shares, whoever drives its tasks: the
 * run's promise and how the root's outcome settles it, the abort signal
 * that cancels the root from outside, the deadlock the run may end with,
 * the report of tasks a run abandons, and tracing.
 *
 * The kit's own schedulers (`scheduler.ts`), the promise loop
 * (`core/driver.ts`) and `effection`'s library each extend it with how they drive tasks.
 *
 * @module
 */

import { realClock } from "../clock.ts";
import { type DeadlockError, HaltedError, isHaltEcho, reportError } from "../errors.ts";
import type { Clock, RunOptions, Task, TraceEventType, Tracer } from "../types.ts";

/** How a run's root ended. */
export type RootOutcome = "completed" | "failed" | "halted";

/** What tracing needs of a task. */
export interface TracedTask {
  readonly id: number;
  readonly name: string;
}

/** What a trace event may carry beyond the task, the time and its type. */
export interface TraceExtra {
  reason?: string;
  text?: string;
  error?: unknown;
}

/** The error for a task of another run given to `join` or `halt`. */
export function otherRun(task: Task<unknown>): TypeError {
  return new TypeError(
    `${task} belongs to another run: join or halt only tasks of the run that spawned them`,
  );
}

/** One run of an operation: its promise, its signal, its deadlock, its tracing. */
export abstract class RunBase {
  readonly clock: Clock;
  readonly tracer: Tracer | undefined;
  readonly output: (line: string) => void;
  /** Settles once, with the root's outcome (`end`) or with the run abandoned (`abandon`). */
  readonly promise: Promise<unknown>;
  /** The next task id. */
  nextId = 0;
  /** Calls in flight: a virtual clock stands still while there are any. */
  inFlight = 0;
  /** The run has settled its promise: nothing more happens in it. */
  over = false;
  /** The abort signal that halts the root from outside, if any. */
  protected readonly signal: AbortSignal | undefined;
  /** The deadlock the run ends with, once one was found. */
  protected deadlock: DeadlockError | undefined = undefined;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  #onAbort: (() => void) | undefined = undefined;

  constructor(options: RunOptions) {
    this.clock = options.clock ?? realClock();
    this.tracer = options.tracer;
    this.output = options.output ?? ((line) => console.log(line));
    this.signal = options.signal;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The runtime's name, for what it says on stderr. */
  protected abstract readonly runtimeName: string;

  /**
   * Let the signal halt the root: `halt` is called when it aborts. True when
   * it has aborted already: then nothing listens, and the caller halts the
   * root as it sees fit.
   */
  protected listenForAbort(halt: () => void): boolean {
    const signal = this.signal;
    if (!signal) return false;
    if (signal.aborted) return true;
    this.#onAbort = halt;
    signal.addEventListener("abort", halt, { once: true });
    return false;
  }

  /** True once the signal has aborted: a halted root then rejects with its reason. */
  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /**
   * Record the deadlock found; true the first time, when the caller halts
   * what waits so that every cleanup runs. Found again, the halt is stuck
   * too (a cleanup that waits for ever): the run is abandoned and the
   * answer is false.
   */
  protected noteDeadlock(stuck: DeadlockError): boolean {
    if (this.deadlock === undefined) {
      this.deadlock = stuck;
      return true;
    }
    this.abandon(stuck);
    return false;
  }

  /**
   * The halt that followed the deadlock is stuck too: say so, and end the
   * run without its root, with the abort's reason or the deadlock.
   */
  protected abandon(stuck: DeadlockError): void {
    console.error(
      `${this.runtimeName}: the halt that followed the deadlock is stuck too; the run ends, its tasks left where they wait: ${stuck.message}`,
    );
    this.#close();
    this.#reject(this.aborted ? this.signal!.reason : this.deadlock ?? stuck);
  }

  /**
   * Settle the run's promise with the root's outcome: its value, its error,
   * or, halted, the abort's reason (else `halted`, or a `HaltedError` naming
   * `task`). After a deadlock, the run rejects with it, unless Ctrl-C came
   * too; a root that failed on its way out with another error is reported.
   */
  protected end(outcome: RootOutcome, result: unknown, task: string, halted?: unknown): void {
    this.#close();
    const deadlock = this.deadlock;
    if (deadlock && !this.aborted) {
      if (outcome === "failed" && result !== deadlock && !isHaltEcho(result)) {
        reportError(
          `${this.runtimeName}: after the deadlock, ${task} failed with another error:`,
          result,
        );
      }
      this.#reject(deadlock);
    } else if (outcome === "completed") this.#resolve(result);
    else if (outcome === "failed") this.#reject(result);
    else if (this.aborted) this.#reject(this.signal!.reason);
    else this.#reject(halted ?? new HaltedError(task));
  }

  /** Say on stderr that the run ended with `count` tasks left where they were. */
  protected reportOrphans(count: number): void {
    if (count === 0) return;
    console.error(
      `${this.runtimeName}: the run ended with ${count} task${
        count === 1 ? "" : "s"
      } still running (orphans), stopped where they were`,
    );
  }

  /** Over: stop listening for the abort, and let the runtime release what it holds. */
  #close(): void {
    this.over = true;
    if (this.#onAbort) this.signal!.removeEventListener("abort", this.#onAbort);
    this.#onAbort = undefined;
    this.release();
  }

  /** The run is over: release what it holds (host timers, scopes). Nothing by default. */
  protected release(): void {}

  /** Send one event about `task` to the tracer, which the caller has checked is set. */
  protected traceTask(
    task: TracedTask,
    parentId: number | undefined,
    type: TraceEventType,
    extra?: TraceExtra,
  ): void {
    this.tracer!({
      type,
      time: this.clock.now(),
      taskId: task.id,
      parentId,
      name: task.name,
      ...extra,
    });
  }
}
