// The core's timers (`runtimes/core/timers.ts`), behind the sleeps and
// deadlines of `generator` and `nursery`: due timers fire in (deadline,
// arming order), a cancelled one never fires, and it never moves the
// virtual clock: the clock jumps only to deadlines somebody still waits for.

import fc from "fast-check";
import assert from "node:assert/strict";
import { countingClock } from "../runtimes/clock.ts";
import { type TimerRun, Timers } from "../runtimes/core/timers.ts";
import { DeadlockError } from "../runtimes/errors.ts";
import { native } from "../runtimes/native.ts";
import { generator, nursery } from "../runtimes/registry.ts";
import { ensure, log, now, suspend, timeout } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";

const plans = fc.array(
  fc.record({ deadline: fc.integer({ min: 0, max: 50 }), cancelled: fc.boolean() }),
  { maxLength: 100 },
);

Deno.test("core timers: the live ones fire in (deadline, arming) order; the clock wakes only at their deadlines", () => {
  fc.assert(fc.property(plans, (plan) => {
    const { clock, armed } = countingClock();
    const fired: number[] = [];
    const run: TimerRun<number> = { clock, resume: (frame) => fired.push(frame), wake() {} };
    const timers = new Timers(run);
    const sleeps = plan.map(({ deadline }, index) => timers.sleep(index, 0, deadline));
    plan.forEach(({ cancelled }, index) => {
      if (cancelled) sleeps[index].cancel();
    });
    const wokenAt = new Set<number>();
    while (clock.idle(true)) wokenAt.add(clock.now());
    const live = plan.map((timer, index) => ({ ...timer, index })).filter((t) => !t.cancelled);
    const liveDeadlines = new Set(live.map((t) => t.deadline));
    for (const time of wokenAt) assert.ok(liveDeadlines.has(time), `the clock woke at ${time}`);
    const expected = live.sort((a, b) => a.deadline - b.deadline || a.index - b.index)
      .map((t) => t.index);
    assert.deepEqual(fired, expected);
    assert.equal(clock.now(), Math.max(0, ...live.map((t) => t.deadline)));
    assert.equal(armed.size, 0, "no host timer is left armed");
  }));
});

Deno.test("core timers: a callback that cancels a timer due at the same instant keeps it from firing", () => {
  const { clock, armed } = countingClock();
  const fired: string[] = [];
  const run: TimerRun<string> = { clock, resume: (frame) => fired.push(frame), wake() {} };
  const timers = new Timers(run);
  const first = timers.sleep("first", 0, 10);
  timers.after(10, () => {
    fired.push("callback");
    later.cancel();
    first.cancel(); // fired already: a no-op
  });
  const later = timers.sleep("later", 0, 10);
  timers.sleep("last", 0, 20);
  while (clock.idle(true));
  assert.deepEqual(fired, ["first", "callback", "last"]);
  assert.equal(clock.now(), 20);
  assert.equal(armed.size, 0);
});

for (const runtime of [generator, nursery, native]) {
  Deno.test(`${runtime.name}: a timeout's cancelled timer does not move the virtual clock`, async () => {
    const { clock } = countingClock();
    const lines: string[] = [];
    function* quick(): Operation<number> {
      return 1;
    }
    const run = runtime.run(function* () {
      yield* ensure(function* () {
        yield* log(`cleanup at ${yield* now()} ms`);
      });
      yield* timeout(1000, quick());
      yield* suspend(); // nothing will ever wake it: a deadlock, found at 0 ms
    }, { clock, output: (line) => lines.push(line) });
    await assert.rejects(
      run,
      (error) => error instanceof DeadlockError && /at 0 ms/.test(error.message),
    );
    assert.deepEqual(lines, ["cleanup at 0 ms"]);
    assert.equal(clock.now(), 0);
  });
}
