// The lab's function called where it was meant to be exported: the
// operation it makes, not the function the lab runner calls.
import { log, sleep } from "../../mod.ts";

function* main() {
  yield* sleep(10);
  yield* log("done");
}

export default main();
