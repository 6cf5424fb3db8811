/**
 * The `native` runtime keeps its column of the README's semantics table:
 * detached children, errors seen only by joiners, cancellation as an
 * `AbortError` that `catch` sees once, and a virtual clock that stands still
 * while a call is in flight. Every test runs on a virtual clock.
 */

import assert from "node:assert/strict";
import { countdownMain } from "../labs/countdown.ts";
import { countingClock, virtualClock } from "../runtimes/clock.ts";
import { QueueClosedError, TimeoutError } from "../runtimes/errors.ts";
import { generator } from "../runtimes/registry.ts";
import { native } from "../runtimes/native.ts";
import { createQueue } from "../runtimes/queue.ts";
import type { Operation, Task, TraceEvent } from "../runtimes/types.ts";
import {
  all,
  call,
  ensure,
  log,
  moveOnAfter,
  now,
  race,
  scope,
  sleep,
  spawn,
  suspend,
  timeout,
} from "../runtimes/verbs.ts";

/** Run `fn` under `native` on a fresh virtual clock; answers its value and the lines it logged. */
async function runLogged<T>(
  fn: () => Operation<T>,
): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const value = await native.run(fn, {
    clock: virtualClock(),
    output: (line) => lines.push(line),
  });
  return { value, lines };
}

/** Capture `console.error` lines while `body` runs. */
async function capturingStderr(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await body();
  } finally {
    console.error = original;
  }
  return lines;
}

function* after<T>(ms: number, value: T): Operation<T> {
  yield* sleep(ms);
  return value;
}

function errorName(error: unknown): string {
  return error instanceof Error || error instanceof DOMException ? error.name : String(error);
}

// --- The countdown lab: the same output as the generator runtime -------------

Deno.test("native: the countdown prints exactly what the generator runtime prints", async () => {
  const outputs: string[][] = [];
  for (const runtime of [generator, native]) {
    const lines: string[] = [];
    await runtime.run(() => countdownMain({ blocking: false }), {
      clock: virtualClock(),
      output: (line) => lines.push(line),
    });
    outputs.push(lines);
  }
  assert.equal(outputs[1].length, 12);
  assert.deepEqual(outputs[1], outputs[0]);
});

Deno.test("native: the blocking countdown runs A A A B B B C C C D D D in 12 s", async () => {
  const clock = virtualClock();
  const lines: string[] = [];
  await native.run(() => countdownMain({ blocking: true }), {
    clock,
    output: (line) => lines.push(line),
  });
  assert.deepEqual(
    lines.map((line) => line.trim().split(/\s+/)[1]),
    ["A", "A", "A", "B", "B", "B", "C", "C", "C", "D", "D", "D"],
  );
  assert.match(lines.at(-1)!, /^12\.000s/);
  assert.equal(clock.now(), 12_000);
});

// --- A task's body returns while a child still runs: the child is an orphan --

Deno.test("native: a child keeps running after its parent returned", async () => {
  let orphan: Task<void> | undefined;
  const { lines } = await runLogged(function* () {
    const middle = yield* spawn(function* middle() {
      orphan = yield* spawn(function* child() {
        yield* sleep(50);
        yield* log(`child logs at ${yield* now()}`);
      });
      yield* sleep(10);
      return "middle done";
    });
    const value = yield* middle;
    yield* log(`${value} at ${yield* now()}; ${orphan}`);
    yield* sleep(100);
  });
  assert.deepEqual(lines, [
    "middle done at 10; Task#2 child (running)",
    "child logs at 50",
  ]);
});

// --- scope(body) on exit: no effect on lifetimes ------------------------------

Deno.test("native: a scope's exit leaves its children running", async () => {
  const { lines } = await runLogged(function* () {
    let ticker: Task<void> | undefined;
    const value = yield* scope(function* (handle) {
      ticker = handle.spawn(function* ticker() {
        yield* sleep(30);
        yield* log(`ticker logs at ${yield* now()}`);
      });
      return "body done";
    });
    yield* log(`scope answered ${value} at ${yield* now()}; ticker ${ticker!.state}`);
    yield* sleep(50);
  });
  assert.deepEqual(lines, [
    "scope answered body done at 0; ticker running",
    "ticker logs at 30",
  ]);
});

