// The pool lab (`async with pool.acquire()`, `async for row in cur`): its
// output in virtual time under every runtime, worked out by hand; every
// connection back in the pool however a client ends, a deadline included;
// backpressure as the buffer changes; bad options as usage errors.

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parsePoolOptions, poolMain, rowsOf } from "../labs/pool.ts";
import { UsageError } from "../labs/lab.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { runDeno } from "./harness.ts";

type Values = Record<string, string | boolean | undefined>;

async function poolLines(runtime: Runtime, values: Values = {}): Promise<string[]> {
  const lines: string[] = [];
  await runtime.run(() => poolMain(parsePoolOptions(values)), {
    clock: virtualClock(),
    output: (line) => lines.push(line),
  });
  return lines;
}

const heading = (clients: number, buffer: number) => [
  `pool: 2 connections for ${clients} clients, arriving 30 ms apart`,
  "each query answers 3 rows: the server fetches one in 100 ms, the client handles one in 200 ms, " +
  `the cursor holds ${buffer}`,
];

// Client k arrives at 30(k-1) ms. With a connection, its first row is
// fetched 100 ms later; each later row is fetched while the client handles
// the one before (200 ms), so it is taken as soon as the client asks: rows
// 200 ms apart, the server waiting 100 ms for each of rows 2 and 3 (a
// cursor that holds nothing). The last row handled, 700 ms after the
// connection came, the client is done and gives it back, to client 3 at once.
const expectedDefaults = [
  ...heading(3, 0),
  "0.000s  client 1: connection 1 acquired",
  "0.030s  client 2: connection 2 acquired",
  "0.060s  client 3: waits for a connection",
  "0.100s  client 1: row (1,)",
  "0.130s  client 2: row (1,)",
  "0.300s  client 1: row (2,)",
  "0.330s  client 2: row (2,)",
  "0.500s  client 1: row (3,)",
  "0.530s  client 2: row (3,)",
  "0.700s  client 1: done, 3 rows",
  "0.700s  client 1: connection 1 back in the pool",
  "0.700s  client 3: connection 1 acquired",
  "0.730s  client 2: done, 3 rows",
  "0.730s  client 2: connection 2 back in the pool",
  "0.800s  client 3: row (1,)",
  "1.000s  client 3: row (2,)",
  "1.200s  client 3: row (3,)",
  "1.400s  client 3: done, 3 rows",
  "1.400s  client 3: connection 1 back in the pool",
  "3 clients served in 1.400s; the server waited 0.600s in all for room in a cursor; 2 of 2 connections idle",
];

// A 500 ms deadline: clients 1 and 2 are cancelled after two rows, 500 ms
// after they arrived; 3 and 4 get a connection as each is given back, and
// are cancelled before their first row (fetched 100 ms after). Whatever
// they were doing, every connection is back at the end.
const expectedDeadline = [
  ...heading(4, 0),
  "0.000s  client 1: connection 1 acquired",
  "0.030s  client 2: connection 2 acquired",
  "0.060s  client 3: waits for a connection",
  "0.090s  client 4: waits for a connection",
  "0.100s  client 1: row (1,)",
  "0.130s  client 2: row (1,)",
  "0.300s  client 1: row (2,)",
  "0.330s  client 2: row (2,)",
  "0.500s  client 1: cancelled at its 500 ms deadline, after 2 rows",
  "0.500s  client 1: connection 1 back in the pool",
  "0.500s  client 3: connection 1 acquired",
  "0.530s  client 2: cancelled at its 500 ms deadline, after 2 rows",
  "0.530s  client 2: connection 2 back in the pool",
  "0.530s  client 4: connection 2 acquired",
  "0.560s  client 3: cancelled at its 500 ms deadline, after 0 rows",
  "0.560s  client 3: connection 1 back in the pool",
  "0.590s  client 4: cancelled at its 500 ms deadline, after 0 rows",
  "0.590s  client 4: connection 2 back in the pool",
  "4 clients served in 0.590s; the server waited 0.200s in all for room in a cursor; 2 of 2 connections idle",
];

