// Exercise 7's downloads; start.ts and your solution share them: do not edit.
import { log, type Operation, sleep } from "../../mod.ts";

/** The codes to download. */
export const codes = ["BR", "CN", "DE", "EG", "FR", "IN", "JP", "MX", "NG", "US"] as const;

/** At most this many downloads at a time. */
export const limit = 3;

/** How long `code` takes, in ms: 100 to 400, fixed per code. */
export function delayOf(code: string): number {
  return 100 + ((code.charCodeAt(0) + code.charCodeAt(1)) % 4) * 100;
}

/** Download one code, saying when it starts and when it is done. */
export function* download(code: string): Operation<void> {
  yield* log(`start ${code}`);
  yield* sleep(delayOf(code));
  yield* log(`done ${code}`);
}
