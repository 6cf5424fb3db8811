/**
 * The `native` runtime: Deno's own promise loop driving the generators.
 *
 * - Each task has an `async` driver loop over its generator, and every
 *   suspension is an awaited Promise: tasks interleave in promise microtask
 *   order, with no scheduler of the runtime's own.
 * - One heap of timers per run, behind one host timer on the clock.
 * - Cancellation aborts the task's `AbortSignal` and throws an `AbortError`
 *   into the generator where it waits: `catch` sees it, once (edge-triggered,
 *   as in asyncio), and cleanup after it runs normally.
 * - No structured lifetimes: a child outlives the body that spawned it, and
 *   its error reaches only whoever joins it; a failure nobody joined is
 *   reported as unhandled, and the run goes on.
 *
 * What is not the model is shared: the run's promise, signal and tracing
 * (`core/run.ts`), the waits (`waits.ts`), the packed task record
 * (`core/packed.ts`). The sections below (instructions, tasks, scopes,
 * timers, errors, run) come in the same order in every adapter, so that any
 * two diff side by side.
 *
 * @module
 */

import { checkSpawnOptions } from "./verbs.ts";
import { combinatorBody, reportUndelivered } from "./combinators.ts";
import { HALTING, MODEL_BIT_A, PackedTask, SETTLED, settledEvent, STARTED } from "./core/packed.ts";
import { otherRun, RunBase, type TraceExtra } from "./core/run.ts";
import { type CallbackTimer, Timers } from "./core/timers.ts";
import {
  deadlockName,
  type DeadlockWait,
  describeError,
  idleDeadlock,
  isAbortError,
  joinDeadlock,
  reportError,
  TimeoutError,
} from "./errors.ts";
import { type AnyInstruction, asInstruction, type Deadline, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { callFrom, JoinWaiter, NEXT, SUSPENDED, takeFrom, THROW, Wait } from "./waits.ts";
import type {
  Operation,
  OperationFn,
  RunOptions,
  Runtime,
  ScopeHandle,
  SpawnOptions,
  Task,
  TraceEventType,
} from "./types.ts";

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here. `dispatch`
// either answers at once (it returns `true`, the answer is in `run.answerMode`
// and `run.answerValue`, and the driver loop goes on without an await) or
// leaves the frame waiting and returns the promise to await.
// ---------------------------------------------------------------------------

function dispatch(frame: Frame, instruction: AnyInstruction): Dispatched {
  const run = frame.run;
  switch (instruction.kind) {
    case "sleep": // once the run is over, time has stopped for the orphans still going
      return waitOn(frame, run.over ? SUSPENDED : run.timers.sleep(frame, 0, instruction.ms));
    case "spawn":
      return run.answer(
        NEXT,
        spawnTask(frame, instruction.fn, taskName(instruction.fn, instruction.name)),
      );
    case "scope":
      return enterNested(frame, SCOPE, scopeBody(instruction.body), instruction.shield);
    case "all":
    case "race":
      return enterNested(frame, SCOPE, combinatorBody(instruction), false);
    case "deadline":
      return enterDeadline(frame, instruction);
    case "ensure":
      (extrasOf(frame).cleanups ??= []).push(instruction.fn);
      return run.answer(NEXT, undefined);
    case "call":
      // The task's signal, made on its first call; a cancellation aborts and
      // drops it, so that a call made after one gets a fresh signal.
      return callFrom(
        frame,
        instruction.fn,
        extrasOf(frame).controller ??= new AbortController(),
      ) ||
        suspendOn(frame);
    case "now":
      return run.answer(NEXT, run.clock.now());
    case "suspend":
      run.blocked.add(frame);
      return waitOn(frame, SUSPENDED);
    case "take":
      if (takeFrom(frame, fifoOf(instruction.queue))) return true;
      run.blocked.add(frame);
      return suspendOn(frame);
    case "join":
      return join(frame, run.frameOf(instruction.task), false);
    case "halt": {
      const target = run.frameOf(instruction.task);
      if (target === frame.task) return run.answer(THROW, cancelSelf(target));
      cancelTask(target);
      return join(frame, target, true);
    }
    case "log":
      run.output(instruction.text);
      if (run.tracer) run.trace(frame, "log", { text: instruction.text });
      return run.answer(NEXT, undefined);
    case "block":
      run.clock.block(instruction.ms);
      return run.answer(NEXT, undefined);
  }
}

// `new Promise(captureResume)` hands its resolve function over without a
// closure per suspension.
let capturedResume!: () => void;
function captureResume(resolve: () => void): void {
  capturedResume = resolve;
}

/** What `dispatch` answers: `true` when answered at once, else the promise to await. */
type Dispatched = Promise<void> | true;

/** Leave the frame waiting on `waiting` (a `Wait` or a nested frame); answers the promise to await. */
function waitOn(frame: Frame, waiting: unknown): Promise<void> {
  frame.waiting = waiting;
  return suspendOn(frame);
}

/** The promise the frame's driver awaits while the frame waits. */
function suspendOn(frame: Frame): Promise<void> {
  const awaited = new Promise<void>(captureResume);
  frame.resolve = capturedResume;
  return awaited;
}

/** What the driver goes on with once it resumes: `mode` and `value`. */
function setResumption(frame: Frame, mode: number, value: unknown): void {
  frame.resumeValue = value;
  frame.setFlag(RESUME_BY_THROW, mode === THROW);
}

/** End the frame's wait and resume its driver with `mode` and `value`. */
function resume(frame: Frame, mode: number, value: unknown): void {
  frame.waiting = undefined;
  setResumption(frame, mode, value);
  resumeDriver(frame);
}

/**
 * Settle the promise the frame's driver awaits, counting the driver as
 * runnable until its turn ends: that count is how a virtual clock knows,
 * exactly and at once, that nothing can run.
 */
function resumeDriver(frame: Frame): void {
  const resolve = frame.resolve;
  if (resolve === undefined) return; // resumed already
  frame.resolve = undefined;
  frame.run.runnable++;
  resolve();
}

function join(frame: Frame, target: Frame, forHalt: boolean): Dispatched {
  const run = frame.run;
  if (target.settled) {
    if (forHalt) return run.answer(NEXT, undefined);
    if (target.outcome === "failed") run.unjoined.delete(target);
    return run.answer(outcomeMode(target), target.result);
  }
  // A task joining itself cannot end while it waits for its own end. Its
  // ancestors are another matter here: a parent neither waits for nor halts
  // its children, so it may well end first, and the join then answers.
  if (!forHalt && target === frame.task) throw joinDeadlock(target, target);
  const waiter = new JoinWaiter(frame, 0, target, forHalt);
  (extrasOf(target).joiners ??= []).push(waiter);
  run.blocked.add(frame);
  return waitOn(frame, waiter);
}

/** Stop waiting for whatever the frame waits on (it is being cancelled). */
function undoWaiting(frame: Frame): void {
  const waiting = frame.waiting;
  frame.waiting = undefined;
  if (waiting instanceof Wait) waiting.cancel();
}

// ---------------------------------------------------------------------------
// Tasks: a frame is one driven generator. A task is a `Frame`; a scope, a
// combinator and an `ensure` cleanup run in `NestedFrame`s of the same task,
// each with its own driver, awaited by the frame that entered it, so that a
// cancellation can land in the innermost one. A frame runs synchronously up
// to its first suspension; only then does it get an `async` driver.
// ---------------------------------------------------------------------------

const SCOPE = 1;
const CLEANUP = 2;
/** A `timeout` or `moveOnAfter`: its operation, cancelled by its own timer. */
const DEADLINE = 3;

/** Its driver resumes by throwing `resumeValue` into the generator. */
const RESUME_BY_THROW = MODEL_BIT_A;

/**
 * What only some frames need, made on first use: a frame that is never
 * cancelled, makes no call, registers no cleanup and is never waited for
 * pays one field for all of it.
 */
class FrameExtras {
  /** A cancellation not yet thrown into the generator. */
  cancelPending: DOMException | undefined = undefined;
  /** Made on the first `call`; aborted and dropped by a cancellation. */
  controller: AbortController | undefined = undefined;
  cleanups: (() => Operation<void> | void)[] | undefined = undefined;
  joiners: JoinWaiter<Frame>[] | undefined = undefined;
}

class Frame extends PackedTask {
  iterator: Iterator<unknown, unknown, unknown> | undefined = undefined;
  /** What the frame waits on: a `Wait`, or the nested frame it entered. */
  waiting: unknown = undefined;
  /** Resolves the promise the driver awaits. */
  resolve: (() => void) | undefined = undefined;
  /** What the driver goes on with: the answer, or the error to throw (`RESUME_BY_THROW`). */
  resumeValue: unknown = undefined;
  extras: FrameExtras | undefined = undefined;

  constructor(
    readonly run: Run,
    readonly id: number,
    readonly name: string,
    /** The spawning task's id: an id, not a reference, so that an orphan does not keep its parent alive. */
    readonly parentId: number | undefined,
  ) {
    super();
  }

  /** The task this frame belongs to. */
  get task(): Frame {
    return this;
  }
  /** A wait's stamp (`waits.ts`): always 0, since a wait stays the frame's until it resumes. */
  get epoch(): number {
    return 0;
  }
  /** Whoever waits for it to settle (for `JoinWaiter`). */
  get joiners(): JoinWaiter<Frame>[] | undefined {
    return this.extras?.joiners;
  }
  get cancelPending(): DOMException | undefined {
    return this.extras?.cancelPending;
  }
  /** The body has ended: its `ensure` cleanups are running. */
  get ending(): boolean {
    return this.outcome !== undefined && !this.settled;
  }
}

function extrasOf(frame: Frame): FrameExtras {
  return frame.extras ??= new FrameExtras();
}

/** A scope, a combinator, a deadline or an `ensure` cleanup: a frame inside a task, awaited by its owner. */
class NestedFrame extends Frame {
  /** The cancellation its scope handle, or its deadline's expiry, threw into the body. */
  cancelledWith: DOMException | undefined = undefined;
  /** For a deadline: its instruction, and its timer until it fires or the frame settles. */
  deadline: Deadline<unknown> | undefined = undefined;
  timer: CallbackTimer | undefined = undefined;
  /** Kept, not looked up through the owners: scopes may nest thousands deep. */
  readonly #task: Frame;

  constructor(
    /** The frame that entered it and awaits it. */
    readonly owner: Frame,
    readonly kind: typeof SCOPE | typeof CLEANUP | typeof DEADLINE,
    readonly shield: boolean,
  ) {
    const task = owner.task;
    super(owner.run, task.id, task.name, task.parentId);
    this.#task = task;
  }

  override get task(): Frame {
    return this.#task;
  }
}

function spawnTask(parent: Frame, fn: OperationFn<unknown>, name: string): Frame {
  const run = parent.run;
  const child = new Frame(run, run.nextId++, name, parent.task.id);
  run.running++;
  if (run.tracer) run.trace(child, "spawn");
  startFrame(child, fn);
  return child;
}

/**
 * How many frames may start inside one another's first step before the next
 * one starts on a microtask instead: the host's stack is finite, and scopes
 * may nest thousands deep.
 */
const MOST_NESTED_STARTS = 500;

/**
 * Run a new frame at once, up to its first suspension, as calling an async
 * function does: a spawned child runs before its parent goes on.
 */
function startFrame(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  const run = frame.run;
  if (run.nestedStarts >= MOST_NESTED_STARTS) return startLater(frame, start);
  run.nestedStarts++;
  try {
    runFirstStep(frame, start);
  } finally {
    run.nestedStarts--;
  }
}

/**
 * Start the frame on a microtask. A function of its own: had `startFrame`
 * made this closure, V8 would allocate a context for every start.
 */
function startLater(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  const run = frame.run;
  run.runnable++;
  queueMicrotask(() => {
    startFrame(frame, start);
    run.runnable--;
    run.noteQuiet();
  });
}

function runFirstStep(frame: Frame, start: (frame: Frame) => Operation<unknown>): void {
  frame.flags |= STARTED;
  if (frame.run.tracer && !(frame instanceof NestedFrame)) frame.run.trace(frame, "start");
  let awaited: Promise<void> | undefined;
  try {
    frame.iterator = start(frame)[Symbol.iterator]();
  } catch (error) {
    awaited = endBody(frame, THROW, error);
  }
  if (frame.iterator) awaited = step(frame, NEXT, undefined);
  if (awaited) void drive(frame, awaited);
}

/**
 * Drive a frame's generator until it waits or its body ends; answers the
 * promise to await before going on, or `undefined` once the frame settled.
 */
function step(frame: Frame, mode: number, value: unknown): Promise<void> | undefined {
  const run = frame.run;
  for (;;) {
    const iterator = frame.iterator!;
    let result: IteratorResult<unknown, unknown>;
    try {
      if (mode === NEXT) result = iterator.next(value);
      else if (iterator.throw) result = iterator.throw(value);
      else throw value;
    } catch (error) {
      return endBody(frame, THROW, error);
    }
    if (result.done) return endBody(frame, NEXT, result.value);
    let instruction: AnyInstruction;
    let awaited: Dispatched;
    try {
      instruction = asInstruction(result.value);
      awaited = dispatch(frame, instruction);
    } catch (error) {
      mode = THROW;
      value = error;
      continue;
    }
    if (awaited === true) {
      mode = run.answerMode;
      value = run.takeAnswerValue();
      continue;
    }
    if (frame.cancelPending !== undefined && !(frame.waiting instanceof NestedFrame)) {
      // Cancelled while it ran: the cancellation is thrown at this suspension
      // instead. A call made since has aborted its signal: the next one gets a fresh one.
      undoWaiting(frame);
      frame.extras!.controller = undefined;
      mode = THROW;
      value = takeCancellation(frame);
      continue;
    }
    if (run.tracer) run.trace(frame, "suspend", { reason: instruction.describe() });
    return awaited;
  }
}

/**
 * The frame's `async` driver loop: await what it waits on, then go on with
 * the answer, until it settles. It is made when the frame first suspends, so
 * a task that never waits costs no async function.
 */
async function drive(frame: Frame, awaited: Promise<void>): Promise<void> {
  const run = frame.run;
  for (;;) {
    await awaited;
    frame.waiting = undefined;
    const value = frame.resumeValue;
    frame.resumeValue = undefined;
    const mode = frame.hasFlag(RESUME_BY_THROW) ? THROW : NEXT;
    if (mode === THROW) {
      frame.flags &= ~RESUME_BY_THROW;
      // The cancellation is being thrown: a later one may land again.
      const extras = frame.extras;
      if (extras && value === extras.cancelPending) extras.cancelPending = undefined;
    }
    let next: Promise<void> | undefined;
    if (frame.ending) next = continueEnding(frame); // a cleanup has finished
    else {
      if (run.tracer) run.trace(frame, "wake");
      next = step(frame, mode, value);
    }
    // This driver's turn is over.
    run.runnable--;
    run.noteQuiet();
    if (next === undefined) return;
    awaited = next;
  }
}

// ---------------------------------------------------------------------------
// Scopes: nested frames, cancellation, and the end of a frame's life. A body
// that ends leaves its children running; its `ensure` cleanups run newest
// first, then it settles. A cancellation lands in the innermost frame that is
// not shielded, and is thrown there once.
// ---------------------------------------------------------------------------

function scopeBody(
  body: (handle: ScopeHandle) => Operation<unknown>,
): (frame: Frame) => Operation<unknown> {
  return (frame) => body(new NativeScopeHandle(frame as NestedFrame));
}

class NativeScopeHandle implements ScopeHandle {
  constructor(readonly frame: NestedFrame) {}

  /** Children are detached here as anywhere: spawning works even after the scope ended. */
  spawn<T>(fn: OperationFn<T>, options?: SpawnOptions): Task<T> {
    checkSpawnOptions("handle.spawn", options);
    return spawnTask(this.frame, fn, taskName(fn, options?.name)) as Task<T>;
  }

  /** Throw an `AbortError` into the body (once); the scope then answers `undefined`. */
  cancel(): void {
    const frame = this.frame;
    if (frame.outcome !== undefined || frame.cancelledWith) return;
    frame.cancelledWith = cancellation(`a scope of Task#${frame.id} ${frame.name}`);
    cancelFrame(frame, frame.cancelledWith);
  }
}

function enterNested(
  owner: Frame,
  kind: typeof SCOPE | typeof CLEANUP | typeof DEADLINE,
  start: (frame: Frame) => Operation<unknown>,
  shield: boolean,
  deadline?: Deadline<unknown>,
): Promise<void> {
  const nested = new NestedFrame(owner, kind, shield);
  if (!shield && owner.cancelPending !== undefined) {
    // A cancellation not yet thrown goes on to the innermost frame.
    extrasOf(nested).cancelPending = takeCancellation(owner);
  }
  const awaited = waitOn(owner, nested);
  // Armed first: an operation finishing at its very instant loses to it,
  // and of two deadlines expiring together the outer one fires first.
  if (deadline) armDeadline(nested, deadline);
  startFrame(nested, start);
  return awaited;
}

/** `timeout` and `moveOnAfter`: the operation in a frame of its own, which its expiry cancels. */
function enterDeadline(owner: Frame, deadline: Deadline<unknown>): Promise<void> {
  const operation = deadline.operation;
  return enterNested(owner, DEADLINE, () => operation, false, deadline);
}

function armDeadline(frame: NestedFrame, deadline: Deadline<unknown>): void {
  frame.deadline = deadline;
  if (frame.run.over) return; // time has stopped for the orphans still going
  frame.timer = frame.run.timers.after(deadline.ms, () => {
    if (frame.outcome !== undefined) return; // the operation's body ended first: it won
    frame.cancelledWith = cancellation(`the deadline of Task#${frame.id} ${frame.name}`);
    cancelFrame(frame, frame.cancelledWith);
  });
}

/**
 * A deadline's frame has settled: its timer is disarmed. Once its expiry
 * cancelled the body, it answers as expired, and an error the operation
 * raised since is reported, not delivered; unless another cancellation
 * ended it (an outer deadline's, which wins).
 */
function deadlineSettled(owner: Frame, frame: NestedFrame): void {
  frame.timer?.cancel();
  const expiry = frame.cancelledWith;
  if (expiry === undefined || (frame.outcome === "halted" && frame.result !== expiry)) {
    return resume(owner, outcomeMode(frame), frame.result);
  }
  const { fail, ms } = frame.deadline!;
  if (frame.outcome === "failed") {
    reportUndelivered(fail ? "timeout" : "moveOnAfter", "its operation", frame.result);
  }
  resume(owner, fail ? THROW : NEXT, fail ? new TimeoutError(ms) : undefined);
}

function takeCancellation(frame: Frame): DOMException {
  const extras = frame.extras!;
  const error = extras.cancelPending!;
  extras.cancelPending = undefined;
  return error;
}

/** Cancel a task (`halt`, a deadlock, the run's signal), unless its body has already ended. */
function cancelTask(task: Frame): void {
  if (task.outcome !== undefined) return;
  if (task.run.tracer) task.run.trace(task, "cancel");
  const error = cancellation(`Task#${task.id} ${task.name}`);
  if (!task.started) {
    // Never started (a root whose run was aborted before it began): nothing ran.
    endBody(task, THROW, error);
    return;
  }
  task.flags |= HALTING;
  cancelFrame(task, error);
}

/** `yield* task.halt()` from inside the task: the cancellation is thrown at once. */
function cancelSelf(task: Frame): DOMException {
  if (task.run.tracer) task.run.trace(task, "cancel");
  task.flags |= HALTING;
  return cancellation(`Task#${task.id} ${task.name}`);
}

/**
 * Land a cancellation in the frame, or in the nested frame it awaits. A
 * frame that has not yet thrown an earlier cancellation takes no second one
 * (asyncio coalesces them the same way).
 */
function cancelFrame(frame: Frame, error: DOMException): void {
  if (frame.outcome !== undefined || frame.cancelPending !== undefined) return;
  const waiting = frame.waiting;
  if (waiting instanceof NestedFrame && !waiting.shield && waiting.outcome === undefined) {
    return cancelFrame(waiting, error);
  }
  const extras = extrasOf(frame);
  extras.cancelPending = error;
  extras.controller?.abort(error);
  extras.controller = undefined;
  // Running, or awaiting a shielded or ending frame: thrown at its next
  // suspension. Resumed by a timer or a queue but not yet running: thrown
  // where it waits, instead of what resumed it.
  if (waiting === undefined || waiting instanceof NestedFrame) return;
  undoWaiting(frame);
  resume(frame, THROW, error);
}

/** The body has ended: record how, then run the cleanups. */
function endBody(frame: Frame, how: number, value: unknown): Promise<void> | undefined {
  frame.iterator = undefined;
  if (how === THROW) recordFailure(frame, value);
  else {
    frame.outcome = "completed";
    frame.result = value;
  }
  return continueEnding(frame);
}

/**
 * Run the cleanups, newest first, up to one that answers an operation: it
 * runs in a nested frame, whose promise the driver awaits before calling
 * back here. Settles the frame once none is left.
 */
function continueEnding(frame: Frame): Promise<void> | undefined {
  const cleanups = frame.extras?.cleanups;
  while (cleanups && cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    let operation: Operation<void> | void;
    try {
      operation = cleanup();
    } catch (error) {
      recordFailure(frame, error);
      continue;
    }
    if (operation) return enterNested(frame, CLEANUP, () => operation, true);
  }
  settle(frame);
  return undefined;
}

/** The frame settles: its owner or its joiners resume; a root ends the run. */
function settle(frame: Frame): void {
  const run = frame.run;
  frame.flags |= SETTLED;
  run.blocked.delete(frame);
  if (frame instanceof NestedFrame) return nestedSettled(frame.owner, frame);
  run.running--;
  if (run.tracer) {
    const type = settledEvent(frame.outcome!);
    run.trace(frame, type, type === "throw" ? { error: frame.result } : undefined);
  }
  let joined = false;
  const joiners = frame.joiners;
  if (joiners) {
    frame.extras!.joiners = undefined;
    const mode = outcomeMode(frame);
    for (const waiter of joiners) {
      if (waiter.forHalt) run.wakeWith(waiter.frame, 0, NEXT, undefined);
      else {
        joined = true;
        run.wakeWith(waiter.frame, 0, mode, frame.result);
      }
    }
  }
  if (frame.parentId === undefined) run.finish(frame);
  else if (frame.outcome === "failed" && !joined) watchUnjoined(frame);
}

function nestedSettled(owner: Frame, nested: NestedFrame): void {
  if (nested.kind === CLEANUP) {
    if (nested.outcome !== "completed") recordFailure(owner, nested.result);
    resume(owner, NEXT, undefined);
  } else if (nested.kind === DEADLINE) {
    deadlineSettled(owner, nested);
  } else if (nested.outcome === "halted" && nested.result === nested.cancelledWith) {
    resume(owner, NEXT, undefined); // cancelled through its handle
  } else {
    resume(owner, outcomeMode(nested), nested.result);
  }
}

function outcomeMode(frame: Frame): number {
  return frame.outcome === "completed" ? NEXT : THROW;
}

// ---------------------------------------------------------------------------
// Timers: the sleeps and deadlines of a run are one heap behind one host
// timer (`core/timers.ts`, as under `generator` and `nursery`, and as in
// asyncio's own loop); a sleep's entry resumes the frame directly (`Run`'s
// `resume`), and a deadline's cancels its frame (`armDeadline`). On a
// virtual clock, the count of runnable drivers says exactly when nothing can
// run, and the clock fires or jumps then. (A macrotask turn, through a
// MessageChannel, was tried first: in Deno a message can arrive among the
// current microtasks, so the jump came at a different point from one run to
// the next, and virtual-time output was not reproducible.)
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Errors: a failure reaches only the task's joiners. A task that fails with
// nobody joining it is reported as an unhandled failure, on stderr and (as
// every failure is) to the tracer; a later joiner still receives the error.
// Cancellation is an `AbortError`; a task that ends by one is halted, not
// failed.
// ---------------------------------------------------------------------------

function cancellation(what: string): DOMException {
  return new DOMException(`${what} was cancelled`, "AbortError");
}

function recordFailure(frame: Frame, error: unknown): void {
  if (frame.outcome === "failed") {
    // The first failure wins, even over a cancellation; a later error (from
    // a cleanup, say) is reported, not dropped.
    if (error !== frame.result && !isAbortError(error)) {
      reportError(
        `native: Task#${frame.id} ${frame.name} had already failed with ${
          describeError(frame.result)
        }; this later error is not its outcome:`,
        error,
      );
    }
    return;
  }
  frame.outcome = isAbortError(error) ? "halted" : "failed";
  frame.result = error;
}

/**
 * A task failed with nobody joining it: report it unless it has been joined
 * once the current microtasks have run, so that a parent joining a child
 * right after spawning it (the child ran, and failed, before `spawn`
 * answered) counts as joining in time.
 */
function watchUnjoined(task: Frame): void {
  const unjoined = task.run.unjoined;
  unjoined.add(task);
  queueMicrotask(() => {
    if (unjoined.delete(task)) {
      console.error(
        `native: unhandled failure in Task#${task.id} ${task.name}: ${describeError(task.result)}`,
      );
    }
  });
}

// ---------------------------------------------------------------------------
// Run: the root task, the answers `dispatch` leaves, the end of the run, and
// the runtime object.
// ---------------------------------------------------------------------------

class Run extends RunBase {
  protected readonly runtimeName = "native";
  /** Its sleeps and deadlines. */
  readonly timers: Timers<Frame> = new Timers(this);
  /**
   * Frames that have waited on a join, a queue or `suspend()`, the waits no
   * timer or call ends: those a deadlock names. A frame leaves it when it
   * settles; one that has moved on since is skipped.
   */
  readonly blocked = new Set<Frame>();
  /** Drivers resumed whose turn has not ended yet. */
  runnable = 0;
  /** Tasks not yet settled, the root included. */
  running = 1;
  /** Frames starting inside one another's first step, right now. */
  nestedStarts = 0;
  /** Failed tasks nobody has joined yet. */
  readonly unjoined = new Set<Frame>();
  answerMode = NEXT;
  answerValue: unknown = undefined;
  #root: Frame | undefined = undefined;
  /** 0 none; 1 its waiting tasks cancelled; 2 the root cancelled too. */
  #deadlockPhase = 0;

  start(fn: OperationFn<unknown>): void {
    const root = new Frame(this, this.nextId++, taskName(fn, fn.name || "main"), undefined);
    this.#root = root;
    if (this.tracer) this.trace(root, "spawn");
    if (this.listenForAbort(() => cancelTask(root))) return cancelTask(root);
    startFrame(root, fn);
    this.noteQuiet();
  }

  /**
   * Called whenever a turn ends. When no driver is runnable, nothing can run
   * until a timer fires or a call settles: a virtual clock then fires what
   * is due, and jumps to its next deadline unless a call is in flight. (Host
   * timers wake the real clock's sleepers by themselves.) With no timer to
   * fire and no call in flight, nothing ever will run again: a deadlock. A
   * timer may fire and resume nothing (a deadline whose operation has ended).
   */
  noteQuiet(): void {
    while (this.runnable === 0 && !this.over) {
      if (this.clock.idle(this.inFlight === 0)) continue;
      if (this.inFlight === 0 && this.clock.kind === "virtual") this.#deadlocked();
      return;
    }
  }

  /**
   * Whatever still waits waits for ever. First every waiting task but the
   * root is cancelled, so that its cleanup runs (as asyncio's `run` cancels
   * the tasks left when its main ends; Ctrl-C cancels only the root); once
   * nothing can run again, the root is cancelled, as Ctrl-C would; the run
   * then rejects with the deadlock. Found once more (the halt is stuck too:
   * a cleanup that waits for ever), the run ends at once.
   */
  #deadlocked(): void {
    const root = this.#root!;
    const waits: { id: number; wait: DeadlockWait }[] = [];
    const tasks = new Set<Frame>();
    for (const frame of this.blocked) {
      // A frame that has moved on since it waited there is skipped.
      const waiting = frame.waiting;
      if (frame.settled || !(waiting instanceof Wait)) continue;
      waits.push({
        id: frame.task.id,
        wait: { task: deadlockName(frame.task), on: waiting.describe() },
      });
      if (frame.task !== root) tasks.add(frame.task);
    }
    const stuck = idleDeadlock(
      this.clock.now(),
      waits.sort((a, b) => a.id - b.id).map(({ wait }) => wait),
    );
    this.deadlock ??= stuck;
    const phase = this.#deadlockPhase++;
    if (phase === 0 && tasks.size > 0) {
      for (const task of tasks) cancelTask(task);
    } else if (phase <= 1) {
      this.#deadlockPhase = 2;
      cancelTask(root);
    } else {
      return this.abandon(stuck);
    }
    // A task whose body had ended (its cleanup waits) takes no new cancellation.
    this.noteQuiet();
  }

  /** Leave an answer for the step loop; always `true`, for `return run.answer(...)`. */
  answer(mode: number, value: unknown): true {
    this.answerMode = mode;
    this.answerValue = value;
    return true;
  }

  /** The answer's value, no longer kept alive here. */
  takeAnswerValue(): unknown {
    const value = this.answerValue;
    this.answerValue = undefined;
    return value;
  }

  frameOf(task: Task<unknown>): Frame {
    if (task instanceof Frame && task.run === this) return task;
    throw otherRun(task);
  }

  /** A sleep's end: the driver goes on (`Timers` asks no more of its run). */
  resume(frame: Frame): void {
    resumeDriver(frame);
  }
  wake(): void {}

  /** A wait's wake-up: the driver goes on with `mode` and `value`; the wait stays the frame's till then. */
  wakeWith(frame: Frame, _epoch: number, mode: number, value: unknown): void {
    setResumption(frame, mode, value);
    resumeDriver(frame);
  }

  /**
   * The root has settled, so the run is over, as a program is when its main
   * function returns. Orphans still asleep never wake: their timers are
   * disarmed here, and their `finally` blocks and cleanups never run. An
   * orphan inside a call goes on when the call settles, up to its next
   * sleep, which never ends. No host timer outlives the run, and a virtual
   * clock stops.
   */
  finish(root: Frame): void {
    // Abandoned, with whatever they were about to do or report: say so.
    this.reportOrphans(this.running);
    this.end(root.outcome!, root.result, root.toString(), root.result);
  }

  /** Disarm the sleepers' timers: no host timer outlives the run. */
  protected override release(): void {
    this.timers.stop();
    this.blocked.clear();
  }

  trace(frame: Frame, type: TraceEventType, extra?: TraceExtra): void {
    const task = frame.task;
    this.traceTask(task, task.parentId, type, extra);
  }
}

/**
 * The `native` runtime: Deno's promise loop driving the operations, with
 * asyncio's semantics: children are detached, and cancellation is an
 * `AbortError` that `catch` sees.
 *
 * @example
 * ```ts
 * import { log, sleep, spawn, virtualClock } from "@kit/concurrency";
 * import { native } from "./native.ts";
 *
 * const lines: string[] = [];
 * await native.run(function* () {
 *   yield* spawn(function* parent() {
 *     yield* spawn(function* child() {
 *       yield* sleep(1000);
 *       yield* log("the child outlived its parent");
 *     });
 *   });
 *   yield* sleep(2000);
 * }, { clock: virtualClock(), output: (line) => lines.push(line) });
 * if (lines.length !== 1) throw new Error("the child should have kept running");
 * ```
 */
export const native: Runtime = {
  name: "native",
  description:
    "Deno's promise loop driving the operations: detached children, cancellation as an AbortError that catch sees",
  run<T>(fn: OperationFn<T>, options: RunOptions = {}): Promise<T> {
    const run = new Run(options);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
