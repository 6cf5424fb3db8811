/**
 * flags: download country flags from a local server, at most `-m N` at a
 * time (default 5, as the original's asyncio version), as in the original
 * workshop's flags scripts (sequential, thread pool, asyncio), here one
 * source under every runtime; `--pool N` does the requests in N Web
 * Workers, the thread pool's analogue, and `--plain` prints as the
 * sequential `flags.py` does.
 *
 * With no `-s URL` the lab starts the flags server in-process (`-s LOCAL`,
 * `DELAY` or `ERROR` pick its preset; `--delay`, `--error-rate`,
 * `--error-status` and `--seed` tune it), so it runs from a fresh clone.
 * Each code ends as OK (saved as `downloads/{cc}.svg`), not found (404), or
 * error (any other status, a time-out, a broken connection). Exit status: 0
 * when no code ended in error, 1 otherwise, 2 on a usage error, 130 after
 * Ctrl-C (requests in flight aborted, the counts of what finished printed).
 *
 *     $ deno task lab:flags --runtime nursery -m 20 -s DELAY --delay 500
 *     DELAY site: http://127.0.0.1:40291/flags (embedded server: delay 500 ms, no errors)
 *     Searching for 20 flags: from BD to VN
 *     20 concurrent connections will be used.
 *     --------------------
 *      20 flags downloaded.
 *     Elapsed time: 0.56s
 *
 *     $ deno task lab:flags --runtime nursery -m 1 -s DELAY --delay 500
 *     ...
 *     Elapsed time: 10.15s
 *
 * How it works: `-m N` workers take codes from one queue (`createQueue`,
 * read with `each` until it is closed and empty), inside a `scope`, and the
 * scope's body joins each worker as it ends. A request is
 * `call(signal => fetch(...))` inside `timeout` (3.1 s by default, as in
 * the original), so a cancelled or timed-out request is aborted. The
 * image is saved under a temporary name and renamed, in a shielded scope:
 * a cancellation that arrives while a file is written waits until it is
 * complete and counted, and an aborted download has written nothing. So
 * no partial file is ever left, and every saved file is counted. A run
 * killed outright may leave a temporary file; a later run into the same
 * folder removes it before it starts, once it is older than 15 minutes (the
 * longest `--timeout` and a margin: no live run holds one that long).
 * A response body over 512 KiB is an error for its code, whatever its
 * `Content-Length` says; so is an empty one; a disk error is one too, with
 * the system's reason.
 *
 * `--fail-fast`: the worker that meets the first error throws, no code is
 * requested after it, and each runtime's way with a failing child shows:
 *
 *     $ deno task lab:flags --runtime nursery -s ERROR --seed 3 -m 20 --fail-fast
 *     ...
 *       0 flags downloaded.
 *       1 error.
 *      19 cancelled.
 *     Elapsed time: 0.64s
 *     --fail-fast: stopped at PH (HTTP 418 I'm a teapot); the downloads' scope threw
 *     AggregateError (1 error); of the 19 other requests in flight then, 19 were cancelled
 *     and 0 still finished.
 *
 * `--runtime generator` prints the same, except that the scope threw
 * `FlagError`. `--runtime native`:
 *
 *      10 flags downloaded.
 *      10 errors.
 *     Elapsed time: 3.13s
 *     --fail-fast: stopped at PH (HTTP 418 I'm a teapot); the downloads' scope threw
 *     FlagError; of the 19 other requests in flight then, 0 were cancelled and 19 still
 *     finished.
 *
 * Under `nursery` the failing child cancels its siblings and the scope
 * fails with an `AggregateError` of every error its children threw (one
 * here; more when another request fails before its cancellation lands);
 * under `generator` the siblings are halted and the scope fails with that
 * error; under `native` the error reaches only its joiner (the scope's
 * body), the scope ends, and the other workers run on, detached: the lab
 * then waits for them, counting what still finishes, as the caller of
 * asyncio's `gather` would have to. (Of those 19, one more met a 418 and
 * eight the 3.1 s time-out.) The lab cancels nothing itself except on
 * Ctrl-C, where it halts the workers that `native` left running.
 *
 * `--pool N`: the same N tasks, each handing its codes to a Web Worker of
 * its own, which does the GET and the save with its own HTTP client on its
 * own thread (`flags_pool.ts`, `flags_pool_worker.ts`), through the same
 * `FlagDownloads`. What the lab's tasks do is unchanged, cancellation and
 * `--fail-fast` included: a cancelled request's abort is posted to its
 * worker, and the workers are terminated once every request is over,
 * however the run ends. A worker may reach only the site's host and read
 * and write only `--dest`. Starting a worker is not cheap (its own engine;
 * Deno makes it before `new Worker` returns), so the header says how long
 * the pool took to start, and the elapsed time includes it:
 *
 *     $ deno task lab:flags --pool 20 -s DELAY --delay 500
 *     ...
 *     20 Web Workers (started in 4.32s) will be used, each doing one request at a time.
 *     --------------------
 *      20 flags downloaded.
 *     Elapsed time: 6.33s
 *
 * `--plain`: as the original `flags.py`, one request at a time unless `-m`
 * or `--pool` says otherwise, no header, the codes on one line as their
 * flags are saved, then the count (and a line for each code not saved):
 *
 *     $ deno task lab:flags --plain -s DELAY --delay 500
 *     BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
 *     20 flags downloaded in 10.50s
 *
 * Codes: `CC ...` as in the original (`deno task lab:flags BR IN` or
 * `deno task lab:flags B`: a letter stands for its 26 codes), or the same
 * as one option, `--cc "BR IN"`. Under `-v` each code gets a line (`BR OK`,
 * `ZZ not found`, `CN error: HTTP 418 I'm a teapot`); otherwise a progress
 * bar is drawn on standard error (plain lines when it is not a terminal).
 * A second Ctrl-C exits at once, and may leave a `.{cc}.svg.*.part` file,
 * which a run into the same folder 15 minutes later or more removes.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { each } from "../runtimes/channel.ts";
import { TimeoutError } from "../runtimes/errors.ts";
import { createQueue } from "../runtimes/queue.ts";
import type { Operation, Queue, Task, TaskState } from "../runtimes/types.ts";
import { call, ensure, log, now, scope, timeout } from "../runtimes/verbs.ts";
import { exitStatus, listOf } from "../shared/terminal.ts";
import { startFlagsServer } from "../flags_server.ts";
import {
  type Chaos,
  chaosOf,
  chaosOptionNames,
  type ChaosOptions,
  describeChaos,
  parseWhole,
  type PresetName,
  presetNames,
} from "../shared/flags_chaos.ts";
import { everyCode, expandCodes, settleCodes, top20 } from "./flags_codes.ts";
import {
  abandonedAfterMs,
  type Fetched,
  FlagDownloads,
  longestTimeoutMs,
} from "./flags_download.ts";
import { type FlagClient, FlagPool } from "./flags_pool.ts";
import { FlagsReport, type Outcome, type ProgressStyle } from "./flags_report.ts";
import { decimalNumber, type Lab, type LabOption, UsageError } from "./lab.ts";

/** The options of one run, checked. */
export interface FlagsOptions {
  /** The codes to ask for, or `"all"`: every code the server lists. */
  codes: readonly string[] | "all";
  /** Keep the first N codes, after sorting. */
  limit: number;
  /** At most this many requests at a time: tasks of the lab, or Web Workers under `pool`. */
  maxRequests: number;
  /** Each request in a Web Worker of a pool of `maxRequests`, rather than on the lab's event loop. */
  pool: boolean;
  /** The embedded server's preset and settings, or the URL of a server already running. */
  site: { preset: PresetName; chaos: Chaos } | { url: string };
  /**
   * A line per code, a progress bar (plain lines when standard error is not
   * a terminal), or the original `flags.py`'s plain output.
   */
  progress: ProgressStyle;
  /** The client time-out of each request. */
  timeoutMs: number;
  /** Where flags are saved. */
  dest: string;
  /** Stop at the first error. */
  failFast: boolean;
}

