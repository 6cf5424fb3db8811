// Exercise 4, a solution: keep the spinner's task, and halt it when the job
// is done; halt() waits for its cleanup.
import { log, type Operation, spawn } from "../../mod.ts";
import { slowJob, spin } from "./given.ts";

export default function* main(): Operation<void> {
  const spinner = yield* spawn(spin, { name: "spinner" });
  const answer = yield* slowJob();
  yield* spinner.halt();
  yield* log(`answer: ${answer}`);
}
