// Exercise 7: at most three downloads at a time. See README.md; check with
//   deno task exercise check 7 exercises/07-bounded-downloads/mine.ts
import { log, type Operation, spawn } from "../../mod.ts";
import { codes, download } from "./given.ts";

export default function* main(): Operation<void> {
  const tasks = [];
  for (const code of codes) tasks.push(yield* spawn(() => download(code), { name: code }));
  for (const task of tasks) yield* task;
  yield* log(`all ${codes.length} done`);
}
