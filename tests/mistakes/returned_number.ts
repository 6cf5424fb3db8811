// A lab that returns a number: an answer, printed, never the exit status.
import { sleep } from "../../mod.ts";

export default function* () {
  yield* sleep(10);
  return 42;
}
