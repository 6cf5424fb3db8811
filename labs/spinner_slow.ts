/**
 * The spinner lab's `slow()`: the work the supervisor waits for while the
 * spinner spins, in the five ways `--slow` chooses. Each answers 42, the
 * original's answer; they differ in whether the spinner gets a turn.
 *
 * | `--slow` | what it does | the spinner | virtual clock |
 * | --- | --- | --- | --- |
 * | `sleep` | a cooperative sleep | spins | exact |
 * | `block` | blocks the thread (`block`) | frozen | exact |
 * | `cpu` | counts primes in one go | frozen | refused |
 * | `nap` | the same count in slices, with a 1 ms nap between | spins; the job takes longer | refused |
 * | `worker` | the same count in a Web Worker | spins; the job takes no longer | refused |
 *
 * @module
 */

import { block, call, sleep } from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";
import { countPrimes, limitFor, type PrimeCount, PrimeCounter } from "./spinner_job.ts";

/** The values `--slow` takes. */
export const slowModes = ["sleep", "block", "cpu", "nap", "worker"] as const;

/** How `slow()` does its work. */
export type SlowMode = typeof slowModes[number];

/**
 * The modes that do real CPU work, which takes real time whatever the clock:
 * a virtual clock would not see it pass, so the lab refuses them there.
 */
export const realWorkModes: readonly SlowMode[] = ["cpu", "nap", "worker"];

/** `--slow nap` checks this many numbers between naps (a few ms of work here). */
export const napEveryNumbers = 20_000;

/**
 * How long a nap is. Not `sleep(0)`: under `nursery` and `generator` a zero
 * sleep lets the other ready tasks run but never lets the host fire its
 * timers, so the spinner, asleep on a timer, would stay frozen. A 1 ms sleep
 * arms a timer under every runtime, and the loop gets a real turn.
 */
const napMs = 1;

/** The original's answer. */
export const answer = 42;

/** The prime count a real-work mode did, for the lab's last lines. */
export interface JobReport {
  count: PrimeCount;
  /** How the count ran: `in one go`, `in 605 slices, with a 1 ms nap between`... */
  how: string;
}

/** Do the work `mode` says, sized to take about `seconds`; answers 42. */
export function* slow(
  mode: SlowMode,
  seconds: number,
  onJob: (job: JobReport) => void,
): Operation<number> {
  const ms = seconds * 1000;
  switch (mode) {
    case "sleep":
      yield* sleep(ms);
      break;
    case "block":
      yield* block(ms);
      break;
    case "cpu":
      onJob({ count: countPrimes(limitFor(seconds)), how: "in one go" });
      break;
    case "nap":
      onJob(yield* countWithNaps(limitFor(seconds)));
      break;
    case "worker": {
      const limit = limitFor(seconds);
      onJob({
        count: yield* call((signal) => countInWorker(limit, signal)),
        how: "in a Web Worker",
      });
      break;
    }
  }
  return answer;
}

function* countWithNaps(limit: number): Operation<JobReport> {
  const counter = new PrimeCounter(limit);
  let slices = 1;
  while (!counter.advance(napEveryNumbers)) {
    yield* sleep(napMs);
    slices++;
  }
  const how = slices === 1
    ? "in one slice, too small for a nap"
    : `in ${slices} slices, with a ${napMs} ms nap between`;
  return { count: counter.result(), how };
}

/**
 * Count the primes below `limit` in a Web Worker. The worker is terminated
 * however the call ends: answered, failed, or aborted because the calling
 * task was cancelled (then the count stops at once, mid-loop).
 */
function countInWorker(limit: number, signal: AbortSignal): Promise<PrimeCount> {
  signal.throwIfAborted();
  const worker = new Worker(new URL("./spinner_worker.ts", import.meta.url), { type: "module" });
  let abandon = () => {};
  const counted = new Promise<PrimeCount>((resolve, reject) => {
    abandon = () => reject(signal.reason);
    signal.addEventListener("abort", abandon, { once: true });
    worker.onmessage = (event: MessageEvent<PrimeCount>) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`the prime-counting worker failed: ${event.message}`));
    };
    worker.postMessage(limit);
  });
  return counted.finally(() => {
    signal.removeEventListener("abort", abandon);
    worker.terminate();
  });
}
