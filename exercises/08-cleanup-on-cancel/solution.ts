// Exercise 8, a solution: ensure() registers the close as soon as the
// connection is open; it runs however the session ends, halted included,
// and halt() waits for it, flush and all.
import { ensure, log, type Operation, sleep, spawn } from "../../mod.ts";
import { heartbeat, openConnection } from "./given.ts";

function* session(): Operation<void> {
  const db = yield* openConnection("db");
  yield* ensure(() => db.close());
  yield* heartbeat(db);
}

export default function* main(): Operation<void> {
  const task = yield* spawn(session, { name: "session" });
  yield* sleep(2500);
  yield* task.halt();
  yield* log("session over");
}
