// Exercise 9, a solution: the readers wait for the fetch itself, by joining
// its task, not for as long as it should take. However the tasks woken at
// 0.5 s are ordered, a reader goes on only once the rates are there.
import { log, type Operation, spawn } from "../../mod.ts";
import { fetchRates, readers } from "./given.ts";

export default function* main(): Operation<void> {
  const warming = yield* spawn(function* warmCache() {
    const rates = yield* fetchRates();
    yield* log("cache warm");
    return rates;
  });
  const tasks = [];
  for (const [name, currency] of readers) {
    tasks.push(
      yield* spawn(function* reader() {
        const rates = yield* warming;
        yield* log(`${name}: ${currency} ${rates[currency]}`);
      }),
    );
  }
  for (const task of tasks) yield* task;
}
