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
import { exercise as slowFallback } from "./02-slow-fallback/check.ts";
import { exercise as raceLoser } from "./03-race-loser/check.ts";
import { exercise as forgottenSpinner } from "./04-forgotten-spinner/check.ts";
import { exercise as busySpinner } from "./05-busy-spinner/check.ts";
import { exercise as allErrors } from "./06-all-errors/check.ts";
import { exercise as boundedDownloads } from "./07-bounded-downloads/check.ts";
import { exercise as cleanupOnCancel } from "./08-cleanup-on-cancel/check.ts";
import { exercise as orderDependent } from "./09-order-dependent/check.ts";

/** Every exercise, in order. */
export const exercises: readonly Exercise[] = [
  countdownDeadline,
  slowFallback,
  raceLoser,
  forgottenSpinner,
  busySpinner,
  allErrors,
  boundedDownloads,
  cleanupOnCancel,
  orderDependent,
];
