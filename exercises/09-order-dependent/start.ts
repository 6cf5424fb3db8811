// Exercise 9: the bug that hides in the order of tasks woken together. See README.md; check with
//   deno task exercise check 9 exercises/09-order-dependent/mine.ts
import { log, type Operation, sleep, spawn } from "../../mod.ts";
import { fetchMs, fetchRates, type Rates, readers } from "./given.ts";

export default function* main(): Operation<void> {
  const cache: { rates?: Rates } = {};
  const tasks = [
    yield* spawn(function* warmCache() {
      cache.rates = yield* fetchRates();
      yield* log("cache warm");
    }),
  ];
  for (const [name, currency] of readers) {
    tasks.push(
      yield* spawn(function* reader() {
        // The fetch takes this long: by then the cache is warm.
        yield* sleep(fetchMs);
        const rate = cache.rates?.[currency];
        yield* log(rate === undefined ? `${name}: no rate yet!` : `${name}: ${currency} ${rate}`);
      }),
    );
  }
  for (const task of tasks) yield* task;
}
