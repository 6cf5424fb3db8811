/**
 * The folders the kit writes for people to open, `deno task report --out`
 * and `deno task workshop --handout`, and whose they are: each command
 * leaves a marker file of its own in the folder it writes, and writes only
 * into a folder that is new, empty, or marked as its own. So neither
 * overwrites the other's folder, nor a folder of someone's own files (a
 * teacher's notes, a project), whatever name is given.
 *
 * @module
 */

import { join, resolve } from "node:path";

/** The marker file each command leaves in the folder it writes. */
export const folderMarkers = {
  report: ".kit-report",
  handout: ".kit-handout",
} as const;

/** The commands that write such folders. */
export type FolderOwner = keyof typeof folderMarkers;

/** What a command calls each folder, in its messages. */
const described: Record<FolderOwner, { option: string; what: string }> = {
  report: { option: "--out", what: "a report (deno task report)" },
  handout: { option: "--handout", what: "a workshop handout (deno task workshop --handout)" },
};

/** A folder the command may not write into: the message says why and what to name instead. */
export class OutputRefused extends Error {
  override name = "OutputRefused";
}

/** What is at `folder`: nothing, an empty folder, a folder a command marked, another folder, or a file. */
export type FolderState =
  | { kind: "new" | "empty" | "file" | "other" }
  | { kind: "marked"; owner: FolderOwner };

/** What is at `folder`, as {@link FolderState} says. */
export async function folderState(folder: string): Promise<FolderState> {
  let info;
  try {
    info = await Deno.stat(folder);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "new" };
    throw error;
  }
  if (!info.isDirectory) return { kind: "file" };
  for (const owner of Object.keys(folderMarkers) as FolderOwner[]) {
    try {
      await Deno.lstat(join(folder, folderMarkers[owner]));
      return { kind: "marked", owner };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  for await (const _entry of Deno.readDir(folder)) return { kind: "other" };
  return { kind: "empty" };
}

/**
 * Throw {@link OutputRefused} unless `owner` may write into `folder` (as
 * the user typed it: `shown`): new, empty, or marked by `owner` itself.
 */
export async function refuseForeignFolder(
  folder: string,
  owner: FolderOwner,
  shown: string = folder,
): Promise<void> {
  const { option, what } = described[owner];
  const named = `name a new or empty folder, or a previous ${
    owner === "report" ? "report" : "handout"
  }`;
  let state: FolderState;
  try {
    state = await folderState(resolve(folder));
  } catch (error) {
    // A folder the command may not even look at (Deno's /proc, a folder it cannot list).
    const why = error instanceof Error ? error.message : String(error);
    throw new OutputRefused(`${option} ${shown} cannot be used: ${why}; ${named}`);
  }
  if (state.kind === "new" || state.kind === "empty") return;
  if (state.kind === "marked" && state.owner === owner) return;
  const problem = state.kind === "file"
    ? "is a file"
    : state.kind === "marked"
    ? `is ${described[state.owner].what}, not ${what}`
    : `is a folder with other files in it, not ${what}`;
  throw new OutputRefused(`${option} ${shown} ${problem}; ${named}`);
}
