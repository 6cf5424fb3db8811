/**
 * The public types of the kit, in one place: what a lab sees (operations,
 * tasks, scopes, queues) and what a runtime is (clocks, tracers, runs).
 *
 * Labs are written against these types and the verbs of `verbs.ts` only;
 * every runtime in this folder interprets the same operations.
 *
 * @module
 */

/**
 * A description of some concurrent work that runs when a runtime drives it.
 *
 * Any object whose `[Symbol.iterator]()` returns an iterator qualifies; a
 * generator object is the usual one. Inside a `function*`, `yield* op` runs
 * `op` and evaluates to its result, the way `await` does in an async
 * function. The values an operation yields are the runtime-neutral
 * instructions of `instructions.ts`; labs never yield anything by hand.
 */
export interface Operation<T> {
  /** Start the operation: an iterator that yields instructions and returns `T`. */
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** A function that starts an operation afresh each time it is called. */
export type OperationFn<T> = () => Operation<T>;

/** The value an operation produces. */
export type OperationResult<O> = O extends Operation<infer T> ? T : never;

/** Where a task is in its life. */
export type TaskState =
  | "pending"
  | "running"
  | "halting"
  | "completed"
  | "failed"
  | "halted";

/**
 * A running child, as returned by `spawn`.
 *
 * A task is itself an operation: `yield* task` waits for it and returns its
 * value or throws its error. `yield* task.halt()` cancels it and waits until
 * its cleanup has finished.
 */
export interface Task<T> extends Operation<T> {
  /** Unique within one run; the root task is 0. */
  readonly id: number;
  /** The spawned function's name, or the name given to `spawn`. */
  readonly name: string;
  /** Where the task is in its life. */
  readonly state: TaskState;
  /** Cancel the task and wait until its cleanup has finished. */
  halt(): Operation<void>;
  /** A readable description: `Task#3 spinner (running)`. */
  toString(): string;
}

/** Options of `spawn`. */
export interface SpawnOptions {
  /** The task's name in traces and `toString()`; defaults to the function's name. */
  name?: string;
}

/** What the body of a `scope` receives. */
export interface ScopeHandle {
  /** Start a child task inside this scope, from anywhere (not an operation). */
  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T>;
  /** Cancel the scope: its body and children stop, and `scope` returns `undefined`. */
  cancel(): void;
}

/** Options of `scope`. */
export interface ScopeOptions {
  /** Cancellation from outside does not reach inside (for bounded cleanup). */
  shield?: boolean;
}

/** A first-in first-out channel between tasks. */
export interface Queue<T> {
  /** Add a value; wakes the oldest waiting `get`. Throws once the queue is closed. */
  put(value: T): void;
  /** Wait for the next value; a cancellation point. Throws `QueueClosedError` when closed and empty. */
  get(): Operation<T>;
  /** No more values: waiting and later `get`s throw `QueueClosedError` once the buffer is empty. */
  close(): void;
  /** How many values are buffered. */
  readonly size: number;
}

/** A timer armed on a clock. */
export interface ClockTimer {
  /** When it fires, in the clock's milliseconds. */
  readonly deadline: number;
}

/**
 * Time as a runtime sees it: either the real clock (`performance.now()` and
 * host timers) or a virtual one that jumps to the next deadline whenever
 * nothing can run.
 */
export interface Clock {
  /** `"real"` or `"virtual"`. */
  readonly kind: "real" | "virtual";
  /** Milliseconds since the clock was made. */
  now(): number;
  /** Call `fire` once `ms` have passed on this clock. */
  setTimer(ms: number, fire: () => void): ClockTimer;
  /** Disarm a timer that has not fired; a no-op otherwise. */
  clearTimer(timer: ClockTimer): void;
  /**
   * Block the thread for `ms` without yielding (a CPU-bound or blocking
   * step). The virtual clock advances at once, firing nothing.
   */
  block(ms: number): void;
  /**
   * The runtime calls this when no task can run. A virtual clock fires every
   * timer already due; if none is due and `mayAdvance` (no `call()` is in
   * flight), it jumps to its next deadline and fires every timer due then.
   * Timers fire in the order they were armed. Answers whether anything
   * fired. The real clock always answers `false`: its host timers fire
   * themselves.
   */
  idle(mayAdvance: boolean): boolean;
}

/** The kinds of event a tracer receives. */
export type TraceEventType =
  | "spawn"
  | "start"
  | "suspend"
  | "wake"
  | "cancel"
  | "halt"
  | "return"
  | "throw"
  | "log";

/** One step in a task's life, or one line a lab printed. */
export interface TraceEvent {
  /** What happened. */
  type: TraceEventType;
  /** The clock's time when it happened. */
  time: number;
  /** The task concerned. */
  taskId: number;
  /** Its parent's id; `undefined` for the root. */
  parentId: number | undefined;
  /** The task's name. */
  name: string;
  /**
   * For `suspend`: the instruction waited on (`sleep 300`, `join Task#2`...),
   * or, once a task's body has ended, its wait for its children
   * (`children (2 running)` under nursery, `halt children (2 running)` under
   * generator).
   */
  reason?: string;
  /** For `log`: the printed line. */
  text?: string;
  /** For `throw`: the error. */
  error?: unknown;
}

/** Receives trace events; a runtime without a tracer pays nothing for tracing. */
export type Tracer = (event: TraceEvent) => void;

/**
 * How a run orders each batch of tasks woken together (`schedule.ts`):
 * first in, first out, or shuffled from a seed.
 */
export type Schedule =
  | { readonly order: "fifo" }
  | { readonly order: "shuffle"; readonly seed: number };

/** Options of `Runtime.run`. */
export interface RunOptions {
  /** The clock; a fresh `realClock()` by default. */
  clock?: Clock;
  /** Receives one event per lifecycle step and per printed line. */
  tracer?: Tracer;
  /** Where `log` lines go; `console.log` by default. */
  output?: (line: string) => void;
  /** Aborting it cancels the run from outside (Ctrl-C); `run` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The order of each batch of tasks woken together: first in, first out
   * by default, or shuffled from a seed. Only a runtime with `shuffles`
   * honours a shuffle; the others run in their own order.
   */
  schedule?: Schedule;
}

/** A concurrency model that can run operations. */
export interface Runtime {
  /** Its key in `runtimes`: `generator`, `native`, `nursery`... */
  readonly name: string;
  /** One line on the model it shows. */
  readonly description: string;
  /** True when `run` honours `schedule: shuffle` (it has a run queue of its own). */
  readonly shuffles?: boolean;
  /** Run `fn()` as the root task; settles with its outcome. */
  run<T>(fn: OperationFn<T>, options?: RunOptions): Promise<T>;
}
