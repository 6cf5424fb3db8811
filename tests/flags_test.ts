// The flags lab under every runtime, against the embedded server (seeded,
// small delays) or a test server that answers when the test says so: exact
// counts, saved files complete and nothing else left behind, cancellation
// mid-download, --fail-fast, time-outs, and the command line. Tests wait for
// the lab's lines and the server's requests, never for time to pass.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { countryOf } from "../shared/flags_catalog.ts";
import { chaosOf, fateOf } from "../shared/flags_chaos.ts";
import { expandCodes, settleCodes, top20 } from "../labs/flags_codes.ts";
import { describeAge, flagsMain, parseFlagsOptions } from "../labs/flags.ts";
import { eraseShown } from "../labs/flags_report.ts";
import { UsageError } from "../labs/lab.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { ChildOutput, denoCommand, outputOf } from "./harness.ts";

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const packageRoot = new URL(".", import.meta.resolve("flag-icons/country.json"));

type Values = Record<string, string | boolean | undefined>;

/**
 * The Web Workers started in this process and not yet terminated. Deno's
 * test sanitizers do not count workers, so `--pool`'s are counted here: the
 * global `Worker` is replaced by one that keeps the tally.
 */
const liveWorkers = new Set<Worker>();
globalThis.Worker = class CountedWorker extends Worker {
  constructor(...args: ConstructorParameters<typeof Worker>) {
    super(...args);
    liveWorkers.add(this);
  }
  override terminate(): void {
    liveWorkers.delete(this);
    super.terminate();
  }
};

interface LabRun {
  lines: string[];
  /** The exit status, or the error the run was rejected with. */
  outcome: number | unknown;
  /** The files left in the destination folder, sorted. */
  files: string[];
  dest: string;
}

/**
 * Run the lab in-process under `runtime`, in a fresh destination folder
 * unless `dest` is given; however it ends, no worker of a `--pool` is left.
 */
async function runLab(
  runtime: Runtime,
  values: Values,
  options: { signal?: AbortSignal; onLine?: (line: string) => void; dest?: string } = {},
): Promise<LabRun> {
  const dest = options.dest ?? await Deno.makeTempDir({ prefix: "flags_test_" });
  const lines: string[] = [];
  const parsed = parseFlagsOptions({ verbose: true, dest, ...values });
  const [settled] = await Promise.allSettled([
    runtime.run(() => flagsMain(parsed), {
      output: (line) => {
        lines.push(line);
        options.onLine?.(line);
      },
      signal: options.signal,
    }),
  ]);
  const files = [...Deno.readDirSync(dest)].map((entry) => entry.name).sort();
  equal(liveWorkers.size, 0, "every worker of the pool was terminated");
  return {
    lines,
    outcome: settled.status === "fulfilled" ? settled.value : settled.reason,
    files,
    dest,
  };
}

/**
 * Every runtime with each way of running the requests: on the lab's event
 * loop (`false`), and in a pool of Web Workers (`true`, `--pool`).
 */
function eachRuntime(pools: readonly boolean[]): [Runtime, boolean][] {
  return pools.flatMap((pool) =>
    Object.values(runtimes).map((runtime): [Runtime, boolean] => [runtime, pool])
  );
}

/**
 * How the lab says it will run N requests at a time, on its event loop or
 * in a pool (with the time its workers took to start, blanked by `blankTimes`).
 */
function connectionsLine(count: number, pool: boolean): string {
  return pool
    ? `${count} Web Workers (started in X.XXs) will be used, each doing one request at a time.`
    : `${count} concurrent connections will be used.`;
}

