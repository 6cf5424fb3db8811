/**
 * echo: a TCP echo server written once on the interface, under load, then
 * stopped while its clients are still connected.
 *
 * The server (`echo_server.ts`) accepts through `call` and serves each
 * connection in a task of its own, all inside one `scope`. The load client
 * (`echo_client.ts`) opens `--clients` connections; each sends a
 * `--size`-byte message and waits for all of it to come back before the
 * next, for `--seconds`. Then the lab halts the server's task with the
 * clients still connected, and shows what that did to the connections:
 *
 * - `nursery`, `generator`: the scope takes every connection down with the
 *   accept loop, and every client finds its connection closed.
 * - `native`: only the accept loop stops. The connection tasks are
 *   detached, linger, and still echo, until their clients hang up.
 *
 *     $ deno task lab:echo --runtime generator --seconds 2
 *     echo server on 127.0.0.1:41617: one task per connection, in one scope
 *     load: 10 clients, 1,024-byte messages, 2 s
 *       73,550 requests in 2.00 s: 36,772 requests/s, 35.9 MiB/s
 *       round trip p50 0.210 ms, p99 1.226 ms
 *     stopping the server with its 10 clients still connected
 *       connections still served: none; every client found its connection closed
 *
 *     $ deno task lab:echo --runtime native --seconds 2
 *     ...
 *     stopping the server with its 10 clients still connected
 *       connections still served: 10 (#1-#10), and each still echoes
 *       the clients hang up: the lingering connections end
 *
 * The client and the server share one thread here, so the figures are the
 * pair's; `deno task bench:echo` runs each server in a process of its own
 * and compares it with raw Deno and Node.js. Real time only: the lab does
 * real network I/O, and a `call` in flight holds virtual time still.
 *
 * @module
 */

import { call, log, spawn } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import { ExpectedFailure } from "../tools/cli.ts";
import { closeClients, driveLoad, echoOnce, type LoadReport, openClients } from "./echo_client.ts";
import { type EchoConnections, echoServer } from "./echo_server.ts";
import { type Lab, UsageError } from "./lab.ts";

/** The echo lab's options. */
export interface EchoOptions {
  /** Bytes in each message. */
  size: number;
  /** Concurrent connections of the load client. */
  clients: number;
  /** How long the load runs. */
  seconds: number;
  /** Where the server listens on 127.0.0.1; 0 for any free port. */
  port: number;
}

/** How long a client waits for the answer to its probe after the server stopped. */
const probeLimitMs = 2000;

function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}

