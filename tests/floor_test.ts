// The benchmark's floor drivers (bench/floor.ts): they must run the
// spawn+join scenario right, in the order each claims, and refuse the rest.

import { deepEqual, equal, rejects } from "node:assert/strict";
import { expectedSum, spawnAndJoin } from "../bench/runtimes.ts";
import { floorDriver, type FloorOrder } from "../bench/floor.ts";
import { sleep, spawn } from "../mod.ts";
import type { Operation } from "../mod.ts";

for (const order of ["fifo", "inline"] as const) {
  Deno.test(`${order} floor: spawn+join of 1,000 tasks answers their sum`, async () => {
    equal(await spawnAndJoin(floorDriver(order), 1000), expectedSum(1000));
  });

  Deno.test(`${order} floor: nested spawns and joins answer through every level`, async () => {
    const value = await floorDriver(order).run(function* () {
      const outer = yield* spawn(function* () {
        const inner = yield* spawn(function* () {
          return 40;
        });
        return (yield* inner) + 1;
      });
      return (yield* outer) + 1;
    });
    equal(value, 42);
  });

  Deno.test(`${order} floor: refuses what is not spawn or join, by name`, async () => {
    await rejects(
      floorDriver(order).run(() => sleep(10)),
      new TypeError(`the ${order} floor driver knows only spawn and join, not sleep`),
    );
  });
}

/** The order of events when a parent spawns a child and goes on. */
async function orderOf(order: FloorOrder): Promise<string[]> {
  const seen: string[] = [];
  await floorDriver(order).run(function* (): Operation<void> {
    const child = yield* spawn(function* () {
      seen.push("child runs");
    });
    seen.push("parent goes on");
    yield* child;
  });
  return seen;
}

Deno.test("fifo floor: the parent goes on before its child first runs", async () => {
  deepEqual(await orderOf("fifo"), ["parent goes on", "child runs"]);
});

Deno.test("inline floor: the child runs before spawn answers", async () => {
  deepEqual(await orderOf("inline"), ["child runs", "parent goes on"]);
});

Deno.test("fifo floor: a second joiner of one task is refused", async () => {
  await rejects(
    floorDriver("fifo").run(function* () {
      // Still waiting (on a task queued after both joiners) when they join it.
      const slow = yield* spawn(function* () {
        const gate = yield* spawn(function* () {
          return 1;
        });
        return yield* gate;
      });
      const first = yield* spawn(function* () {
        return yield* slow;
      });
      const second = yield* spawn(function* () {
        return yield* slow;
      });
      return (yield* first) + (yield* second);
    }),
    /let one task join/,
  );
});
