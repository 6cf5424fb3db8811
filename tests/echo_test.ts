// The echo lab: the server written once on the interface, under every
// runtime, on loopback. Byte-exact echoes, clients that hang up mid-message
// or never speak, a thousand connections reset while clients are served, a
// thousand connections at once, what stopping the server does per runtime,
// the load's deadline, the lab end to end, and its usage errors. Real
// sockets, so real time; nothing is asserted about how long anything takes.

import fc from "fast-check";
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { describeFaults, echoMain, loadFor, numberRanges, parseEchoOptions } from "../labs/echo.ts";
import { closeClients, echoOnce, openClients } from "../labs/echo_client.ts";
import {
  ConnectionFaults,
  type EchoConnections,
  type EchoListener,
  echoServer,
  writeAll,
} from "../labs/echo_server.ts";
import { UsageError } from "../labs/lab.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Operation, Runtime, Task } from "../runtimes/types.ts";
import { call, spawn } from "../runtimes/verbs.ts";
import { runDeno } from "./harness.ts";

/**
 * The runtimes whose scopes leave children running when they end (the
 * semantics table's `scope` row): stopping the server does not stop its
 * connections. Every other runtime takes them down with it.
 */
const detachesChildren = new Set(["native"]);

/** The server under test: where it listens, its connections, its task. */
interface TestServer {
  port: number;
  connections: EchoConnections;
  task: Task<void>;
}

/** Run `scenario` under `runtime` with an echo server up; the server is halted after. */
function withEchoServer<T>(
  runtime: Runtime,
  scenario: (server: TestServer) => Operation<T>,
): Promise<T> {
  return runtime.run(function* () {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const connections: EchoConnections = new Map();
    const task = yield* spawn(() => echoServer(listener, connections), { name: "echo server" });
    try {
      return yield* scenario({ port: listener.addr.port, connections, task });
    } finally {
      yield* task.halt();
    }
  });
}

/** `size` bytes from a xorshift generator: random-looking, reproducible from `seed`. */
function pseudoRandomBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let state = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Send `payload` on a fresh connection; answers the digest of what came back. */
async function echoedDigest(port: number, payload: Uint8Array<ArrayBuffer>): Promise<string> {
  const [client] = await openClients(port, 1);
  try {
    const received = new Uint8Array(payload.length);
    await echoOnce(client, payload, received);
    return await sha256(received);
  } finally {
    closeClients([client]);
  }
}

/** The next read on `client`: `null` once the server closed the connection. */
function readOnce(client: Deno.Conn): Promise<number | null> {
  return client.read(new Uint8Array(64));
}

/**
 * Whether a new client is turned away: refused, or reset when the listening
 * socket, closed while an accept was pending, goes away a moment later.
 */
async function refusesNewClients(port: number): Promise<boolean> {
  let client: Deno.TcpConn;
  try {
    client = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return true;
    if (error instanceof Deno.errors.ConnectionReset) return true;
    throw error;
  }
  try {
    await echoOnce(client, new Uint8Array([1]), new Uint8Array(1));
    return false;
  } catch {
    return true;
  } finally {
    client.close();
  }
}

/**
 * Connect to 127.0.0.1:`port` and reset the connection (closed with
 * SO_LINGER 0, so the server gets a reset rather than an end of stream).
 * With a `message`, the reset comes once the echo of it has begun, when the
 * server is in the middle of serving the connection; without, at once.
 */
function resetConnection(port: number, message?: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => {
      if (!message) return socket.resetAndDestroy();
      socket.once("data", () => socket.resetAndDestroy());
      socket.write(message);
    });
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
}

/**
 * A listener whose accepts can be held back: while held, connections wait
 * in the kernel's accept queue, where a test can reset them. An accept that
 * was already waiting on the real listener is not held.
 */
class GatedListener implements EchoListener {
  #open: Promise<void> = Promise.resolve();
  #release = () => {};
  constructor(readonly listener: Deno.TcpListener) {}
  hold(): void {
    this.#open = new Promise((resolve) => this.#release = resolve);
  }
  release(): void {
    this.#release();
  }
  async accept(): Promise<Deno.TcpConn> {
    await this.#open;
    return await this.listener.accept();
  }
  close(): void {
    this.release();
    this.listener.close();
  }
}

/** Run `count` of `each`, `batch` at a time. */
async function inBatches(count: number, batch: number, each: () => Promise<void>): Promise<void> {
  for (let done = 0; done < count; done += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - done) }, each));
  }
}

