// The control: the original countdown as plain async/await, written without
// the kit. `native` drives the same program with the same promise loop, so it
// must print what the control prints, line for line.

import { deepEqual, ok } from "node:assert/strict";
import { countdownControl } from "../labs/countdown_control.ts";
import { countdownMain } from "../labs/countdown.ts";
import { realClock, virtualClock } from "../runtimes/clock.ts";
import { native } from "../runtimes/native.ts";
import { onVirtualClock } from "./harness.ts";

Deno.test("control: native prints exactly what plain async/await prints, in virtual time", async () => {
  const clock = virtualClock();
  const control: string[] = [];
  await onVirtualClock(
    clock,
    (sleep) =>
      countdownControl({ sleep, now: () => clock.now(), print: (line) => control.push(line) }),
  );
  const kit: string[] = [];
  await native.run(() => countdownMain({ blocking: false }), {
    clock: virtualClock(),
    output: (line) => kit.push(line),
  });
  deepEqual(kit, control);
});

/** `2.013s\t\tB = 3` -> [2.013, "B = 3"] */
function parse(line: string): [number, string] {
  const [time, rest] = line.split("s\t");
  return [Number(time), rest.trim()];
}

Deno.test({
  name: "control: native prints what plain async/await prints, on the real clock (6 s)",
  async fn() {
    // Both run at once on the same loop, so the test takes 6 s, not 12.
    const control: string[] = [];
    const kit: string[] = [];
    const start = performance.now();
    await Promise.all([
      countdownControl({
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => performance.now() - start,
        print: (line) => control.push(line),
      }),
      native.run(() => countdownMain({ blocking: false }), {
        clock: realClock(),
        output: (line) => kit.push(line),
      }),
    ]);
    // The same lines in the same order; the times differ only by timer jitter.
    deepEqual(kit.map((line) => parse(line)[1]), control.map((line) => parse(line)[1]));
    kit.forEach((line, index) => {
      const drift = Math.abs(parse(line)[0] - parse(control[index])[0]);
      ok(drift < 0.1, `${line} vs ${control[index]}`);
    });
  },
});
