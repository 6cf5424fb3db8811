/**
 * Runtime-neutral instructions: plain data that an operation yields to ask
 * whichever runtime is driving it for something (a sleep, a child task, a
 * value from a queue...). Every instruction is itself a one-step operation,
 * so a verb is just `return new Sleep(ms)` and `yield* sleep(ms)` hands the
 * instruction to the runtime and evaluates to the runtime's answer.
 *
 * An instruction is also its own iterator and its own iterator result:
 * `yield*` hands the inner result object straight to the driver, so a step
 * through a verb allocates nothing but the instruction itself, and a
 * suspended task holds one small object for what it waits on.
 *
 * @module
 */

import { describeError, isInstance } from "./errors.ts";
import type { Operation, OperationFn, Queue, ScopeHandle, Task, TaskState } from "./types.ts";

// Where an instruction is in its single step.
const IDLE = 0; // not being iterated: the next `[Symbol.iterator]()` may use it
const STARTED = 1; // iterated, not yet yielded
const YIELDED = 2; // yielded to the driver, waiting for the answer

/**
 * Iterates an instruction that is already being iterated elsewhere (the
 * same `sleep(10)` object used twice at once): the rare case.
 */
class Once<T> {
  done = false;
  value: unknown;
  #yielded = false;

  constructor(instruction: Instruction<T>) {
    this.value = instruction;
  }

  next(answer?: unknown): IteratorResult<unknown, T> {
    if (this.#yielded) {
      this.done = true;
      this.value = answer;
    }
    this.#yielded = true;
    return this as IteratorResult<unknown, T>;
  }

  throw(error: unknown): never {
    throw error;
  }
}

/**
 * The base of every instruction: an operation of one step whose answer is
 * `T`. It yields itself once, then returns what the runtime sent back.
 */
export abstract class Instruction<T = unknown> implements Operation<T> {
  /** The iterator result protocol: this object is its own `{ done, value }`. */
  done = false;
  value: unknown = undefined;
  #stage = IDLE;

  /** The discriminant runtimes switch on (a prototype getter: no per-object cost). */
  abstract get kind(): InstructionKind;

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    if (this.#stage !== IDLE) return new Once<T>(this) as Iterator<unknown, T, unknown>;
    this.#stage = STARTED;
    return this as unknown as Iterator<unknown, T, unknown>;
  }

  /** Iterator protocol: first yield this instruction, then return the answer. */
  next(answer?: unknown): IteratorResult<unknown, T> {
    if (this.#stage === STARTED) {
      this.#stage = YIELDED;
      this.done = false;
      this.value = this;
    } else {
      this.#stage = IDLE;
      this.done = true;
      this.value = answer;
    }
    return this as unknown as IteratorResult<unknown, T>;
  }

  /** Iterator protocol: the runtime's error is thrown where the verb was used. */
  throw(error: unknown): never {
    this.#stage = IDLE;
    throw error;
  }

  /** How a trace names the wait (`sleep 300`, `join Task#2 worker`...). */
  describe(): string {
    return this.kind;
  }

  /** How a lab writes the operation that made this instruction: `sleep(...)`, `task.halt()`. */
  spelling(): string {
    return `${this.kind}(...)`;
  }

  /**
   * Whether this instruction reached the driver through `yield*` (its own
   * iterator yielded it) rather than a bare `yield`, which would hand the
   * runtime an operation without running it.
   */
  static delegated(instruction: Instruction): boolean {
    return instruction.#stage !== IDLE;
  }
}

/** Suspend for `ms` on the runtime's clock. */
export class Sleep extends Instruction<void> {
  constructor(readonly ms: number) {
    super();
  }
  get kind() {
    return "sleep" as const;
  }
  override describe(): string {
    return `sleep ${this.ms}`;
  }
}

/** Start a child task in the current scope; the answer is its `Task`. */
export class Spawn<T> extends Instruction<Task<T>> {
  constructor(readonly fn: OperationFn<T>, readonly name: string | undefined) {
    super();
  }
  get kind() {
    return "spawn" as const;
  }
}

