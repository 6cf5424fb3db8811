// A duration given as a string.
import { log, sleep } from "../../mod.ts";

export default function* () {
  yield* sleep("100");
  yield* log("woke");
}
