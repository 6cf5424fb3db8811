/**
 * The `native` runtime: Deno's own promise loop driving the generators.
 *
 * - Each task has an `async` driver loop over its generator, and every
 *   suspension is an awaited Promise: tasks interleave in promise microtask
 *   order, with no scheduler of the runtime's own.
 * - Cancellation aborts the task's `AbortSignal` and throws an `AbortError`
 *   into the generator where it waits: `catch` sees it, once (edge-triggered,
 *   as in asyncio), and cleanup after it runs normally.
 * - No structured lifetimes: a child outlives the body that spawned it, and
 *   its error reaches only whoever joins it; a failure nobody joined is
 *   reported as unhandled, and the run goes on. The run ends when its root
 *   does, as a program ends when its main returns: a child still running is
 *   left where it is (an orphan), its cleanup never run.
 *
 * This file is the model and nothing else, in the sections of `generator.ts`
 * and `nursery.ts` (instructions, scopes, errors), so that any two diff side
 * by side, and a last one that makes the runtime. The promise loop that
 * drives the frames, the frame record and the end of a frame's life are
 * `core/driver.ts`'s, which calls the hooks listed at the end of this file;
 * the run's promise, signal and tracing are `core/run.ts`'s, the waits
 * `waits.ts`'s. The timers are no part of the model: one heap per run
 * behind one host timer (`core/timers.ts`), as under `generator` and
 * `nursery`, and as in asyncio's own loop.
 *
 * @module
 */

import { checkSpawnOptions } from "./verbs.ts";
import { combinatorBody, reportUndelivered } from "./combinators.ts";
import {
  type Dispatched,
  type DriverModel,
  DriverRun,
  endBody,
  enterNested,
  extrasOf,
  type Frame,
  markHalting,
  NestedFrame,
  resume,
  spawnTask,
  suspendOn,
  undoWaiting,
  waitOn,
} from "./core/driver.ts";
import { DEADLINE, SCOPE } from "./core/frame.ts";
import { MODEL_BIT_A, MODEL_BIT_B, outcomeMode } from "./core/packed.ts";
import { describeError, isAbortError, joinDeadlock, reportError, TimeoutError } from "./errors.ts";
import { type AnyInstruction, type Deadline, taskName } from "./instructions.ts";
import { fifoOf } from "./queue.ts";
import { callFrom, JoinWaiter, NEXT, SUSPENDED, takeFrom, THROW } from "./waits.ts";
import type {
  Operation,
  OperationFn,
  RunOptions,
  Runtime,
  ScopeHandle,
  SpawnOptions,
  Task,
} from "./types.ts";

/** A task failed with nobody joining it: reported unless joined before the current microtasks end. */
const UNJOINED = MODEL_BIT_A;
/** The root, cancelled because the run deadlocked: found deadlocked once more, the run ends. */
const HALTED_AT_DEADLOCK = MODEL_BIT_B;

// ---------------------------------------------------------------------------
// Instructions: what each runtime-neutral instruction means here. `dispatch`
// answers at once (`run.answer`) or leaves the frame waiting and returns the
// promise its driver awaits (`core/driver.ts`).
// ---------------------------------------------------------------------------

