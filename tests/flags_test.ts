// The flags lab under every runtime, against the embedded server (seeded,
// small delays) or a test server that answers when the test says so: exact
// counts, saved files complete and nothing else left behind, cancellation
// mid-download, --fail-fast, time-outs, and the command line. Tests wait for
// the lab's lines and the server's requests, never for time to pass.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { countryOf } from "../labs/flags_catalog.ts";
import { chaosOf, fateOf } from "../labs/flags_chaos.ts";
import { expandCodes, settleCodes, top20 } from "../labs/flags_codes.ts";
import { flagsMain, parseFlagsOptions } from "../labs/flags.ts";
import { UsageError } from "../labs/lab.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { ChildOutput, denoCommand, outputOf } from "./harness.ts";

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const packageRoot = new URL(".", import.meta.resolve("flag-icons/country.json"));

type Values = Record<string, string | boolean | undefined>;

interface LabRun {
  lines: string[];
  /** The exit status, or the error the run was rejected with. */
  outcome: number | unknown;
  /** The files left in the destination folder, sorted. */
  files: string[];
  dest: string;
}

/** Run the lab in-process under `runtime`, in a fresh destination folder. */
async function runLab(
  runtime: Runtime,
  values: Values,
  options: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<LabRun> {
  const dest = await Deno.makeTempDir({ prefix: "flags_test_" });
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
  return {
    lines,
    outcome: settled.status === "fulfilled" ? settled.value : settled.reason,
    files,
    dest,
  };
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
  equal(options.maxRequests, 1, "sequential unless -m says otherwise");
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
  "max-req": "5",
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

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags ${runtime.name}: a seeded ERROR run gives the exact counts, complete files, exit 1`, async () => {
    const expected = expectedSeededLines();
    const okCodes = expected.filter((line) => line.endsWith(" OK")).map((line) => line.slice(0, 2));
    const errors = expected.filter((line) => line.includes(" error: ")).length;
    ok(errors > 0 && okCodes.length > 0, "the seed gives both errors and flags");
    const run = await runLab(runtime, seededError);
    try {
      equal(run.outcome, 1);
      deepEqual(codeLines(run.lines), expected);
      deepEqual(run.lines.slice(0, 3).map((line) => line.replace(/:\d+/, ":PORT")), [
        "ERROR site: http://127.0.0.1:PORT/flags (embedded server: delay 0-20 ms, 30% errors as HTTP 418, seed 7)",
        "Searching for 26 flags: from BA to BZ",
        "5 concurrent connections will be used.",
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

Deno.test("flags: every runtime ended every code the same way", () => {
  equal(seededResults.length, Object.keys(runtimes).length);
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

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags ${runtime.name}: cancelled mid-download, it leaves no file and counts what finished`, async () => {
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
        "max-req": "3",
      }, { signal: lab.signal });
      await allMidBody.promise;
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
async function failFast(runtime: Runtime): Promise<LabRun> {
  const codes = ["AA", "BB", "CC", "DD"];
  let arrived = 0;
  const allArrived = signalled();
  const release = signalled();
  await using server = scriptedServer(async (code, request) => {
    if (++arrived === codes.length) allArrived.resolve();
    await allArrived.promise;
    if (code === "aa") return new Response("broken", { status: 500 });
    await Promise.race([release.promise, aborted(request.signal)]);
    return new Response(svg, { headers: { "content-type": "image/svg+xml" } });
  });
  return await runLab(runtime, {
    server: server.url,
    cc: codes.join(" "),
    "max-req": "4",
    "fail-fast": true,
  }, { onLine: (line) => line.startsWith("AA error") && release.resolve() });
}

const failFastEnding: Record<string, { thrown: string; cancelled: number; finished: number }> = {
  nursery: { thrown: "AggregateError (1 error)", cancelled: 3, finished: 0 },
  generator: { thrown: "FlagError", cancelled: 3, finished: 0 },
  native: { thrown: "FlagError", cancelled: 0, finished: 3 },
  effection: { thrown: "FlagError", cancelled: 3, finished: 0 },
};

for (const runtime of Object.values(runtimes)) {
  const { thrown, cancelled, finished } = failFastEnding[runtime.name];
  Deno.test(`flags ${runtime.name}: --fail-fast stops at the first error; ${cancelled} cancelled, ${finished} finished`, async () => {
    const run = await failFast(runtime);
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

Deno.test("flags cli: the default run: the top 20 from the embedded server, one at a time, exit 0", async () => {
  const { code, stdout, stderr, files } = await labOutput([]);
  equal(code, 0);
  deepEqual(stdout.replace(/:\d+\//, ":PORT/").replace(/\d+\.\d\ds/, "X.XXs").split("\n"), [
    "LOCAL site: http://127.0.0.1:PORT/flags (embedded server: no delay, no errors)",
    "Searching for 20 flags: from BD to VN",
    "1 connection will be used.",
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

const usageCases: [string[], RegExp][] = [
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

for (const runtime of Object.values(runtimes)) {
  Deno.test(`flags cli ${runtime.name}: Ctrl-C aborts the requests, prints what finished, exit 130`, async () => {
    const dest = await Deno.makeTempDir({ prefix: "flags_cli_" });
    try {
      // Seed 521 gives TR a delay of 26 ms and every other code 13 s or
      // more, so when TR is in, the 19 others are on their way.
      const child = labCommand(
        [
          ...["--runtime", runtime.name, "-m", "20", "-v", "--timeout", "600"],
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
