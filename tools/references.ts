/**
 * The matrix's reference columns: what the real trio 0.34 and CPython 3.11
 * asyncio did with each probe, read from `oracle/results.json` (written by
 * `deno task oracle`; no Python is needed to read it), and whether the
 * runtime that claims each library's model agrees: `nursery` with trio,
 * `native` with asyncio.
 *
 * Agreement is computed on observations, not on the cells' phrases: a run's
 * notes (virtual time and text), the names of what it failed with, when it
 * ended, its orphans, and whether it reported anything on stderr. Error names are first put in the
 * kit's words through each library's vocabulary (asyncio's `CancelledError`
 * is `native`'s `AbortError`). Where trio gives several outcomes (it orders
 * each batch of woken tasks at random), a runtime agrees only if it can give
 * exactly that set. Every difference is declared below, with its reason.
 *
 * @module
 */

import results from "../oracle/results.json" with { type: "json" };
import type { Probe, ProbeRun } from "./matrix_probes.ts";

/** One distinct outcome of an oracle program, as `oracle/run.py` records it. */
export interface OracleRecord {
  notes: string[];
  outcome: string;
  failure: string;
  endedAt: number;
  stderr: string[];
  orphans: number;
}

/** What `oracle/results.json` holds. */
export interface OracleResults {
  versions: { python: string; trio: string };
  probes: Record<string, Record<string, OracleRecord[]>>;
  scenarios: Record<string, Record<string, OracleRecord[]>>;
}

/** The committed results. */
export const oracleResults: OracleResults = results;

/**
 * The Python (major.minor) the committed results were made with: the
 * asyncio column is that version's behaviour (3.12 made tasks eager on
 * request, changed messages and the order of some callbacks), so `deno task
 * oracle` refuses another, and the suite's fresh run is ignored under one.
 */
export const oraclePython = "3.11";

/** A reference column: a library, and the runtime that claims its model. */
export interface Reference {
  /** Its key in the results: `trio`, `asyncio`. */
  library: string;
  /** The column's heading. */
  column: string;
  /** The runtime compared with it. */
  runtime: string;
  /** The library's names for what the kit names otherwise, in the kit's words. */
  vocabulary: Record<string, string>;
}

const pythonNames = {
  Exception: "Error",
  RuntimeError: "Error",
  // Python's no-value, where the kit's operations answer undefined.
  None: "undefined",
  ExceptionGroup: "AggregateError",
  BaseExceptionGroup: "AggregateError",
  // The kit's Ctrl-C aborts the run's signal with an AbortError.
  KeyboardInterrupt: "AbortError",
};

/** The reference columns, in the matrix's order. */
export const references: Reference[] = [
  {
    library: "trio",
    column: `trio ${oracleResults.versions.trio.split(".").slice(0, 2).join(".")}`,
    runtime: "nursery",
    vocabulary: { ...pythonNames, TooSlowError: "TimeoutError" },
  },
  {
    library: "asyncio",
    column: `asyncio ${oracleResults.versions.python.split(".").slice(0, 2).join(".")}`,
    runtime: "native",
    vocabulary: { ...pythonNames, CancelledError: "AbortError" },
  },
];

/** A difference between a runtime and its reference, declared with its reason. */
export interface DeclaredDifference {
  /** `trio` or `asyncio`. */
  library: string;
  /** A probe's id, or a conformance scenario's name. */
  case: string;
  /** One line: why the runtime differs, deliberate or a known gap. */
  reason: string;
}

/**
 * Every known difference between `nursery` and trio and between `native` and
 * asyncio, in one place. A difference not listed fails tests/oracle_test.ts;
 * one listed that has gone fails it too, so that the list stays true.
 */
export const declaredDifferences: DeclaredDifference[] = [
  {
    library: "trio",
    case: "cpu_bound",
    reason:
      "deliberate: `nursery` runs each batch of woken tasks first in, first out, for reproducible output; trio reverses a batch at random, so the sleeper may start after the blocking step",
  },
  {
    library: "trio",
    case: "spawn_order",
    reason:
      "deliberate: `nursery` runs each batch of woken tasks first in, first out, for reproducible output; trio reverses a batch at random (its order is one of trio's, always)",
  },
  {
    library: "trio",
    case: "ctrl_c_during_cleanup",
    reason:
      "deliberate: a run stopped by Ctrl-C (its signal) rejects with the signal's reason, an AbortError, under every runtime, so that a caller checks one thing; trio raises KeyboardInterrupt, grouped by the nursery it passes through",
  },
  {
    library: "trio",
    case: "a scope's children are all cleaned up when its task is halted",
    reason:
      "deliberate: `nursery` runs each batch of woken tasks first in, first out, for reproducible output; trio reverses a batch at random, so the two cleanups come in either order",
  },
  {
    library: "asyncio",
    case: "leftovers_at_end",
    reason:
      "`native` is JavaScript's promise model: asyncio.run cancels the tasks left at the end and runs their cleanup; `native` stops them where they wait, cleanup not run, and says so",
  },
  {
    library: "asyncio",
    case: "scope_exit",
    reason:
      "`native` is JavaScript's promise model: asyncio.TaskGroup waits for its children; `native`'s scope leaves them running, detached",
  },
  {
    library: "asyncio",
    case: "race_losers",
    reason:
      "`native`'s `race` stops its losers, as trio and Effection do: asyncio.wait(FIRST_COMPLETED) leaves them running, and asyncio.run cancels them at the end",
  },
  {
    library: "asyncio",
    case: "spawn_order",
    reason:
      "`native` starts a spawned task at once, as calling an async function does (and as 3.12's eager task factory would); 3.11's create_task schedules it",
  },
  {
    library: "asyncio",
    case: "ctrl_c_during_cleanup",
    reason:
      "`native` is JavaScript's promise model: asyncio.run cancels the tasks left at the end; `native` abandons the halted task's cleanup where it waits, and says so",
  },
];

