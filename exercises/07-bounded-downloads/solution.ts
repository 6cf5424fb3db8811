// Exercise 7, a solution: the codes go into a queue, closed once full, and
// three workers each take the next code as soon as they are free.
import { all, createQueue, log, type Operation, QueueClosedError } from "../../mod.ts";
import { codes, download, limit } from "./given.ts";

export default function* main(): Operation<void> {
  const queue = createQueue<string>();
  for (const code of codes) queue.put(code);
  queue.close();
  function* worker(): Operation<void> {
    for (;;) {
      let code: string;
      try {
        code = yield* queue.get();
      } catch (error) {
        // Closed and empty: this worker's work is over. Anything else is not ours.
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield* download(code);
    }
  }
  yield* all(Array.from({ length: limit }, () => worker()));
  yield* log(`all ${codes.length} done`);
}
