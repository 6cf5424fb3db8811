/**
 * How far a long run is (`bench`, `bench:scale`, `bench:flags`, `report`),
 * on standard error, so that standard output carries only the figures: on a
 * terminal one line redrawn in place, as the flags lab's progress bar is;
 * piped, a plain line each tenth of the way.
 *
 *     bench [#########.....................] 23/76 12 s  spawn+join: nursery, round 2 of 7
 *
 * @module
 */

import { progressBar } from "../shared/terminal.ts";

// The bar itself is the flags lab's too, so it lives with the labs.
export { progressBar } from "../shared/terminal.ts";

/** A run's progress through a known number of steps. */
export interface Progress {
  /** The next step has begun: `what` it does. */
  step(what: string): void;
  /** The run is over: the line is erased (on a terminal). */
  done(): void;
}

/** Where a progress line goes: standard error, or a stand-in in tests. */
export interface ProgressStream {
  isTerminal(): boolean;
  writeSync(bytes: Uint8Array): number;
  /** The width to fit on a terminal. */
  columns?: () => number;
}

/**
 * Show the progress of `name` through `total` steps on `stream`. On a
 * terminal, while the line is shown, `console.log` and `console.error`
 * erase it first and redraw it after, so that a figure or a message printed
 * mid-run gets a line of its own; a process that ends before `done` (Ctrl-C)
 * erases it as it unloads.
 */
export function showProgress(
  name: string,
  total: number,
  stream: ProgressStream = Deno.stderr,
): Progress {
  const encoder = new TextEncoder();
  const write = (text: string) => stream.writeSync(encoder.encode(text));
  const startedAt = performance.now();
  const terminal = stream.isTerminal();
  const columns = stream.columns ?? (() => Deno.consoleSize().columns);
  let count = 0;
  let line = "";
  const describe = (what: string) => {
    const seconds = Math.round((performance.now() - startedAt) / 1000);
    return `${name} ${progressBar(count, total)} ${count}/${total} ${seconds} s  ${what}`;
  };
  if (!terminal) {
    return {
      step(what) {
        count++;
        // The first step, then one line each tenth of the way: enough to see it move.
        if (
          count === 1 || Math.floor((count * 10) / total) > Math.floor(((count - 1) * 10) / total)
        ) {
          write(`${describe(what)}\n`);
        }
      },
      done() {},
    };
  }
  const erase = () => write("\r\x1b[K");
  const draw = () => write(`\r\x1b[K${line.slice(0, Math.max(0, columns() - 1))}`);
  const { log, error } = console;
  const around = (print: (...data: unknown[]) => void) => (...data: unknown[]) => {
    erase();
    print(...data);
    draw();
  };
  console.log = around(log);
  console.error = around(error);
  const done = () => {
    globalThis.removeEventListener("unload", done);
    console.log = log;
    console.error = error;
    erase();
  };
  globalThis.addEventListener("unload", done);
  return {
    step(what) {
      count++;
      line = describe(what);
      draw();
    },
    done,
  };
}
