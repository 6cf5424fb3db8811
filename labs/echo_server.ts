/**
 * The echo server, written once on the interface: an accept loop that
 * bridges to Deno's sockets through `call`, and one task per connection,
 * all inside one `scope`. What stopping it does is the runtime's nature:
 * under `nursery` and `generator` the scope takes every connection down
 * with the accept loop; under `native` the connection tasks are detached
 * and go on serving their clients.
 *
 * @module
 */

import { call, scope } from "../runtimes/verbs.ts";
import type { Operation, Task } from "../runtimes/types.ts";

/** How much one read takes at most; the raw Deno server of the benchmark reads as much. */
export const echoReadBytes = 64 * 1024;

/** The server's connections still being served, by number (1 for the first accepted). */
export type EchoConnections = Map<number, Task<void>>;

/**
 * Serve `listener` until cancelled, then close it. Every accepted
 * connection is served by its own task, listed in `connections` while it
 * runs.
 */
export function* echoServer(
  listener: Deno.TcpListener,
  connections: EchoConnections,
): Operation<void> {
  yield* scope(function* (handle) {
    try {
      for (let number = 1;; number++) {
        const conn = yield* call(() => listener.accept());
        const task = handle.spawn(() => echoConnection(conn, number, connections), {
          name: `connection ${number}`,
        });
        // A connection can end before `spawn` answers, under a runtime that
        // runs a child at once; it must not be listed then.
        if (!isOver(task)) connections.set(number, task);
      }
    } finally {
      // Settles the accept left pending when the loop is cancelled.
      listener.close();
    }
  });
}

function isOver(task: Task<void>): boolean {
  return task.state === "completed" || task.state === "failed" || task.state === "halted";
}

/**
 * Echo what arrives until the client hangs up. A client that vanishes
 * (reset, broken pipe) ends its connection quietly; anything else is the
 * server's failure.
 */
function* echoConnection(
  conn: Deno.TcpConn,
  number: number,
  connections: EchoConnections,
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
    if (!isHangUp(error)) throw error;
  } finally {
    connections.delete(number);
    // Settles the read or write left pending when the task is cancelled.
    conn.close();
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
