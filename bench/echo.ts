/**
 * The echo benchmark, after uvloop's: TCP echo servers driven by one load
 * client with 10 connections, at 1, 10 and 100 KiB messages.
 *
 *     $ deno task bench:echo
 *     1 KiB messages, 10 clients, median of 3 runs of 2 s (interleaved)
 *       server       requests/s           range   x raw Deno   CPU/request   x raw Deno ...
 *       native           26,472   19,055-30,975        1.42x       16.9 µs        0.79x
 *       nursery          24,344   20,364-30,298        1.09x       19.6 µs        1.05x
 *       generator        20,832   17,828-29,985        0.96x       22.6 µs        1.05x
 *       deno (raw)       18,660   18,397-33,015        1.00x       21.5 µs        1.00x
 *       node             22,542   16,667-35,079        1.21x       20.3 µs        0.94x
 *     ...
 *     goal held: native, nursery, generator at 0.8x raw Deno's requests/s or more, at every size
 *
 *     $ deno task bench:echo --seconds 1 --runs 3 --sizes 1,100
 *
 * On a shared two-core machine the ranges are wide (a run can differ from
 * the next by half), so read the ratios, not the absolute figures, and
 * raise `--runs` when two contenders are close.
 *
 * The servers: the lab's echo server (`labs/echo_server.ts`) under every
 * kit runtime, a raw Deno echo server written with plain async/await (the
 * baseline), and a Node.js `net` echo server (`node -e`, if `node` is on
 * the PATH). Each runs in a process of its own, started by this script
 * (`--serve NAME` is how it starts a Deno one), and reports its own CPU
 * time (`process.cpuUsage()`: user and system, every thread) when asked on
 * stdin, before and after the measured window: the client shares the
 * machine's cores, and throughput alone can hide a slow server. (Reading
 * `/proc/<pid>/stat` instead would need `--allow-all`: Deno guards /proc.)
 *
 * The servers start once and serve the whole run, each warmed up first
 * (1 s at every size, so that its code is compiled). Each measurement opens
 * fresh connections (TCP_NODELAY on both ends, as every server here sets
 * it), warms up for 0.3 s, then counts round trips for `--seconds`. Runs
 * are interleaved: each round measures every server once, at every size,
 * starting one further along each time. The table shows medians, and each
 * server's ratio to raw Deno as the median of its per-round ratios (the
 * two measured seconds apart, so that whatever else the machine was doing
 * weighs on both alike): requests/s, where the goal is at least 0.8x for
 * `native`, `nursery` and `generator` (a reference library such as
 * Effection, and Node, are as measured), and server CPU per request, where
 * lower is better. Missed goals are printed as `MISSED`, but the exit
 * status is still 0: benchmarks report, tests judge. Nothing is written to
 * disk (the task has no write permission); keep the printed table.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { closeClients, driveLoad, openClients } from "../labs/echo_client.ts";
import { describeFaults } from "../labs/echo.ts";
import {
  ConnectionFaults,
  echoReadBytes,
  echoServer,
  isHangUp,
  writeAll,
} from "../labs/echo_server.ts";
import { errorMessage } from "../runtimes/errors.ts";
import { runtimeNames, runtimes } from "../runtimes/registry.ts";
import { exitStatus, exitWithUsage, listOf, parseOptionsOrExit } from "../tools/cli.ts";

/** The name of the baseline server: raw Deno, no kit. */
const rawDeno = "deno";
const nodeServer = "node";

/** The least ratio of these runtimes' requests/s to raw Deno's, at every size. */
const throughputGoal = 0.8;
/** The runtimes held to the goal; any other (a reference library) is as measured. */
const runtimesWithGoal = ["native", "nursery", "generator"];

/** Load before each measurement, on its fresh connections. */
const warmupMs = 300;
/** Load on each new server at each size before the first round, so that its code is compiled. */
const firstWarmupMs = 1000;

// ---------------------------------------------------------------------------
// The servers, each in a process of its own. A server prints `listening on
// 127.0.0.1:<port>`, then answers each line it reads on stdin with
// `cpu <microseconds>`, its own CPU time so far (user and system, every
// thread), and exits when stdin closes.
// ---------------------------------------------------------------------------

