/**
 * A kit for comparing concurrency models in TypeScript: the same labs run
 * under several runtimes, so that what changes between models (interleaving,
 * cancellation, error propagation, cleanup, speed) can be seen side by side.
 *
 * A lab is an operation: a `function*` that uses `yield*` wherever an async
 * function would use `await`, written with the verbs exported here. Beside
 * them: an unbounded queue and a bounded channel (`createQueue`,
 * `createChannel`, read to the end with `each`), a lock, a semaphore, an
 * event, and `resource`, a value released when its scope ends; all written
 * once over the verbs, so they work under every runtime.
 *
 * @example Run one operation under one runtime, in virtual time
 * ```ts
 * import { log, now, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * await runtimes.generator.run(function* main() {
 *   yield* spawn(function* worker() {
 *     yield* sleep(300);
 *     yield* log(`worker done at ${yield* now()} ms`);
 *   });
 *   yield* sleep(1000);
 * }, { clock: virtualClock() });
 * ```
 *
 * @module
 */

export type {
  Clock,
  ClockTimer,
  Operation,
  OperationFn,
  OperationResult,
  Queue,
  RunOptions,
  Runtime,
  Schedule,
  ScopeHandle,
  ScopeOptions,
  SpawnOptions,
  Task,
  TaskState,
  TraceEvent,
  TraceEventType,
  Tracer,
} from "./runtimes/types.ts";
export {
  all,
  block,
  call,
  ensure,
  log,
  moveOnAfter,
  now,
  race,
  scope,
  sleep,
  spawn,
  suspend,
  timeout,
} from "./runtimes/verbs.ts";
export { createQueue } from "./runtimes/queue.ts";
export {
  type Channel,
  ChannelClosedError,
  type ChannelOptions,
  createChannel,
  type Each,
  each,
} from "./runtimes/channel.ts";
export {
  createEvent,
  createLock,
  createSemaphore,
  type Event,
  type Lock,
  resource,
  type Semaphore,
} from "./runtimes/sync.ts";
export {
  Cancelled,
  DeadlockError,
  type DeadlockWait,
  HaltedError,
  QueueClosedError,
  TimeoutError,
} from "./runtimes/errors.ts";
export { realClock, virtualClock } from "./runtimes/clock.ts";
export { runtimes } from "./runtimes/registry.ts";
export { formatTraceEvent, textTracer } from "./runtimes/trace_text.ts";