/** Run `body(handle)` as a nested scope of the current task. */
export class Scope<T> extends Instruction<T | undefined> {
  constructor(
    readonly body: (handle: ScopeHandle) => Operation<T>,
    readonly shield: boolean,
    /** The kit's own scope (a combinator's contender), not a user's: see `BARE_SCOPE`. */
    readonly bare = false,
  ) {
    super();
  }
  get kind() {
    return "scope" as const;
  }
}

/** Register cleanup that runs when the current scope or task ends. */
export class Ensure extends Instruction<void> {
  constructor(readonly fn: () => Operation<void> | void) {
    super();
  }
  get kind() {
    return "ensure" as const;
  }
}

/** Run every operation concurrently; the answer is every result, in order. */
export class All<T> extends Instruction<T[]> {
  constructor(readonly operations: readonly Operation<T>[]) {
    super();
  }
  get kind() {
    return "all" as const;
  }
}

/** Run every operation concurrently; the answer is the first to settle. */
export class Race<T> extends Instruction<T> {
  constructor(readonly operations: readonly Operation<T>[]) {
    super();
  }
  get kind() {
    return "race" as const;
  }
}

/**
 * Run an operation against a deadline `ms` from now: `timeout` (fails with
 * `TimeoutError`) and `moveOnAfter` (answers `undefined`).
 */
export class Deadline<T> extends Instruction<T | undefined> {
  constructor(
    readonly ms: number,
    readonly operation: Operation<T>,
    readonly fail: boolean,
  ) {
    super();
  }
  get kind() {
    return "deadline" as const;
  }
  override describe(): string {
    return `${this.fail ? "timeout" : "moveOnAfter"} ${this.ms}`;
  }
  override spelling(): string {
    return `${this.fail ? "timeout" : "moveOnAfter"}(...)`;
  }
}

/** Call a promise API; `signal` aborts when the calling task is cancelled. */
export class Call<T> extends Instruction<T> {
  constructor(readonly fn: (signal: AbortSignal) => T | PromiseLike<T>) {
    super();
  }
  get kind() {
    return "call" as const;
  }
}

/** The current time on the runtime's clock. */
export class Now extends Instruction<number> {
  get kind() {
    return "now" as const;
  }
}

/** Wait until cancelled. */
export class Suspend extends Instruction<never> {
  get kind() {
    return "suspend" as const;
  }
}

/** Take the next value of a queue, waiting for one if needed. */
export class Take<T> extends Instruction<T> {
  constructor(readonly queue: Queue<T>) {
    super();
  }
  get kind() {
    return "take" as const;
  }
  override spelling(): string {
    return "queue.get()";
  }
}

/** Wait for a task; the answer is its value, or its error is thrown. */
export class Join<T> extends Instruction<T> {
  constructor(readonly task: Task<T>) {
    super();
  }
  get kind() {
    return "join" as const;
  }
  override describe(): string {
    return `join ${this.task}`;
  }
  override spelling(): string {
    return "task";
  }
}

/** Cancel a task and wait until its cleanup has finished. */
export class Halt extends Instruction<void> {
  constructor(readonly task: Task<unknown>) {
    super();
  }
  get kind() {
    return "halt" as const;
  }
  override describe(): string {
    return `halt ${this.task}`;
  }
  override spelling(): string {
    return "task.halt()";
  }
}

/** Print a line through the runtime (so that tracers and tools see it). */
export class Log extends Instruction<void> {
  constructor(readonly text: string) {
    super();
  }
  get kind() {
    return "log" as const;
  }
}

/** Block the thread for `ms` without giving any other task a turn. */
export class Block extends Instruction<void> {
  constructor(readonly ms: number) {
    super();
  }
  get kind() {
    return "block" as const;
  }
  override describe(): string {
    return `block ${this.ms}`;
  }
}

/** Every instruction a runtime must interpret. */
export type AnyInstruction =
  | Sleep
  | Spawn<unknown>
  | Scope<unknown>
  | Ensure
  | All<unknown>
  | Race<unknown>
  | Deadline<unknown>
  | Call<unknown>
  | Now
  | Suspend
  | Take<unknown>
  | Join<unknown>
  | Halt
  | Log
  | Block;

