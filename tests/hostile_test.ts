// Any value can be thrown: hostile values (symbols, objects with a null
// prototype, proxies whose traps throw, revoked proxies, objects whose
// `toString` throws...) thrown from bodies, children and cleanups under
// every runtime. No run crashes, a hostile value ends a run as an `Error`
// would, every thrown value is reported at least once, and every path that
// describes one survives it. A property test on the virtual clock, and the
// reproduced cases as a user meets them: the lab runner in a subprocess, on
// both clocks.

import fc from "fast-check";
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { virtualClock } from "../runtimes/clock.ts";
import { describeError, errorMessage, hasText, isInstance } from "../runtimes/errors.ts";
import { runtimeNames, runtimes } from "../runtimes/registry.ts";
import { formatTraceEvent } from "../runtimes/trace_text.ts";
import type { Runtime, TraceEvent } from "../runtimes/types.ts";
import { captureRun, errorLine } from "../tools/compare.ts";
import { sleep } from "../runtimes/verbs.ts";
import { nameOf } from "../tools/matrix_probes.ts";
import { runDeno } from "./harness.ts";
import {
  programs,
  Recording,
  type Step,
  taskBody,
  thrownKinds,
  thrownValue,
} from "./property/program.ts";

const seed = Number(Deno.env.get("PROPERTY_SEED") ?? 20261204);
const numRuns = Number(Deno.env.get("HOSTILE_RUNS") ?? 500);

// ---------------------------------------------------------------------------
// The describer
// ---------------------------------------------------------------------------

Deno.test("describeError gives String's text for every value that has one", () => {
  equal(describeError(new Error("boom")), "Error: boom");
  equal(describeError(new TypeError("bad")), "TypeError: bad");
  equal(describeError("boom"), "boom");
  equal(describeError(42), "42");
  equal(describeError(undefined), "undefined");
  equal(describeError(null), "null");
  equal(describeError(Symbol("s")), "Symbol(s)");
  equal(describeError(7n), "7");
  equal(describeError({}), "[object Object]");
});

Deno.test("describeError describes values without text by what they are and why", () => {
  equal(
    describeError(Object.create(null)),
    "an object with a null prototype that cannot be turned into text " +
      "(TypeError: Cannot convert object to primitive value)",
  );
  equal(
    describeError(thrownValue("throwing-getters", "E1")),
    "an object with a null prototype that cannot be turned into text (Error: E1 getter)",
  );
  equal(
    describeError(thrownValue("proxy", "E2")),
    "an object that cannot be turned into text (Error: E2 trap)",
  );
  equal(
    describeError(thrownValue("error-with-throwing-getters", "E3")),
    "an Error that cannot be turned into text (Error: E3 getter)",
  );
  match(describeError(thrownValue("revoked-proxy", "E4")), /^an object .*revoked/);
  // What the failed conversion threw is itself hostile: described in turn, then given up on.
  equal(
    describeError({
      toString() {
        throw thrownValue("proxy", "E5");
      },
    }),
    "an Object that cannot be turned into text " +
      "(an object that cannot be turned into text (Error: E5 trap))",
  );
  let depth = 0;
  const bottomless = (): object => ({
    toString() {
      depth++;
      throw bottomless();
    },
  });
  match(describeError(bottomless()), /and so did the error/);
  ok(depth <= 3, `described ${depth} levels deep`);
});

Deno.test("every describer survives every kind of thrown value", () => {
  for (const kind of thrownKinds) {
    const value = thrownValue(kind, "E1");
    for (
      const [name, describe] of [
        ["describeError", describeError],
        ["errorMessage", errorMessage],
        ["errorLine", errorLine],
        ["nameOf", nameOf],
      ] as const
    ) {
      const text = describe(value);
      ok(typeof text === "string" && text.length > 0, `${name} of ${kind}: ${String(text)}`);
    }
    equal(typeof hasText(value), "boolean");
    const errors = ["error", "error-with-throwing-getters", "aggregate", "cyclic-cause"];
    equal(isInstance(value, Error), errors.includes(kind), kind);
    const line = formatTraceEvent({
      type: "throw",
      time: 0,
      taskId: 1,
      parentId: undefined,
      name: "t",
      error: value,
    });
    ok(line.includes("throw"), line);
  }
});

Deno.test("errorLine opens an AggregateError once, even one that contains itself", () => {
  const aggregate = new AggregateError([new Error("a")], "outer");
  aggregate.errors.push(aggregate, thrownValue("proxy", "E1"));
  equal(
    errorLine(aggregate),
    "AggregateError [Error: a, AggregateError: outer, " +
      "an object that cannot be turned into text (Error: E1 trap)]",
  );
});

