/**
 * What every command-line entry point of the kit shares: colour that honours
 * `NO_COLOR` and terminals, usage errors (one line, the usage, exit 2) and
 * the exit statuses.
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

/** Print a usage error the kit's way and exit with status 2. */
export function exitWithUsage(message: string, usage: string): never {
  const color = useColor(Deno.stderr);
  console.error(`${paint("error:", 31, color)} ${message}`);
  console.error("");
  console.error(usage);
  Deno.exit(exitStatus.usage);
}

/** Quote a list of allowed values: `a, b or c`. */
export function listOf(values: readonly string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}
