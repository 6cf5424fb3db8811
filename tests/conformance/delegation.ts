// The delegated-cleanup trade-off, as evidence: a task halted while suspended
// inside a delegated `yield*` whose `finally` does async work. Re-creates the
// scenario matrix Effection keeps for its upstream issue #1190
// (https://github.com/thefrontside/effection/tree/a3ed9ae70db9a21e5aafe76fa302840a30fd5f35/test/issue-1190,
// its scenarios and case-*.test.ts files): plain
// delegation, inside a race, inside a scope, nested delegations, and the same
// cleanup written with `ensure`.
//
// Cancellation by a thrown error (native, nursery) survives delegation: the
// caller's code after the `yield*` never runs. Halting by `return()`
// (generator, like Effection) loses the halt once the inner `finally`
// suspends: the caller's code after its `yield*` resumes. `ensure` has no
// such hazard under any runtime.

import { ensure, race, scope, sleep, spawn, suspend } from "../../runtimes/verbs.ts";
import type { Operation } from "../../runtimes/types.ts";
import type { Scenario } from "./scenario.ts";

/** Wait forever; on the way out, do five milliseconds of async cleanup. */
function* delegated(note: (text: string) => void, name: string): Operation<void> {
  try {
    yield* suspend();
  } finally {
    yield* sleep(5);
    note(`${name} async cleanup done`);
  }
}

/** The same cleanup, registered with `ensure` instead of written in `finally`. */
function* delegatedWithEnsure(note: (text: string) => void, name: string): Operation<void> {
  yield* ensure(function* () {
    yield* sleep(5);
    note(`${name} ensure cleanup done`);
  });
  yield* suspend();
}

/** Spawn `body`, halt it at 10, and note when the halt returned. */
function* haltAt10(
  note: (text: string) => void,
  body: () => Operation<void>,
): Operation<void> {
  const task = yield* spawn(body, { name: "caller" });
  yield* sleep(10);
  yield* task.halt();
  note(`halt returned, caller ${task.state}`);
}

export const delegationScenarios: Scenario[] = [
  {
    name: "#1190 case 1: halted inside a delegated yield* whose finally awaits",
    mirrors: "after Effection issue #1190: async cleanup in a delegated finally",
    *program(note) {
      yield* haltAt10(note, function* () {
        yield* delegated(note, "helper");
        note("caller resumed after the yield*");
      });
    },
    expect: {
      native: {
        notes: ["15 helper async cleanup done", "15 halt returned, caller halted"],
        outcome: "ok undefined",
      },
      nursery: { notes: ["10 halt returned, caller halted"], outcome: "ok undefined" },
      generator: {
        notes: [
          "15 helper async cleanup done",
          "15 caller resumed after the yield*",
          "15 halt returned, caller halted",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "#1190 case 2: the delegated cleanup inside a race",
    mirrors: "after Effection issue #1190: the same, as a race loser",
    *program(note) {
      yield* haltAt10(note, function* () {
        yield* race([delegated(note, "racer"), suspend()]);
        note("caller resumed after the race");
      });
    },
    expect: {
      native: {
        notes: ["15 racer async cleanup done", "15 halt returned, caller halted"],
        outcome: "ok undefined",
      },
      nursery: { notes: ["10 halt returned, caller halted"], outcome: "ok undefined" },
      generator: {
        notes: ["15 racer async cleanup done", "15 halt returned, caller halted"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "#1190 case 3: the delegated cleanup inside a scope body",
    mirrors: "after Effection issue #1190: the same, inside scoped()",
    *program(note) {
      yield* haltAt10(note, function* () {
        yield* scope(function* () {
          yield* delegated(note, "scoped helper");
          note("scope body resumed after the yield*");
        });
        note("caller resumed after the scope");
      });
    },
    expect: {
      native: {
        notes: ["15 scoped helper async cleanup done", "15 halt returned, caller halted"],
        outcome: "ok undefined",
      },
      nursery: { notes: ["10 halt returned, caller halted"], outcome: "ok undefined" },
      generator: {
        notes: [
          "15 scoped helper async cleanup done",
          "15 scope body resumed after the yield*",
          "15 halt returned, caller halted",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "#1190 case 4: nested delegations, each with async cleanup",
    mirrors: "after Effection issue #1190: the same, two delegations deep",
    *program(note) {
      function* outer(): Operation<void> {
        try {
          yield* delegated(note, "inner");
          note("outer helper resumed after the inner yield*");
        } finally {
          yield* sleep(5);
          note("outer async cleanup done");
        }
      }
      yield* haltAt10(note, function* () {
        yield* outer();
        note("caller resumed after the outer yield*");
      });
    },
    expect: {
      native: {
        notes: [
          "15 inner async cleanup done",
          "20 outer async cleanup done",
          "20 halt returned, caller halted",
        ],
        outcome: "ok undefined",
      },
      nursery: { notes: ["10 halt returned, caller halted"], outcome: "ok undefined" },
      generator: {
        notes: [
          "15 inner async cleanup done",
          "15 outer helper resumed after the inner yield*",
          "20 outer async cleanup done",
          "20 caller resumed after the outer yield*",
          "20 halt returned, caller halted",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "#1190 remedy: the same async cleanup in ensure runs, and nothing resumes",
    mirrors: "after Effection issue #1190: ensure() is not affected",
    *program(note) {
      yield* haltAt10(note, function* () {
        yield* delegatedWithEnsure(note, "helper");
        note("caller resumed after the yield* (should not happen)");
      });
    },
    expect: {
      all: {
        notes: ["15 helper ensure cleanup done", "15 halt returned, caller halted"],
        outcome: "ok undefined",
      },
    },
  },
];
