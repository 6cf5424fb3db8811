// A verb used without being called.
import { log, sleep } from "../../mod.ts";

export default function* () {
  yield* sleep;
  yield* log("woke");
}
