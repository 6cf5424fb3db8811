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
 * 130, saying that cleanup could not run (or, before the thread has
 * started the lab, that there was nothing to clean up). A second Ctrl-C
 * while the cleanup runs ends it too, as it did in one thread. The cleanup
 * is watched: the halting thread says it is alive every
 * {@link aliveEveryMs}; a cleanup still running after {@link slowCleanupMs}
 * is told to the user with how to cut it short, and one whose thread goes
 * unheard for {@link silentInCleanupMs} is busy, said and stopped as above.
 * No Ctrl-C is met with silence. SIGTERM is handled as Ctrl-C.
 *
 * What the lab prints is unchanged: it writes to the same stdout and
 * stderr, synchronously, from its one thread. The cost is the start of the
 * thread, which loads the modules again: about 0.13 s more CPU per run.
 *
 * The lab's thread, where a lab file's own code runs, may write no more
 * than the labs need. A task that may write anywhere (`deno task lab`, so
 * that `--timeline` and `--trace-json` may name any file) gives it only
 * {@link labWritable}; the files the user names are written here, in the
 * main thread, when the lab's thread asks. A process allowed to write only
 * some places passes them on unchanged.
 *
 * @module
 */

import { escapes } from "../labs/spinner_screen.ts";
import { errorMessage } from "../runtimes/errors.ts";
import { type CtrlC, exitStatus, interruptSignals, onCtrlC, sameKeypressMs } from "./cli.ts";
import { localFiles, type UserFiles } from "./write_file.ts";

/**
 * A command that runs in the lab's thread: `runLabCommand`,
 * `runCompareCommand`. The files it writes for the user (`--timeline`), it
 * writes through `userFiles`, which the main thread carries out.
 */
export type ThreadCommand = (
  args: string[],
  ctrlC: () => CtrlC,
  userFiles: UserFiles,
) => Promise<number>;

/** What the main thread tells the lab's thread. */
export type ToLabThread =
  | { type: "start"; module: string; command: string; args: string[] }
  | { type: "interrupt" }
  /** A file the thread asked for is written (`error` unset) or not (why). */
  | { type: "written"; id: number; error?: string }
  /** Whether the process may write the path the thread asked about. */
  | { type: "may-write"; id: number; granted: boolean };

/** What the lab's thread tells the main thread. */
export type FromLabThread =
  /** The kit is loaded: the command runs from now on (before, there is nothing to clean up). */
  | { type: "started" }
  /** A Ctrl-C arrived: the run is being halted. */
  | { type: "halting" }
  /** Said every {@link aliveEveryMs} while the run halts: the thread is free, its cleanup runs. */
  | { type: "alive" }
  /** Write `text` to `path`, whole or not at all, and say so with `written`. */
  | { type: "write"; id: number; path: string; text: string }
  /** May the process write `path`? Answered with `may-write`. */
  | { type: "may-write"; id: number; path: string }
  /** The command is over (its `unload` handlers have run): exit with `status`. */
  | { type: "exit"; status: number };

/**
 * What the lab's thread may write when the process may write anywhere: the
 * flags lab's `downloads` folder, in the folder the task runs in.
 */
export const labWritable = ["downloads"];

/**
 * Start the lab's thread: with the process's own permissions, but writing
 * only {@link labWritable} when the process may write anywhere. Setting a
 * worker's permissions needs Deno's `worker-options`, which the kit's
 * deno.json turns on for its scripts (a script outside the kit that starts
 * the lab's thread, allowed to write anywhere, needs
 * `--unstable-worker-options`).
 */
function startLabThread(): Worker {
  const url = new URL("./lab_thread_worker.ts", import.meta.url);
  if (Deno.permissions.querySync({ name: "write" }).state === "granted") {
    const inherit = "inherit";
    const permissions: Deno.PermissionOptionsObject = {
      env: inherit,
      ffi: inherit,
      import: inherit,
      net: inherit,
      read: inherit,
      run: inherit,
      sys: inherit,
      write: labWritable,
    };
    return new Worker(url, { type: "module", name: "lab", deno: { permissions } });
  }
  return new Worker(url, { type: "module", name: "lab" });
}

/**
 * How long after a Ctrl-C the lab's thread may stay busy, not answering,
 * before the process ends without its cleanup.
 */
export const busyGraceMs = 2000;

/** How often the lab's thread says it is free while its run halts. */
export const aliveEveryMs = 100;

/**
 * How long the halting thread may go unheard before it counts as busy in
 * its cleanup: a blocking step there, or a loop that never yields. After
 * that, {@link busyGraceMs} more, and it is stopped.
 */
export const silentInCleanupMs = 1000;

/** How long a cleanup may run, the thread free, before stderr says how to cut it short. */
export const slowCleanupMs = 2000;

/** Shown a moment after a Ctrl-C the lab's thread has not answered. */
export const busyNotice = "interrupted: the lab's thread is busy (a blocking step, or a loop " +
  `that never yields); unless it answers within ${busyGraceMs / 1000} s, it will be stopped ` +
  "without its cleanup (at once on another Ctrl-C)";

/** Shown instead when the Ctrl-C came before the lab started. */
export const loadingNotice = "interrupted: the lab has not started yet (its thread is still " +
  "loading the kit), so there is nothing to clean up; it stops as soon as it has loaded, " +
  `within ${busyGraceMs / 1000} s at most (at once on another Ctrl-C)`;

