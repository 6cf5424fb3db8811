// The run queue of `generator` and `nursery` against the plainest model of a
// FIFO queue, an array: random runs of pushes and shifts, long enough to
// cross its chunk boundaries (256 entries) many times, growing and draining.

import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { RunQueue } from "../runtimes/run_queue.ts";

type Entry = [frame: object, epoch: number, mode: number, value: unknown];

Deno.test("run queue: any run of pushes and shifts takes entries out as an array would", () => {
  // Each step pushes a burst of entries or shifts a burst; bursts up to 700
  // make the queue span several chunks, then drain through them.
  const step = fc.record({ push: fc.boolean(), count: fc.integer({ min: 1, max: 700 }) });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const queue = new RunQueue<object>();
      const model: Entry[] = [];
      let serial = 0;
      const take = () => {
        const expected = model.shift();
        equal(queue.shift(), expected !== undefined);
        if (expected) deepEqual([queue.frame, queue.epoch, queue.mode, queue.value], expected);
      };
      for (const { push, count } of steps) {
        for (let i = 0; i < count; i++) {
          if (push) {
            serial++;
            const entry: Entry = [{ serial }, serial, serial % 6, serial % 2 ? serial : undefined];
            model.push(entry);
            queue.push(...entry);
          } else {
            take();
          }
        }
      }
      while (model.length > 0) take();
      equal(queue.shift(), false);
    }),
    { numRuns: 200, seed: 20261128 },
  );
});
