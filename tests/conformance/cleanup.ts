// Cleanup order, errors during cleanup, and the waits that cancellation must
// undo (queue gets, calls). Drawn from Effection's test/scope.test.ts and
// test/spawn.test.ts (teardown order), trio's test_run.py (cancelled waits)
// and Effection's queue and call tests.

import { createQueue } from "../../runtimes/queue.ts";
import { call, ensure, scope, sleep, spawn, suspend } from "../../runtimes/verbs.ts";
import { describe, nameOf, type Scenario } from "./scenario.ts";

export const cleanupScenarios: Scenario[] = [
  {
    name: "async ensure cleanups run in reverse order of registration, one after another",
    mirrors: "effection test/spawn.test.ts: runs destructors in reverse order and in series",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        for (const name of ["first", "second", "third"]) {
          yield* ensure(function* () {
            yield* sleep(5);
            note(`${name} cleaned up`);
          });
        }
        yield* suspend();
      });
      yield* sleep(1);
      yield* worker.halt();
      note("halt returned");
    },
    expect: {
      all: {
        notes: [
          "6 third cleaned up",
          "11 second cleaned up",
          "16 first cleaned up",
          "16 halt returned",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "children of a halted task are cleaned up before its own ensure",
    mirrors: "after Effection: children are halted before their parent's own teardown",
    *program(note) {
      const parent = yield* spawn(function* parent() {
        yield* ensure(() => note("parent's ensure"));
        for (const name of ["older", "younger"]) {
          yield* spawn(function* child() {
            try {
              yield* suspend();
            } finally {
              note(`${name} child cleanup`);
            }
          });
        }
        yield* suspend();
      });
      yield* sleep(1);
      yield* parent.halt();
    },
    expect: {
      native: { notes: ["1 parent's ensure"], outcome: "ok undefined" },
      nursery: {
        notes: ["1 older child cleanup", "1 younger child cleanup", "1 parent's ensure"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["1 younger child cleanup", "1 older child cleanup", "1 parent's ensure"],
        outcome: "ok undefined",
      },
      // Effect: a fiber's finalizers run first, then its children are interrupted, oldest first.
      effect: {
        notes: ["1 parent's ensure", "1 older child cleanup", "1 younger child cleanup"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "an ensure cleanup that throws fails its task",
    mirrors: "after Effection: an error in teardown is not lost",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        yield* ensure(() => {
          throw new Error("ensure failed");
        });
        yield* sleep(5);
        return "body value";
      });
      try {
        note(`joined ${yield* worker}`);
      } catch (error) {
        note(`join: ${describe(error)}`);
      }
    },
    expect: {
      native: { notes: ["5 join: Error: ensure failed"], outcome: "ok undefined" },
      nursery: {
        notes: ["5 join: Error: ensure failed"],
        outcome: "error AggregateError [Error: ensure failed]",
      },
      generator: { notes: ["5 join: Error: ensure failed"], outcome: "error Error: ensure failed" },
      // Effection 4.1.1 fails the parent before its join resumes.
      effection: { notes: [], outcome: "error Error: ensure failed" },
      // Effect: the failure reaches the joiner only.
      effect: { notes: ["5 join: Error: ensure failed"], outcome: "ok undefined" },
    },
  },
  {
    name: "a cleanup error after the body failed",
    mirrors: "after trio: an error raised in cleanup once the body has failed",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        yield* ensure(() => {
          throw new Error("cleanup failed too");
        });
        yield* sleep(5);
        throw new Error("body failed");
      });
      try {
        yield* worker;
      } catch (error) {
        note(`join: ${describe(error)}`);
      }
    },
    expect: {
      native: { notes: ["5 join: Error: body failed"], outcome: "ok undefined" },
      // As `finally` in Python and JavaScript, and so trio: the cleanup's error replaces the body's.
      nursery: {
        notes: ["5 join: Error: cleanup failed too"],
        outcome: "error AggregateError [Error: cleanup failed too]",
      },
      generator: { notes: ["5 join: Error: body failed"], outcome: "error Error: body failed" },
      // Effection 4.1.1 keeps the later cleanup error, and fails the parent before its join.
      effection: { notes: [], outcome: "error Error: cleanup failed too" },
      // Effect: the failure reaches the joiner only.
      effect: { notes: ["5 join: Error: body failed"], outcome: "ok undefined" },
    },
  },
  {
    name: "a queue get cancelled while waiting takes nothing; the next getter gets the value",
    mirrors:
      "after Effection's queues and trio's channels: a receive cancelled while waiting takes nothing",
    *program(note) {
      const queue = createQueue<string>();
      const early = yield* spawn(function* earlyGetter() {
        note(`early got ${yield* queue.get()} (should not happen)`);
      });
      const late = yield* spawn(function* lateGetter() {
        yield* sleep(1);
        return yield* queue.get();
      });
      yield* sleep(5);
      yield* early.halt();
      queue.put("the value");
      note(`late got ${yield* late}`);
    },
    expect: { all: { notes: ["5 late got the value"], outcome: "ok undefined" } },
  },
  {
    name: "a closed queue wakes its waiting getters with QueueClosedError",
    mirrors: "effection test/queue.test.ts: can close",
    *program(note) {
      const queue = createQueue<number>();
      const getter = yield* spawn(function* getter() {
        try {
          yield* queue.get();
        } catch (error) {
          note(`getter: ${nameOf(error)}`);
        }
      });
      yield* sleep(5);
      queue.close();
      yield* getter;
    },
    expect: { all: { notes: ["5 getter: QueueClosedError"], outcome: "ok undefined" } },
  },
  {
    name: "a call whose promise never settles, cancelled by a sibling's halt",
    mirrors: "after trio's abort callbacks and Effection's call(): a call cancelled while it waits",
    *program(note) {
      const caller = yield* spawn(function* caller() {
        yield* call((signal) =>
          new Promise<never>((_, reject) => {
            signal.addEventListener("abort", () => {
              note("signal aborted");
              reject(signal.reason);
            });
          })
        );
      });
      const halter = yield* spawn(function* halter() {
        yield* sleep(0);
        yield* caller.halt();
        note(`caller ${caller.state}`);
      });
      yield* halter;
    },
    expect: { all: { notes: ["0 signal aborted", "0 caller halted"], outcome: "ok undefined" } },
  },
  {
    name: "a call's value and a call's rejection come back to the task",
    mirrors: "after Effection's call(): a value, a promise, a rejection, a throw",
    *program(note) {
      note(`value ${yield* call(() => Promise.resolve("resolved"))}`);
      note(`plain ${yield* call(() => "not a promise")}`);
      try {
        yield* call(() => Promise.reject(new Error("rejected")));
      } catch (error) {
        note(describe(error));
      }
      try {
        yield* call(() => {
          throw new Error("thrown");
        });
      } catch (error) {
        note(describe(error));
      }
    },
    expect: {
      all: {
        notes: [
          "0 value resolved",
          "0 plain not a promise",
          "0 Error: rejected",
          "0 Error: thrown",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "suspend ends only by cancellation",
    mirrors: "after Effection: suspend() waits until halted",
    *program(note) {
      const waiter = yield* spawn(function* waiter() {
        try {
          yield* suspend();
        } finally {
          note("suspend ended by the halt");
        }
      });
      yield* sleep(1000);
      note(`still ${waiter.state}`);
      yield* waiter.halt();
    },
    expect: {
      all: {
        notes: ["1000 still running", "1000 suspend ended by the halt"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a scope's children are all cleaned up when its task is halted",
    mirrors: "after trio: cancelling a task cancels its nursery's children",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        yield* scope(function* (handle) {
          for (const name of ["a", "b"]) {
            handle.spawn(function* child() {
              try {
                yield* suspend();
              } finally {
                note(`${name} cleanup`);
              }
            });
          }
          yield* suspend();
        });
      });
      yield* sleep(1);
      yield* worker.halt();
      note("worker halted");
    },
    expect: {
      native: { notes: ["1 worker halted"], outcome: "ok undefined" },
      nursery: {
        notes: ["1 a cleanup", "1 b cleanup", "1 worker halted"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["1 b cleanup", "1 a cleanup", "1 worker halted"],
        outcome: "ok undefined",
      },
    },
  },
];
