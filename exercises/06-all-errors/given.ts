// Exercise 6's parts; start.ts and your solution share them: do not edit.
import { type Operation, sleep } from "../../mod.ts";

/** The parts to fetch: name, time taken in ms, and the failure, if it fails. */
export const parts: readonly (readonly [name: string, ms: number, failure?: string])[] = [
  ["a", 100],
  ["b", 200, "server said 500"],
  ["c", 300, "connection reset"],
];

/** Fetch one part: answers `<name>: ok`, or throws an Error with its failure as the message. */
export function* fetchPart(name: string, ms: number, failure?: string): Operation<string> {
  yield* sleep(ms);
  if (failure !== undefined) throw new Error(failure);
  return `${name}: ok`;
}
