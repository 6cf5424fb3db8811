/**
 * Which country codes the flags lab asks for, as the original chose them:
 * the 20 most populous countries by default; codes given by the user, where
 * one letter stands for its 26 codes (`B` is BA to BZ); every possible code
 * (`-e`, AA to ZZ, most of them 404s). Codes are upper case, without
 * duplicates, sorted; `-l N` keeps the first N.
 *
 * @module
 */

import { UsageError } from "./lab.ts";

/** The 20 most populous countries, in the original's order (by population). */
// deno-fmt-ignore
export const top20 = [
  "CN", "IN", "US", "ID", "BR", "PK", "NG", "BD", "RU", "JP",
  "MX", "PH", "VN", "ET", "EG", "DE", "IR", "TR", "CD", "FR",
] as const;

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** All 676 codes, AA to ZZ. */
export function everyCode(): string[] {
  return [...letters].flatMap((first) => [...letters].map((second) => first + second));
}

/**
 * Expand what the user typed (codes or first letters, any case, separated
 * by spaces or commas) into codes; throws `UsageError` on anything else.
 */
export function expandCodes(typed: string): string[] {
  const codes: string[] = [];
  for (const word of typed.split(/[\s,]+/).filter((word) => word !== "")) {
    const upper = word.toUpperCase();
    if (/^[A-Z]$/.test(upper)) codes.push(...[...letters].map((second) => upper + second));
    else if (/^[A-Z]{2}$/.test(upper)) codes.push(upper);
    else {
      throw new UsageError(
        `'${word}' is not a country code; allowed: two letters (AA to ZZ) or one letter (its 26 codes)`,
      );
    }
  }
  return codes;
}

/** Upper case, without duplicates, sorted, the first `limit` kept. */
export function settleCodes(codes: Iterable<string>, limit: number): string[] {
  return [...new Set([...codes].map((code) => code.toUpperCase()))].sort().slice(0, limit);
}

/** How the original names the codes searched for: all of them up to 10, else the range. */
export function describeCodes(codes: readonly string[]): string {
  if (codes.length <= 10) return codes.join(", ");
  return `from ${codes[0]} to ${codes.at(-1)}`;
}
