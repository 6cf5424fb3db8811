// Exercise 9's rates server; start.ts and your solution share it: do not edit.
import { type Operation, sleep } from "../../mod.ts";

/** Exchange rates, per currency. */
export type Rates = Readonly<Record<string, number>>;

/** How long the server takes to answer, in ms. */
export const fetchMs = 500;

/** Fetch today's rates: the server answers after {@link fetchMs}. */
export function* fetchRates(): Operation<Rates> {
  yield* sleep(fetchMs);
  return { EUR: 1.08, GBP: 0.79, JPY: 151.2 };
}

/** The readers: each prints one currency's rate. */
export const readers: readonly (readonly [name: string, currency: string])[] = [
  ["till", "EUR"],
  ["board", "GBP"],
];
