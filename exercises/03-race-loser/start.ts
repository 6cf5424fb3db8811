// Exercise 3: the first mirror wins, and the loser is cleaned up. See README.md; check with
//   deno task exercise check 3 exercises/03-race-loser/mine.ts
import { createQueue, log, type Operation, spawn } from "../../mod.ts";
import { download, mirrors } from "./given.ts";

export default function* main(): Operation<void> {
  const finished = createQueue<string>();
  for (const [mirror, ms] of mirrors) {
    yield* spawn(function* () {
      finished.put(yield* download(mirror, ms));
    }, { name: mirror });
  }
  const winner = yield* finished.get();
  yield* log(`got it from ${winner}`);
}