/** Thrown by a worker at the first error under `--fail-fast`. */
export class FlagError extends Error {
  /** Always `"FlagError"`. */
  override name = "FlagError";
  /** The error for the code that ended in `outcome`. */
  constructor(readonly outcome: Outcome) {
    super(`${outcome.code}: ${outcome.reason}`);
  }
}

/** What every worker shares. */
interface Job {
  /** Who does worker `index`'s requests: the lab's own HTTP client, or a Web Worker. */
  clientOf(index: number): FlagClient;
  report: FlagsReport;
  timeoutMs: number;
  failFast: boolean;
}

/** Download the flags; answers the exit status. */
export function* flagsMain(options: FlagsOptions): Operation<number> {
  const start = yield* now();
  let url: string;
  if ("url" in options.site) url = options.site.url;
  else {
    const server = startFlagsServer({ chaos: options.site.chaos });
    yield* ensure(() => call(() => server.close()));
    url = server.url;
  }
  const downloads = new FlagDownloads(url, options.dest);
  yield* ensure(() => call(() => downloads.close()));
  const listed = options.codes === "all"
    ? yield* listServerCodes(downloads, options.timeoutMs)
    : options.codes;
  if ("reason" in listed) {
    console.error(`error: cannot get the list of codes from ${url}/: ${listed.reason}`);
    return exitStatus.failed;
  }
  const codes = settleCodes(listed, options.limit);
  const folder = yield* call(() => downloads.prepareFolder());
  if ("reason" in folder) {
    console.error(`error: ${folder.reason}`);
    return exitStatus.failed;
  }
  const connections = Math.min(options.maxRequests, codes.length);
  let clientOf = (_index: number): FlagClient => downloads;
  /** Under `--pool`: how long its workers took to start. */
  let startupMs: number | undefined;
  if (options.pool) {
    // Deno makes each worker's engine before `new Worker` returns, blocking
    // this thread: the start is timed from before the first.
    const poolStart = yield* now();
    let pool: FlagPool;
    try {
      pool = new FlagPool(connections, url, options.dest);
    } catch (error) {
      // Deno's reason names no permission: say which ones the workers ask for.
      console.error(
        `error: cannot start the pool's Web Workers with access to ${new URL(url).host} and ` +
          `to ${options.dest} only (the lab must have that access itself): ${
            error instanceof Error ? error.message : String(error)
          }`,
      );
      return exitStatus.failed;
    }
    // However the run ends: once every request is over, no worker is left.
    yield* ensure(() => call(() => pool.close()));
    const started = yield* call(() => pool.started());
    if (!started.ok) {
      console.error(`error: cannot start the pool's Web Workers: ${started.reason}`);
      return exitStatus.failed;
    }
    startupMs = (yield* now()) - poolStart;
    clientOf = (index) => pool.client(index);
  }
  const report = new FlagsReport(codes.length, options.progress);
  yield* report.header(describeSite(options, url), codes, connections, startupMs);
  if (folder.removed > 0) {
    yield* log(
      `Removed ${folder.removed} temporary ${folder.removed === 1 ? "file" : "files"} left in ` +
        `${options.dest} by an earlier run, ${describeAge(folder.youngestMs)} old or more ` +
        `(only those older than ${describeAge(abandonedAfterMs)}, which no run still writes).`,
    );
  }
  // However the run ends (done, --fail-fast, Ctrl-C), the counts of what finished.
  yield* ensure(function* () {
    yield* report.summary((yield* now()) - start);
  });
  yield* downloadAll(codes, connections, {
    clientOf,
    report,
    timeoutMs: options.timeoutMs,
    failFast: options.failFast,
  });
  return report.errors > 0 ? exitStatus.failed : exitStatus.ok;
}