/** The discriminants of `AnyInstruction`. */
export type InstructionKind = AnyInstruction["kind"];

/**
 * What every runtime's task record inherits: joining by `yield* task`,
 * `halt()` and `toString()`, on the prototype.
 */
export abstract class TaskBase<T> implements Task<T> {
  abstract readonly id: number;
  abstract readonly name: string;
  abstract readonly state: TaskState;

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return new Join<T>(this)[Symbol.iterator]();
  }

  halt(): Operation<void> {
    return new Halt(this);
  }

  toString(): string {
    return `Task#${this.id} ${this.name} (${this.state})`;
  }
}

/**
 * Check a yielded value: labs must `yield*` operations, never `yield` by
 * hand. Returns the instruction, or throws an error that says what to do.
 * A bare `yield sleep(10)` is refused like any other bare `yield`, under
 * every runtime, so that it never works by accident under one of them.
 */
export function asInstruction(value: unknown): AnyInstruction {
  if (isInstance(value, Instruction) && Instruction.delegated(value)) {
    return value as AnyInstruction;
  }
  const refusal = new TypeError(notAnInstruction(value));
  if (isInstance(value, Instruction) || (!isThenable(value) && isIterable(value))) {
    bareYields.add(refusal);
  }
  throw refusal;
}

/** The errors {@link asInstruction} threw for a bare `yield` of an operation. */
const bareYields = new WeakSet<object>();

/**
 * Whether `error` (or an error it was caused by) is the refusal of a bare
 * `yield` of an operation: the lab runner then looks for where it is
 * written, which the error's stack cannot say (the generator that yielded
 * is suspended, not on the stack, when the runtime refuses the value).
 */
export function isBareYieldRefusal(error: unknown): boolean {
  for (let at = error, depth = 0; depth < 10; depth++) {
    if (typeof at !== "object" || at === null) return false;
    if (bareYields.has(at)) return true;
    try {
      at = (at as { cause?: unknown }).cause;
    } catch {
      return false;
    }
  }
  return false;
}

/** Why a yielded value is refused, and what to write instead. */
function notAnInstruction(value: unknown): string {
  if (isInstance(value, Instruction)) {
    const spelling = value.spelling();
    return `a bare yield of ${spelling} does not run the operation: write yield* ${spelling}, not yield`;
  }
  if (isThenable(value)) {
    return "an operation yielded a promise, which a function* cannot wait on: " +
      "wrap the promise's maker in call, yield* call(() => fetch(url)) (an await inside an operation)";
  }
  if (isIterable(value)) {
    const [what, fix] = isInstance(value, TaskBase)
      ? [String(value), "task"]
      : ["an operation", "worker()"];
    return `a bare yield of ${what} does not run it: write yield* ${fix}, not yield`;
  }
  return `an operation yielded ${
    describeError(value)
  }, which is not an instruction: use yield* with an operation (yield* sleep(10)), not a bare yield`;
}

function isThenable(value: unknown): boolean {
  try {
    return isInstance(value, Promise) ||
      (typeof value === "object" && value !== null &&
        typeof (value as { then?: unknown }).then === "function");
  } catch {
    return false;
  }
}

function isIterable(value: unknown): boolean {
  try {
    return typeof value === "object" && value !== null &&
      typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
  } catch {
    return false;
  }
}

/**
 * Make `yield* sleep;` (a verb or method used without being called) fail
 * with what to write, where JavaScript would say only `function is not
 * iterable`: the function is given an iterator that throws. Nothing is added
 * to the operations the verbs return, so the hot path is untouched.
 */
export function refuseUncalled(verb: object, name: string, example: string): void {
  Object.defineProperty(verb, Symbol.iterator, {
    value() {
      throw new TypeError(
        `yield* ${name} is missing its call: write yield* ${example}`,
      );
    },
  });
}

refuseUncalled(TaskBase.prototype.halt, "task.halt", "task.halt()");

/** A task's name: the one given, else its function's name, else `task`. */
export function taskName(fn: { name: string }, given?: string): string {
  return given ?? (fn.name || "task");
}