Deno.test("compare's capture of stderr survives a value Deno's console cannot show", async () => {
  const revoked = thrownValue("revoked-proxy", "E1");
  const run = await captureRun(runtimes.generator, function* () {
    console.error("the lab reports", revoked);
    yield* sleep(1);
  }, { clock: virtualClock() });
  equal(run.outcome, "ok");
  match(
    run.stderr.join("\n"),
    /^the lab reports an object that cannot be turned into text .*revoked/,
  );
});

// ---------------------------------------------------------------------------
// What the effection adapter works around, pinned as the library behaves
// today: if a new version changes it, these fail and the adapter's comments
// and the README must change with it.
// ---------------------------------------------------------------------------

Deno.test("effection 4.1.1 itself: a thrown object with no text is lost, the run answers undefined (pinned)", async () => {
  const { run } = await import("effection");
  equal(
    await run(function* () {
      throw Object.create(null);
    }),
    undefined,
  );
});

Deno.test("effection 4.1.1 itself: of two cleanups that throw, the error of the one run first is dropped (pinned)", async () => {
  const { ensure, run } = await import("effection");
  const thrown = await run(function* () {
    yield* ensure(() => {
      throw new Error("registered first, run last");
    });
    yield* ensure(() => {
      throw new Error("registered second, run first");
    });
  }).then(() => undefined, (error) => error);
  equal(errorMessage(thrown), "registered first, run last");
});

// ---------------------------------------------------------------------------
// Every runtime, every kind of value, thrown from random programs
// ---------------------------------------------------------------------------

/** What one run of a program left behind. */
interface HostileRun {
  recording: Recording;
  events: TraceEvent[];
  settled: PromiseSettledResult<unknown>;
  /** The arguments of every `console.error` call, as given. */
  reports: unknown[][];
}

async function runHostile(runtime: Runtime, program: Step[]): Promise<HostileRun> {
  const clock = virtualClock();
  const recording = new Recording(() => clock.now(), program);
  const events: TraceEvent[] = [];
  const reports: unknown[][] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    reports.push(args);
    // Formatted as Deno's console does, which throws for a revoked Proxy.
    for (const arg of args) if (typeof arg !== "string") Deno.inspect(arg);
  };
  try {
    const [settled] = await Promise.allSettled([
      runtime.run(function* main() {
        return yield* taskBody(program, recording, 0);
      }, {
        clock,
        tracer: (event) => void events.push(event),
        output: (line) => void recording.output.push(line),
      }),
    ]);
    // Orphans' last steps (native) are microtasks: let them report.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { recording, events: [...events], settled, reports };
  } finally {
    console.error = consoleError;
  }
}

/** Every value a run let be seen: its failure, its trace's errors, its reports; AggregateErrors opened. */
function surfaced(run: HostileRun): Set<unknown> {
  const seen = new Set<unknown>();
  const add = (value: unknown): void => {
    if (seen.has(value)) return;
    seen.add(value);
    if (isInstance(value, AggregateError)) {
      for (const each of value.errors) add(each);
    }
  };
  if (run.settled.status === "rejected") add(run.settled.reason);
  for (const event of run.events) if (event.type === "throw") add(event.error);
  for (const args of run.reports) for (const arg of args) add(arg);
  return seen;
}

/** The same program, throwing a plain `Error` wherever it threw something else. */
function withErrorsOnly(steps: Step[]): Step[] {
  return steps.map((step): Step => {
    switch (step.op) {
      case "throw":
        return { op: "throw", value: "error" };
      case "ensure":
        return step.throws ? { op: "ensure", throws: "error" } : step;
      case "spawn":
        return { ...step, body: withErrorsOnly(step.body) };
      case "timeout":
        return { ...step, body: withErrorsOnly(step.body) };
      case "race":
      case "all":
        return { ...step, branches: step.branches.map(withErrorsOnly) };
      default:
        return step;
    }
  });
}

/** A trace without the errors' texts: what happened, to which task, and why it waited. */
function skeleton(events: readonly TraceEvent[]): string[] {
  return events.map((event) => `${event.taskId} ${event.type} ${event.reason ?? ""}`);
}

/** The program ids of tasks the trace shows settled. */
function settledIds(run: HostileRun): Set<number> {
  return new Set(
    run.events.filter((event) => ["return", "throw", "halt"].includes(event.type)).map((event) =>
      event.taskId === 0 ? 0 : Number(/^p(\d+)$/.exec(event.name)?.[1])
    ),
  );
}

