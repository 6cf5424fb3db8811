/**
 * The measurements behind `lab:latency`: the clock rate, dependent loads
 * over a working set, a small file written, fsync'd and read back, a
 * one-byte round trip on the loopback interface, and a TCP connect to a
 * host. Each is timed in batches long enough for `performance.now()` to
 * resolve, after a warm-up in which the JIT compiles the loop.
 *
 * @module
 */

import { join } from "node:path";
import { call, sleep } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";

// Every probe leaves its last value here, so that the JIT cannot prove a
// timed loop useless and drop it.
let sink = 0;

/**
 * The longest a probe runs without returning to the event loop, in
 * milliseconds. The probes are synchronous loops; between batches they
 * give the thread back (a zero sleep, through the timers), so that the
 * run's cancellation reaches them: a Ctrl-C is answered at once and the
 * lab's cleanup (the disk probe's folder) runs.
 */
export const maxStretchMs = 50;

/** The longest batch a plan may ask for, so that a batch fits in a stretch. */
export const maxBatchMs = 20;

let stretchStarted = performance.now();

/** Give the thread back if this stretch has lasted {@link maxStretchMs}. */
export function* pause(): Operation<void> {
  if (performance.now() - stretchStarted < maxStretchMs) return;
  yield* sleep(0);
  stretchStarted = performance.now();
}

/** Run `steps`, a synchronous job cut into steps, with a {@link pause} after each. */
export function* paced<T>(steps: Generator<void, T>): Operation<T> {
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    yield* pause();
  }
}

/** Which batch a figure is taken from. */
export type Statistic = "fastest" | "median";

/** How long a probe may take, and how short a batch may be. */
export interface BatchPlan {
  /** Milliseconds for the whole probe, warm-up included. */
  budgetMs: number;
  /** A batch lasts at least this long, so that the timer's tick is a small part of it. */
  minBatchMs: number;
  /** Operations in all, warm-up included (a remote host is not hammered). */
  maxOps?: number;
}

/** What a probe measured. */
export interface Timing {
  /** Nanoseconds per operation, in the batch chosen by `statistic`. */
  nsPerOp: number;
  statistic: Statistic;
  /** Batches timed after the warm-up. */
  batches: number;
  /** Operations in each of them. */
  opsPerBatch: number;
}

/**
 * The smallest step `performance.now()` takes, in milliseconds, seen over
 * a few thousand readings: anything timed must last many of these.
 */
export function timerTick(): number {
  let tick = Infinity;
  let last = performance.now();
  for (let readings = 0; readings < 20_000; readings++) {
    const now = performance.now();
    if (now > last) {
      tick = Math.min(tick, now - last);
      last = now;
    }
  }
  return tick;
}

/**
 * Time `batch(n)` in batches of `n` operations. The batch doubles from one
 * operation until it lasts `plan.minBatchMs` (a warm-up, not counted), then
 * batches of that size run until the budget is spent, doubling again if
 * one turns out shorter than that (while the budget lasts); the figure is the
 * fastest batch (other processes only ever add time to a CPU-bound loop)
 * or the median one (for I/O, whose spread is its own).
 */
export function* timeBatches(
  batch: (n: number) => Operation<void>,
  plan: BatchPlan,
  statistic: Statistic,
): Operation<Timing> {
  const deadline = performance.now() + plan.budgetMs;
  const maxOps = plan.maxOps ?? Infinity;
  let n = 1;
  let done = 0;
  for (;;) {
    // Twice each, the faster counting: a first call that compiles, or a
    // batch another process interrupted, would stop the doubling too soon.
    let ms = Infinity;
    for (let twice = 0; twice < 2 && done + n <= maxOps; twice++) {
      yield* pause();
      const started = performance.now();
      yield* batch(n);
      done += n;
      ms = Math.min(ms, performance.now() - started);
    }
    if (ms >= plan.minBatchMs || performance.now() >= deadline || done + 4 * n > maxOps) break;
    n *= 2;
  }
  const samples: number[] = [];
  while (
    samples.length === 0 || (performance.now() < deadline && done + n <= maxOps)
  ) {
    yield* pause();
    const started = performance.now();
    yield* batch(n);
    const ms = performance.now() - started;
    done += n;
    // Faster than at the warm-up (the JIT's optimizing tier has arrived):
    // longer batches, and this one does not count.
    if (ms < plan.minBatchMs && performance.now() < deadline && done + 2 * n <= maxOps) {
      n *= 2;
      continue;
    }
    samples.push(ms * 1e6 / n);
  }
  samples.sort((a, b) => a - b);
  return {
    nsPerOp: statistic === "fastest" ? samples[0] : samples[Math.floor(samples.length / 2)],
    statistic,
    batches: samples.length,
    opsPerBatch: n,
  };
}