for (const runtime of Object.values(runtimes)) {
  Deno.test(`${runtime.name}: pool with the defaults: two connections serve three clients in 1.4 s`, async () => {
    deepEqual(await poolLines(runtime), expectedDefaults);
  });

  Deno.test(`${runtime.name}: pool with a deadline: clients cancelled mid-query or just served give their connection back`, async () => {
    deepEqual(await poolLines(runtime, { clients: "4", deadline: "500" }), expectedDeadline);
  });

  Deno.test(`${runtime.name}: pool: a cursor that holds every row spares the server its waits`, async () => {
    // A client handling a row in 400 ms: row 2 is fetched at 200 ms after
    // the connection, row 3 at 300 ms (or once row 2 is taken), and the
    // client asks for them at 500 and 900 ms.
    const waited = async (buffer: string) =>
      /the server waited (\S+) in all/.exec(
        (await poolLines(runtime, { buffer, think: "400" })).at(-1)!,
      )?.[1];
    equal(await waited("0"), "1.800s"); // 300 ms for rows 2 and 3, three clients
    equal(await waited("1"), "0.600s"); // row 3 waits 200 ms for row 2 to be taken
    equal(await waited("2"), "0.000s");
  });
}

Deno.test("pool: clients cancelled at the instant a connection comes back: none is lost, whoever has it", async () => {
  // Both arrive at 0 with a 150 ms deadline: client 1 takes the only
  // connection, and when both deadlines pass, client 1's release and client
  // 2's cancellation fall in the same instant. Which comes first is each
  // runtime's scheduling; either way the connection ends in the pool.
  const endings = new Set<string>();
  for (const runtime of Object.values(runtimes)) {
    const lines = await poolLines(runtime, {
      ...{ connections: "1", clients: "2", every: "0", deadline: "150" },
    });
    match(lines.at(-1)!, /; 1 of 1 connection idle$/, runtime.name);
    const cancelled = lines.find((line) => line.includes("client 2: cancelled")) ?? "";
    const ending = cancelled.slice(cancelled.indexOf(",") + 2);
    ok(
      ["still waiting for a connection", "after 0 rows"].includes(ending),
      `${runtime.name}: ${lines.join("\n")}`,
    );
    endings.add(ending);
  }
  ok(endings.has("still waiting for a connection"), [...endings].join());
});

Deno.test("pool: the pretend server answers the seed's SELECT 1, a series, and nothing else", () => {
  deepEqual(rowsOf("SELECT 1"), [[1]]);
  deepEqual(rowsOf("SELECT n FROM generate_series(2, 4)"), [[2], [3], [4]]);
  deepEqual(rowsOf("SELECT n FROM generate_series(1, 0)"), []);
  throws(() => rowsOf("DROP TABLE flags"), /answers only 'SELECT n' .* not 'DROP TABLE flags'/);
});

Deno.test("pool: options out of range are usage errors naming the range", () => {
  const cases: [Values, RegExp][] = [
    [{ clients: "0" }, /--clients takes a whole number from 1 to 100, not '0'/],
    [{ connections: "101" }, /--connections takes a whole number from 1 to 100, not '101'/],
    [{ rows: "1.5" }, /--rows takes a whole number from 0 to 1000, not '1.5'/],
    [{ buffer: "-1" }, /--buffer takes a whole number from 0 to 1000, not '-1'/],
    [{ fetch: "x" }, /--fetch takes a whole number from 0 to 60000, not 'x'/],
    [{ deadline: "" }, /--deadline takes a whole number from 0 to 3600000, not ''/],
  ];
  for (const [values, message] of cases) throws(() => parsePoolOptions(values), message);
  throws(() => parsePoolOptions({ every: "1e2" }), UsageError);
});

// The lab runner, as a user meets it.

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

Deno.test("cli: lab pool --runtime nursery prints the run in virtual time, exit 0; a bad option exits 2", async () => {
  const { code, stdout } = await runDeno([
    ...["run", "--allow-read", "--allow-env", labScript, "pool", "--runtime", "nursery"],
  ]);
  equal(code, 0);
  equal(stdout, expectedDefaults.join("\n") + "\n");
  const refused = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    labScript,
    "pool",
    "--rows",
    "x",
  ]);
  equal(refused.code, 2);
  match(refused.stderr, /^error: --rows takes a whole number from 0 to 1000, not 'x'$/m);
  ok(refused.stderr.includes("Usage: deno task lab:pool"));
});
