/**
 * The Web Workers of `lab:flags --pool N`, the kit's analogue of the
 * original's thread pool: N workers (`flags_pool_worker.ts`), each with its
 * own thread, event loop and HTTP client, each doing its own GETs and saves.
 *
 * The lab reaches a worker as it reaches its own HTTP client: through
 * promises, each behind a `call`, with the same answers (`Fetched`, and
 * what `FlagDownloads.save` answers). A GET whose `call` is cancelled (a
 * time-out, `--fail-fast`, Ctrl-C) posts an abort to its worker, which
 * aborts its `fetch`; the promise rejects at once, as `fetchFlag`'s does,
 * and the request is kept as pending until the worker says it is over.
 * `close()` waits for every pending request, then terminates every worker:
 * no worker outlives the lab, and none is killed while it writes a file.
 *
 * Least privilege: a worker may reach only the site's host and read and
 * write only the destination folder; no environment, no subprocess. (Deno
 * gives a worker its parent's permissions unless told otherwise, and the
 * telling is the `--unstable-worker-options` API that deno.json enables.)
 *
 * @module
 */

import type { Fetched } from "./flags_download.ts";

/** What the lab posts to a worker. */
export type PoolRequest =
  | { kind: "start"; site: string; dest: string }
  | { kind: "fetch"; id: number; code: string }
  | { kind: "save"; id: number; code: string; image: Uint8Array }
  | { kind: "abort"; id: number };

/** What `FlagDownloads.save` answers. */
export type Saved = { ok: true } | { ok: false; reason: string };

/**
 * What a worker posts back: that it has started, a request's answer, or
 * word that an aborted request is over.
 */
export type PoolAnswer =
  | { ready: true }
  | { id: number; answer: Fetched | Saved }
  | { id: number; aborted: true };

/** The two things the lab asks of whatever does its requests. */
export interface FlagClient {
  fetchFlag(code: string, signal: AbortSignal): Promise<Fetched>;
  save(code: string, image: Uint8Array): Promise<Saved>;
}

/** A request waiting for its worker's answer. */
interface Pending {
  settle(answer: Fetched | Saved): void;
  /** What it answers if its worker dies first. */
  failure(reason: string): Fetched | Saved;
}

/** One worker, and the requests it has not answered yet. */
class PoolWorker implements FlagClient {
  readonly #pending = new Map<number, Pending>();
  /** Resolved whenever `#pending` empties. */
  #idle: PromiseWithResolvers<void> | undefined;
  /** Why the worker stopped, once it has: every later request answers this. */
  #dead: string | undefined;
  #nextId = 0;
  /** Settles when the worker has started (`undefined`), or with why it could not. */
  readonly started = Promise.withResolvers<string | undefined>();

  constructor(readonly worker: Worker, readonly number: number) {
    worker.onmessage = ({ data }: MessageEvent<PoolAnswer>) => {
      if ("ready" in data) return this.started.resolve(undefined);
      const pending = this.#pending.get(data.id);
      this.#forget(data.id);
      if ("answer" in data) pending?.settle(data.answer);
    };
    // A worker that throws, or whose message cannot be read, is over: its
    // requests end in error with the reason, and the lab goes on.
    worker.onerror = (event) => {
      event.preventDefault();
      this.#die(`worker ${number} failed: ${event.message}`);
    };
    worker.onmessageerror = () => this.#die(`worker ${number} sent a message that cannot be read`);
  }

  fetchFlag(code: string, signal: AbortSignal): Promise<Fetched> {
    return this.#request(
      { kind: "fetch", id: this.#nextId++, code },
      (reason) => ({ status: "error", reason }),
      signal,
    ) as Promise<Fetched>;
  }

  save(code: string, image: Uint8Array): Promise<Saved> {
    return this.#request(
      { kind: "save", id: this.#nextId++, code, image },
      (reason) => ({ ok: false, reason: `cannot save: ${reason}` }),
    ) as Promise<Saved>;
  }

  /** Wait until every request has been answered or declared over, then terminate. */
  async close(): Promise<void> {
    while (this.#pending.size > 0 && this.#dead === undefined) {
      this.#idle ??= Promise.withResolvers();
      await this.#idle.promise;
    }
    this.worker.terminate();
  }

  #request(
    request: PoolRequest & { id: number },
    failure: (reason: string) => Fetched | Saved,
    signal?: AbortSignal,
  ): Promise<Fetched | Saved> {
    if (this.#dead !== undefined) return Promise.resolve(failure(this.#dead));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { id } = request;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.worker.postMessage({ kind: "abort", id });
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        settle: (answer) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(answer);
        },
        failure,
      });
      // The image changes hands without a copy; the lab keeps no reference.
      this.worker.postMessage(
        request,
        request.kind === "save" ? [request.image.buffer as ArrayBuffer] : [],
      );
    });
  }

  #forget(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size > 0) return;
    this.#idle?.resolve();
    this.#idle = undefined;
  }

  #die(reason: string): void {
    this.#dead ??= reason;
    this.started.resolve(reason);
    for (const [id, pending] of this.#pending) {
      this.#forget(id);
      pending.settle(pending.failure(reason));
    }
    this.#idle?.resolve();
  }
}

/** N workers downloading from `site` into `dest`. */
export class FlagPool {
  readonly #workers: PoolWorker[] = [];

  /**
   * Start `size` workers. Throws when one cannot be started (the worker
   * options are not enabled, or the lab may not reach `site`), after
   * terminating those that were.
   */
  constructor(size: number, site: string, dest: string) {
    const script = new URL("./flags_pool_worker.ts", import.meta.url);
    const options = {
      type: "module",
      name: "flags pool worker",
      deno: {
        permissions: {
          net: [new URL(site).host],
          read: [dest],
          write: [dest],
          env: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions;
    try {
      for (let number = 1; number <= size; number++) {
        const worker = new Worker(script, options);
        this.#workers.push(new PoolWorker(worker, number));
        worker.postMessage({ kind: "start", site, dest } satisfies PoolRequest);
      }
    } catch (error) {
      for (const each of this.#workers) each.worker.terminate();
      throw error;
    }
  }

  /** How many workers there are. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Wait until every worker has loaded its module and started, so that no
   * request's time-out counts a worker's start; answers why one could not.
   */
  async started(): Promise<{ ok: true } | { ok: false; reason: string }> {
    const reasons = await Promise.all(this.#workers.map((each) => each.started.promise));
    const reason = reasons.find((each) => each !== undefined);
    return reason === undefined ? { ok: true } : { ok: false, reason };
  }

  /** Worker `index` (from 0), as the client of one of the lab's tasks. */
  client(index: number): FlagClient {
    return this.#workers[index];
  }

  /** Wait until every request is over, then terminate every worker. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((each) => each.close()));
  }
}