/** Clients that echo a message each over and over, until stopped, counting their round trips. */
function keepEchoing(clients: Deno.Conn[]) {
  let trips = 0;
  let stopping = false;
  let onTrip = () => {};
  const running = Promise.all(clients.map(async (client, i) => {
    const message = pseudoRandomBytes(4096, i + 1);
    const received = new Uint8Array(message.length);
    while (!stopping) {
      await echoOnce(client, message, received);
      trips++;
      onTrip();
    }
  }));
  return {
    get trips() {
      return trips;
    },
    /** Settles once `count` round trips are done in all, or rejects with the clients' failure. */
    reached(count: number): Promise<void> {
      const reached = new Promise<void>((resolve) => {
        onTrip = () => {
          if (trips >= count) resolve();
        };
        onTrip();
      });
      const failed = running.then(() => {
        throw new Error(`the clients stopped at ${trips} round trips, short of ${count}`);
      });
      return Promise.race([reached, failed]);
    },
    stop(): Promise<unknown> {
      stopping = true;
      return running;
    },
  };
}

for (const runtime of Object.values(runtimes)) {
  const name = runtime.name;
  const stopsConnections = !detachesChildren.has(name);

  Deno.test(`${name}: echo: payloads of every size come back byte for byte`, async () => {
    await withEchoServer(runtime, function* ({ port }) {
      yield* call(async () => {
        // Around the server's 64 KiB reads, and well past them.
        for (const size of [1, 2, 1023, 65535, 65536, 65537, 3 * 65536 + 5, 1 << 20]) {
          const payload = pseudoRandomBytes(size, size);
          equal(await echoedDigest(port, payload), await sha256(payload), `${size} bytes`);
        }
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 300_000 }),
            fc.integer(),
            async (size, seed) => {
              const payload = pseudoRandomBytes(size, seed);
              equal(await echoedDigest(port, payload), await sha256(payload));
            },
          ),
          { numRuns: 25, seed: 20261128 },
        );
      });
    });
  });

  Deno.test(`${name}: echo: messages back to back on one connection come back in order`, async () => {
    await withEchoServer(runtime, function* ({ port }) {
      yield* call(async () => {
        const [client] = await openClients(port, 1);
        try {
          for (let round = 1; round <= 50; round++) {
            const payload = pseudoRandomBytes(round * 997, round);
            const received = new Uint8Array(payload.length);
            await echoOnce(client, payload, received);
            equal(await sha256(received), await sha256(payload));
          }
        } finally {
          closeClients([client]);
        }
      });
    });
  });

  Deno.test(`${name}: echo: a client that hangs up mid-message ends only its own connection`, async () => {
    await withEchoServer(runtime, function* ({ port, connections }) {
      const abandoned = yield* call(async () => {
        const [client] = await openClients(port, 1);
        // Gone in the middle of an 8 MiB message, its echo unread: the
        // server, blocked writing the echo back, finds the connection reset.
        const sending = writeAll(client, pseudoRandomBytes(8 << 20, 1))
          .catch(() => {}); // cut short by the close
        ok((await readOnce(client))! > 0);
        const task = connections.get(1)!.task;
        client.close();
        await sending;
        return task;
      });
      yield* abandoned;
      equal(abandoned.state, "completed");
      equal(connections.size, 0);
      const payload = pseudoRandomBytes(10_000, 2);
      equal(yield* call(() => echoedDigest(port, payload)), yield* call(() => sha256(payload)));
    });
  });

  Deno.test(`${name}: echo: 1,000 connections reset in the accept queue and 1,000 mid-echo, while clients run, each end alone`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    const gated = new GatedListener(listener);
    await runtime.run(function* () {
      const connections: EchoConnections = new Map();
      const faults = new ConnectionFaults();
      const server = yield* spawn(() => echoServer(gated, connections, faults), {
        name: "echo server",
      });
      try {
        const clients = yield* call(() => openClients(port, 2));
        try {
          const load = keepEchoing(clients);
          yield* call(async () => {
            await load.reached(10);
            // Three times, with the accept loop held back, 400 connections
            // reset while they wait in the accept queue (well within its backlog): for
            // each, an accept fails once the loop goes on.
            for (let round = 0; round < 3; round++) {
              gated.hold();
              await inBatches(400, 100, () => resetConnection(port));
              gated.release();
              await load.reached(load.trips + 10);
            }
            // Reset in the middle of an echo.
            const message = pseudoRandomBytes(256 * 1024, 3);
            await inBatches(1000, 50, () => resetConnection(port, message));
            // The clients are still served after every reset.
            await load.reached(load.trips + 100);
            await load.stop();
          });
        } finally {
          closeClients(clients);
        }
        for (const connection of [...connections.values()]) yield* connection.task;
        equal(server.state, "running");
        const payload = pseudoRandomBytes(100_000, 4);
        equal(yield* call(() => echoedDigest(port, payload)), yield* call(() => sha256(payload)));

        deepEqual([...faults.atAccept.keys()], ["NotConnected"]);
        // An accept already waiting when the loop is held back may take
        // one connection of a round before its reset: then it is a hang-up.
        ok(faults.lostAtAccept >= 1197, `${faults.lostAtAccept} lost at accept`);
        ok(faults.hungUp >= 1000, `${faults.hungUp} hung up mid-echo`);
        equal(faults.lostAtAccept + faults.hungUp, 2200);
        equal(faults.failedAlone, 0);
        deepEqual(describeFaults(faults), [
          `  the server lost ${faults.lostAtAccept.toLocaleString("en-US")} connections ` +
          `reset before it accepted them (${
            faults.lostAtAccept.toLocaleString("en-US")
          } NotConnected), and went on serving`,
        ]);
      } finally {
        yield* server.halt();
      }
    });
  });

  Deno.test(`${name}: echo: the load's deadline cancels the round trips in flight, however long they would take`, async () => {
    // A server that accepts and never reads: no round trip can end.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of silent) held.push(conn);
    })();
    const clients: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        clients.push(await Deno.connect({ hostname: "127.0.0.1", port: silent.addr.port }));
      }
      // 4 MiB each: more than the sockets buffer, so a write is pending too.
      const report = await runtime.run(() => loadFor(clients, 4 << 20, 50));
      equal(report.requests, 0);
      equal(report.cancelled, 2);
      // The cancellation's cleanup closed them: closing again is refused.
      for (const client of clients) throws(() => client.close(), Deno.errors.BadResource);
    } finally {
      closeClients(clients);
      silent.close();
      await accepting;
      closeClients(held);
    }
  });

  Deno.test(
    `${name}: echo: stopping the server ${
      stopsConnections ? "closes every connection" : "leaves its connections serving (detached)"
    }`,
    async () => {
      await withEchoServer(runtime, function* ({ port, connections, task }) {
        // The silent client connects first, so it is accepted first: once
        // the others have been proven served (openClients echoes a byte on
        // each), it is being served too, though it never sends anything.
        const silent = yield* call(() => Deno.connect({ hostname: "127.0.0.1", port }));
        const clients = [silent];
        try {
          clients.push(...yield* call(() => openClients(port, 2)));
          deepEqual([...connections.keys()].sort(), [1, 2, 3]);
          const connectionTasks = [...connections.values()].map((each) => each.task);

          yield* task.halt();
          ok(yield* call(() => refusesNewClients(port)), "the accept loop has stopped");
          if (stopsConnections) {
            equal(connections.size, 0);
            deepEqual(connectionTasks.map((each) => each.state), ["halted", "halted", "halted"]);
            deepEqual(yield* call(() => Promise.all(clients.map(readOnce))), [null, null, null]);
          } else {
            equal(connections.size, 3);
            yield* call(() =>
              Promise.all(
                clients.map((client) => echoOnce(client, new Uint8Array([7]), new Uint8Array(1))),
              )
            );
            closeClients(clients);
            for (const lingering of connectionTasks) yield* lingering;
            equal(connections.size, 0);
          }
        } finally {
          closeClients(clients);
        }
      });
    },
  );

  Deno.test(`${name}: echo: a thousand connections held at once are all served`, async () => {
    await withEchoServer(runtime, function* ({ port, connections }) {
      const clients = yield* call(() => openClients(port, 1000));
      try {
        yield* call(() =>
          Promise.all(clients.map((client, i) => {
            const payload = pseudoRandomBytes(512, i + 1);
            return echoOnce(client, payload, new Uint8Array(512));
          }))
        );
        equal(connections.size, 1000);
      } finally {
        closeClients(clients);
      }
      for (const connection of [...connections.values()]) yield* connection.task;
      equal(connections.size, 0);
    });
  });

  Deno.test(`${name}: echo lab end to end: load, then the stop ${stopsConnections ? "closes" : "leaves"} the connections`, async () => {
    const lines: string[] = [];
    await runtime.run(() => echoMain({ size: 2000, clients: 3, seconds: 0.2, port: 0 }), {
      output: (line) => lines.push(line),
    });
    match(lines[0], /^echo server on 127\.0\.0\.1:\d+: one task per connection, in one scope$/);
    equal(lines[1], "load: 3 clients, 2,000-byte messages, 0.2 s");
    match(lines[2], /^ {2}[\d,]+ requests in 0\.\d\d s: [\d,]+ requests\/s, [\d.]+ MiB\/s$/);
    match(lines[3], /^ {2}round trip p50 \d+\.\d{3} ms, p99 \d+\.\d{3} ms$/);
    // At the deadline every client is waiting for an echo: all are cut short.
    equal(
      lines[4],
      "  the deadline cancelled 3 round trips in flight and closed their connections",
    );
    equal(lines[5], "stopping the server with 3 clients connected");
    deepEqual(
      lines.slice(6),
      stopsConnections
        ? ["  connections still served: none; every client found its connection closed"]
        : [
          "  connections still served: 3 (#4-#6), and each still echoes",
          "  the clients hang up: the lingering connections end",
        ],
    );
  });
}

