// The clocks: virtual time jumps to the next deadline and fires ties in
// arming order; `block` advances it synchronously; the real clock's `block`
// really blocks the thread.

import { deepEqual, equal, ok } from "node:assert/strict";
import { longestHostDelay, realClock, virtualClock } from "../runtimes/clock.ts";

Deno.test("virtual clock: idle() jumps to the next deadline and fires ties in arming order", () => {
  const clock = virtualClock();
  const fired: string[] = [];
  clock.setTimer(20, () => fired.push(`b at ${clock.now()}`));
  clock.setTimer(10, () => fired.push(`a at ${clock.now()}`));
  clock.setTimer(20, () => fired.push(`c at ${clock.now()}`));
  const cancelled = clock.setTimer(15, () => fired.push("cancelled (should not fire)"));
  clock.clearTimer(cancelled);
  equal(clock.now(), 0);
  equal(clock.idle(true), true);
  deepEqual(fired, ["a at 10"]);
  equal(clock.idle(true), true);
  deepEqual(fired, ["a at 10", "b at 20", "c at 20"]);
  equal(clock.idle(true), false);
  equal(clock.now(), 20);
});

Deno.test("virtual clock: block() advances time at once and fires nothing; overdue timers fire at the next idle", () => {
  const clock = virtualClock();
  const fired: number[] = [];
  clock.setTimer(10, () => fired.push(clock.now()));
  clock.block(25);
  equal(clock.now(), 25);
  deepEqual(fired, []);
  clock.idle(true);
  deepEqual(fired, [25]);
});

Deno.test("real clock: block() blocks the thread for at least the time asked", () => {
  const clock = realClock();
  let timerRan = false;
  const timer = clock.setTimer(0, () => timerRan = true);
  const before = clock.now();
  clock.block(20);
  ok(clock.now() - before >= 19.5);
  equal(timerRan, false, "no timer can run while the thread is blocked");
  clock.clearTimer(timer);
});

Deno.test("virtual clock: timers already due fire even when it may not advance; later ones wait", () => {
  const clock = virtualClock();
  const fired: string[] = [];
  clock.setTimer(0, () => fired.push("due now"));
  clock.setTimer(5, () => fired.push("later"));
  equal(clock.idle(false), true);
  deepEqual(fired, ["due now"]);
  equal(clock.idle(false), false);
  equal(clock.now(), 0);
  equal(clock.idle(true), true);
  deepEqual(fired, ["due now", "later"]);
});

Deno.test("real clock: a delay longer than a host timer takes is armed in steps, never at once", () => {
  // The host's timers, stood in for: what was asked for, and the callbacks.
  const asked: number[] = [];
  const callbacks: (() => void)[] = [];
  const cleared: unknown[] = [];
  const { setTimeout: hostSet, clearTimeout: hostClear } = globalThis;
  globalThis.setTimeout = ((callback: () => void, ms: number) => {
    asked.push(ms);
    callbacks.push(callback);
    return callbacks.length;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout =
    ((handle: unknown) => void cleared.push(handle)) as unknown as typeof clearTimeout;
  try {
    const clock = realClock();
    let fired = 0;
    const timer = clock.setTimer(3 * longestHostDelay, () => fired++);
    deepEqual(asked, [longestHostDelay]);
    // The first step ends long before the deadline: armed again for the rest.
    callbacks[0]();
    deepEqual(asked, [longestHostDelay, longestHostDelay]);
    equal(fired, 0);
    clock.clearTimer(timer);
    deepEqual(cleared, [2]);
    // An ordinary delay is one host timer, and fires when it fires.
    clock.setTimer(50, () => fired++);
    equal(asked[2], 50);
    callbacks[2]();
    equal(fired, 1);
  } finally {
    globalThis.setTimeout = hostSet;
    globalThis.clearTimeout = hostClear;
  }
});
