// The `nursery` runtime's column of the README's semantics table, one test
// per cell, plus trio's cancel-scope rules. Every test runs in virtual time.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { nursery } from "../runtimes/registry.ts";
import { Cancelled } from "../runtimes/errors.ts";
import {
  block,
  ensure,
  moveOnAfter,
  now,
  scope,
  sleep,
  spawn,
  suspend,
} from "../runtimes/verbs.ts";
import type { Operation, ScopeHandle, Task } from "../runtimes/types.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { countingClock, taskEvents, tell } from "./harness.ts";

Deno.test("nursery: a task whose body returns waits for its children", async () => {
  const story = await tell(nursery, function* (note) {
    const middle = yield* spawn(function* middle() {
      yield* spawn(function* child() {
        yield* sleep(50);
        note("child finished");
      });
      note("middle's body returns");
    });
    yield* middle;
    note("middle joined");
  });
  deepEqual(story.notes, ["0 middle's body returns", "50 child finished", "50 middle joined"]);
});

Deno.test("nursery: scope exit waits for every child", async () => {
  const story = await tell(nursery, function* (note) {
    const value = yield* scope(function* (handle) {
      handle.spawn(function* () {
        yield* sleep(30);
        note("slow child finished");
      });
      return "body value";
    });
    note(`scope answered ${value}`);
  });
  deepEqual(story.notes, ["30 slow child finished", "30 scope answered body value"]);
});

Deno.test("nursery: a child's error cancels its siblings; the parent fails with an AggregateError, even of one", async () => {
  const story = await tell(nursery, function* (note) {
    yield* spawn(function* sibling() {
      try {
        yield* sleep(1000);
      } catch (error) {
        note(`sibling got ${(error as Error).name}`);
        throw error;
      }
    });
    yield* spawn(function* failing() {
      yield* sleep(10);
      throw new Error("boom");
    });
    try {
      yield* sleep(500);
    } catch (error) {
      note(`parent got ${(error as Error).name}`);
      throw error;
    }
  });
  // Delivery order: the cancelled scope's own body, then its children.
  deepEqual(story.notes, ["10 parent got Cancelled", "10 sibling got Cancelled"]);
  equal(story.outcome, "error AggregateError [Error: boom]");
});

Deno.test("nursery: children failing before their first checkpoint are all in the AggregateError", async () => {
  const story = await tell(nursery, function* () {
    for (const name of ["first", "second"]) {
      yield* spawn(function* () {
        throw new Error(`${name} failed`);
      });
    }
    yield* suspend();
  });
  equal(story.outcome, "error AggregateError [Error: first failed, Error: second failed]");
});

Deno.test("nursery: of two sleepers woken in one instant, the second meets the first's failure", async () => {
  // As in trio, where a sleep is a deadline of its own: the second child's
  // wake-up and its scope's cancellation come in the same instant, and the
  // cancellation wins, so it never raises.
  const story = await tell(nursery, function* (note) {
    for (const name of ["first", "second"]) {
      yield* spawn(function* () {
        try {
          yield* sleep(10);
        } catch (error) {
          note(`${name}: ${(error as Error).name}`);
          throw error;
        }
        throw new Error(`${name} failed`);
      });
    }
    yield* suspend();
  });
  deepEqual(story.notes, ["10 second: Cancelled"]);
  equal(story.outcome, "error AggregateError [Error: first failed]");
});

Deno.test("nursery: a sleeper woken before its scope is cancelled in that instant is not cancelled", async () => {
  // The other order: the failing child wakes first only if it slept less.
  const story = await tell(nursery, function* (note) {
    yield* spawn(function* () {
      yield* sleep(10);
      note("sleeper woke and went on");
      yield* sleep(0);
    });
    yield* spawn(function* () {
      yield* sleep(10);
      throw new Error("failed");
    });
    yield* suspend();
  });
  deepEqual(story.notes, ["10 sleeper woke and went on"]);
  equal(story.outcome, "error AggregateError [Error: failed]");
});