/** A run's output with its port and its times blanked. */
function blankTimes(text: string): string {
  return text.replace(/:\d+\//, ":PORT/").replaceAll(/\d+\.\d\ds\b/g, "X.XXs");
}

async function removeDest(run: LabRun): Promise<void> {
  await Deno.remove(run.dest, { recursive: true });
}

/** The per-code lines of a verbose run, sorted. */
function codeLines(lines: string[]): string[] {
  return lines.filter((line) => /^[A-Z]{2} /.test(line)).sort();
}

/** The summary's counts, with the elapsed time blanked. */
function summary(lines: string[]): string[] {
  const start = lines.indexOf("-".repeat(20));
  return lines.slice(start + 1).map((line) => line.replace(/\d+\.\d\ds$/, "X.XXs"));
}

async function assertSavedFlags(run: LabRun, codes: string[]): Promise<void> {
  deepEqual(run.files, codes.map((code) => `${code.toLowerCase()}.svg`).sort());
  for (const code of codes) {
    const cc = code.toLowerCase();
    deepEqual(
      await Deno.readFile(`${run.dest}/${cc}.svg`),
      await Deno.readFile(new URL(`flags/4x3/${cc}.svg`, packageRoot)),
      `${cc}.svg is complete`,
    );
  }
}

// ---------------------------------------------------------------------------
// Choosing the codes.
// ---------------------------------------------------------------------------

Deno.test("flags codes: letters expand to 26 codes; codes are upper case, unique, sorted, limited", () => {
  equal(expandCodes("b").length, 26);
  deepEqual(settleCodes(expandCodes("br BR,cn  B"), 3), ["BA", "BB", "BC"]);
  deepEqual(settleCodes(top20, Infinity).slice(0, 3), ["BD", "BR", "CD"]);
  const options = parseFlagsOptions({});
  deepEqual(options.codes, top20);
  equal(options.maxRequests, 5, "5 at a time, as the original's asyncio version");
  equal(options.pool, false);
  equal(parseFlagsOptions({ plain: true }).maxRequests, 1, "--plain is sequential, as flags.py");
  equal(parseFlagsOptions({ plain: true, "max-req": "3" }).maxRequests, 3);
  const pooled = parseFlagsOptions({ plain: true, pool: "30" });
  deepEqual([pooled.maxRequests, pooled.pool], [30, true]);
  equal(options.timeoutMs, 3100, "the original's client time-out");
  equal(parseFlagsOptions({ every: true }).codes.length, 676);
});

const badValues: [Values, RegExp][] = [
  [{ "max-req": "0" }, /--max-req '0' is out of range; allowed: a whole number from 1 to 1000/],
  [{ limit: "many" }, /--limit 'many' is out of range/],
  [{ server: "FAST" }, /unknown server 'FAST'; allowed: LOCAL, DELAY, ERROR or a URL/],
  [{ cc: "B1" }, /'B1' is not a country code; allowed: two letters/],
  [{ cc: " , " }, /--cc names no code/],
  [{ all: true, every: true }, /give only one of -a or -e: each chooses the codes/],
  [{ timeout: "0" }, /--timeout '0' is out of range; allowed: seconds above 0/],
  [{ delay: "9-1" }, /--delay '9-1' is not a delay/],
  [{ server: "http://127.0.0.1:1/flags", seed: "3" }, /--seed tunes the embedded server/],
  [{ dest: "" }, /^--dest is empty; name the folder to save the flags in/],
];

for (const [values, message] of badValues) {
  Deno.test(`flags options: ${JSON.stringify(values)} is a usage error`, () => {
    try {
      parseFlagsOptions(values);
      ok(false, "expected a usage error");
    } catch (error) {
      ok(error instanceof UsageError);
      match(error.message, message);
    }
  });
}

// ---------------------------------------------------------------------------
// End to end against the embedded server.
// ---------------------------------------------------------------------------

// Seeded: the server's fates are known in advance, whatever the runtime and
// the order of the requests. B is BA to BZ: 21 flags the server has and 5
// codes it has not.
const seededError: Values = {
  server: "ERROR",
  seed: "7",
  delay: "0-20",
  "error-rate": "0.3",
  cc: "B",
};

function expectedSeededLines(): string[] {
  const chaos = chaosOf("ERROR", { seed: "7", delay: "0-20", "error-rate": "0.3" });
  return expandCodes("B").map((code) =>
    countryOf(code) === undefined
      ? `${code} not found`
      : fateOf(chaos, code).fails
      ? `${code} error: HTTP 418 I'm a teapot`
      : `${code} OK`
  ).sort();
}

const seededResults: string[][] = [];

for (const [runtime, pool] of eachRuntime([false, true])) {
  Deno.test(`flags ${runtime.name}${pool ? " --pool 5" : " -m 5"}: a seeded ERROR run gives the exact counts, complete files, exit 1`, async () => {
    const expected = expectedSeededLines();
    const okCodes = expected.filter((line) => line.endsWith(" OK")).map((line) => line.slice(0, 2));
    const errors = expected.filter((line) => line.includes(" error: ")).length;
    ok(errors > 0 && okCodes.length > 0, "the seed gives both errors and flags");
    const run = await runLab(runtime, {
      ...seededError,
      ...pool ? { pool: "5" } : { "max-req": "5" },
    });
    try {
      equal(run.outcome, 1);
      deepEqual(codeLines(run.lines), expected);
      deepEqual(run.lines.slice(0, 3).map(blankTimes), [
        "ERROR site: http://127.0.0.1:PORT/flags (embedded server: delay 0-20 ms, 30% errors as HTTP 418, seed 7)",
        "Searching for 26 flags: from BA to BZ",
        connectionsLine(5, pool),
      ]);
      deepEqual(summary(run.lines), [
        `${String(okCodes.length).padStart(3)} flags downloaded.`,
        "  5 not found.",
        `${String(errors).padStart(3)} errors.`,
        "Elapsed time: X.XXs",
      ]);
      await assertSavedFlags(run, okCodes);
      seededResults.push(codeLines(run.lines));
    } finally {
      await removeDest(run);
    }
  });
}

Deno.test("flags: every runtime, on its event loop or with a pool, ended every code the same way", () => {
  equal(seededResults.length, 2 * Object.keys(runtimes).length);
  for (const results of seededResults) deepEqual(results, seededResults[0]);
});

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags ${runtime.name}: -a -m 50 downloads every flag the server lists, exit 0`, async () => {
    const run = await runLab(runtime, { all: true, "max-req": "50" });
    try {
      equal(run.outcome, 0);
      equal(run.lines[1], "Searching for 249 flags: from AD to ZW");
      equal(run.lines[2], "50 concurrent connections will be used.");
      deepEqual(summary(run.lines), [
        "249 flags downloaded.",
        "Elapsed time: X.XXs",
      ]);
      equal(run.files.length, 249);
      ok(run.files.every((name) => /^[a-z]{2}\.svg$/.test(name)));
    } finally {
      await removeDest(run);
    }
  });
}

// `--plain` in-process: what `compare` and the workshop capture is what flags.py prints.
for (
  const [runtime, mode] of Object.values(runtimes).flatMap((runtime) =>
    [[], ["max-req", "5"], ["pool", "3"]].map((mode): [Runtime, string[]] => [runtime, mode])
  )
) {
  const named = mode.length === 0 ? "one at a time" : `--${mode.join(" ")}`;
  Deno.test(`flags ${runtime.name} --plain ${named}: the codes' line and the count go through log, as flags.py prints them`, async () => {
    const values: Values = { verbose: false, plain: true, ...seededError };
    if (mode.length > 0) values[mode[0]] = mode[1];
    const run = await runLab(runtime, values);
    try {
      equal(run.outcome, 1);
      const expected = expectedSeededLines();
      const saved = expected.filter((line) => line.endsWith(" OK")).map((line) => line.slice(0, 2));
      const [codes, count, ...others] = run.lines;
      ok(codes.endsWith(" "), "a space after each code, as flags.py's print(cc, end=' ')");
      const order = codes.trimEnd().split(" ");
      // One at a time, the codes come in the order asked (sorted); otherwise as they finish.
      deepEqual(mode.length === 0 ? order : order.toSorted(), saved);
      equal(count.replace(/\d+\.\d\ds$/, "X.XXs"), `${saved.length} flags downloaded in X.XXs`);
      deepEqual(others.toSorted(), expected.filter((line) => !line.endsWith(" OK")));
    } finally {
      await removeDest(run);
    }
  });
}