/** An age in the largest whole unit it reaches: `15 min`, `3 h`, `2 days`. */
export function describeAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

function describeSite(options: FlagsOptions, url: string): string {
  if ("url" in options.site) return `Site: ${url}`;
  return `${options.site.preset} site: ${url} (embedded server: ${
    describeChaos(options.site.chaos)
  })`;
}

function* listServerCodes(
  downloads: FlagDownloads,
  timeoutMs: number,
): Operation<readonly string[] | { reason: string }> {
  try {
    return yield* timeout(timeoutMs, call((signal) => downloads.listCodes(signal)));
  } catch (error) {
    if (error instanceof TimeoutError) return { reason: `no answer within ${timeoutMs / 1000} s` };
    throw error;
  }
}

/**
 * `connections` workers take codes from one queue until it is empty, in a
 * scope whose body joins each worker as it ends. Under `--fail-fast` a
 * worker's error ends the scope, each runtime its own way (see the header).
 */
function* downloadAll(codes: readonly string[], connections: number, job: Job): Operation<void> {
  const todo = createQueue<string>();
  for (const code of codes) todo.put(code);
  todo.close();
  const ended = createQueue<number>();
  const workers: Task<void>[] = [];
  // Only `native` leaves workers running once their scope is cancelled (on
  // Ctrl-C): halt them, so that their requests are aborted before the lab
  // ends. Elsewhere they have already ended, and this does nothing.
  yield* ensure(function* () {
    for (const worker of workers) yield* worker.halt();
  });
  try {
    yield* scope(function* (handle) {
      for (let index = 0; index < connections; index++) {
        workers.push(
          handle.spawn(() => worker(todo, ended, index, job), { name: `worker ${index + 1}` }),
        );
      }
      // A worker's last act is to post its index: joining it then hands its
      // error to a joiner at once, which under `native` is the only way an
      // error leaves a task.
      for (let running = workers.length; running > 0; running--) {
        yield* workers[yield* ended.get()];
      }
    });
  } catch (error) {
    if (!isFailFast(error)) throw error;
    job.report.scopeThrew(error);
    yield* joinStragglers(workers);
  }
}

