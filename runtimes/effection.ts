/**
 * The `effection` runtime: the kit's operations driven by the real library,
 * `effection@4.1.1` from npm, as the reference for `generator`.
 *
 * - Every kit task is an Effection task; a kit generator is driven by an
 *   Effection operation (`drive`) that performs, for each instruction the
 *   kit yields, the Effection equivalent: `spawn` into the current Effection
 *   scope, `scoped` for scopes and combinators, `ensure`, and an `action`
 *   for every wait (sleep, call, take, join, suspend).
 * - Timers are the kit's clock, wrapped in an `action`: armed on entry,
 *   cleared on teardown, so that the virtual clock works.
 * - Effection's reducer steps every runnable coroutine synchronously, in
 *   priority order (parents before children): once a timer, a promise or an
 *   abort has been handled, nothing can run until the next one. So the
 *   virtual clock may advance whenever control is back here and no `call()`
 *   is in flight; no host turn is needed to find out.
 * - Halting is Effection's: `iterator.return()`, so `catch` never sees it;
 *   lifetimes and errors follow the library (a child still running when its
 *   parent ends is halted; a child's error fails its parent), including its
 *   hazards (issue #1190).
 *
 * The sections below (instructions, tasks, scopes, timers, errors, run) come
 * in the same order in every adapter that has them (the model files have
 * instructions, scopes and errors), so that any two diff side by side.
 *
 * @module
 */

