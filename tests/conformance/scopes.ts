// Scopes and nurseries: lifetimes, handles, shields, error grouping. Drawn
// from Effection's test/scope.test.ts and trio's _core/_tests/test_run.py
// (nursery tests) and test_cancelled.py (shields).

import { Cancelled } from "../../runtimes/errors.ts";
import { ensure, moveOnAfter, scope, sleep, spawn, suspend } from "../../runtimes/verbs.ts";
import type { ScopeHandle } from "../../runtimes/types.ts";
import { describe, nameOf, type Scenario } from "./scenario.ts";

export const scopeScenarios: Scenario[] = [
  {
    name: "a scope answers its body's value",
    mirrors: "after Effection: scoped() answers its body's value",
    *program() {
      return yield* scope(function* () {
        yield* sleep(5);
        return "scoped";
      });
    },
    expect: { all: { notes: [], outcome: "ok scoped" } },
  },
  {
    name: "children still running when a scope's body returns",
    mirrors:
      "after trio: a nursery waits for its children / Effection: scoped() halts its children on exit",
    *program(note) {
      yield* scope(function* (handle) {
        handle.spawn(function* child() {
          try {
            yield* sleep(30);
            note("child finished");
          } finally {
            note("child cleanup");
          }
        });
        yield* sleep(5);
      });
      note("scope exited");
      yield* sleep(50);
    },
    expect: {
      native: {
        notes: ["5 scope exited", "30 child finished", "30 child cleanup"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["30 child finished", "30 child cleanup", "30 scope exited"],
        outcome: "ok undefined",
      },
      generator: { notes: ["5 child cleanup", "5 scope exited"], outcome: "ok undefined" },
    },
  },
  {
    name: "spawning into a scope that has finished",
    mirrors: "trio _core/_tests/test_run.py: test_nursery_closure (closed to new arrivals)",
    *program(note) {
      let saved: ScopeHandle | undefined;
      yield* scope(function* (handle) {
        saved = handle;
        yield* sleep(1);
      });
      try {
        const late = saved!.spawn(function* late() {
          note("late child ran");
        });
        yield* late;
      } catch (error) {
        note(`spawn refused: ${nameOf(error)}`);
      }
    },
    expect: {
      native: { notes: ["1 late child ran"], outcome: "ok undefined" },
      nursery: { notes: ["1 spawn refused: Error"], outcome: "ok undefined" },
      generator: { notes: ["1 spawn refused: Error"], outcome: "ok undefined" },
    },
  },
  {
    name: "handle.cancel() ends the scope early; the scope answers undefined",
    mirrors: "after trio: nursery.cancel_scope.cancel()",
    *program(note) {
      const value = yield* scope(function* (handle) {
        handle.spawn(function* child() {
          try {
            yield* sleep(100);
            note("child finished");
          } finally {
            note("child cleanup");
          }
        });
        yield* sleep(5);
        handle.cancel();
        yield* sleep(1);
        note("body went on (should not happen)");
        return "body value";
      });
      note(`scope answered ${value}`);
      yield* sleep(200);
    },
    expect: {
      native: {
        notes: ["5 scope answered undefined", "100 child finished", "100 child cleanup"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["5 child cleanup", "5 scope answered undefined"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["5 child cleanup", "5 scope answered undefined"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a scope body that throws",
    mirrors: "trio _core/_tests/test_run.py: test_nursery_main_block_error_basic",
    *program(note) {
      try {
        yield* scope(function* (handle) {
          handle.spawn(function* child() {
            try {
              yield* sleep(100);
              note("child finished");
            } finally {
              note("child cleanup");
            }
          });
          yield* sleep(5);
          throw new Error("body failed");
        });
      } catch (error) {
        note(`scope threw ${describe(error)}`);
      }
      yield* sleep(200);
    },
    expect: {
      native: {
        notes: ["5 scope threw Error: body failed", "100 child finished", "100 child cleanup"],
        outcome: "ok undefined",
      },
      // trio's strict exception groups: a nursery groups its body's own error.
      nursery: {
        notes: [
          "5 child cleanup",
          "5 scope threw AggregateError[Error]: 1 error in a scope in Task#0 main: body failed",
        ],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["5 child cleanup", "5 scope threw Error: body failed"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a child of a scope that fails",
    mirrors: "after Effection: a child's error reaches its scope",
    *program(note) {
      try {
        const value = yield* scope(function* (handle) {
          handle.spawn(function* failing() {
            yield* sleep(5);
            throw new Error("child failed");
          });
          yield* sleep(20);
          return "body finished";
        });
        note(`scope answered ${value}`);
      } catch (error) {
        note(`scope threw ${describe(error)}`);
      }
    },
    expect: {
      native: { notes: ["20 scope answered body finished"], outcome: "ok undefined" },
      nursery: {
        notes: [
          "5 scope threw AggregateError[Error]: 1 error in a scope in Task#0 main: child failed",
        ],
        outcome: "ok undefined",
      },
      generator: { notes: ["5 scope threw Error: child failed"], outcome: "ok undefined" },
      // Effect: a failed child of a scope fails nothing; the body runs to its end.
      effect: { notes: ["20 scope answered body finished"], outcome: "ok undefined" },
    },
  },
  {
    name: "several failing children: grouped or first",
    mirrors: "trio _core/_tests/test_run.py: test_two_child_crashes",
    *program(note) {
      try {
        yield* scope(function* (handle) {
          for (const name of ["a", "b"]) {
            handle.spawn(function* failing() {
              yield* sleep(5);
              throw new Error(`${name} failed`);
            });
          }
          yield* sleep(10);
        });
      } catch (error) {
        note(`scope threw ${nameOf(error)}`);
      }
      yield* sleep(1);
    },
    expect: {
      native: { notes: [], outcome: "ok undefined" },
      // As trio: b's wake-up meets the cancellation a's failure caused, and loses to it.
      nursery: { notes: ["5 scope threw AggregateError[Error]"], outcome: "ok undefined" },
      generator: { notes: ["5 scope threw Error"], outcome: "ok undefined" },
      // Effect: failed children of a scope fail nothing.
      effect: { notes: [], outcome: "ok undefined" },
    },
  },
  {
    name: "a shielded scope keeps outside cancellation away, and its own deadline still works",
    mirrors:
      "trio _core/_tests/test_run.py: test_cancel_shield_abort / _tests/test_timeouts.py: test_move_on_after_moves_on_even_if_shielded",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        try {
          yield* suspend();
        } finally {
          yield* scope(function* () {
            yield* sleep(5);
            note("shielded cleanup slept");
            note(`bounded wait: ${yield* moveOnAfter(10, sleep(1000))}`);
          }, { shield: true });
        }
      });
      yield* sleep(10);
      yield* worker.halt();
      note("halt returned");
    },
    expect: {
      all: {
        notes: ["15 shielded cleanup slept", "25 bounded wait: undefined", "25 halt returned"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "ensure in a scope runs when that scope ends, not the task",
    mirrors: "after Effection: ensure() runs when its scope exits",
    *program(note) {
      yield* scope(function* () {
        yield* ensure(() => note("scope's ensure"));
        yield* sleep(5);
      });
      note("after the scope");
      yield* sleep(5);
    },
    expect: { all: { notes: ["5 scope's ensure", "5 after the scope"], outcome: "ok undefined" } },
  },
  {
    name: "scopes nested three deep, each with a child",
    mirrors: "after trio: nurseries nested in nurseries",
    *program(note) {
      function* level(depth: number): Generator<unknown, void> {
        yield* scope(function* (handle) {
          handle.spawn(function* child() {
            try {
              yield* sleep(10 * depth);
              note(`child ${depth} finished`);
            } finally {
              note(`child ${depth} cleanup`);
            }
          });
          if (depth < 3) yield* level(depth + 1);
          yield* sleep(1);
        });
        note(`scope ${depth} exited`);
      }
      yield* level(1);
      yield* sleep(100);
    },
    expect: {
      native: {
        notes: [
          "1 scope 3 exited",
          "2 scope 2 exited",
          "3 scope 1 exited",
          "10 child 1 finished",
          "10 child 1 cleanup",
          "20 child 2 finished",
          "20 child 2 cleanup",
          "30 child 3 finished",
          "30 child 3 cleanup",
        ],
        outcome: "ok undefined",
      },
      nursery: {
        notes: [
          "10 child 1 finished",
          "10 child 1 cleanup",
          "20 child 2 finished",
          "20 child 2 cleanup",
          "30 child 3 finished",
          "30 child 3 cleanup",
          "30 scope 3 exited",
          "31 scope 2 exited",
          "32 scope 1 exited",
        ],
        outcome: "ok undefined",
      },
      generator: {
        notes: [
          "1 child 3 cleanup",
          "1 scope 3 exited",
          "2 child 2 cleanup",
          "2 scope 2 exited",
          "3 child 1 cleanup",
          "3 scope 1 exited",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "a cancelled scope raises at every later checkpoint until it is left",
    mirrors: "trio _core/_tests/test_run.py: test_cancel_edge_cases (level-triggering)",
    *program(note) {
      yield* scope(function* (handle) {
        handle.cancel();
        for (let checkpoint = 1; checkpoint <= 3; checkpoint++) {
          try {
            yield* sleep(1);
            note(`checkpoint ${checkpoint} passed`);
          } catch (error) {
            note(`checkpoint ${checkpoint}: ${nameOf(error)}`);
          }
        }
      });
      note("left the scope");
    },
    expect: {
      native: {
        notes: [
          "0 checkpoint 1: AbortError",
          "1 checkpoint 2 passed",
          "2 checkpoint 3 passed",
          "2 left the scope",
        ],
        outcome: "ok undefined",
      },
      nursery: {
        notes: [
          "0 checkpoint 1: Cancelled",
          "0 checkpoint 2: Cancelled",
          "0 checkpoint 3: Cancelled",
          "0 left the scope",
        ],
        outcome: "ok undefined",
      },
      generator: { notes: ["0 left the scope"], outcome: "ok undefined" },
    },
  },
  {
    name: "Cancelled is an error a catch sees, under nursery only",
    mirrors: "after trio: Cancelled is a BaseException, which JavaScript does not have",
    *program(note) {
      const worker = yield* spawn(function* worker() {
        try {
          yield* suspend();
        } catch (error) {
          note(`catch saw ${error instanceof Cancelled ? "Cancelled" : nameOf(error)}`);
          throw error;
        }
      });
      yield* sleep(1);
      yield* worker.halt();
    },
    expect: {
      native: { notes: ["1 catch saw AbortError"], outcome: "ok undefined" },
      nursery: { notes: ["1 catch saw Cancelled"], outcome: "ok undefined" },
      generator: { notes: [], outcome: "ok undefined" },
    },
  },
];