/** Raw Deno: the same loop as the lab's server, in plain async/await. */
async function serveRawDeno(listener: Deno.TcpListener): Promise<void> {
  for await (const conn of listener) void serveRawConnection(conn);
}

async function serveRawConnection(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(echoReadBytes);
  try {
    conn.setNoDelay(true);
    for (;;) {
      const received = await conn.read(buffer);
      if (received === null) return;
      await writeAll(conn, buffer.subarray(0, received));
    }
  } catch (error) {
    if (!isHangUp(error)) throw error;
  } finally {
    conn.close();
  }
}

/** Run one Deno server (a kit runtime's, or raw Deno) until stdin closes. */
async function serve(name: string): Promise<never> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const faults = new ConnectionFaults();
  const serving = name === rawDeno
    ? serveRawDeno(listener)
    : runtimes[name].run(() => echoServer(listener, new Map(), faults));
  serving.catch((error) => {
    console.error(`the ${name} echo server failed:`, error);
    Deno.exit(exitStatus.failed);
  });
  console.log(`listening on 127.0.0.1:${listener.addr.port}`);
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    for (const _ of chunk.matchAll(/\n/g)) {
      const { user, system } = process.cpuUsage();
      console.log(`cpu ${user + system}`);
    }
  }
  // What failed on single connections ended them alone; it is said, not lost.
  for (const line of describeFaults(faults)) console.error(`the ${name} echo server:${line}`);
  Deno.exit(exitStatus.ok);
}

/** Node's `net` echo server; `pipe` echoes with backpressure. */
const nodeScript = `
const net = require("node:net");
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on("error", () => socket.destroy());
  socket.pipe(socket);
});
server.listen(0, "127.0.0.1", () => console.log("listening on 127.0.0.1:" + server.address().port));
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  for (const _ of chunk.matchAll(/\\n/g)) {
    const { user, system } = process.cpuUsage();
    console.log("cpu " + (user + system));
  }
});
process.stdin.on("end", () => process.exit(0));
`;

/** A server process that is up and listening. */
interface RunningServer {
  name: string;
  port: number;
  /** The server's CPU time so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Close its stdin and wait for it to exit. */
  stop(): Promise<void>;
}

function commandFor(name: string): Deno.Command {
  const options = { stdin: "piped", stdout: "piped", stderr: "inherit" } as const;
  if (name === nodeServer) {
    return new Deno.Command("node", { ...options, args: ["-e", nodeScript] });
  }
  const script = fileURLToPath(import.meta.url);
  return new Deno.Command(Deno.execPath(), {
    ...options,
    args: ["run", "--allow-net=127.0.0.1", script, "--serve", name],
  });
}

/** How long a server may take to start, to answer, and to stop. */
const serverLimitMs = 20_000;

