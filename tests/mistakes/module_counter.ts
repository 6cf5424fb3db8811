// A count kept at the module's level, as a learner keeps one: each runtime's
// run under --runtime all must start it anew.
import { log, sleep } from "../../mod.ts";

let counter = 0;

export default function* () {
  for (let i = 0; i < 3; i++) {
    yield* sleep(1);
    counter++;
  }
  yield* log(`counter = ${counter}`);
}
