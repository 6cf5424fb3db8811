// Deadlocks, reported instead of waited for ever: a join on oneself (every
// runtime, both clocks) or on an ancestor (where that is one), thrown where
// the join was written; and, on the virtual clock, a run in which no task
// can run, no timer is armed and no call is in flight, ended with an error
// naming every waiting task and what it waits on, after their cleanup ran.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import {
  call,
  type Clock,
  createQueue,
  DeadlockError,
  ensure,
  type Operation,
  realClock,
  runtimes,
  scope,
  sleep,
  spawn,
  suspend,
  type Task,
  virtualClock,
} from "../mod.ts";
import { runtimeNames } from "../runtimes/registry.ts";
import { runDeno } from "./harness.ts";

const clocks: Record<string, () => Clock> = { virtual: virtualClock, real: realClock };

/** Run `fn` under `runtime`; answers the value, or the error it rejected with. */
async function settle(
  runtime: string,
  fn: () => Operation<unknown>,
  clock: Clock = virtualClock(),
): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await runtimes[runtime].run(fn, { clock }) };
  } catch (error) {
    return { error };
  }
}

for (const runtime of runtimeNames) {
  for (const [clockName, makeClock] of Object.entries(clocks)) {
    Deno.test(`deadlock: ${runtime}, ${clockName} clock: a task joining itself fails at once, where the join was written`, async () => {
      const clock = makeClock();
      let caughtAt = -1;
      const outcome = await settle(runtime, function* main() {
        // A queue hands the worker its own task, with no timer anywhere.
        const handOver = createQueue<Task<unknown>>();
        const worker = yield* spawn(function* worker() {
          const self = yield* handOver.get();
          try {
            yield* self;
            return "joined itself";
          } catch (error) {
            caughtAt = clock.now();
            return error;
          }
        });
        handOver.put(worker);
        return yield* worker;
      }, clock);
      const error = outcome.value;
      ok(error instanceof DeadlockError, String(error));
      deepEqual(error.waits, [{ task: "Task#1 worker", on: "join Task#1 worker (running)" }]);
      match(error.message, /^deadlock: a task joins itself.*: Task#1 worker waits on join/);
      if (clockName === "virtual") equal(caughtAt, 0);
    });

    // Under the structured runtimes a parent ends only after its children
    // (nursery waits for them; generator and effection halt them first), so
    // a child joining its parent could never have the parent's value. Under
    // native the parent neither waits for nor halts its children: it ends
    // first, and the join answers.
    Deno.test(
      `deadlock: ${runtime}, ${clockName} clock: a task joining its parent ${
        runtime === "native" ? "has its value once it ends" : "fails at once"
      }`,
      async () => {
        const handOver = createQueue<Task<unknown>>();
        const outcome = await settle(runtime, function* main() {
          const parent = yield* spawn(function* parent() {
            const child = yield* spawn(function* child() {
              const parent = yield* handOver.get();
              try {
                return `joined: ${yield* parent}`;
              } catch (error) {
                return error;
              }
            });
            if (runtime !== "native") return yield* child;
            return "the parent's value";
          });
          handOver.put(parent);
          return yield* parent;
        }, makeClock());
        if (runtime === "native") {
          // The child outlives the parent's join; what it saw is not the run's answer here.
          equal(outcome.value, "the parent's value");
          return;
        }
        const error = outcome.value;
        ok(error instanceof DeadlockError, String(error));
        deepEqual(error.waits, [{ task: "Task#2 child", on: "join Task#1 parent (running)" }]);
        match(error.message, new RegExp(`its own ancestor.*under ${runtime}`));
      },
    );
  }

  Deno.test(`deadlock: ${runtime}: a child joining its grandparent from a nested scope is one too, or not, as for a parent`, async () => {
    const handOver = createQueue<Task<unknown>>();
    const seen: unknown[] = [];
    const outcome = await settle(runtime, function* main() {
      const grandparent = yield* spawn(function* grandparent() {
        yield* spawn(function* parent() {
          yield* scope(function* () {
            yield* spawn(function* child() {
              const target = yield* handOver.get();
              try {
                seen.push(yield* target);
              } catch (error) {
                seen.push(error);
              }
            });
            yield* sleep(5);
          });
        });
        yield* sleep(10);
        return "done";
      });
      handOver.put(grandparent);
      yield* sleep(20);
      return yield* grandparent;
    });
    equal(outcome.value, "done");
    if (runtime === "native") deepEqual(seen, ["done"]);
    else {
      equal(seen.length, 1);
      ok(seen[0] instanceof DeadlockError, String(seen[0]));
      deepEqual(seen[0].waits, [{ task: "Task#3 child", on: "join Task#1 grandparent (running)" }]);
    }
  });

  Deno.test(`deadlock: ${runtime}: a take nobody will put into ends the run on the virtual clock, naming the waiting tasks, after their cleanup`, async () => {
    const notes: string[] = [];
    const clock = virtualClock();
    const outcome = await settle(runtime, function* main() {
      const queue = createQueue<number>();
      const getter = yield* spawn(function* getter() {
        yield* ensure(() => void notes.push(`getter cleanup at ${clock.now()}`));
        return yield* queue.get();
      });
      yield* ensure(() => void notes.push(`main cleanup at ${clock.now()}`));
      yield* sleep(10);
      return yield* getter;
    }, clock);
    const error = outcome.error;
    ok(error instanceof DeadlockError, String(outcome.value ?? error));
    deepEqual(error.waits, [
      { task: "Task#0 main", on: "join Task#1 getter (running)" },
      { task: "Task#1 getter", on: "take" },
    ]);
    equal(
      error.message,
      "deadlock: at 10 ms no task can run, no timer is armed and no call is in flight, yet 2 tasks wait for ever: " +
        "Task#0 main waits on join Task#1 getter (running); Task#1 getter waits on take",
    );
    deepEqual(notes.sort(), ["getter cleanup at 10", "main cleanup at 10"]);
  });

  Deno.test(`deadlock: ${runtime}: two tasks joining each other end the run on the virtual clock, the cycle named`, async () => {
    const outcome = await settle(runtime, function* main() {
      const later: { b?: Task<unknown> } = {};
      const a = yield* spawn(function* a() {
        yield* sleep(1);
        return yield* later.b!;
      });
      later.b = yield* spawn(function* b() {
        yield* sleep(1);
        return yield* a;
      });
      return yield* a;
    });
    const error = outcome.error;
    ok(error instanceof DeadlockError, String(outcome.value ?? error));
    deepEqual(error.waits, [
      { task: "Task#0 main", on: "join Task#1 a (running)" },
      { task: "Task#1 a", on: "join Task#2 b (running)" },
      { task: "Task#2 b", on: "join Task#1 a (running)" },
    ]);
  });

  Deno.test(`deadlock: ${runtime}: suspend() with nothing else that can happen is one on the virtual clock`, async () => {
    const outcome = await settle(runtime, function* main() {
      yield* sleep(3);
      yield* suspend();
    });
    ok(outcome.error instanceof DeadlockError, String(outcome.value ?? outcome.error));
    deepEqual(outcome.error.waits, [{ task: "Task#0 main", on: "suspend" }]);
    match(outcome.error.message, /^deadlock: at 3 ms/);
  });

  Deno.test(`deadlock: ${runtime}: a call in flight is no deadlock, though time stands still and a task waits`, async () => {
    const outcome = await settle(runtime, function* main() {
      const queue = createQueue<string>();
      const getter = yield* spawn(function* getter() {
        return yield* queue.get();
      });
      // Settled by a host timer: nothing of the run's own could wake anyone meanwhile.
      const value = yield* call(() =>
        new Promise<string>((resolve) => setTimeout(() => resolve("from the call"), 1))
      );
      queue.put(value);
      return yield* getter;
    });
    equal(outcome.value, "from the call");
  });

  Deno.test(`deadlock: ${runtime}: a cleanup that waits for ever after the deadlock does not hold the run`, async () => {
    const original = console.error;
    const said: string[] = [];
    console.error = (...args: unknown[]) => void said.push(args.map(String).join(" "));
    let outcome;
    try {
      outcome = await settle(runtime, function* main() {
        const never = createQueue<void>();
        yield* ensure(() => never.get());
        yield* suspend();
      });
    } finally {
      console.error = original;
    }
    ok(outcome.error instanceof DeadlockError, String(outcome.value ?? outcome.error));
    deepEqual(outcome.error.waits, [{ task: "Task#0 main", on: "suspend" }]);
    ok(
      said.some((line) =>
        line.includes("the halt that followed the deadlock is stuck too") &&
        line.includes("Task#0 main waits on take")
      ),
      said.join("\n"),
    );
  });

  Deno.test(`deadlock: ${runtime}: after Ctrl-C, a cleanup that waits for ever ends the run with the interrupt, not a hang`, async () => {
    const original = console.error;
    console.error = () => {};
    const controller = new AbortController();
    const interrupt = new Error("Ctrl-C");
    let outcome: { value?: unknown; error?: unknown } | undefined;
    try {
      outcome = await runtimes[runtime].run(function* main() {
        const never = createQueue<void>();
        yield* ensure(() => never.get());
        yield* sleep(5);
        controller.abort(interrupt);
        yield* sleep(5);
      }, { clock: virtualClock(), signal: controller.signal }).then(
        (value) => ({ value }),
        (error) => ({ error }),
      );
    } finally {
      console.error = original;
    }
    equal(outcome?.error, interrupt);
  });
}

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

Deno.test("deadlock: the lab runner exits 1 with the message naming the waiting tasks, on both clocks", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  // A lab file's root task is named after the file.
  const lab = basename(file);
  try {
    const mod = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { createQueue, spawn } from "${mod}";\n` +
        `export default function* stuck() {\n` +
        `  const queue = createQueue<number>();\n` +
        `  const getter = yield* spawn(function* getter() { return yield* queue.get(); });\n` +
        `  return yield* getter;\n}\n`,
    );
    for (const runtime of runtimeNames) {
      const { code, stderr } = await runDeno([
        "run",
        "--allow-read",
        "--allow-env",
        labScript,
        file,
        "--clock",
        "virtual",
        "--runtime",
        runtime,
      ], { NO_COLOR: "1" });
      equal(code, 1, `${runtime}: ${stderr}`);
      equal(
        stderr,
        `error: ${lab} failed under ${runtime}: deadlock: at 0 ms no task can run, no timer is armed and no call is in flight, ` +
          `yet 2 tasks wait for ever: Task#0 ${lab} waits on join Task#1 getter (running); Task#1 getter waits on take\n`,
      );
    }
    await Deno.writeTextFile(
      file,
      `import { createQueue, spawn } from "${mod}";\n` +
        `export default function* selfJoin() {\n` +
        `  const handOver = createQueue();\n` +
        `  const worker = yield* spawn(function* worker() { yield* (yield* handOver.get()); });\n` +
        `  handOver.put(worker);\n` +
        `  yield* worker;\n}\n`,
    );
    const { code, stderr } = await runDeno(
      ["run", "--allow-read", "--allow-env", labScript, file, "--clock", "real"],
      { NO_COLOR: "1" },
    );
    equal(code, 1, stderr);
    ok(
      stderr.startsWith(`error: ${lab} failed under generator: deadlock: a task joins itself`),
      stderr,
    );
    match(stderr, /Task#1 worker waits on join Task#1 worker \(running\)\n$/);
  } finally {
    await Deno.remove(file);
  }
});