Deno.test("native: handle.cancel() throws an AbortError into the body and the scope answers undefined", async () => {
  const { lines } = await runLogged(function* () {
    const value = yield* scope(function* (handle) {
      handle.spawn(function* child() {
        yield* sleep(100);
        yield* log("the scope's child still ran");
      });
      yield* spawn(function* canceller() {
        yield* sleep(5);
        handle.cancel();
      });
      try {
        yield* sleep(1000);
        return "never";
      } catch (error) {
        yield* log(`body caught ${errorName(error)}`);
        throw error;
      }
    });
    yield* log(`scope answered ${value} at ${yield* now()}`);
    yield* sleep(200);
  });
  assert.deepEqual(lines, [
    "body caught AbortError",
    "scope answered undefined at 5",
    "the scope's child still ran",
  ]);
});

Deno.test("native: a shielded scope finishes; the cancellation is thrown at the next suspension after it", async () => {
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        const value = yield* scope(function* () {
          yield* sleep(20);
          return "shielded work";
        }, { shield: true });
        yield* log(`scope answered ${value} at ${yield* now()}`);
        yield* sleep(1000);
      } catch (error) {
        yield* log(`caught ${errorName(error)} at ${yield* now()}`);
      }
    });
    yield* sleep(5);
    yield* worker.halt();
  });
  assert.deepEqual(lines, ["scope answered shielded work at 20", "caught AbortError at 20"]);
});

// --- A child throws: only a joiner sees it --------------------------------------

Deno.test("native: an unjoined failure is reported on stderr and to the tracer; the run goes on", async () => {
  const events: TraceEvent[] = [];
  let value: string | undefined;
  const stderr = await capturingStderr(async () => {
    value = await native.run(function* () {
      yield* spawn(function* worker() {
        yield* sleep(5);
        throw new Error("boom");
      });
      yield* sleep(10);
      return "root done";
    }, { clock: virtualClock(), tracer: (event) => events.push(event) });
  });
  assert.equal(value, "root done");
  assert.deepEqual(stderr, ["native: unhandled failure in Task#1 worker: Error: boom"]);
  const thrown = events.filter((event) => event.type === "throw");
  assert.equal(thrown.length, 1);
  assert.equal(thrown[0].name, "worker");
  assert.equal(thrown[0].time, 5);
  assert.equal((thrown[0].error as Error).message, "boom");
});

Deno.test("native: a joiner receives the child's error, and nothing is reported", async () => {
  let lines: string[] = [];
  const stderr = await capturingStderr(async () => {
    ({ lines } = await runLogged(function* () {
      const later = yield* spawn(function* later() {
        yield* sleep(5);
        throw new Error("later boom");
      });
      try {
        yield* later;
      } catch (error) {
        yield* log(`joiner caught ${(error as Error).message} at ${yield* now()}`);
      }
      // A child that fails before its first suspension, joined right away.
      const atOnce = yield* spawn(function* atOnce(): Operation<void> {
        throw new Error("immediate boom");
      });
      try {
        yield* atOnce;
      } catch (error) {
        yield* log(`joiner caught ${(error as Error).message}`);
      }
    }));
  });
  assert.deepEqual(lines, ["joiner caught later boom at 5", "joiner caught immediate boom"]);
  assert.deepEqual(stderr, []);
});

Deno.test("native: a task joined only after it failed is reported, and its joiner still receives the error", async () => {
  let lines: string[] = [];
  const stderr = await capturingStderr(async () => {
    ({ lines } = await runLogged(function* () {
      const worker = yield* spawn(function* worker() {
        yield* sleep(5);
        throw new Error("boom");
      });
      yield* sleep(10);
      try {
        yield* worker;
      } catch (error) {
        yield* log(`late joiner caught ${(error as Error).message}`);
      }
    }));
  });
  assert.deepEqual(lines, ["late joiner caught boom"]);
  assert.deepEqual(stderr, ["native: unhandled failure in Task#1 worker: Error: boom"]);
});

