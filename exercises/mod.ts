/**
 * The exercises, by number. Each lives in a folder of its own under
 * `exercises/`: the statement (`README.md`), a starting file (`start.ts`),
 * a reference solution (`solution.ts`), sometimes code both share
 * (`given.ts`), and the checks (`check.ts`).
 *
 * @module
 */

import type { Exercise } from "./check.ts";
import { exercise as countdownDeadline } from "./01-countdown-deadline/check.ts";

/** Every exercise, in order. */
export const exercises: readonly Exercise[] = [
  countdownDeadline,
];
