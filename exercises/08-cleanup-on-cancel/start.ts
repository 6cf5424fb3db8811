// Exercise 8: cleanup that runs under cancellation. See README.md; check with
//   deno task exercise check 8 exercises/08-cleanup-on-cancel/mine.ts
import { log, type Operation, sleep, spawn } from "../../mod.ts";
import { heartbeat, openConnection } from "./given.ts";

function* session(): Operation<void> {
  const db = yield* openConnection("db");
  yield* heartbeat(db);
}

export default function* main(): Operation<void> {
  const task = yield* spawn(session, { name: "session" });
  yield* sleep(2500);
  yield* task.halt();
  yield* log("session over");
}
