/**
 * The echo load client: N connections, each sending one message and
 * waiting for all of it to come back before sending the next, for a given
 * time. Every echo is checked byte for byte. It is plain promise code, not
 * a lab on the interface: it is the measuring instrument, the same for
 * every server the lab and the benchmark drive.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { writeAll } from "./echo_server.ts";

/** What a load run measured. */
export interface LoadReport {
  /** Round trips completed: a message sent and all of it echoed. */
  requests: number;
  /** From the first send to the last echo, in milliseconds. */
  elapsedMs: number;
  /** Bytes echoed back. */
  bytes: number;
  /** Round-trip time of the median request, in milliseconds. */
  p50Ms: number;
  /** Round-trip time that 99% of requests beat, in milliseconds. */
  p99Ms: number;
  /**
   * Round trips in flight when the signal aborted: cut short, their
   * connections closed.
   */
  cancelled: number;
}

/** How many connections are opened at once. */
const connectBatch = 64;

/**
 * Open `count` connections to the echo server on 127.0.0.1:`port`, a
 * batch at a time, each proven served by a one-byte echo before the next
 * batch: connecting faster than the server accepts would fill its accept
 * queue, and the kernel then drops handshakes, which costs a client a
 * second's retry in the middle of the measurement.
 */
export async function openClients(port: number, count: number): Promise<Deno.TcpConn[]> {
  const clients: Deno.TcpConn[] = [];
  try {
    while (clients.length < count) {
      const batch = Math.min(connectBatch, count - clients.length);
      const opened = await Promise.allSettled(
        Array.from({ length: batch }, async () => {
          const client = await Deno.connect({ hostname: "127.0.0.1", port });
          clients.push(client);
          client.setNoDelay(true);
          await echoOnce(client, new Uint8Array([0x21]), new Uint8Array(1));
        }),
      );
      const failed = opened.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    }
  } catch (error) {
    closeClients(clients);
    throw error;
  }
  return clients;
}

/** Close every connection that is still open. */
export function closeClients(clients: readonly Deno.Conn[]): void {
  for (const client of clients) {
    try {
      client.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error; // closed already
    }
  }
}

/** `size` random bytes. */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB a call.
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  }
  return bytes;
}

/**
 * Send `message` on `conn` and wait until all of it is back in `received`
 * (as long as the message); throws if the server hung up or echoed other
 * bytes.
 */
export async function echoOnce(
  conn: Deno.Conn,
  message: Uint8Array,
  received: Uint8Array,
): Promise<void> {
  // Read while the message is still being written: a server that echoes as
  // it reads would otherwise block on a full socket buffer, and so would we.
  const [read, written] = await Promise.allSettled([
    readExactly(conn, received),
    writeAll(conn, message),
  ]);
  if (written.status === "rejected") throw written.reason;
  if (read.status === "rejected") throw read.reason;
  if (!Buffer.from(received.buffer, received.byteOffset, received.length).equals(message)) {
    throw new Error(`the echo of a ${message.length}-byte message came back altered`);
  }
}

async function readExactly(conn: Deno.Conn, into: Uint8Array): Promise<void> {
  for (let filled = 0; filled < into.length;) {
    const count = await conn.read(into.subarray(filled));
    if (count === null) {
      throw new Deno.errors.UnexpectedEof(
        `the server hung up after echoing ${filled} of ${into.length} bytes`,
      );
    }
    filled += count;
  }
}

/**
 * Drive every client in a request-response loop of `size`-byte messages
 * until `ms` milliseconds have passed (no round trip starts after that) or
 * `signal` aborts, then report. An abort cancels the round trips in flight
 * at once: their connections are closed, the only way to end a pending
 * read, and a connection left halfway through a message could not be used
 * again anyway. The other connections stay open.
 */
export async function driveLoad(
  clients: Deno.Conn[],
  size: number,
  ms: number,
  signal?: AbortSignal,
): Promise<LoadReport> {
  const message = randomBytes(size);
  // One allocation for every client's echo: thousands of separate buffers
  // cost V8 a garbage collection after another, a stall of seconds that
  // no deadline could interrupt.
  const echoes = new Uint8Array(clients.length * size);
  const latencies: number[] = [];
  const inFlight = new Set<Deno.Conn>();
  const start = performance.now();
  const deadline = start + ms;
  let end: number | undefined;
  let cancelled = 0;
  const cancel = () => {
    end = performance.now();
    cancelled = inFlight.size;
    closeClients([...inFlight]);
  };
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    await Promise.all(clients.map(async (conn, index) => {
      const received = echoes.subarray(index * size, (index + 1) * size);
      while (!signal?.aborted) {
        const sent = performance.now();
        if (sent >= deadline) break;
        inFlight.add(conn);
        try {
          await echoOnce(conn, message, received);
        } catch (error) {
          if (signal?.aborted) return; // cut short by the close above
          throw error;
        } finally {
          inFlight.delete(conn);
        }
        latencies.push(performance.now() - sent);
      }
    }));
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  const elapsedMs = (end ?? performance.now()) - start;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    elapsedMs,
    bytes: latencies.length * size,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cancelled,
  };
}

/** The value below which a fraction `q` of the sorted `values` lie (nearest rank). */
function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
