// A forgotten yield* on spawn: the task is never started.
import { log, sleep, spawn } from "../../mod.ts";

function* worker() {
  yield* sleep(100);
  yield* log("worker done");
}

export default function* () {
  const task = spawn(worker);
  yield* sleep(1000);
  yield* log("main done");
}
