// lab:latency: the table's shape and units, the workshop's column, the
// human scale as pure functions, the options; then one run by subprocess
// with small working sets. Never a speed: what the machine measures is its
// own business.

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { UsageError } from "../labs/lab.ts";
import {
  columns,
  formatFigure,
  formatHuman,
  formatTable,
  hostPort,
  type MeasuredRow,
  noteWidth,
  parseHost,
  parseLatencyOptions,
  parseSize,
  probeFolderPrefix,
  staleFolderMs,
  sweepStaleFolders,
  tableCells,
  workshopTable,
} from "../labs/latency.ts";
import { pointerRing } from "../labs/latency_probes.ts";
import { ChildOutput, denoCommand, runDeno } from "./harness.ts";

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const compareScript = fileURLToPath(new URL("../tools/compare.ts", import.meta.url));

Deno.test("latency: the workshop's column is its table, cycle for cycle", () => {
  deepEqual(workshopTable.map((row) => [row.kind, row.cycles, row.human]), [
    ["L1", 3, "3 seconds"],
    ["L2", 14, "14 seconds"],
    ["RAM", 250, "250 seconds"],
    ["disk", 41_000_000, "1.3 years"],
    ["network", 240_000_000, "7.6 years"],
  ]);
});

Deno.test("latency: the human scale of the workshop's cycles reads as the workshop wrote it", () => {
  for (const row of workshopTable) equal(formatHuman(row.cycles), row.human);
});

Deno.test("latency: the human scale picks the unit a person would say", () => {
  const cases: [number, string][] = [
    [0.5, "0.5 seconds"],
    [1, "1 second"],
    [4.99, "5 seconds"],
    [14.66, "15 seconds"],
    [893, "893 seconds"],
    [1000, "17 minutes"],
    [60 * 60, "60 minutes"],
    [100 * 60, "1.7 hours"],
    [35 * 3600, "35 hours"],
    [2 * 86_400, "2 days"],
    [26_837_332, "311 days"],
    [365.25 * 86_400, "1 year"],
    [1_234_567_890, "39 years"],
    [365.25 * 86_400 * 12_345, "12,345 years"],
  ];
  deepEqual(cases.map(([seconds]) => formatHuman(seconds)), cases.map(([, text]) => text));
});

Deno.test("latency: figures keep two or three significant digits, thousands separated", () => {
  deepEqual([1.494, 9.996, 14.66, 99.97, 342.4, 8_003_875.4].map(formatFigure), [
    "1.49",
    "10.0",
    "14.7",
    "100",
    "342",
    "8,003,875",
  ]);
});

const measured: MeasuredRow[] = [
  { kind: "L1", label: "L1 cache", over: "16 KiB", ns: 1.5, note: "loads in L1" },
  { kind: "L2", label: "L2 cache", over: "256 KiB", ns: 7, note: "loads in L2" },
  { kind: "RAM", label: "RAM", over: "256 MiB", ns: 125, note: "loads in RAM" },
  { kind: "disk", label: "disk", over: "4 KiB + fsync", ns: 4_000_000, note: "fsync" },
  { kind: "network", label: "network: loopback", over: "1 byte", ns: 30_000, note: "no wire" },
  {
    kind: "network",
    label: "network: example.com:443",
    over: "TCP connect",
    failure: "cannot connect to example.com:443: refused",
    note: "a connect",
  },
];