// --- How cancellation reaches the code ------------------------------------------

Deno.test("native: halt() throws an AbortError that catch sees, and waits for the cleanup", async () => {
  let joinError: unknown;
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        yield* sleep(1000);
      } catch (error) {
        yield* log(`caught ${errorName(error)} at ${yield* now()}`);
        throw error;
      } finally {
        yield* sleep(5);
        yield* log(`finally done at ${yield* now()}`);
      }
    });
    yield* sleep(10);
    yield* worker.halt();
    yield* log(`halt returned at ${yield* now()}: ${worker}`);
    try {
      yield* worker;
    } catch (error) {
      joinError = error;
    }
  });
  assert.deepEqual(lines, [
    "caught AbortError at 10",
    "finally done at 15",
    "halt returned at 15: Task#1 worker (halted)",
  ]);
  assert.ok(joinError instanceof DOMException);
  assert.equal(joinError.name, "AbortError");
});

Deno.test("native: a halted task that swallows the AbortError completes", async () => {
  const { value } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        yield* sleep(1000);
        return "slept";
      } catch {
        return "recovered";
      }
    });
    yield* sleep(10);
    yield* worker.halt();
    return `${worker}: ${yield* worker}`;
  });
  assert.equal(value, "Task#1 worker (completed): recovered");
});

Deno.test("native: cancellation is edge-triggered: cleanup after it sleeps and calls normally", async () => {
  let cancelledSignal: AbortSignal | undefined;
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        yield* call((signal) => {
          cancelledSignal = signal;
          return new Promise<never>(() => {}); // settles never: only the halt ends it
        });
      } catch (error) {
        yield* log(`caught ${errorName(error)}`);
        yield* sleep(5);
        yield* log(`slept in cleanup until ${yield* now()}`);
        const aborted = yield* call((signal) => signal.aborted);
        yield* log(`a call in cleanup gets an aborted signal: ${aborted}`);
      }
    });
    yield* worker.halt();
  });
  assert.deepEqual(lines, [
    "caught AbortError",
    "slept in cleanup until 5",
    "a call in cleanup gets an aborted signal: false",
  ]);
  assert.equal(cancelledSignal?.aborted, true);
  assert.equal(errorName(cancelledSignal?.reason), "AbortError");
});

Deno.test("native: async cleanup in a delegated finally runs, then the exception reaches the caller", async () => {
  function* inner(): Operation<void> {
    try {
      yield* sleep(1000);
    } finally {
      yield* sleep(5);
      yield* log(`inner cleanup done at ${yield* now()}`);
    }
  }
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        yield* inner();
        yield* log("the caller went on: never");
      } catch (error) {
        yield* log(`caller caught ${errorName(error)} at ${yield* now()}`);
        throw error;
      }
    });
    yield* sleep(10);
    yield* worker.halt();
  });
  assert.deepEqual(lines, ["inner cleanup done at 15", "caller caught AbortError at 15"]);
});

// --- ensure -------------------------------------------------------------------

Deno.test("native: ensure cleanups run after finally, newest first, and may do async work", async () => {
  const order: string[] = [];
  await native.run(function* () {
    const worker = yield* spawn(function* worker() {
      yield* ensure(() => void order.push("a plain function, registered first"));
      yield* ensure(() => log("an operation, registered second"));
      yield* ensure(function* () {
        yield* sleep(5);
        yield* log(`an async operation, registered third, done at ${yield* now()}`);
      });
      try {
        yield* sleep(10);
      } finally {
        yield* log("finally");
      }
    });
    yield* worker;
    yield* log(`joined at ${yield* now()}`);
    yield* scope(function* () {
      yield* ensure(() => log("the scope's cleanup"));
      yield* log("scope body");
    });
    yield* log("after the scope");
  }, { clock: virtualClock(), output: (line) => order.push(line) });
  assert.deepEqual(order, [
    "finally",
    "an async operation, registered third, done at 15",
    "an operation, registered second",
    "a plain function, registered first",
    "joined at 15",
    "scope body",
    "the scope's cleanup",
    "after the scope",
  ]);
});

