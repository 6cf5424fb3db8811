// Tasks: running, spawning, joining and halting. Drawn from Effection's
// test/run.test.ts and test/spawn.test.ts, and trio's _core/_tests/test_run.py.

import { ensure, sleep, spawn, suspend } from "../../runtimes/verbs.ts";
import type { Operation, Task } from "../../runtimes/types.ts";
import { describe, nameOf, type Scenario } from "./scenario.ts";

export const taskScenarios: Scenario[] = [
  {
    name: "a run answers its operation's value",
    mirrors: "after Effection: run() answers an operation's value",
    *program(note) {
      yield* sleep(5);
      note("body done");
      return 42;
    },
    expect: { all: { notes: ["5 body done"], outcome: "ok 42" } },
  },
  {
    name: "a run rejects with the error its operation throws",
    mirrors: "after Effection: run() rejects with the operation's error",
    *program() {
      yield* sleep(5);
      throw new Error("boom");
    },
    expect: { all: { notes: [], outcome: "error Error: boom" } },
  },
  {
    name: "a spawned task runs concurrently and its join answers its value",
    mirrors: "effection test/spawn.test.ts: can spawn a new child task",
    *program(note) {
      const child = yield* spawn(function* child() {
        yield* sleep(10);
        note("child done");
        return "child value";
      });
      yield* sleep(5);
      note("parent runs meanwhile");
      note(`joined ${yield* child}`);
    },
    expect: {
      all: {
        notes: ["5 parent runs meanwhile", "10 child done", "10 joined child value"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "joining a task that already finished answers at once",
    mirrors: "after Effection: joining a task that has already returned",
    *program(note) {
      const child = yield* spawn(function* child() {
        return 7;
      });
      yield* sleep(5);
      note(`joined ${yield* child} and ${yield* child}`);
    },
    expect: { all: { notes: ["5 joined 7 and 7"], outcome: "ok undefined" } },
  },
  {
    name: "a child's failure reaches its parent according to the model",
    mirrors: "effection test/spawn.test.ts: rejects parent when child errors",
    *program(note) {
      yield* spawn(function* failing() {
        yield* sleep(5);
        throw new Error("child failed");
      });
      try {
        yield* sleep(20);
        note("parent slept on");
      } finally {
        note("parent finally");
      }
    },
    expect: {
      native: { notes: ["20 parent slept on", "20 parent finally"], outcome: "ok undefined" },
      nursery: {
        notes: ["5 parent finally"],
        outcome: "error AggregateError [Error: child failed]",
      },
      generator: { notes: ["5 parent finally"], outcome: "error Error: child failed" },
      // Effect: a forked child's failure reaches only a joiner; the parent sleeps on.
      effect: { notes: ["20 parent slept on", "20 parent finally"], outcome: "ok undefined" },
    },
  },
  {
    name: "halting a task before it has started",
    mirrors: "after Effection: halting a task before it starts",
    *program(note) {
      const child = yield* spawn(function* child() {
        note("child started");
        try {
          yield* sleep(10);
          note("child slept (should not happen)");
        } finally {
          note("child cleanup");
        }
      });
      yield* child.halt();
      note(`after halt: ${child.state}`);
    },
    expect: {
      native: {
        notes: ["0 child started", "0 child cleanup", "0 after halt: halted"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["0 child started", "0 child cleanup", "0 after halt: halted"],
        outcome: "ok undefined",
      },
      generator: { notes: ["0 after halt: halted"], outcome: "ok undefined" },
    },
  },
  {
    name: "halting a halted task again does nothing",
    mirrors: "after Effection: halting a halted task does nothing",
    *program(note) {
      const child = yield* spawn(function* child() {
        try {
          yield* suspend();
        } finally {
          note("cleanup");
        }
      });
      yield* sleep(1);
      yield* child.halt();
      yield* child.halt();
      note(`state ${child.state}`);
    },
    expect: { all: { notes: ["1 cleanup", "1 state halted"], outcome: "ok undefined" } },
  },
  {
    name: "halting a task that is already halting waits for the same cleanup",
    mirrors: "after Effection: halting a task that is halting",
    *program(note) {
      const child = yield* spawn(function* child() {
        yield* ensure(function* () {
          yield* sleep(10);
          note("slow cleanup done");
        });
        yield* suspend();
      });
      yield* sleep(1);
      const first = yield* spawn(function* firstHalter() {
        yield* child.halt();
        note("first halt returned");
      });
      const second = yield* spawn(function* secondHalter() {
        yield* sleep(2);
        yield* child.halt();
        note("second halt returned");
      });
      yield* first;
      yield* second;
    },
    expect: {
      all: {
        notes: ["11 slow cleanup done", "11 first halt returned", "11 second halt returned"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a task that halts itself ends halted, its cleanup run",
    mirrors: "after Effection: a task halting itself",
    *program(note) {
      const child: Task<void> = yield* spawn(function* self(): Operation<void> {
        try {
          yield* sleep(5);
          yield* child.halt();
          note("after self-halt (should not happen)");
        } catch (error) {
          note(`caught ${nameOf(error)}`);
          throw error;
        } finally {
          note("self cleanup");
        }
      });
      yield* sleep(10);
      note(String(child));
    },
    expect: {
      native: {
        notes: ["5 caught AbortError", "5 self cleanup", "10 Task#1 self (halted)"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["5 caught Cancelled", "5 self cleanup", "10 Task#1 self (halted)"],
        outcome: "ok undefined",
      },
      generator: { notes: ["5 self cleanup", "10 Task#1 self (halted)"], outcome: "ok undefined" },
    },
  },
  {
    name: "every joiner of a halted task hears of the halt",
    mirrors: "after Effection: joining a halted task",
    *program(note) {
      const victim = yield* spawn(function* victim() {
        yield* suspend();
      });
      for (const name of ["first", "second"]) {
        yield* spawn(function* joiner() {
          try {
            yield* victim;
          } catch (error) {
            note(`${name} joiner got ${nameOf(error)}`);
          }
        });
      }
      yield* sleep(5);
      yield* victim.halt();
      yield* sleep(1);
    },
    expect: {
      native: {
        notes: ["5 first joiner got AbortError", "5 second joiner got AbortError"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["5 first joiner got HaltedError", "5 second joiner got HaltedError"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["5 first joiner got HaltedError", "5 second joiner got HaltedError"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "an error thrown by cleanup during a halt",
    mirrors: "effection test/spawn.test.ts: rejects when child errors during halting",
    *program(note) {
      const child = yield* spawn(function* child() {
        try {
          yield* suspend();
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw new Error("cleanup failed");
        }
      });
      yield* sleep(5);
      yield* child.halt();
      note(`halt returned, ${child.state}`);
      try {
        yield* child;
      } catch (error) {
        note(`join: ${describe(error)}`);
      }
      yield* sleep(5);
      note("parent went on");
    },
    expect: {
      native: {
        notes: [
          "5 halt returned, failed",
          "5 join: Error: cleanup failed",
          "10 parent went on",
        ],
        outcome: "ok undefined",
      },
      nursery: {
        // The failure cancels the parent at once: its join is a checkpoint.
        notes: ["5 halt returned, failed", "5 join: Cancelled: Task#0 main was cancelled"],
        outcome: "error AggregateError [Error: cleanup failed]",
      },
      generator: {
        notes: ["5 halt returned, failed", "5 join: Error: cleanup failed"],
        outcome: "error Error: cleanup failed",
      },
      // Effection 4.1.1: halt() throws the teardown's error, so the parent fails at the halt.
      effection: { notes: [], outcome: "error Error: cleanup failed" },
      // Effect: the cleanup's error reaches the halter's join only; the parent goes on.
      effect: {
        notes: ["5 halt returned, failed", "5 join: Error: cleanup failed", "10 parent went on"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a task that catches its cancellation and returns",
    mirrors: "trio _core/_tests/test_run.py: test_cancel_edge_cases (Cancelled again once caught)",
    *program(note) {
      const child = yield* spawn(function* swallower() {
        try {
          yield* sleep(100);
        } catch (error) {
          note(`caught ${nameOf(error)}`);
        }
        try {
          yield* sleep(1);
          note("slept again after catching");
        } catch (error) {
          note(`second sleep: ${nameOf(error)}`);
        }
        return "swallowed";
      });
      yield* sleep(5);
      yield* child.halt();
      note(`${child}`);
    },
    expect: {
      native: {
        notes: [
          "5 caught AbortError",
          "6 slept again after catching",
          "6 Task#1 swallower (completed)",
        ],
        outcome: "ok undefined",
      },
      nursery: {
        notes: [
          "5 caught Cancelled",
          "5 second sleep: Cancelled",
          "5 Task#1 swallower (completed)",
        ],
        outcome: "ok undefined",
      },
      generator: { notes: ["5 Task#1 swallower (halted)"], outcome: "ok undefined" },
    },
  },
  {
    name: "yielding something that is not an instruction throws a TypeError into the task",
    mirrors: "after Effection: yielding what is not an instruction",
    *program(note) {
      try {
        yield 5;
      } catch (error) {
        note(`caught ${nameOf(error)}`);
      }
      return "went on";
    },
    expect: { all: { notes: ["0 caught TypeError"], outcome: "ok went on" } },
  },
  {
    name: "task ids count from the root, and names come from the function or the option",
    mirrors: "trio _core/_tests/test_run.py: test_spawn_name",
    *program(note) {
      const named = yield* spawn(function* worker() {});
      const renamed = yield* spawn(function* () {}, { name: "custom" });
      const anonymous = yield* spawn(() => suspend());
      note(
        `${named.id} ${named.name} | ${renamed.id} ${renamed.name} | ${anonymous.id} ${anonymous.name}`,
      );
      yield* anonymous.halt();
    },
    expect: { all: { notes: ["0 1 worker | 2 custom | 3 task"], outcome: "ok undefined" } },
  },
];