Deno.test("latency: one row per measurement, every column, the units in their cells", () => {
  const cells = tableCells(measured, 2);
  equal(cells.length, measured.length);
  for (const row of cells) equal(row.length, columns.length);
  deepEqual(columns, [
    "latency of",
    "over",
    "ns",
    "cycles",
    "human scale",
    "workshop cycles",
    "workshop human",
    "what it really measures, and how it misleads",
  ]);
  const number = (text: string) => Number(text.replaceAll(",", ""));
  for (const [index, row] of cells.slice(0, 5).entries()) {
    const [, , ns, cycles, human, workshopCycles, workshopHuman] = row;
    match(ns, /^\d{1,3}(,\d{3})*(\.\d+)?$/);
    equal(number(ns), measured[index].ns);
    // Cycles are nanoseconds at the clock rate: 2 GHz, two cycles a nanosecond.
    equal(number(cycles), measured[index].ns! * 2);
    match(human, /^\d[\d,.]* (second|minute|hour|day|year)s?$/);
    equal(human, formatHuman(number(cycles)));
    const workshop = workshopTable.find((each) => each.kind === measured[index].kind)!;
    deepEqual([number(workshopCycles), workshopHuman], [workshop.cycles, workshop.human]);
  }
  deepEqual(cells.map((row) => row[4]), [
    "3 seconds",
    "14 seconds",
    "250 seconds",
    "93 days",
    "17 hours",
    "-",
  ]);
  // A host that could not be reached: no figure, the reason in the notes,
  // the workshop's network beside it all the same.
  deepEqual(cells[5].slice(2), [
    "failed",
    "-",
    "-",
    "240,000,000",
    "7.6 years",
    "cannot connect to example.com:443: refused",
  ]);
});

Deno.test("latency: the table's columns line up, and long notes wrap under their column", () => {
  const note = "a long note that goes on and on about caches, prefetchers and " +
    "page caches until it needs a second line and then a third one too";
  const lines = formatTable([{ ...measured[0], note }, measured[4]], 3);
  equal(lines[0].split(/\s{2,}/).length, columns.length);
  const noteAt = lines[0].indexOf("what it really measures");
  equal(lines[1].indexOf("a long note"), noteAt);
  equal(lines.length, 1 + 3 + 1);
  for (const line of lines.slice(2, 4)) {
    equal(line.slice(0, noteAt).trim(), "");
    ok(line.length - noteAt <= noteWidth, line);
  }
  equal(lines.slice(1, 4).map((line) => line.slice(noteAt)).join(" "), note);
  match(lines[4], /^network: loopback +1 byte +30,000 +90,000 +25 hours +240,000,000 +7\.6 years/);
});