/** `#1-#3, #5`: connection numbers, runs of them shortened. */
export function numberRanges(numbers: readonly number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(i === j ? `#${sorted[i]}` : `#${sorted[i]}-#${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(", ");
}

/** Lines describing a load run. */
function describeLoad(report: LoadReport): string[] {
  const seconds = report.elapsedMs / 1000;
  const count = (value: number) => Math.round(value).toLocaleString("en-US");
  return [
    `  ${count(report.requests)} requests in ${seconds.toFixed(2)} s: ` +
    `${count(report.requests / seconds)} requests/s, ` +
    `${(report.bytes / seconds / 1024 / 1024).toFixed(1)} MiB/s`,
    `  round trip p50 ${report.p50Ms.toFixed(3)} ms, p99 ${report.p99Ms.toFixed(3)} ms`,
  ];
}

/**
 * What a client sees once the server was stopped: its one-byte probe echoed
 * (still served), or the connection closed. Answers `true` when echoed.
 */
async function stillServed(client: Deno.TcpConn): Promise<boolean> {
  let silent = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      echoOnce(client, new Uint8Array([0x3f]), new Uint8Array(1)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          silent = true;
          client.close(); // settles the probe's pending read
          reject(new Error(`no echo and no hang-up within ${probeLimitMs} ms`));
        }, probeLimitMs);
      }),
    ]);
    return true;
  } catch (error) {
    if (silent) throw error;
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Serve, load, stop the server with its clients connected, and report. */
export function* echoMain(options: EchoOptions): Operation<void> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: options.port });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    // Nothing to debug: the runner prints this message alone, without a stack.
    throw new ExpectedFailure(
      `port ${options.port} is in use on 127.0.0.1: pick another with --port, or --port 0 for any free one`,
    );
  }
  const connections: EchoConnections = new Map();
  const server = yield* spawn(() => echoServer(listener, connections), { name: "echo server" });
  const port = listener.addr.port;
  yield* log(`echo server on 127.0.0.1:${port}: one task per connection, in one scope`);

  const clients = yield* call(() => openClients(port, options.clients));
  try {
    yield* log(
      `load: ${plural(options.clients, "client")}, ` +
        `${options.size.toLocaleString("en-US")}-byte messages, ${options.seconds} s`,
    );
    const report = yield* call((signal) =>
      driveLoad(clients, options.size, options.seconds * 1000, signal)
    );
    for (const line of describeLoad(report)) yield* log(line);

    yield* log(`stopping the server with its ${plural(options.clients, "client")} still connected`);
    yield* server.halt();
    const lingering = [...connections.keys()];
    const served = yield* call(() => Promise.all(clients.map(stillServed)));
    const echoed = served.filter(Boolean).length;
    if (lingering.length === 0) {
      yield* log(
        echoed === 0
          ? "  connections still served: none; every client found its connection closed"
          : `  connections still served: none, yet ${plural(echoed, "client")} still got an echo`,
      );
    } else {
      yield* log(
        `  connections still served: ${lingering.length} (${numberRanges(lingering)}), ` +
          (echoed === clients.length ? "and each still echoes" : `${echoed} still echo`),
      );
    }
    closeClients(clients);
    if (lingering.length > 0) {
      for (const task of [...connections.values()]) yield* task;
      yield* log("  the clients hang up: the lingering connections end");
    }
  } finally {
    closeClients(clients);
  }
}

function wholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(
      `--${name} takes a whole number from ${min} to ${max.toLocaleString("en-US")}, not '${text}'`,
    );
  }
  return value;
}

const maxSeconds = 3600;

/** Check the command-line values; bad ones are usage errors. */
export function parseEchoOptions(
  values: Record<string, string | boolean | undefined>,
): EchoOptions {
  const secondsText = values.seconds as string | undefined;
  const seconds = secondsText === undefined ? 5 : Number(secondsText);
  if (
    secondsText !== undefined &&
    (secondsText.trim() === "" || !(seconds > 0 && seconds <= maxSeconds))
  ) {
    throw new UsageError(
      `--seconds takes a number of seconds above 0, up to ${maxSeconds}, not '${secondsText}'`,
    );
  }
  return {
    size: wholeNumber("size", values.size as string | undefined, 1024, 1, 16 * 1024 * 1024),
    clients: wholeNumber("clients", values.clients as string | undefined, 10, 1, 5000),
    seconds,
    port: wholeNumber("port", values.port as string | undefined, 0, 0, 65535),
  };
}

/** The echo lab. */
export const echoLab: Lab<EchoOptions> = {
  name: "echo",
  summary: "a TCP echo server on the interface under load, then stopped with clients connected",
  options: {
    size: {
      type: "string",
      placeholder: "BYTES",
      help: "message size, 1 to 16 MiB (default 1024)",
    },
    clients: {
      type: "string",
      placeholder: "N",
      help: "concurrent connections, 1 to 5,000 (default 10)",
    },
    seconds: { type: "string", placeholder: "S", help: "how long the load runs (default 5)" },
    port: {
      type: "string",
      placeholder: "N",
      help: "the port on 127.0.0.1 (default 0: any free one)",
    },
  },
  defaultClock: "real",
  realClockOnly: "it does real network I/O, and a call in flight holds virtual time still",
  parse: parseEchoOptions,
  main: echoMain,
};
