/**
 * The `effect` runtime: the kit's operations driven by the real library,
 * `effect@4.1.5` from npm, the most used structured-concurrency runtime in
 * TypeScript, as a reference column beside `effection`.
 *
 * - Every kit task is an Effect fiber: `spawn` is `Effect.forkChild` (Effect
 *   supervises the child: it is interrupted once its parent's fiber ends),
 *   or `Effect.forkIn` the Effect `Scope` of a kit `scope`. A kit generator
 *   is the iterator of an `Effect.gen` (`drive`): Effect's own fiber loop
 *   runs it, and each instruction it yields becomes the Effect equivalent,
 *   with no Effect wrapper per instruction. An instruction decided at once
 *   (a join of an ended task, a value already queued) is answered in the
 *   same step, as Effect answers an `Exit`; a generator that ends without
 *   waiting needs neither the `Effect.gen` nor a finalizer.
 * - Halting is Effect's interruption: `halt` is `Fiber.interrupt`, `join` is
 *   `Fiber.await`. An interrupted kit generator is returned (`return()`)
 *   and what its `finally` blocks yield is driven uninterruptibly, as Effect
 *   runs every finalizer: a cleanup cannot be cancelled.
 * - `ensure` is a finalizer of the body that registered it (the one
 *   `Effect.onExitPrimitive` that also returns an interrupted generator, the
 *   primitive beneath `Effect.ensuring`), so it runs when the body ends,
 *   before Effect interrupts the fiber's children.
 * - `scope` is `Effect.scoped`: its body runs as a fiber forked into the
 *   scope (so that `cancel()` can interrupt it alone), children spawned in it
 *   are forked into the same scope and interrupted when it closes. A
 *   shielded scope is waited for `Effect.uninterruptible`.
 * - `all`, `race`, `timeout` and `moveOnAfter` are Effect's own
 *   (`Effect.all` with unbounded concurrency, `Effect.raceAllFirst`,
 *   `Effect.timeoutOption`), not the kit's neutral combinators: the point of
 *   this column is how Effect itself decides (its `timeoutOption` races the
 *   operation against the sleep, and an operation that finishes at the
 *   deadline's instant wins), and its combinators' contenders are fibers,
 *   not kit tasks, so a trace shows no task for them.
 * - A child's failure is Effect's: it reaches only a joiner. A task that
 *   failed and that nobody joined is reported when the run ends.
 * - Time: the kit's clock is Effect's `Clock` service, and a scheduler of
 *   this run's own is Effect's `Scheduler`: once its queue is empty, nothing
 *   can run until a timer or a promise, so the virtual clock may fire or
 *   jump then.
 *
 * The sections below (instructions, tasks, scopes, timers, errors, run) come
 * in the same order in every adapter that has them (the model files have
 * instructions, scopes and errors), so that any two diff side by side.
 *
 * @module
 */

import { checkSpawnOptions } from "./verbs.ts";
import {
  Cause,
  Clock as EffectClock,
  Duration,
  Effect,
  Exit,
  Fiber,
  Hash,
  Option,
  type Scheduler,
  type Scope as EffectScope,
  // The full npm specifier, not the bare "effect" of the kit's import map: a
  // project outside the kit's folder imports mod.ts without that map, and
  // must still be able to run this runtime (the registry loads this file on
  // first use). Keep the version equal to deno.json's "effect" entry.
  // deno-lint-ignore no-import-prefix
} from "npm:effect@4.1.5";
import { otherRun, type RootOutcome, RunBase, type TraceExtra } from "./core/run.ts";
import { reportUndelivered } from "./combinators.ts";
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
  TimeoutError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, TaskBase, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { invoke } from "./waits.ts";