Deno.test("nursery: the joiner of a failed task receives the error, and the parent fails too", async () => {
  const story = await tell(nursery, function* (note) {
    const failing = yield* spawn(function* failing() {
      yield* sleep(10);
      throw new Error("boom");
    });
    try {
      yield* failing;
    } catch (error) {
      note(`joiner caught ${(error as Error).message}`);
    }
    try {
      yield* sleep(100);
      note("parent went on (should not happen)");
    } catch (error) {
      note(`next checkpoint: ${(error as Error).name}`);
      throw error;
    }
  });
  deepEqual(story.notes, ["10 joiner caught boom", "10 next checkpoint: Cancelled"]);
  equal(story.outcome, "error AggregateError [Error: boom]");
});

Deno.test("nursery: Cancelled is thrown at the checkpoint, catch sees it, and it is level-triggered", async () => {
  const story = await tell(nursery, function* (note) {
    const task = yield* spawn(function* stubborn() {
      try {
        yield* sleep(1000);
      } catch (error) {
        note(`first checkpoint: ${(error as Error).name}`);
      }
      try {
        yield* sleep(1000);
      } catch (error) {
        note(`second checkpoint: ${(error as Error).name}`);
      }
      note("code between checkpoints still runs");
      yield* sleep(0);
      note("third checkpoint passed (should not happen)");
    });
    yield* sleep(10);
    yield* task.halt();
    note(String(task));
  });
  deepEqual(story.notes, [
    "10 first checkpoint: Cancelled",
    "10 second checkpoint: Cancelled",
    "10 code between checkpoints still runs",
    "10 Task#1 stubborn (halted)",
  ]);
});

Deno.test("nursery: a shielded scope lets cleanup wait, with its own deadline", async () => {
  const story = await tell(nursery, function* (note) {
    const task = yield* spawn(function* worker() {
      try {
        yield* suspend();
      } finally {
        yield* scope(function* () {
          yield* sleep(5);
          note("shielded cleanup slept 5");
          note(`bounded: ${yield* moveOnAfter(10, sleep(1000))}`);
        }, { shield: true });
      }
    });
    yield* sleep(10);
    yield* task.halt();
    note("halt returned");
  });
  deepEqual(story.notes, [
    "15 shielded cleanup slept 5",
    "25 bounded: undefined",
    "25 halt returned",
  ]);
});

Deno.test("nursery: async work in a delegated finally runs only when shielded; then the exception goes on", async () => {
  function* unshielded(note: (text: string) => void) {
    try {
      yield* suspend();
    } finally {
      try {
        yield* sleep(5);
        note("unshielded cleanup slept (should not happen)");
      } catch (error) {
        // Leaving the finally normally lets the original Cancelled go on.
        note(`unshielded cleanup cut short: ${(error as Error).name}`);
      }
    }
  }
  function* shielded(note: (text: string) => void) {
    try {
      yield* suspend();
    } finally {
      yield* scope(function* () {
        yield* sleep(5);
        note("shielded cleanup slept 5");
      }, { shield: true });
    }
  }
  const story = await tell(nursery, function* (note) {
    for (const helper of [unshielded, shielded]) {
      const task = yield* spawn(function* caller() {
        yield* helper(note);
        note("caller resumed after the yield* (should not happen)");
      });
      yield* sleep(10);
      yield* task.halt();
    }
  });
  deepEqual(story.notes, [
    "10 unshielded cleanup cut short: Cancelled",
    "25 shielded cleanup slept 5",
  ]);
});

Deno.test("nursery: ensure cleanups run newest first, shielded, after the children", async () => {
  const story = await tell(nursery, function* (note) {
    const task = yield* spawn(function* worker() {
      yield* ensure(function* () {
        yield* sleep(5);
        note("first registered, ran last");
      });
      yield* ensure(() => note("second registered, ran first"));
      yield* spawn(function* child() {
        try {
          yield* suspend();
        } finally {
          note("child cancelled");
        }
      });
      yield* suspend();
    });
    yield* sleep(1);
    yield* task.halt();
  });
  deepEqual(story.notes, [
    "1 child cancelled",
    "1 second registered, ran first",
    "6 first registered, ran last",
  ]);
});

