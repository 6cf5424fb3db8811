/**
 * The flags server: real flag images from the npm package `flag-icons`,
 * served on 127.0.0.1 in the original workshop's layout, with latency and
 * errors injected on demand (the original's LOCAL, DELAY and ERROR servers
 * as presets).
 *
 *     GET /flags/                    the codes, upper case, separated by spaces
 *     GET /flags/{cc}/{cc}.svg       a flag (codes in any case; lower case in links)
 *     GET /flags/{cc}/metadata.json  its code, name, capital and continent
 *
 *     $ deno task flags-server --preset ERROR --seed 7
 *     Serving 249 flags at http://127.0.0.1:8001/flags/ (ERROR: delay 500-5000 ms, 25% errors as HTTP 418, seed 7)
 *     Try: deno task lab:flags -s http://127.0.0.1:8001/flags -m 20 -v
 *     Ctrl-C stops it.
 *     200 GET /flags/br/br.svg 2113 ms
 *     418 GET /flags/cn/cn.svg 4020 ms
 *     404 GET /flags/zz/zz.svg 1587 ms
 *     --- GET /flags/in/in.svg: the client left after 3100 ms
 *     ^C
 *     Stopped.
 *
 * Only GET and HEAD are allowed (others answer 405). A path outside the
 * layout answers 404 without touching the file system: a flag's file is
 * read only for a code the package has, from a path built from that code.
 * A missing code is always a 404, never an injected error. A client that
 * leaves while its request waits cancels the wait, quietly. `close()` (and
 * Ctrl-C) ends the waits still pending, then shuts the server down.
 *
 * The lab (`deno task lab:flags`) starts this server in-process when it is
 * given no `-s URL`, with `startFlagsServer`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { catalogCodes, countryOf, readFlag } from "./shared/flags_catalog.ts";
import {
  type Chaos,
  chaosOf,
  type ChaosOptions,
  describeChaos,
  fateOf,
  parsePreset,
  parseWhole,
  presetNames,
  presets,
} from "./shared/flags_chaos.ts";
import { UsageError } from "./shared/usage.ts";
import { describeParseError, exitStatus, exitWithUsage, onCtrlC } from "./tools/cli.ts";

/** What happened to a request, for logs and tests. */
export type RequestEvent =
  | { type: "received"; method: string; path: string }
  | { type: "answered"; method: string; path: string; status: number; ms: number }
  | { type: "left"; method: string; path: string; ms: number };

/** Options of `startFlagsServer`. */
export interface FlagsServerOptions {
  /** The port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Delays and errors; none by default (the LOCAL preset). */
  chaos?: Chaos;
  /** Told of every request as it arrives, is answered, or is left by its client. */
  onRequest?: (event: RequestEvent) => void;
}

/** A running flags server. */
export interface FlagsServer extends AsyncDisposable {
  /** The base of the layout, without a trailing slash: `http://127.0.0.1:PORT/flags`. */
  readonly url: string;
  /** End the waits still pending (they answer 503), then shut down. */
  close(): Promise<void>;
}

const layout = /^\/flags\/([a-z]{2})\/(?:([a-z]{2})\.svg|(metadata\.json))$/i;

/**
 * Start a flags server in this process.
 *
 * @example
 * ```ts
 * import { startFlagsServer } from "./flags_server.ts";
 *
 * await using server = startFlagsServer();
 * const response = await fetch(`${server.url}/br/metadata.json`);
 * const { name } = await response.json();
 * if (name !== "Brazil") throw new Error(name);
 * ```
 */