function dispatch(frame: Frame, instruction: AnyInstruction): Dispatched {
  const run = frame.run;
  switch (instruction.kind) {
    case "sleep": // once the run is over, time has stopped for the orphans still going
      return waitOn(frame, run.over ? SUSPENDED : run.timers.sleep(frame, 0, instruction.ms));
    case "spawn": // detached: its parent neither waits for it nor halts it
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

function join(frame: Frame, target: Frame, forHalt: boolean): Dispatched {
  const run = frame.run;
  if (target.settled) {
    if (forHalt) return run.answer(NEXT, undefined);
    if (target.outcome === "failed") target.setFlag(UNJOINED, false);
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

// ---------------------------------------------------------------------------
// Scopes: the scope handle, deadlines, and cancellation. A body that ends
// leaves its children running (its `ensure` cleanups run, newest first, and
// it settles: `core/driver.ts`). A cancellation lands in the innermost frame
// that is not shielded, and is thrown there once.
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
    cancelNested(frame, "a scope");
  }
}

/** `timeout` and `moveOnAfter`: the operation in a frame of its own, which its expiry cancels. */
function enterDeadline(owner: Frame, deadline: Deadline<unknown>): Promise<void> {
  const operation = deadline.operation;
  return enterNested(owner, DEADLINE, () => operation, false, deadline);
}

/** A deadline's time has come while its operation runs: cancel it. */
function expired(frame: NestedFrame): void {
  cancelNested(frame, "the deadline");
}

/**
 * A deadline's frame has settled. Once its expiry cancelled the body, it
 * answers as expired, and an error the operation raised since is reported,
 * not delivered; unless another cancellation ended it (an outer
 * deadline's, which wins), or one of its owner came meanwhile (thrown
 * instead).
 */
function deadlineSettled(owner: Frame, frame: NestedFrame): void {
  const expiry = frame.cancelledWith;
  if (expiry === undefined || (frame.outcome === "halted" && frame.result !== expiry)) {
    return resume(owner, outcomeMode(frame), frame.result);
  }
  const { fail, ms } = frame.deadline!;
  if (frame.outcome === "failed") {
    reportUndelivered(fail ? "timeout" : "moveOnAfter", "its operation", frame.result);
  }
  if (owner.cancelPending !== undefined) return resume(owner, THROW, owner.cancelPending);
  resume(owner, fail ? THROW : NEXT, fail ? new TimeoutError(ms) : undefined);
}

/** Cancel a task (`halt`, a deadlock, the run's signal), unless its body has already ended. */
function cancelTask(task: Frame): void {
  if (task.outcome !== undefined) return;
  const error = cancellation(`Task#${task.id} ${task.name}`);
  if (!task.started) {
    // Never started (a root whose run was aborted before it began): nothing ran.
    if (task.run.tracer) task.run.trace(task, "cancel");
    endBody(task, THROW, error);
    return;
  }
  markHalting(task);
  cancelFrame(task, error);
}

/** `yield* task.halt()` from inside the task: the cancellation is thrown at once. */
function cancelSelf(task: Frame): DOMException {
  markHalting(task);
  return cancellation(`Task#${task.id} ${task.name}`);
}

/** Cancel a scope through its handle, or a deadline's operation at its expiry. */
function cancelNested(frame: NestedFrame, what: string): void {
  const error = cancellation(`${what} of Task#${frame.id} ${frame.name}`);
  frame.cancelledWith = error;
  cancelFrame(frame, error);
}

/**
 * Land a cancellation in the frame, or in the innermost frame it awaits
 * that is neither shielded nor ending. One that meets an earlier
 * cancellation not yet thrown is coalesced with it, as asyncio coalesces
 * them; unless a scope on the way takes that one as its own (its handle's,
 * its deadline's): this one then waits in the scope's owner, and wins over
 * the scope's answer (as asyncio's `timeout` lets a `CancelledError`
 * through when another cancel request is pending: CPython 3.11,
 * `asyncio/timeouts.py`, `Timeout.__aexit__`).
 */
function cancelFrame(frame: Frame, error: DOMException): void {
  if (frame.outcome !== undefined) return;
  let at = frame;
  for (;;) {
    const pending = at.cancelPending;
    if (pending !== undefined) {
      const scope = scopeTaking(at, frame, pending);
      if (scope !== undefined) landCancellation(scope.owner, error);
      return;
    }
    const waiting = at.waiting;
    if (!(waiting instanceof NestedFrame) || waiting.shield || waiting.outcome !== undefined) break;
    at = waiting;
  }
  landCancellation(at, error);
}

/** The scope from `at` up to `top` (not included) whose own cancellation `pending` is. */
function scopeTaking(at: Frame, top: Frame, pending: unknown): NestedFrame | undefined {
  for (let scope = at; scope !== top && scope instanceof NestedFrame; scope = scope.owner) {
    if (scope.cancelledWith === pending) return scope;
  }
  return undefined;
}

function landCancellation(frame: Frame, error: DOMException): void {
  const extras = extrasOf(frame);
  extras.cancelPending = error;
  extras.controller?.abort(error);
  extras.controller = undefined;
  // Running, or awaiting a nested frame: thrown at its next suspension, or
  // as the nested frame ends. Resumed by a timer or a queue but not yet
  // running: thrown where it waits, instead of what resumed it.
  const waiting = frame.waiting;
  if (waiting === undefined || waiting instanceof NestedFrame) return;
  if (waiting instanceof JoinWaiter && !waiting.forHalt && waiting.target.outcome === "failed") {
    // Woken with the error of the task it joined, which it now never takes:
    // unhandled (asyncio reports it as never retrieved).
    if (waiting.target.settled) watchUnjoined(waiting.target);
  }
  undoWaiting(frame);
  resume(frame, THROW, error);
}

/** A nested scope, combinator or deadline has settled: its owner goes on. */
function nestedSettled(owner: Frame, nested: NestedFrame): void {
  if (nested.kind === DEADLINE) {
    deadlineSettled(owner, nested);
  } else if (nested.outcome === "halted" && nested.result === nested.cancelledWith) {
    // Cancelled through its handle; a cancellation of its owner since wins.
    if (owner.cancelPending !== undefined) resume(owner, THROW, owner.cancelPending);
    else resume(owner, NEXT, undefined);
  } else {
    resume(owner, outcomeMode(nested), nested.result);
  }
}

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

/** The body or a cleanup threw: the frame fails, or is halted by a cancellation. */
function threw(frame: Frame, error: unknown): void {
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
  task.setFlag(UNJOINED, true);
  queueMicrotask(() => {
    if (task.hasFlag(UNJOINED)) {
      task.setFlag(UNJOINED, false);
      console.error(
        `native: unhandled failure in Task#${task.id} ${task.name}: ${describeError(task.result)}`,
      );
    }
  });
}

/**
 * Whatever still waits waits for ever. First every waiting task but the
 * root is cancelled, so that its cleanup runs (as asyncio's `run` cancels
 * the tasks left when its main ends; Ctrl-C cancels only the root); once
 * nothing can run again, the root is cancelled, as Ctrl-C would; the run
 * then rejects with the deadlock. Found once more (the halt is stuck too:
 * a cleanup that waits for ever), nothing is left to cancel.
 */
function deadlocked(root: Frame, waiting: Set<Frame>, first: boolean): boolean {
  if (first && waiting.size > 0) {
    for (const task of waiting) cancelTask(task);
  } else if (!root.hasFlag(HALTED_AT_DEADLOCK)) {
    root.setFlag(HALTED_AT_DEADLOCK, true);
    cancelTask(root); // unless its body has ended: its cleanup waits
  } else {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Run: the hooks above as the promise loop's model, and the runtime. The run
// itself is the driver's (`core/driver.ts`): the root, the count of runnable
// drivers, and the end of the run, which leaves the orphans where they are.
// ---------------------------------------------------------------------------

/** The model, as the promise loop asks for it. */
const model: DriverModel = {
  name: "native",
  dispatch,
  cancel: cancelTask,
  threw,
  expired,
  nestedSettled,
  failedUnjoined: watchUnjoined,
  deadlocked,
};

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
    const run = new DriverRun(options, model);
    run.start(fn);
    return run.promise as Promise<T>;
  },
};