Deno.test("nursery: the core's timer heap keeps at most one host timer armed", async () => {
  const { clock, mostArmed } = countingClock();
  const woke: number[] = [];
  await nursery.run(function* () {
    for (let i = 1; i <= 100; i++) {
      yield* spawn(function* () {
        yield* sleep(101 - i);
        woke.push(yield* now());
      });
    }
  }, { clock });
  deepEqual(woke, Array.from({ length: 100 }, (_, i) => i + 1));
  equal(mostArmed(), 1);
});

Deno.test("nursery: scheduling is a FIFO run queue; a CPU-bound step blocks every task", async () => {
  const story = await tell(nursery, function* (note) {
    for (const name of ["a", "b"]) {
      yield* spawn(function* () {
        note(`${name} started`);
        yield* sleep(10);
        note(`${name} woke`);
      });
    }
    yield* spawn(function* hog() {
      yield* block(100);
      note("hog done");
    });
  });
  deepEqual(story.notes, [
    "0 a started",
    "0 b started",
    "100 hog done",
    "100 a woke",
    "100 b woke",
  ]);
});

Deno.test("nursery: handle.cancel() cancels the scope's body and children; the scope answers undefined", async () => {
  const story = await tell(nursery, function* (note) {
    const value = yield* scope(function* (handle: ScopeHandle) {
      handle.spawn(function* child() {
        try {
          yield* suspend();
        } finally {
          note("child cancelled");
        }
      });
      yield* sleep(5);
      handle.cancel();
      note("body runs on to its next checkpoint");
      yield* sleep(1);
      note("after the checkpoint (should not happen)");
    });
    note(`scope answered ${value}`);
  });
  deepEqual(story.notes, [
    "5 body runs on to its next checkpoint",
    "5 child cancelled",
    "5 scope answered undefined",
  ]);
});

Deno.test("nursery: spawning into a closed nursery is a clear error", async () => {
  let saved: ScopeHandle | undefined;
  const story = await tell(nursery, function* (note) {
    yield* scope(function* (handle) {
      saved = handle;
    });
    try {
      saved!.spawn(function* late() {});
    } catch (error) {
      note((error as Error).message);
    }
  });
  equal(story.notes.length, 1);
  match(story.notes[0], /cannot spawn late: its nursery has closed/);
});

Deno.test("nursery: a task that halts itself gets Cancelled at the halt, and ends halted", async () => {
  const story = await tell(nursery, function* (note) {
    const task: Task<void> = yield* spawn(function* self(): Operation<void> {
      try {
        yield* task.halt();
      } catch (error) {
        note(`self-halt threw ${(error as Error).name}`);
        throw error;
      }
    });
    yield* sleep(1);
    note(String(task));
  });
  deepEqual(story.notes, ["0 self-halt threw Cancelled", "1 Task#1 self (halted)"]);
});

Deno.test("nursery: a deadline is set on entry, and a swallowed Cancelled does not time out", async () => {
  const story = await tell(nursery, function* (note) {
    yield* sleep(100);
    const value = yield* moveOnAfter(
      10,
      (function* () {
        try {
          yield* sleep(50);
        } catch (error) {
          ok(error instanceof Cancelled);
          note(`cancelled at ${yield* now()}`);
        }
        return "body swallowed it";
      })(),
    );
    note(`answered ${value}`);
  });
  deepEqual(story.notes, ["110 cancelled at 110", "110 answered body swallowed it"]);
});

Deno.test("nursery: a task whose body has returned traces its wait for its children", async () => {
  const story = await tell(nursery, function* () {
    const parent = yield* spawn(function* parent() {
      yield* spawn(function* child() {
        yield* sleep(30);
      });
      yield* sleep(10);
    });
    yield* parent;
  });
  const parentEvents = taskEvents(story.events, "parent");
  deepEqual(parentEvents, [
    "0 spawn",
    "0 start",
    "0 suspend sleep 10",
    "10 wake",
    "10 suspend children (1 running)",
    "30 return",
  ]);
});