Deno.test("native: suspend() waits until the task is cancelled", async () => {
  const { lines } = await runLogged(function* () {
    const waiter = yield* spawn(function* waiter() {
      try {
        yield* suspend();
      } catch (error) {
        yield* log(`suspend ended by ${errorName(error)} at ${yield* now()}`);
      }
    });
    yield* sleep(7);
    yield* waiter.halt();
  });
  assert.deepEqual(lines, ["suspend ended by AbortError at 7"]);
});

// --- Combinators: losers cancelled and cleaned up before they answer -------------

Deno.test("native: race cleans up its loser before it answers", async () => {
  const { lines } = await runLogged(function* () {
    function* slow(): Operation<string> {
      try {
        yield* sleep(100);
        return "slow";
      } finally {
        yield* sleep(3);
        yield* log(`loser cleaned up at ${yield* now()}`);
      }
    }
    const winner = yield* race([slow(), after(10, "fast")]);
    yield* log(`race answered ${winner} at ${yield* now()}`);
  });
  assert.deepEqual(lines, ["loser cleaned up at 13", "race answered fast at 13"]);
});

Deno.test("native: all cancels the rest on the first failure, and reports nothing", async () => {
  let lines: string[] = [];
  const stderr = await capturingStderr(async () => {
    ({ lines } = await runLogged(function* () {
      function* other(): Operation<string> {
        try {
          return yield* after(100, "other");
        } catch (error) {
          yield* log(`other cancelled: ${errorName(error)}`);
          throw error;
        }
      }
      function* failing(): Operation<string> {
        yield* sleep(5);
        throw new Error("boom");
      }
      try {
        yield* all([other(), failing()]);
      } catch (error) {
        yield* log(`all threw ${(error as Error).message} at ${yield* now()}`);
      }
    }));
  });
  assert.deepEqual(lines, ["other cancelled: AbortError", "all threw boom at 5"]);
  assert.deepEqual(stderr, []);
});

Deno.test("native: nested timeouts: the inner one expires first", async () => {
  const { value, lines } = await runLogged(function* () {
    return yield* timeout(
      50,
      (function* () {
        try {
          return yield* timeout(30, sleep(1000));
        } catch (error) {
          yield* log(
            `inner ${errorName(error)} after ${(error as TimeoutError).ms} at ${yield* now()}`,
          );
          return "recovered";
        }
      })(),
    );
  });
  assert.equal(value, "recovered");
  assert.deepEqual(lines, ["inner TimeoutError after 30 at 30"]);
});

Deno.test("native: nested timeouts: the outer one expires first and cancels the inner", async () => {
  const { value, lines } = await runLogged(function* () {
    try {
      yield* timeout(
        30,
        (function* () {
          try {
            return yield* timeout(50, sleep(1000));
          } catch (error) {
            yield* log(`inner saw ${errorName(error)}`);
            throw error;
          }
        })(),
      );
    } catch (error) {
      assert.ok(error instanceof TimeoutError);
      return `outer timed out after ${error.ms} at ${yield* now()}`;
    }
  });
  assert.deepEqual(lines, ["inner saw AbortError"]);
  assert.equal(value, "outer timed out after 30 at 30");
});

Deno.test("native: moveOnAfter answers undefined on expiry, the value otherwise", async () => {
  const { value } = await runLogged(function* () {
    const expired = yield* moveOnAfter(10, after(1000, "late"));
    const expiredAt = yield* now();
    const early = yield* moveOnAfter(10, after(5, "early"));
    return [expired, expiredAt, early, yield* now()];
  });
  assert.deepEqual(value, [undefined, 10, "early", 15]);
});

