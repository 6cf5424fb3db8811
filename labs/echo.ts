/**
 * echo: a TCP echo server written once on the interface, under load, then
 * stopped while its clients are still connected.
 *
 * The server (`echo_server.ts`) accepts through `call` and serves each
 * connection in a task of its own, all inside one `scope`; what fails on
 * one connection (a client that resets it, even before it is accepted)
 * ends that connection alone, and the lab counts it. The load client
 * (`echo_client.ts`) opens `--clients` connections; each sends a
 * `--size`-byte message and waits for all of it to come back before the
 * next. `--seconds` is a deadline kept by the kit (`moveOnAfter`): when it
 * passes, the round trips in flight are cancelled and their connections
 * closed, however large the messages. Then the lab connects as many fresh
 * clients, halts the server's task with them connected, and shows what
 * that did to the connections:
 *
 * - `nursery`, `generator`: the scope takes every connection down with the
 *   accept loop, and every client finds its connection closed.
 * - `native`: only the accept loop stops. The connection tasks are
 *   detached, linger, and still echo, until their clients hang up.
 *
 * The lab waits only for its own clients' connections. One from outside
 * the lab (anyone may connect to the port) that is open at the stop is
 * ended through the kit's cancellation: by the stop itself, or under
 * `native` halted by the lab after it; a last line counts them.
 *
 *     $ deno task lab:echo --runtime generator --seconds 2
 *     echo server on 127.0.0.1:41617: one task per connection, in one scope
 *     load: 10 clients, 1,024-byte messages, 2 s
 *       73,550 requests in 2.00 s: 36,772 requests/s, 35.9 MiB/s
 *       round trip p50 0.210 ms, p99 1.226 ms
 *       the deadline cancelled 10 round trips in flight and closed their connections
 *     stopping the server with 10 clients connected
 *       connections still served: none; every client found its connection closed
 *
 *     $ deno task lab:echo --runtime native --seconds 2
 *     ...
 *     stopping the server with 10 clients connected
 *       connections still served: 10 (#11-#20), and each still echoes
 *       the clients hang up: the lingering connections end
 *
 * A load is refused (a usage error) when `--clients` times `--size` passes
 * `loadBudgetBytes`.
 *
 * The client and the server share one thread here, so the figures are the
 * pair's; `deno task bench:echo` runs each server in a process of its own
 * and compares it with raw Deno and Node.js. Real time only: the lab does
 * real network I/O, and a `call` in flight holds virtual time still.
 *
 * @module
 */

import { call, log, moveOnAfter, spawn } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import { ExpectedFailure } from "../shared/terminal.ts";
import { closeClients, driveLoad, echoOnce, type LoadReport, openClients } from "./echo_client.ts";
import {
  addressOf,
  ConnectionFaults,
  type EchoConnection,
  type EchoConnections,
  echoServer,
  isOver,
} from "./echo_server.ts";
import { decimalNumber, type Lab, UsageError } from "./lab.ts";

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

/**
 * How long a client waits for the answer to its probe after the server
 * stopped. It only guards against a connection that neither echoes nor
 * hangs up, so it is generous: with thousands of clients, answering every
 * probe takes seconds on a busy machine (2 s was not enough for 5,000).
 */
const probeLimitMs = 10_000;

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
    report.requests === 0
      ? "  no round trip finished before the deadline"
      : `  round trip p50 ${report.p50Ms.toFixed(3)} ms, p99 ${report.p99Ms.toFixed(3)} ms`,
    ...(report.cancelled === 0 ? [] : [
      `  the deadline cancelled ${plural(report.cancelled, "round trip")} in flight ` +
      "and closed their connections",
    ]),
  ];
}

/**
 * What the server counted of the connections that failed on their own, one
 * line per kind; none when nothing failed. Clients that hung up mid-echo
 * are not listed: that is how the load's connections end at the deadline.
 */
export function describeFaults(faults: ConnectionFaults): string[] {
  const kinds = (counts: Map<string, number>) =>
    [...counts].map(([kind, count]) => `${count.toLocaleString("en-US")} ${kind}`).join(", ");
  const lines: string[] = [];
  if (faults.lostAtAccept > 0) {
    lines.push(
      `  the server lost ${plural(faults.lostAtAccept, "connection")} reset before ` +
        `it accepted them (${kinds(faults.atAccept)}), and went on serving`,
    );
  }
  if (faults.failedAlone > 0) {
    lines.push(
      `  ${plural(faults.failedAlone, "connection")} failed on their own, each ended alone: ` +
        kinds(faults.failed),
    );
  }
  return lines;
}

/**
 * Drive `clients` for `ms`, then report. The deadline is the kit's own: when
 * it passes, `moveOnAfter` cancels the load's call, whose signal cancels the
 * round trips in flight (closing their connections); the report, kept by
 * the cancelled promise, is then taken.
 */