Deno.test("latency: working-set sizes take K, M and G as powers of 1,024, in whole lines", () => {
  deepEqual(
    ["16K", "256KiB", "64M", "1G", "4096", "1.5 KB", "1100B"].map((text) => parseSize("ram", text)),
    [
      16_384,
      262_144,
      67_108_864,
      1_073_741_824,
      4096,
      1536,
      1088,
    ],
  );
  for (const bad of ["100", "2G", "abc", "", "16Q", "-16K"]) {
    throws(() => parseSize("ram", bad), (error: Error) => {
      ok(error instanceof UsageError);
      match(error.message, /^--ram takes a size from 1K to 1G, such as 16K, 256KiB or 64M, not '/);
      return true;
    });
  }
});

Deno.test("latency: --host takes HOST:PORT or [IPv6]:PORT", () => {
  deepEqual(parseHost("example.com:443"), { hostname: "example.com", port: 443 });
  deepEqual(parseHost("192.0.2.1:80"), { hostname: "192.0.2.1", port: 80 });
  deepEqual(parseHost("xn--bcher-kva.example:80"), { hostname: "xn--bcher-kva.example", port: 80 });
  deepEqual(parseHost("[::1]:22"), { hostname: "::1", port: 22 });
  equal(hostPort(parseHost("[::1]:22")), "[::1]:22");
  equal(hostPort(parseHost("example.com:443")), "example.com:443");
  // Each a URIError from Deno's permissions once, uncaught in the lab's thread.
  const malformed = ["%:80", "a..b:80", "a@b:80", "a?b:80", "ü.com:80", "-a.com:80", "[nope]:80"];
  for (
    const bad of [
      ...malformed,
      "example.com",
      "example.com:0",
      "example.com:70000",
      "::1:22",
      ":80",
    ]
  ) {
    throws(() => parseHost(bad), /^UsageError: --host takes HOST:PORT or \[IPv6\]:PORT/, bad);
  }
});

Deno.test("latency: options are checked before anything is measured", () => {
  throws(
    () => parseLatencyOptions({ l1: "64K", l2: "32K" }),
    /the working sets must grow: --l1 64 KiB, --l2 32 KiB and --ram 256 MiB/,
  );
  throws(() => parseLatencyOptions({ budget: "5" }), /--budget takes whole milliseconds/);
  throws(() => parseLatencyOptions({ ghz: "fast" }), /--ghz takes a clock rate in GHz/);
  // The tests may connect to 127.0.0.1 only: another host is refused up front.
  throws(
    () => parseLatencyOptions({ host: "192.0.2.1:80" }),
    /--host 192\.0\.2\.1:80: no permission to connect there; .*--allow-net=127\.0\.0\.1,192\.0\.2\.1:80/,
  );
  const options = parseLatencyOptions({ ghz: "3.2", host: "127.0.0.1:7", runtime: "nursery" });
  deepEqual(
    [
      options.l1,
      options.l2,
      options.ram,
      options.budgetMs,
      options.ghz,
      options.host,
      options.runtime,
    ],
    [16_384, 262_144, 268_435_456, 400, 3.2, { hostname: "127.0.0.1", port: 7 }, "nursery"],
  );
});

Deno.test("latency: the pointer ring is one cycle through every cache line", () => {
  const steps = pointerRing(64 * 1000);
  let step = steps.next();
  while (!step.done) step = steps.next();
  const ring = step.value;
  const seen = new Set<number>();
  let index = 0;
  do {
    equal(index % 16, 0);
    seen.add(index);
    index = ring[index];
  } while (index !== 0 && seen.size <= 1000);
  equal(seen.size, 1000);
});

/**
 * The arguments that run the lab as a user does, with its temporary folder
 * made under `tempParent`, and `net` the hosts it may connect to.
 */
function latencyArgs(args: string[], tempParent: string, net = "127.0.0.1"): string[] {
  return [
    "run",
    "--allow-read",
    "--allow-env",
    `--allow-net=${net}`,
    `--allow-write=${tempParent}`,
    labScript,
    "latency",
    ...args,
  ];
}

/** Run the lab as {@link latencyArgs} says, to its end. */
function latency(args: string[], tempParent: string, net?: string) {
  return runDeno(latencyArgs(args, tempParent, net), { TMPDIR: tempParent });
}

const small = ["--l1", "4K", "--l2", "32K", "--ram", "1M", "--budget", "20"];

Deno.test("latency: a run prints the table beside the workshop's, and removes its temporary folder", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // A probe folder a killed run left two hours ago: swept.
  const stale = `${tempParent}/${probeFolderPrefix}stale`;
  Deno.mkdirSync(stale);
  Deno.writeFileSync(`${stale}/probe.bin`, new Uint8Array(4096));
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
  Deno.utimeSync(stale, twoHoursAgo, twoHoursAgo);
  try {
    const host = `127.0.0.1:${listener.addr.port}`;
    const { code, stdout, stderr } = await latency(
      [...small, "--ghz", "3", "--host", host],
      tempParent,
    );
    equal(stderr, "");
    equal(code, 0, stdout);
    const lines = stdout.split("\n");
    equal(lines[0], "The workshop's table of latencies, measured on this machine");
    ok(lines.includes("clock: 3 GHz, as stated with --ghz"), stdout);
    const header = lines.findIndex((line) => line.startsWith("latency of"));
    deepEqual(lines[header].split(/\s{2,}/), [...columns]);
    const table = lines.slice(header + 1, lines.indexOf("", header));
    const rows = table.filter((line) => /^\S/.test(line));
    const labels = ["L1 cache", "L2 cache", "RAM", "disk", "network: loopback", `network: ${host}`];
    equal(rows.length, labels.length, stdout);
    for (const [index, row] of rows.entries()) {
      ok(row.startsWith(labels[index]), row);
      const workshop = workshopTable[Math.min(index, 4)];
      match(
        row,
        new RegExp(
          ` [\\d,.]+ +[\\d,.]+ +[\\d,.]+ (second|minute|hour|day|year)s? +` +
            `${workshop.cycles.toLocaleString("en-US")} +${workshop.human} +\\S`,
        ),
      );
    }
    match(stdout, /^runtime: generator drives the network round trips/m);
    match(stdout, /^measured in \d+\.\d s \(goal: under 10 s; (met|not met)\)$/m);
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    listener.close();
    Deno.removeSync(tempParent, { recursive: true });
  }
});

