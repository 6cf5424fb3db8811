/**
 * Where the spinner draws. On a terminal, one line redrawn in place with the
 * cursor hidden; anywhere else (a pipe, a file, a test), nowhere: the lab
 * then prints only its plain lines, which carry the same facts.
 *
 * @module
 */

import { paint } from "../shared/terminal.ts";

/** ANSI escape sequences the animated screen writes. */
export const escapes = {
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h",
  /** Back to the start of the line and erase it. */
  eraseLine: "\r\x1b[K",
} as const;

/** The spinner's line on screen. */
export interface SpinnerScreen {
  /** Redraw the line with this frame (the cursor is hidden from the first frame on). */
  draw(frame: string, message: string): void;
  /** Erase the line, if one is drawn, so that a printed line starts clean. */
  eraseLine(): void;
  /** The spinner stopped: erase its line and show the cursor again. */
  stop(): void;
  /** The lab is ending, however it ends: `stop()`, and draw nothing more. */
  close(): void;
}

/** The screen of plain output: the spinner draws nothing. */
export const plainScreen: SpinnerScreen = {
  draw() {},
  eraseLine() {},
  stop() {},
  close() {},
};

/**
 * An animated screen writing escape sequences through `write`; with
 * `color`, frames are cyan.
 */
export function animatedScreen(write: (text: string) => void, color: boolean): SpinnerScreen {
  let cursorHidden = false;
  let lineDrawn = false;
  let closed = false;
  // The last resort, for an exit that skips every cleanup (a `Deno.exit`
  // during the run): `Deno.exit` still dispatches `unload`, so the cursor
  // comes back even then. A lab thread that the runner stops from outside
  // (busy, or at a second Ctrl-C) runs nothing more; the runner shows the
  // cursor itself (`tools/lab_thread.ts`).
  const showCursorAtExit = () => write(escapes.showCursor);
  const screen: SpinnerScreen = {
    draw(frame, message) {
      // A task the run no longer waits for may still be woken once after the end.
      if (closed) return;
      if (!cursorHidden) {
        write(escapes.hideCursor);
        globalThis.addEventListener("unload", showCursorAtExit);
      }
      write(`\r${paint(frame, 36, color)} ${message}\x1b[K`);
      cursorHidden = lineDrawn = true;
    },
    eraseLine() {
      if (lineDrawn) write(escapes.eraseLine);
      lineDrawn = false;
    },
    stop() {
      screen.eraseLine();
      if (!cursorHidden) return;
      globalThis.removeEventListener("unload", showCursorAtExit);
      write(escapes.showCursor);
      cursorHidden = false;
    },
    close() {
      screen.stop();
      closed = true;
    },
  };
  return screen;
}

/** Write all of `text` to standard output, synchronously. */
export function writeToStdout(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}
