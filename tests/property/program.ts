/**
 * Random programs for property tests: a small language of steps (spawn,
 * sleep, throw, halt, timeout, race, all, ensure, queue put and get), a
 * fast-check arbitrary that generates them with bounded depth and width, and
 * an interpreter that runs one under any runtime while recording what a
 * property needs: which tasks started, how often each one's cleanup ran,
 * every error the program threw, and the program's own output. Hostile
 * programs throw any kind of value (see {@link thrownKinds}), from bodies
 * and from cleanups.
 *
 * @module
 */

import fc from "fast-check";
import { createQueue } from "../../runtimes/queue.ts";
import {
  all,
  ensure,
  log,
  moveOnAfter,
  race,
  sleep,
  spawn,
  timeout,
} from "../../runtimes/verbs.ts";
import type { Operation, Queue, Task } from "../../runtimes/types.ts";

/** One step of a program. */
export type Step =
  | { op: "sleep"; ms: number }
  | { op: "log" }
  | { op: "spawn"; body: Step[]; join: boolean }
  | { op: "throw"; value?: ThrownKind }
  | { op: "halt" }
  | { op: "timeout"; ms: number; body: Step[] }
  | { op: "race"; branches: Step[][] }
  | { op: "all"; branches: Step[][] }
  | { op: "ensure"; throws?: ThrownKind }
  | { op: "put" }
  | { op: "get"; ms: number };

const durations = fc.constantFrom(0, 1, 2, 5, 10);

/**
 * What a hostile program throws: an `Error`, or any other value, among them
 * values that make whoever describes, compares or reports them throw.
 */
export const thrownKinds = [
  "error",
  "string",
  "number",
  "undefined",
  "null",
  "symbol",
  "null-prototype",
  "throwing-getters",
  "throwing-toString",
  "throwing-toPrimitive",
  "error-with-throwing-getters",
  "proxy",
  "error-proxy",
  "revoked-proxy",
  "aggregate",
  "cyclic-cause",
] as const;

/** One kind of thrown value. */
export type ThrownKind = (typeof thrownKinds)[number];

/** A function that throws `Error("<marker> <what>")`. */
function failing(marker: string, what: string): () => never {
  return () => {
    throw new Error(`${marker} ${what}`);
  };
}

/** A Proxy handler whose every trap throws `Error("<marker> trap")`. */
function everyTrapThrows(marker: string): ProxyHandler<object> {
  const fail = failing(marker, "trap");
  return {
    get: fail,
    set: fail,
    has: fail,
    apply: fail,
    construct: fail,
    ownKeys: fail,
    defineProperty: fail,
    deleteProperty: fail,
    getPrototypeOf: fail,
    setPrototypeOf: fail,
    isExtensible: fail,
    preventExtensions: fail,
    getOwnPropertyDescriptor: fail,
  };
}

/** Properties that each throw `Error("<marker> getter")` when read. */
function throwingGetters(marker: string, names: string[]): PropertyDescriptorMap {
  const fail = failing(marker, "getter");
  return Object.fromEntries(names.map((name) => [name, { get: fail, configurable: true }]));
}

