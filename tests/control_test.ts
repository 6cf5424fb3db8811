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
    // The same lines at the same instants, each within timer jitter of its
    // due time (every delay is a multiple of 100 ms, so a line's due time is
    // its time rounded down to a tenth of a second). Lines due at the same
    // instant (B = 3 and D = 2 at 2 s) come in an order that host-timer
    // jitter decides, for the control as for native, so they are compared
    // as a set; the virtual-time test above pins their order.
    const dueLines = (lines: string[]) =>
      lines.map((line) => {
        const [seconds, text] = parse(line);
        // Timers fire late, never early (2 ms of leeway for the clock's grain).
        const due = Math.floor(seconds * 10 + 0.02) / 10;
        ok(seconds - due < 0.09, `${line}: more than 90 ms after ${due} s`);
        return `${due.toFixed(1)} ${text}`;
      }).sort();
    deepEqual(dueLines(kit), dueLines(control));
  },
});
