// Exercise 3's mirrors; start.ts and your solution share them: do not edit.
import { log, type Operation, sleep } from "../../mod.ts";

/** The two mirrors and how long each takes, in ms. */
export const mirrors: readonly (readonly [name: string, ms: number])[] = [
  ["slow mirror", 800],
  ["fast mirror", 300],
];

/** Download the file from `mirror`; says so when it is cancelled before it finishes. */
export function* download(mirror: string, ms: number): Operation<string> {
  yield* log(`${mirror}: started`);
  let finished = false;
  try {
    yield* sleep(ms);
    finished = true;
    yield* log(`${mirror}: done`);
    return mirror;
  } finally {
    if (!finished) yield* log(`${mirror}: cancelled`);
  }
}
