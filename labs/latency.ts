/**
 * latency: the workshop's table of latencies (Table 18-1), measured on the
 * machine it runs on and printed beside the workshop's own figures.
 *
 * The table is the workshop's whole argument for non-blocking I/O: stretch
 * one CPU cycle to one second, and a cache hit takes seconds while a disk
 * or a network takes years, years a blocked thread spends doing nothing.
 *
 * - L1, L2, RAM: dependent loads (each address is the last load's value)
 *   through a random cycle over a working set of the chosen size;
 * - disk: 4 KiB written, fsync'd and read back, in a temporary folder that
 *   is removed however the run ends;
 * - network: a one-byte round trip through a TCP echo on 127.0.0.1, and,
 *   with `--host`, a TCP connect to a host the user names.
 *
 * Each figure is in nanoseconds, in CPU cycles at a clock rate measured (a
 * chain of dependent adds) or stated with `--ghz`, and on the human scale.
 * It measures the host, not the runtimes: the caches, RAM and disk are
 * synchronous steps no runtime touches; the network's round trips are made
 * one `call` each, so `--runtime` decides what drives them and what it adds
 * to each. Real time only.
 *
 * @module
 */

import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeNames } from "../runtimes/registry.ts";
import { describeError, isCancellation } from "../runtimes/errors.ts";
import type { Operation } from "../runtimes/types.ts";
import { call, log } from "../runtimes/verbs.ts";
import { type Lab, UsageError } from "./lab.ts";
import {
  type BatchPlan,
  chaseLoads,
  diskBlockBytes,
  diskProbe,
  hostConnects,
  lineBytes,
  loopbackEcho,
  loopbackTrips,
  maxBatchMs,
  measureGhz,
  paced,
  pointerRing,
  timeBatches,
  timerTick,
  type Timing,
} from "./latency_probes.ts";

// ---- the workshop's table

/** The rows of the workshop's table. */
export type RowKind = "L1" | "L2" | "RAM" | "disk" | "network";

/** One row of the workshop's table: latency in CPU cycles, and on its human scale. */
export interface WorkshopRow {
  kind: RowKind;
  cycles: number;
  human: string;
}

/** The workshop's table: latency in CPU cycles, and with one cycle stretched to one second. */
export const workshopTable: readonly WorkshopRow[] = [
  { kind: "L1", cycles: 3, human: "3 seconds" },
  { kind: "L2", cycles: 14, human: "14 seconds" },
  { kind: "RAM", cycles: 250, human: "250 seconds" },
  { kind: "disk", cycles: 41_000_000, human: "1.3 years" },
  { kind: "network", cycles: 240_000_000, human: "7.6 years" },
];

// ---- formatting

const secondsPer = {
  minute: 60,
  hour: 3600,
  day: 86_400,
  year: 365.25 * 86_400,
};

/**
 * `value` to `digits` significant digits (`1.3`, `14`), but whole from
 * 10 ** `digits` on (`250`, not `2.5e2`; `12,345`), thousands separated.
 */
function roundedFigure(value: number, digits: number): string {
  const rounded = value >= 10 ** digits ? Math.round(value) : Number(value.toPrecision(digits));
  return rounded.toLocaleString("en-US", { maximumFractionDigits: 20 });
}

/**
 * A duration in seconds on the human scale, to two significant digits
 * (whole from 100 on), in the unit a person would say: seconds up to a thousand (the workshop's
 * RAM reads 250 seconds), minutes up to a hundred, hours up to two days,
 * days up to a year, then years.
 */
export function formatHuman(seconds: number): string {
  const [count, unit] = seconds < 1000
    ? [seconds, "second"]
    : seconds < 100 * secondsPer.minute
    ? [seconds / secondsPer.minute, "minute"]
    : seconds < 2 * secondsPer.day
    ? [seconds / secondsPer.hour, "hour"]
    : seconds < secondsPer.year
    ? [seconds / secondsPer.day, "day"]
    : [seconds / secondsPer.year, "year"];
  const text = roundedFigure(count, 2);
  return `${text} ${unit}${text === "1" ? "" : "s"}`;
}

/** Nanoseconds or cycles: `1.25`, `14.2`, `1,234,567`. */
export function formatFigure(value: number): string {
  // Decided on the rounded value: 9.996 is `10.0`, not `10.00`.
  if (value >= 99.95) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(value >= 9.995 ? 1 : 2);
}

