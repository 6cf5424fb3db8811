/**
 * A lock served first come, first served, made of one queue and one token:
 * whoever holds the token holds the lock. Releasing puts the token back,
 * and the queue hands it straight to the oldest waiting `get`, so no task
 * can overtake one that asked earlier.
 *
 * @module
 */

import { createQueue } from "../runtimes/queue.ts";
import type { Operation } from "../runtimes/types.ts";

/** One resource that one task at a time may hold. */
export interface Lock {
  /** Wait for the lock, behind everyone who asked earlier; a cancellation point. */
  acquire(): Operation<void>;
  /** Give the lock to the oldest waiter, or leave it free. Only its holder may call this. */
  release(): void;
}

/** Make a free lock. */
export function createLock(): Lock {
  const token = createQueue<true>();
  token.put(true);
  let held = false;
  return {
    *acquire() {
      yield* token.get();
      held = true;
    },
    release() {
      if (!held) throw new Error("release() of a lock that nobody holds");
      held = false;
      token.put(true);
    },
  };
}