import type {
  Clock,
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

/** An Effect program as this adapter builds them: any value may fail it. */
type Program<A = unknown> = Effect.Effect<A, unknown>;

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here, as an
// Effect program. Its success is the instruction's answer; its failure is
// the error thrown into the kit code. `perform` is called at the moment the
// instruction runs, in its fiber, so what it decides at once (a settled
// join, a buffered value) it answers as an `Exit`, which Effect's fiber loop
// passes on without a step of its own.
// ---------------------------------------------------------------------------

function perform(driver: Driver, instruction: AnyInstruction): Program {
  const task = driver.task;
  const run = task.run;
  switch (instruction.kind) {
    case "sleep":
      return waitOn(driver, instruction.describe(), Effect.sleep(instruction.ms));
    case "spawn":
      return spawnFrom(driver, instruction.fn, taskName(instruction.fn, instruction.name));
    case "scope":
      return enterScope(driver, instruction.body, instruction.shield);
    case "all":
      return waitOn(
        driver,
        "all",
        Effect.all(
          instruction.operations.map((operation, index) =>
            nested(task, "all", `operation ${index}`, operation)
          ),
          {
            concurrency: "unbounded",
          },
        ),
      );
    case "race":
      return waitOn(
        driver,
        "race",
        instruction.operations.length === 0
          // Effect.raceAllFirst of nothing fails at once; the kit's race of nothing waits for ever.
          ? Effect.never
          : Effect.raceAllFirst(
            instruction.operations.map((operation, index) =>
              nested(task, "race", `operation ${index}`, operation)
            ),
          ),
      );
    case "deadline": {
      const { ms, operation, fail } = instruction;
      return waitOn(
        driver,
        instruction.describe(),
        Effect.flatMap(
          Effect.timeoutOption(
            nested(task, fail ? "timeout" : "moveOnAfter", "its operation", operation),
            Duration.millis(ms),
          ),
          (value) =>
            Option.isSome(value)
              ? Effect.succeed(value.value)
              : fail
              ? Effect.fail(new TimeoutError(ms))
              : Effect.succeed(undefined),
        ),
      );
    }
    case "ensure":
      (driver.ensures ??= []).push(instruction.fn);
      return Effect.void;
    case "call":
      return callOn(driver, instruction.fn);
    case "now":
      return Effect.sync(() => run.clock.now());
    case "suspend":
      return waitOn(driver, "suspend", Effect.never);
    case "take":
      return takeOn(driver, instruction.queue);
    case "join":
      return join(driver, run.recordOf(instruction.task), instruction);
    case "halt": {
      const target = run.recordOf(instruction.task);
      if (target.settled) return Effect.void;
      requestHalt(target);
      return waitOn(driver, instruction.describe(), Fiber.interrupt(target.fiber!));
    }
    case "log":
      return Effect.sync(() => {
        run.output(instruction.text);
        if (run.tracer) run.trace(task, "log", { text: instruction.text });
      });
    case "block":
      return Effect.sync(() => run.clock.block(instruction.ms));
  }
}

/**
 * `program`, traced as the task's wait on `reason`, and named in a
 * deadlock's list (by `now()` when given: a join's target has moved on).
 * The wait ends when the driver receives the program's outcome, or its
 * `finish` runs (the wait was interrupted): see `Driver.wake`.
 */
function waitOn<A>(
  driver: Driver,
  reason: string,
  program: Program<A>,
  now?: () => string,
): Program<A> {
  const task = driver.task;
  task.waitingOn = now ?? reason;
  task.run.addWaiting(task);
  if (task.run.tracer) task.run.trace(task, "suspend", { reason });
  driver.waiting = true;
  return program;
}

/** A promise API in flight: its signal aborts when the fiber is interrupted. */
function callOn(driver: Driver, fn: (signal: AbortSignal) => unknown): Program {
  const run = driver.task.run;
  const controller = new AbortController();
  const invoked = invoke(fn, controller.signal);
  if ("error" in invoked) return thrown(run, invoked.error);
  if ("value" in invoked) return Effect.succeed(invoked.value);
  return waitOn(
    driver,
    "call",
    Effect.callback<unknown, unknown>((resume) => {
      let pending = true;
      run.inFlight++;
      const settle = (ok: boolean, value: unknown) => {
        if (!pending) return;
        pending = false;
        run.inFlight--;
        run.guard(() => resume(ok ? Effect.succeed(value) : thrown(run, value)));
        run.wake(); // a promise callback: the virtual clock may move on
      };
      invoked.promise.then((value) => settle(true, value), (error) => settle(false, error));
      return Effect.sync(() => {
        if (!pending) return;
        pending = false;
        run.inFlight--;
        controller.abort();
      });
    }),
  );
}

/** A `get`: a buffered value at once, else a waiter that an interruption removes. */
function takeOn(driver: Driver, queue: Queue<unknown>): Program {
  const fifo = fifoOf(queue);
  const got = fifo.tryTake();
  if (got) return Effect.succeed(got.value);
  if (fifo.isClosed) return Effect.fail(new QueueClosedError());
  return waitOn(
    driver,
    "take",
    Effect.callback<unknown, unknown>((resume) => {
      let waiting = true;
      const waiter = {
        deliver(value: unknown) {
          waiting = false;
          resume(Effect.succeed(value));
        },
        closed() {
          waiting = false;
          resume(Effect.fail(new QueueClosedError()));
        },
      };
      fifo.wait(waiter);
      return Effect.sync(() => {
        if (waiting) fifo.unwait(waiter);
      });
    }),
  );
}

/**
 * `Fiber.await` of a kit task: its value, its error, or `HaltedError` if it
 * was interrupted. Only a join hears a child's failure under Effect.
 */
function join(
  driver: Driver,
  target: EffectKitTask,
  instruction: { describe(): string },
): Program {
  const task = driver.task;
  target.joined = true;
  if (target.settled) return outcomeOf(target);
  const deadlock = joinsOwnEnd(task, target);
  if (deadlock) return Effect.fail(deadlock);
  // Described only now: most joins find their task ended, and need no words.
  return Effect.flatMap(
    waitOn(driver, instruction.describe(), Fiber.await(target.fiber!), () => `join ${target}`),
    () => outcomeOf(target),
  );
}

/** A settled task's outcome, as its joiner receives it. */
function outcomeOf(target: EffectKitTask): Program {
  if (target.state === "completed") return Effect.succeed(target.result);
  if (target.state === "halted") return Effect.fail(new HaltedError(target.toString()));
  return fail(target.result);
}

/**
 * A join that waits for its own end, thrown where it was written: on the
 * joining task itself, or on an ancestor, which ends only once its children
 * (this one among them) have been interrupted (Effect interrupts a fiber's
 * children before its exit is set, and a scope closes before the task that
 * opened it ends), so that only an interruption could ever end the wait.
 */
function joinsOwnEnd(task: EffectKitTask, target: EffectKitTask): DeadlockError | undefined {
  if (target === task) return joinDeadlock(task, target);
  for (let at = task.parent; at !== undefined && at.id >= target.id; at = at.parent) {
    if (at === target) {
      return joinDeadlock(
        task,
        target,
        "under effect a fiber ends only once its children are interrupted",
      );
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Tasks: a kit task is a record beside its Effect fiber; `drive` runs a kit
// generator as an Effect program. An interruption reaches the kit code as
// `return()`, never as an error a `catch` could see.
// ---------------------------------------------------------------------------

class EffectKitTask extends TaskBase<unknown> {
  state: TaskState = "pending";
  /**
   * The Effect fiber; set as soon as it is forked, and let go once it has
   * ended (`settleTask`): a task kept only to be joined keeps no fiber.
   */
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined;
  /** The value, or the error it failed with. */
  result: unknown = undefined;
  /** Someone joined it: its failure was heard. */
  joined = false;
  cancelTraced = false;
  /** What it waits on, as its trace names it, while it waits. */
  waitingOn: string | (() => string) | undefined = undefined;
  /** Its place in its run's `waiting`, or -1. */
  waitIndex = -1;

  constructor(
    readonly run: EffectRun,
    readonly id: number,
    readonly name: string,
    readonly parent: EffectKitTask | undefined,
  ) {
    super();
  }

  /** Its fiber has ended: see `settleTask`. */
  settle(exit: Exit.Exit<unknown, unknown>): void {
    settleTask(this, exit);
  }

  get settled(): boolean {
    return this.state === "completed" || this.state === "failed" || this.state === "halted";
  }
}

/**
 * One driven kit generator (a task's body, a scope body, a combinator's
 * operation, a cleanup), as the iterator of an `Effect.gen`: Effect's own
 * fiber loop calls `next` with the `Exit` of the instruction before, and
 * runs the program `next` answers for the next one, so that no Effect
 * wrapper is made per instruction. It holds the task it runs for, the scope
 * its spawns go to (else the current fiber), and the cleanups its `ensure`s
 * registered.
 */
class Driver implements Iterator<Program, unknown, Exit.Exit<unknown, unknown> | undefined> {
  ensures: (() => Operation<void> | void)[] | undefined = undefined;
  /** The kit generator, made on the first step. */
  iterator: Iterator<unknown, unknown, unknown> | undefined = undefined;
  /**
   * Whether the kit generator has ended (returned or thrown): an
   * interruption after that has nothing of it left to return.
   */
  ended = false;
  /** What the kit code is handed next: a value, or an error thrown into it. */
  answer: unknown = undefined;
  throwing = false;
  /** The task a `spawn` in flight forks: its fiber is the fork's answer. */
  spawned: EffectKitTask | undefined = undefined;
  /** The program in flight is a wait (`waitOn`), which its outcome ends. */
  waiting = false;
  /** What the kit code waited on first, which `next` hands to Effect.gen. */
  #first: Program | undefined = undefined;

  constructor(
    readonly task: EffectKitTask,
    readonly start: () => Operation<unknown>,
    readonly scope: EffectScope.Scope | undefined,
    /** It drives the task's own body: its first step starts the task. */
    readonly body: boolean,
  ) {}

  /**
   * The program, made once the fiber runs it: the kit generator runs until
   * it ends or waits. One that ends without waiting is answered as an
   * `Exit`, with no Effect.gen and, unless it registered a cleanup, no
   * finalizer; one that waits is driven on by Effect.gen with this as its
   * iterator, inside the finalizer (`finish`) that cleans it up.
   *
   * It runs uninterruptibly (`drive`): an interruption that the kit code
   * itself causes as it runs (a `put` that resumes a getter at once, which
   * ends a race) waits until the finalizer is in place, and `restore` lets it
   * in; so a generator that waits is always returned when interrupted.
   */
  begin(restore: <A, E>(program: Effect.Effect<A, E>) => Effect.Effect<A, E>): Program {
    const run = this.task.run;
    if (this.body) {
      if (this.task.state === "pending") this.task.state = "running";
      if (run.tracer) run.trace(this.task, "start");
    }
    // Called as a plain function, not a method of the driver, so that a
    // stack names the kit code's function as it is: `at bad`.
    const start = this.start;
    try {
      this.iterator = start()[Symbol.iterator]();
    } catch (error) {
      this.ended = true;
      return thrown(run, error);
    }
    const first = this.#advance();
    if (Exit.isExit(first)) {
      return this.ensures === undefined
        ? first
        : Effect.onExitPrimitive(first, this.finish.bind(this));
    }
    this.#first = first;
    return Effect.onExitPrimitive(
      restore(Effect.gen(() => this as unknown as Generator<Program, unknown, never>)),
      // A bound method weighs half a closure, and is kept as long as the wait.
      this.finish.bind(this),
    );
  }

  next(before?: Exit.Exit<unknown, unknown>): IteratorResult<Program, unknown> {
    const step = sharedStep;
    let program = this.#first;
    if (program !== undefined) this.#first = undefined;
    else {
      this.receive(before!);
      program = this.#advance();
    }
    if (!Exit.isExit(program)) {
      step.done = false;
      // A fork cannot fail: its fiber comes back as it is.
      step.value = this.spawned === undefined ? Effect.exit(program) : program;
    } else if (Exit.isSuccess(program)) {
      step.done = true;
      step.value = program.value;
    } else {
      // A failure as the iterator's next value ends the fiber's program.
      step.done = false;
      step.value = program;
    }
    return step as IteratorResult<Program, unknown>;
  }

  /**
   * Run the kit generator on with the answer it is due, answering each
   * instruction decided at once (as Effect's loop answers an `Exit`), until
   * it ends (its end as an `Exit`) or waits (the program it waits on).
   */
  #advance(): Program {
    const iterator = this.iterator!;
    for (;;) {
      let result: IteratorResult<unknown, unknown>;
      try {
        result = this.throwing ? throwInto(iterator, this.answer) : iterator.next(this.answer);
      } catch (error) {
        this.ended = true;
        return thrown(this.task.run, error);
      }
      if (result.done) {
        this.ended = true;
        return Effect.succeed(result.value);
      }
      // A refused instruction (not one, or a task of another run) throws
      // into the kit code where it was used.
      let program: Program;
      try {
        program = perform(this, asInstruction(result.value));
      } catch (error) {
        this.answer = error;
        this.throwing = true;
        continue;
      }
      if (!Exit.isExit(program)) return program;
      this.receive(program);
    }
  }

  /**
   * An instruction's outcome (its `Exit`, or a fork's fiber), as the kit
   * code is handed it next.
   */
  receive(outcome: unknown): void {
    if (this.waiting) this.wake();
    const spawned = this.spawned;
    if (spawned !== undefined) {
      this.spawned = undefined;
      spawned.fiber = outcome as Fiber.Fiber<unknown, unknown>;
      observe(spawned);
      this.answer = spawned;
      this.throwing = false;
    } else if (Exit.isSuccess(outcome as Exit.Exit<unknown, unknown>)) {
      this.answer = (outcome as Exit.Success<unknown, unknown>).value;
      this.throwing = false;
    } else {
      this.answer = errorOf((outcome as Exit.Failure<unknown, unknown>).cause, this.task);
      this.throwing = true;
    }
  }

  /** The task's wait has ended, however it ended: it is traced awake. */
  wake(): void {
    this.waiting = false;
    const task = this.task;
    task.waitingOn = undefined;
    task.run.deleteWaiting(task);
    if (task.run.tracer) task.run.trace(task, "wake");
  }

  /**
   * The program's end, however it came: interrupted while the kit
   * generator had not ended, the generator is returned, and what its
   * `finally` blocks yield is driven; then the cleanups of `ensure` run.
   * Effect runs this uninterruptibly, as every finalizer; a cleanup that
   * fails fails the fiber: a defect, as Effect makes of a failing finalizer.
   */
  finish(exit: Exit.Exit<unknown, unknown>): Program<void> | undefined {
    // Interrupted while waiting: the wait ends before the generator unwinds.
    if (this.waiting) this.wake();
    const started = this.iterator !== undefined;
    if (started && !this.ended && Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)) {
      // The cleanups are read after the unwinding, which may register more.
      return Effect.ensuring(
        Effect.orDie(unwind(this)),
        Effect.orDie(Effect.suspend(() => runEnsures(this))),
      );
    }
    return this.ensures === undefined ? undefined : Effect.orDie(runEnsures(this));
  }
}

/**
 * The step every driver's `next` answers: Effect's loop reads it at once,
 * before any other driver steps, so that one object serves them all. What
 * it holds last is let go when a run ends (`EffectRun.release`).
 */
const sharedStep: { done: boolean; value: unknown } = { done: false, value: undefined };

/**
 * Drive a kit generator, made by `start`, as an Effect program: each
 * instruction it yields is performed in Effect; an interruption is no error
 * the kit code could catch, and reaches it as `return()`.
 */
function drive(
  task: EffectKitTask,
  start: () => Operation<unknown>,
  scope: EffectScope.Scope | undefined,
  body = false,
): Program {
  const driver = new Driver(task, start, scope, body);
  // A bound method weighs half a closure: one is made per task.
  return Effect.uninterruptibleMask(driver.begin.bind(driver));
}

/** A new kit task, traced; its program is `bodyOf` it. */
function newTask(run: EffectRun, parent: EffectKitTask | undefined, name: string): EffectKitTask {
  const task = new EffectKitTask(run, run.nextId++, name, parent);
  if (run.tracer) run.trace(task, "spawn");
  return task;
}

/** A task's program: `start`'s generator, driven as its body. */
function bodyOf(task: EffectKitTask, start: () => Operation<unknown>): Program {
  return drive(task, start, undefined, true);
}

/** Learn a task's outcome the moment its fiber ends. */
function observe(task: EffectKitTask): void {
  // A bound method weighs half a closure: one is made per task.
  task.fiber!.addObserver(task.settle.bind(task));
}

/**
 * Fork a child: the fork answers its fiber, which the driver (`receive`)
 * gives the task before handing the task to the kit code.
 */
function spawnFrom(driver: Driver, fn: OperationFn<unknown>, name: string): Program {
  const task = newTask(driver.task.run, driver.task, name);
  driver.spawned = task;
  const program = bodyOf(task, fn);
  return driver.scope ? Effect.forkIn(program, driver.scope) : Effect.forkChild(program);
}

/**
 * The fiber was interrupted: return the kit generator, and drive what its
 * `finally` blocks yield; an error they throw fails the fiber (a defect).
 */
function unwind(driver: Driver): Program<void> {
  const iterator = driver.iterator!;
  return Effect.gen(function* () {
    requestHalt(driver.task);
    let result: IteratorResult<unknown, unknown>;
    try {
      result = iterator.return ? iterator.return(undefined) : { done: true, value: undefined };
    } catch (error) {
      return yield* thrown(driver.task.run, error);
    }
    while (!result.done) {
      let program: Program | undefined = undefined;
      try {
        program = perform(driver, asInstruction(result.value));
      } catch (error) {
        // Refused: thrown into the kit code where it was used.
        driver.answer = error;
        driver.throwing = true;
      }
      if (program !== undefined) {
        driver.receive(driver.spawned === undefined ? yield* Effect.exit(program) : yield* program);
      }
      try {
        result = driver.throwing
          ? throwInto(iterator, driver.answer)
          : iterator.next(driver.answer);
      } catch (error) {
        return yield* thrown(driver.task.run, error);
      }
    }
  });
}

/** The driver's cleanups, last registered first, each driven to its end. */
function runEnsures(driver: Driver): Program<void> {
  const fns = (driver.ensures ?? []).reverse();
  driver.ensures = undefined;
  if (fns.length === 0) return Effect.void;
  return Effect.forEach(fns, (fn) =>
    Effect.suspend(() => {
      let operation: Operation<void> | void;
      try {
        operation = fn();
      } catch (error) {
        return thrown(driver.task.run, error);
      }
      if (!operation) return Effect.void;
      const cleanup = operation;
      return drive(driver.task, () => cleanup, driver.scope);
    }), { discard: true });
}

function throwInto(
  iterator: Iterator<unknown, unknown, unknown>,
  error: unknown,
): IteratorResult<unknown, unknown> {
  if (!iterator.throw) throw error;
  return iterator.throw(error);
}

/** A halt was asked for, or reached the code: trace it once. */
function requestHalt(task: EffectKitTask): void {
  if (task.settled) return;
  if (task.state === "running" || task.state === "pending") task.state = "halting";
  if (!task.cancelTraced) {
    task.cancelTraced = true;
    if (task.run.tracer) task.run.trace(task, "cancel");
  }
}

function settleTask(task: EffectKitTask, exit: Exit.Exit<unknown, unknown>): void {
  if (task.settled) return;
  task.fiber = undefined;
  const run = task.run;
  let type: TraceEventType;
  if (Exit.isSuccess(exit)) {
    task.state = "completed";
    task.result = exit.value;
    type = "return";
  } else if (Cause.hasInterruptsOnly(exit.cause)) {
    task.state = "halted";
    type = "halt";
  } else {
    task.state = "failed";
    task.result = errorOf(exit.cause, task);
    type = "throw";
    if (task !== run.root) run.failed.push(task);
  }
  if (run.tracer) run.trace(task, type, type === "throw" ? { error: task.result } : undefined);
  if (task === run.root) run.finish();
}

// ---------------------------------------------------------------------------
// Scopes: a kit scope is `Effect.scoped`; its body is a fiber forked into
// the Effect scope, as are the children spawned in it, so that closing the
// scope interrupts them. Combinator operations are driven on behalf of the
// calling task, each as the fiber Effect's combinator forks for it.
// ---------------------------------------------------------------------------

/**
 * One operation of a combinator, as a task of its own (named as the kit's
 * combinators name theirs: `race: operation 1`, `timeout: its operation`)
 * whose fiber is the one Effect's combinator forks for it; the combinator is
 * its joiner. Interrupted (a loser, or a member halted by another's
 * failure), its cleanup's failure is dropped by Effect's combinators: it is
 * reported here instead, as the kit's own combinators report an error they
 * do not deliver.
 */
function nested(
  task: EffectKitTask,
  combinator: string,
  name: string,
  operation: Operation<unknown>,
): Program {
  const run = task.run;
  return Effect.suspend(() => {
    const contender = newTask(run, task, `${combinator}: ${name}`);
    const program = bodyOf(contender, () => operation);
    contender.joined = true;
    // A fiber of its own, forked in the one the combinator forks for it, so
    // that it settles (traced) only once Effect has interrupted its children.
    return Effect.flatMap(Effect.forkChild(program, { startImmediately: true }), (fiber) => {
      contender.fiber = fiber;
      fiber.addObserver((exit) => {
        settleTask(contender, exit);
        if (Exit.isSuccess(exit) || !Cause.hasInterrupts(exit.cause)) return;
        for (const reason of exit.cause.reasons) {
          if (reason._tag === "Interrupt") continue;
          const error = uncarried(reason._tag === "Fail" ? reason.error : reason.defect);
          run.undelivered.delete(error);
          run.reported.add(error);
          reportUndelivered(combinator, name, error);
        }
      });
      return Fiber.join(fiber);
    });
  });
}

class EffectScopeHandle implements ScopeHandle {
  body: Fiber.Fiber<unknown, unknown> | undefined = undefined;
  cancelled = false;
  ended = false;

  constructor(readonly task: EffectKitTask, readonly scope: EffectScope.Scope) {}

  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    checkSpawnOptions("handle.spawn", options);
    const name = taskName(fn, options?.name);
    if (this.ended) {
      throw new Error(
        `cannot spawn ${name}: its scope has ended; spawn into a scope only while its body runs`,
      );
    }
    const run = this.task.run;
    const task = newTask(run, this.task, name);
    const program = bodyOf(task, fn);
    // From outside any fiber: a fiber of the run's own, handed to the scope.
    task.fiber = Fiber.runIn(run.fork(program), this.scope);
    observe(task);
    run.wake();
    return task as Task<T>;
  }

  cancel(): void {
    if (this.cancelled || this.ended) return;
    this.cancelled = true;
    this.body?.interruptUnsafe();
    this.task.run.wake();
  }
}

function enterScope(
  driver: Driver,
  body: (handle: ScopeHandle) => Operation<unknown>,
  shield: boolean,
): Program {
  const task = driver.task;
  const scoped = Effect.scoped(Effect.gen(function* () {
    const scope = yield* Effect.scope;
    const handle = new EffectScopeHandle(task, scope);
    handle.body = yield* Effect.forkIn(drive(task, () => body(handle), scope), scope);
    const exit = yield* Fiber.await(handle.body);
    handle.ended = true;
    if (Exit.isSuccess(exit)) return exit.value;
    // A cancelled body makes the scope answer `undefined`.
    if (handle.cancelled && Cause.hasInterruptsOnly(exit.cause)) return undefined;
    return yield* Effect.failCause(exit.cause);
  }));
  return waitOn(driver, "scope", shield ? Effect.uninterruptible(scoped) : scoped);
}

// ---------------------------------------------------------------------------
// Timers: Effect's `Clock` service is the kit's clock; `Effect.sleep` arms
// its timer, and an interruption clears it, so a halted sleeper leaves
// nothing armed.
// ---------------------------------------------------------------------------

function clockService(clock: Clock, guard: (fire: () => void) => void): EffectClock.Clock {
  const millis = () => clock.now();
  const nanos = () => BigInt(Math.round(clock.now() * 1e6));
  return {
    currentTimeMillisUnsafe: millis,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: nanos,
    monotonicTimeNanos: Effect.sync(nanos),
    sleep: (duration) => {
      // Read now: what waits keeps a number, not the Duration.
      const ms = Duration.toMillis(duration);
      return Effect.callback<void>((resume) => {
        const timer = clock.setTimer(ms, () => guard(() => resume(Effect.void)));
        return Effect.sync(() => clock.clearTimer(timer));
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Errors: Effect's own rules. A kit error is an Effect failure (`fail`),
// whatever its value; a defect (`die`) is an error too. A child's failure
// reaches only its joiner; one nobody joined is reported at the end.
// ---------------------------------------------------------------------------

/**
 * A thrown value that Effect 4.1.5 cannot hold as it is, carried through it
 * inside an `Error`. Effect hashes the errors of a cause when it combines
 * two (`Hash.hash`, to drop duplicates): for a value on which that throws (a
 * Proxy whose traps throw) the trap's error replaces the value, lost.
 */
class CarriedError extends Error {
  override name = "CarriedError";
  constructor(value: unknown) {
    super("a thrown value that Effect cannot hash, carried through it");
    carriedValues.set(this, value);
  }
}

/**
 * What each {@link CarriedError} carries, kept out of the error itself:
 * Effect's structural hash reads an error's properties, getters included.
 */
const carriedValues = new WeakMap<CarriedError, unknown>();

/** A failure of `error`, carried where Effect could not hold it as it is. */
function fail(error: unknown): Effect.Effect<never, unknown> {
  try {
    Hash.hash(error);
    return Effect.fail(error);
  } catch {
    return Effect.fail(new CarriedError(error));
  }
}

/**
 * A failure of `error`, which the kit code (or a promise it called) threw:
 * kept in the run's `undelivered` until it reaches kit code, a task's
 * outcome or a report (see `EffectRun.finish`).
 */
function thrown(run: EffectRun, error: unknown): Effect.Effect<never, unknown> {
  run.undelivered.add(error);
  return fail(error);
}

/** The value the kit code threw, out of its {@link CarriedError}. */
function uncarried(error: unknown): unknown {
  return isInstance(error, CarriedError) ? carriedValues.get(error) : error;
}

/**
 * The one error the kit code receives for a failed cause: its first failure,
 * else its first defect (`Cause.squash`). A cause may hold more (a body's
 * failure and its cleanup's, failures of concurrent fibers): each other one
 * is reported for `task`, since the kit's single error cannot carry it.
 */
function errorOf(cause: Cause.Cause<unknown>, task: EffectKitTask): unknown {
  const error = uncarried(Cause.squash(cause));
  const run = task.run;
  run.undelivered.delete(error);
  for (const reason of cause.reasons) {
    const other = uncarried(
      reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : error,
    );
    if (other === error || run.reported.has(other)) continue;
    run.undelivered.delete(other);
    reportError(
      `effect: ${task} received ${
        describeError(error)
      }; Effect's cause also holds another error, which one thrown value cannot carry:`,
      other,
    );
  }
  return error;
}

// ---------------------------------------------------------------------------
// Run: the root fiber, the run's scheduler and clock, the run's promise, the
// abort signal, and the pump that lets a virtual clock fire or jump once no
// fiber can run.
// ---------------------------------------------------------------------------

class EffectRun extends RunBase {
  protected readonly runtimeName = "effect";
  root: EffectKitTask | undefined = undefined;
  /** Tasks that wait: those a deadlock names. */
  readonly waiting: EffectKitTask[] = [];
  /** Errors already reported as not delivered by a combinator. */
  readonly reported = new Set<unknown>();
  /** Errors thrown in this run that have reached no kit code, outcome or report yet. */
  readonly undelivered = new Set<unknown>();
  /** Tasks that failed, in order: reported at the end if nobody joined them. */
  readonly failed: EffectKitTask[] = [];
  /** Effect's `Scheduler` for this run: its tasks wait in `#tasks` until the pump runs them. */
  readonly scheduler: Scheduler.Scheduler;
  readonly clockService: EffectClock.Clock;
  #tasks: (() => void)[] = [];
  #pumping = false;
  #woken = false;

  constructor(options: RunOptions) {
    super(options);
    this.clockService = clockService(this.clock, (fire) => this.guard(fire));
    const dispatcher: Scheduler.SchedulerDispatcher = {
      scheduleTask: (task) => {
        this.#tasks.push(task);
        this.wake();
      },
      flush: () => this.#runTasks(),
    };
    this.scheduler = {
      executionMode: "async",
      shouldYield: (fiber) => fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield,
      makeDispatcher: () => dispatcher,
    };
  }

  /** A root fiber of this run: its scheduler, its clock. */
  fork(program: Program): Fiber.Fiber<unknown, unknown> {
    return Effect.runFork(
      Effect.provideService(program, EffectClock.Clock, this.clockService),
      { scheduler: this.scheduler },
    );
  }

  start(fn: OperationFn<unknown>): void {
    const task = newTask(this, undefined, taskName(fn, fn.name || "main"));
    const program = bodyOf(task, fn);
    this.root = task;
    task.fiber = this.fork(program);
    observe(task);
    if (!this.over) {
      const halt = () => {
        requestHalt(task);
        task.fiber?.interruptUnsafe();
        this.wake();
      };
      if (this.listenForAbort(halt)) halt();
    }
    this.wake();
  }

  /**
   * `task` waits (once, however many of its drivers wait). The list is an
   * array that each task knows its place in, not a Set: a Set that a task
   * enters and leaves at every wait reallocates its table as it goes.
   */
  addWaiting(task: EffectKitTask): void {
    if (task.waitIndex >= 0) return;
    task.waitIndex = this.waiting.push(task) - 1;
  }

  /** `task` waits no more: the last one waiting takes its place. */
  deleteWaiting(task: EffectKitTask): void {
    const index = task.waitIndex;
    if (index < 0) return;
    task.waitIndex = -1;
    const last = this.waiting.pop()!;
    if (last === task) return;
    this.waiting[index] = last;
    last.waitIndex = index;
  }

  recordOf(task: Task<unknown>): EffectKitTask {
    if (task instanceof EffectKitTask && task.run === this) return task;
    throw otherRun(task);
  }

  /** Something may run: pump on a microtask, once, out of every fiber's stack. */
  wake(): void {
    if (this.#woken || this.#pumping || this.over) return;
    this.#woken = true;
    queueMicrotask(() => {
      this.#woken = false;
      this.pump();
    });
  }

  #runTasks(): void {
    while (this.#tasks.length > 0) {
      const tasks = this.#tasks;
      this.#tasks = [];
      for (const task of tasks) task();
    }
  }

  /**
   * Run the scheduled fibers; then let a virtual clock fire due timers, or
   * jump when no `call()` is in flight, until the root settles or nothing
   * is left. With nothing scheduled, no call in flight and no timer left,
   * nothing ever will run: a deadlock.
   */
  pump(): void {
    if (this.#pumping || this.over) return;
    this.#pumping = true;
    try {
      for (;;) {
        this.guard(() => this.#runTasks());
        if (this.over) break;
        if (this.clock.idle(this.inFlight === 0)) continue;
        if (this.#tasks.length > 0) continue;
        if (this.inFlight > 0 || this.clock.kind !== "virtual") break;
        if (!this.#deadlocked()) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Whatever still waits waits for ever. The first time, the root is
   * interrupted as Ctrl-C would interrupt it (every cleanup runs), and the
   * pump goes on (true); the run then rejects with the deadlock. Found again
   * (a cleanup that waits for ever), the run ends at once.
   */
  #deadlocked(): boolean {
    const waits: DeadlockWait[] = [];
    for (const task of [...this.waiting].sort((a, b) => a.id - b.id)) {
      const on = task.waitingOn;
      if (on !== undefined) {
        waits.push({ task: deadlockName(task), on: typeof on === "string" ? on : on() });
      }
    }
    if (!this.noteDeadlock(idleDeadlock(this.clock.now(), waits))) return false;
    const root = this.root!;
    requestHalt(root);
    root.fiber!.interruptUnsafe();
    return true;
  }

  /**
   * Run `fire`, which resumes fibers. What it throws escaped Effect's own
   * fiber loop, which catches every error of the code it runs: Effect 4.1.5
   * overflows the stack once about 2,000 nested fibers end one inside
   * another's observer. The run then cannot go on, and rejects with it,
   * rather than crash the process as the bare library would.
   */
  guard(fire: () => void): void {
    try {
      fire();
    } catch (error) {
      if (this.over) return;
      reportError("effect: Effect's fiber loop threw, and the run cannot go on:", error);
      this.deadlock = undefined;
      this.end("failed", error, this.root!.toString());
    }
  }

  finish(): void {
    for (const task of this.failed) {
      if (!task.joined) {
        reportError(
          `effect: Task#${task.id} ${task.name} failed and nobody joined it; under Effect its error reaches no other task:`,
          task.result,
        );
      }
    }
    const root = this.root!;
    if (root.state === "failed") this.undelivered.delete(root.result);
    for (const error of this.undelivered) {
      // A HaltedError (or a cancellation) rethrown by a task being halted is
      // the halt's own echo, which no runtime reports.
      if (isHaltEcho(error)) continue;
      reportError(
        "effect: an error thrown in this run reached no code, outcome or report: Effect dropped it:",
        error,
      );
    }
    this.undelivered.clear();
    // Interrupted from outside, the root may end by a joiner hearing of a
    // halted child first: still the abort.
    const outcome = root.state === "failed" && this.aborted && isHaltEcho(root.result)
      ? "halted"
      : root.state;
    this.end(outcome as RootOutcome, root.result, root.toString());
  }

  protected override release(): void {
    this.waiting.length = 0;
    sharedStep.value = undefined;
  }

  trace(task: EffectKitTask, type: TraceEventType, extra?: TraceExtra): void {
    this.traceTask(task, task.parent?.id, type, extra);
  }
}

/**
 * The `effect` runtime: the real library (`effect@4.1.5`) driving the kit's
 * operations: fibers, interruption, scopes and finalizers.
 *
 * @example
 * ```ts
 * import { effect } from "./effect.ts";
 * import { sleep, spawn } from "./verbs.ts";
 * import { virtualClock } from "./clock.ts";
 *
 * const seen: string[] = [];
 * await effect.run(function* () {
 *   yield* spawn(function* child() {
 *     try {
 *       yield* sleep(1000);
 *     } finally {
 *       seen.push("child interrupted when its parent returned");
 *     }
 *   });
 *   yield* sleep(10);
 * }, { clock: virtualClock() });
 * if (seen.length !== 1) throw new Error("the child should have been interrupted");
 * ```
 */
export const effect: Runtime = {
  name: "effect",
  description:
    "the real Effect 4.1.5 as a reference: fibers halted by interruption, a child's failure reaching only its joiner, uncancellable cleanup",
  run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
    const run = new EffectRun(options);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