Deno.test("flags --plain on a terminal: the provisional codes' line is erased from its first row", () => {
  equal(eraseShown(30, 80), "\r\x1b[J");
  equal(eraseShown(80, 80), "\r\x1b[J");
  equal(eraseShown(81, 80), "\r\x1b[1A\x1b[J");
  equal(eraseShown(250, 80), "\r\x1b[3A\x1b[J");
});

// ---------------------------------------------------------------------------
// Against a test server that answers when the test says so.
// ---------------------------------------------------------------------------

/**
 * A server in the flags layout whose answers the test scripts: `respond`
 * gets the code and the request and answers, whenever it likes.
 */
function scriptedServer(respond: (code: string, request: Request) => Promise<Response>) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const code = /^\/flags\/([a-z]{2})\//.exec(new URL(request.url).pathname)?.[1];
      return code ? respond(code, request) : new Response("Not Found", { status: 404 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/flags`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A promise with its resolver at hand. */
function signalled<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => resolve = settle);
  return { promise, resolve };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');

for (const [runtime, pool] of eachRuntime([false, true])) {
  Deno.test(`flags ${runtime.name}${pool ? " --pool 3" : ""}: cancelled mid-download, it leaves no file and counts what finished`, async () => {
    // Every flag sends its headers and half its body, then stalls until the
    // client goes away.
    const codes = ["AA", "BB", "CC"];
    let midBody = 0;
    const allMidBody = signalled();
    let streamsCancelled = 0;
    const lab = new AbortController();
    const run = await (async () => {
      await using server = scriptedServer((_code, request) => {
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(svg.subarray(0, 10));
            if (++midBody === codes.length) allMidBody.resolve();
            return aborted(request.signal);
          },
          cancel() {
            streamsCancelled++;
          },
        });
        return Promise.resolve(
          new Response(body, { headers: { "content-type": "image/svg+xml" } }),
        );
      });
      const running = runLab(runtime, {
        server: server.url,
        cc: codes.join(" "),
        ...pool ? { pool: "3" } : { "max-req": "3" },
      }, { signal: lab.signal });
      // Every request in flight at once, before the run could end by itself.
      const first = await Promise.race([
        allMidBody.promise.then(() => "all mid-body"),
        running.then(() => "the run ended"),
      ]);
      equal(first, "all mid-body");
      lab.abort(new DOMException("interrupted by the test", "AbortError"));
      return await running;
    })();
    try {
      match(String(run.outcome), /interrupted by the test/);
      deepEqual(run.files, [], "no flag, no temporary file");
      deepEqual(summary(run.lines), [
        "  0 flags downloaded.",
        "  3 cancelled.",
        "Elapsed time: X.XXs",
      ]);
      // With a pool, the abort went from each cancelled call to its worker.
      equal(streamsCancelled, codes.length, "every response body was abandoned by the client");
    } finally {
      await removeDest(run);
    }
  });
}

/**
 * --fail-fast against a server that holds every request until all four have
 * arrived, then fails AA at once and answers the others only when the lab
 * has printed AA's error: so three requests are in flight at the failure.
 */
async function failFast(
  runtime: Runtime,
  atOnce: Values = { "max-req": "4" },
): Promise<LabRun> {
  const codes = ["AA", "BB", "CC", "DD"];
  let arrived = 0;
  const allArrived = signalled();
  const release = signalled();
  await using server = scriptedServer(async (code, request) => {
    if (++arrived === codes.length) allArrived.resolve();
    // A lab that sends fewer at once gives up on these by itself: the test
    // then fails on what it printed rather than wait for ever.
    await Promise.race([allArrived.promise, aborted(request.signal)]);
    if (code === "aa") return new Response("broken", { status: 500 });
    await Promise.race([release.promise, aborted(request.signal)]);
    return new Response(svg, { headers: { "content-type": "image/svg+xml" } });
  });
  return await runLab(runtime, {
    server: server.url,
    cc: codes.join(" "),
    ...atOnce,
    "fail-fast": true,
  }, { onLine: (line) => line.startsWith("AA error") && release.resolve() });
}

const failFastEnding: Record<string, { thrown: string; cancelled: number; finished: number }> = {
  nursery: { thrown: "AggregateError (1 error)", cancelled: 3, finished: 0 },
  generator: { thrown: "FlagError", cancelled: 3, finished: 0 },
  native: { thrown: "FlagError", cancelled: 0, finished: 3 },
  effection: { thrown: "FlagError", cancelled: 3, finished: 0 },
};

for (const [runtime, pool] of eachRuntime([false, true])) {
  const { thrown, cancelled, finished } = failFastEnding[runtime.name];
  Deno.test(`flags ${runtime.name}${pool ? " --pool 4" : ""}: --fail-fast stops at the first error; ${cancelled} cancelled, ${finished} finished`, async () => {
    const run = await failFast(runtime, pool ? { pool: "4" } : { "max-req": "4" });
    try {
      equal(run.outcome, 1);
      deepEqual(
        codeLines(run.lines),
        [
          "AA error: HTTP 500 Internal Server Error",
          ...["BB OK", "CC OK", "DD OK"].slice(0, finished),
        ],
      );
      deepEqual(summary(run.lines), [
        `  ${finished} flags downloaded.`,
        "  1 error.",
        ...(cancelled > 0 ? [`  ${cancelled} cancelled.`] : []),
        "Elapsed time: X.XXs",
        "--fail-fast: stopped at AA (HTTP 500 Internal Server Error); the downloads' scope threw " +
        `${thrown}; of the 3 other requests in flight then, ${cancelled} were cancelled and ` +
        `${finished} still finished.`,
      ]);
      deepEqual(run.files, ["bb.svg", "cc.svg", "dd.svg"].slice(0, finished));
    } finally {
      await removeDest(run);
    }
  });
}

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags ${runtime.name}: a request with no answer within --timeout is an error, and saves nothing`, async () => {
    const run = await (async () => {
      await using server = scriptedServer(async (code, request) => {
        if (code === "tt") await aborted(request.signal);
        return new Response(svg, { headers: { "content-type": "image/svg+xml" } });
      });
      return await runLab(runtime, {
        server: server.url,
        cc: "AA TT",
        "max-req": "2",
        timeout: "0.5",
      });
    })();
    try {
      equal(run.outcome, 1);
      deepEqual(codeLines(run.lines), ["AA OK", "TT error: no answer within 0.5 s"]);
      deepEqual(run.files, ["aa.svg"]);
    } finally {
      await removeDest(run);
    }
  });
}

