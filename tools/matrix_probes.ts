/**
 * The probes of the semantics matrix: small programs, each asking one
 * question of a runtime, and a classifier that turns what actually happened
 * (the notes a probe took, stamped with virtual time, the run's outcome, its
 * trace and its stderr) into a short phrase. No phrase is typed per runtime:
 * a runtime added to the registry gets its column by being run.
 *
 * @module
 */

import { describeError, isInstance } from "../runtimes/errors.ts";
import { createLock, type Lock } from "../runtimes/sync.ts";
import { block, ensure, race, scope, sleep, spawn, suspend, timeout } from "../runtimes/verbs.ts";
import type { Clock, Operation, TraceEvent } from "../runtimes/types.ts";
import type { TaskCounts } from "./compare.ts";

/** What a probe's program can use. */
export interface ProbeContext {
  /** Record `<virtual ms> <text>`. */
  note(text: string): void;
  /** The run's clock. */
  clock: Clock;
  /** Abort the run's `signal` at `ms` on the clock, as Ctrl-C would. */
  interruptAt(ms: number): void;
}

/** What happened when a probe ran. */
export interface ProbeRun {
  /** `<virtual ms> <text>`, in order. */
  notes: string[];
  /** `ok`, or `error <Name>: <message>` (an AggregateError lists its errors). */
  outcome: string;
  /** `none`, or the names alone of what the run failed with (`nameOf`). */
  failure: string;
  /** Virtual time when the run settled. */
  endedAt: number;
  events: TraceEvent[];
  stderr: string[];
  counts: TaskCounts;
}

/** One question asked of every runtime. */
export interface Probe {
  /** The probe's name in the oracle (`oracle/probes/<id>.py`). */
  id: string;
  /** The matrix row: the behaviour probed. */
  behaviour: string;
  program(context: ProbeContext): Operation<unknown>;
  /** The cell: a short phrase computed from the run. */
  classify(run: ProbeRun): string;
}

/** The name of an error: `Cancelled`, `AbortError`, `TimeoutError`... */
export function nameOf(error: unknown): string {
  try {
    if (isInstance(error, AggregateError)) {
      return `AggregateError [${
        Array.from(error.errors, (each) => each === error ? "itself" : nameOf(each))
      }]`;
    }
    if (isInstance(error, Error) || isInstance(error, DOMException)) return String(error.name);
  } catch {
    // A name or list of errors that cannot be read: described whole.
  }
  return describeError(error);
}

/** The virtual time of the first note whose text starts with `prefix`. */
function timeOf(run: ProbeRun, prefix: string): number | undefined {
  const found = run.notes.find((line) => line.slice(line.indexOf(" ") + 1).startsWith(prefix));
  return found === undefined ? undefined : Number(found.slice(0, found.indexOf(" ")));
}

/** The rest of the first note starting with `prefix`. */
function textAfter(run: ProbeRun, prefix: string): string | undefined {
  const found = run.notes.find((line) => line.slice(line.indexOf(" ") + 1).startsWith(prefix));
  return found?.slice(found.indexOf(" ") + 1 + prefix.length).trim();
}

/** `fails with X` or `succeeds`, for the run as a whole. */
function runEnd(run: ProbeRun): string {
  return run.outcome === "ok" ? "the run succeeds" : `the run fails with ${run.outcome.slice(6)}`;
}

/** A child that sleeps 10 ms, noting when it is done and when its cleanup runs. */
function* sleeper(note: (text: string) => void): Operation<void> {
  try {
    yield* sleep(10);
    note("child done");
  } finally {
    note("child cleanup");
  }
}

/**
 * What became of a child (see `sleeper`) once the code that spawned it ended
 * at `endedAt`: waited for, detached, halted with its cleanup, or stopped.
 */
function childFate(
  run: ProbeRun,
  endedAt: number | undefined,
  waits: string,
  halts: string,
): string {
  const done = timeOf(run, "child done");
  const cleanup = timeOf(run, "child cleanup");
  if (done !== undefined && endedAt !== undefined && endedAt >= done) return waits;
  if (done !== undefined) return `the child runs on, detached (done at ${done} ms)`;
  if (cleanup !== undefined) return halts;
  return "the child is stopped where it waits, its cleanup not run";
}

