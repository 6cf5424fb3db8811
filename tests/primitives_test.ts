// The primitives (channel, each, lock, semaphore, event, resource) under
// every runtime in the registry, on a virtual clock: what they do, and what
// becomes of a task cancelled while it waits on one. One behaviour is the
// model's own and differs by runtime: a task handed a value (a lock, a
// channel's value) and cancelled before it could run again keeps it under
// `nursery`, as in trio, and gives it back elsewhere. That list is by name,
// so that a runtime added later gets the general expectation unless it is
// declared here.

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { ChannelClosedError, createChannel, each } from "../runtimes/channel.ts";
import { QueueClosedError } from "../runtimes/errors.ts";
import { createQueue } from "../runtimes/queue.ts";
import { runtimes } from "../runtimes/registry.ts";
import { createEvent, createLock, createSemaphore, resource } from "../runtimes/sync.ts";
import type { Operation } from "../runtimes/types.ts";
import { ensure, moveOnAfter, scope, sleep, spawn } from "../runtimes/verbs.ts";
import { tell } from "./harness.ts";

/**
 * The runtimes under which a task keeps what it was handed when cancelled
 * before it runs: `nursery`, where a cancellation waits for the task's next
 * checkpoint, as in trio; and `effect` (the runtime driven by the Effect
 * library), whose fiber, once resumed, runs on to its next wait before it
 * sees an interruption.
 */
const keepsWhatItWasHanded = new Set(["nursery", "effect"]);

/** The name of what was thrown, for a note. */
function nameOf(error: unknown): string {
  return error instanceof Error || error instanceof DOMException ? error.name : String(error);
}

