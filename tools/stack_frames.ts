/**
 * A failing lab's stack as a learner needs it: the frames of the lab's own
 * code, with the kit's own (its runtimes, its tools, the generators' `next`
 * and Deno's internals) folded into one line per stack. `--trace` or
 * `KIT_FULL_STACK=1` shows every frame.
 *
 * @module
 */

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

/** Whether a line of inspected text is a stack frame of the kit or of Deno itself. */
function isInternalFrame(line: string): boolean {
  const plain = line.replace(ansi, "");
  const frame = /^\s+at (?:.*\((.*)\)|(.*))$/.exec(plain);
  if (!frame) return false;
  const where = frame[1] ?? frame[2];
  return where === "<anonymous>" || where.startsWith("ext:") || where.startsWith("node:") ||
    internalFolders.some((folder) => where.startsWith(folder));
}

function isFrame(line: string): boolean {
  return /^\s+at /.test(line.replace(ansi, ""));
}

/**
 * `text` (an error as the console shows it, causes and grouped errors
 * included) with the kit's frames of each stack left out, and in their
 * place, after the stack's last frame, one line saying how many were left
 * out and how to see them.
 */
export function withoutKitFrames(text: string): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  let hidden = 0;
  let indent = "    ";
  const flush = () => {
    if (hidden === 0) return;
    const frames = hidden === 1 ? "1 frame" : `${hidden} frames`;
    kept.push(
      `${indent}(${frames} inside the kit not shown: --trace or ${fullStackVariable}=1 shows them)`,
    );
    hidden = 0;
  };
  for (const line of lines) {
    if (!isFrame(line)) {
      flush();
      kept.push(line);
      continue;
    }
    indent = /^\s*/.exec(line.replace(ansi, ""))![0];
    if (isInternalFrame(line)) hidden++;
    else kept.push(line);
  }
  flush();
  return kept.join("\n");
}

/** `error` as the console shows it on stderr, without the kit's frames; throws where the console would. */
export function inspectedWithoutKitFrames(error: unknown): string {
  return withoutKitFrames(Deno.inspect(error, { colors: useColor(Deno.stderr) }));
}
