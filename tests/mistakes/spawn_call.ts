// asyncio's create_task(coro) habit: spawn given the operation, not the function.
import { log, sleep, spawn } from "../../mod.ts";

function* worker() {
  yield* sleep(100);
  yield* log("worker done");
}

export default function* () {
  const task = yield* spawn(worker());
  yield* task;
}
