/**
 * The thread one run of a learner's file runs in (see `checkFile` in
 * `exercise.ts`): it loads the file, runs it under the runtime the main
 * thread names, and posts back what the run did, every value in it
 * cloneable (errors described), for the main thread to judge.
 *
 * @module
 */

import { runExercise } from "../exercises/check.ts";
import { UsageError } from "../labs/lab.ts";
import { describeError, errorMessage, isInstance } from "../runtimes/errors.ts";
import type { Operation } from "../runtimes/types.ts";
import { errorLine } from "./compare.ts";
import type { FromExerciseThread, PostedError, ToExerciseThread } from "./exercise.ts";
import { LabFileError, loadErrorLine, loadLab } from "./lab.ts";

// Type-checked as part of the kit, this file sees the window's globals; in
// the worker, `self` is the worker's own scope, with these members.
const workerScope = self as unknown as {
  onmessage: ((event: MessageEvent<ToExerciseThread>) => void) | null;
  postMessage(message: FromExerciseThread): void;
  close(): void;
};
// Taken now, before the learner's file could replace it.
const post: (message: FromExerciseThread) => void = workerScope.postMessage.bind(workerScope);

// `Deno.exit` in a worker ends the worker alone: the main thread is told
// the status first, and judges it a program that did not end by itself.
const exitThread = Deno.exit;
Object.defineProperty(Deno, "exit", {
  value: (code?: number): never => {
    post({ type: "exit", status: code ?? Deno.exitCode });
    return exitThread(code);
  },
});

// `close()` ends the worker silently: the main thread would wait out the
// budget and blame a loop. It is told instead.
const closeThread = workerScope.close.bind(workerScope);
Object.defineProperty(globalThis, "close", {
  value: (): void => {
    post({ type: "close" });
    closeThread();
  },
});

/** How many `console` calls of a run reach the terminal; the rest are dropped, said once. */
const consoleCallLimit = 100;

// A file printing in a loop would bury the checker's verdict under its output: the
// first calls show, as a debugging print should, then one line says the rest were dropped.
let consoleCalls = 0;
const printNote = console.error.bind(console);
for (const method of ["log", "info", "debug", "warn", "error"] as const) {
  const print = console[method].bind(console);
  console[method] = (...data: unknown[]) => {
    consoleCalls++;
    if (consoleCalls <= consoleCallLimit) print(...data);
    else if (consoleCalls === consoleCallLimit + 1) {
      printNote(
        `(the exercise checker shows a run's first ${consoleCallLimit} console calls only)`,
      );
    }
  };
}

/** `error` as the main thread can receive it: its one line and full description. */
function posted(error: unknown): PostedError {
  return {
    line: errorLine(error),
    description: describeError(error),
    usage: isInstance(error, UsageError),
    load: isInstance(error, LabFileError),
    isError: isInstance(error, Error) || isInstance(error, DOMException),
  };
}

workerScope.onmessage = async (event) => {
  const { file, runtime, schedule } = event.data;
  let main: () => Operation<unknown>;
  try {
    const lab = await loadLab(file);
    main = () => lab.main({});
  } catch (error) {
    post({
      type: "load-error",
      message: errorMessage(error),
      // A syntax error or a missing import is said in the message's one line.
      cause: isInstance(error, LabFileError) && loadErrorLine(error.cause) === undefined
        ? posted(error.cause)
        : undefined,
      usage: isInstance(error, UsageError),
    });
    return;
  }
  const run = await runExercise(runtime, main, schedule);
  post({
    type: "run",
    run: {
      ...run,
      // A thrown value may be anything (a Proxy, a function): only its description crosses.
      events: run.events.map((each) =>
        each.error === undefined ? each : { ...each, error: describeError(each.error) }
      ),
      error: undefined,
    },
    error: run.outcome === "error" ? posted(run.error) : undefined,
  });
};

// Loaded: the main thread starts the run's real-time budget from here.
post({ type: "ready" });
