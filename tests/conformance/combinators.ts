// race and all, with synchronous and asynchronous settlements, halted from
// outside, nested. Drawn from Effection's test/race.test.ts and
// test/all.test.ts; they behave alike under every runtime.

import { all, ensure, race, sleep, spawn, suspend } from "../../runtimes/verbs.ts";
import type { Operation } from "../../runtimes/types.ts";
import { describe, type Scenario } from "./scenario.ts";

function* after<T>(
  note: (text: string) => void,
  name: string,
  ms: number,
  value: T,
): Operation<T> {
  yield* ensure(() => note(`${name} cleaned up`));
  yield* sleep(ms);
  return value;
}

function* failAfter(ms: number, message: string): Operation<never> {
  yield* sleep(ms);
  throw new Error(message);
}

function* instantly<T>(value: T): Operation<T> {
  return value;
}

function* failInstantly(message: string): Operation<never> {
  throw new Error(message);
}

export const combinatorScenarios: Scenario[] = [
  {
    name: "race: the first asynchronous settlement wins; losers cleaned up first",
    mirrors:
      "effection test/race.test.ts: resolves when one of the given operations resolves asynchronously first",
    *program(note) {
      note(
        `winner ${yield* race([after(note, "slow", 20, "slow"), after(note, "fast", 10, "fast")])}`,
      );
    },
    expect: {
      all: {
        notes: ["10 fast cleaned up", "10 slow cleaned up", "10 winner fast"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "race: a synchronous settlement wins at once",
    mirrors:
      "effection test/race.test.ts: resolves when one of the given operations resolves synchronously first",
    *program(note) {
      note(`winner ${yield* race([after(note, "sleeper", 10, "sleeper"), instantly("instant")])}`);
    },
    expect: {
      all: { notes: ["0 sleeper cleaned up", "0 winner instant"], outcome: "ok undefined" },
      // Effection 4.1.1 starts `ensure` once its task yields: the loser is halted before that.
      effection: { notes: ["0 winner instant"], outcome: "ok undefined" },
    },
  },
  {
    name: "race: the first asynchronous failure is thrown",
    mirrors:
      "effection test/race.test.ts: rejects when one of the given operations rejects asynchronously first",
    *program(note) {
      try {
        yield* race([after(note, "slow", 20, 1), failAfter(5, "lost")]);
      } catch (error) {
        note(describe(error));
      }
    },
    expect: { all: { notes: ["5 slow cleaned up", "5 Error: lost"], outcome: "ok undefined" } },
  },
  {
    name: "race: a synchronous failure is thrown at once",
    mirrors:
      "effection test/race.test.ts: rejects when one of the given operations rejects synchronously first",
    *program(note) {
      try {
        yield* race([after(note, "sleeper", 10, 1), failInstantly("at once")]);
      } catch (error) {
        note(describe(error));
      }
    },
    expect: {
      all: { notes: ["0 sleeper cleaned up", "0 Error: at once"], outcome: "ok undefined" },
      // As above: the loser is halted before its `ensure` has started.
      effection: { notes: ["0 Error: at once"], outcome: "ok undefined" },
    },
  },
  {
    name: "race: settlements at the same instant go to the first in order",
    mirrors: "after Effection: race() on a tie, the first listed wins",
    *program(note) {
      note(`winner ${yield* race([after(note, "a", 10, "a"), after(note, "b", 10, "b")])}`);
    },
    expect: {
      all: {
        notes: ["10 a cleaned up", "10 b cleaned up", "10 winner a"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "race: halted from outside, every contender is cleaned up",
    mirrors: "after Effection: a halted race() halts its contenders",
    *program(note) {
      const racer = yield* spawn(function* racer() {
        yield* race([after(note, "a", 100, 1), after(note, "b", 200, 2)]);
        note("race answered (should not happen)");
      });
      yield* sleep(5);
      yield* racer.halt();
      note("racer halted");
    },
    expect: {
      native: {
        notes: ["5 b cleaned up", "5 a cleaned up", "5 racer halted"],
        outcome: "ok undefined",
      },
      // A cancel scope reaches every contender at once, in spawn order.
      nursery: {
        notes: ["5 a cleaned up", "5 b cleaned up", "5 racer halted"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["5 b cleaned up", "5 a cleaned up", "5 racer halted"],
        outcome: "ok undefined",
      },
      // Effect interrupts the contenders in order, each cleaned up at once.
      effect: {
        notes: ["5 a cleaned up", "5 b cleaned up", "5 racer halted"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "race inside race",
    mirrors: "after Effection: race() within race()",
    *program(note) {
      const winner = yield* race([
        race([
          after(note, "inner slow", 30, "inner slow"),
          after(note, "inner fast", 20, "inner fast"),
        ]),
        after(note, "outer", 25, "outer"),
      ]);
      note(`winner ${winner}`);
    },
    expect: {
      all: {
        notes: [
          "20 inner fast cleaned up",
          "20 inner slow cleaned up",
          "20 outer cleaned up",
          "20 winner inner fast",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "all: every result in order, whatever order they settle in",
    mirrors: "effection test/all.test.ts: resolves when all of the given operations resolve",
    *program(note) {
      const values = yield* all([
        after(note, "a", 30, "a"),
        after(note, "b", 10, "b"),
        after(note, "c", 20, "c"),
      ]);
      note(values.join(","));
    },
    expect: {
      all: {
        notes: ["10 b cleaned up", "20 c cleaned up", "30 a cleaned up", "30 a,b,c"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "all: synchronous settlements",
    mirrors:
      "effection test/all.test.ts: resolves when all of the given operations resolve synchronously",
    *program() {
      return (yield* all([instantly(1), instantly(2), instantly(3)])).join("+");
    },
    expect: { all: { notes: [], outcome: "ok 1+2+3" } },
  },
  {
    name: "all: the empty list answers at once",
    mirrors: "effection test/all.test.ts: resolves when the given list is empty",
    *program() {
      return `[${(yield* all([])).join()}]`;
    },
    expect: { all: { notes: [], outcome: "ok []" } },
  },
  {
    name: "all: the first failure cancels the rest first, then is thrown",
    mirrors:
      "effection test/all.test.ts: rejects when one of the given operations rejects asynchronously first",
    *program(note) {
      try {
        yield* all([
          after(note, "a", 30, "a"),
          failAfter(10, "b failed"),
          after(note, "c", 40, "c"),
        ]);
      } catch (error) {
        note(describe(error));
      }
    },
    expect: {
      all: {
        notes: ["10 c cleaned up", "10 a cleaned up", "10 Error: b failed"],
        outcome: "ok undefined",
      },
      // Effect interrupts the other members in order.
      effect: {
        notes: ["10 a cleaned up", "10 c cleaned up", "10 Error: b failed"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "all: a synchronous failure",
    mirrors:
      "effection test/all.test.ts: rejects when one of the given operations rejects synchronously first (skipped there)",
    *program(note) {
      try {
        yield* all([after(note, "a", 30, "a"), failInstantly("at once")]);
      } catch (error) {
        note(describe(error));
      }
    },
    expect: {
      all: { notes: ["0 a cleaned up", "0 Error: at once"], outcome: "ok undefined" },
      // As above: the member is halted before its `ensure` has started.
      effection: { notes: ["0 Error: at once"], outcome: "ok undefined" },
    },
  },
  {
    name: "all: halted from outside, every member is cleaned up",
    mirrors: "after Effection: a halted all() halts its members",
    *program(note) {
      const gatherer = yield* spawn(function* gatherer() {
        yield* all([after(note, "a", 100, 1), after(note, "b", 200, 2)]);
      });
      yield* sleep(5);
      yield* gatherer.halt();
      note("gatherer halted");
    },
    expect: {
      native: {
        notes: ["5 b cleaned up", "5 a cleaned up", "5 gatherer halted"],
        outcome: "ok undefined",
      },
      // A cancel scope reaches every contender at once, in spawn order.
      nursery: {
        notes: ["5 a cleaned up", "5 b cleaned up", "5 gatherer halted"],
        outcome: "ok undefined",
      },
      generator: {
        notes: ["5 b cleaned up", "5 a cleaned up", "5 gatherer halted"],
        outcome: "ok undefined",
      },
      // Effect interrupts the members in order.
      effect: {
        notes: ["5 a cleaned up", "5 b cleaned up", "5 gatherer halted"],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "all of races",
    mirrors: "after Effection: all() and race() composed",
    *program(note) {
      const values = yield* all([
        race([after(note, "a1", 10, "a1"), after(note, "a2", 20, "a2")]),
        race([after(note, "b1", 30, "b1"), after(note, "b2", 5, "b2")]),
      ]);
      note(values.join(","));
    },
    expect: {
      all: {
        notes: [
          "5 b2 cleaned up",
          "5 b1 cleaned up",
          "10 a1 cleaned up",
          "10 a2 cleaned up",
          "10 a1,b2",
        ],
        outcome: "ok undefined",
      },
    },
  },
  {
    name: "race of a never-ending operation and a value",
    mirrors: "after Effection: race() halts its suspended losers",
    *program() {
      return yield* race([suspend(), instantly("value")]);
    },
    expect: { all: { notes: [], outcome: "ok value" } },
  },
];
