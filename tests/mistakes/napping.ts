// A module of the learner's own, imported by a lab: its bare yield is the mistake.
import { sleep } from "../../mod.ts";

export function* nap(ms: number) {
  yield* sleep(ms);
  yield sleep(ms);
}