/**
 * Strangers to the lab, connected to its server: one that echoes `hi` and
 * then stays, reading, and one that sends 8 MiB without reading any of it
 * back. `settled` answers once the server has closed both: what the reader
 * read, and whether the guard had to close them (the lab still waiting for
 * them long after its load, which a passing run never comes near).
 */
function strangers(port: number) {
  let guarded = false;
  const opened: Deno.TcpConn[] = [];
  const connect = async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    opened.push(conn);
    return conn;
  };
  const reader = (async () => {
    const conn = await connect();
    const received = new Uint8Array(2);
    await echoOnce(conn, new TextEncoder().encode("hi"), received);
    const after = await readOnce(conn).catch((error) => error.name);
    return [new TextDecoder().decode(received), after];
  })();
  const flooder = (async () => {
    const conn = await connect();
    // Settles only when the server closes the connection: nothing reads the echo.
    await writeAll(conn, pseudoRandomBytes(8 << 20, 5)).catch(() => {});
  })();
  const guard = setTimeout(() => {
    guarded = true;
    closeClients(opened);
  }, 30_000);
  return {
    async settled() {
      const [read] = await Promise.all([reader, flooder]);
      clearTimeout(guard);
      closeClients(opened);
      return { read, guarded };
    },
  };
}

for (const runtime of Object.values(runtimes)) {
  const stopsConnections = !detachesChildren.has(runtime.name);
  Deno.test(`${runtime.name}: echo lab: connections from outside the lab, open at its end, do not hold it; each is closed and counted`, async () => {
    const lines: string[] = [];
    let outside: ReturnType<typeof strangers> | undefined;
    await runtime.run(() => echoMain({ size: 100, clients: 2, seconds: 0.2, port: 0 }), {
      output: (line) => {
        lines.push(line);
        // They connect before the lab's own clients, so they are accepted first.
        const port = /^echo server on 127\.0\.0\.1:(\d+):/.exec(line)?.[1];
        if (port !== undefined) outside = strangers(Number(port));
      },
    });
    const { read, guarded } = await outside!.settled();
    equal(guarded, false, "the lab waited for the strangers to hang up");
    deepEqual(read, ["hi", null], "the reader got its echo, then its connection closed");
    deepEqual(
      lines.slice(5),
      stopsConnections
        ? [
          "stopping the server with 2 clients connected",
          "  connections still served: none; every client found its connection closed",
          "  2 connections from outside the lab (#1-#2) were open at the stop, which closed them",
        ]
        : [
          "stopping the server with 2 clients connected",
          "  connections still served: 2 (#5-#6), and each still echoes",
          "  the clients hang up: the lingering connections end",
          "  2 connections from outside the lab (#1-#2) were open at the stop; each was " +
          "still served after it, and the lab halted them",
        ],
    );
  });
}

