/**
 * Writing a file whole or not at all.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * Write `text` to `path` whole or not at all: into a temporary file beside
 * it (`.NAME.PID.RANDOM.tmp`), then renamed over it. On any failure the
 * temporary file is removed and the error thrown.
 */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const temporary = join(dirname(path), `.${basename(path)}.${Deno.pid}.${suffix}.tmp`);
  try {
    await Deno.writeTextFile(temporary, text, { createNew: true });
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
