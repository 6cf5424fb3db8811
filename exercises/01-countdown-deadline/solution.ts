// Exercise 1, a solution: the countdowns run inside timeout(), which cancels
// all of them at the deadline; the TimeoutError is caught and said.
import { all, log, now, type Operation, sleep, timeout, TimeoutError } from "../../mod.ts";
import { countdownLine, countdowns } from "../../labs/countdown.ts";

function* countdown(label: string, delayMs: number, start: number): Operation<void> {
  for (let n = 3; n > 0; n--) {
    yield* sleep(delayMs);
    yield* log(countdownLine((yield* now()) - start, label, n));
  }
}

export default function* main(): Operation<void> {
  const start = yield* now();
  try {
    yield* timeout(
      2500,
      all(countdowns.map(([label, delayMs]) => countdown(label, delayMs, start))),
    );
  } catch (error) {
    // Anything but the deadline is not ours to handle.
    if (!(error instanceof TimeoutError)) throw error;
    const elapsed = (yield* now()) - start;
    yield* log(`cut short at ${(elapsed / 1000).toFixed(3)}s`);
  }
}
