/**
 * The flags lab's side of HTTP and the disk, written with promises for the
 * lab to reach through `call`: list the server's codes, GET one flag and
 * sort the answer into OK, not found or error, save a flag atomically. A
 * failure is an answer, not a rejection: a promise here rejects only when
 * its signal aborted it, and then no task is listening any more.
 *
 * A cancelled `call` returns to its task at once, while the promise behind
 * it winds down on its own (the abort reaches `fetch`, which then rejects).
 * So every promise started here is kept until it settles, and `close()`
 * waits for all of them before closing the HTTP client: no request, socket
 * or response body outlives the lab.
 *
 * What a server sends is read up to {@link bodyLimit} only: a server that
 * answers with an endless body costs the lab at most that much memory per
 * request in flight.
 *
 * @module
 */

import { join } from "node:path";

/**
 * The largest response body the lab reads: 512 KiB. The largest flag the
 * flags server has (Serbia's) is 177 KiB, most are a few KiB; the list of
 * codes is under 1 KiB.
 */
const bodyLimit = 512 * 1024;

/** The reason given for a body over {@link bodyLimit}. */
const tooLarge = `response body over ${bodyLimit / 1024} KiB`;

/**
 * The temporary name a flag is written under before it is renamed into
 * place: `.{cc}.svg.{uuid}.part`, hidden, and unlike any name a user gives.
 */
function temporaryName(code: string): string {
  return `.${code.toLowerCase()}.svg.${crypto.randomUUID()}.part`;
}

const temporaryPattern =
  /^\.[a-z]{2}\.svg\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.part$/;

/** The longest `--timeout` any run of the lab accepts: ten minutes. */
export const longestTimeoutMs = 600_000;

/**
 * How old a temporary file must be before a run takes it as abandoned and
 * removes it: the longest any run waits for one request, plus five minutes.
 * A run makes its temporary file only once the flag is in memory, writes it
 * at once and renames it at once, so a live run's file is milliseconds old;
 * one this old belongs to a run that was killed (or stopped for longer
 * than any request may take). Two runs into one folder then never remove
 * each other's files. The age is the file's own (its last write), the one
 * fact every system gives: telling whether the run that wrote it is alive
 * would need its pid in the name and a way to ask for a process, which Deno
 * has only with --allow-run, or through /proc, on Linux alone.
 */
export const abandonedAfterMs = longestTimeoutMs + 5 * 60_000;

/** Whether `name` is one that {@link temporaryName} gives. */
function isTemporaryName(name: string): boolean {
  return temporaryPattern.test(name);
}

/** How one GET ended; the image is in memory, not yet saved. */
export type Fetched =
  | { status: "ok"; image: Uint8Array }
  | { status: "not found" }
  | { status: "error"; reason: string };

/** The HTTP client, the site and the destination folder of one lab run. */
export class FlagDownloads {
  readonly #client = Deno.createHttpClient({});
  readonly #pending = new Set<Promise<unknown>>();

  /** Downloads from `site`, saved in `dest`. */
  constructor(
    /** The base of the layout: `{site}/{cc}/{cc}.svg`. */
    readonly site: string,
    /** Where flags are saved, as `{cc}.svg`. */
    readonly dest: string,
  ) {}

