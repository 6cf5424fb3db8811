/**
 * What the flags server does to a request before answering it: the presets
 * of the original test servers (LOCAL, DELAY, ERROR), the options that
 * change them (`--delay`, `--error-rate`, `--error-status`, `--seed`), and
 * each request's fate: how long it waits, and whether it fails.
 *
 * With a seed, a code's fate is a function of the seed and the code alone
 * (a small hash, below), so the same run gives the same delays and errors
 * whatever the concurrency and the order of the requests. Without one, every
 * request rolls afresh, as in the original.
 *
 * @module
 */

import { decimalNumber, UsageError } from "./usage.ts";
import { listOf } from "./terminal.ts";

/** The server labels of the original, as presets. */
export const presetNames = ["LOCAL", "DELAY", "ERROR"] as const;

/** One of `presetNames`. */
export type PresetName = typeof presetNames[number];

/** How the server treats requests for a code. */
export interface Chaos {
  /** Each request waits a delay in this range, in ms (a fixed delay when equal). */
  delay: { min: number; max: number };
  /** The fraction of requests for existing flags that fail, 0 to 1. */
  errorRate: number;
  /** The status those failures answer (418, I'm a teapot, as in the original). */
  errorStatus: number;
  /** When set, each code's fate depends on the seed and the code only. */
  seed: number | undefined;
}

/** The presets: no delay; a random 0.5-5 s per request; that plus a quarter of errors. */
export const presets: Readonly<Record<PresetName, Chaos>> = {
  LOCAL: { delay: { min: 0, max: 0 }, errorRate: 0, errorStatus: 418, seed: undefined },
  DELAY: { delay: { min: 500, max: 5000 }, errorRate: 0, errorStatus: 418, seed: undefined },
  ERROR: { delay: { min: 500, max: 5000 }, errorRate: 0.25, errorStatus: 418, seed: undefined },
};

/** The longest delay accepted, in ms: ten minutes. */
const longestDelay = 600_000;

/** The options that change a preset, as typed on a command line. */
export interface ChaosOptions {
  /** `MS` or `MIN-MAX`, whole milliseconds. */
  delay?: string;
  /** A fraction, 0 to 1. */
  "error-rate"?: string;
  /** An HTTP status, 400 to 599 except 404. */
  "error-status"?: string;
  /** A whole number. */
  seed?: string;
}

/** The names of `ChaosOptions`, for command-line parsers. */
export const chaosOptionNames = ["delay", "error-rate", "error-status", "seed"] as const;

/** A preset name in any case; throws `UsageError` naming the allowed ones. */
export function parsePreset(text: string, option: string): PresetName {
  const name = text.toUpperCase();
  if ((presetNames as readonly string[]).includes(name)) return name as PresetName;
  throw new UsageError(`unknown ${option} '${text}'; allowed: ${listOf(presetNames)}`);
}

/** A preset changed by the options given; throws `UsageError` on a bad value. */
export function chaosOf(preset: PresetName, options: ChaosOptions): Chaos {
  const chaos = { ...presets[preset] };
  if (options.delay !== undefined) chaos.delay = parseDelay(options.delay);
  if (options["error-rate"] !== undefined) chaos.errorRate = parseRate(options["error-rate"]);
  if (options["error-status"] !== undefined) {
    chaos.errorStatus = parseErrorStatus(options["error-status"]);
  }
  if (options.seed !== undefined) chaos.seed = parseWhole("--seed", options.seed, 0, 2 ** 32 - 1);
  return chaos;
}

function parseDelay(text: string): Chaos["delay"] {
  const [first, second, ...rest] = text.split("-");
  const min = rest.length === 0 ? decimalNumber(first, { whole: true }) : NaN;
  const max = second === undefined ? min : decimalNumber(second, { whole: true });
  if (!(min <= max && max <= longestDelay)) {
    throw new UsageError(
      `--delay '${text}' is not a delay; allowed: MS or MIN-MAX, whole milliseconds from 0 to ${longestDelay}, MIN <= MAX`,
    );
  }
  return { min, max };
}

function parseRate(text: string): number {
  const rate = decimalNumber(text);
  if (!(rate >= 0 && rate <= 1)) {
    throw new UsageError(`--error-rate '${text}' is not a fraction; allowed: 0 to 1, such as 0.25`);
  }
  return rate;
}

function parseErrorStatus(text: string): number {
  const status = parseWhole("--error-status", text, 400, 599);
  if (status === 404) {
    throw new UsageError(
      "--error-status 404 would pass for a missing flag; allowed: 400 to 599 except 404",
    );
  }
  return status;
}

/** A whole number in `[min, max]`; throws `UsageError` saying what is allowed. */
export function parseWhole(option: string, text: string, min: number, max: number): number {
  const value = decimalNumber(text, { whole: true });
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `${option} '${text}' is out of range; allowed: a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

/** One line on what the server does: `delay 500-5000 ms, 25% errors as HTTP 418, seed 7`. */
export function describeChaos(chaos: Chaos): string {
  const { min, max } = chaos.delay;
  const parts = [
    max === 0 ? "no delay" : min === max ? `delay ${min} ms` : `delay ${min}-${max} ms`,
  ];
  parts.push(
    chaos.errorRate === 0
      ? "no errors"
      : `${Math.round(chaos.errorRate * 1000) / 10}% errors as HTTP ${chaos.errorStatus}`,
  );
  if (chaos.seed !== undefined) parts.push(`seed ${chaos.seed}`);
  return parts.join(", ");
}

/** What happens to one request. */
export interface Fate {
  /** How long the server waits before answering, in ms. */
  delayMs: number;
  /** Whether it answers `errorStatus` (only ever for a flag the server has). */
  fails: boolean;
}

/** The fate of a request for `code` (any case). */
export function fateOf(chaos: Chaos, code: string): Fate {
  const cc = code.toLowerCase();
  const roll = chaos.seed === undefined
    ? () => Math.random()
    : (salt: string) => seededRoll(chaos.seed!, cc, salt);
  const { min, max } = chaos.delay;
  return {
    delayMs: Math.round(min + roll("delay") * (max - min)),
    fails: roll("error") < chaos.errorRate,
  };
}

/**
 * A number in [0, 1) that depends only on `seed`, `code` and `salt`: the
 * 32-bit FNV-1a hash of the three, mixed by MurmurHash3's finaliser so that
 * codes differing by one letter land far apart.
 */
export function seededRoll(seed: number, code: string, salt: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${code}:${salt}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}