/** A task that takes `lock`, notes that it holds it, and waits 1 ms before letting go. */
function* holder(note: (text: string) => void, lock: Lock, name: string): Operation<void> {
  yield* lock.hold(function* () {
    note(`${name} holds the lock`);
    yield* sleep(1);
  });
}

/** The probes, in the order of the matrix rows. */
export const probes: Probe[] = [
  {
    id: "child_outlives_body",
    behaviour: "a task's body returns while a child still runs",
    *program({ note }) {
      const parent = yield* spawn(function* parent() {
        yield* spawn(() => sleeper(note), { name: "child" });
        yield* sleep(1);
      });
      yield* parent;
      note("parent joined");
      yield* sleep(20);
    },
    classify: (run) =>
      childFate(
        run,
        timeOf(run, "parent joined"),
        "the task waits for the child",
        "the child is halted, its cleanup runs",
      ),
  },
  {
    id: "leftovers_at_end",
    behaviour: "tasks still running when the run ends",
    *program({ note }) {
      yield* spawn(() => sleeper(note), { name: "child" });
      yield* sleep(1);
      note("root returns");
    },
    classify(run) {
      const fate = childFate(
        run,
        run.endedAt,
        "the run waits for them",
        "halted, their cleanup runs",
      );
      const orphans = run.counts.orphans;
      if (orphans === 0) return fate;
      return `${orphans} orphan${orphans === 1 ? "" : "s"} stopped where ${
        orphans === 1 ? "it was" : "they were"
      }, cleanup not run${run.stderr.length > 0 ? "; said on stderr" : ""}`;
    },
  },
  {
    id: "scope_exit",
    behaviour: "`scope(body)` on exit",
    *program({ note }) {
      yield* scope(function* (handle) {
        handle.spawn(() => sleeper(note), { name: "child" });
        yield* sleep(1);
      });
      note("scope returned");
      yield* sleep(20);
    },
    classify: (run) =>
      childFate(
        run,
        timeOf(run, "scope returned"),
        "waits for every child",
        "halts every child still running",
      ),
  },
  {
    id: "child_throws_unjoined",
    behaviour: "a child throws, unjoined",
    *program({ note }) {
      yield* spawn(function* child() {
        yield* sleep(5);
        throw new Error("boom");
      });
      try {
        yield* sleep(10);
        note("parent slept on");
      } catch (error) {
        note(`parent's catch saw ${nameOf(error)}`);
        throw error;
      }
    },
    classify(run) {
      const parts = [];
      const saw = textAfter(run, "parent's catch saw");
      if (timeOf(run, "parent slept on") !== undefined) parts.push("the parent runs on");
      else parts.push(`the parent is stopped${saw ? ` (its catch sees ${saw})` : ""}`);
      if (run.stderr.some((line) => line.includes("boom"))) parts.push("reported on stderr");
      parts.push(runEnd(run));
      return parts.join("; ");
    },
  },
  {
    id: "join_failed",
    behaviour: "joining a task that failed",
    *program({ note }) {
      const child = yield* spawn(function* child() {
        yield* sleep(5);
        throw new Error("boom");
      });
      try {
        yield* child;
      } catch (error) {
        note(`joiner caught ${nameOf(error)}`);
      }
      yield* sleep(1);
      note("parent went on");
    },
    classify(run) {
      const caught = textAfter(run, "joiner caught");
      const joiner = caught ? `the joiner catches ${caught}` : "the joiner catches nothing";
      return timeOf(run, "parent went on") !== undefined
        ? `${joiner}; the parent goes on`
        : `${joiner}; the parent fails too (${run.outcome.slice(6)})`;
    },
  },
  {
    id: "cancel_catch",
    behaviour: "cancelled while sleeping: what `catch` sees",
    *program({ note }) {
      const worker = yield* spawn(function* worker() {
        try {
          yield* sleep(100);
        } catch (error) {
          note(`catch saw ${nameOf(error)}`);
          throw error;
        } finally {
          note("finally ran");
        }
      });
      yield* sleep(5);
      yield* worker.halt();
    },
    classify(run) {
      const saw = textAfter(run, "catch saw");
      const fin = timeOf(run, "finally ran") !== undefined ? "`finally` runs" : "`finally` skipped";
      return saw ? `\`catch\` sees ${saw}; ${fin}` : `\`catch\` never runs; ${fin}`;
    },
  },
  {
    id: "cleanup_wait",
    behaviour: "a wait in cleanup after cancellation (level or edge)",
    *program({ note }) {
      const worker = yield* spawn(function* worker() {
        try {
          yield* sleep(100);
        } finally {
          try {
            yield* sleep(5);
            note("cleanup sleep completed");
          } catch (error) {
            note(`cleanup sleep threw ${nameOf(error)}`);
          }
        }
      });
      yield* sleep(5);
      yield* worker.halt();
    },
    classify(run) {
      const threw = textAfter(run, "cleanup sleep threw");
      if (threw) return `level-triggered: the next wait throws ${threw} again`;
      if (timeOf(run, "cleanup sleep completed") !== undefined) {
        return "the wait runs normally (cancellation is delivered once)";
      }
      return "the cleanup is abandoned at its wait";
    },
  },
  {
    id: "delegated_finally",
    behaviour: "async work in the `finally` of a delegated `yield*` during a halt (#1190)",
    *program({ note }) {
      function* helper(): Operation<void> {
        try {
          yield* suspend();
        } finally {
          yield* sleep(5);
          note("helper cleanup done");
        }
      }
      const caller = yield* spawn(function* caller() {
        yield* helper();
        note("caller resumed after its yield*");
      });
      yield* sleep(10);
      yield* caller.halt();
      note(`halt returned, caller ${caller.state}`);
    },
    classify(run) {
      const done = timeOf(run, "helper cleanup done");
      const cleanup = done === undefined ? "the cleanup is cut short" : "the cleanup runs";
      if (timeOf(run, "caller resumed") !== undefined) {
        return `${cleanup}, then the caller's code after its \`yield*\` resumes`;
      }
      return `${cleanup}; the halt goes on to the caller`;
    },
  },
  {
    id: "ensure_during_halt",
    behaviour: "async cleanup in `ensure` during a halt",
    *program({ note }) {
      const worker = yield* spawn(function* worker() {
        yield* ensure(function* () {
          yield* sleep(5);
          note("ensure cleanup done");
        });
        yield* suspend();
      });
      yield* sleep(10);
      yield* worker.halt();
      note("halt returned");
    },
    classify(run) {
      const done = timeOf(run, "ensure cleanup done");
      const halted = timeOf(run, "halt returned");
      if (done === undefined) return "the cleanup is cut short";
      return halted !== undefined && halted >= done
        ? "the cleanup runs to the end; the halt waits for it"
        : "the cleanup runs after the halt returned";
    },
  },
  {
    id: "race_losers",
    behaviour: "`race`: the losers' cleanup",
    *program({ note }) {
      function* loser(): Operation<string> {
        try {
          yield* sleep(100);
          return "slow";
        } catch (error) {
          note(`loser's catch saw ${nameOf(error)}`);
          throw error;
        } finally {
          note("loser cleanup");
        }
      }
      const winner = yield* race([
        (function* () {
          yield* sleep(5);
          return "fast";
        })(),
        loser(),
      ]);
      note(`race returned ${winner}`);
    },
    classify(run) {
      const cleanup = run.notes.findIndex((line) => line.endsWith("loser cleanup"));
      const returned = run.notes.findIndex((line) => line.includes("race returned"));
      const saw = textAfter(run, "loser's catch saw");
      const order = cleanup === -1
        ? "the loser's cleanup never runs"
        : cleanup < returned
        ? "the loser is cleaned up before `race` returns"
        : "`race` returns before the loser's cleanup";
      return saw ? `${order} (its catch sees ${saw})` : order;
    },
  },
  {
    id: "nested_timeouts",
    behaviour: "nested timeouts expiring together",
    *program({ note }) {
      try {
        yield* timeout(
          10,
          (function* () {
            try {
              yield* timeout(10, sleep(20));
            } catch (error) {
              note(`inner caught ${nameOf(error)}`);
              throw error;
            }
          })(),
        );
      } catch (error) {
        note(`outer caught ${nameOf(error)}`);
      }
    },
    classify(run) {
      const inner = textAfter(run, "inner caught");
      const outer = textAfter(run, "outer caught") ?? "nothing";
      if (inner === "TimeoutError") return `the inner one fires; the caller sees ${outer}`;
      return `the outer one wins${
        inner ? ` (the inner sees ${inner})` : ""
      }; the caller sees ${outer}`;
    },
  },
  {
    id: "cpu_bound",
    behaviour: "a CPU-bound step (10 ms) beside a 1 ms sleep",
    *program({ note }) {
      const sleeper = yield* spawn(function* sleeper() {
        yield* sleep(1);
        note("sleeper woke");
      });
      const worker = yield* spawn(() => block(10), { name: "cpu" });
      yield* worker;
      yield* sleeper;
    },
    classify(run) {
      const woke = timeOf(run, "sleeper woke");
      return woke !== undefined && woke >= 10
        ? `blocks every task (the 1 ms sleep wakes at ${woke} ms)`
        : `other tasks run meanwhile (the sleep wakes at ${woke} ms)`;
    },
  },
  {
    id: "spawn_order",
    behaviour: "scheduling: who runs first after two spawns",
    *program({ note }) {
      const a = yield* spawn(function* a() {
        note("child a");
      });
      const b = yield* spawn(function* b() {
        note("child b");
      });
      note("parent");
      yield* a;
      yield* b;
    },
    classify: (run) =>
      run.notes.map((line) => line.slice(line.indexOf(" ") + 1)).join(", ") ||
      "nobody",
  },
  {
    id: "ctrl_c_during_cleanup",
    behaviour: "Ctrl-C (the run's signal) while a halted task's async cleanup runs",
    *program({ note, interruptAt }) {
      const worker = yield* spawn(function* worker() {
        yield* ensure(function* () {
          yield* sleep(10);
          note("cleanup done");
        });
        yield* suspend();
      });
      yield* sleep(5);
      interruptAt(8);
      yield* worker.halt();
      note("halt returned");
      yield* sleep(100);
    },
    classify(run) {
      const done = timeOf(run, "cleanup done");
      const cleanup = done !== undefined
        ? `the cleanup finishes (at ${done} ms)`
        : run.counts.orphans > 0
        ? "the wait for the halt is interrupted; the cleanup is abandoned unfinished"
        : "the cleanup is cut short";
      const end = run.outcome === "ok"
        ? "the run succeeds"
        : `the run rejects with ${run.failure} at ${run.endedAt} ms`;
      return `${cleanup}; ${end}`;
    },
  },
  {
    id: "lock_handoff",
    behaviour: "a task handed a lock (`createLock`), then halted before it runs again",
    *program({ note }) {
      const lock = createLock();
      yield* lock.acquire();
      const first = yield* spawn(() => holder(note, lock, "first"), { name: "first" });
      yield* sleep(1); // so that `first` waits before `second`, under every schedule
      const second = yield* spawn(() => holder(note, lock, "second"), { name: "second" });
      yield* sleep(4);
      lock.release(); // hands the lock to `first`...
      yield* first.halt(); // ...halted before it could run again
      yield* second;
      note(`lock ${lock.locked ? "held" : "free"}`);
    },
    classify(run) {
      const second = timeOf(run, "second holds the lock") === undefined
        ? "; the next waiter never gets it"
        : "";
      return timeOf(run, "first holds the lock") !== undefined
        ? `it holds the lock until its next wait, then lets go${second}`
        : `it never holds the lock: the next waiter gets it${second}`;
    },
  },
];
