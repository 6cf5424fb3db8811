/**
 * The built-in labs, by name.
 *
 * @module
 */

import { chessLab } from "./chess.ts";
import { corosLab } from "./coros.ts";
import { countdownLab } from "./countdown.ts";
import { echoLab } from "./echo.ts";
import { flagsLab } from "./flags.ts";
import type { Lab } from "./lab.ts";
import { latencyLab } from "./latency.ts";
import { poolLab } from "./pool.ts";
import { spinnerLab } from "./spinner.ts";

/** Every built-in lab, keyed by the name `deno task lab <name>` takes. */
// deno-lint-ignore no-explicit-any
export const labs: Readonly<Record<string, Lab<any>>> = Object.freeze({
  countdown: countdownLab,
  spinner: spinnerLab,
  coros: corosLab,
  chess: chessLab,
  pool: poolLab,
  echo: echoLab,
  flags: flagsLab,
  latency: latencyLab,
});