/** The declared difference of `library` for `name`, if any. */
export function declaredFor(library: string, name: string): DeclaredDifference | undefined {
  return declaredDifferences.find((each) => each.library === library && each.case === name);
}

/** `text` with the library's names put in the kit's words. */
export function translate(text: string, vocabulary: Record<string, string>): string {
  return text.replace(
    /\b[A-Za-z]+\b/g,
    (word) => Object.hasOwn(vocabulary, word) ? vocabulary[word] : word,
  );
}

/** What is compared of a run: see the module's comment. */
export interface Observation {
  notes: string[];
  failure: string;
  endedAt: number;
  orphans: number;
  reported: boolean;
}

/** The observation of a kit's run of a probe. */
export function observe(run: ProbeRun): Observation {
  return {
    notes: run.notes,
    failure: run.failure,
    endedAt: run.endedAt,
    orphans: run.counts.orphans,
    reported: run.stderr.length > 0,
  };
}

/** An oracle record as a `ProbeRun`, so that a probe's classifier can phrase it. */
export function asProbeRun(record: OracleRecord): ProbeRun {
  return {
    notes: record.notes,
    outcome: record.outcome,
    failure: record.failure,
    endedAt: record.endedAt,
    events: [],
    stderr: record.stderr,
    counts: { spawned: 0, cancelled: 0, errors: 0, orphans: record.orphans },
  };
}

/** The observation of an oracle record, in the kit's words. */
export function observeRecord(record: OracleRecord, reference: Reference): Observation {
  const observation = observe(asProbeRun(record));
  return {
    ...observation,
    notes: observation.notes.map((line) => translate(line, reference.vocabulary)),
    failure: translate(observation.failure, reference.vocabulary),
  };
}

/** How a runtime's run compares with its reference. */
export type Agreement =
  | { kind: "agrees" }
  | { kind: "declared"; difference: DeclaredDifference }
  | {
    kind: "undeclared";
    kit: Observation | ScenarioObservation;
    reference: (Observation | ScenarioObservation)[];
  }
  | { kind: "missing" };

/** Whether `run` (of the reference's runtime) agrees with the oracle's records. */
export function compare(
  probe: Probe,
  run: ProbeRun,
  reference: Reference,
  records: OracleRecord[] | undefined,
): Agreement {
  if (records === undefined || records.length === 0) return { kind: "missing" };
  const kit = observe(run);
  const theirs = records.map((record) => observeRecord(record, reference));
  const key = (observation: Observation) => JSON.stringify(observation);
  const same = new Set(theirs.map(key)).size === 1 && key(theirs[0]) === key(kit);
  if (same) return { kind: "agrees" };
  const difference = declaredFor(reference.library, probe.id);
  return difference ? { kind: "declared", difference } : {
    kind: "undeclared",
    kit,
    reference: theirs,
  };
}

/**
 * A reference cell: the probe's classifier applied to each distinct outcome,
 * joined by "or" when trio's batch order gives several.
 */
export function referencePhrase(probe: Probe, records: OracleRecord[] | undefined): string {
  if (records === undefined || records.length === 0) return "no oracle program";
  const phrases = [...new Set(records.map((record) => probe.classify(asProbeRun(record))))];
  return phrases.length === 1 ? phrases[0] : `${phrases.join("; or ")} (at random)`;
}

/** What is compared of a conformance scenario: its notes and its outcome. */
export interface ScenarioObservation {
  notes: string[];
  outcome: string;
}

/**
 * A scenario's notes and outcome, in the kit's words and without what the
 * libraries word each their own way: a timeout's message (trio's
 * TooSlowError has none), a group's message, and the value of a run that
 * succeeded (Python's programs return none).
 */
export function observeScenario(
  notes: string[],
  outcome: string,
  vocabulary: Record<string, string> = {},
): ScenarioObservation {
  const normal = (text: string) =>
    translate(text, vocabulary)
      .replace(/\bTimeoutError: [^,\]]*/g, "TimeoutError")
      .replace(/(AggregateError\[[^\]]*\]): .*$/, "$1");
  return {
    notes: notes.map(normal),
    outcome: outcome.startsWith("ok") ? "ok" : normal(outcome),
  };
}

/** Whether `kit` (a runtime's expected notes and outcome) agrees with the oracle's records. */
export function compareScenario(
  name: string,
  kit: { notes: string[]; outcome: string },
  reference: Reference,
  records: OracleRecord[],
): Agreement {
  const ours = observeScenario(kit.notes, kit.outcome);
  const theirs = records.map((record) =>
    observeScenario(record.notes, record.outcome, reference.vocabulary)
  );
  const key = (observation: ScenarioObservation) => JSON.stringify(observation);
  if (new Set(theirs.map(key)).size === 1 && key(theirs[0]) === key(ours)) {
    return { kind: "agrees" };
  }
  const difference = declaredFor(reference.library, name);
  return difference ? { kind: "declared", difference } : {
    kind: "undeclared",
    kit: ours,
    reference: theirs,
  };
}
