// Exercise 6, a solution: each part's failure is caught inside its own
// operation and turned into a line, so all() sees no failure and waits for
// every part.
import { all, log, type Operation } from "../../mod.ts";
import { fetchPart, parts } from "./given.ts";

function* outcomeOf(name: string, part: Operation<string>): Operation<string> {
  try {
    return yield* part;
  } catch (error) {
    return `${name}: failed: ${(error as Error).message}`;
  }
}

export default function* main(): Operation<void> {
  const outcomes = yield* all(
    parts.map(([name, ms, failure]) => outcomeOf(name, fetchPart(name, ms, failure))),
  );
  for (const outcome of outcomes) yield* log(outcome);
}