/** `16 KiB`, `256 MiB`, `1.5 KiB`, `100 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}

// ---- the measured table

/** One measured row: what was measured, and its figure or why there is none. */
export interface MeasuredRow {
  kind: RowKind;
  /** The row's name: `L1 cache`, `network: 127.0.0.1`. */
  label: string;
  /** What was measured over: `16 KiB`, `1 byte`. */
  over: string;
  /** Nanoseconds per operation; absent when the probe failed. */
  ns?: number;
  /** Why there is no figure. */
  failure?: string;
  /** What the figure really measures, and how it can mislead. */
  note: string;
}

/** The table's columns, in order. */
export const columns = [
  "latency of",
  "over",
  "ns",
  "cycles",
  "human scale",
  "workshop cycles",
  "workshop human",
  "what it really measures, and how it misleads",
] as const;

/** The columns whose cells are numbers, aligned to the right. */
const numericColumns = new Set<string>(["ns", "cycles", "workshop cycles"]);

/** The cells of the table, one array per row, in `columns` order, at `ghz`. */
export function tableCells(rows: readonly MeasuredRow[], ghz: number): string[][] {
  return rows.map((row) => {
    const workshop = workshopTable.find((each) => each.kind === row.kind)!;
    const cycles = row.ns === undefined ? undefined : row.ns * ghz;
    return [
      row.label,
      row.over,
      row.ns === undefined ? "failed" : formatFigure(row.ns),
      cycles === undefined ? "-" : formatFigure(cycles),
      cycles === undefined ? "-" : formatHuman(cycles),
      workshop.cycles.toLocaleString("en-US"),
      workshop.human,
      row.failure ?? row.note,
    ];
  });
}

/** The width the last column, the notes, is wrapped to. */
export const noteWidth = 52;

/** The width the lines around the table are wrapped to. */
const proseWidth = 100;

/** `text` in lines of at most `width` characters, broken between words. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * The table as aligned lines: the header, then each row, its notes wrapped
 * onto lines of their own under the last column.
 */
export function formatTable(rows: readonly MeasuredRow[], ghz: number): string[] {
  const cells = [[...columns], ...tableCells(rows, ghz)];
  const last = columns.length - 1;
  const widths = columns.map((_, column) =>
    column === last ? 0 : Math.max(...cells.map((line) => line[column].length))
  );
  const align = (line: readonly string[], header: boolean) =>
    line.map((cell, column) =>
      numericColumns.has(columns[column]) && !header
        ? cell.padStart(widths[column])
        : cell.padEnd(widths[column])
    ).join("  ").trimEnd();
  return cells.flatMap((line, index) => {
    if (index === 0) return [align(line, true)];
    const [first, ...more] = wrapWords(line[last], noteWidth);
    const blank = line.map(() => "");
    return [
      align([...line.slice(0, last), first], false),
      ...more.map((note) => align([...blank.slice(0, last), note], true)),
    ];
  });
}

// ---- options

/** The latency lab's options. */
export interface LatencyOptions {
  /** Working sets, in bytes (whole cache lines). */
  l1: number;
  l2: number;
  ram: number;
  /** Milliseconds for each measurement. */
  budgetMs: number;
  /** A stated clock rate, or `undefined` to measure it. */
  ghz?: number;
  /** A host to time a TCP connect to. */
  host?: { hostname: string; port: number };
  /** Where the temporary folder is made. */
  tempParent: string;
  /** The runtime named with `--runtime`, for the heading. */
  runtime: string;
}

const minSetBytes = 1024;
const maxSetBytes = 1024 ** 3;

const sizeUnits: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A working-set size: `16K`, `16KiB`, `256M`, `1G`, `4096` (bytes); K, M
 * and G are powers of 1,024. Rounded down to whole cache lines.
 */
export function parseSize(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim()) ??
    /^(\d+)\s*(b)$/i.exec(text.trim());
  const bytes = match ? Number(match[1]) * sizeUnits[match[2].toLowerCase()] : NaN;
  if (!(bytes >= minSetBytes && bytes <= maxSetBytes)) {
    throw new UsageError(
      `--${name} takes a size from 1K to 1G, such as 16K, 256KiB or 64M, not '${text}'`,
    );
  }
  return Math.floor(bytes / lineBytes) * lineBytes;
}

/** What `--host` takes, said in every refusal of it. */
const hostForms = "--host takes HOST:PORT or [IPv6]:PORT, such as example.com:443, " +
  "192.0.2.1:80 or [::1]:22: a name of letters, digits, hyphens and single dots (an " +
  "international name in its xn-- form), an IPv4 address, or an IPv6 address in brackets, " +
  "with a port from 1 to 65535";

