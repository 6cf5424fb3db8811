/**
 * Writing a file whole or not at all, and the files a command writes for
 * the user: from its own thread, or (in the lab's thread, which may write
 * less) by the main thread on its behalf.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/** The files a command writes for the user (`--timeline`), and whether it may write them. */
export interface UserFiles {
  /** Whether the process may write `path`: asked before a run, so that it ends in no refusal. */
  mayWrite(path: string): Promise<boolean>;
  /** Write `text` to `path`, whole or not at all. */
  write(path: string, text: string): Promise<void>;
}

/** The user's files written from this thread, with this thread's permissions. */
export const localFiles: UserFiles = {
  mayWrite: (path) =>
    Promise.resolve(Deno.permissions.querySync({ name: "write", path }).state === "granted"),
  write: (path, text) => writeFileAtomically(path, text),
};

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
