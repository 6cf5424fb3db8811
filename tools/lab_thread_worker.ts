/**
 * The lab's thread (see `lab_thread.ts`): it runs the command the main
 * thread names, with Ctrl-C as the main thread passes it on, and tells the
 * main thread the exit status.
 *
 * @module
 */

import type { CtrlC } from "./cli.ts";
import type { UserFiles } from "./write_file.ts";
import {
  aliveEveryMs,
  type FromLabThread,
  type ThreadCommand,
  type ToLabThread,
} from "./lab_thread.ts";

// Type-checked as part of the kit, this file sees the window's globals; in
// the worker, `self` is the worker's own scope, with these two members.
const workerScope = self as unknown as {
  onmessage: ((event: MessageEvent<ToLabThread>) => void) | null;
  postMessage(message: FromLabThread): void;
  close(): void;
};

// The main thread owns the signal; the first Ctrl-C reaches this thread as
// a message, once it is free to read it. Later ones are the main thread's.
const interrupt = new AbortController();
const ctrlC: CtrlC = { signal: interrupt.signal, stop() {} };

// `Deno.exit` in a worker ends the worker alone: the status the command,
// the kit (a usage error) or a lab file gives it goes to the main thread,
// which exits with it. Posted from the last `unload` handler, so that those
// the lab added (the spinner's shows the cursor) have run first.
const exitThread = Deno.exit;
Object.defineProperty(Deno, "exit", {
  value: (code?: number): never => {
    const status = code ?? Deno.exitCode;
    globalThis.addEventListener("unload", () => workerScope.postMessage({ type: "exit", status }));
    return exitThread(code);
  },
});

// `close()` in a worker ends the worker alone, and silently: the main
// thread would wait for ever. In one thread it ends the process, status 0,
// whatever `Deno.exitCode` says; the main thread is told so.
const closeThread = workerScope.close.bind(workerScope);
Object.defineProperty(globalThis, "close", {
  value: (): void => {
    workerScope.postMessage({ type: "exit", status: 0 });
    closeThread();
  },
});

// The files the command writes for the user are written by the main
// thread, which may write where this one may not, and asked about there.
const requests = new Map<number, (answer: ToLabThread) => void>();
let lastRequest = 0;
function ask(request: (id: number) => FromLabThread): Promise<ToLabThread> {
  const id = ++lastRequest;
  return new Promise((resolve) => {
    requests.set(id, resolve);
    workerScope.postMessage(request(id));
  });
}
const userFiles: UserFiles = {
  async mayWrite(path) {
    const answer = await ask((id) => ({ type: "may-write", id, path }));
    return answer.type === "may-write" && answer.granted;
  },
  async write(path, text) {
    const answer = await ask((id) => ({ type: "write", id, path, text }));
    if (answer.type === "written" && answer.error !== undefined) throw new Error(answer.error);
  },
};

workerScope.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "written" || message.type === "may-write") {
    requests.get(message.id)?.(message);
    requests.delete(message.id);
    return;
  }
  if (message.type === "interrupt") {
    workerScope.postMessage({ type: "halting" });
    // While the run halts, say now and then that this thread is free: a
    // cleanup that never ends is told from one that blocks the thread.
    setInterval(() => workerScope.postMessage({ type: "alive" }), aliveEveryMs);
    interrupt.abort(new DOMException("interrupted by Ctrl-C", "AbortError"));
    return;
  }
  const module: Record<string, ThreadCommand> = await import(message.module);
  workerScope.postMessage({ type: "started" });
  Deno.exit(await module[message.command](message.args, () => ctrlC, userFiles));
};
