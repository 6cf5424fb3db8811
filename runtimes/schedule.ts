/**
 * The order in which the kit's own schedulers (`generator`, `nursery`) run
 * tasks woken together: first in, first out (the default, so that a run's
 * output is the same every time), or shuffled from a seed, as trio does on
 * purpose so that no program comes to rely on one order. A shuffled run is
 * reproducible: the same seed gives the same order, so a run that broke can
 * be replayed exactly.
 *
 * A batch is what is ready to run when the scheduler turns to its queue:
 * the tasks whose timers fell due at the same instant, the children spawned
 * before their parent's next wait, the waiters a settled task releases.
 * Tasks woken while a batch runs wait for the next one, so under `fifo` the
 * order is the plain first-in, first-out order of the queue.
 *
 * @module
 */

import type { Schedule } from "./types.ts";

/** The schedule of a run that names none. */
export const fifo: Schedule = Object.freeze({ order: "fifo" });

/** The largest seed: seeds are unsigned 32-bit integers. */
export const largestSeed = 2 ** 32 - 1;

/**
 * A seeded source of numbers in [0, 1): the "mulberry32" generator, a
 * 32-bit state advanced by a fixed odd step and scrambled by multiply and
 * xor-shift rounds. Far from cryptographic, and not meant to be: it is
 * small, fast, and gives the same sequence for the same seed everywhere.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seed for a shuffled run that names none, from the system's random source. */
export function pickSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * Put the first `count` entries of `order` (indexes into a batch) in a
 * random order drawn from `random`: a Fisher-Yates shuffle, every order
 * equally likely.
 */
export function shuffleIndexes(order: number[], count: number, random: () => number): void {
  for (let index = 0; index < count; index++) order[index] = index;
  for (let last = count - 1; last > 0; last--) {
    const other = Math.floor(random() * (last + 1));
    const kept = order[last];
    order[last] = order[other];
    order[other] = kept;
  }
}

/** A schedule as the command line spells it: `fifo`, `shuffle:42`. */
export function scheduleText(schedule: Schedule): string {
  return schedule.order === "fifo" ? "fifo" : `shuffle:${schedule.seed}`;
}
