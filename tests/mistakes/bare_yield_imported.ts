// A bare yield in a module the lab imports: the error must name that module's line.
import { log } from "../../mod.ts";
import { nap } from "./napping.ts";

export default function* () {
  yield* nap(10);
  yield* log("woke");
}
