/**
 * A failing lab's stack as a learner needs it: the frames of the lab's own
 * code, with the kit's own (its runtimes, its tools, the generators' `next`
 * and Deno's internals) and the libraries' it runs on (npm packages such as
 * `effect` and `effection`) folded into one line per stack. `--trace` or
 * `KIT_FULL_STACK=1` shows every frame.
 *
 * @module
 */

import { isInstance } from "../runtimes/errors.ts";
import { useColor } from "../shared/terminal.ts";

/** The environment variable that asks for every stack frame. */
export const fullStackVariable = "KIT_FULL_STACK";

const kitRoot = new URL("../", import.meta.url).href;

/** Where the kit's internal frames are: its runtimes and its tools, not its labs. */
const internalFolders = [`${kitRoot}runtimes/`, `${kitRoot}tools/`];

/** Whether `KIT_FULL_STACK=1` asks for every frame (false where the environment cannot be read). */
export function fullStackWanted(): boolean {
  try {
    return Deno.env.get(fullStackVariable) === "1";
  } catch {
    return false;
  }
}

// deno-lint-ignore no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

/**
 * The npm package a stack frame's location is in (`effect`, `@scope/name`),
 * from Deno's npm cache or a `node_modules` folder; `undefined` for any
 * other location.
 */
export function npmPackageOf(location: string): string | undefined {
  const found = /\/(?:registry\.npmjs\.org|node_modules)\/((?:@[^/]+\/)?[^/@]+)\//.exec(location);
  return found?.[1];
}

/**
 * Who a stack frame of inspected text belongs to, when it is one a learner
 * need not see: `kit` for the kit's runtimes and tools and Deno's own
 * internals, `npm:<package>` for a library the kit runs on; `undefined` for
 * a frame to show (the lab's own code, a built-in lab) or a line that is no
 * frame.
 */
function hiddenFrameOwner(line: string): string | undefined {
  // A frame followed by an error's own properties ends in ` {`.
  const plain = line.replace(ansi, "").replace(/ \{$/, "");
  const frame = /^\s+at (?:.*\((.*)\)|(.*))$/.exec(plain);
  if (!frame) return undefined;
  const where = frame[1] ?? frame[2];
  const library = npmPackageOf(where);
  if (library !== undefined) return `npm:${library}`;
  const internal = where === "<anonymous>" || where.startsWith("ext:") ||
    where.startsWith("node:") || internalFolders.some((folder) => where.startsWith(folder));
  return internal ? "kit" : undefined;
}

function isFrame(line: string): boolean {
  return /^\s+at /.test(line.replace(ansi, ""));
}

/** `3 frames`, `1 frame`. */
function frames(count: number): string {
  return count === 1 ? "1 frame" : `${count} frames`;
}

/**
 * What one folded stack hid, as its line says it: `4 frames inside the kit`,
 * `5 frames inside npm:effect`, `2 frames inside the kit and 5 inside npm:effect`.
 */
function hiddenText(hidden: ReadonlyMap<string, number>): string {
  const parts = [...hidden].map(([owner, count], index) =>
    index === 0
      ? `${frames(count)} inside ${owner === "kit" ? "the kit" : owner}`
      : `${count} inside ${owner === "kit" ? "the kit" : owner}`
  );
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * `text` (an error as the console shows it, causes and grouped errors
 * included) with the frames of each stack that are the kit's, Deno's or a
 * library's (Effect's fiber loop, Effection's) left out, and in their place,
 * after the stack's last frame, one line saying what was left out and how to
 * see it.
 */
export function withoutKitFrames(text: string): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  const hidden = new Map<string, number>();
  let indent = "    ";
  // The ` {` that opens an error's own properties, when the last frame was hidden.
  let opening = "";
  const flush = () => {
    if (hidden.size === 0) return;
    kept.push(
      `${indent}(${
        hiddenText(hidden)
      } not shown: --trace or ${fullStackVariable}=1 shows them)${opening}`,
    );
    hidden.clear();
    opening = "";
  };
  for (const line of lines) {
    if (!isFrame(line)) {
      flush();
      kept.push(line);
      continue;
    }
    indent = /^\s*/.exec(line.replace(ansi, ""))![0];
    const owner = hiddenFrameOwner(line);
    if (owner === undefined) {
      kept.push(line);
      continue;
    }
    hidden.set(owner, (hidden.get(owner) ?? 0) + 1);
    if (line.endsWith(" {")) opening = " {";
  }
  flush();
  return kept.join("\n");
}

/**
 * Run `body` with `console.error` showing every error it is given (the
 * runtimes' reports of a failure nobody joined, say) without the kit's and
 * the libraries' frames, unless `fullStack`. A value the console cannot
 * show is passed on as it is, so the console still throws for it.
 */
export async function withFoldedStderr<T>(fullStack: boolean, body: () => Promise<T>): Promise<T> {
  if (fullStack) return await body();
  const consoleError = console.error;
  console.error = (...data: unknown[]) =>
    consoleError(...data.map((item) => {
      if (!isInstance(item, Error)) return item;
      try {
        return inspectedWithoutKitFrames(item);
      } catch {
        return item;
      }
    }));
  try {
    return await body();
  } finally {
    console.error = consoleError;
  }
}

/** `error` as the console shows it on stderr, without the kit's frames; throws where the console would. */
export function inspectedWithoutKitFrames(error: unknown): string {
  return withoutKitFrames(Deno.inspect(error, { colors: useColor(Deno.stderr) }));
}
