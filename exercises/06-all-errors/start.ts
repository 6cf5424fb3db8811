// Exercise 6: every part's outcome, not only the first error. See README.md; check with
//   deno task exercise check 6 exercises/06-all-errors/mine.ts
import { all, log, type Operation } from "../../mod.ts";
import { fetchPart, parts } from "./given.ts";

export default function* main(): Operation<void> {
  try {
    const results = yield* all(parts.map(([name, ms, failure]) => fetchPart(name, ms, failure)));
    for (const result of results) yield* log(result);
  } catch (error) {
    yield* log(`failed: ${(error as Error).message}`);
  }
}
