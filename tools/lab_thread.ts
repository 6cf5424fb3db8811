/**
 * The lab's own thread: `lab` and `compare` run in a Web Worker, so that
 * Ctrl-C can always end them.
 *
 * A JavaScript thread that blocks (`block`, the countdown's `--blocking`)
 * or loops without yielding handles no signal until it is free again, which
 * may be never. So the main thread only listens: it starts the command in
 * a worker (`lab_thread_worker.ts`) and passes Ctrl-C on. The first Ctrl-C
 * asks the lab's thread to halt the run, whose cleanup runs, exit 130, as
 * in one thread. If that thread does not answer, it is busy: after
 * {@link sameKeypressMs} the main thread says so, and after
 * {@link busyGraceMs}, or at once on a second Ctrl-C, it ends the process,
 * 130, saying that cleanup could not run. A second Ctrl-C while the
 * cleanup runs ends it too, as it did in one thread.
 *
 * What the lab prints is unchanged: it writes to the same stdout and
 * stderr, synchronously, from its one thread. The cost is the start of the
 * thread, which loads the modules again: about 0.13 s more CPU per run.
 *
 * @module
 */

import { escapes } from "../labs/spinner_screen.ts";
import { type CtrlC, exitStatus, onCtrlC, sameKeypressMs } from "./cli.ts";

/** A command that runs in the lab's thread: `runLabCommand`, `runCompareCommand`. */
export type ThreadCommand = (args: string[], ctrlC: () => CtrlC) => Promise<number>;

/** What the main thread tells the lab's thread. */
export type ToLabThread =
  | { type: "start"; module: string; command: string; args: string[] }
  | { type: "interrupt" };

/** What the lab's thread tells the main thread. */
export type FromLabThread =
  /** A Ctrl-C arrived: the run is being halted. */
  | { type: "halting" }
  /** The command is over (its `unload` handlers have run): exit with `status`. */
  | { type: "exit"; status: number };

/**
 * How long after a Ctrl-C the lab's thread may stay busy, not answering,
 * before the process ends without its cleanup.
 */
export const busyGraceMs = 2000;

/** Shown a moment after a Ctrl-C the lab's thread has not answered. */
export const busyNotice = "interrupted: the lab's thread is busy (a blocking step, or a loop " +
  `that never yields); unless it answers within ${busyGraceMs / 1000} s, it will be stopped ` +
  "without its cleanup (at once on another Ctrl-C)";

/**
 * Run `command`, an export of `module`, on `args` in a thread of its own;
 * answer its exit status. Ctrl-C as the module comment says: the process
 * may end here, with status 130, when the thread is busy.
 */
export function runInLabThread(module: URL, command: string, args: string[]): Promise<number> {
  const worker = new Worker(new URL("./lab_thread_worker.ts", import.meta.url), {
    type: "module",
    name: "lab",
  });
  const send = (message: ToLabThread) => worker.postMessage(message);
  let answered = false;
  let notice: ReturnType<typeof setTimeout> | undefined;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const stopNow = (why: string): never => {
    console.error(why);
    // A lab may have hidden the cursor (the spinner does); its thread,
    // stopped where it was, cannot show it again.
    if (Deno.stdout.isTerminal()) {
      Deno.stdout.writeSync(new TextEncoder().encode(escapes.showCursor));
    }
    Deno.exit(exitStatus.interrupted);
  };
  const ctrlC = onCtrlC(() =>
    stopNow(
      answered
        ? "interrupted again: stopped before the run's cleanup finished"
        : "interrupted again: the lab's thread was busy, so its cleanup could not run; " +
          "stopped it where it was",
    )
  );
  ctrlC.signal.addEventListener("abort", () => {
    send({ type: "interrupt" });
    notice = setTimeout(() => console.error(busyNotice), sameKeypressMs);
    grace = setTimeout(
      () =>
        stopNow(
          `interrupted: the lab's thread stayed busy for ${busyGraceMs / 1000} s, ` +
            "so its cleanup could not run; stopped it where it was",
        ),
      busyGraceMs,
    );
  });
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<FromLabThread>) => {
      clearTimeout(notice);
      clearTimeout(grace);
      if (event.data.type === "halting") {
        answered = true;
        return;
      }
      ctrlC.stop();
      resolve(event.data.status);
    };
    // An uncaught error in the lab's thread, which Deno has printed there
    // (`Uncaught (in worker "lab")`, with its stack): exit 1, as it would
    // in one thread, without Deno's second report from this side.
    worker.onerror = (event) => {
      event.preventDefault();
      clearTimeout(notice);
      clearTimeout(grace);
      ctrlC.stop();
      resolve(exitStatus.failed);
    };
    send({ type: "start", module: module.href, command, args });
  });
}
