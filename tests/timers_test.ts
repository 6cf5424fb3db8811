// The core's timers (`runtimes/core/timers.ts`), behind the sleeps and
// deadlines of `generator`, `nursery` and `native`: due timers fire in
// (deadline, arming order), whether a frame asleep in a deadline's shared
// list or a timer of its own; a cancelled one never fires, and it never
// moves the virtual clock: the clock jumps only to deadlines somebody still
// waits for.

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

/**
 * Run the virtual clock until nothing is armed, then check what fired: the
 * live timers of `plan` (by index) in (deadline, arming) order, the clock
 * woken only at their deadlines and left at the last, no host timer armed.
 */
function runAndCheck(
  plan: { deadline: number; cancelled: boolean }[],
  fired: number[],
  { clock, armed }: ReturnType<typeof countingClock>,
): void {
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
}

Deno.test("core timers: the live ones fire in (deadline, arming) order; the clock wakes only at their deadlines", () => {
  fc.assert(fc.property(plans, (plan) => {
    const countingRun = countingClock();
    const { clock } = countingRun;
    const fired: number[] = [];
    const run: TimerRun<number> = { clock, resume: (frame) => fired.push(frame), wake() {} };
    const timers = new Timers(run);
    const sleeps = plan.map(({ deadline }, index) => timers.sleep(index, 0, deadline));
    plan.forEach(({ cancelled }, index) => {
      if (cancelled) sleeps[index].cancel();
    });
    runAndCheck(plan, fired, countingRun);
  }));
});

Deno.test("core timers: frames asleep in the shared lists and timers of their own fire together in (deadline, arming) order", () => {
  const kinds = fc.array(
    fc.record({
      deadline: fc.integer({ min: 0, max: 20 }),
      cancelled: fc.boolean(),
      frame: fc.boolean(),
    }),
    { maxLength: 100 },
  );
  fc.assert(fc.property(kinds, (plan) => {
    const countingRun = countingClock();
    const { clock } = countingRun;
    const fired: number[] = [];
    // A frame of the core: its epoch moves on when it leaves a wait, as
    // `undoWaiting` does before it cancels the wait.
    type Sleeper = { epoch: number; index: number };
    const run: TimerRun<Sleeper> = {
      clock,
      resume: (frame, epoch) => {
        assert.equal(epoch, frame.epoch, "a stale entry is never resumed");
        fired.push(frame.index);
      },
      wake() {},
    };
    const timers = new Timers(run);
    const waits = plan.map(({ deadline, frame }, index) => {
      if (!frame) return timers.after(deadline, () => fired.push(index));
      const sleeper = { epoch: 3, index };
      const due = timers.sleepFrame(sleeper, deadline);
      return { cancel: () => (sleeper.epoch++, due.cancel()) };
    });
    plan.forEach(({ cancelled }, index) => {
      if (cancelled) waits[index].cancel();
    });
    runAndCheck(plan, fired, countingRun);
  }));
});

Deno.test("core timers: a frame that leaves a shared list and sleeps again in it wakes once, in its new place", () => {
  const { clock, armed } = countingClock();
  const woken: string[] = [];
  const run: TimerRun<{ epoch: number; name: string }> = {
    clock,
    resume: (frame, epoch) => woken.push(`${frame.name}@${epoch}`),
    wake() {},
  };
  const timers = new Timers(run);
  const first = { epoch: 0, name: "first" };
  const second = { epoch: 0, name: "second" };
  const due = timers.sleepFrame(first, 10);
  assert.equal(timers.sleepFrame(second, 10), due, "one list per deadline");
  first.epoch++;
  due.cancel();
  timers.sleepFrame(first, 10);
  while (clock.idle(true));
  assert.deepEqual(woken, ["second@0", "first@1"]);
  assert.equal(clock.now(), 10);
  assert.equal(armed.size, 0);
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