export function startFlagsServer(options: FlagsServerOptions = {}): FlagsServer {
  const chaos = options.chaos ?? presets.LOCAL;
  const onRequest = options.onRequest ?? (() => {});
  const stopping = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    async (request) => {
      const method = request.method;
      const path = new URL(request.url).pathname;
      const started = performance.now();
      onRequest({ type: "received", method, path });
      const response = await answer(request, path, chaos, stopping.signal);
      const ms = Math.round(performance.now() - started);
      if (response === clientLeft) {
        onRequest({ type: "left", method, path, ms });
        return new Response(null, { status: 499 });
      }
      onRequest({ type: "answered", method, path, status: response.status, ms });
      return response;
    },
  );
  let closing: Promise<void> | undefined;
  const close = () => {
    stopping.abort();
    return closing ??= server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/flags`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What `answer` gives when the client has gone: there is nobody to answer. */
const clientLeft = Symbol("the client left");

async function answer(
  request: Request,
  path: string,
  chaos: Chaos,
  stopping: AbortSignal,
): Promise<Response | typeof clientLeft> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, "Method Not Allowed: only GET and HEAD", { allow: "GET, HEAD" });
  }
  if (path === "/flags/") return text(200, catalogCodes.join(" ") + "\n");
  const match = layout.exec(path);
  if (!match || (match[2] !== undefined && match[2].toLowerCase() !== match[1].toLowerCase())) {
    return text(404, "Not Found");
  }
  const fate = fateOf(chaos, match[1]);
  if (fate.delayMs > 0) {
    // The request's signal is read only when there is a wait to cancel: Deno
    // 2.9 prints a one-time notice once a handler has read it, unless
    // "no-legacy-abort" is among the unstable features in deno.json.
    const waited = await pause(fate.delayMs, AbortSignal.any([request.signal, stopping]));
    if (!waited) return request.signal.aborted ? clientLeft : text(503, "Shutting Down");
  }
  // Whether the flag exists is decided before the error roll is used, so a
  // missing code is always a 404 (the original rolled first).
  const country = countryOf(match[1]);
  if (country === undefined) return text(404, "Not Found");
  if (fate.fails) return text(chaos.errorStatus, statusText(chaos.errorStatus));
  if (match[3] !== undefined) {
    const { code, name, capital, continent } = country;
    return Response.json({
      code: code.toUpperCase(),
      name,
      capital,
      continent,
      flag: `/flags/${code}/${code}.svg`,
    });
  }
  return new Response(await readFlag(country), { headers: { "content-type": "image/svg+xml" } });
}

/** Wait `ms`; answers false when `signal` aborted first (the timer is then cleared). */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

function statusText(status: number): string {
  return status === 418 ? "I'm a teapot" : `Injected Error ${status}`;
}

// ---------------------------------------------------------------------------
// The command line: `deno task flags-server [options]`.
// ---------------------------------------------------------------------------

/** The port the command line uses when `--port` is not given. */
export const defaultPort = 8001;

const usage = `Usage: deno task flags-server [options]

Serves the flags of the npm package flag-icons on 127.0.0.1, with optional latency and errors:
  GET /flags/                    the codes, separated by spaces
  GET /flags/{cc}/{cc}.svg       a flag
  GET /flags/{cc}/metadata.json  its code, name, capital and continent

Options:
  --port N                     the port (default ${defaultPort}; 0 picks a free one)
  --preset ${presetNames.join("|")}   LOCAL: no delay; DELAY: 500-5000 ms per request;
                               ERROR: that delay and 25% errors (default LOCAL)
  --delay MS|MIN-MAX           each request waits MS, or a random delay in MIN-MAX
  --error-rate P               the fraction of requests for existing flags that fail (0 to 1)
  --error-status CODE          the status of those failures (default 418)
  --seed N                     each code's delay and error depend on N and the code only
  -h, --help                   show this help`;

const cliOptions = {
  port: { type: "string" },
  preset: { type: "string" },
  delay: { type: "string" },
  "error-rate": { type: "string" },
  "error-status": { type: "string" },
  seed: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** What the command line asks for. */
export interface ServerCommand {
  /** `--help`: print the usage and stop. */
  help: boolean;
  /** The port on 127.0.0.1. */
  port: number;
  /** The preset's name, for the banner. */
  preset: string;
  /** The preset, as the other options changed it. */
  chaos: Chaos;
}

/** Parse the command line strictly; throws `UsageError` naming the problem. */
export function parseServerArgs(args: string[]): ServerCommand {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: cliOptions,
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    const allowed = Object.keys(cliOptions).map((name) => `--${name}`);
    throw new UsageError(describeParseError(error, allowed, undefined, args));
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'; the server takes only options`);
  }
  const preset = parsePreset((values.preset as string | undefined) ?? "LOCAL", "--preset");
  const port = values.port === undefined
    ? defaultPort
    : parseWhole("--port", values.port as string, 0, 65535);
  return {
    help: values.help === true,
    port,
    preset,
    chaos: chaosOf(preset, values as ChaosOptions),
  };
}

function logRequest(event: RequestEvent): void {
  if (event.type === "answered") {
    console.log(`${event.status} ${event.method} ${event.path} ${event.ms} ms`);
  } else if (event.type === "left") {
    console.log(`--- ${event.method} ${event.path}: the client left after ${event.ms} ms`);
  }
}

if (import.meta.main) {
  let command: ServerCommand;
  try {
    command = parseServerArgs(Deno.args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    exitWithUsage(error.message, usage);
  }
  if (command.help) {
    console.log(usage);
    Deno.exit(exitStatus.ok);
  }
  let server: FlagsServer;
  try {
    server = startFlagsServer({
      port: command.port,
      chaos: command.chaos,
      onRequest: logRequest,
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    console.error(
      `error: port ${command.port} is in use; choose another with --port N (0 picks a free one)`,
    );
    Deno.exit(exitStatus.failed);
  }
  // Ctrl-C stops the server once its requests in flight are answered.
  onCtrlC().signal.addEventListener("abort", async () => {
    await server.close();
    console.log("Stopped.");
    Deno.exit(exitStatus.interrupted);
  });
  console.log(
    `Serving ${catalogCodes.length} flags at ${server.url}/ (${command.preset}: ${
      describeChaos(command.chaos)
    })`,
  );
  console.log(`Try: deno task lab:flags -s ${server.url} -m 20 -v`);
  console.log("Ctrl-C stops it.");
}
