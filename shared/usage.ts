/**
 * Usage errors and the numbers a command line spells, shared by the labs,
 * the flags server and the command-line tools (each of which may import
 * `shared/`, while the labs may not import the tools, nor the server the
 * labs).
 *
 * @module
 */

/** A bad option or value: the runner prints the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The number a command-line value spells in plain decimal digits (`5`,
 * `0.25`, `.5`), or `NaN` for any other form. Every numeric option of every
 * lab reads its value through this, so that all accept the same forms:
 * `Number` alone would also take `0x10`, `0b11`, `1e3`, `' 2 '`, `-0` and
 * `''` (as 0). With `whole`, a fraction is `NaN` too. The range is each
 * option's own, and so is the message naming it.
 */
export function decimalNumber(text: string, { whole = false } = {}): number {
  return (whole ? /^\d+$/ : /^(\d+\.?\d*|\.\d+)$/).test(text) ? Number(text) : NaN;
}
