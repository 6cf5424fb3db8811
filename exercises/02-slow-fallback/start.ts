// Exercise 2: a slow server, and a deadline that moves on. See README.md; check with
//   deno task exercise check 2 exercises/02-slow-fallback/mine.ts
import { log, now, type Operation } from "../../mod.ts";
import { fetchQuote } from "./given.ts";

export default function* main(): Operation<void> {
  const quote = yield* fetchQuote();
  yield* log(`quote: ${quote}`);
  yield* log(`done at ${((yield* now()) / 1000).toFixed(3)}s`);
}