/** A synchronous loop as a batch for {@link timeBatches}. */
function synchronous(run: (n: number) => void): (n: number) => Operation<void> {
  return function* (n) {
    run(n);
  };
}

// ---- the clock rate

/** Dependent operations in one turn of {@link addChain}'s loop. */
const chainLength = 8;

// Read from memory, not written as literals, so that the JIT cannot fold
// the chain into fewer operations.
const chainOperands = new Int32Array([0x3b9, 0x5bd1e995]);

/**
 * `n` turns of a chain of eight dependent 32-bit integer operations, adds
 * and xors alternating: each needs the last one's result, so they run one
 * after another however wide the core, one per cycle; the loop's own
 * counting runs beside them.
 */
function addChain(n: number): void {
  const add = chainOperands[0];
  const flip = chainOperands[1];
  let x = sink;
  for (let i = 0; i < n; i++) {
    x = ((x + add) | 0) ^ flip;
    x = ((x + add) | 0) ^ flip;
    x = ((x + add) | 0) ^ flip;
    x = ((x + add) | 0) ^ flip;
  }
  sink = x;
}

/**
 * The clock rate in GHz, assuming that one dependent integer add or xor
 * completes per cycle (true of x86 and ARM cores for decades): the
 * fastest batch of the chain, in operations per nanosecond.
 */
export function* measureGhz(plan: BatchPlan): Operation<number> {
  const timing = yield* timeBatches(synchronous(addChain), plan, "fastest");
  return chainLength / timing.nsPerOp;
}

// ---- caches and RAM

/** The cache line size assumed: 64 bytes, as on current x86 and most ARM cores. */
export const lineBytes = 64;

/** Lines shuffled or linked between two {@link pause}s' chances. */
const linesPerStep = 8192;

/**
 * A working set of `bytes` (whole cache lines) in which the first word of
 * each line holds the index of the next line's first word, the lines
 * visited in one random cycle through all of them (Sattolo's shuffle), so
 * that no prefetcher can guess the next address. Built in steps (256 MiB
 * takes seconds): run it with {@link paced}.
 */
export function* pointerRing(bytes: number): Generator<void, Uint32Array> {
  const lines = Math.floor(bytes / lineBytes);
  const wordsPerLine = lineBytes / Uint32Array.BYTES_PER_ELEMENT;
  const ring = new Uint32Array(lines * wordsPerLine);
  const order = new Uint32Array(lines);
  for (let line = 0; line < lines; line++) order[line] = line;
  for (let last = lines - 1; last > 0; last--) {
    const other = Math.floor(Math.random() * last); // never `last` itself: one cycle
    const kept = order[last];
    order[last] = order[other];
    order[other] = kept;
    if (last % linesPerStep === 0) yield;
  }
  for (let line = 0; line < lines; line++) {
    ring[line * wordsPerLine] = order[line] * wordsPerLine;
    if (line % linesPerStep === 0) yield;
  }
  return ring;
}

/**
 * Dependent loads through `ring`, as a batch for {@link timeBatches}: each
 * load's address is the previous load's value, so they cannot overlap.
 * The walk goes on where the last batch stopped.
 */
export function chaseLoads(ring: Uint32Array): (n: number) => Operation<void> {
  let at = 0;
  return synchronous((n) => {
    let index = at;
    for (let i = 0; i < n; i++) index = ring[index];
    at = index;
    sink = index;
  });
}

// ---- disk

/** Bytes written and read back in each disk operation. */
export const diskBlockBytes = 4096;

