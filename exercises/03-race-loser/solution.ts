// Exercise 3, a solution: race() answers the first to finish and cancels
// the others, whose cleanup has run before it answers.
import { log, type Operation, race } from "../../mod.ts";
import { download, mirrors } from "./given.ts";

export default function* main(): Operation<void> {
  const winner = yield* race(mirrors.map(([mirror, ms]) => download(mirror, ms)));
  yield* log(`got it from ${winner}`);
}
