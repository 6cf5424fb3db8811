/**
 * The errors that the kit's verbs and runtimes raise, each with a message
 * that says what happened and, where it helps, what to do.
 *
 * @module
 */

/** A `timeout(ms, op)` whose deadline passed before `op` finished. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Thrown by joining a task that was halted before it could finish. */
export class HaltedError extends Error {
  override name = "HaltedError";
  constructor(task: string) {
    super(`${task} was halted before it finished`);
  }
}

/** Thrown by `get()` on a queue that is closed and empty, and by `put` after `close`. */
export class QueueClosedError extends Error {
  override name = "QueueClosedError";
  constructor() {
    super("the queue is closed");
  }
}
