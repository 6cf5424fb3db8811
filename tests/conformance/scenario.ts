/**
 * The shape of a conformance scenario: a small program, the upstream test it
 * mirrors, and what each runtime must make of it (notes stamped with virtual
 * time, and the run's outcome).
 *
 * @module
 */

import type { Clock, Operation } from "../../runtimes/types.ts";

/** What one runtime must do with a scenario. */
export interface Expectation {
  notes: string[];
  outcome: string;
}

/** One program, run under every runtime. */
export interface Scenario {
  /** What it shows, in a few words. */
  name: string;
  /**
   * The upstream test it mirrors, by file and function in trio 0.34.0 or
   * Effection's tests (`trio _core/_tests/test_run.py: test_nursery_closure`),
   * or `after ...` naming the concept where no upstream test does.
   */
  mirrors: string;
  program: (note: (text: string) => void, clock: Clock) => Operation<unknown>;
  /**
   * The same for every runtime, or one per runtime; `effection` shares
   * `generator`'s (or `all`) unless it is given its own.
   */
  expect:
    | { all: Expectation; effection?: Expectation; effect?: Expectation }
    | {
      native: Expectation;
      nursery: Expectation;
      generator: Expectation;
      effection?: Expectation;
      effect?: Expectation;
    };
}

/** The name of an error, whatever kind of object it is. */
export function nameOf(error: unknown): string {
  if (error instanceof AggregateError) {
    return `AggregateError[${error.errors.map(nameOf).join(",")}]`;
  }
  if (error instanceof Error || error instanceof DOMException) return error.name;
  return String(error);
}

/** `name: message` of an error. */
export function describe(error: unknown): string {
  return error instanceof Error || error instanceof DOMException
    ? `${nameOf(error)}: ${error.message}`
    : String(error);
}