Deno.test("native: a deadline is a frame of the task's own: no task spawned, its timer disarmed when the operation ends", async () => {
  const { clock, armed } = countingClock();
  const lines: string[] = [];
  await native.run(function* () {
    const value = yield* timeout(1000, after(5, "in time"));
    const child = yield* spawn(function* child() {});
    yield* log(`${value}; ${armed.size} timers armed; the next task is ${child}`);
  }, { clock, output: (line) => lines.push(line) });
  assert.deepEqual(lines, ["in time; 0 timers armed; the next task is Task#1 child (completed)"]);
  assert.equal(clock.now(), 5);
});

Deno.test("native: an operation whose body ended before its deadline wins, though its cleanup runs past it", async () => {
  const { value } = await runLogged(function* () {
    const answer = yield* timeout(
      10,
      (function* () {
        yield* ensure(() => sleep(20));
        return yield* after(5, "in time");
      })(),
    );
    return [answer, yield* now()];
  });
  assert.deepEqual(value, ["in time", 25]);
});

Deno.test("native: an expired operation that catches its cancellation: its value is dropped, an error it raises is reported", async () => {
  const stderr = await capturingStderr(async () => {
    const { value, lines } = await runLogged(function* () {
      const dropped = yield* moveOnAfter(
        10,
        (function* () {
          try {
            yield* sleep(100);
          } catch (error) {
            yield* log(`caught ${errorName(error)} at ${yield* now()}`);
          }
          yield* sleep(5);
          return "too late";
        })(),
      );
      try {
        yield* timeout(
          10,
          (function* () {
            try {
              yield* sleep(100);
            } catch {
              throw new Error("raised by the expiry");
            }
          })(),
        );
      } catch (error) {
        return [dropped, errorName(error), yield* now()];
      }
    });
    assert.deepEqual(lines, ["caught AbortError at 10"]);
    assert.deepEqual(value, [undefined, "TimeoutError", 25]);
  });
  assert.equal(stderr.length, 1);
  assert.match(stderr[0], /^timeout: the error of its operation was not delivered/);
  assert.match(stderr[0], /raised by the expiry/);
});

Deno.test("native: a task halted inside a deadline ends halted, not timed out", async () => {
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      try {
        yield* timeout(100, suspend());
      } catch (error) {
        yield* log(`worker caught ${errorName(error)} at ${yield* now()}`);
        throw error;
      }
    });
    yield* sleep(10);
    yield* worker.halt();
    yield* log(`${worker}`);
  });
  assert.deepEqual(lines, ["worker caught AbortError at 10", "Task#1 worker (halted)"]);
});

Deno.test("native: a deadline entered once the run is over never expires", async () => {
  const { clock, mostArmed } = countingClock();
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const ended: string[] = [];
  await native.run(function* () {
    yield* spawn(function* orphan() {
      yield* call(() => released);
      ended.push(String(yield* moveOnAfter(5, call(() => "answered"))));
    });
  }, { clock });
  release();
  await released;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(ended, ["answered"]);
  assert.equal(mostArmed(), 0);
});

Deno.test("native: a task cancelled inside a combinator waits for the combinator's cleanup", async () => {
  const { lines } = await runLogged(function* () {
    const worker = yield* spawn(function* worker() {
      function* contender(): Operation<string> {
        try {
          return yield* after(1000, "never");
        } finally {
          yield* sleep(3);
          yield* log(`contender cleaned up at ${yield* now()}`);
        }
      }
      try {
        yield* race([contender(), after(2000, "never either")]);
      } catch (error) {
        yield* log(`worker caught ${errorName(error)} at ${yield* now()}`);
        throw error;
      }
    });
    yield* sleep(10);
    yield* worker.halt();
    yield* log(`${worker} at ${yield* now()}`);
  });
  assert.deepEqual(lines, [
    "contender cleaned up at 13",
    "worker caught AbortError at 13",
    "Task#1 worker (halted) at 13",
  ]);
});

// --- Queues ------------------------------------------------------------------------

