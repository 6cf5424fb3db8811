// Exercise 5: a spinner beside a CPU-bound job. See README.md; check with
//   deno task exercise check 5 exercises/05-busy-spinner/mine.ts
import { log, type Operation, spawn } from "../../mod.ts";
import { crunch, spin } from "./given.ts";

export default function* main(): Operation<void> {
  const spinner = yield* spawn(spin, { name: "spinner" });
  yield* crunch(3000);
  yield* spinner.halt();
  yield* log("job done");
}
