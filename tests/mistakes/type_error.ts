// A type error the kit's lint rules do not know: the type checker's own message.
import { log } from "../../mod.ts";

export default function* () {
  yield* log(42);
}