/** Shown once when the run's cleanup goes on after {@link slowCleanupMs}. */
export const slowCleanupNotice = "still cleaning up; press Ctrl-C again to stop at once";

/** Shown instead when the Ctrl-C, answered, came before the lab started and the kit still loads. */
export const slowLoadingNotice = "still loading the kit, so there is nothing to clean up yet; " +
  "press Ctrl-C again to stop at once";

/** Shown when the lab's thread, its cleanup begun, stops answering. */
export const busyInCleanupNotice = "interrupted: the lab's thread went busy during its cleanup " +
  "(a blocking step, or a loop that never yields); unless it answers within " +
  `${busyGraceMs / 1000} s, it will be stopped with its cleanup unfinished (at once on another ` +
  "Ctrl-C)";

/**
 * Run `command`, an export of `module`, on `args` in a thread of its own;
 * answer its exit status. Ctrl-C (or SIGTERM, which is handled alike) as
 * the module comment says: the process may end here, with status 130, when
 * the thread is busy or its cleanup is cut short.
 */
export function runInLabThread(module: URL, command: string, args: string[]): Promise<number> {
  const worker = startLabThread();
  const send = (message: ToLabThread) => worker.postMessage(message);
  let started = false;
  let answered = false;
  let busyInCleanup = false;
  // Every timer that waits on the lab's thread after a Ctrl-C; cleared as
  // the thread answers, and all at the end.
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const after = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer: ReturnType<typeof setTimeout> | undefined) => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  };
  const clearAll = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  const stopNow = (why: string): never => {
    console.error(why);
    // A lab may have hidden the cursor (the spinner does); its thread,
    // stopped where it was, cannot show it again.
    if (Deno.stdout.isTerminal()) {
      Deno.stdout.writeSync(new TextEncoder().encode(escapes.showCursor));
    }
    Deno.exit(exitStatus.interrupted);
  };
  const ctrlC = onCtrlC(
    () =>
      stopNow(
        !started
          ? "interrupted again: stopped before the lab started (its thread was still loading " +
            "the kit), so there was nothing to clean up"
          : busyInCleanup
          ? "interrupted again: the lab's thread was busy during its cleanup; stopped it " +
            "where it was, its cleanup unfinished"
          : answered
          ? "interrupted again: stopped before the run's cleanup finished"
          : "interrupted again: the lab's thread was busy, so its cleanup could not run; " +
            "stopped it where it was",
      ),
    interruptSignals,
  );
  // The halting thread, heard from: it counts as busy again only after
  // `silentInCleanupMs` without a word.
  let silence: ReturnType<typeof setTimeout> | undefined;
  let stop: ReturnType<typeof setTimeout> | undefined;
  const heard = () => {
    busyInCleanup = false;
    cancel(silence);
    cancel(stop);
    silence = after(silentInCleanupMs, () => {
      busyInCleanup = true;
      console.error(busyInCleanupNotice);
      stop = after(
        busyGraceMs,
        () =>
          stopNow(
            `interrupted: the lab's thread stayed busy during its cleanup for ` +
              `${(silentInCleanupMs + busyGraceMs) / 1000} s; stopped it where it was, its ` +
              "cleanup unfinished",
          ),
      );
    });
  };
  ctrlC.signal.addEventListener("abort", () => {
    send({ type: "interrupt" });
    after(sameKeypressMs, () => console.error(started ? busyNotice : loadingNotice));
    after(
      busyGraceMs,
      () =>
        stopNow(
          started
            ? `interrupted: the lab's thread stayed busy for ${busyGraceMs / 1000} s, ` +
              "so its cleanup could not run; stopped it where it was"
            : `interrupted: the lab's thread was still loading the kit after ` +
              `${busyGraceMs / 1000} s; stopped it before the lab started, so there was ` +
              "nothing to clean up",
        ),
    );
  });
  return new Promise((resolve) => {
    const end = (status: number) => {
      clearAll();
      ctrlC.stop();
      resolve(status);
    };
    worker.onmessage = (event: MessageEvent<FromLabThread>) => {
      const message = event.data;
      if (message.type === "started") {
        started = true;
        return;
      }
      if (message.type === "halting") {
        // The Ctrl-C is answered: the busy notice and grace no longer
        // apply; the cleanup gets its own watch.
        answered = true;
        clearAll();
        after(slowCleanupMs, () => {
          if (!busyInCleanup) console.error(started ? slowCleanupNotice : slowLoadingNotice);
        });
        heard();
        return;
      }
      if (message.type === "alive") {
        if (answered) heard();
        return;
      }
      if (message.type === "may-write") {
        const { id } = message;
        localFiles.mayWrite(message.path).then((granted) =>
          send({ type: "may-write", id, granted })
        );
        return;
      }
      if (message.type === "write") {
        const { id } = message;
        localFiles.write(message.path, message.text).then(
          () => send({ type: "written", id }),
          (error) => send({ type: "written", id, error: errorMessage(error) }),
        );
        return;
      }
      end(message.status);
    };
    // An uncaught error in the lab's thread, which Deno has printed there
    // (`Uncaught (in worker "lab")`, with its stack): exit 1, as it would
    // in one thread, without Deno's second report from this side.
    worker.onerror = (event) => {
      event.preventDefault();
      end(exitStatus.failed);
    };
    send({ type: "start", module: module.href, command, args });
  });
}
