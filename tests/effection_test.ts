// What is particular to the `effection` runtime (the real Effection 4.1.1
// library): parent-first priority, its `ensure` as a resource, its `halt()`,
// its timers on the kit's clock, pinned as the library behaves today so that
// we notice when upstream changes. The cells of the README's semantics table
// that are "same as generator" are written once in tests/generator_column.ts
// and registered here for `effection`. Every test runs in virtual time.

import { deepEqual, equal } from "node:assert/strict";
import { countdownMain } from "../labs/countdown.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { effection } from "../runtimes/effection.ts";
import { generator } from "../runtimes/registry.ts";
import { createQueue } from "../runtimes/queue.ts";
import type { Runtime } from "../runtimes/types.ts";
import { ensure, now, race, sleep, spawn, suspend, timeout } from "../runtimes/verbs.ts";
import { countingClock, type Story, tell } from "./harness.ts";
import { testGeneratorColumn } from "./generator_column.ts";

testGeneratorColumn(effection);

Deno.test("effection: a failed child fails its parent before a joining parent or sibling can catch it (pinned)", async () => {
  async function joins(runtime: Runtime): Promise<Story> {
    return await tell(runtime, function* (note) {
      const failing = yield* spawn(function* failing() {
        yield* sleep(10);
        throw new Error("boom");
      });
      yield* spawn(function* joiner() {
        try {
          yield* failing;
        } catch (error) {
          note(`sibling joiner caught ${(error as Error).message}`);
        }
      });
      try {
        yield* failing;
      } catch (error) {
        note(`parent caught ${(error as Error).message}`);
      }
      yield* sleep(100);
      note("parent went on (should not happen)");
    });
  }
  // Effection 4.1.1 raises the failure in the parent in the same step as it
  // answers the joins; parent-first priority returns the parent (halting the
  // sibling) before either joiner resumes, so only the run's caller sees the
  // error. The kit's `generator` lets both joiners catch it first.
  const story = await joins(effection);
  deepEqual(story.notes, []);
  equal(story.outcome, "error Error: boom");
  const kit = await joins(generator);
  deepEqual(kit.notes, ["10 parent caught boom", "10 sibling joiner caught boom"]);
  equal(kit.outcome, "error Error: boom");
});

Deno.test("effection: an ensure is a resource that starts after its task yields; halted before, it never runs (pinned)", async () => {
  const story = await tell(effection, function* (note) {
    const winner = yield* race([
      (function* sleeper() {
        yield* ensure(() => note("sleeper cleaned up"));
        yield* sleep(10);
        return "sleeper";
      })(),
      (function* instant() {
        return "instant";
      })(),
    ]);
    note(`winner ${winner}`);
  });
  // Effection's `ensure` spawns a resource at its task's priority; the
  // instant contender settles first, and the sleeper is halted while its
  // `yield* ensure(...)` still waits for the resource, so the cleanup is
  // dropped (`generator` notes "0 sleeper cleaned up" first).
  deepEqual(story.notes, ["0 winner instant"]);
});

Deno.test("effection: timers are the kit's clock, one armed per sleeper, cleared when halted", async () => {
  const { clock, mostArmed } = countingClock();
  const woke: number[] = [];
  await effection.run(function* () {
    for (let i = 1; i <= 100; i++) {
      yield* spawn(function* () {
        yield* sleep((i * 7919) % 100 + 1);
        woke.push(yield* now());
      });
    }
    const idle = yield* spawn(function* () {
      yield* sleep(10_000);
    });
    yield* sleep(200);
    yield* idle.halt();
  }, { clock });
  equal(woke.length, 100);
  deepEqual(woke, [...woke].sort((a, b) => a - b));
  equal(mostArmed(), 102);
  equal(clock.now(), 200);
});

Deno.test("effection: scheduling is parent-first priority: a woken parent runs before its woken child", async () => {
  async function order(runtime: Runtime): Promise<string[]> {
    const story = await tell(runtime, function* (note) {
      const queue = createQueue<string>();
      yield* spawn(function* child() {
        note(`child got ${yield* queue.get()}`);
      });
      yield* spawn(function* producer() {
        yield* sleep(1);
        queue.put("a"); // to the child, which waited first
        queue.put("b"); // to the parent
      });
      yield* sleep(0);
      note(`parent got ${yield* queue.get()}`);
      yield* sleep(1);
    });
    return story.notes;
  }
  deepEqual(await order(effection), ["1 parent got b", "1 child got a"]);
  // The kit's own generator runtime resumes them first in, first out.
  deepEqual(await order(generator), ["1 child got a", "1 parent got b"]);
});

Deno.test("effection: halt() throws the error a halted task's cleanup raised (pinned)", async () => {
  const story = await tell(effection, function* (note) {
    const child = yield* spawn(function* child() {
      try {
        yield* suspend();
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new Error("cleanup failed");
      }
    });
    yield* sleep(5);
    try {
      yield* child.halt();
    } catch (error) {
      note(`halt threw ${(error as Error).message}; ${child}`);
    }
  });
  // Effection's `halt()` reports teardown errors to its caller; the
  // `generator` runtime's halt returns and the parent fails instead.
  deepEqual(story.notes, ["5 halt threw cleanup failed; Task#1 child (failed)"]);
  equal(story.outcome, "ok undefined");
});

Deno.test("effection: twelve virtual hours pass at once, and the countdown's 12 lines equal generator's", async () => {
  const clock = virtualClock();
  await effection.run(() => sleep(12 * 60 * 60 * 1000), { clock });
  equal(clock.now(), 43_200_000);
  for (const blocking of [false, true]) {
    const lines: Record<string, string[]> = {};
    for (const runtime of [effection, generator]) {
      const out: string[] = [];
      await runtime.run(() => countdownMain({ blocking }), {
        clock: virtualClock(),
        output: (line) => out.push(line),
      });
      lines[runtime.name] = out;
    }
    equal(lines.effection.length, 12);
    deepEqual(lines.effection, lines.generator);
  }
});

Deno.test("effection: a timeout's trace shows the caller's wait alone, not the joins of its contenders", async () => {
  const inTime = () =>
    timeout(
      100,
      (function* () {
        yield* sleep(10);
        return "in time";
      })(),
    );
  const rootEvents = (story: Story) =>
    story.events.filter((event) => event.parentId === undefined).map((event) =>
      `${event.time} ${event.type}${event.reason ? ` ${event.reason}` : ""}`
    );
  const story = await tell(effection, inTime);
  equal(story.outcome, "ok in time");
  // The combinator's own joins of its operation and its timer, which a halt
  // makes wait under Effection, are its business: the caller waits on the
  // timeout (and, inside it, on the contest's queue). Under generator a
  // timeout is a deadline frame running the operation itself, so what the
  // caller waits on inside it is the operation's own sleep.
  const expected = (inside: string) => [
    "0 spawn",
    "0 start",
    "0 suspend timeout 100",
    `0 suspend ${inside}`,
    "10 wake",
    "10 wake",
    "10 return",
  ];
  deepEqual(rootEvents(story), expected("take"));
  deepEqual(rootEvents(await tell(generator, inTime)), expected("sleep 10"));
});
