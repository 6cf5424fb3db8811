// Deadlines: timeout and moveOnAfter, alone and nested. Drawn from trio's
// _tests/test_timeouts.py and _core/_tests/test_cancelled.py.

import { TimeoutError } from "../../runtimes/errors.ts";
import { moveOnAfter, now, sleep, suspend, timeout } from "../../runtimes/verbs.ts";
import type { Operation } from "../../runtimes/types.ts";
import { describe, nameOf, type Scenario } from "./scenario.ts";

/** Rethrow what is not a TimeoutError, as code written for every model does. */
function timedOut(error: unknown): TimeoutError {
  if (error instanceof TimeoutError) return error;
  throw error;
}

export const timeoutScenarios: Scenario[] = [
  {
    name: "fail_after: the deadline passes, TimeoutError",
    mirrors: "trio _tests/test_timeouts.py: test_fail",
    *program(note) {
      try {
        yield* timeout(10, sleep(100));
      } catch (error) {
        note(describe(timedOut(error)));
      }
    },
    expect: { all: { notes: ["10 TimeoutError: timed out after 10 ms"], outcome: "ok undefined" } },
  },
  {
    name: "move_on_after: the deadline passes, undefined",
    mirrors: "trio _tests/test_timeouts.py: test_move_on_after",
    *program(note) {
      note(`answer ${yield* moveOnAfter(10, sleep(100))}`);
    },
    expect: { all: { notes: ["10 answer undefined"], outcome: "ok undefined" } },
  },
  {
    name: "finishing in time answers the value, and the deadline leaves no trace",
    mirrors: "after trio: fail_after around a body that finishes in time",
    *program(note) {
      const value = yield* timeout(
        100,
        (function* () {
          yield* sleep(10);
          return "in time";
        })(),
      );
      note(value);
      return yield* now();
    },
    expect: { all: { notes: ["10 in time"], outcome: "ok 10" } },
  },
  {
    name: "a deadline is set on entry, not when the operation was made",
    mirrors: "trio _tests/test_timeouts.py: test_timeout_deadline_on_entry",
    *program(note) {
      const guarded = timeout(10, sleep(100));
      yield* sleep(50);
      try {
        yield* guarded;
      } catch (error) {
        note(describe(timedOut(error)));
      }
    },
    expect: { all: { notes: ["60 TimeoutError: timed out after 10 ms"], outcome: "ok undefined" } },
  },
  {
    name: "a zero deadline around an operation that needs no time answers its value",
    mirrors: "after trio: a deadline is checked at a checkpoint",
    *program() {
      return yield* timeout(
        0,
        (function* () {
          return "instant";
        })(),
      );
    },
    expect: { all: { notes: [], outcome: "ok instant" } },
  },
  {
    name: "nested deadlines: the inner expires first and is caught inside the outer",
    mirrors: "after trio: nested cancel scopes, the inner expiring first",
    *program(note) {
      const value = yield* timeout(
        100,
        (function* () {
          try {
            yield* timeout(10, suspend());
          } catch (error) {
            note(`inner: ${describe(timedOut(error))}`);
          }
          return "outer body finished";
        })(),
      );
      note(value);
    },
    expect: {
      all: {
        notes: ["10 inner: TimeoutError: timed out after 10 ms", "10 outer body finished"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "nested deadlines: the outer expires first and cancels the inner",
    mirrors: "after trio: nested cancel scopes, the outer expiring first",
    *program(note) {
      try {
        yield* timeout(
          10,
          (function* () {
            try {
              yield* timeout(100, suspend());
            } catch (error) {
              note(`inner: ${describe(timedOut(error))} (should not happen)`);
            }
          })(),
        );
      } catch (error) {
        note(`outer: ${describe(timedOut(error))}`);
      }
    },
    expect: {
      all: { notes: ["10 outer: TimeoutError: timed out after 10 ms"], outcome: "ok undefined" },
    },
  },
  {
    name: "nested deadlines expiring at the same instant: the outermost wins",
    mirrors:
      "trio _core/_tests/test_run.py: test_cancel_scope_nesting (both cancelled, the outer catches)",
    *program(note) {
      try {
        yield* timeout(
          50,
          (function* () {
            yield* sleep(40);
            try {
              yield* moveOnAfter(10, suspend());
              note("inner moved on (should not happen)");
            } catch (error) {
              note(`inner saw ${nameOf(error)}`);
              throw error;
            }
          })(),
        );
      } catch (error) {
        note(`outer: ${describe(timedOut(error))}`);
      }
    },
    expect: {
      native: {
        notes: ["50 inner saw AbortError", "50 outer: TimeoutError: timed out after 50 ms"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["50 inner saw Cancelled", "50 outer: TimeoutError: timed out after 50 ms"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["50 outer: TimeoutError: timed out after 50 ms"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "an operation that swallows its cancellation under a deadline",
    mirrors: "after trio: CancelScope.cancelled_caught when the body swallows Cancelled",
    *program(note) {
      try {
        const value = yield* timeout(
          10,
          (function* (): Operation<string> {
            try {
              yield* sleep(100);
            } catch (error) {
              note(`body caught ${nameOf(error)}`);
            }
            return "body swallowed it";
          })(),
        );
        note(`answer: ${value}`);
      } catch (error) {
        note(describe(timedOut(error)));
      }
    },
    expect: {
      native: {
        notes: ["10 body caught AbortError", "10 TimeoutError: timed out after 10 ms"],
        outcome: "ok undefined",
      },
      nursery: {
        notes: ["10 body caught Cancelled", "10 answer: body swallowed it"],
        outcome: "ok undefined",
      },
      generator: { notes: ["10 TimeoutError: timed out after 10 ms"], outcome: "ok undefined" },
    },
  },
  {
    name: "sequential deadlines each start their own clock",
    mirrors: "after trio: move_on_after blocks one after another",
    *program(note) {
      for (let round = 1; round <= 3; round++) {
        note(`round ${round}: ${yield* moveOnAfter(10, sleep(100))}`);
      }
    },
    expect: {
      all: {
        notes: ["10 round 1: undefined", "20 round 2: undefined", "30 round 3: undefined"],
        outcome: "ok undefined",
      },
    },
  },
];