/** A name's labels: ASCII letters, digits, hyphens (and underscores, which some hosts use). */
const hostName =
  /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Whether `text` is an IPv6 address, as the URL parser reads one. */
function isIPv6(text: string): boolean {
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * `HOST:PORT` or `[IPv6]:PORT`, checked here, so that what Deno's
 * permissions and `Deno.connect` are given is well formed (Deno throws a
 * URIError for a malformed host).
 */
export function parseHost(text: string): { hostname: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:]+):(\d{1,5})$/.exec(text);
  const match = bracketed ?? plain;
  const port = match ? Number(match[2]) : NaN;
  const hostOk = bracketed ? isIPv6(bracketed[1]) : plain ? hostName.test(plain[1]) : false;
  if (!match || !hostOk || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`${hostForms}; not '${text}'`);
  }
  return { hostname: match[1], port };
}

/** `hostname:port` as Deno's `--allow-net` and permissions take it: an IPv6 address in brackets. */
export function hostPort({ hostname, port }: { hostname: string; port: number }): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

function parseBudget(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(ms >= 10 && ms <= 10_000)) {
    throw new UsageError(`--budget takes whole milliseconds from 10 to 10000, not '${text}'`);
  }
  return ms;
}

function parseGhz(text: string): number {
  const ghz = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!(ghz >= 0.1 && ghz <= 10)) {
    throw new UsageError(
      `--ghz takes a clock rate in GHz from 0.1 to 10, such as 3.2, not '${text}'`,
    );
  }
  return ghz;
}

/** The default runtime, as the runner's; not imported from it, which imports every lab. */
const defaultRuntime = "generator";

/** Check the command-line values, and the permissions the run needs; bad ones are usage errors. */
export function parseLatencyOptions(
  values: Record<string, string | boolean | undefined>,
): LatencyOptions {
  const text = (name: string) => values[name] as string | undefined;
  const l1 = parseSize("l1", text("l1") ?? "16K");
  const l2 = parseSize("l2", text("l2") ?? "256K");
  const ram = parseSize("ram", text("ram") ?? "256M");
  if (!(l1 < l2 && l2 < ram)) {
    throw new UsageError(
      `the working sets must grow: --l1 ${formatBytes(l1)}, --l2 ${formatBytes(l2)} ` +
        `and --ram ${formatBytes(ram)} are not in increasing order`,
    );
  }
  const host = text("host") === undefined ? undefined : parseHost(text("host")!);
  if (host) {
    let state: Deno.PermissionState;
    try {
      state = Deno.permissions.querySync({ name: "net", host: hostPort(host) }).state;
    } catch (error) {
      // A form `parseHost` let through that Deno still refuses.
      throw new UsageError(`${hostForms}; not '${text("host")}' (${describeError(error)})`);
    }
    if (state !== "granted") {
      throw new UsageError(
        `--host ${text("host")}: no permission to connect there; the lab:latency task may ` +
          `connect to 127.0.0.1 only. Run it with that permission: deno run --allow-read ` +
          `--allow-env --allow-write=/tmp --allow-net=127.0.0.1,${hostPort(host)} ` +
          `tools/lab.ts latency --host ${text("host")}`,
      );
    }
  }
  // The disk probe writes in the system's temporary folder; the task may
  // write there only (TMPDIR moves it).
  const tempParent = tmpdir();
  if (Deno.permissions.querySync({ name: "write", path: tempParent }).state !== "granted") {
    throw new UsageError(
      `the disk probe writes a temporary folder in ${tempParent}, and has no permission ` +
        "to: run deno task lab:latency, which may write under /tmp (with TMPDIR=/tmp if " +
        "the system's temporary folder is elsewhere)",
    );
  }
  return {
    l1,
    l2,
    ram,
    budgetMs: parseBudget(text("budget") ?? "400"),
    ghz: text("ghz") === undefined ? undefined : parseGhz(text("ghz")!),
    host,
    tempParent,
    runtime: text("runtime") ?? defaultRuntime,
  };
}

// ---- the run

/** What each row really measures, and how it can mislead. */
const notes = {
  L1: "a load whose address is the last load's value, in a set that fits L1; " +
    "the loop's own counting and the JIT's bounds check ride along",
  L2: "the same, in a set too big for L1 (if L1 is larger than the set, or L2 smaller, " +
    "this is another level)",
  RAM: "the same, in random order so prefetchers cannot guess; but each load also " +
    "misses the TLB, and real code mostly streams, where prefetchers hide RAM",
  disk: "write, fsync, read back: the fsync waits on the device, whose own cache (or a " +
    "VM's host) may answer; the read comes from the page cache, not the disk; a /tmp in " +
    "RAM (tmpfs) has no disk at all",
  loopback: "one byte out and back through the kernel and both ends in this process, " +
    "one call each under the runtime: no wire, no distance; a loopback round trip is not a network",
  host: "a TCP connect: one round trip (SYN, SYN-ACK) plus the kernel's work and, " +
    "for a name, its lookup; it varies with the route and the hour",
};

