// Exercise 5's CPU-bound work: do not edit. The spinner is exercise 4's.
import { block, log, type Operation } from "../../mod.ts";
export { frameMs, spin } from "../04-forgotten-spinner/given.ts";

/** Work the CPU for `ms` without giving any other task a turn, then say how long. */
export function* crunch(ms: number): Operation<void> {
  yield* block(ms);
  yield* log(`crunched ${ms} ms`);
}