Deno.test("echo: connection numbers are listed as runs", () => {
  equal(numberRanges([5, 1, 2, 3, 9, 10]), "#1-#3, #5, #9-#10");
  equal(numberRanges([4]), "#4");
});

Deno.test("echo: what failed on single connections is counted, one line per kind", () => {
  const faults = new ConnectionFaults();
  deepEqual(describeFaults(faults), []);
  faults.hungUp = 7; // a client's everyday going away: not listed
  deepEqual(describeFaults(faults), []);
  faults.atAccept.set("NotConnected", 1200).set("ConnectionAborted", 1);
  faults.failed.set("Error: a fault of its own", 2);
  deepEqual(describeFaults(faults), [
    "  the server lost 1,201 connections reset before it accepted them " +
    "(1,200 NotConnected, 1 ConnectionAborted), and went on serving",
    "  2 connections failed on their own, each ended alone: 2 Error: a fault of its own",
  ]);
});

Deno.test("echo: bad values are usage errors naming the allowed values", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ size: "0" }, /--size takes a whole number from 1 to 16,777,216, not '0'/],
    [{ size: "1k" }, /--size takes a whole number/],
    [{ clients: "0" }, /--clients takes a whole number from 1 to 5,000, not '0'/],
    [{ clients: "-2" }, /--clients takes a whole number from 1 to 5,000, not '-2'/],
    [{ seconds: "0" }, /--seconds takes a number of seconds above 0, up to 3600, not '0'/],
    [{ seconds: "soon" }, /--seconds takes a number of seconds/],
    [{ port: "65536" }, /--port takes a whole number from 0 to 65,535, not '65536'/],
    [
      { clients: "5000", size: "16777216" },
      /^--clients 5,000 times --size 16,777,216 is 83,886,080,000 bytes of messages in flight, over the load's budget of 256 MiB \(268,435,456 bytes\): lower --clients or --size$/,
    ],
    [{ clients: "17", size: "16777216" }, /^--clients 17 times --size 16,777,216 is/],
    [{ clients: "5000", size: "53688" }, /^--clients 5,000 times --size 53,688 is/],
  ];
  for (const [values, message] of cases) {
    let thrown: unknown;
    try {
      parseEchoOptions(values);
    } catch (error) {
      thrown = error;
    }
    ok(thrown instanceof UsageError, JSON.stringify(values));
    match(thrown.message, message);
  }
  deepEqual(parseEchoOptions({}), { size: 1024, clients: 10, seconds: 5, port: 0 });
  // The budget's edge: 256 MiB exactly is allowed.
  equal(parseEchoOptions({ clients: "16", size: "16777216" }).clients, 16);
  equal(parseEchoOptions({ clients: "5000", size: "53687" }).size, 53687);
});

