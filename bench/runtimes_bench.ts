/**
 * The scenarios of `bench/runtimes.ts` for `deno bench`, smaller (10,000
 * tasks) so that `deno bench` can repeat them; each group has raw promises
 * as its baseline, so the summary reads as "n times slower than promises".
 *
 *     $ deno bench bench/
 *
 * Heap per task needs garbage collection between readings, which
 * `deno bench` cannot give; `deno task bench` measures it.
 *
 * @module
 */

import { runtimes } from "../mod.ts";
import {
  expectedSum,
  spawnAndJoin,
  spawnAndJoinWithPromises,
  suspendMany,
  suspendManyWithPromises,
} from "./runtimes.ts";

const tasks = 10_000;
const count = tasks.toLocaleString("en-US");

function checkSum(sum: number): void {
  if (sum !== expectedSum(tasks)) throw new Error(`the tasks summed to ${sum}`);
}

const spawnJoinGroup = `spawn+join ${count} tasks`;

Deno.bench({
  name: "promises",
  group: spawnJoinGroup,
  baseline: true,
  async fn() {
    checkSum(await spawnAndJoinWithPromises(tasks));
  },
});

for (const [name, runtime] of Object.entries(runtimes)) {
  Deno.bench({
    name,
    group: spawnJoinGroup,
    async fn() {
      checkSum(await spawnAndJoin(runtime, tasks));
    },
  });
}

const suspendGroup = `suspend ${count} sleepers, then end`;

Deno.bench({
  name: "promises",
  group: suspendGroup,
  baseline: true,
  async fn() {
    await suspendManyWithPromises(tasks, () => undefined);
  },
});

for (const [name, runtime] of Object.entries(runtimes)) {
  Deno.bench({
    name,
    group: suspendGroup,
    async fn() {
      await suspendMany(runtime, tasks, () => undefined);
    },
  });
}
