// A forgotten yield*: the sleep is made and dropped, so nothing waits.
import { log, now, sleep } from "../../mod.ts";

export default function* () {
  sleep(1000);
  yield* log(`after sleep: ${yield* now()} ms`);
}
