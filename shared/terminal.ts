/**
 * What the labs, the flags server and the tools need of the terminal and
 * the process, in a module all of them may import, so that a lab needs no
 * runner's code: the exit statuses, colour that honours `NO_COLOR` and
 * terminals, a failure explained by its message, a list of allowed values,
 * a progress bar (`tools/cli.ts` and `tools/progress.ts` re-export them).
 *
 * @module
 */

/** Exit statuses: success, the lab's own work failed, usage error, Ctrl-C. */
export const exitStatus = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Colour only for a terminal, and never when `NO_COLOR` is set. */
export function useColor(stream: { isTerminal(): boolean }): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return (noColor === undefined || noColor === "") && stream.isTerminal();
}

/** Wrap `text` in an ANSI colour when `enabled`. */
export function paint(text: string, code: number, enabled: boolean): string {
  return enabled ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * A failure of a lab's own work that its message explains in full (a port
 * already in use): the lab runner prints the message alone, without a
 * stack, and exits 1 as for any failure.
 */
export class ExpectedFailure extends Error {
  override name = "ExpectedFailure";
}

/** Quote a list of allowed values: `a, b or c`. */
export function listOf(values: readonly string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}

const barWidth = 30;

/** `[####......]`: `done` of `total`, in `width` cells (30 unless given). */
export function progressBar(done: number, total: number, width = barWidth): string {
  const filled = total > 0 ? Math.min(width, Math.round((width * done) / total)) : 0;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}