/** A new value of `kind`, carrying `marker` (`E7`) where it can. */
export function thrownValue(kind: ThrownKind, marker: string): unknown {
  switch (kind) {
    case "error":
      return new Error(marker);
    case "string":
      return marker;
    case "number":
      return Number(marker.slice(1));
    case "undefined":
      return undefined;
    case "null":
      return null;
    case "symbol":
      return Symbol(marker);
    case "null-prototype":
      return Object.assign(Object.create(null), { marker });
    case "throwing-getters":
      return Object.create(null, throwingGetters(marker, ["toString", "message", "stack", "name"]));
    case "throwing-toString":
      return { marker, toString: failing(marker, "toString") };
    case "throwing-toPrimitive":
      return {
        [Symbol.toPrimitive]: () => {
          throw marker;
        },
      };
    case "error-with-throwing-getters":
      return Object.defineProperties(
        new Error(marker),
        throwingGetters(marker, ["name", "message"]),
      );
    case "proxy":
      return new Proxy({}, everyTrapThrows(marker));
    case "error-proxy":
      return new Proxy(new Error(marker), everyTrapThrows(marker));
    case "revoked-proxy": {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case "aggregate":
      return new AggregateError(
        [new Proxy({}, everyTrapThrows(marker)), Symbol(marker), Object.create(null)],
        marker,
      );
    case "cyclic-cause": {
      const error = new Error(marker);
      error.cause = error;
      return error;
    }
  }
}

/**
 * The steps that contain no other steps; calm programs neither throw nor
 * halt; hostile ones throw any kind of value, from bodies and cleanups.
 */
function leaves(calm: boolean, hostile: boolean): fc.Arbitrary<Step> {
  const kinds = fc.constantFrom(...thrownKinds);
  const steps: fc.Arbitrary<Step>[] = [
    fc.record({ op: fc.constant("sleep" as const), ms: durations }),
    fc.record({ op: fc.constant("log" as const) }),
    hostile
      ? fc.record({
        op: fc.constant("ensure" as const),
        throws: fc.option(kinds, { nil: undefined }),
      })
      : fc.record({ op: fc.constant("ensure" as const) }),
    fc.record({ op: fc.constant("put" as const) }),
    fc.record({ op: fc.constant("get" as const), ms: durations }),
  ];
  if (!calm) {
    steps.push(
      hostile
        ? fc.record({ op: fc.constant("throw" as const), value: kinds })
        : fc.record({ op: fc.constant("throw" as const) }),
      fc.record({ op: fc.constant("halt" as const) }),
    );
  }
  return fc.oneof(...steps);
}

/**
 * Programs of at most `depth` nested levels and `width` steps a level.
 * Calm programs never throw, halt or race, and join every task they spawn:
 * every runtime must make the same of them. Hostile programs throw values
 * of every kind in {@link thrownKinds}.
 */
export function programs(
  { depth = 3, width = 5, calm = false, hostile = false } = {},
): fc.Arbitrary<Step[]> {
  const { steps } = fc.letrec<{ steps: Step[]; step: Step }>((tie) => ({
    steps: fc.array(tie("step"), { minLength: 1, maxLength: width }),
    step: fc.oneof(
      // Past the depth limit fast-check takes the first branch: leaves only.
      { maxDepth: depth, depthIdentifier: "program", withCrossShrink: true },
      { arbitrary: leaves(calm, hostile), weight: 4 },
      {
        arbitrary: fc.record({
          op: fc.constant("spawn" as const),
          body: tie("steps"),
          join: calm ? fc.constant(true) : fc.boolean(),
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          op: fc.constant("timeout" as const),
          ms: durations,
          body: tie("steps"),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          op: fc.constant("race" as const),
          branches: fc.array(tie("steps"), { minLength: 1, maxLength: 3 }),
        }),
        weight: calm ? 0 : 1,
      },
      {
        arbitrary: fc.record({
          op: fc.constant("all" as const),
          branches: fc.array(tie("steps"), { maxLength: 3 }),
        }),
        weight: 1,
      },
    ),
  }));
  return steps;
}

/** What a run of a program recorded. */
export class Recording {
  /** The program's task ids, in the order they started. */
  readonly started: number[] = [];
  /** How many times each task's cleanup ran. */
  readonly cleanups = new Map<number, number>();
  /** Every error the program threw: its marker (`E7`), the value, and the program task that threw it. */
  readonly thrown: { message: string; value: unknown; task: number }[] = [];
  /** `(time, line)` pairs of the program's own output. */
  readonly output: string[] = [];
  readonly queue: Queue<number> = createQueue<number>();
  /** Each spawn step's task id, by its place in the program (the root is 0). */
  readonly #taskIds = new Map<Step, number>();
  #nextError = 1;

  constructor(readonly now: () => number, program: Step[]) {
    let next = 1;
    const number = (steps: Step[]): void => {
      for (const step of steps) {
        if (step.op === "spawn") {
          this.#taskIds.set(step, next++);
          number(step.body);
        } else if (step.op === "timeout") number(step.body);
        else if (step.op === "race" || step.op === "all") step.branches.forEach(number);
      }
    };
    number(program);
  }

  taskIdOf(step: Step): number {
    return this.#taskIds.get(step)!;
  }

  /** A new value to throw from program task `task`: an `Error`, unless `kind` says otherwise. */
  newError(task: number, kind: ThrownKind = "error"): unknown {
    const message = `E${this.#nextError++}`;
    const value = thrownValue(kind, message);
    this.thrown.push({ message, value, task });
    return value;
  }
}

/** Run `steps` as the body of program task `id`: its value, its cleanup counted. */
export function* taskBody(steps: Step[], recording: Recording, id: number): Operation<number> {
  recording.started.push(id);
  try {
    return yield* runSteps(steps, recording, id);
  } finally {
    recording.cleanups.set(id, (recording.cleanups.get(id) ?? 0) + 1);
  }
}

/**
 * Run `steps` inside task `id`. The answer sums the ids of what it joined,
 * so that runs which joined the same tasks answer the same value.
 */
function* runSteps(steps: Step[], recording: Recording, id: number): Operation<number> {
  let sum = 0;
  let last: Task<number> | undefined;
  const joins: Task<number>[] = [];
  for (const step of steps) {
    switch (step.op) {
      case "sleep":
        yield* sleep(step.ms);
        break;
      case "log":
        yield* log(`task ${id} logs`);
        break;
      case "spawn": {
        const child = recording.taskIdOf(step);
        last = yield* spawn(() => taskBody(step.body, recording, child), { name: `p${child}` });
        if (step.join) joins.push(last);
        sum += child;
        break;
      }
      case "throw":
        throw recording.newError(id, step.value);
      case "halt":
        if (last) yield* last.halt();
        break;
      case "timeout":
        sum += yield* timeout(step.ms, runSteps(step.body, recording, id));
        break;
      case "race":
        sum += yield* race(step.branches.map((branch) => runSteps(branch, recording, id)));
        break;
      case "all":
        for (
          const value of yield* all(step.branches.map((branch) => runSteps(branch, recording, id)))
        ) sum += value;
        break;
      case "ensure":
        yield* ensure(() => {
          recording.output.push(`${recording.now()} ensure ${id}`);
          if (step.throws) throw recording.newError(id, step.throws);
        });
        break;
      case "put":
        recording.queue.put(id);
        break;
      case "get":
        sum += (yield* moveOnAfter(step.ms, recording.queue.get())) ?? 0;
        break;
    }
  }
  for (const task of joins) sum += yield* task;
  return sum;
}
