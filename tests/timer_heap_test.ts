// Property tests: whatever the timers armed and disarmed, the heap and the
// virtual clock fire them in (deadline, arming order): the rule that makes
// virtual-time output exact, ties included.

import fc from "fast-check";
import { deepEqual } from "node:assert/strict";
import { TimerHeap } from "../runtimes/timer_heap.ts";
import { virtualClock } from "../runtimes/clock.ts";

const deadlines = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 });

function expectedOrder(values: number[]): number[] {
  return values.map((deadline, order) => ({ deadline, order }))
    .sort((a, b) => a.deadline - b.deadline || a.order - b.order)
    .map((timer) => timer.order);
}

Deno.test("timer heap: pops by deadline, ties in arming order", () => {
  fc.assert(fc.property(deadlines, (values) => {
    const heap = new TimerHeap<{ deadline: number; order: number }>();
    values.forEach((deadline, order) => heap.push({ deadline, order }));
    const popped: number[] = [];
    for (let timer = heap.pop(); timer; timer = heap.pop()) popped.push(timer.order);
    deepEqual(popped, expectedOrder(values));
  }));
});

Deno.test("virtual clock: fires every armed timer once, in (deadline, arming) order, skipping cleared ones", () => {
  fc.assert(fc.property(
    deadlines,
    fc.array(fc.boolean(), { maxLength: 200 }),
    (values, cleared) => {
      const clock = virtualClock();
      const fired: number[] = [];
      values.forEach((ms, order) => {
        const timer = clock.setTimer(ms, () => fired.push(order));
        if (cleared[order]) clock.clearTimer(timer);
      });
      while (clock.idle(true));
      deepEqual(fired, expectedOrder(values).filter((order) => !cleared[order]));
    },
  ));
});
