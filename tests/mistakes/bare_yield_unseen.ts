// A bare yield of an operation held in a variable: refused when it runs, out of the lint plugin's sight.
import { sleep } from "../../mod.ts";

export default function* () {
  const nap = sleep(5);
  yield nap;
}