Deno.test("native: a get cancelled while waiting throws AbortError and takes nothing", async () => {
  const { lines } = await runLogged(function* () {
    const queue = createQueue<string>();
    const first = yield* spawn(function* first() {
      try {
        yield* queue.get();
      } catch (error) {
        yield* log(`first getter: ${errorName(error)}`);
      }
    });
    const second = yield* spawn(function* second() {
      yield* log(`second getter got ${yield* queue.get()}`);
    });
    yield* sleep(5);
    yield* first.halt();
    queue.put("the value");
    yield* second;
    const third = yield* spawn(function* third() {
      try {
        yield* queue.get();
      } catch (error) {
        yield* log(`third getter: ${error instanceof QueueClosedError}`);
      }
    });
    queue.close();
    yield* third;
  });
  assert.deepEqual(lines, [
    "first getter: AbortError",
    "second getter got the value",
    "third getter: true",
  ]);
});

// --- Clocks --------------------------------------------------------------------------

Deno.test("native: virtual time stands still while a call is in flight", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const { lines } = await runLogged(function* () {
    yield* spawn(function* sibling() {
      yield* sleep(1);
      yield* log(`sibling woke at ${yield* now()}`);
    });
    yield* call(() => {
      setTimeout(release, 0); // a host callback, several idle looks later
      return gate;
    });
    yield* log(`call returned at ${yield* now()}`);
    yield* sleep(5);
  });
  assert.deepEqual(lines, ["call returned at 0", "sibling woke at 1"]);
});

Deno.test("native: virtual time moves only once every task woken at an instant has run", async () => {
  const { lines } = await runLogged(function* () {
    yield* spawn(function* bystander() {
      yield* sleep(11);
      yield* log(`bystander at ${yield* now()}`);
    });
    // A relay: each runner waits for the one before, so the last one runs
    // many microtasks after the first timer of the instant fired.
    let previous = yield* spawn(() => sleep(10), { name: "first runner" });
    for (let runner = 1; runner <= 50; runner++) {
      const before = previous;
      previous = yield* spawn(function* runner() {
        yield* before;
      });
    }
    yield* previous;
    yield* log(`relay done at ${yield* now()}`);
    yield* sleep(5);
  });
  assert.deepEqual(lines, ["relay done at 10", "bystander at 11"]);
});

Deno.test("native: when the root settles, orphans' timers are disarmed and time stops", async () => {
  const { clock, armed } = countingClock();
  const lines: string[] = [];
  await native.run(function* () {
    yield* spawn(function* parent() {
      yield* spawn(function* forgotten() {
        try {
          for (;;) yield* sleep(100);
        } finally {
          yield* log("the orphan was cleaned up: never");
        }
      });
    });
    yield* sleep(250);
  }, { clock, output: (line) => lines.push(line) });
  assert.equal(armed.size, 0);
  assert.equal(clock.now(), 250);
  assert.deepEqual(lines, []);
});

// --- The run ---------------------------------------------------------------------------

Deno.test("native: run rejects with the root's error", async () => {
  await assert.rejects(
    native.run(function* () {
      yield* sleep(5);
      throw new RangeError("root failed");
    }, { clock: virtualClock() }),
    RangeError,
  );
});

Deno.test("native: aborting the run's signal cancels the root and rejects with the reason", async () => {
  const controller = new AbortController();
  const lines: string[] = [];
  const stop = new Error("stop");
  await assert.rejects(
    native.run(function* main() {
      yield* spawn(function* stopper() {
        yield* sleep(10);
        controller.abort(stop);
      });
      try {
        yield* sleep(1000);
      } catch (error) {
        yield* log(`root caught ${errorName(error)} at ${yield* now()}`);
        throw error;
      }
    }, { clock: virtualClock(), signal: controller.signal, output: (line) => lines.push(line) }),
    (error) => error === stop,
  );
  assert.deepEqual(lines, ["root caught AbortError at 10"]);

  let ran = false;
  await assert.rejects(
    native.run(function* () {
      ran = true;
      yield* sleep(1);
    }, { clock: virtualClock(), signal: AbortSignal.abort(stop) }),
    (error) => error === stop,
  );
  assert.equal(ran, false);
});

