// A bare yield of an operation, where yield* was meant.
import { log, sleep } from "../../mod.ts";

export default function* () {
  yield sleep(1000);
  yield* log("woke");
}
