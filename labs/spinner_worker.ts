/**
 * The spinner lab's Web Worker (`--slow worker`): it receives a limit,
 * counts the primes below it on its own thread, and posts the count back.
 * The lab's thread, and its spinner, go on meanwhile: the thread or process
 * of the original, in JavaScript's terms.
 *
 * @module
 */

import { countPrimes, type PrimeCount } from "./spinner_job.ts";

// Type-checked as part of the kit, this file sees the window's globals; in
// the worker, `self` is the worker's own scope, with these two members.
const workerScope = self as unknown as {
  onmessage: ((event: MessageEvent<number>) => void) | null;
  postMessage(count: PrimeCount): void;
};

workerScope.onmessage = (event) => workerScope.postMessage(countPrimes(event.data));