for (const [runtime, pool] of eachRuntime([false, true])) {
  Deno.test(`flags ${runtime.name}${pool ? " --pool 2" : ""}: a 200 with an empty body is an error, "empty body", and saves nothing`, async () => {
    const run = await (async () => {
      await using server = scriptedServer((code) =>
        Promise.resolve(new Response(code === "br" ? "" : svg, { status: 200 }))
      );
      return await runLab(runtime, { server: server.url, cc: "BR IN", ...pool && { pool: "2" } });
    })();
    try {
      equal(run.outcome, 1);
      deepEqual(codeLines(run.lines), ["BR error: empty body", "IN OK"]);
      deepEqual(summary(run.lines), ["  1 flag downloaded.", "  1 error.", "Elapsed time: X.XXs"]);
      deepEqual(run.files, ["in.svg"]);
    } finally {
      await removeDest(run);
    }
  });

  Deno.test(`flags ${runtime.name}${pool ? " --pool 2" : ""}: a redirect away from 127.0.0.1 is an error saying so, in one line`, async () => {
    const run = await (async () => {
      await using server = scriptedServer((code) =>
        Promise.resolve(
          code === "br"
            ? Response.redirect("http://localhost:8001/flags/br/br.svg", 302)
            : new Response(svg),
        )
      );
      return await runLab(runtime, { server: server.url, cc: "BR IN", ...pool && { pool: "2" } });
    })();
    try {
      equal(run.outcome, 1);
      deepEqual(codeLines(run.lines), [
        "BR error: the server redirected to localhost:8001, away from 127.0.0.1, " +
        "the only host the lab may reach",
        "IN OK",
      ]);
      deepEqual(run.files, ["in.svg"]);
    } finally {
      await removeDest(run);
    }
  });
}

// ---------------------------------------------------------------------------
// Against a hostile server: bodies without end, Content-Length that lies.
// ---------------------------------------------------------------------------

/** What the hostile server sends after its headers, per connection, at most. */
const hostileCap = 64 * 1024 * 1024;

/** What the hostile server did on one connection. */
interface Served {
  sent: number;
  /** It sent all `hostileCap` bytes (and the end of the body): nobody stopped reading. */
  finished: boolean;
}

/**
 * A raw TCP server that answers every request with 200, `head` among its
 * headers, and then `hostileCap` bytes: as chunks when `chunked`, else
 * raw. The cap keeps the code that read without a limit finite, so that it
 * fails these tests instead of filling the memory. Disposing of it waits
 * until every connection is over.
 */