/** The median or fastest batch, and how many there were: `fastest of 212`. */
function described(timing: Timing): string {
  return `${timing.statistic} of ${timing.batches}`;
}

/** What the disk probe's temporary folder is called: fixed, so that a stale one is known. */
export const probeFolderPrefix = "kit-latency-probe-";

/** How old a probe folder must be to count as left behind by a run that was killed. */
export const staleFolderMs = 60 * 60 * 1000;

/**
 * Remove the probe folders in `parent` that a run killed outright
 * (SIGKILL, a crash) left behind: those of the lab's own naming, older
 * than {@link staleFolderMs} (a run takes seconds; a younger one may be
 * another run's, in progress). Best effort: one that cannot be removed is
 * left.
 */
export function sweepStaleFolders(parent: string, now = Date.now()): string[] {
  const swept: string[] = [];
  for (const entry of Deno.readDirSync(parent)) {
    if (!entry.isDirectory || !entry.name.startsWith(probeFolderPrefix)) continue;
    const path = join(parent, entry.name);
    try {
      const changed = Deno.statSync(path).mtime?.getTime() ?? now;
      if (now - changed < staleFolderMs) continue;
      Deno.removeSync(path, { recursive: true });
      swept.push(path);
    } catch {
      // Another user's, or gone already: not this run's business.
    }
  }
  return swept;
}

/** Measure every row, print the table beside the workshop's; 1 if a named host failed. */
export function* latencyMain(options: LatencyOptions): Operation<number> {
  const started = performance.now();
  const tick = timerTick();
  // A batch lasts a thousand ticks, so that the tick is a tenth of a
  // percent of it, but no longer than fits between two returns to the
  // event loop (with a coarse timer, the tick is a larger part).
  const plan: BatchPlan = {
    budgetMs: options.budgetMs,
    minBatchMs: Math.min(maxBatchMs, Math.max(1, 1000 * tick)),
  };
  const clockPlan = { ...plan, budgetMs: Math.min(plan.budgetMs, 300) };
  const ghz = options.ghz ?? (yield* measureGhz(clockPlan));
  const rows: MeasuredRow[] = [];
  const statistics: string[] = [];

  for (
    const [kind, label, bytes] of [
      ["L1", "L1 cache", options.l1],
      ["L2", "L2 cache", options.l2],
      ["RAM", "RAM", options.ram],
    ] as const
  ) {
    const ring = yield* paced(pointerRing(bytes));
    const timing = yield* timeBatches(chaseLoads(ring), plan, "fastest");
    rows.push({ kind, label, over: formatBytes(bytes), ns: timing.nsPerOp, note: notes[kind] });
    statistics.push(`${label} ${described(timing)}`);
  }

  sweepStaleFolders(options.tempParent);
  // Removed however the run ends: the probes return to the event loop
  // between batches, so a Ctrl-C (or SIGTERM) halts the run there and this
  // `finally` runs; only a run killed outright leaves it, for the sweep.
  const folder = Deno.makeTempDirSync({ dir: options.tempParent, prefix: probeFolderPrefix });
  try {
    const probe = diskProbe(folder);
    try {
      const timing = yield* timeBatches(probe.batch, plan, "median");
      rows.push({
        kind: "disk",
        label: "disk",
        over: `${formatBytes(diskBlockBytes)} + fsync`,
        ns: timing.nsPerOp,
        note: notes.disk,
      });
      statistics.push(`disk ${described(timing)}`);
    } finally {
      probe.close();
    }
  } finally {
    Deno.removeSync(folder, { recursive: true });
  }

  const echo = yield* call(() => loopbackEcho());
  try {
    const timing = yield* timeBatches(loopbackTrips(echo), plan, "median");
    rows.push({
      kind: "network",
      label: "network: loopback",
      over: "1 byte, TCP",
      ns: timing.nsPerOp,
      note: notes.loopback,
    });
    statistics.push(`loopback ${described(timing)}`);
  } finally {
    yield* call(() => echo.close());
  }

  let status = 0;
  if (options.host) {
    const { hostname, port } = options.host;
    const name = hostPort(options.host);
    const row: MeasuredRow = {
      kind: "network",
      label: `network: ${name}`,
      over: "TCP connect",
      note: notes.host,
    };
    try {
      const timing = yield* timeBatches(hostConnects(hostname, port), {
        ...plan,
        budgetMs: Math.max(plan.budgetMs, 2000),
        maxOps: 20,
      }, "median");
      row.ns = timing.nsPerOp;
      statistics.push(`${name} ${described(timing)}`);
    } catch (error) {
      // A Ctrl-C stops the run here as anywhere; only the host's own failure is a row.
      if (isCancellation(error)) throw error;
      row.failure = `cannot connect to ${name}: ${
        error instanceof Error ? error.message : String(error)
      }`;
      status = 1;
    }
    rows.push(row);
  }

  const elapsed = (performance.now() - started) / 1000;
  const clockLine = options.ghz === undefined
    ? `${ghz.toFixed(2)} GHz, measured by a chain of dependent adds and xors, assuming ` +
      "one per cycle (a shared or throttled core reads slow, turbo reads fast; --ghz states it)"
    : `${ghz} GHz, as stated with --ghz`;
  // Prose wrapped for a 100-column terminal, continued lines indented.
  const prose = (text: string) =>
    wrapWords(text, proseWidth).map((line, index) => index === 0 ? line : `  ${line}`);
  const lines = [
    "The workshop's table of latencies, measured on this machine",
    "",
    ...prose(`clock: ${clockLine}`),
    ...prose(
      `timer: performance.now() steps by ${formatFigure(tick * 1e6)} ns here; every batch ` +
        `lasts at least ${formatFigure(plan.minBatchMs)} ms, after a warm-up in which the JIT ` +
        "compiles the loop",
    ),
    ...prose(
      `runtime: ${options.runtime} drives the network round trips, one call each; the other ` +
        "rows are synchronous steps no runtime touches",
    ),
    "",
    ...formatTable(rows, ghz),
    "",
    "human scale: one CPU cycle stretched to one second; cycles: ns times the clock rate",
    ...prose(
      `batches: ${statistics.join(", ")}: the fastest batch for the CPU-bound rows, since ` +
        "other processes only ever add time to them; the median for I/O, whose spread is its own",
    ),
    `measured in ${elapsed.toFixed(1)} s (goal: under ${DURATION_GOAL_S} s; ${
      elapsed < DURATION_GOAL_S ? "met" : "not met"
    })`,
  ];
  for (const line of lines) yield* log(line);
  return status;
}

