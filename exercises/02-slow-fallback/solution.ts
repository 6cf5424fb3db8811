// Exercise 2, a solution: moveOnAfter gives the server 1 s and answers
// undefined, quietly, when it has not answered by then.
import { log, moveOnAfter, now, type Operation } from "../../mod.ts";
import { cachedQuote, fetchQuote } from "./given.ts";

export default function* main(): Operation<void> {
  const quote = yield* moveOnAfter(1000, fetchQuote());
  yield* log(quote === undefined ? `quote: (cached) ${cachedQuote}` : `quote: ${quote}`);
  yield* log(`done at ${((yield* now()) / 1000).toFixed(3)}s`);
}
