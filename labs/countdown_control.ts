/**
 * The control: the original countdown as plain async/await, written without
 * the kit, given only a `sleep(ms): Promise` (and a way to read the time and
 * print), so that it runs on the real clock and on a virtual one alike. The
 * `native` runtime must print exactly what this prints: it is the same
 * program, driven by the same promise loop.
 *
 *     $ deno run labs/countdown_control.ts
 *
 * @module
 */

import { countdownLine, countdowns } from "./countdown.ts";

/** What the control needs from its surroundings. */
export interface ControlHost {
  sleep(ms: number): Promise<void>;
  now(): number;
  print(line: string): void;
}

/** The four countdowns as async functions, gathered like asyncio.gather. */
export async function countdownControl(host: ControlHost): Promise<void> {
  const start = host.now();
  async function countdown(label: string, delayMs: number): Promise<void> {
    for (let n = 3; n > 0; n--) {
      await host.sleep(delayMs);
      host.print(countdownLine(host.now() - start, label, n));
    }
  }
  await Promise.all(countdowns.map(([label, delayMs]) => countdown(label, delayMs)));
}

if (import.meta.main) {
  await countdownControl({
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => performance.now(),
    print: (line) => console.log(line),
  });
}