function* worker(
  todo: Queue<string>,
  ended: Queue<number>,
  index: number,
  job: Job,
): Operation<void> {
  try {
    const codes = each(todo);
    while (!job.report.stopped && (yield* codes.next())) {
      const outcome = yield* downloadFlag(codes.value, job.clientOf(index), job);
      if (outcome.status === "error" && job.failFast) {
        job.report.stopAt(outcome);
        throw new FlagError(outcome);
      }
    }
  } finally {
    ended.put(index);
  }
}

/** GET one flag, save it, count it, all through `client`. */
function* downloadFlag(code: string, client: FlagClient, job: Job): Operation<Outcome> {
  job.report.started(code);
  let fetched: Fetched;
  try {
    fetched = yield* timeout(
      job.timeoutMs,
      call((signal) => client.fetchFlag(code, signal)),
    );
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    fetched = { status: "error", reason: `no answer within ${job.timeoutMs / 1000} s` };
  }
  if (fetched.status !== "ok") {
    const outcome = { code, ...fetched };
    yield* job.report.record(outcome);
    return outcome;
  }
  const image = fetched.image;
  // Shielded: a cancellation that arrives now waits until the file is
  // renamed (or removed) and counted. A scope answers `undefined` only when
  // cancelled through its handle, which nothing here does.
  return (yield* scope(function* () {
    const saved = yield* call(() => client.save(code, image));
    const outcome: Outcome = saved.ok
      ? { code, status: "ok" }
      : { code, status: "error", reason: `cannot save: ${saved.reason}` };
    yield* job.report.record(outcome);
    return outcome;
  }, { shield: true }))!;
}

function isFailFast(error: unknown): boolean {
  return error instanceof FlagError ||
    (error instanceof AggregateError && error.errors.every((each) => each instanceof FlagError));
}

const settledStates: ReadonlySet<TaskState> = new Set(["completed", "failed", "halted"]);

/**
 * After `--fail-fast` ended the scope, wait for the workers still running:
 * only under `native` are there any, finishing the request they had begun.
 */