// The lab runner, as a user meets it.

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

const echoCommand = (args: string[]) =>
  runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    "--allow-net=127.0.0.1",
    labScript,
    "echo",
    ...args,
  ]);

Deno.test("cli: echo runs a short load and exits 0", async () => {
  const { code, stdout } = await echoCommand([
    "--seconds",
    "0.2",
    "--clients",
    "2",
    "--size",
    "100",
  ]);
  equal(code, 0);
  match(stdout, /^load: 2 clients, 100-byte messages, 0\.2 s$/m);
  match(stdout, /^stopping the server with 2 clients connected$/m);
});

Deno.test("cli: echo refuses a load over its memory budget: one line, the usage, exit 2", async () => {
  const { code, stdout, stderr } = await echoCommand(["--clients", "5000", "--size", "16777216"]);
  equal(code, 2);
  equal(stdout, "");
  const [first, ...rest] = stderr.split("\n");
  equal(
    first,
    "error: --clients 5,000 times --size 16,777,216 is 83,886,080,000 bytes of messages in " +
      "flight, over the load's budget of 256 MiB (268,435,456 bytes): lower --clients or --size",
  );
  ok(rest.join("\n").includes("clients times size at most 256 MiB"), "the usage says the budget");
});

Deno.test("cli: echo refuses the virtual clock: a usage error, exit 2", async () => {
  const { code, stdout, stderr } = await echoCommand(["--clock", "virtual"]);
  equal(code, 2);
  equal(stdout, "");
  match(
    stderr.split("\n")[0],
    /^error: echo cannot run on the virtual clock: it does real network I\/O/,
  );
  ok(stderr.includes("Usage: deno task lab:echo"));
});

Deno.test("cli: echo with a bad value is a usage error: one line, the usage, exit 2", async () => {
  const { code, stdout, stderr } = await echoCommand(["--clients", "0"]);
  equal(code, 2);
  equal(stdout, "");
  const [first, ...rest] = stderr.split("\n");
  equal(first, "error: --clients takes a whole number from 1 to 5,000, not '0'");
  ok(rest.join("\n").includes("Usage: deno task lab:echo"));
});

Deno.test("cli: echo on a port in use fails with one line saying what to do, no stack, exit 1", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { code, stdout, stderr } = await echoCommand(["--port", String(busy.addr.port)]);
    equal(code, 1);
    equal(stdout, "");
    equal(
      stderr,
      `error: echo failed under generator: port ${busy.addr.port} is in use on 127.0.0.1: ` +
        "pick another with --port, or --port 0 for any free one\n",
    );
  } finally {
    busy.close();
  }
});