function hostileServer(head: string, chunked: boolean) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served: Served[] = [];
  const handlers: Promise<void>[] = [];
  const encoder = new TextEncoder();
  const writeAll = async (conn: Deno.Conn, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
  };
  const serve = async (conn: Deno.Conn) => {
    const connection: Served = { sent: 0, finished: false };
    served.push(connection);
    try {
      // The request's head, read whole: closing a socket with unread bytes resets it.
      const buffer = new Uint8Array(4096);
      for (let request = ""; !request.includes("\r\n\r\n");) {
        const read = await conn.read(buffer);
        if (read === null) return;
        request += new TextDecoder().decode(buffer.subarray(0, read));
      }
      await writeAll(
        conn,
        encoder.encode(`HTTP/1.1 200 OK\r\ncontent-type: image/svg+xml\r\n${head}\r\n\r\n`),
      );
      const block = new Uint8Array(64 * 1024).fill(0x20);
      const framed = chunked
        ? new Uint8Array([
          ...encoder.encode(`${block.length.toString(16)}\r\n`),
          ...block,
          ...encoder.encode("\r\n"),
        ])
        : block;
      while (connection.sent < hostileCap) {
        await writeAll(conn, framed);
        connection.sent += block.length;
      }
      if (chunked) await writeAll(conn, encoder.encode("0\r\n\r\n"));
      connection.finished = true;
    } catch {
      // The client hung up: what these tests want.
    } finally {
      conn.close();
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) handlers.push(serve(conn));
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/flags`,
    served,
    [Symbol.asyncDispose]: async () => {
      listener.close();
      await accepting;
      await Promise.all(handlers);
    },
  };
}

const hostileAnswers: [string, string, boolean][] = [
  ["an endless chunked body", "transfer-encoding: chunked", true],
  [
    "a Content-Length under the limit, then a chunked body past it",
    "content-length: 100\r\ntransfer-encoding: chunked",
    true,
  ],
  ["a Content-Length over the limit", `content-length: ${2 ** 36}`, false],
];

for (const runtime of Object.values(runtimes)) {
  for (const [what, head, chunked] of hostileAnswers) {
    Deno.test(`flags ${runtime.name}: ${what} is an error past 512 KiB, the connection dropped`, async () => {
      let served: Served[] = [];
      const run = await (async () => {
        await using server = hostileServer(head, chunked);
        served = server.served;
        return await runLab(runtime, { server: server.url, cc: "AA" });
      })();
      try {
        equal(run.outcome, 1);
        deepEqual(codeLines(run.lines), ["AA error: response body over 512 KiB"]);
        deepEqual(run.files, []);
        equal(served.length, 1);
        equal(served[0].finished, false, `the lab stopped reading (${served[0].sent} bytes sent)`);
      } finally {
        await removeDest(run);
      }
    });
  }
}

// ---------------------------------------------------------------------------
// The disk: failures carry their cause; what a killed run left; links.
// ---------------------------------------------------------------------------

// Root may write anywhere, so the failures are ones that permissions do not
// decide: a folder where the flag is to be, a name too long.

for (const [runtime, pool] of eachRuntime([false, true])) {
  Deno.test(`flags ${runtime.name}${pool ? " --pool 2" : ""}: a save that fails says why, as the system does, and leaves nothing`, async () => {
    const dest = await Deno.makeTempDir({ prefix: "flags_test_" });
    try {
      await Deno.mkdir(`${dest}/br.svg`);
      const run = await runLab(runtime, { cc: "BR IN", ...pool && { pool: "2" } }, { dest });
      equal(run.outcome, 1);
      equal(
        blankTimes(run.lines[2]),
        pool ? connectionsLine(2, true) : "2 concurrent connections will be used.",
      );
      const [br, inLine] = codeLines(run.lines);
      match(
        br,
        /^BR error: cannot save: Is a directory \(os error 21\): rename '.*\/\.br\.svg\.[0-9a-f-]{36}\.part' -> '.*\/br\.svg'$/,
      );
      equal(inLine, "IN OK");
      deepEqual(run.files, ["br.svg", "in.svg"], "no temporary file left");
    } finally {
      await Deno.remove(dest, { recursive: true });
    }
  });
}

Deno.test("flags: a temporary file that cannot be written says why, as the system does", async () => {
  const root = await Deno.makeTempDir({ prefix: "flags_test_" });
  try {
    // A folder whose path leaves room for `br.svg` but not for the longer
    // temporary name, under the system's limit of 4,095 bytes.
    let dest = root;
    while (dest.length < 4060) dest += `/${"d".repeat(Math.min(200, 4060 - dest.length - 1))}`;
    await Deno.mkdir(dest, { recursive: true });
    const run = await runLab(runtimes.generator, { cc: "BR" }, { dest });
    equal(run.outcome, 1);
    match(
      codeLines(run.lines)[0],
      // The file was never made, yet cannot be looked for either: the
      // reason says so rather than hide the second failure.
      /^BR error: cannot save: File name too long \(os error 36\); removing the temporary file failed too: File name too long \(os error 36\): remove '.*\/\.br\.svg\.[0-9a-f-]{36}\.part'$/,
    );
    deepEqual(run.files, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A name the lab gives a flag while writing it (a stale one when no run is going). */
function partName(code: string): string {
  return `.${code}.svg.${crypto.randomUUID()}.part`;
}

/** Set `path`'s times to `ageMs` ago (the lab dates a temporary file by its last write). */
function age(path: string, ageMs: number): void {
  const then = new Date(Date.now() - ageMs);
  Deno.utimeSync(path, then, then);
}

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags ${runtime.name}: a run removes the temporary files a killed run left long ago, and nothing else`, async () => {
    const dest = await Deno.makeTempDir({ prefix: "flags_test_" });
    const outside = await Deno.makeTempDir({ prefix: "flags_outside_" });
    try {
      const stale = [partName("br"), partName("zz")];
      // Names a user may give, close to the lab's but not its own, a folder
      // and a link of the lab's shape: all kept, however old.
      const kept = [".br.svg.part", "notes.part", `${partName("br")}.bak`, partName("BR")];
      // The lab's own, written within the last 15 minutes: maybe another
      // run's, still being written, so kept too.
      const fresh = [partName("cn"), partName("in")];
      for (const name of [...stale, ...kept, ...fresh]) {
        await Deno.writeTextFile(`${dest}/${name}`, "half");
      }
      const folder = partName("cn");
      await Deno.mkdir(`${dest}/${folder}`);
      const link = partName("in");
      await Deno.writeTextFile(`${outside}/target`, "a user's file");
      await Deno.symlink(`${outside}/target`, `${dest}/${link}`);
      age(`${dest}/${stale[0]}`, 3 * 3_600_000 + 60_000);
      age(`${dest}/${stale[1]}`, 15 * 60_000 + 5_000);
      for (const name of [...kept, folder]) age(`${dest}/${name}`, 48 * 3_600_000);
      age(`${dest}/${fresh[0]}`, 15 * 60_000 - 5_000);
      const run = await runLab(runtime, { cc: "BR" }, { dest });
      equal(run.outcome, 0);
      ok(
        run.lines.includes(
          `Removed 2 temporary files left in ${dest} by an earlier run, 15 min old or more ` +
            "(only those older than 15 min, which no run still writes).",
        ),
        run.lines.join("\n"),
      );
      deepEqual(run.files, ["br.svg", ...kept, ...fresh, folder, link].sort());
      equal(await Deno.readTextFile(`${outside}/target`), "a user's file");
    } finally {
      await Deno.remove(dest, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  });
}

Deno.test("flags: a run into a folder where another is saving leaves that run's temporary files be", async () => {
  const dest = await Deno.makeTempDir({ prefix: "flags_test_" });
  try {
    // What another run, mid-save, has in the folder: its file of a moment ago.
    const theirs = partName("fr");
    await Deno.writeTextFile(`${dest}/${theirs}`, "being written");
    const run = await runLab(runtimes.generator, { cc: "BR" }, { dest });
    equal(run.outcome, 0);
    ok(!run.lines.some((line) => line.startsWith("Removed")), run.lines.join("\n"));
    deepEqual(run.files, [theirs, "br.svg"].sort());
  } finally {
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("flags: ages are said in their largest whole unit", () => {
  deepEqual(
    [0, 59_999, 15 * 60_000, 3 * 3_600_000 + 60_000, 47 * 3_600_000, 50 * 3_600_000].map(
      describeAge,
    ),
    ["0 min", "0 min", "15 min", "3 h", "47 h", "2 days"],
  );
});

Deno.test("flags: a flag's name taken by a link to a file outside: the link is replaced, the file untouched", async () => {
  const dest = await Deno.makeTempDir({ prefix: "flags_test_" });
  const outside = await Deno.makeTempDir({ prefix: "flags_outside_" });
  try {
    await Deno.writeTextFile(`${outside}/br.svg`, "a user's file");
    await Deno.symlink(`${outside}/br.svg`, `${dest}/br.svg`);
    const run = await runLab(runtimes.generator, { cc: "BR" }, { dest });
    equal(run.outcome, 0);
    ok(Deno.lstatSync(`${dest}/br.svg`).isFile);
    equal(await Deno.readTextFile(`${outside}/br.svg`), "a user's file");
  } finally {
    await Deno.remove(dest, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// The command line, as a user meets it.
// ---------------------------------------------------------------------------

// Deno 2.9 prints a one-time notice when a server handler reads
// request.signal (the embedded server does, to cancel its delays) unless its
// new semantics are opted into; deno.json should carry
// "unstable": ["no-legacy-abort"], and until it does these runs ask for it.
const quietServe = "--unstable-no-legacy-abort";

function labCommand(args: string[], dest: string) {
  return denoCommand([
    "run",
    quietServe,
    "--allow-read",
    "--allow-env",
    "--allow-net=127.0.0.1",
    `--allow-write=${dest}`,
    labScript,
    "flags",
    "--dest",
    dest,
    ...args,
  ], { env: { NO_COLOR: "1" } });
}

async function labOutput(args: string[]) {
  const dest = await Deno.makeTempDir({ prefix: "flags_cli_" });
  try {
    const output = await outputOf(labCommand(args, dest));
    return { ...output, files: [...Deno.readDirSync(dest)].map((entry) => entry.name).sort() };
  } finally {
    await Deno.remove(dest, { recursive: true });
  }
}

Deno.test("flags cli: the default run: the top 20 from the embedded server, 5 at a time, exit 0", async () => {
  const { code, stdout, stderr, files } = await labOutput([]);
  equal(code, 0);
  deepEqual(stdout.replace(/:\d+\//, ":PORT/").replace(/\d+\.\d\ds/, "X.XXs").split("\n"), [
    "LOCAL site: http://127.0.0.1:PORT/flags (embedded server: no delay, no errors)",
    "Searching for 20 flags: from BD to VN",
    "5 concurrent connections will be used.",
    "--------------------",
    " 20 flags downloaded.",
    "Elapsed time: X.XXs",
    "",
  ]);
  // Standard error is not a terminal here: the progress bar is plain lines.
  deepEqual(
    stderr.trimEnd().split("\n"),
    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((done) => `${done}/20 flags done`),
  );
  deepEqual(files, settleCodes(top20, Infinity).map((cc) => `${cc.toLowerCase()}.svg`));
});

Deno.test("flags cli: --pool 10: the top 20 in 10 Web Workers, the same summary, exit 0", async () => {
  const { code, stdout, stderr, files } = await labOutput(["--pool", "10"]);
  equal(code, 0);
  deepEqual(blankTimes(stdout).split("\n"), [
    "LOCAL site: http://127.0.0.1:PORT/flags (embedded server: no delay, no errors)",
    "Searching for 20 flags: from BD to VN",
    connectionsLine(10, true),
    "--------------------",
    " 20 flags downloaded.",
    "Elapsed time: X.XXs",
    "",
  ]);
  deepEqual(
    stderr.trimEnd().split("\n"),
    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((done) => `${done}/20 flags done`),
  );
  deepEqual(files, settleCodes(top20, Infinity).map((cc) => `${cc.toLowerCase()}.svg`));
});

Deno.test("flags cli: --plain prints as flags.py: the codes in order on one line, then the count and time", async () => {
  const { code, stdout, stderr, files } = await labOutput(["--plain"]);
  equal(code, 0);
  const codes = settleCodes(top20, Infinity);
  // One request at a time: the codes come in the order they were asked for.
  deepEqual(stdout.replace(/\d+\.\d\ds/, "X.XXs").split("\n"), [
    `${codes.join(" ")} `,
    "20 flags downloaded in X.XXs",
    "",
  ]);
  equal(stderr, "");
  deepEqual(files, codes.map((cc) => `${cc.toLowerCase()}.svg`));
});

Deno.test("flags cli: --plain --pool 5 on a seeded ERROR server: the saved codes, then a line for each other, exit 1", async () => {
  const { code, stdout, stderr } = await labOutput([
    "--plain",
    ...["--pool", "5", "-c", "B", "-s", "ERROR", "--seed", "7", "--delay", "0-20"],
    ...["--error-rate", "0.3"],
  ]);
  equal(code, 1);
  equal(stderr, "");
  const expected = expectedSeededLines();
  const saved = expected.filter((line) => line.endsWith(" OK")).map((line) => line.slice(0, 2));
  const [codesLine, count, ...others] = stdout.trimEnd().split("\n");
  // Five at a time, the codes come as they finish: compared as a set.
  deepEqual(codesLine.trimEnd().split(" ").sort(), saved);
  equal(count.replace(/\d+\.\d\ds/, "X.XXs"), `${saved.length} flags downloaded in X.XXs`);
  deepEqual(others.sort(), expected.filter((line) => !line.endsWith(" OK")));
});

for (const mode of [["-m", "2"], ["--pool", "2"]]) {
  for (const host of ["localhost", "[::1]", "10.0.0.1"]) {
    Deno.test(`flags cli: ${mode.join(" ")} -s http://${host}:8001/flags: a usage error naming 127.0.0.1, the task's host, exit 2`, async () => {
      const { code, stdout, stderr, files } = await labOutput([
        ...[...mode, "-s", `http://${host}:8001/flags`, "BR"],
      ]);
      equal(code, 2);
      equal(stdout, "");
      const [first, ...rest] = stderr.split("\n");
      equal(
        first,
        `error: -s http://${host}:8001/flags: the lab may not reach ${host}; the lab:flags task ` +
          "lets it reach 127.0.0.1 only (--allow-net=127.0.0.1): give the site as " +
          "http://127.0.0.1:8001/flags",
      );
      ok(rest.join("\n").includes("Usage: deno task lab:flags"));
      deepEqual(files, []);
    });
  }
}

const usageCases: [string[], RegExp][] = [
  [["-m", "5", "--pool", "5"], /give only one of -m or --pool/],
  [["--pool", "0"], /--pool '0' is out of range; allowed: a whole number from 1 to 100/],
  [["--pool", "101"], /--pool '101' is out of range; allowed: a whole number from 1 to 100/],
  [["--plain", "-v"], /give only one of --plain or -v/],
  [
    ["--clock", "virtual"],
    /flags cannot run on the virtual clock: it does real network and disk I\/O/,
  ],
  [["-m", "0"], /--max-req '0' is out of range; allowed: a whole number from 1 to 1000/],
  [["-s", "FAST"], /unknown server 'FAST'; allowed: LOCAL, DELAY, ERROR or a URL/],
  [["-c", "1A"], /'1A' is not a country code/],
  [["-a", "-e"], /give only one of -a or -e/],
  [["--error-rate", "x"], /--error-rate 'x' is not a fraction/],
  [["-s", "http://127.0.0.1:9/flags", "--delay", "5"], /--delay tunes the embedded server/],
  [["--fast"], /unknown option --fast; allowed: .*--fail-fast/],
  [["1A"], /'1A' is not a country code/],
  [["-a", "BR"], /give only one of -a or CC \.\.\./],
  [["--dest", ""], /^error: --dest is empty; name the folder to save the flags in/],
  [
    ["--delay", "-5"],
    /^error: --delay needs a value; one that starts with a dash goes .*--delay=-5$/,
  ],
];

for (const [args, message] of usageCases) {
  Deno.test(`flags cli: ${args.join(" ")} is a usage error: one line, the usage, exit 2`, async () => {
    const { code, stdout, stderr } = await labOutput(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, ...rest] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    ok(rest.join("\n").includes("Usage: deno task lab:flags"));
  });
}

Deno.test("flags options: a --dest that is a file, or goes through one, is a usage error", async () => {
  const folder = await Deno.makeTempDir({ prefix: "flags_test_" });
  try {
    const file = `${folder}/afile`;
    await Deno.writeTextFile(file, "");
    const cases: [string, RegExp][] = [
      [file, /^--dest .*afile is a file; name a folder to save the flags in$/],
      [`${file}/flags`, /^--dest .*afile\/flags: a part of the path is a file; name a folder/],
    ];
    for (const [dest, message] of cases) {
      try {
        parseFlagsOptions({ dest });
        ok(false, `expected a usage error for ${dest}`);
      } catch (error) {
        ok(error instanceof UsageError, String(error));
        match(error.message, message);
      }
    }
    // A folder not made yet is fine: the run makes it.
    equal(parseFlagsOptions({ dest: `${folder}/new` }).dest, `${folder}/new`);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("flags cli: --dest outside what the task may write is a usage error", async () => {
  const { code, stderr } = await labOutput(["--dest", "/"]);
  equal(code, 2);
  match(stderr, /^error: --dest \/: no permission to write there/);
});

// With a pool: under the runtime whose tasks outlive their scope, and one whose do not.
const ctrlCRuns: [Runtime, boolean][] = [
  ...eachRuntime([false]),
  [runtimes.native, true],
  [runtimes.generator, true],
];

for (const [runtime, pool] of ctrlCRuns) {
  Deno.test(`flags cli ${runtime.name}${pool ? " --pool 20" : ""}: Ctrl-C aborts the requests, prints what finished, exit 130`, async () => {
    const dest = await Deno.makeTempDir({ prefix: "flags_cli_" });
    try {
      // Seed 521 gives TR a delay of 26 ms and every other code 13 s or
      // more, so when TR is in, the 19 others are on their way.
      const child = labCommand(
        [
          ...["--runtime", runtime.name, pool ? "--pool" : "-m", "20", "-v", "--timeout", "600"],
          ...["-s", "DELAY", "--delay", "0-60000", "--seed", "521"],
        ],
        dest,
      ).spawn();
      const stdout = new ChildOutput(child.stdout);
      await stdout.readUntil("TR OK\n");
      child.kill("SIGINT");
      const seen = await stdout.readToEnd();
      equal((await child.status).code, 130);
      equal(new TextDecoder().decode(await new Response(child.stderr).bytes()), "");
      deepEqual(summary(seen.trimEnd().split("\n")), [
        "  1 flag downloaded.",
        " 19 cancelled.",
        "Elapsed time: X.XXs",
      ]);
      deepEqual([...Deno.readDirSync(dest)].map((entry) => entry.name), ["tr.svg"]);
    } finally {
      await Deno.remove(dest, { recursive: true });
    }
  });
}

Deno.test("flags: codes come as CC ... arguments, as in the original, or as --cc", () => {
  deepEqual(parseFlagsOptions({}, ["br", "IN"]).codes, parseFlagsOptions({ cc: "BR IN" }).codes);
  equal((parseFlagsOptions({}, ["B"]).codes as string[]).length, 26);
  let refused = "";
  try {
    parseFlagsOptions({ all: true }, ["BR"]);
  } catch (error) {
    refused = (error as Error).message;
  }
  match(refused, /give only one of -a or CC \.\.\./);
});

Deno.test("flags cli: a --dest that is, or goes through, a symbolic link to nothing is a usage error saying where it points, exit 2", async () => {
  const root = await Deno.makeTempDir({ prefix: "flags_cli_" });
  try {
    const link = `${root}/dangling`;
    await Deno.symlink(`${root}/nowhere`, link);
    const cases = [
      [link, `error: --dest ${link} is a symbolic link to ${root}/nowhere`],
      [`${link}/sub`, `error: --dest ${link}/sub: ${link} is a symbolic link to ${root}/nowhere`],
    ];
    for (const [dest, start] of cases) {
      const { code, stdout, stderr } = await outputOf(denoCommand([
        "run",
        quietServe,
        "--allow-read",
        "--allow-env",
        "--allow-net=127.0.0.1",
        `--allow-write=${root}`,
        labScript,
        "flags",
        ...["--dest", dest, "BR"],
      ], { env: { NO_COLOR: "1" } }));
      equal(code, 2, stderr);
      equal(stdout, "");
      const [first, ...rest] = stderr.split("\n");
      equal(
        first,
        `${start}, which does not exist; name a folder to save the flags in that is not ` +
          "reached through a link",
      );
      ok(rest.join("\n").includes("Usage: deno task lab:flags"));
      deepEqual([...Deno.readDirSync(root)].map((entry) => entry.name), ["dangling"]);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("flags cli: a --dest reached through a link out of the folder the task may write is refused, nothing written", async () => {
  const root = await Deno.makeTempDir({ prefix: "flags_cli_" });
  try {
    await Deno.mkdir(`${root}/downloads`);
    await Deno.mkdir(`${root}/outside`);
    await Deno.symlink(`${root}/outside`, `${root}/downloads/link`);
    const cases = [
      [`${root}/downloads/link`, `${root}/outside`],
      [`${root}/downloads/link/new`, `${root}/outside/new`],
    ];
    for (const [dest, real] of cases) {
      const { code, stdout, stderr } = await outputOf(denoCommand([
        "run",
        quietServe,
        "--allow-read",
        "--allow-env",
        "--allow-net=127.0.0.1",
        `--allow-write=${root}/downloads`,
        labScript,
        "flags",
        ...["--dest", dest, "BR"],
      ], { env: { NO_COLOR: "1" } }));
      equal(code, 2, stderr);
      equal(stdout, "");
      equal(
        stderr.split("\n")[0],
        `error: --dest ${dest} leads through a symbolic link to ${real}, where there is no ` +
          "permission to write; name a folder under downloads that is not reached through a link",
      );
      deepEqual([...Deno.readDirSync(`${root}/outside`)], [], "nothing written outside");
      deepEqual(
        [...Deno.readDirSync(root)].map((entry) => entry.name).sort(),
        ["downloads", "outside"],
        "nothing made beside them",
      );
    }
    // `link/..` is not a way out either: with a list of folders it may
    // write, Deno takes every path as written, so this one is downloads/x.
    const { code } = await outputOf(denoCommand([
      "run",
      quietServe,
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `--allow-write=${root}/downloads`,
      labScript,
      "flags",
      ...["--dest", `${root}/downloads/link/../x`, "BR"],
    ], { env: { NO_COLOR: "1" } }));
    equal(code, 0);
    deepEqual([...Deno.readDirSync(`${root}/downloads/x`)].map((entry) => entry.name), ["br.svg"]);
    deepEqual([...Deno.readDirSync(root)].map((entry) => entry.name).sort(), [
      "downloads",
      "outside",
    ]);
    deepEqual([...Deno.readDirSync(`${root}/outside`)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