function* joinStragglers(workers: readonly Task<void>[]): Operation<void> {
  for (const worker of workers) {
    if (settledStates.has(worker.state)) continue;
    try {
      yield* worker;
    } catch (error) {
      if (!(error instanceof FlagError)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------

/** The options of the flags lab: the original flags2's, then the embedded server's. */
const flagsOptions: Record<string, LabOption> = {
  cc: {
    type: "string",
    short: "c",
    placeholder: '"CC ..."',
    help: 'country codes or first letters, such as "BR IN" or B,C (default: the 20 most populous)',
  },
  all: { type: "boolean", short: "a", help: "every country the server has" },
  every: { type: "boolean", short: "e", help: "every possible code, AA to ZZ (most are 404s)" },
  limit: { type: "string", short: "l", placeholder: "N", help: "keep the first N codes, sorted" },
  "max-req": {
    type: "string",
    short: "m",
    placeholder: "N",
    help: "at most N requests at a time on the event loop (default 5, the original asyncio " +
      "version's: one at a time would hide what this lab shows; 1 with --plain, as flags.py)",
  },
  pool: {
    type: "string",
    placeholder: "N",
    help: "N Web Workers instead, each doing its own requests one at a time: the original's " +
      "thread pool, which had 20 threads (30 in its later versions); a worker is slower to start",
  },
  plain: {
    type: "boolean",
    help: "print as the original's flags.py: the codes on one line as they arrive, then " +
      '"N flags downloaded in Xs"; one request at a time unless -m or --pool says otherwise',
  },
  server: {
    type: "string",
    short: "s",
    placeholder: "LOCAL|DELAY|ERROR|URL",
    help: "the embedded server's preset (default LOCAL), or the URL of a running server",
  },
  verbose: { type: "boolean", short: "v", help: "a line per code instead of a progress bar" },
  timeout: {
    type: "string",
    placeholder: "S",
    help: "give up on a request after S seconds (default 3.1)",
  },
  dest: { type: "string", placeholder: "DIR", help: "save the flags in DIR (default downloads)" },
  "fail-fast": {
    type: "boolean",
    help: "stop at the first error, and see what each runtime does with the other requests",
  },
  delay: {
    type: "string",
    placeholder: "MS|MIN-MAX",
    help: "embedded server: each request waits MS, or a random delay in MIN-MAX",
  },
  "error-rate": {
    type: "string",
    placeholder: "P",
    help: "embedded server: the fraction of requests for existing flags that fail (0 to 1)",
  },
  "error-status": {
    type: "string",
    placeholder: "CODE",
    help: "embedded server: the status of those failures (default 418)",
  },
  seed: {
    type: "string",
    placeholder: "N",
    help: "embedded server: each code's delay and error depend on N and the code only",
  },
};

/** Check the options; throws `UsageError` naming the problem and the values allowed. */
export function parseFlagsOptions(
  values: Record<string, string | boolean | undefined>,
  positionals: string[] = [],
): FlagsOptions {
  const text = (name: string) => values[name] as string | undefined;
  const named = positionals.length > 0 ? positionals.join(" ") : text("cc");
  const ways = [
    values.all && "-a",
    values.every && "-e",
    values.cc !== undefined && "--cc",
    positionals.length > 0 && "CC ...",
  ].filter((way) => typeof way === "string");
  if (ways.length > 1) {
    throw new UsageError(`give only one of ${listOf(ways)}: each chooses the codes`);
  }
  const codes = values.all
    ? "all"
    : values.every
    ? everyCode()
    : named !== undefined
    ? expandCodes(named)
    : top20;
  if (codes !== "all" && codes.length === 0) {
    throw new UsageError("--cc names no code; allowed: two letters (AA to ZZ) or one letter");
  }
  const limit = text("limit");
  const maxRequests = text("max-req");
  const pool = text("pool");
  if (pool !== undefined && maxRequests !== undefined) {
    throw new UsageError("give only one of -m or --pool: each says how many requests at a time");
  }
  if (values.plain && values.verbose) {
    throw new UsageError("give only one of --plain or -v: each chooses how codes are shown");
  }
  const dest = text("dest") ?? "downloads";
  if (dest === "") {
    throw new UsageError(
      "--dest is empty; name the folder to save the flags in (default downloads)",
    );
  }
  if (!mayWrite(dest)) {
    throw new UsageError(
      `--dest ${dest}: no permission to write there; the lab:flags task may write under downloads only`,
    );
  }
  checkFolder(dest);
  // Deno checks a path's permission as written, not where its symbolic
  // links lead: `downloads/link` may point anywhere.
  const real = realPathOf(dest);
  if (!mayWrite(real)) {
    throw new UsageError(
      `--dest ${dest} leads through a symbolic link to ${real}, where there is no permission ` +
        "to write; name a folder under downloads that is not reached through a link",
    );
  }
  return {
    codes,
    limit: limit === undefined ? Infinity : parseWhole("--limit", limit, 1, 676),
    // A worker takes a fifth of a second or more to start, on this thread:
    // a hundred is already 20 s of waiting.
    maxRequests: pool !== undefined
      ? parseWhole("--pool", pool, 1, 100)
      : maxRequests !== undefined
      ? parseWhole("--max-req", maxRequests, 1, 1000)
      : values.plain
      ? 1
      : 5,
    pool: pool !== undefined,
    site: parseSite(text("server") ?? "LOCAL", values as ChaosOptions),
    progress: values.plain
      ? "plain"
      : values.verbose
      ? "verbose"
      : Deno.stderr.isTerminal()
      ? "bar"
      : "lines",
    timeoutMs: parseSeconds(text("timeout") ?? "3.1"),
    dest,
    failFast: values["fail-fast"] === true,
  };
}

function mayWrite(path: string): boolean {
  return Deno.permissions.querySync({ name: "write", path }).state === "granted";
}

/**
 * Where `path` really is, its symbolic links followed: the real path of
 * its longest part that exists, and the rest as written (made by the run).
 * (`link/..` is taken as written, as Deno takes every path it checks
 * against a list of permitted ones: it stays where `link` is.)
 */
function realPathOf(path: string): string {
  const missing: string[] = [];
  for (let existing = resolve(path);; existing = dirname(existing)) {
    try {
      return join(Deno.realPathSync(existing), ...missing);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) || dirname(existing) === existing) {
        const why = error instanceof Error ? error.message : String(error);
        throw new UsageError(`--dest ${path}: ${why}; name a folder to save the flags in`);
      }
      // A link to nothing: the folder cannot be made where it stands.
      const target = linkTarget(existing);
      if (target !== undefined) {
        throw new UsageError(
          `--dest ${path}${
            existing === resolve(path) ? " is" : `: ${existing} is`
          } a symbolic link to ${target}, which does not exist; name a folder to save the ` +
            "flags in that is not reached through a link",
        );
      }
      missing.unshift(basename(existing));
    }
  }
}

/** Where the symbolic link at `path` points, or `undefined` when `path` is no link. */
function linkTarget(path: string): string | undefined {
  try {
    return Deno.lstatSync(path).isSymlink ? Deno.readLinkSync(path) : undefined;
  } catch {
    return undefined; // not there at all
  }
}

/** Throw `UsageError` unless `dest` is a folder, or a path where one can be made. */
function checkFolder(dest: string): void {
  try {
    if (Deno.statSync(dest).isDirectory) return;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // made when the run starts
    const why = error instanceof Deno.errors.NotADirectory
      ? "a part of the path is a file"
      : (error as Error).message;
    throw new UsageError(`--dest ${dest}: ${why}; name a folder to save the flags in`);
  }
  throw new UsageError(`--dest ${dest} is a file; name a folder to save the flags in`);
}

function parseSite(server: string, chaosOptions: ChaosOptions): FlagsOptions["site"] {
  if (!/^https?:\/\//i.test(server)) {
    const preset = presetNames.find((name) => name === server.toUpperCase());
    if (preset === undefined) {
      throw new UsageError(
        `unknown server '${server}'; allowed: ${presetNames.join(", ")} or a URL ` +
          "such as http://127.0.0.1:8001/flags",
      );
    }
    return { preset, chaos: chaosOf(preset, chaosOptions) };
  }
  const given = chaosOptionNames.find((name) => chaosOptions[name] !== undefined);
  if (given) {
    throw new UsageError(
      `--${given} tunes the embedded server; with -s ${server} that server decides (drop --${given} or -s)`,
    );
  }
  if (!URL.canParse(server)) throw new UsageError(`-s '${server}' is not a URL`);
  const site = new URL(server);
  // Checked here, or every request would fail with Deno's advice to rerun
  // with --allow-net, which a user of the task cannot follow.
  if (Deno.permissions.querySync({ name: "net", host: site.host }).state !== "granted") {
    const named = new URL(server);
    named.hostname = "127.0.0.1";
    throw new UsageError(
      `-s ${server}: the lab may not reach ${site.hostname}; the lab:flags task lets it reach ` +
        `127.0.0.1 only (--allow-net=127.0.0.1): give the site as ${named.href}`,
    );
  }
  return { url: server.replace(/\/+$/, "") };
}

function parseSeconds(text: string): number {
  const seconds = decimalNumber(text);
  if (!(seconds > 0 && seconds <= longestTimeoutMs / 1000)) {
    throw new UsageError(
      `--timeout '${text}' is out of range; allowed: seconds above 0, up to ${
        longestTimeoutMs / 1000
      }`,
    );
  }
  return Math.round(seconds * 1000);
}

/** The flags lab. */
export const flagsLab: Lab<FlagsOptions> = {
  name: "flags",
  summary:
    "download flags from a local server, -m at a time or in --pool workers; --fail-fast shows each runtime",
  options: flagsOptions,
  positionals: {
    placeholder: "CC ...",
    help: "country codes to download (a single letter stands for its 26 codes)",
  },
  defaultClock: "real",
  realClockOnly: "it does real network and disk I/O, and a call in flight holds virtual time still",
  parse: parseFlagsOptions,
  main: flagsMain,
};