for (const runtime of ["effection", "effect"]) {
  Deno.test(`latency: --runtime ${runtime} drives the same network rows as the others`, async () => {
    const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const host = `127.0.0.1:${listener.addr.port}`;
      const { code, stdout, stderr } = await latency(
        [...small, "--ghz", "3", "--host", host, "--runtime", runtime],
        tempParent,
      );
      equal(stderr, "");
      equal(code, 0, stdout);
      match(stdout, /^network: loopback +1 byte, TCP +[\d,.]+ /m);
      match(stdout, new RegExp(`^network: ${host} +TCP connect +[\\d,.]+ `, "m"));
      match(stdout, new RegExp(`^runtime: ${runtime} drives the network round trips`, "m"));
      deepEqual([...Deno.readDirSync(tempParent)], []);
    } finally {
      listener.close();
      Deno.removeSync(tempParent, { recursive: true });
    }
  });
}

Deno.test("latency: a host that refuses the connection is a row that says so, exit 1", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  // A port just freed: nothing listens there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const host = `127.0.0.1:${listener.addr.port}`;
  listener.close();
  try {
    const { code, stdout } = await latency(
      [...small, "--host", host, "--runtime", "native"],
      tempParent,
    );
    equal(code, 1, stdout);
    match(
      stdout,
      new RegExp(
        `^network: ${host} +TCP connect +failed +- +- +240,000,000 +7\\.6 years +cannot connect to ${host}: `,
        "m",
      ),
    );
    match(stdout, /^runtime: native drives the network/m);
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    Deno.removeSync(tempParent, { recursive: true });
  }
});

Deno.test("latency: virtual time is refused, and its help names the real clock only", async () => {
  const refused = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    labScript,
    "latency",
    "--clock",
    "virtual",
  ]);
  equal(refused.code, 2);
  match(
    refused.stderr,
    /^error: latency cannot run on the virtual clock: it measures the host .*; allowed: real\n/,
  );
  const help = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    labScript,
    "latency",
    "--help",
  ]);
  equal(help.code, 0);
  match(help.stdout, /^Usage: deno task lab:latency \[options\]/);
  match(help.stdout, /^ {6}--clock real +real only/m);
  match(help.stdout, /^ {2}-r, --runtime \S+ +what drives the network round trips/m);
  match(help.stdout, /--host HOST:PORT .*--allow-net=HOST:PORT/);
});

Deno.test("latency: compare refuses it, exit 2: the host is the same under every runtime", async () => {
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--allow-read",
    "--allow-env",
    compareScript,
    "latency",
  ]);
  equal(code, 2);
  equal(stdout, "");
  match(stderr, /^error: latency is not compared across runtimes: it measures the host/);
  const help = await runDeno(["run", "--allow-read", "--allow-env", compareScript, "--help"]);
  match(help.stdout, /^Labs: countdown, .*, or a lab file\.ts$/m);
  ok(!/^Labs: .*latency/m.test(help.stdout), help.stdout);
});

