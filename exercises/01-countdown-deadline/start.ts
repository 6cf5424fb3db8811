// Exercise 1: the countdown, cut short at 2.5 s. See README.md; check with
//   deno task exercise check 1 exercises/01-countdown-deadline/mine.ts
import { log, now, type Operation, sleep, spawn } from "../../mod.ts";
import { countdownLine, countdowns } from "../../labs/countdown.ts";

function* countdown(label: string, delayMs: number, start: number): Operation<void> {
  for (let n = 3; n > 0; n--) {
    yield* sleep(delayMs);
    yield* log(countdownLine((yield* now()) - start, label, n));
  }
}

export default function* main(): Operation<void> {
  const start = yield* now();
  const tasks = [];
  for (const [label, delayMs] of countdowns) {
    tasks.push(
      yield* spawn(() => countdown(label, delayMs, start), { name: `countdown ${label}` }),
    );
  }
  for (const task of tasks) yield* task;
}
