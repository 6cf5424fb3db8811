// An await inside a function*, where an async function would have it.
import { log } from "../../mod.ts";

export default function* () {
  const answer = await Promise.resolve(42);
  yield* log(`answer: ${answer}`);
}
