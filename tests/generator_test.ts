// What is particular to the `generator` runtime (the kit's own Effection-style
// scheduler). The cells of the README's semantics table it shares with
// `effection` are written once in tests/generator_column.ts and registered
// here for `generator`; below are the tests where the two differ: a failed
// task's joiners and the one host timer of its own timer heap. Its FIFO run queue, against effection's parent-first priority, is
// tested in effection_test.ts. Every test runs in virtual time.

import { deepEqual, equal } from "node:assert/strict";
import { generator } from "../runtimes/registry.ts";
import { now, sleep, spawn } from "../runtimes/verbs.ts";
import { countingClock, taskEvents, tell } from "./harness.ts";
import { testGeneratorColumn } from "./generator_column.ts";

testGeneratorColumn(generator);

// Effection 4.1.1 answers differently: see its pinned test in effection_test.ts.
Deno.test("generator: the joiner of a failed task receives the error, and the parent fails too", async () => {
  const story = await tell(generator, function* (note) {
    const failing = yield* spawn(function* failing() {
      yield* sleep(10);
      throw new Error("boom");
    });
    try {
      yield* failing;
    } catch (error) {
      note(`joiner caught ${(error as Error).message}`);
    }
    yield* sleep(100);
    note("parent went on (should not happen)");
  });
  deepEqual(story.notes, ["10 joiner caught boom"]);
  equal(story.outcome, "error Error: boom");
});

Deno.test("generator: its own timer heap keeps at most one host timer armed", async () => {
  const { clock, mostArmed } = countingClock();
  const woke: number[] = [];
  await generator.run(function* () {
    for (let i = 1; i <= 1000; i++) {
      yield* spawn(function* () {
        yield* sleep((i * 7919) % 1000 + 1);
        woke.push(yield* now());
      });
    }
    yield* sleep(2000);
  }, { clock });
  equal(woke.length, 1000);
  deepEqual(woke, [...woke].sort((a, b) => a - b));
  equal(mostArmed(), 1);
});

Deno.test("generator: a task whose body has returned traces the halt of its children", async () => {
  const story = await tell(generator, function* () {
    const parent = yield* spawn(function* parent() {
      yield* spawn(function* child() {
        try {
          yield* sleep(30);
        } finally {
          yield* sleep(5); // async cleanup: the parent waits for it
        }
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
    "10 suspend halt children (1 running)",
    "15 return",
  ]);
});