  /**
   * The codes the server has (`GET {site}/`), or why they could not be had;
   * rejects only when `signal` aborted it.
   */
  listCodes(signal: AbortSignal): Promise<string[] | { reason: string }> {
    return this.#track((async () => {
      try {
        const response = await fetch(`${this.site}/`, { signal, client: this.#client });
        if (!response.ok) {
          await response.body?.cancel();
          return { reason: `HTTP ${response.status} ${response.statusText}` };
        }
        const body = await readBody(response);
        if ("reason" in body) return body;
        const text = new TextDecoder().decode(body.bytes);
        return text.split(/\s+/).filter((code) => /^[A-Za-z]{2}$/.test(code));
      } catch (error) {
        if (signal.aborted) throw error;
        return { reason: describeFailure(error) };
      }
    })());
  }

  /**
   * GET one flag. Every answer and every failure is an outcome; the promise
   * rejects only when `signal` aborted it (the task was cancelled or timed
   * out), and then the task is no longer listening.
   */
  fetchFlag(code: string, signal: AbortSignal): Promise<Fetched> {
    const cc = code.toLowerCase();
    return this.#track((async (): Promise<Fetched> => {
      try {
        const response = await fetch(`${this.site}/${cc}/${cc}.svg`, {
          signal,
          client: this.#client,
        });
        if (response.ok) {
          const body = await readBody(response);
          if ("reason" in body) return { status: "error", reason: body.reason };
          // An empty file is no flag: saving it would count a download
          // that brought nothing.
          if (body.bytes.length === 0) return { status: "error", reason: "empty body" };
          return { status: "ok", image: body.bytes };
        }
        await response.body?.cancel();
        if (response.status === 404) return { status: "not found" };
        return { status: "error", reason: `HTTP ${response.status} ${response.statusText}`.trim() };
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: "error", reason: describeFailure(error) };
      }
    })());
  }

  /**
   * Make the destination folder, and remove the temporary files that a run
   * killed while saving left there: only files, only of
   * {@link temporaryName}'s shape, and only older than
   * {@link abandonedAfterMs}. Answers how many it removed and the age of the
   * youngest of them, or why it failed.
   */
  prepareFolder(): Promise<{ removed: number; youngestMs: number } | { reason: string }> {
    return this.#track((async () => {
      try {
        await Deno.mkdir(this.dest, { recursive: true });
      } catch (error) {
        return { reason: `cannot make the folder ${this.dest}: ${describeDiskFailure(error)}` };
      }
      const stale: { path: string; ageMs: number }[] = [];
      try {
        for await (const entry of Deno.readDir(this.dest)) {
          if (!entry.isFile || !isTemporaryName(entry.name)) continue;
          const path = join(this.dest, entry.name);
          // Gone meanwhile, or of no known age: not taken as abandoned.
          const written = (await lstatIfThere(path))?.mtime;
          if (written == null) continue;
          const ageMs = Date.now() - written.getTime();
          if (ageMs > abandonedAfterMs) stale.push({ path, ageMs });
        }
      } catch (error) {
        return { reason: `cannot read the folder ${this.dest}: ${describeDiskFailure(error)}` };
      }
      let removed = 0;
      let youngestMs = Infinity;
      for (const { path, ageMs } of stale) {
        try {
          await Deno.remove(path);
          removed++;
          youngestMs = Math.min(youngestMs, ageMs);
        } catch (error) {
          // Gone already: another run into the same folder swept it first.
          if (error instanceof Deno.errors.NotFound) continue;
          return {
            reason: `cannot remove ${path}, left by an earlier run: ${describeDiskFailure(error)}`,
          };
        }
      }
      return { removed, youngestMs };
    })());
  }

  /**
   * Save a flag as `{cc}.svg`: written under a temporary name in the same
   * folder, then renamed, so the file is complete or absent. Answers why it
   * failed, if it did, with the system's reason (the temporary file is then
   * removed, or the reason says why it could not be; the next run's
   * `prepareFolder` removes it).
   */
  save(code: string, image: Uint8Array): Promise<{ ok: true } | { ok: false; reason: string }> {
    const temporary = join(this.dest, temporaryName(code));
    return this.#track((async () => {
      try {
        // `createNew` fails on a name that exists, a symbolic link included,
        // and `rename` replaces a link at `{cc}.svg` rather than follow it:
        // nothing is written outside the folder.
        await Deno.writeFile(temporary, image, { createNew: true });
        await Deno.rename(temporary, join(this.dest, `${code.toLowerCase()}.svg`));
        return { ok: true } as const;
      } catch (error) {
        const reason = describeDiskFailure(error);
        try {
          await Deno.remove(temporary);
        } catch (removal) {
          if (!(removal instanceof Deno.errors.NotFound)) {
            return {
              ok: false,
              reason: `${reason}; removing the temporary file failed too: ${
                describeDiskFailure(removal)
              }`,
            } as const;
          }
        }
        return { ok: false, reason } as const;
      }
    })());
  }

  /** Wait until every request and save has settled, then close the HTTP client. */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled(this.#pending);
    this.#client.close();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    const pending = this.#pending;
    pending.add(promise);
    const forget = () => void pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** `path`'s own information, or `undefined` once it is gone (another run removed or renamed it). */
async function lstatIfThere(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Read a response's body, up to {@link bodyLimit}: a `Content-Length` over
 * it is refused before anything is read, and the body is counted as it
 * comes, since the header may lie or be missing (a chunked body). Past the
 * limit the body is cancelled, which closes its connection.
 */
async function readBody(response: Response): Promise<{ bytes: Uint8Array } | { reason: string }> {
  if (Number(response.headers.get("content-length")) > bodyLimit) {
    await response.body?.cancel();
    return { reason: tooLarge };
  }
  if (response.body === null) return { bytes: new Uint8Array() };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > bodyLimit) {
      await reader.cancel();
      return { reason: tooLarge };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes };
}

/**
 * A file-system failure with its cause, on one line: Deno's message names
 * the system's reason, the operation and the path (`Read-only file system
 * (os error 30): writefile '...'`), and is kept whole.
 */
function describeDiskFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : describeValue(error);
  return message.replace(/\s*\n\s*/g, " ");
}

/** Any value as text, even one whose conversion throws. */
function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a value of type ${typeof value} that cannot be shown`;
  }
}

/**
 * A failure in a few words: `Connection refused (os error 111)`, the end of
 * the innermost cause, rather than `fetch failed` or the whole chain.
 */
function describeFailure(error: unknown): string {
  // The lab is refused a site on any host it may not reach before it
  // starts, so a request refused that access was redirected there.
  if (error instanceof Deno.errors.NotCapable) {
    const target = /"([^"]+)"/.exec(error.message)?.[1];
    return `the server redirected ${target === undefined ? "" : `to ${target}, `}away from ` +
      "127.0.0.1, the only host the lab may reach";
  }
  let innermost = error;
  while (innermost instanceof Error && innermost.cause !== undefined) innermost = innermost.cause;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return message.split(": ").at(-1) || message;
}