for (const runtime of Object.values(runtimes)) {
  const name = runtime.name;
  const keeps = keepsWhatItWasHanded.has(name);

  // ---- channels

  Deno.test(`${name}: a channel of capacity 1 keeps its producer to the consumer's pace`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<number>({ capacity: 1 });
      const producer = yield* spawn(function* producer() {
        for (let n = 1; n <= 3; n++) {
          yield* channel.send(n);
          note(`sent ${n}`);
        }
        channel.close();
      });
      const numbers = each(channel);
      for (;;) {
        yield* sleep(10);
        if (!(yield* numbers.next())) break;
        note(`received ${numbers.value}`);
      }
      note("closed");
      yield* producer;
    });
    equal(story.outcome, "ok undefined");
    // 1 goes into the buffer; 2 waits until 1 is received, then takes its place.
    deepEqual(story.notes.filter((line) => line.includes("sent")), [
      "0 sent 1",
      "10 sent 2",
      "20 sent 3",
    ]);
    deepEqual(story.notes.filter((line) => !line.includes("sent")), [
      "10 received 1",
      "20 received 2",
      "30 received 3",
      "40 closed",
    ]);
  });

  Deno.test(`${name}: a channel of capacity 0 is a rendezvous: send returns once a receiver has the value`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<string>();
      equal(channel.capacity, 0);
      const sender = yield* spawn(function* sender() {
        yield* channel.send("a");
        note("a taken");
        yield* channel.send("b");
        note("b taken");
      });
      yield* sleep(5);
      equal(channel.size, 0, "a rendezvous holds nothing");
      note(`received ${yield* channel.receive()}`);
      yield* sleep(5);
      note(`received ${yield* channel.receive()}`);
      yield* sender;
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes.filter((line) => line.includes("received")), [
      "5 received a",
      "10 received b",
    ]);
    deepEqual(story.notes.filter((line) => line.includes("taken")), ["5 a taken", "10 b taken"]);
  });

  Deno.test(`${name}: closing a channel: the buffer drains, then each ends; waiting senders and later sends throw`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<number>({ capacity: 2 });
      yield* channel.send(1);
      yield* channel.send(2);
      const blocked = yield* spawn(function* blocked() {
        try {
          yield* channel.send(3);
          note("3 sent");
        } catch (error) {
          note(`send 3 threw ${nameOf(error)}`);
        }
      });
      yield* sleep(1);
      channel.close();
      channel.close(); // twice: nothing more
      yield* blocked;
      try {
        yield* channel.send(4);
      } catch (error) {
        note(`send 4 threw ${nameOf(error)}`);
      }
      const numbers = each(channel);
      while (yield* numbers.next()) note(`received ${numbers.value}`);
      equal(yield* numbers.next(), false, "a finished each stays finished");
      throws(() => numbers.value, /the source is closed and drained/);
      try {
        yield* channel.receive();
      } catch (error) {
        note(`receive threw ${nameOf(error)}`);
      }
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, [
      "1 send 3 threw ChannelClosedError",
      "1 send 4 threw ChannelClosedError",
      "1 received 1",
      "1 received 2",
      "1 receive threw ChannelClosedError",
    ]);
  });

  Deno.test(`${name}: receivers waiting when a channel closes end their each`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<number>();
      const readers = [];
      for (const reader of ["r1", "r2"]) {
        readers.push(
          yield* spawn(function* () {
            const values = each(channel);
            while (yield* values.next()) note(`${reader} received ${values.value}`);
            note(`${reader} done`);
          }, { name: reader }),
        );
      }
      yield* sleep(1);
      yield* channel.send(7);
      yield* sleep(1);
      channel.close();
      for (const reader of readers) yield* reader;
    });
    equal(story.outcome, "ok undefined");
    // r2 has waited since 0 ms, r1 only since it received 7: r2 is woken first.
    deepEqual(story.notes, ["1 r1 received 7", "2 r2 done", "2 r1 done"]);
  });

  Deno.test(`${name}: each reads a queue until it is closed`, async () => {
    const story = await tell(runtime, function* (note) {
      const queue = createQueue<string>();
      yield* spawn(function* producer() {
        for (const letter of ["x", "y"]) {
          yield* sleep(3);
          queue.put(letter);
        }
        queue.close();
      });
      const letters = each(queue);
      throws(() => letters.value, /read before `yield\* next\(\)` answered true/);
      while (yield* letters.next()) {
        if (letters.value === "x") continue; // the wait is in the condition: nothing skipped
        note(`got ${letters.value}`);
      }
      note("end");
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["6 got y", "6 end"]);
  });

  Deno.test(`${name}: a channel's waiting senders and receivers are served first come, first served`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<string>();
      const tasks = [];
      for (const who of ["a", "b", "c"]) {
        tasks.push(
          yield* spawn(function* () {
            yield* sleep(who.charCodeAt(0) - 96); // waits from 1, 2, 3 ms
            yield* channel.send(who);
          }, { name: `send ${who}` }),
        );
      }
      yield* sleep(5);
      for (let n = 0; n < 3; n++) note(`received ${yield* channel.receive()}`);
      for (const who of ["x", "y", "z"]) {
        tasks.push(
          yield* spawn(function* () {
            yield* sleep(who.charCodeAt(0) - 119); // waits from 1, 2, 3 ms later
            note(`${who} received ${yield* channel.receive()}`);
          }, { name: `receive ${who}` }),
        );
      }
      yield* sleep(5);
      for (const value of ["1", "2", "3"]) yield* channel.send(value);
      for (const task of tasks) yield* task;
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, [
      "5 received a",
      "5 received b",
      "5 received c",
      "10 x received 1",
      "10 y received 2",
      "10 z received 3",
    ]);
  });

  Deno.test(`${name}: a sender halted while the channel is full: its value is withdrawn, its cleanup runs`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<string>({ capacity: 1 });
      yield* channel.send("first");
      const stuck = yield* spawn(function* stuck() {
        try {
          yield* channel.send("withdrawn");
          note("sent withdrawn");
        } finally {
          note("stuck's cleanup");
        }
      });
      const next = yield* spawn(function* next() {
        yield* sleep(2);
        yield* channel.send("second");
        note("sent second");
      });
      yield* sleep(5);
      yield* stuck.halt();
      note(`stuck ${stuck.state}`);
      note(`received ${yield* channel.receive()}`);
      yield* sleep(1);
      note(`received ${yield* channel.receive()}`);
      yield* next;
      equal(channel.size, 0);
    });
    equal(story.outcome, "ok undefined");
    // `next` began waiting after `stuck`, and gets its place. (Which of the
    // two tasks notes first at 5 ms is each runtime's scheduling.)
    deepEqual(story.notes.filter((line) => !line.includes("sent")), [
      "5 stuck's cleanup",
      "5 stuck halted",
      "5 received first",
      "6 received second",
    ]);
    deepEqual(story.notes.filter((line) => line.includes("sent")), ["5 sent second"]);
  });

  Deno.test(`${name}: a receiver halted while it waits takes nothing; the next receiver gets the value`, async () => {
    const story = await tell(runtime, function* (note) {
      const channel = createChannel<number>();
      const gone = yield* spawn(function* gone() {
        note(`gone received ${yield* channel.receive()}`);
      });
      const stays = yield* spawn(function* stays() {
        note(`stays received ${yield* channel.receive()}`);
      });
      yield* sleep(1);
      yield* gone.halt();
      yield* channel.send(1);
      yield* stays;
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["1 stays received 1"]);
  });

  Deno.test(
    `${name}: a receiver handed a value and halted before it runs ${
      keeps ? "keeps the value, as in trio" : "gives it back to the next receiver"
    }`,
    async () => {
      const story = await tell(runtime, function* (note) {
        const channel = createChannel<number>();
        const handed = yield* spawn(function* handed() {
          try {
            note(`handed received ${yield* channel.receive()}`);
            yield* sleep(1);
            note("handed slept");
          } catch (error) {
            note(`handed caught ${nameOf(error)}`);
            throw error;
          }
        });
        const next = yield* spawn(function* next() {
          const value = yield* moveOnAfter(10, channel.receive());
          note(`next received ${value}`);
        });
        yield* sleep(1);
        yield* channel.send(1); // to `handed`, the oldest receiver
        yield* handed.halt(); // before it could run again
        note(`handed ${handed.state}`);
        yield* next;
        note(`size ${channel.size}`);
      });
      equal(story.outcome, "ok undefined");
      // What `catch` sees of a halt is each model's own (the README's matrix).
      deepEqual(
        story.notes.filter((line) => !line.includes("caught")),
        keeps
          ? ["1 handed received 1", "1 handed halted", "10 next received undefined", "10 size 0"]
          : ["1 handed halted", "1 next received 1", "1 size 0"],
      );
    },
  );

  Deno.test(
    `${name}: a sender whose value is taken as it is halted: the value is received once; the send ${
      keeps ? "returns" : "throws the halt"
    }`,
    async () => {
      const story = await tell(runtime, function* (note) {
        const channel = createChannel<string>();
        const sender = yield* spawn(function* sender() {
          try {
            yield* channel.send("v");
            note("send returned");
          } finally {
            note("sender's cleanup");
          }
        });
        yield* sleep(1);
        note(`received ${yield* channel.receive()}`); // wakes `sender`...
        yield* sender.halt(); // ...halted before it could run again
        channel.close();
        const rest = each(channel);
        note(`then ${(yield* rest.next()) ? `also ${rest.value}` : "nothing more"}`);
      });
      equal(story.outcome, "ok undefined");
      // Each task's notes apart: which notes first at 1 ms is each runtime's scheduling.
      const bySender = (line: string) => line.includes("send");
      deepEqual(story.notes.filter((line) => !bySender(line)), [
        "1 received v",
        "1 then nothing more",
      ]);
      deepEqual(
        story.notes.filter(bySender),
        keeps ? ["1 send returned", "1 sender's cleanup"] : ["1 sender's cleanup"],
      );
    },
  );

  // ---- locks and semaphores

  Deno.test(`${name}: a lock is served first come, first served`, async () => {
    const story = await tell(runtime, function* (note) {
      const lock = createLock();
      const tasks = [];
      for (const who of ["a", "b", "c", "d"]) {
        tasks.push(
          yield* spawn(function* () {
            yield* sleep(who.charCodeAt(0) - 96); // asks at 1, 2, 3, 4 ms
            yield* lock.hold(function* () {
              note(`${who} holds it`);
              yield* sleep(10);
            });
          }, { name: who }),
        );
      }
      for (const task of tasks) yield* task;
      equal(lock.locked, false);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["1 a holds it", "11 b holds it", "21 c holds it", "31 d holds it"]);
  });

  Deno.test(`${name}: a semaphore of 2 lets two in at a time, in the order they asked`, async () => {
    const story = await tell(runtime, function* (note) {
      const slots = createSemaphore(2);
      equal(slots.available, 2);
      const tasks = [];
      for (let n = 1; n <= 5; n++) {
        tasks.push(
          yield* spawn(function* () {
            yield* sleep(n);
            yield* slots.hold(function* () {
              note(`${n} in`);
              yield* sleep(10);
            });
          }, { name: `t${n}` }),
        );
      }
      yield* sleep(3);
      equal(slots.available, 0);
      for (const task of tasks) yield* task;
      equal(slots.available, 2);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["1 1 in", "2 2 in", "11 3 in", "12 4 in", "21 5 in"]);
  });

  Deno.test(`${name}: a task halted while it waits for a lock never holds it; the next waiter does`, async () => {
    const story = await tell(runtime, function* (note) {
      const lock = createLock();
      yield* lock.acquire();
      const waiting = yield* spawn(function* waiting() {
        try {
          yield* lock.hold(function* () {
            note("waiting holds it");
          });
        } finally {
          note("waiting's cleanup");
        }
      });
      const after = yield* spawn(function* after() {
        yield* lock.hold(function* () {
          note("after holds it");
        });
      });
      yield* sleep(5);
      yield* waiting.halt();
      lock.release();
      yield* after;
      note(`locked ${lock.locked}`);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["5 waiting's cleanup", "5 after holds it", "5 locked false"]);
  });

  Deno.test(`${name}: a task halted while it waits for a semaphore takes no token`, async () => {
    const story = await tell(runtime, function* (note) {
      const slots = createSemaphore(1);
      yield* slots.acquire();
      const waiting = yield* spawn(() => slots.acquire(), { name: "waiting" });
      yield* sleep(5);
      yield* waiting.halt();
      note(`available ${slots.available}`);
      slots.release();
      note(`available ${slots.available}`);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["5 available 0", "5 available 1"]);
  });

  Deno.test(
    `${name}: a task handed the lock and halted before it runs ${
      keeps
        ? "holds it until its next wait, as in trio"
        : "never holds it: it goes to the next waiter"
    }`,
    async () => {
      const story = await tell(runtime, function* (note) {
        const lock = createLock();
        yield* lock.acquire();
        const first = yield* spawn(function* first() {
          yield* lock.hold(function* () {
            note("first holds it");
            yield* sleep(1);
            note("first slept");
          });
        });
        const second = yield* spawn(function* second() {
          yield* lock.hold(function* () {
            note("second holds it");
          });
        });
        yield* sleep(5);
        lock.release(); // to `first`, the oldest waiter
        yield* first.halt(); // before it could run again
        yield* second;
        note(`locked ${lock.locked}`);
      });
      equal(story.outcome, "ok undefined");
      deepEqual(
        story.notes,
        keeps
          ? ["5 first holds it", "5 second holds it", "5 locked false"]
          : ["5 second holds it", "5 locked false"],
      );
    },
  );

  // ---- events

  Deno.test(`${name}: an event wakes every waiter once set; a later wait returns at once`, async () => {
    const story = await tell(runtime, function* (note) {
      const ready = createEvent();
      const waiters = [];
      for (const who of ["a", "b"]) {
        waiters.push(
          yield* spawn(function* () {
            yield* ready.wait();
            note(`${who} woke`);
          }, { name: who }),
        );
      }
      yield* sleep(7);
      equal(ready.isSet, false);
      ready.set();
      ready.set();
      for (const waiter of waiters) yield* waiter;
      yield* ready.wait();
      note(`set ${ready.isSet}`);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["7 a woke", "7 b woke", "7 set true"]);
  });

  Deno.test(`${name}: a task halted while it waits for an event stops there; the others still wake`, async () => {
    const story = await tell(runtime, function* (note) {
      const ready = createEvent();
      const gone = yield* spawn(function* gone() {
        try {
          yield* ready.wait();
          note("gone woke");
        } finally {
          note("gone's cleanup");
        }
      });
      const stays = yield* spawn(function* stays() {
        yield* ready.wait();
        note("stays woke");
      });
      yield* sleep(2);
      yield* gone.halt();
      yield* sleep(2);
      ready.set();
      yield* stays;
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["2 gone's cleanup", "4 stays woke"]);
  });

  Deno.test(
    `${name}: a task woken by an event and halted before it runs ${
      keeps ? "returns from its wait, and stops at the next" : "never returns from its wait"
    }`,
    async () => {
      const story = await tell(runtime, function* (note) {
        const ready = createEvent();
        const waiter = yield* spawn(function* waiter() {
          yield* ready.wait();
          note("wait returned");
          yield* sleep(1);
          note("slept");
        });
        yield* sleep(2);
        ready.set(); // wakes `waiter`...
        yield* waiter.halt(); // ...halted before it could run again
        note(`waiter ${waiter.state}`);
      });
      equal(story.outcome, "ok undefined");
      deepEqual(
        story.notes,
        keeps ? ["2 wait returned", "2 waiter halted"] : ["2 waiter halted"],
      );
    },
  );

  // ---- resources

  Deno.test(`${name}: a resource is released when its scope ends: returning, failing, halted`, async () => {
    const story = await tell(runtime, function* (note) {
      const acquire = (label: string): Operation<string> =>
        (function* () {
          yield* sleep(1);
          note(`acquired ${label}`);
          return label;
        })();
      const release = (label: string) => void note(`released ${label}`);
      // Returning: released as the scope ends, newest first.
      yield* scope(function* () {
        yield* resource(acquire("a"), release);
        yield* resource(() => acquire("b"), function* (label) {
          yield* sleep(1); // a release may wait
          release(label);
        });
        note("body done");
      });
      // Failing.
      try {
        yield* scope(function* () {
          yield* resource(acquire("c"), release);
          throw new Error("boom");
        });
      } catch (error) {
        note(`caught ${(error as Error).message}`);
      }
      // Halted, as a task.
      const task = yield* spawn(function* holder() {
        yield* resource(acquire("d"), release);
        yield* sleep(100);
        note("holder slept");
      });
      yield* sleep(5);
      yield* task.halt();
      note(`holder ${task.state}`);
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes.filter((line) => !line.startsWith("4 caught")), [
      "1 acquired a",
      "2 acquired b",
      "2 body done",
      "3 released b",
      "3 released a",
      "4 acquired c",
      "4 released c",
      "5 acquired d",
      "9 released d",
      "9 holder halted",
    ]);
    ok(story.notes.some((line) => /^4 caught .*boom/.test(line)), story.notes.join("\n"));
  });

  Deno.test(`${name}: a resource whose acquire is halted has nothing to release`, async () => {
    const story = await tell(runtime, function* (note) {
      const task = yield* spawn(function* holder() {
        yield* resource(sleep(100), () => note("released"));
      });
      yield* sleep(5);
      yield* task.halt();
      yield* ensure(() => note("run's cleanup"));
    });
    equal(story.outcome, "ok undefined");
    deepEqual(story.notes, ["5 run's cleanup"]);
  });
}

Deno.test("primitives: bad arguments are refused with the allowed values", () => {
  throws(() => createChannel({ capacity: -1 }), /capacity must be a whole number, 0 or more/);
  throws(() => createChannel({ capacity: 1.5 }), /capacity must be a whole number, 0 or more/);
  throws(() => createChannel({ capacity: "2" as unknown as number }), /capacity: "2" \}\)/);
  throws(() => createSemaphore(0), /count must be a whole number, 1 or more/);
  throws(() => createSemaphore(Symbol("n") as unknown as number), /createSemaphore\(Symbol\(n\)\)/);
  throws(() => createLock().release(), /release\(\) of a lock that nobody holds/);
  throws(() => createSemaphore(2).release(), /release\(\) of a semaphore that nobody holds/);
  match(new ChannelClosedError().message, /closed/);
  ok(!(new ChannelClosedError() instanceof QueueClosedError));
});

for (const runtime of Object.values(runtimes)) {
  Deno.test(`${runtime.name}: resource refuses what is not an operation, or a release that is not a function`, async () => {
    const refused = async (scenario: () => Operation<unknown>) =>
      (await tell(runtime, scenario)).outcome;
    match(
      await refused(() => resource(42 as unknown as Operation<number>, () => {})),
      /^error TypeError: resource\(acquire, release\): acquire must be an operation or a function that returns one, not 42$/,
    );
    match(
      await refused(() => resource(() => "x" as unknown as Operation<string>, () => {})),
      /acquire must be an operation .* not "x"$/,
    );
    match(
      await refused(() => resource(sleep(1), "close" as unknown as () => void)),
      /release must be a function of the value, not "close"$/,
    );
  });
}
