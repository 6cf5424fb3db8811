// The spinner of exercises 4 and 5, and exercise 4's slow job: do not edit.
import { log, type Operation, sleep } from "../../mod.ts";

/** How often the spinner draws a frame, in ms. */
export const frameMs = 400;

/** Draw a frame every 400 ms until cancelled; its cleanup says `spinner stopped`. */
export function* spin(): Operation<never> {
  const frames = "|/-\\";
  try {
    for (let frame = 0;; frame++) {
      yield* log(`spinner ${frames[frame % frames.length]}`);
      yield* sleep(frameMs);
    }
  } finally {
    yield* log("spinner stopped");
  }
}

/** Three seconds of waiting on something slow; answers 42. */
export function* slowJob(): Operation<number> {
  yield* sleep(3000);
  yield* log("job done");
  return 42;
}