import { checkSpawnOptions } from "./verbs.ts";
import {
  action,
  createScope,
  ensure as effectionEnsure,
  type Operation as EffectionOperation,
  run as effectionRun,
  type Scope as EffectionScope,
  scoped,
  suspend as effectionSuspend,
  type Task as EffectionTask,
  useScope,
  // The full npm specifier, not the bare "effection" of the kit's import map:
  // a project outside the kit's folder imports mod.ts without that map, and
  // must still be able to run this runtime (the registry loads this file on
  // first use). Keep the version equal to deno.json's "effection" entry.
  // deno-lint-ignore no-import-prefix
} from "npm:effection@4.1.1";
import { otherRun, type RootOutcome, RunBase, type TraceExtra } from "./core/run.ts";
import { allOf, deadlineOf, raceOf } from "./combinators.ts";
import {
  type DeadlockError,
  deadlockName,
  type DeadlockWait,
  describeError,
  HaltedError,
  idleDeadlock,
  isHaltEcho,
  isInstance,
  joinDeadlock,
  QueueClosedError,
  reportError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, TaskBase, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { invoke } from "./waits.ts";
import type {
  Operation,
  OperationFn,
  Queue,
  RunOptions,
  Runtime,
  ScopeHandle,
  SpawnOptions,
  Task,
  TaskState,
  TraceEventType,
} from "./types.ts";

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here, as an
// Effection operation. `perform` answers the instruction's value or throws
// its error; a halt arrives as `return()` through it.
// ---------------------------------------------------------------------------

function* perform(driver: Driver, instruction: AnyInstruction): EffectionOperation<unknown> {
  const task = driver.task;
  const run = task.run;
  switch (instruction.kind) {
    case "sleep":
      return yield* sleepOn(task, instruction.ms, instruction.describe());
    case "spawn": {
      const scope = yield* useScope();
      return spawnInto(scope, task, instruction.fn, taskName(instruction.fn, instruction.name));
    }
    case "scope":
      return yield* enterScope(driver, instruction.body, instruction.shield);
    case "all":
      return yield* nested(task, "all", allOf(instruction.operations));
    case "race":
      return yield* nested(task, "race", raceOf(instruction.operations));
    case "deadline": {
      const { ms, operation, fail } = instruction;
      return yield* nested(task, instruction.describe(), deadlineOf(ms, operation, fail));
    }
    case "ensure": {
      const fn = instruction.fn;
      yield* effectionEnsure(() => {
        let operation: Operation<void> | void;
        try {
          operation = fn();
        } catch (error) {
          throw thrownFrom(driver, error);
        }
        if (operation) return drive(new Driver(task), operation[Symbol.iterator]());
      });
      return undefined;
    }
    case "call":
      return yield* callOn(task, instruction.fn);
    case "now":
      return run.clock.now();
    case "suspend":
      waitsOn(task, "suspend");
      return yield* effectionSuspend();
    case "take":
      return yield* takeOn(task, instruction.queue);
    case "join":
      return yield* join(
        task,
        run.recordOf(instruction.task),
        instruction.describe(),
        !driver.combinator,
      );
    case "halt": {
      const target = run.recordOf(instruction.task);
      requestHalt(target);
      if (target.settled) return undefined;
      waitsOn(task, instruction.describe(), () => `halt ${target}`);
      yield* target.effection!.halt();
      woken(task);
      return undefined;
    }
    case "log":
      run.output(instruction.text);
      if (run.tracer) run.trace(task, "log", { text: instruction.text });
      return undefined;
    case "block":
      run.clock.block(instruction.ms);
      return undefined;
  }
}

/**
 * The task waits on `reason` (as a trace names it): traced (unless a
 * combinator waits on its behalf), and kept for a deadlock's list; `now`
 * names it afresh then (a join's target has moved on).
 */
function waitsOn(
  task: EffectionKitTask,
  reason: string,
  now?: () => string,
  traced = true,
): void {
  task.waitingOn = now ?? reason;
  if (traced && task.run.tracer) task.run.trace(task, "suspend", { reason });
}

/** The task's wait is over. */
function woken(task: EffectionKitTask, traced = true): void {
  task.waitingOn = undefined;
  if (traced && task.run.tracer) task.run.trace(task, "wake");
}

/** A promise API in flight: its signal aborts when the action is torn down. */
function callOn(
  task: EffectionKitTask,
  fn: (signal: AbortSignal) => unknown,
): EffectionOperation<unknown> {
  const run = task.run;
  return action((resolve, reject) => {
    const controller = new AbortController();
    const invoked = invoke(fn, controller.signal);
    if ("error" in invoked) {
      reject(toEffection(invoked.error) as Error);
      return () => {};
    }
    if ("value" in invoked) {
      resolve(invoked.value);
      return () => {};
    }
    let pending = true;
    run.inFlight++;
    waitsOn(task, "call");
    const settle = (ok: boolean, value: unknown) => {
      if (!pending) return;
      pending = false;
      run.inFlight--;
      woken(task);
      if (ok) resolve(value);
      else reject(toEffection(value) as Error);
      run.pump(); // outside the reducer: a promise callback
    };
    invoked.promise.then((value) => settle(true, value), (error) => settle(false, error));
    return () => {
      if (!pending) return;
      pending = false;
      run.inFlight--;
      controller.abort();
    };
  }, "call");
}

/**
 * A `get`: a buffered value at once, else a waiter that the teardown
 * removes. A value delivered to a getter that is halted before it resumes
 * (Effection then resumes it with `return()`) goes back to the queue.
 */
function* takeOn(task: EffectionKitTask, queue: Queue<unknown>): EffectionOperation<unknown> {
  const fifo = fifoOf(queue);
  let delivered: { value: unknown } | undefined = undefined;
  let taken = false;
  try {
    const value = yield* action((resolve, reject) => {
      const got = fifo.tryTake();
      if (got) {
        delivered = got;
        resolve(got.value);
        return () => {};
      }
      if (fifo.isClosed) {
        reject(new QueueClosedError());
        return () => {};
      }
      let waiting = true;
      const waiter = {
        deliver(value: unknown) {
          waiting = false;
          delivered = { value };
          woken(task);
          resolve(value);
        },
        closed() {
          waiting = false;
          woken(task);
          reject(new QueueClosedError());
        },
      };
      waitsOn(task, "take");
      fifo.wait(waiter);
      return () => {
        if (waiting) fifo.unwait(waiter);
      };
    }, "take");
    taken = true;
    return value;
  } finally {
    if (delivered && !taken) fifo.giveBack((delivered as { value: unknown }).value);
  }
}

/**
 * Wait for a kit task to settle, then answer its value or throw its error
 * (`HaltedError` if it was halted). The wait is an `action` on the kit
 * task, not `yield*` of the Effection task: joining that way would also
 * carry the failure into the joiner's own Effection scope, failing it even
 * after the kit's code has caught the error.
 */
function* join(
  task: EffectionKitTask,
  target: EffectionKitTask,
  reason: string,
  traced: boolean,
): EffectionOperation<unknown> {
  if (!target.settled) {
    const deadlock = joinsOwnEnd(task, target);
    if (deadlock) throw deadlock;
    waitsOn(task, reason, () => `join ${target}`, traced);
    yield* action<void>((resolve) => {
      const listeners = target.settleListeners ??= [];
      listeners.push(resolve);
      return () => {
        const index = listeners.indexOf(resolve);
        if (index >= 0) listeners.splice(index, 1);
      };
    });
    woken(task, traced);
  }
  if (target.state === "completed") return target.result;
  if (target.state === "halted") throw new HaltedError(target.toString());
  throw target.result;
}

/**
 * A join that waits for its own end, thrown where it was written: on the
 * joining task itself, or on an ancestor, which ends only once its children
 * (this one among them) have been halted, so that only a halt could ever
 * end the wait. A task spawned into a shielded scope lives in the run's
 * shield scope, out of its parent's reach: above it, nothing is claimed.
 * An ancestor's id is smaller than its descendants': the walk stops below
 * the target's.
 */
function joinsOwnEnd(
  task: EffectionKitTask,
  target: EffectionKitTask,
): DeadlockError | undefined {
  if (target === task) return joinDeadlock(task, target);
  for (
    let at = task;
    at.parent !== undefined && !at.shielded && at.parent.id >= target.id;
    at = at.parent
  ) {
    if (at.parent === target) {
      return joinDeadlock(
        task,
        target,
        "under effection a task ends only once its children are halted",
      );
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Tasks: a kit task is a record wrapping an Effection task; `drive` runs a
// kit generator inside an Effection operation. A halt reaches `drive` as
// `return()`; it then returns the kit generator and drives whatever its
// `finally` blocks still yield.
// ---------------------------------------------------------------------------

class EffectionKitTask extends TaskBase<unknown> {
  state: TaskState = "pending";
  /** The Effection task; set as soon as it is spawned. */
  effection: EffectionTask<unknown> | undefined = undefined;
  /** The value, or the error it failed with. */
  result: unknown = undefined;
  cancelTraced = false;
  /** What its body threw, if it threw: a halt may still swallow it (see `settleTask`). */
  thrown: { error: unknown } | undefined = undefined;
  /** What its code threw (bodies, scope bodies, cleanups) that no code of it has received since (see `thrownFrom`). */
  undelivered: Set<unknown> | undefined = undefined;
  /** Joiners waiting for it to settle. */
  settleListeners: (() => void)[] | undefined = undefined;
  /** What it waits on, as its trace names it, while it waits (see `waitsOn`). */
  waitingOn: string | (() => string) | undefined = undefined;
  /** Spawned into a shielded scope: it lives in the run's shield scope, not under its parent. */
  shielded = false;

  constructor(
    readonly run: EffectionRun,
    readonly id: number,
    readonly name: string,
    readonly parent: EffectionKitTask | undefined,
  ) {
    super();
  }

  get settled(): boolean {
    return this.state === "completed" || this.state === "failed" || this.state === "halted";
  }
}

/** One driven kit generator: a task's body, a scope body, a cleanup. */
class Driver {
  /** A shielded scope body in flight: a halt waits for it. */
  shielded: EffectionKitTask | EffectionTask<unknown> | undefined = undefined;
  constructor(
    readonly task: EffectionKitTask,
    /**
     * It drives a combinator's own body (`nested`) on behalf of the task:
     * the joins of its contenders are the combinator's, not the task's
     * code's, and a trace shows only the combinator's wait.
     */
    readonly combinator = false,
  ) {}
}

function spawnInto(
  scope: EffectionScope,
  parent: EffectionKitTask,
  fn: OperationFn<unknown>,
  name: string,
): EffectionKitTask {
  const run = parent.run;
  const child = new EffectionKitTask(run, run.nextId++, name, parent);
  child.shielded = run.isShieldScope(scope);
  run.live.add(child);
  if (run.tracer) run.trace(child, "spawn");
  child.effection = scope.run(() => taskBody(child, fn));
  observe(child);
  return child;
}

function* taskBody(task: EffectionKitTask, fn: OperationFn<unknown>): EffectionOperation<unknown> {
  if (task.state === "pending") task.state = "running";
  if (task.run.tracer) task.run.trace(task, "start");
  try {
    return yield* drive(new Driver(task), fn()[Symbol.iterator]());
  } catch (error) {
    task.thrown = { error: fromEffection(error) };
    throw error;
  }
}

/** Drive a kit generator: each instruction it yields is performed in Effection. */
function* drive(
  driver: Driver,
  iterator: Iterator<unknown, unknown, unknown>,
): EffectionOperation<unknown> {
  const run = driver.task.run;
  let finished = false;
  let throwing = false;
  let answer: unknown = undefined;
  try {
    for (;;) {
      let result: IteratorResult<unknown, unknown>;
      run.stepping++;
      try {
        result = throwing ? throwInto(iterator, answer) : iterator.next(answer);
      } catch (error) {
        finished = true;
        throw thrownFrom(driver, error);
      } finally {
        run.stepping--;
      }
      if (result.done) {
        finished = true;
        return result.value;
      }
      try {
        answer = yield* perform(driver, asInstruction(result.value));
        throwing = false;
      } catch (error) {
        answer = received(driver, error);
        throwing = true;
      }
    }
  } finally {
    if (!finished) yield* unwind(driver, iterator);
  }
}

/**
 * `return()` reached the driver: halt the kit generator the same way, and
 * drive what its `finally` blocks yield. (Yielding here is what makes a
 * delegated `yield*` lose the halt, in the library as in the kit: #1190.)
 */
function* unwind(
  driver: Driver,
  iterator: Iterator<unknown, unknown, unknown>,
): EffectionOperation<void> {
  const task = driver.task;
  const run = task.run;
  requestHalt(task);
  if (driver.shielded) yield* settledOf(driver.shielded);
  run.stepping++;
  let result: IteratorResult<unknown, unknown>;
  try {
    result = iterator.return ? iterator.return(undefined) : { done: true, value: undefined };
  } catch (error) {
    throw thrownFrom(driver, error);
  } finally {
    run.stepping--;
  }
  while (!result.done) {
    let answer: unknown;
    let throwing = false;
    try {
      answer = yield* perform(driver, asInstruction(result.value));
    } catch (error) {
      answer = received(driver, error);
      throwing = true;
    }
    run.stepping++;
    try {
      result = throwing ? throwInto(iterator, answer) : iterator.next(answer);
    } catch (error) {
      throw thrownFrom(driver, error);
    } finally {
      run.stepping--;
    }
  }
}

/**
 * A thrown value that Effection 4.1.1 cannot take as it is, carried through
 * it inside an `Error`. Effection turns every error that is not an `Error`
 * into one with `String(error)` as its message, after `error instanceof
 * Error`: for a value on which either throws (an object with a null
 * prototype, a Proxy whose traps throw) that exception escapes from inside
 * its reducer, and the task is taken to have returned, its error lost.
 */
class CarriedError extends Error {
  override name = "CarriedError";
  constructor(readonly value: unknown) {
    super("a thrown value that Effection cannot turn into an Error, carried through it");
  }
}

/** `error`, or a {@link CarriedError} of it where Effection could not take it as it is. */
function toEffection(error: unknown): unknown {
  try {
    if (error instanceof Error) return error;
    String(error);
    return error;
  } catch {
    return new CarriedError(error);
  }
}

/**
 * The kit code of `driver` threw `error`: noted on its task, and answered
 * for Effection to throw. Effection 4.1.1 keeps one error of a scope's
 * teardown (the last cleanup's, or a child's) and drops the others, the
 * body's own among them: what reaches neither code of the task nor its
 * outcome is reported when it settles (see `settleTask`).
 */
function thrownFrom(driver: Driver, error: unknown): unknown {
  (driver.task.undelivered ??= new Set()).add(fromEffection(error));
  return toEffection(error);
}

/** An error about to be thrown into the kit code of `driver`: no longer one its task could lose. */
function received(driver: Driver, error: unknown): unknown {
  const value = fromEffection(error);
  driver.task.undelivered?.delete(value);
  return value;
}

/** The value the kit code threw, out of its {@link CarriedError}. */
function fromEffection(error: unknown): unknown {
  return isInstance(error, CarriedError) ? error.value : error;
}

/**
 * Effection's join throws a bare `Error("halted")` for a halted task. Read
 * with care: the error may be any value the kit code threw, a Proxy whose
 * traps throw included.
 */
function isEffectionHalt(error: unknown): boolean {
  if (!isInstance(error, Error)) return false;
  try {
    return error.constructor === Error && error.message === "halted";
  } catch {
    return false;
  }
}

function throwInto(
  iterator: Iterator<unknown, unknown, unknown>,
  error: unknown,
): IteratorResult<unknown, unknown> {
  if (!iterator.throw) throw error;
  return iterator.throw(error);
}

/** A halt was asked for, or reached the code: trace it once. */
function requestHalt(task: EffectionKitTask): void {
  if (task.settled) return;
  if (task.state === "running" || task.state === "pending") task.state = "halting";
  if (!task.cancelTraced) {
    task.cancelTraced = true;
    if (task.run.tracer) task.run.trace(task, "cancel");
  }
}

/**
 * Learn a task's outcome the moment Effection settles it: its join is
 * stepped by hand (an Effection operation yields effects with `enter`), so
 * the record's state and the trace are synchronous with the library.
 */
function observe(task: EffectionKitTask): void {
  const iterator = task.effection![Symbol.iterator]();
  const advance = (step: () => IteratorResult<unknown, unknown>): void => {
    let result: IteratorResult<unknown, unknown>;
    try {
      result = step();
    } catch (error) {
      const halted = isEffectionHalt(error);
      settleTask(task, halted ? "halted" : "failed", fromEffection(error));
      return;
    }
    if (result.done) {
      settleTask(task, "completed", result.value);
      return;
    }
    const effect = result.value as {
      enter(
        resolve: (result: { ok: boolean; value?: unknown; error?: unknown }) => void,
        routine: unknown,
      ): unknown;
    };
    effect.enter((outcome) => {
      advance(() =>
        outcome.ok ? iterator.next(outcome.value) : iterator.throw!(outcome.error as Error)
      );
    }, undefined);
  };
  advance(() => iterator.next());
}

function settleTask(task: EffectionKitTask, state: TaskState, result: unknown): void {
  if (task.settled) return;
  task.run.live.delete(task);
  task.state = state;
  task.result = result;
  // A copy: each resumed joiner's teardown takes itself off the list.
  const listeners = task.settleListeners?.slice();
  task.settleListeners = undefined;
  if (listeners) { for (const resume of listeners) resume(); }
  if (state === "halted" && task.thrown) {
    // Effection 4.1.1 drops an error thrown by a task that is halted before
    // it has settled (the halt's `return()` lands in the task's `finally`
    // and replaces the throw). Report it rather than lose it.
    reportError(
      `effection: ${task} threw, but was halted before it settled, and Effection dropped the error:`,
      task.thrown.error,
    );
  } else if (state === "failed" && task.thrown && task.thrown.error !== result) {
    // Failed by a child first, the task's own later error is not its outcome.
    reportError(
      `effection: ${task} failed with ${
        describeError(result)
      }; the error it threw itself is not its outcome:`,
      task.thrown.error,
    );
  }
  // The body's own error is reported above; any other error its code threw
  // that reached neither its code nor its outcome was dropped by Effection.
  for (const error of task.undelivered ?? []) {
    if ((state === "failed" && error === result) || (task.thrown && error === task.thrown.error)) {
      continue;
    }
    // A halted task's join of a child halted with it raises HaltedError: the
    // halt's own echo, which no other runtime reports either.
    if (state === "halted" && isHaltEcho(error)) continue;
    const outcome = state === "failed" ? `, failed with ${describeError(result)},` : "";
    reportError(`effection: Effection dropped an error that ${task}${outcome} threw:`, error);
  }
  task.undelivered = undefined;
  const run = task.run;
  if (run.tracer) {
    const type: TraceEventType = state === "completed"
      ? "return"
      : state === "failed"
      ? "throw"
      : "halt";
    run.trace(task, type, type === "throw" ? { error: result } : undefined);
  }
  if (task === run.root) run.finish();
}

// ---------------------------------------------------------------------------
// Scopes: a kit scope, and each combinator, is Effection's `scoped`, whose
// body (the kit's, or the neutral `allOf`/`raceOf`/`deadlineOf`) runs as an
// Effection task inside it on behalf of the calling kit task. A task of its
// own lets `handle.cancel()` halt the body from anywhere, and keeps the
// body's async cleanup out of the caller's `yield*` chain: run inline, a
// `finally` that waits (every combinator's does) would lose the caller's
// halt at this boundary (#1190). A shielded body runs in a scope of the
// run's own, out of reach of the caller's halt, which waits for it instead.
// ---------------------------------------------------------------------------

function* nested(
  task: EffectionKitTask,
  reason: string,
  body: Operation<unknown>,
): EffectionOperation<unknown> {
  waitsOn(task, reason);
  const value = yield* scoped(function* () {
    const scope = yield* useScope();
    return unbox(
      yield* scope.run(() => boxed(drive(new Driver(task, true), body[Symbol.iterator]()))),
    );
  });
  woken(task);
  return value;
}

class EffectionScopeHandle implements ScopeHandle {
  body: EffectionTask<unknown> | undefined = undefined;
  cancelled = false;
  ended = false;

  constructor(readonly task: EffectionKitTask, readonly scope: EffectionScope) {}

  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    checkSpawnOptions("handle.spawn", options);
    const name = taskName(fn, options?.name);
    if (this.ended) {
      throw new Error(
        `cannot spawn ${name}: its scope has ended; spawn into a scope only while its body runs`,
      );
    }
    const child = spawnInto(this.scope, this.task, fn, name);
    this.task.run.pump();
    return child as Task<T>;
  }

  cancel(): void {
    if (this.cancelled || this.ended) return;
    this.cancelled = true;
    // Effection's halt starts at once; its promise only reports the end.
    this.body?.halt().then(() => {}, () => {});
    this.task.run.pump();
  }
}

function* enterScope(
  driver: Driver,
  body: (handle: ScopeHandle) => Operation<unknown>,
  shield: boolean,
): EffectionOperation<unknown> {
  const task = driver.task;
  const run = task.run;
  waitsOn(task, "scope");
  let value: unknown;
  if (shield) {
    const scope = run.shieldScope();
    const inner = scope.run(() => scopeBody(task, scope, body));
    // Left set when a halt returns through here: `unwind` waits for it.
    driver.shielded = inner;
    try {
      value = yield* inner;
    } catch (error) {
      driver.shielded = undefined;
      throw error;
    }
    driver.shielded = undefined;
  } else {
    value = yield* scoped(function* () {
      return yield* scopeBody(task, yield* useScope(), body);
    });
  }
  woken(task);
  return value;
}

function* scopeBody(
  task: EffectionKitTask,
  scope: EffectionScope,
  body: (handle: ScopeHandle) => Operation<unknown>,
): EffectionOperation<unknown> {
  const handle = new EffectionScopeHandle(task, scope);
  const inner = scope.run(() => boxed(drive(new Driver(task), body(handle)[Symbol.iterator]())));
  handle.body = inner;
  try {
    return unbox(yield* inner);
  } catch (error) {
    // A cancelled body makes the scope answer `undefined`.
    if (handle.cancelled && isEffectionHalt(error)) return undefined;
    throw error;
  } finally {
    handle.ended = true;
  }
}

/** How a body task ended: its value, or the error its kit code threw. */
type Boxed = { value: unknown } | { error: unknown };

/**
 * Run a body so that its task never fails as an Effection task: its error
 * is its answer, rethrown by `unbox` in the scope's own frame. A body that
 * fails as a task while a child's failure tears the same `scoped` down
 * would have its error raised past `scoped`, in the caller's scope.
 */
function* boxed(operation: EffectionOperation<unknown>): EffectionOperation<Boxed> {
  try {
    return { value: yield* operation };
  } catch (error) {
    return { error };
  }
}

function unbox(outcome: Boxed): unknown {
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

/** Wait until an Effection task or kit task has settled, whatever its outcome. */
function settledOf(task: EffectionKitTask | EffectionTask<unknown>): EffectionOperation<void> {
  const effection = task instanceof EffectionKitTask ? task.effection! : task;
  return {
    *[Symbol.iterator]() {
      try {
        yield* effection;
      } catch {
        // Its outcome is reported where it belongs; here only its end matters.
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Timers: a sleep is an Effection `action` that arms the kit clock's timer
// and clears it on teardown, so a halted sleeper leaves nothing armed.
// ---------------------------------------------------------------------------

function sleepOn(task: EffectionKitTask, ms: number, reason: string): EffectionOperation<void> {
  const run = task.run;
  return action<void>((resolve) => {
    waitsOn(task, reason);
    const timer = run.clock.setTimer(ms, () => {
      woken(task);
      resolve();
    });
    return () => run.clock.clearTimer(timer);
  }, reason);
}

// ---------------------------------------------------------------------------
// Errors: Effection's own rules, untouched. A child's error is raised in its
// parent's scope: the parent's body is halted (`return()`), its other
// children are halted, and it fails with that error; a joiner hears it too.
// A halt whose cleanup fails makes `halt()` throw that error.
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Run: the root task in Effection's global scope, the run's promise, the
// abort signal, and the pump that lets a virtual clock fire or jump once the
// reducer has nothing left to do.
// ---------------------------------------------------------------------------

class EffectionRun extends RunBase {
  protected readonly runtimeName = "effection";
  /** How many kit generators are being stepped: inside the reducer, never pump. */
  stepping = 0;
  root: EffectionKitTask | undefined = undefined;
  /** Tasks not yet settled: those a deadlock may name. */
  readonly live = new Set<EffectionKitTask>();
  #pumping = false;
  #shield: { scope: EffectionScope; destroy: () => Promise<void> } | undefined = undefined;

  start(fn: OperationFn<unknown>): void {
    const root = new EffectionKitTask(
      this,
      this.nextId++,
      taskName(fn, fn.name || "main"),
      undefined,
    );
    this.root = root;
    this.live.add(root);
    if (this.tracer) this.trace(root, "spawn");
    root.effection = effectionRun(() => taskBody(root, fn));
    observe(root);
    if (!this.over) {
      const halt = () => {
        requestHalt(root);
        root.effection!.halt().then(() => {}, () => {});
        this.pump();
      };
      if (this.listenForAbort(halt)) halt();
    }
    this.pump();
  }

  recordOf(task: Task<unknown>): EffectionKitTask {
    if (task instanceof EffectionKitTask && task.run === this) return task;
    throw otherRun(task);
  }

  /** True for the scope `shieldScope` made. */
  isShieldScope(scope: EffectionScope): boolean {
    return scope === this.#shield?.scope;
  }

  /** The scope shielded bodies run in: out of reach of their caller's halt. */
  shieldScope(): EffectionScope {
    if (!this.#shield) {
      const [scope, destroy] = createScope() as unknown as [
        EffectionScope,
        () => Promise<void>,
      ];
      this.#shield = { scope, destroy };
    }
    return this.#shield.scope;
  }

  /**
   * Let a virtual clock fire due timers, or jump when no `call()` is in
   * flight, until the root settles or nothing is left to fire. Effection's
   * reducer runs synchronously inside each timer's callback, so when
   * `idle` returns, every task that could run has run; with no call in
   * flight either, nothing ever will: a deadlock.
   */
  pump(): void {
    if (this.#pumping || this.over || this.stepping > 0) return;
    this.#pumping = true;
    try {
      for (;;) {
        while (!this.over && this.clock.idle(this.inFlight === 0));
        if (this.over || this.inFlight > 0 || this.clock.kind !== "virtual") break;
        if (!this.#deadlocked()) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Whatever still waits waits for ever. The first time, the root is halted
   * as Ctrl-C would halt it (Effection halts its children first, so every
   * cleanup runs), and the pump goes on (true); the run then rejects with
   * the deadlock. Found again (the halt is stuck too: a cleanup that waits
   * for ever), the run ends at once, leaving those waits where they are.
   */
  #deadlocked(): boolean {
    const waits: DeadlockWait[] = [];
    for (const task of [...this.live].sort((a, b) => a.id - b.id)) {
      const on = task.waitingOn;
      if (on !== undefined) {
        waits.push({ task: deadlockName(task), on: typeof on === "string" ? on : on() });
      }
    }
    if (!this.noteDeadlock(idleDeadlock(this.clock.now(), waits))) return false;
    const root = this.root!;
    requestHalt(root);
    root.effection!.halt().then(() => {}, () => {});
    return true;
  }

  finish(): void {
    const root = this.root!;
    // Halted from outside, the root may end by a joiner hearing of a halted
    // child first (Effection tears children down first): still the abort.
    const outcome = root.state === "failed" && this.aborted && isInstance(root.result, HaltedError)
      ? "halted"
      : root.state;
    this.end(outcome as RootOutcome, root.result, root.toString());
  }

  /** The run is over: end the shield scope. */
  protected override release(): void {
    this.live.clear();
    if (this.#shield) this.#shield.destroy().then(() => {}, () => {});
  }

  trace(task: EffectionKitTask, type: TraceEventType, extra?: TraceExtra): void {
    this.traceTask(task, task.parent?.id, type, extra);
  }
}

/**
 * The `effection` runtime: the real library (`effection@4.1.1`) driving the
 * kit's operations, as the reference for `generator`.
 *
 * @example
 * ```ts
 * import { effection } from "./effection.ts";
 * import { sleep, spawn } from "./verbs.ts";
 * import { virtualClock } from "./clock.ts";
 *
 * const seen: string[] = [];
 * await effection.run(function* () {
 *   yield* spawn(function* child() {
 *     try {
 *       yield* sleep(1000);
 *     } finally {
 *       seen.push("child halted when its parent returned");
 *     }
 *   });
 *   yield* sleep(10);
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the child should have been halted");
 * ```
 */
export const effection: Runtime = {
  name: "effection",
  description:
    "the real Effection 4.1.1 as the reference: halting by return(), children halted when their parent ends, parent-first priority",
  run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
    const run = new EffectionRun(options);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
