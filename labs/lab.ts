/**
 * What a lab is: an operation plus the command-line options it takes. The
 * lab runner (`tools/lab.ts`) adds the options every lab shares
 * (`--runtime`, `--clock`, `--trace`, `--help`).
 *
 * @module
 */

import type { Operation } from "../runtimes/types.ts";

/** One option of a lab, in `node:util` `parseArgs` terms plus help text. */
export interface LabOption {
  type: "string" | "boolean";
  short?: string;
  /** For string options: the values allowed, checked by the runner. */
  choices?: readonly string[];
  /**
   * For a string option whose values are open (a seed, say), the forms a
   * missing value's message names, `shuffle:SEED`; the option checks its
   * value itself.
   */
  forms?: readonly string[];
  /** The placeholder in the usage line: `N`, `MODE`... */
  placeholder?: string;
  help: string;
}

/** A lab: its name, help, options and the operation it runs. */
export interface Lab<O = Record<string, string | boolean | undefined>> {
  /** The name given to `deno task lab <name>`. */
  name: string;
  /** One line on what it shows. */
  summary: string;
  /** Lab-specific options, keyed by long name. */
  options: Record<string, LabOption>;
  /** The arguments it takes besides options (`CC ...`), if any. */
  positionals?: { placeholder: string; help: string };
  /** The clock used when `--clock` is not given. */
  defaultClock: "real" | "virtual";
  /** Why the lab refuses the virtual clock, if it does (it does real I/O). */
  realClockOnly?: string;
  /**
   * Why running the lab under every runtime to compare them means nothing,
   * if it does (it measures the host): `compare` refuses it with this.
   */
  notComparable?: string;
  /** Check the parsed options and arguments; throw `UsageError` on bad ones. */
  parse(values: Record<string, string | boolean | undefined>, positionals: string[]): O;
  /**
   * The operation; its answer is the exit status (0 when `undefined`). A
   * lab file's operation answers nothing: the runner prints what it returns.
   */
  main(options: O): Operation<number | void>;
}

// Shared with the flags server and the tools, which may not import labs/.
export { decimalNumber, UsageError } from "../shared/usage.ts";