Deno.test("latency: only the probe folders of its own naming older than an hour are swept", () => {
  const parent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  try {
    const now = Date.now();
    const make = (name: string, ageMs: number) => {
      Deno.mkdirSync(`${parent}/${name}`);
      const at = new Date(now - ageMs);
      Deno.utimeSync(`${parent}/${name}`, at, at);
    };
    make(`${probeFolderPrefix}old`, staleFolderMs + 60_000);
    make(`${probeFolderPrefix}running`, 60_000);
    make("latency-someone-else", 10 * staleFolderMs);
    Deno.writeTextFileSync(`${parent}/${probeFolderPrefix}file`, "not a folder");
    deepEqual(sweepStaleFolders(parent, now), [`${parent}/${probeFolderPrefix}old`]);
    deepEqual([...Deno.readDirSync(parent)].map((entry) => entry.name).sort(), [
      `${probeFolderPrefix}file`,
      `${probeFolderPrefix}running`,
      "latency-someone-else",
    ]);
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

Deno.test("latency: a malformed or IPv6 --host is a usage error naming the forms, exit 2, never a crash", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  try {
    for (const host of ["%:80", "ü.com:80", "a..b:80"]) {
      const { code, stdout, stderr } = await latency(["--host", host], tempParent);
      equal(code, 2, stderr);
      equal(stdout, "");
      ok(stderr.startsWith("error: --host takes HOST:PORT or [IPv6]:PORT"), stderr);
      ok(stderr.includes(`not '${host}'`), stderr);
    }
    // Well formed, but not allowed: the permission to give is bracketed.
    const { code, stderr } = await latency(["--host", "[::1]:22"], tempParent);
    equal(code, 2, stderr);
    match(stderr, /^error: --host \[::1\]:22: no permission to connect there; /);
    ok(stderr.includes("--allow-net=127.0.0.1,[::1]:22 tools/lab.ts latency"), stderr);
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    Deno.removeSync(tempParent, { recursive: true });
  }
});

Deno.test("latency: an IPv6 --host, given its permission, is connected to and its row named", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  // The tests may listen on 127.0.0.1 only: a port just freed there, which
  // nothing on ::1 holds either, so the connect is refused (or, without
  // IPv6, cannot be made); either way a row that says so, exit 1.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const host = `[::1]:${listener.addr.port}`;
  listener.close();
  try {
    const { code, stdout, stderr } = await latency(
      [...small, "--ghz", "3", "--host", host],
      tempParent,
      `127.0.0.1,${host}`,
    );
    equal(code, 1, stderr);
    equal(stderr, "");
    const label = `network: \\[::1\\]:${listener.addr.port}`;
    match(
      stdout,
      new RegExp(`^${label} +TCP connect +failed .* cannot connect to ${label.slice(9)}: `, "m"),
    );
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    Deno.removeSync(tempParent, { recursive: true });
  }
});

Deno.test("latency: Ctrl-C during a probe is answered: the run halts, exit 130, not stopped as busy", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  try {
    // Ten seconds for each probe: one synchronous stretch each, before the
    // probes gave the thread back between batches.
    const child = denoCommand(latencyArgs([...small, "--budget", "10000", "--trace"], tempParent), {
      env: { NO_COLOR: "1", TMPDIR: tempParent },
    }).spawn();
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const stderr = new ChildOutput(child.stderr);
    const stdout = new ChildOutput(child.stdout);
    // The run's root has started: the probes are under way.
    await stderr.readUntil(/#0 latency +start\n/);
    child.kill("SIGINT");
    const [out, err] = await Promise.all([stdout.readToEnd(), stderr.readToEnd()]);
    const { code } = await child.status;
    clearTimeout(watchdog);
    equal(code, 130, err);
    equal(out, "");
    // Answered, not stopped by the busy grace (a notice alone, on a
    // machine too loaded to answer within a quarter of a second, is not
    // what this is about).
    ok(!/could not run|stayed busy/.test(err), err);
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    Deno.removeSync(tempParent, { recursive: true });
  }
});

Deno.test("latency: SIGTERM during the disk probe halts the run as Ctrl-C does: its folder is removed, exit 130", async () => {
  const tempParent = Deno.makeTempDirSync({ prefix: "latency-test-" });
  const watcher = Deno.watchFs(tempParent, { recursive: true });
  try {
    const child = denoCommand(latencyArgs([...small, "--budget", "1000"], tempParent), {
      env: { NO_COLOR: "1", TMPDIR: tempParent },
      stdout: "null",
    }).spawn();
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const stderr = new ChildOutput(child.stderr);
    // The disk probe's file is made: the probe is under way.
    const probing = (async () => {
      for await (const event of watcher) {
        if (event.paths.some((path) => path.endsWith("probe.bin"))) return true;
      }
      return false;
    })();
    ok(await Promise.race([probing, child.status.then(() => false)]), "the disk probe never began");
    child.kill("SIGTERM");
    const err = await stderr.readToEnd();
    const { code } = await child.status;
    clearTimeout(watchdog);
    equal(code, 130, err);
    // Answered, not stopped by the busy grace (a notice alone, on a
    // machine too loaded to answer within a quarter of a second, is not
    // what this is about).
    ok(!/could not run|stayed busy/.test(err), err);
    deepEqual([...Deno.readDirSync(tempParent)], []);
  } finally {
    watcher.close();
    Deno.removeSync(tempParent, { recursive: true });
  }
});