Deno.test("native: tasks have ids from 0, names and readable states", async () => {
  const { value } = await runLogged(function* () {
    const named = yield* spawn(() => sleep(5), { name: "napper" });
    const worker = yield* spawn(function* worker() {
      yield* sleep(1);
    });
    const before = `${named} / ${worker}`;
    yield* worker;
    return `${before} / ${worker}`;
  });
  assert.equal(
    value,
    "Task#1 napper (running) / Task#2 worker (running) / Task#2 worker (completed)",
  );
});

// --- Tracing -----------------------------------------------------------------------------

Deno.test("native: a tracer receives every lifecycle step", async () => {
  const events: TraceEvent[] = [];
  await native.run(function* main() {
    const worker = yield* spawn(function* worker() {
      yield* sleep(5);
      yield* log("hello");
    });
    yield* worker;
    const sleeper = yield* spawn(function* sleeper() {
      yield* sleep(100);
    });
    yield* sleeper.halt();
  }, { clock: virtualClock(), tracer: (event) => events.push(event) });
  const lines = events.map((event) =>
    `${event.time} #${event.taskId}<${event.parentId ?? "-"} ${event.name} ${event.type}${
      event.reason ? ` ${event.reason}` : ""
    }${event.text ? ` ${event.text}` : ""}`
  );
  assert.deepEqual(lines, [
    "0 #0<- main spawn",
    "0 #0<- main start",
    "0 #1<0 worker spawn",
    "0 #1<0 worker start",
    "0 #1<0 worker suspend sleep 5",
    "0 #0<- main suspend join Task#1 worker (running)",
    "5 #1<0 worker wake",
    "5 #1<0 worker log hello",
    "5 #1<0 worker return",
    "5 #0<- main wake",
    "5 #2<0 sleeper spawn",
    "5 #2<0 sleeper start",
    "5 #2<0 sleeper suspend sleep 100",
    "5 #2<0 sleeper cancel",
    "5 #0<- main suspend halt Task#2 sleeper (halting)",
    "5 #2<0 sleeper wake",
    "5 #2<0 sleeper halt",
    "5 #0<- main wake",
    "5 #0<- main return",
  ]);
});

Deno.test("native: without a tracer, tracing costs nothing (the clock is never read for it)", async () => {
  // A queue, not a sleep: the timer heap reads the clock to arm a sleep.
  const program = function* () {
    const queue = createQueue<string>();
    const worker = yield* spawn(function* worker() {
      yield* log(yield* queue.get());
    });
    queue.put("hello");
    yield* worker;
  };
  const untraced = countingClock();
  await native.run(program, { clock: untraced.clock, output: () => {} });
  assert.equal(untraced.reads(), 0);
  const traced = countingClock();
  await native.run(program, { clock: traced.clock, output: () => {}, tracer: () => {} });
  assert.ok(traced.reads() > 0);
});

Deno.test("native: a call that settled, cancelled before its task resumed, throws the cancellation there", async () => {
  // As asyncio's `await` of a future that is done when the task is cancelled:
  // the cancellation, not the answer, is what the task sees at the call.
  const controller = new AbortController();
  let answer!: (value: string) => void;
  const settled = new Promise<string>((resolve) => answer = resolve);
  const seen: string[] = [];
  const run = native.run(function* () {
    try {
      seen.push(`answered ${yield* call(() => settled)}`);
    } catch (error) {
      seen.push(`threw ${errorName(error)}`);
      throw error;
    }
  }, { clock: virtualClock(), signal: controller.signal });
  // Registered after the call's own reaction, so it runs once the call has
  // settled and woken the task, before the task's driver resumes.
  settled.then(() => controller.abort(new Error("stop")));
  answer("42");
  await assert.rejects(run, /stop/);
  assert.deepEqual(seen, ["threw AbortError"]);
});

