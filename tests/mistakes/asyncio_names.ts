// asyncio's names where the kit's verbs were meant.
import { log, sleep } from "../../mod.ts";

function* fetchOne(n: number) {
  yield* sleep(100 * n);
  return n;
}

export default function* () {
  const results = yield* asyncio.gather(fetchOne(1), fetchOne(2));
  yield* log(`results: ${results}`);
}
