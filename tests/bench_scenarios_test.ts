// The benchmark's scenarios (bench/runtimes.ts, bench/effect_native.ts)
// compute the right answer on a small size, under every runtime, as raw
// promises and as native Effect. Correctness only: no figure of speed is
// asserted here; `deno task bench` measures and judges those.

import { equal } from "node:assert/strict";
import { runtimes, virtualClock } from "../mod.ts";
import {
  expectedSum,
  HOUR,
  pingPong,
  pingPongWithPromises,
  sleepersJoined,
  sleepersJoinedWithPromises,
  timeouts,
  timeoutsWithPromises,
} from "../bench/runtimes.ts";
import {
  effectPingPong,
  effectSpawnAndJoin,
  effectSuspendMany,
  effectTimeouts,
} from "../bench/effect_native.ts";
import { suspendManyOnRealClock } from "../bench/sleepers.ts";

for (const [name, runtime] of Object.entries(runtimes)) {
  Deno.test(`bench ${name}: ping-pong of 200 messages each way answers their sum`, async () => {
    equal(await pingPong(runtime, 200), expectedSum(200));
  });

  Deno.test(`bench ${name}: 100 timeouts around an instant operation answer its values`, async () => {
    equal(await timeouts(runtime, 100, 1000, virtualClock()), expectedSum(100));
  });

  Deno.test(`bench ${name}: 100 sleepers joined answer the sum of their indices`, async () => {
    equal(await sleepersJoined(runtime, 100, 10, virtualClock()), expectedSum(100));
  });
}

for (const name of ["generator", "nursery"]) {
  Deno.test(`bench ${name}: 50 sleepers on the real clock are all seen suspended, then cancelled with the host timer`, async () => {
    // The sanitizers fail the test if the host timer of the hour-long sleeps is left armed.
    let seen = 0;
    equal(await suspendManyOnRealClock(runtimes[name], 50, () => ++seen), 1);
  });
}

Deno.test("bench promises: the baselines of ping-pong, timeouts and sleepers answer their sums", async () => {
  equal(await pingPongWithPromises(200), expectedSum(200));
  // The sanitizers fail the test if a deadline's timer is left armed.
  equal(await timeoutsWithPromises(100, 1000), expectedSum(100));
  equal(await sleepersJoinedWithPromises(100, 0), expectedSum(100));
});

for (const child of ["succeed", "gen"] as const) {
  Deno.test(`bench Effect: forkChild and join of 1,000 Effect.${child} children answer their sum`, async () => {
    equal(await effectSpawnAndJoin(1000, child), expectedSum(1000));
  });
}

Deno.test("bench Effect: ping-pong through two queues answers the sum of 200 messages", async () => {
  equal(await effectPingPong(200), expectedSum(200));
});

Deno.test("bench Effect: 100 Effect.timeout around Effect.succeed answer its values, no timer left", async () => {
  equal(await effectTimeouts(100, 1000), expectedSum(100));
});

Deno.test("bench Effect: 50 sleeping fibers are all seen suspended, then interrupted with their timers", async () => {
  let seen = 0;
  const answer = await effectSuspendMany(50, HOUR, () => seen, async (suspended) => {
    // Wait on the event (every fiber counted itself), turn by turn.
    while (suspended() < 50) await new Promise((resolve) => setTimeout(resolve, 0));
    seen = suspended();
  });
  equal(answer, 50);
  // An hour-long timer left armed would fail this test through the sanitizers.
});
