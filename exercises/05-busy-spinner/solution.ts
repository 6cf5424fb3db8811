// Exercise 5, a solution: the job in slices of 100 ms, with a turn for the
// other tasks (sleep(0)) after each.
import { log, type Operation, sleep, spawn } from "../../mod.ts";
import { crunch, spin } from "./given.ts";

export default function* main(): Operation<void> {
  const spinner = yield* spawn(spin, { name: "spinner" });
  for (let done = 0; done < 3000; done += 100) {
    yield* crunch(100);
    yield* sleep(0);
  }
  yield* spinner.halt();
  yield* log("job done");
}
