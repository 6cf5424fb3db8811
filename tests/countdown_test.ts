// The countdown lab: exact output in virtual time under every runtime, in
// the original's order, and strictly sequential with --blocking.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { countdownMain } from "../labs/countdown.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { spawnWatched } from "./harness.ts";

async function countdownLines(runtime: Runtime, blocking: boolean): Promise<string[]> {
  const lines: string[] = [];
  await runtime.run(() => countdownMain({ blocking }), {
    clock: virtualClock(),
    output: (line) => lines.push(line),
  });
  return lines;
}

/** `0.300s\t\t\tC = 3` -> `0.300 C3` */
function compact(line: string): string {
  const [time, rest] = line.split("s\t");
  return `${time} ${rest.trim().replace(" = ", "")}`;
}

for (const runtime of Object.values(runtimes)) {
  Deno.test(`${runtime.name}: countdown in virtual time comes out in the original's order`, async () => {
    const lines = await countdownLines(runtime, false);
    deepEqual(lines.map(compact), [
      "0.300 C3",
      "0.600 C2",
      "0.700 A3",
      "0.900 C1",
      "1.000 D3",
      "1.400 A2",
      "2.000 B3",
      "2.000 D2",
      "2.100 A1",
      "3.000 D1",
      "4.000 B2",
      "6.000 B1",
    ]);
    equal(lines[0], "0.300s\t\t\tC = 3");
  });

  Deno.test(`${runtime.name}: countdown --blocking runs strictly in creation order and takes the sum`, async () => {
    const lines = await countdownLines(runtime, true);
    deepEqual(lines.map(compact), [
      "0.700 A3",
      "1.400 A2",
      "2.100 A1",
      "4.100 B3",
      "6.100 B2",
      "8.100 B1",
      "8.400 C3",
      "8.700 C2",
      "9.000 C1",
      "10.000 D3",
      "11.000 D2",
      "12.000 D1",
    ]);
  });
}

Deno.test("countdown is byte-identical on every run and under every runtime", async () => {
  const outputs = new Set<string>();
  for (const runtime of Object.values(runtimes)) {
    for (let run = 0; run < 3; run++) {
      outputs.add((await countdownLines(runtime, false)).join("\n"));
    }
  }
  equal(outputs.size, 1);
});

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

for (const runtime of Object.keys(runtimes)) {
  Deno.test(`cli: Ctrl-C ends countdown --blocking --runtime ${runtime} on the real clock before its 12 s, exit 130`, async () => {
    const run = spawnWatched([
      "run",
      "--allow-read",
      "--allow-env",
      labScript,
      "countdown",
      "--blocking",
      "--runtime",
      runtime,
    ]);
    // The first line comes after A's first blocking step; B's, C's and D's are still to come.
    await run.stdout.readUntil("A = 3\n");
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    ok(!stdout.includes("D = 1"), `the blocking run went on to its end:\n${stdout}`);
    match(stderr, /the lab's thread stayed busy for 2 s, so its cleanup could not run/);
  });
}