/** A small file in `folder`: each operation writes it, fsyncs it and reads it back. */
export interface DiskProbe {
  /** The batch for {@link timeBatches}. */
  batch: (n: number) => Operation<void>;
  close(): void;
}

/** Open the probe's file in `folder` (which the caller removes). */
export function diskProbe(folder: string): DiskProbe {
  const file = Deno.openSync(join(folder, "probe.bin"), {
    read: true,
    write: true,
    create: true,
    truncate: true,
  });
  const block = new Uint8Array(diskBlockBytes);
  const back = new Uint8Array(diskBlockBytes);
  let round = 0;
  const operation = () => {
    round++;
    block.fill(round & 0xff);
    file.seekSync(0, Deno.SeekMode.Start);
    for (let written = 0; written < block.length;) {
      written += file.writeSync(block.subarray(written));
    }
    file.syncSync();
    file.seekSync(0, Deno.SeekMode.Start);
    for (let read = 0; read < back.length;) {
      const got = file.readSync(back.subarray(read));
      if (got === null) throw new Error(`the probe file ended after ${read} bytes`);
      read += got;
    }
    if (back[diskBlockBytes - 1] !== block[0]) {
      throw new Error("the probe file read back differs from what was written");
    }
  };
  return {
    batch: synchronous((n) => {
      for (let i = 0; i < n; i++) operation();
    }),
    close: () => file.close(),
  };
}

// ---- network

/** A TCP echo on 127.0.0.1 with one client connected, both ends in this process. */
export interface LoopbackEcho {
  /** One byte sent and the same byte back. */
  trip(): Promise<void>;
  close(): Promise<void>;
}

/** Start the echo and connect its client (no Nagle delay on either end). */
export async function loopbackEcho(): Promise<LoopbackEcho> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let client: Deno.TcpConn | undefined;
  let server: Deno.TcpConn;
  try {
    [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      listener.accept(),
    ]);
  } catch (error) {
    client?.close();
    listener.close();
    throw error;
  }
  listener.close();
  client.setNoDelay(true);
  server.setNoDelay(true);
  let closing = false;
  const served = (async () => {
    const buffer = new Uint8Array(64);
    try {
      for (;;) {
        const got = await server.read(buffer);
        if (got === null) return;
        await server.write(buffer.subarray(0, got));
      }
    } catch (error) {
      if (!closing) throw error;
    }
  })();
  const sent = new Uint8Array([0x2a]);
  const received = new Uint8Array(1);
  return {
    trip: async () => {
      if (await client.write(sent) !== 1) throw new Error("the loopback echo took no byte");
      if (await client.read(received) !== 1) throw new Error("the loopback echo hung up");
    },
    close: async () => {
      closing = true;
      client.close();
      try {
        server.close();
      } catch {
        // Already closed by the echo loop's end.
      }
      await served;
    },
  };
}

/** Round trips through `echo`, one `call` each, as a batch for {@link timeBatches}. */
export function loopbackTrips(echo: LoopbackEcho): (n: number) => Operation<void> {
  return function* (n) {
    for (let i = 0; i < n; i++) yield* call(() => echo.trip());
  };
}

/** How long one connect to a named host may take before the probe gives up. */
export const connectLimitMs = 3000;

/**
 * One TCP connect to `hostname:port`, closed at once: a SYN out and a
 * SYN-ACK back, one round trip, plus the name lookup when `hostname` is a
 * name. Rejects with a message that says what went wrong.
 */
export async function connectOnce(
  hostname: string,
  port: number,
  signal: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), connectLimitMs);
  const stop = () => controller.abort();
  signal.addEventListener("abort", stop);
  try {
    const conn = await Deno.connect({ hostname, port, signal: controller.signal });
    conn.close();
  } catch (error) {
    if (signal.aborted) throw error;
    if (controller.signal.aborted) throw new Error(`no answer within ${connectLimitMs / 1000} s`);
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}

/** Connects to `hostname:port`, one `call` each, as a batch for {@link timeBatches}. */
export function hostConnects(hostname: string, port: number): (n: number) => Operation<void> {
  return function* (n) {
    for (let i = 0; i < n; i++) yield* call((signal) => connectOnce(hostname, port, signal));
  };
}