async function checkHostileProgram(program: Step[]): Promise<void> {
  for (const runtime of Object.values(runtimes)) {
    const run = await runHostile(runtime, program);
    const plain = await runHostile(runtime, withErrorsOnly(program));
    // A hostile value ends the run, and every task, as an Error would.
    equal(run.settled.status, plain.settled.status, `${runtime.name}: the run ended otherwise`);
    deepEqual(skeleton(run.events), skeleton(plain.events), `${runtime.name}: the trace differs`);
    // Every value thrown is seen at least once. Under `native`, a task still
    // running when the run ended was abandoned with whatever it was about
    // to deliver, and the run says so.
    const seen = surfaced(run);
    const abandoned = run.reports.some((args) =>
      /the run ended with \d+ tasks? still running/.test(String(args[0]))
    );
    const settled = settledIds(run);
    for (const { message, value, task } of run.recording.thrown) {
      if (seen.has(value)) continue;
      ok(
        runtime.name === "native" && abandoned && !settled.has(task),
        `${runtime.name}: ${message} (${describeError(value)}) was thrown but never surfaced`,
      );
    }
    // ...and described without throwing, as the kit's tools describe it.
    for (const value of seen) {
      ok(describeError(value).length > 0);
      ok(errorLine(value).length > 0);
    }
    for (const event of run.events) formatTraceEvent(event);
  }
}

Deno.test(`property: any value thrown from bodies, children and cleanups is reported and ends the run as an Error would, under every runtime (${numRuns} programs, seed ${seed})`, async () => {
  await fc.assert(
    fc.asyncProperty(programs({ hostile: true }), checkHostileProgram),
    { seed, numRuns },
  ).catch((error) => {
    throw new Error(
      `${errorMessage(error)}\nWhat failed: ${describeError(error?.cause)}\nPROPERTY_SEED=${seed}`,
    );
  });
});

// ---------------------------------------------------------------------------
// The reproduced cases, as a user meets them: `deno task lab FILE`
// ---------------------------------------------------------------------------

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
const program = new URL("./property/program.ts", import.meta.url).href;

/** A lab file that throws what `throwing` makes, `where` says how. */
interface LabCase {
  what: string;
  source: string;
  /** What stderr must show of the value. */
  shows: RegExp;
  /** The exit status expected under `runtime`: as for an `Error` thrown the same way. */
  status(runtime: string): number;
}

const labCases: LabCase[] = [
  {
    what: "an unjoined child throwing an object whose toString, message, stack and name throw",
    source: `import { sleep, spawn } from "${verbs}";
import { thrownValue } from "${program}";
export default function* () {
  // The child fails as soon as it starts, before any timer can fire: on the
  // real clock too, its failure comes first whatever the machine's load.
  yield* spawn(function* child() {
    throw thrownValue("throwing-getters", "E1");
  });
  yield* sleep(10);
}
`,
    shows: /cannot be turned into text \(Error: E1 getter\)|\[Object: null prototype\]/,
    // Under native and effect an unjoined failure is reported, and the run goes on.
    status: (runtime) => runtime === "native" || runtime === "effect" ? 0 : 1,
  },
  {
    what: "a joined child throwing a Proxy whose every trap throws",
    source: `import { sleep, spawn } from "${verbs}";
import { thrownValue } from "${program}";
export default function* () {
  const child = yield* spawn(function* child() {
    yield* sleep(1);
    throw thrownValue("proxy", "E1");
  });
  yield* child;
}
`,
    shows: /an object that cannot be turned into text \(Error: E1 trap\)/,
    status: () => 1,
  },
  {
    what: "a cleanup throwing Symbol() after the body threw Object.create(null)",
    source: `import { ensure, sleep } from "${verbs}";
export default function* () {
  yield* ensure(() => {
    throw Symbol("from the cleanup");
  });
  yield* sleep(1);
  throw Object.create(null);
}
`,
    // Deno's console quotes a description with spaces: Symbol("from the cleanup").
    shows:
      /Symbol\("?from the cleanup"?\)[^]*null prototype|null prototype[^]*Symbol\("?from the cleanup"?\)/,
    status: () => 1,
  },
  {
    what: "a body throwing a revoked Proxy, which Deno's console cannot show",
    source: `import { thrownValue } from "${program}";
export default function* () {
  throw thrownValue("revoked-proxy", "E1");
}
`,
    shows: /an object that cannot be turned into text \(TypeError: .*revoked\)/,
    status: () => 1,
  },
];

/** Run `body` with a temporary folder, removed afterwards. */
async function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir();
  try {
    await body(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

for (const [index, labCase] of labCases.entries()) {
  for (const runtime of runtimeNames) {
    Deno.test(`cli: ${labCase.what}, under ${runtime}: reported, never a crash, on both clocks`, async () => {
      await withFolder(async (folder) => {
        const file = join(folder, `hostile_${index}.ts`);
        await Deno.writeTextFile(file, labCase.source);
        for (const clock of ["virtual", "real"]) {
          const { code, stderr } = await runDeno([
            "run",
            "--allow-read",
            "--allow-env",
            labScript,
            file,
            "--runtime",
            runtime,
            "--clock",
            clock,
          ]);
          const where = `on the ${clock} clock:\n${stderr}`;
          ok(!/Uncaught|Internal Formatting Error/.test(stderr), `crashed, ${where}`);
          match(stderr, labCase.shows, `not reported, ${where}`);
          equal(code, labCase.status(runtime), `exit status, ${where}`);
        }
      });
    });
  }
}
