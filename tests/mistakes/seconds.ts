// asyncio's unit: half a second written as asyncio.sleep(0.5) would have it.
import { log, sleep } from "../../mod.ts";

export default function* () {
  yield* sleep(0.5);
  yield* log("half a second later?");
}