// Cancellations that meet another on its way (found by a review that tried to break `native`).

Deno.test("native: a halt that comes as a timeout expires is not lost in the timeout: the task ends halted", async () => {
  const { lines } = await runLogged(function* () {
    // Spawned after the halter, whose sleep must be armed before the
    // worker's deadline (so that the expiry lands as the halt comes).
    // deno-lint-ignore prefer-const
    let worker!: Task<void>;
    const halter = yield* spawn(function* halter() {
      yield* sleep(10);
      yield* worker.halt();
      yield* log(`halt returned at ${yield* now()}, the worker ${worker.state}`);
    });
    worker = yield* spawn(function* worker() {
      try {
        yield* timeout(10, sleep(50));
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        yield* log("the worker fell back");
      }
      yield* sleep(100);
      yield* log(`the worker ran on to ${yield* now()}`);
    });
    yield* halter;
  });
  // The halt's AbortError comes out of the timeout, instead of its TimeoutError.
  assert.deepEqual(lines, ["halt returned at 10, the worker halted"]);
});

Deno.test("native: an outer scope cancelled after an inner one still answers undefined at once", async () => {
  const { value, lines } = await runLogged(function* () {
    const answer = yield* scope(function* (outer) {
      yield* scope(function* (inner) {
        inner.cancel();
        outer.cancel();
        yield* sleep(10);
      });
      yield* sleep(50);
      yield* log("the outer body went on");
      return "the outer body's value";
    });
    yield* log(`answered ${answer} at ${yield* now()}`);
    return answer;
  });
  assert.equal(value, undefined);
  assert.deepEqual(lines, ["answered undefined at 0"]);
});

Deno.test("native: a task halted before its deferred start never runs its body", async () => {
  // Past 500 starts inside one another's first step, a start waits for a microtask.
  const ran: number[] = [];
  const stderr = await capturingStderr(async () => {
    await runLogged(function* () {
      function* nest(depth: number): Operation<void> {
        ran.push(depth);
        if (depth === 0) return;
        const child: Task<void> = yield* spawn(() => nest(depth - 1));
        if (child.state === "pending") {
          yield* child.halt();
          assert.equal(child.state, "halted");
        }
      }
      yield* nest(600);
      yield* sleep(1);
    });
  });
  assert.ok(ran.length < 600, `${ran.length} bodies ran`);
  assert.deepEqual(ran, ran.map((_, index) => 600 - index), "each depth ran once, in order");
  assert.deepEqual(stderr.filter((line) => /still running|-1/.test(line)), []);
});

Deno.test("native: a joiner halted as the task it joined fails leaves the failure reported, not dropped", async () => {
  const stderr = await capturingStderr(async () => {
    await runLogged(function* () {
      const failing = yield* spawn(function* failing() {
        yield* sleep(5);
        throw new Error("the joined task failed");
      });
      const joiner = yield* spawn(function* joiner() {
        yield* failing;
      });
      yield* spawn(function* halter() {
        yield* sleep(5);
        yield* joiner.halt();
      });
      yield* sleep(10);
    });
  });
  assert.equal(
    stderr.filter((line) => line.includes("the joined task failed")).length,
    1,
    stderr.join("\n"),
  );
});

Deno.test("native: a cancellation that reached a scope's body as it returned goes on to its owner", async () => {
  const { value, lines } = await runLogged(function* () {
    const answer = yield* scope(function* (outer) {
      yield* scope(function* () {
        outer.cancel(); // lands in this body, which returns without waiting again
        return "the inner value";
      });
      yield* sleep(50);
      yield* log("the outer body went on");
      return "the outer body's value";
    });
    yield* log(`answered ${answer} at ${yield* now()}`);
    yield* sleep(10); // time still moves on afterwards
    yield* log(`woke at ${yield* now()}`);
    return answer;
  });
  assert.equal(value, undefined);
  assert.deepEqual(lines, ["answered undefined at 0", "woke at 10"]);
});