/** How long a default run may take: the workshop's table should not stall a class. */
const DURATION_GOAL_S = 10;

/** The latency lab. */
export const latencyLab: Lab<LatencyOptions> = {
  name: "latency",
  summary: "the workshop's table of latencies (L1, L2, RAM, disk, network) measured here",
  options: {
    // The runner's own --runtime, said as it applies here (--clock: realClockOnly).
    runtime: {
      type: "string",
      short: "r",
      choices: runtimeNames,
      placeholder: "NAME",
      help: `what drives the network round trips, one call each (default ${defaultRuntime}); ` +
        "the caches, RAM and disk are synchronous steps no runtime touches",
    },
    l1: { type: "string", placeholder: "SIZE", help: "the L1 working set (default 16K)" },
    l2: { type: "string", placeholder: "SIZE", help: "the L2 working set (default 256K)" },
    ram: {
      type: "string",
      placeholder: "SIZE",
      help: "the RAM working set (default 256M); sizes from 1K to 1G",
    },
    budget: {
      type: "string",
      placeholder: "MS",
      help: "milliseconds for each measurement, 10 to 10000 (default 400)",
    },
    ghz: {
      type: "string",
      placeholder: "GHZ",
      help: "the CPU's clock rate, instead of measuring it",
    },
    host: {
      type: "string",
      placeholder: "HOST:PORT",
      help: "also time a TCP connect to this host (a name, an IPv4 address, or an IPv6 " +
        "address in brackets: [::1]:22); the lab:latency task may connect to " +
        "127.0.0.1 only, so another host needs --allow-net=HOST:PORT on a deno run of tools/lab.ts",
    },
  },
  defaultClock: "real",
  realClockOnly: "it measures the host in real time; in virtual time every figure would be 0",
  notComparable: "it measures the host (caches, RAM, disk, network), which is the same " +
    "under every runtime; run deno task lab:latency --runtime NAME instead",
  parse: parseLatencyOptions,
  main: latencyMain,
};
