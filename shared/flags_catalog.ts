/**
 * The flags the flags server has: the countries of the npm package
 * `flag-icons` with an ISO 3166-1 code (249 of its 271 entries; the others,
 * such as `eu`, `un` or `gb-sct`, are not countries with a two-letter code).
 *
 * The package is imported statically, so that Deno installs it with the
 * module graph; its SVG files are then read from Deno's npm cache.
 *
 * @module
 */

import countries from "flag-icons/country.json" with { type: "json" };

/** One country, as `flag-icons` describes it. */
export interface Country {
  /** The ISO 3166-1 alpha-2 code, in lower case, as in the package and in URLs. */
  code: string;
  /** The country's name in English. */
  name: string;
  /** Missing for the uninhabited (Antarctica, Bouvet Island...). */
  capital?: string;
  /** Missing for the uninhabited, as the capital. */
  continent?: string;
}

const packageRoot = new URL(".", import.meta.resolve("flag-icons/country.json"));

const byCode: ReadonlyMap<string, Country> = new Map(
  countries
    .filter((country) => country.iso && /^[a-z]{2}$/.test(country.code))
    .map(({ code, name, capital, continent }) => [code, { code, name, capital, continent }]),
);

/** Every code the server has, in upper case, sorted. */
export const catalogCodes: readonly string[] = [...byCode.keys()]
  .map((code) => code.toUpperCase())
  .sort();

/** The country with this code (any case), if the server has its flag. */
export function countryOf(code: string): Country | undefined {
  return byCode.get(code.toLowerCase());
}

/**
 * Read a country's flag: the package's 4x3 SVG. The path is built from a
 * code of the catalog, never from a request, so nothing outside the
 * package's flag folder can be reached.
 */
export function readFlag(country: Country): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(new URL(`flags/4x3/${country.code}.svg`, packageRoot));
}