Deno.test("nursery: a deadline cancels 20,000 nested tasks and 20,000 nested scopes without overflowing the stack", async () => {
  // Each task joins its only child, or each scope holds the next one: the
  // cancellation goes down 20,000 frames, further than the call stack could.
  function* tasks(depth: number): Operation<void> {
    if (depth === 0) return yield* suspend();
    yield* yield* spawn(() => tasks(depth - 1));
  }
  function* scopes(depth: number): Operation<void> {
    if (depth === 0) return yield* suspend();
    yield* scope(() => scopes(depth - 1));
  }
  const story = await tell(nursery, function* (note) {
    for (const [name, nest] of [["tasks", tasks], ["scopes", scopes]] as const) {
      const value = yield* moveOnAfter(
        10,
        (function* () {
          yield* nest(20_000);
          return "the innermost returned (should not happen)";
        })(),
      );
      note(`${name}: moved on with ${value}`);
    }
  });
  deepEqual(story.notes, [
    "10 tasks: moved on with undefined",
    "20 scopes: moved on with undefined",
  ]);
  equal(story.outcome, "ok undefined");
});

Deno.test("nursery: Cancelled names the innermost cancelled scope around the checkpoint, up to a shield", async () => {
  // Which scope a checkpoint names is kept per frame and updated as scopes
  // are cancelled, not looked up at each checkpoint: cancelled in either
  // order, spawned or entered after the cancel, or behind a shield.
  const story = await tell(nursery, function* (note) {
    function* checkpoint(label: string): Operation<void> {
      try {
        yield* sleep(1);
        note(`${label}: no Cancelled`);
      } catch (error) {
        note(`${label}: ${(error as Error).message}`);
      }
    }
    const firstTask: Task<void> = yield* spawn(function* first(): Operation<void> {
      yield* scope(function* (inner) {
        try {
          yield* firstTask.halt();
        } catch (error) {
          note(`the task first: ${(error as Error).message}`);
        }
        inner.cancel();
        yield* checkpoint("then its scope");
        inner.spawn(() => checkpoint("a child spawned after"));
        yield* scope(() => checkpoint("a scope entered after"));
        yield* scope(() => checkpoint("shielded"), { shield: true });
      });
    });
    yield* firstTask;
    const secondTask: Task<void> = yield* spawn(function* second(): Operation<void> {
      yield* scope(function* (inner) {
        inner.cancel();
        try {
          yield* secondTask.halt();
        } catch (error) {
          note(`the scope first, then its task: ${(error as Error).message}`);
        }
      });
    });
    yield* secondTask;
  });
  deepEqual(story.notes, [
    "0 the task first: Task#1 first was cancelled",
    "0 then its scope: a scope in Task#1 first was cancelled",
    "0 a child spawned after: a scope in Task#1 first was cancelled",
    "0 a scope entered after: a scope in Task#1 first was cancelled",
    "1 shielded: no Cancelled",
    "1 the scope first, then its task: a scope in Task#3 second was cancelled",
  ]);
});

Deno.test("nursery: an error that reaches a group by two paths is in it once", async () => {
  const boom = new Error("boom");
  function* failing(): Operation<never> {
    yield* sleep(10);
    throw boom;
  }
  // Joined and not caught: the parent's body lets out the error its child failed with.
  const joined = await tell(nursery, function* () {
    yield* yield* spawn(failing);
  });
  equal(joined.outcome, "error AggregateError [Error: boom]");
  // A sibling joins the failing child and fails with the same error.
  const sibling = await tell(nursery, function* () {
    const child = yield* spawn(failing);
    yield* spawn(function* joiner() {
      yield* child;
    });
  });
  equal(sibling.outcome, "error AggregateError [Error: boom]");
  // Three levels, each joining the next and letting its error out: each
  // group holds the one below it once.
  const nested = await Promise.allSettled([nursery.run(function* () {
    yield* yield* spawn(function* middle() {
      yield* yield* spawn(failing);
    });
  }, { clock: virtualClock() })]);
  const outer = (nested[0] as PromiseRejectedResult).reason as AggregateError;
  equal(outer.errors.length, 1);
  ok(outer.errors[0] instanceof AggregateError);
  deepEqual(outer.errors[0].errors, [boom]);
  equal(outer.message, "1 error in Task#0 main: 1 error in Task#1 middle: boom");
});
