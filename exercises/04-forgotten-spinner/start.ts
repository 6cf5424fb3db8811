// Exercise 4: the forgotten spinner. See README.md; check with
//   deno task exercise check 4 exercises/04-forgotten-spinner/mine.ts
import { log, type Operation, spawn } from "../../mod.ts";
import { slowJob, spin } from "./given.ts";

export default function* main(): Operation<void> {
  yield* spawn(spin, { name: "spinner" });
  const answer = yield* slowJob();
  yield* log(`answer: ${answer}`);
}
