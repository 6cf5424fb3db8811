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
 * @module
 */

import { join } from "node:path";

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
        const text = await response.text();
        if (!response.ok) return { reason: `HTTP ${response.status} ${response.statusText}` };
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
        if (response.ok) return { status: "ok", image: await response.bytes() };
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
   * Save a flag as `{cc}.svg`: written under a temporary name in the same
   * folder, then renamed, so the file is complete or absent. Answers why it
   * failed, if it did (the temporary file is then removed).
   */
  save(code: string, image: Uint8Array): Promise<{ ok: true } | { ok: false; reason: string }> {
    const name = `${code.toLowerCase()}.svg`;
    const temporary = join(this.dest, `.${name}.${crypto.randomUUID()}.part`);
    return this.#track((async () => {
      try {
        await Deno.writeFile(temporary, image, { createNew: true });
        await Deno.rename(temporary, join(this.dest, name));
        return { ok: true } as const;
      } catch (error) {
        await Deno.remove(temporary).catch((removal) => {
          if (!(removal instanceof Deno.errors.NotFound)) throw removal;
        });
        return { ok: false, reason: describeFailure(error) } as const;
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

/**
 * A failure in a few words: `Connection refused (os error 111)`, the end of
 * the innermost cause, rather than `fetch failed` or the whole chain.
 */
function describeFailure(error: unknown): string {
  let innermost = error;
  while (innermost instanceof Error && innermost.cause !== undefined) innermost = innermost.cause;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return message.split(": ").at(-1) || message;
}
