// A child that fails with nobody joining it: the run goes on under effect.
import { log, sleep, spawn } from "../../mod.ts";

export default function* main() {
  yield* spawn(function* bad() {
    yield* sleep(10); throw new Error("boom");
  });
  yield* sleep(50);
  yield* log("parent done");
}
