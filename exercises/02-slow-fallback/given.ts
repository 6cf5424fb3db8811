// Exercise 2's quote server; start.ts and your solution share it: do not edit.
import { type Operation, sleep } from "../../mod.ts";

/** What to print when the server is too slow. */
export const cachedQuote = "Simple is better than complex.";

/** Ask the quote server; it takes 5 s to answer. */
export function* fetchQuote(): Operation<string> {
  yield* sleep(5000);
  return "Beautiful is better than ugly.";
}
