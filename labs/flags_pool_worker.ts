/**
 * One Web Worker of `lab:flags --pool N`: it does its own GETs and saves,
 * on its own thread, with its own HTTP client, through the same
 * `FlagDownloads` as the lab's event loop (so the same body limit, the same
 * `.part` files renamed into place, the same disk-error messages). The
 * lab's side is `flags_pool.ts`, which says what the messages are.
 *
 * @module
 */

import { FlagDownloads } from "./flags_download.ts";
import type { PoolAnswer, PoolRequest } from "./flags_pool.ts";

// Type-checked as part of the kit, this file sees the window's globals; in
// the worker, `self` is the worker's own scope, with these two members.
const workerScope = self as unknown as {
  onmessage: ((event: MessageEvent<PoolRequest>) => void) | null;
  postMessage(answer: PoolAnswer, transfer?: Transferable[]): void;
};

let downloads: FlagDownloads | undefined;
/** The GETs on their way, by request id: aborted when the lab cancels them. */
const inFlight = new Map<number, AbortController>();

workerScope.onmessage = async ({ data: request }) => {
  switch (request.kind) {
    case "start":
      downloads = new FlagDownloads(request.site, request.dest);
      workerScope.postMessage({ ready: true });
      return;
    case "abort":
      inFlight.get(request.id)?.abort();
      return;
    case "fetch": {
      const controller = new AbortController();
      inFlight.set(request.id, controller);
      try {
        const fetched = await downloads!.fetchFlag(request.code, controller.signal);
        // The image goes back without a copy: its buffer changes hands.
        workerScope.postMessage(
          { id: request.id, answer: fetched },
          fetched.status === "ok" ? [fetched.image.buffer as ArrayBuffer] : [],
        );
      } catch {
        // `fetchFlag` rejects only when aborted: the lab no longer waits for
        // the answer, only for word that the request is over.
        workerScope.postMessage({ id: request.id, aborted: true });
      } finally {
        inFlight.delete(request.id);
      }
      return;
    }
    case "save": {
      const saved = await downloads!.save(request.code, request.image);
      workerScope.postMessage({ id: request.id, answer: saved });
      return;
    }
  }
};
