// trio's nursery.start_soon(worker, 3): the worker's argument after it.
import { log, sleep, spawn } from "../../mod.ts";

function* worker(n: number) {
  yield* sleep(n * 10);
  yield* log(`worker ${n} done`);
}

export default function* () {
  yield* spawn(worker, 3);
  yield* sleep(100);
}
