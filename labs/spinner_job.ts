/**
 * The spinner lab's CPU-bound job: count the primes below a limit by trial
 * division, the same kind of work as the original's experiment (which
 * checked that 5,000,111,000,222,021 is prime), sized so that it takes about
 * `--seconds` on the kit's build machine.
 *
 * The count can be advanced a slice at a time, so that the same job runs in
 * one go (`--slow cpu`), in slices with naps in between (`--slow nap`) and in
 * a Web Worker (`--slow worker`): the work is identical, only where and how
 * it runs changes.
 *
 * @module
 */

/**
 * Counting the primes below `limit` by trial division costs about
 * `limit^1.5 / ln(limit)` steps; this many seconds per step were measured on
 * the kit's build machine (Deno 2.9.6): 2.3 s for the 664,579 primes below
 * ten million. Faster or slower machines take less or more than `--seconds`;
 * the lab prints what it measured.
 */
const secondsPerStep = 1.16e-9;

/** The estimated cost of counting the primes below `limit`, in seconds here. */
function estimatedSeconds(limit: number): number {
  return secondsPerStep * limit ** 1.5 / Math.log(limit);
}

/**
 * The limit whose prime count takes about `seconds` here, rounded to three
 * significant digits so that it reads well (12,100,000 for 3 s).
 */
export function limitFor(seconds: number): number {
  let low = 10;
  let high = 1e12;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (estimatedSeconds(middle) < seconds) low = middle;
    else high = middle;
  }
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(high)) - 2);
  return Math.round(high / unit) * unit;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let divisor = 3; divisor * divisor <= n; divisor += 2) {
    if (n % divisor === 0) return false;
  }
  return true;
}

/** What the job found. */
export interface PrimeCount {
  /** The primes counted are those below this. */
  limit: number;
  /** How many there are. */
  primes: number;
}

/** A count of the primes below `limit` that can be advanced a slice at a time. */
export class PrimeCounter {
  #next = 0;
  #primes = 0;

  constructor(readonly limit: number) {}

  /** Check the next `numbers` numbers; answers `true` once every one below the limit is checked. */
  advance(numbers: number): boolean {
    const end = Math.min(this.limit, this.#next + numbers);
    let primes = this.#primes;
    for (let n = this.#next; n < end; n++) if (isPrime(n)) primes++;
    this.#primes = primes;
    this.#next = end;
    return end === this.limit;
  }

  /** The count so far; the answer once `advance` has answered `true`. */
  result(): PrimeCount {
    return { limit: this.limit, primes: this.#primes };
  }
}

/** Count the primes below `limit` in one go, blocking the thread until done. */
export function countPrimes(limit: number): PrimeCount {
  const counter = new PrimeCounter(limit);
  counter.advance(limit);
  return counter.result();
}