export function* loadFor(
  clients: Deno.TcpConn[],
  size: number,
  ms: number,
): Operation<LoadReport> {
  let running: Promise<LoadReport> | undefined;
  yield* moveOnAfter(
    ms,
    call((signal) => running = driveLoad(clients, size, Infinity, signal)),
  );
  return yield* call(() => running!);
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
          // Settles the probe's pending read; the lab may have closed it already.
          closeClients([client]);
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

/** Serve, load, stop the server with clients connected, and report. */
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
  const faults = new ConnectionFaults();
  const server = yield* spawn(() => echoServer(listener, connections, faults), {
    name: "echo server",
  });
  const port = listener.addr.port;
  yield* log(`echo server on 127.0.0.1:${port}: one task per connection, in one scope`);

  const loadClients = yield* call(() => openClients(port, options.clients));
  try {
    yield* log(
      `load: ${plural(options.clients, "client")}, ` +
        `${options.size.toLocaleString("en-US")}-byte messages, ${options.seconds} s`,
    );
    const report = yield* loadFor(loadClients, options.size, options.seconds * 1000);
    for (const line of describeLoad(report)) yield* log(line);
  } finally {
    closeClients(loadClients);
  }
  // The server ends the load's connections once it sees them closed; the
  // stop is shown on fresh ones, numbered after them, that no cancelled
  // round trip left halfway through a message. Only the lab's own are
  // waited for: a connection from outside the lab (anyone may connect to
  // the port) ends when its client says, which may be never.
  yield* joinAll(connections, ownedBy(loadClients));

  const clients = yield* call(() => openClients(port, options.clients));
  const own = ownedBy(clients);
  try {
    yield* log(`stopping the server with ${plural(options.clients, "client")} connected`);
    const strangers = new Map([...connections].filter(([, connection]) => !own(connection)));
    yield* server.halt();
    // One accepted in the moment before the accept loop stopped, and left
    // running by a scope that does not take its children down, counts too.
    for (const [number, connection] of connections) {
      if (!own(connection)) strangers.set(number, connection);
    }
    const lingering = [...connections].filter(([, connection]) => own(connection))
      .map(([number]) => number);
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
      yield* joinAll(connections, own);
      yield* log("  the clients hang up: the lingering connections end");
    }
    if (strangers.size > 0) yield* log(yield* endStrangers([...strangers]));
  } finally {
    closeClients(clients);
  }
  for (const line of describeFaults(faults)) yield* log(line);
}

/** Whether a connection of the server is one of `clients`, by the client's address. */
function ownedBy(clients: readonly Deno.TcpConn[]): (connection: EchoConnection) => boolean {
  const addresses = new Set(clients.map((client) => addressOf(client.localAddr)));
  return (connection) => addresses.has(connection.peer);
}

/** Wait until every connection the server is serving now that `chosen` picks has ended. */
function* joinAll(
  connections: EchoConnections,
  chosen: (connection: EchoConnection) => boolean,
): Operation<void> {
  for (const connection of [...connections.values()]) {
    if (chosen(connection)) yield* connection.task;
  }
}

/**
 * End the connections from outside the lab that were open at the stop, and
 * say what ended them. The stop did, under a runtime whose scope takes its
 * children down; under `native` they are still served, and the lab halts
 * each, so that the kit's cancellation runs its cleanup (the socket is
 * closed) and the lab ends on time, whatever their clients do.
 */
function* endStrangers(strangers: [number, EchoConnection][]): Operation<string> {
  const served = strangers.filter(([, connection]) => !isOver(connection.task));
  for (const [, connection] of served) yield* connection.task.halt();
  const one = strangers.length === 1;
  const which = `  ${plural(strangers.length, "connection")} from outside the lab ` +
    `(${numberRanges(strangers.map(([number]) => number))}) ${
      one ? "was" : "were"
    } open at the stop`;
  if (served.length === 0) return `${which}, which closed ${one ? "it" : "them"}`;
  const still = served.length === strangers.length
    ? (one ? "it was" : "each was")
    : `${served.length} of them ${served.length === 1 ? "was" : "were"}`;
  return `${which}; ${still} still served after it, and the lab halted ${
    served.length === 1 ? "it" : "them"
  }`;
}

function wholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (text === undefined) return fallback;
  const value = decimalNumber(text, { whole: true });
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `--${name} takes a whole number from ${min} to ${max.toLocaleString("en-US")}, not '${text}'`,
    );
  }
  return value;
}

const maxSeconds = 3600;
const maxSize = 16 * 1024 * 1024;
const maxClients = 5000;

/**
 * The most that `--clients` times `--size` may be: 256 MiB. The client
 * holds one buffer that size for the echoes, and the server, in the same
 * process, adds 64 KiB a connection (at most 5,000 of them): at the edge,
 * 5,000 clients of 53,687 bytes peaked at 0.6 GB resident here. A fixed
 * cap rather than a share of the machine's memory, so that a command line
 * is accepted or refused alike everywhere (and the lab needs no
 * `--allow-sys` to ask).
 */
export const loadBudgetBytes = 256 * 1024 * 1024;

/** Check the command-line values; bad ones are usage errors. */
export function parseEchoOptions(
  values: Record<string, string | boolean | undefined>,
): EchoOptions {
  const secondsText = values.seconds as string | undefined;
  const seconds = secondsText === undefined ? 5 : decimalNumber(secondsText);
  if (!(seconds > 0 && seconds <= maxSeconds)) {
    throw new UsageError(
      `--seconds takes a number of seconds above 0, up to ${maxSeconds}, not '${secondsText}'`,
    );
  }
  const size = wholeNumber("size", values.size as string | undefined, 1024, 1, maxSize);
  const clients = wholeNumber("clients", values.clients as string | undefined, 10, 1, maxClients);
  if (clients * size > loadBudgetBytes) {
    const count = (value: number) => value.toLocaleString("en-US");
    throw new UsageError(
      `--clients ${count(clients)} times --size ${count(size)} is ${count(clients * size)} ` +
        `bytes of messages in flight, over the load's budget of 256 MiB ` +
        `(${count(loadBudgetBytes)} bytes): lower --clients or --size`,
    );
  }
  return {
    size,
    clients,
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
      help: "message size, 1 to 16 MiB (default 1024); clients times size at most 256 MiB",
    },
    clients: {
      type: "string",
      placeholder: "N",
      help: "concurrent connections, 1 to 5,000 (default 10)",
    },
    seconds: {
      type: "string",
      placeholder: "S",
      help: "how long the load runs, up to 3600; round trips still in flight then are " +
        "cancelled (default 5)",
    },
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