async function withinLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${serverLimitMs} ms`)),
      serverLimitMs,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The lines a process prints, one at a time. */
function lineReader(stream: ReadableStream<BufferSource>): () => Promise<string | undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
}

async function startServer(name: string): Promise<RunningServer> {
  const child = commandFor(name).spawn();
  const input = child.stdin.getWriter();
  const nextLine = lineReader(child.stdout);
  const stop = async () => {
    await input.close().catch(() => {}); // it may have exited already
    try {
      await withinLimit(child.status, `the ${name} server did not exit`);
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      throw error;
    }
    await nextLine(); // the end of its output, so that the stream is done with
  };
  const ask = async (what: string) => {
    const line = await withinLimit(nextLine(), `the ${name} server did not ${what}`);
    if (line === undefined) throw new Error(`the ${name} server exited instead of ${what}`);
    return line;
  };
  try {
    const greeting = await ask("say where it listens");
    const port = Number(greeting.match(/^listening on 127\.0\.0\.1:(\d+)$/)?.[1]);
    if (!port) throw new Error(`the ${name} server said '${greeting}', not where it listens`);
    const cpuMicros = async () => {
      await input.write(new TextEncoder().encode("\n"));
      const answer = await ask("tell its CPU time");
      const micros = Number(answer.match(/^cpu (\d+)$/)?.[1]);
      if (!Number.isFinite(micros)) throw new Error(`the ${name} server answered '${answer}'`);
      return micros;
    };
    return { name, port, cpuMicros, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Measuring: the server's own CPU time, the load from the lab's client.
// ---------------------------------------------------------------------------

/** One measurement of one server at one size. */
interface Sample {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
}

/** Load `server` at each size without measuring. */
async function warmUp(server: RunningServer, settings: Settings): Promise<void> {
  const clients = await openClients(server.port, settings.clients);
  try {
    for (const size of settings.sizes) await driveLoad(clients, size, firstWarmupMs);
  } finally {
    closeClients(clients);
  }
}

async function measure(
  server: RunningServer,
  size: number,
  settings: Settings,
): Promise<Sample> {
  const clients = await openClients(server.port, settings.clients);
  try {
    await driveLoad(clients, size, warmupMs);
    const cpuBefore = await server.cpuMicros();
    const report = await driveLoad(clients, size, settings.seconds * 1000);
    const cpuAfter = await server.cpuMicros();
    return {
      requestsPerSecond: report.requests / (report.elapsedMs / 1000),
      cpuMicrosPerRequest: (cpuAfter - cpuBefore) / report.requests,
      p50Ms: report.p50Ms,
      p99Ms: report.p99Ms,
    };
  } finally {
    closeClients(clients);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// ---------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------

interface Row {
  name: string;
  samples: Sample[];
  error?: string;
}

function kib(size: number): string {
  return `${size / 1024} KiB`;
}

function whole(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/**
 * Each server's ratio to raw Deno: the median of the ratios of each round,
 * in which the two were measured a few seconds apart, so that what the
 * shared machine did meanwhile weighs on both alike.
 */
function pairedRatio(row: Row, baseline: Row | undefined, value: (sample: Sample) => number) {
  if (!baseline || baseline.error) return NaN;
  return median(row.samples.map((sample, round) => value(sample) / value(baseline.samples[round])));
}

function printTable(size: number, rows: Row[], settings: Settings): string[] {
  const baseline = rows.find((row) => row.name === rawDeno);
  const missed: string[] = [];
  const header = [
    "server",
    "requests/s",
    "range",
    "x raw Deno",
    "CPU/request",
    "x raw Deno",
    "p50",
    "p99",
    "goal",
  ];
  const cells = rows.map((row) => {
    const label = row.name === rawDeno ? "deno (raw)" : row.name;
    if (row.error) {
      if (runtimesWithGoal.includes(row.name)) missed.push(`${row.name} at ${kib(size)} failed`);
      return [label, "-", "", "", "", "", "", "", `FAILED: ${row.error}`];
    }
    const rates = row.samples.map((s) => s.requestsPerSecond);
    const ratio = pairedRatio(row, baseline, (s) => s.requestsPerSecond);
    let goal = "";
    if (runtimesWithGoal.includes(row.name)) {
      const met = ratio >= throughputGoal;
      goal = `>= ${throughputGoal}x  ${met ? "ok" : "MISSED"}`;
      if (!met) missed.push(`${row.name} at ${kib(size)} ${ratio.toFixed(2)}x`);
    }
    return [
      label,
      whole(median(rates)),
      `${whole(Math.min(...rates))}-${whole(Math.max(...rates))}`,
      `${ratio.toFixed(2)}x`,
      `${median(row.samples.map((s) => s.cpuMicrosPerRequest)).toFixed(1)} µs`,
      `${pairedRatio(row, baseline, (s) => s.cpuMicrosPerRequest).toFixed(2)}x`,
      `${median(row.samples.map((s) => s.p50Ms)).toFixed(3)} ms`,
      `${median(row.samples.map((s) => s.p99Ms)).toFixed(3)} ms`,
      goal,
    ];
  });
  const widths = header.map((label, column) =>
    Math.max(label.length, ...cells.map((cell) => cell[column].length))
  );
  const last = header.length - 1;
  // Names left-aligned, numbers right-aligned, the goal as it comes.
  const line = (cell: string[]) =>
    "  " +
    cell.map((text, column) =>
      column === 0 ? text.padEnd(widths[0]) : column === last ? text : text.padStart(widths[column])
    ).join("   ").trimEnd();
  console.log(
    `${kib(size)} messages, ${settings.clients} clients, median of ${settings.runs} ` +
      `run${settings.runs === 1 ? "" : "s"} ` +
      `of ${settings.seconds} s (interleaved)`,
  );
  console.log(line(header));
  for (const cell of cells) console.log(line(cell));
  return missed;
}

// ---------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------

const servable = [...runtimeNames, rawDeno];

const usage = [
  "Usage: deno task bench:echo [options]",
  "",
  "Echo servers under every kit runtime, raw Deno and Node.js, driven by one",
  "load client; prints requests/s, server CPU per request and ratios to raw Deno.",
  "",
  "Options:",
  "  --seconds S     measured seconds per run (default 2)",
  "  --runs N        measured runs per server and size, interleaved (default 3)",
  "  --clients N     concurrent connections (default 10)",
  "  --sizes LIST    message sizes in KiB, comma-separated (default 1,10,100)",
  `  --serve NAME    run one echo server (${listOf(servable)}) and print its port;`,
  "                  how the benchmark starts its servers",
  "  -h, --help      show this help",
].join("\n");

interface Settings {
  seconds: number;
  runs: number;
  clients: number;
  sizes: number[];
}

function positive(option: string, text: string, integer: boolean): number {
  const value = Number(text);
  const valid = text.trim() !== "" && Number.isFinite(value) && value > 0 &&
    (!integer || Number.isInteger(value));
  if (!valid) {
    exitWithUsage(
      `${option} takes ${
        integer ? "a whole number of 1 or more" : "a number above 0"
      }, not '${text}'`,
      usage,
    );
  }
  return value;
}

function parseCommandLine(args: string[]): Settings | { serve: string } {
  const values = parseOptionsOrExit(args, {
    seconds: { type: "string" },
    runs: { type: "string" },
    clients: { type: "string" },
    sizes: { type: "string" },
    serve: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, usage);
  const serve = values.serve as string | undefined;
  if (serve !== undefined) {
    if (!servable.includes(serve)) {
      exitWithUsage(`unknown server '${serve}'; allowed: ${listOf(servable)}`, usage);
    }
    return { serve };
  }
  const text = (name: string, fallback: string) => (values[name] as string | undefined) ?? fallback;
  return {
    seconds: positive("--seconds", text("seconds", "2"), false),
    runs: positive("--runs", text("runs", "3"), true),
    clients: positive("--clients", text("clients", "10"), true),
    sizes: text("sizes", "1,10,100").split(",").map((kibText) =>
      positive("--sizes", kibText, true) * 1024
    ),
  };
}

async function nodeIsThere(): Promise<boolean> {
  try {
    return (await new Deno.Command("node", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

async function main(settings: Settings): Promise<number> {
  const names = [...runtimeNames, rawDeno];
  if (await nodeIsThere()) names.push(nodeServer);
  else console.log("node is not on the PATH: no Node.js row");
  const servers = new Map<string, RunningServer>();
  const startErrors = new Map<string, string>();
  try {
    for (const name of names) {
      try {
        const server = await startServer(name);
        servers.set(name, server);
        await warmUp(server, settings);
      } catch (error) {
        startErrors.set(name, errorMessage(error));
      }
    }
    const rows = new Map(settings.sizes.map((size) => [
      size,
      names.map((name): Row => ({ name, samples: [], error: startErrors.get(name) })),
    ]));
    for (let run = 0; run < settings.runs; run++) {
      for (const size of settings.sizes) {
        const sizeRows = rows.get(size)!;
        for (let k = 0; k < names.length; k++) {
          const row = sizeRows[(k + run) % names.length];
          if (row.error !== undefined) continue;
          try {
            row.samples.push(await measure(servers.get(row.name)!, size, settings));
          } catch (error) {
            row.error = errorMessage(error);
          }
        }
      }
    }
    const missed: string[] = [];
    for (const size of settings.sizes) {
      missed.push(...printTable(size, rows.get(size)!, settings));
      console.log("");
    }
    console.log(
      missed.length === 0
        ? `goal held: ${runtimesWithGoal.join(", ")} at ${throughputGoal}x raw Deno's requests/s ` +
          "or more, at every size"
        : `MISSED ${missed.length} of the goals (${throughputGoal}x raw Deno): ${
          missed.join("; ")
        }`,
    );
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
  return exitStatus.ok;
}

if (import.meta.main) {
  const parsed = parseCommandLine(Deno.args);
  if ("serve" in parsed) await serve(parsed.serve);
  else Deno.exit(await main(parsed));
}
