/**
 * A task record whose state and outcome are packed into one small integer:
 * a field each would cost 8 bytes per task, and tasks are many. The frames
 * of the promise loop (`core/driver.ts`) and of the kit's own schedulers
 * (`core/frame.ts`, which numbers the bits between these for its own use)
 * are such records, so a state name means the same in both: *pending* (not
 * started), *running*, *halting* (cancelled after it started), then settled
 * with an outcome.
 *
 * @module
 */

import { TaskBase } from "../instructions.ts";
import type { TaskState, TraceEventType } from "../types.ts";
import { NEXT, THROW } from "../waits.ts";

/** Its body has begun. */
export const STARTED = 4;
/** A task cancelled after it started: its state reads "halting". */
export const HALTING = 16;
/** It has settled: its outcome is final. */
export const SETTLED = 64;
/** Bits a runtime may use for booleans of its own (`hasFlag`, `setFlag`). */
export const MODEL_BIT_A = 1024;
export const MODEL_BIT_B = 2048;
/** Above every bit a task record uses: two bits, 0 none, then the index in `outcomes`. */
const OUTCOME_SHIFT = 15;
const outcomes = [undefined, "completed", "failed", "halted"] as const;

/** How a task ended. */
export type Outcome = "completed" | "failed" | "halted";

/** A task's state and outcome in `flags`, its value or error in `result`. */
export abstract class PackedTask extends TaskBase<unknown> {
  flags = 0;
  /** The body's value, or the error it failed or was halted with. */
  result: unknown = undefined;

  hasFlag(bit: number): boolean {
    return (this.flags & bit) !== 0;
  }
  setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }
  get started(): boolean {
    return (this.flags & STARTED) !== 0;
  }
  get settled(): boolean {
    return (this.flags & SETTLED) !== 0;
  }
  /** Set when the body ends; final once the task has settled. */
  get outcome(): Outcome | undefined {
    return outcomes[this.flags >> OUTCOME_SHIFT];
  }
  set outcome(outcome: Outcome) {
    this.flags = (this.flags & ((1 << OUTCOME_SHIFT) - 1)) |
      (outcomes.indexOf(outcome) << OUTCOME_SHIFT);
  }
  get state(): TaskState {
    if (this.settled) return this.outcome!;
    return !this.started ? "pending" : (this.flags & HALTING) !== 0 ? "halting" : "running";
  }
}

/** The trace event of a task settling with `outcome`. */
export function settledEvent(outcome: Outcome): TraceEventType {
  return outcome === "completed" ? "return" : outcome === "failed" ? "throw" : "halt";
}

/** How a joiner or an owner of the task resumes: with its value, or with its error. */
export function outcomeMode(task: PackedTask): number {
  return task.outcome === "completed" ? NEXT : THROW;
}
