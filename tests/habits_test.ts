// Mistakes a newcomer makes (a forgotten or bare `yield*`, asyncio's and
// JavaScript's habits), each refused under every runtime with one message
// that names the fix, thrown where the mistake was written so that `catch`
// sees it. The lab runner's side (exit statuses, the pre-run check) is in
// tests/mistakes_test.ts.

import { deepEqual, equal, ok } from "node:assert/strict";
import { runtimes } from "../runtimes/registry.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { createQueue } from "../runtimes/queue.ts";
import { createChannel } from "../runtimes/channel.ts";
import { createLock, resource } from "../runtimes/sync.ts";
import {
  all,
  call,
  ensure,
  moveOnAfter,
  race,
  scope,
  sleep,
  spawn,
  timeout,
} from "../runtimes/verbs.ts";
import type { Operation } from "../runtimes/types.ts";

// Wrong calls made on purpose, past the type checker, as a lab run without
// `deno check` would make them.
// deno-lint-ignore no-explicit-any
const loose = (value: unknown): any => value;

function* worker(): Operation<number> {
  yield* sleep(10);
  return 1;
}

/** Each mistake, and what its message must say. */
const mistakes: { name: string; program: () => Operation<unknown>; says: string[] }[] = [
  {
    name: "a bare yield of a verb's operation",
    *program() {
      // deno-lint-ignore kit/bare-yield
      yield sleep(10);
    },
    says: ["bare yield of sleep(...)", "write yield* sleep(...)"],
  },
  {
    name: "a bare yield of a task.halt()",
    *program() {
      const task = yield* spawn(worker);
      // deno-lint-ignore kit/bare-yield
      yield task.halt();
    },
    says: ["bare yield of task.halt()", "write yield* task.halt()"],
  },
  {
    name: "a bare yield of an operation of the lab's own",
    *program() {
      // deno-lint-ignore kit/bare-yield
      yield worker();
    },
    says: ["bare yield of an operation", "write yield* worker()"],
  },
  {
    name: "a bare yield of a task",
    *program() {
      const task = yield* spawn(worker);
      yield task;
    },
    says: ["bare yield of Task#1 worker", "write yield* task"],
  },
  {
    name: "a promise yielded (an await written as a yield)",
    *program() {
      yield Promise.resolve(1);
    },
    says: ["yielded a promise", "yield* call(() => fetch(url))"],
  },
  {
    name: "yield* of a verb not called",
    *program() {
      yield* loose(sleep);
    },
    says: ["yield* sleep is missing its call", "write yield* sleep(ms)"],
  },
  {
    name: "yield* of task.halt not called",
    *program() {
      const task = yield* spawn(worker);
      yield* loose(task.halt);
    },
    says: ["yield* task.halt is missing its call", "write yield* task.halt()"],
  },
  {
    name: "yield* of queue.get not called",
    *program() {
      yield* loose(createQueue<number>().get);
    },
    says: ["yield* queue.get is missing its call", "write yield* queue.get()"],
  },
  {
    name: "yield* of lock.acquire not called",
    *program() {
      yield* loose(createLock().acquire);
    },
    says: ["yield* lock.acquire is missing its call", "write yield* lock.acquire()"],
  },
  {
    name: "yield* of channel.send not called",
    *program() {
      yield* loose(createChannel<number>().send);
    },
    says: ["yield* channel.send is missing its call", "write yield* channel.send(value)"],
  },
  {
    name: "yield* of resource not called",
    *program() {
      yield* loose(resource);
    },
    says: ["yield* resource is missing its call", "write yield* resource(acquire, release)"],
  },
  {
    name: "spawn given an operation (asyncio's create_task(coro))",
    *program() {
      // deno-lint-ignore kit/spawn-call
      yield* spawn(loose(worker()));
    },
    says: ["spawn() was given an operation", "spawn(worker) or spawn(() => worker(args))"],
  },
  {
    name: "spawn given arguments after the function (trio's start_soon(fn, *args))",
    *program() {
      yield* spawn(worker, loose(3));
    },
    says: [
      "spawn() takes its options ({ name }) second, not a number",
      "spawn(() => worker(args))",
    ],
  },
  {
    name: "a scope handle's spawn given arguments after the function",
    *program() {
      let refused: unknown;
      yield* scope(function* (handle) {
        try {
          handle.spawn(worker, loose(3));
        } catch (error) {
          refused = error;
        }
      });
      throw refused;
    },
    says: [
      "handle.spawn() takes its options ({ name }) second",
      "handle.spawn(() => worker(args))",
    ],
  },
  {
    name: "spawn given a name that is no string",
    *program() {
      yield* spawn(worker, { name: loose(5) });
    },
    says: ["spawn()'s name option must be a string, not a number"],
  },
  {
    name: "spawn given neither a function nor an operation",
    *program() {
      // deno-lint-ignore kit/spawn-call
      yield* spawn(loose(42));
    },
    says: ["spawn() takes the function, not a number"],
  },
  {
    name: "scope given an operation",
    *program() {
      // deno-lint-ignore kit/spawn-call
      yield* scope(loose(worker()));
    },
    says: ["scope() was given an operation", "scope(worker)"],
  },
  {
    name: "ensure given an operation",
    *program() {
      // deno-lint-ignore kit/spawn-call
      yield* ensure(loose(worker()));
    },
    says: ["ensure() was given an operation", "ensure(worker)"],
  },
  {
    name: "a duration given as a string",
    *program() {
      yield* sleep(loose("100"));
    },
    says: ['sleep("100")', "must be a number of milliseconds, not a string", "write sleep(100)"],
  },
  {
    name: "a deadline with its arguments the other way round (asyncio.wait_for)",
    *program() {
      yield* timeout(loose(worker()), loose(100));
    },
    says: ["timeout() takes the duration first", "timeout(ms, operation)"],
  },
  {
    name: "a deadline given a function, not an operation",
    *program() {
      yield* moveOnAfter(100, loose(worker));
    },
    says: ["the operation must be an operation, not a function", "worker() rather than worker"],
  },
  {
    name: "all given operations one by one (asyncio.gather(*aws))",
    *program() {
      yield* loose(all)(worker(), worker());
    },
    says: ["all() takes one array of operations", "all([a(), b()])", "asyncio.gather"],
  },
  {
    name: "race given a function among its operations",
    *program() {
      yield* race([worker(), loose(worker)]);
    },
    says: ["race([...]): element 1 must be an operation, not a function"],
  },
  {
    name: "call given a promise, not a function",
    *program() {
      yield* call(loose(Promise.resolve(1)));
    },
    says: ["call() takes a function", "call(() => fetch(url)), not a promise"],
  },
];

for (const [runtimeName, runtime] of Object.entries(runtimes)) {
  for (const mistake of mistakes) {
    Deno.test(`habits, ${runtimeName}: ${mistake.name} is a TypeError naming the fix`, async () => {
      let caught: unknown;
      const outcome = await runtime.run(function* () {
        try {
          yield* mistake.program();
        } catch (error) {
          caught = error;
        }
        return "went on";
      }, { clock: virtualClock() });
      equal(outcome, "went on");
      ok(caught instanceof TypeError, `caught ${caught}`);
      for (const words of mistake.says) {
        const message = (caught as Error).message;
        ok(message.includes(words), `"${message}" does not say "${words}"`);
      }
    });
  }

  Deno.test(`habits, ${runtimeName}: one operation driven twice at once is still accepted`, async () => {
    // The same instruction object iterated by two tasks: the second goes
    // through a one-off iterator, which must not pass for a bare yield.
    const both = await runtime.run(function* () {
      const shared = sleep(10);
      return yield* all([shared, shared]);
    }, { clock: virtualClock() });
    deepEqual(both, [undefined, undefined]);
  });
}
