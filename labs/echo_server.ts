/**
 * The echo server, written once on the interface: an accept loop that
 * bridges to Deno's sockets through `call`, and one task per connection,
 * all inside one `scope`. What stopping it does is the runtime's nature:
 * under `nursery` and `generator` the scope takes every connection down
 * with the accept loop; under `native` the connection tasks are detached
 * and go on serving their clients.
 *
 * What goes wrong on one connection ends that connection alone and is
 * counted in `ConnectionFaults`: a client that resets its connection while
 * it waits in the accept queue (`accept` then fails), a client that goes
 * away mid-echo, any other error of one connection's reads and writes. Only
 * an error of the listener itself (closed, out of file descriptors) ends
 * the server.
 *
 * @module
 */

import { isCancellation } from "../runtimes/errors.ts";
import { call, scope } from "../runtimes/verbs.ts";
import type { Operation, Task } from "../runtimes/types.ts";

/** How much one read takes at most; the raw Deno server of the benchmark reads as much. */
export const echoReadBytes = 64 * 1024;

/** One connection being served: its task, and who is at the other end. */
export interface EchoConnection {
  task: Task<void>;
  /** The client's address, `host:port`, as {@link addressOf} writes it. */
  peer: string;
}

/** The server's connections still being served, by number (1 for the first accepted). */
export type EchoConnections = Map<number, EchoConnection>;

/** `host:port`: how a server's connection and its client name the client's end alike. */
export function addressOf(address: Deno.NetAddr): string {
  return `${address.hostname}:${address.port}`;
}

/** What the server needs of a listener: a `Deno.TcpListener`, or a test's stand-in for one. */
export type EchoListener = Pick<Deno.TcpListener, "accept" | "close">;

/**
 * What went wrong on single connections, each ending only its own: counted
 * rather than reported one by one, since a thousand clients that reset
 * their connections are one event to report, not a thousand stacks.
 */
export class ConnectionFaults {
  /**
   * Connections that failed before `accept` could answer them, by error
   * name: reset by their client while they waited in the accept queue.
   */
  readonly atAccept = new Map<string, number>();
  /**
   * Accepted connections whose client went away mid-echo (reset, broken
   * pipe): an echo server's everyday event, counted but not reported.
   */
  hungUp = 0;
  /** Accepted connections ended by any other error of their own, by its description. */
  readonly failed = new Map<string, number>();

  /** How many connections failed at `accept`. */
  get lostAtAccept(): number {
    return sum(this.atAccept);
  }

  /** How many accepted connections failed with an error other than a hang-up. */
  get failedAlone(): number {
    return sum(this.failed);
  }
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Serve `listener` until cancelled, then close it. Every accepted
 * connection is served by its own task, listed in `connections` while it
 * runs; what fails on one connection is counted in `faults` and ends that
 * connection alone.
 */
export function* echoServer(
  listener: EchoListener,
  connections: EchoConnections,
  faults: ConnectionFaults = new ConnectionFaults(),
): Operation<void> {
  yield* scope(function* (handle) {
    try {
      for (let number = 1;; number++) {
        const conn = yield* call(() => acceptOne(listener, faults));
        // Read now: the address is gone once the connection is closed.
        const peer = addressOf(conn.remoteAddr);
        const task = handle.spawn(() => echoConnection(conn, number, connections, faults), {
          name: `connection ${number}`,
        });
        // A connection can end before `spawn` answers, under a runtime that
        // runs a child at once; it must not be listed then.
        if (!isOver(task)) connections.set(number, { task, peer });
      }
    } finally {
      // Settles the accept left pending when the loop is cancelled.
      listener.close();
    }
  });
}

/**
 * The next connection that `accept` answers. A connection that its client
 * reset while it waited in the accept queue makes `accept` fail (Deno asks
 * for the peer's address, which a reset connection no longer has): it is
 * counted, and the next one is taken. Any other failure is the listener's
 * own, and thrown.
 */
async function acceptOne(
  listener: EchoListener,
  faults: ConnectionFaults,
): Promise<Deno.TcpConn> {
  for (;;) {
    try {
      return await listener.accept();
    } catch (error) {
      if (!isLostBeforeAccept(error)) throw error;
      bump(faults.atAccept, error.name);
    }
  }
}

/** The errors by which `accept` reports one connection lost, not the listener. */
function isLostBeforeAccept(error: unknown): error is Error {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected;
}

/** Whether `task` has ended, however. */
export function isOver(task: Task<void>): boolean {
  return task.state === "completed" || task.state === "failed" || task.state === "halted";
}

/**
 * Echo what arrives until the client hangs up. Whatever fails here ends
 * this connection alone: a client that vanished (reset, broken pipe) is
 * counted as a hang-up, any other error in `faults.failed`. Cancellation
 * passes through.
 */
function* echoConnection(
  conn: Deno.TcpConn,
  number: number,
  connections: EchoConnections,
  faults: ConnectionFaults,
): Operation<void> {
  const buffer = new Uint8Array(echoReadBytes);
  try {
    conn.setNoDelay(true);
    for (;;) {
      const received = yield* call(() => conn.read(buffer));
      if (received === null) return;
      yield* call(() => writeAll(conn, buffer.subarray(0, received)));
    }
  } catch (error) {
    if (isCancellation(error)) throw error;
    if (isHangUp(error)) faults.hungUp++;
    else bump(faults.failed, describeFault(error));
  } finally {
    connections.delete(number);
    // Settles the read or write left pending when the task is cancelled.
    conn.close();
  }
}

/** `Name: message` for an error, or what `String` makes of any other value; never throws. */
function describeFault(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return "a value that cannot be described";
  }
}

/** Write every byte: one `write` may take only part of them. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** The errors of a peer that went away, as opposed to a fault of our own. */
export function isHangUp(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.UnexpectedEof ||
    error instanceof Deno.errors.NotConnected;
}
