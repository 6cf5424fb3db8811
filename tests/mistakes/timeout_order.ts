// asyncio.wait_for(aw, timeout)'s order: the operation first, the duration last.
import { log, sleep, timeout } from "../../mod.ts";

export default function* () {
  yield* timeout(sleep(100), 500);
  yield* log("in time");
}
