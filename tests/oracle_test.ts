// The oracle: a fresh run of its Python programs against the committed
// oracle/results.json, and every `nursery` and `native` cell of the matrix
// against its reference (trio, asyncio): the same, or a declared difference.
//
// The fresh run needs a Python 3.11 (python3, or ORACLE_PYTHON=PATH) with
// its venv module, and pip to reach the package index once (the
// environment is reused). Without them, or with another Python, it is
// ignored, and says so; `.ci/run` sets REQUIRE_ORACLE=1, which turns their
// absence into a failure. The comparison of cells reads the committed
// results and always runs.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  ensureEnvironment,
  judgedOutcome,
  oraclePaths,
  OracleUnavailable,
  OracleWrongPython,
  pythonVersionOf,
  resultsDrift,
  runOracle,
  sameResults,
} from "../tools/oracle.ts";
import { runDeno } from "./harness.ts";
import { buildMatrix } from "../tools/matrix.ts";
import { probes } from "../tools/matrix_probes.ts";
import {
  compare,
  compareScenario,
  declaredDifferences,
  oraclePython,
  type OracleRecord,
  oracleResults,
  references,
  translate,
} from "../tools/references.ts";
import type { ProbeRun } from "../tools/matrix_probes.ts";
import { taskScenarios } from "./conformance/tasks.ts";
import { scopeScenarios } from "./conformance/scopes.ts";
import { timeoutScenarios } from "./conformance/timeouts.ts";
import { combinatorScenarios } from "./conformance/combinators.ts";
import { cleanupScenarios } from "./conformance/cleanup.ts";
import { delegationScenarios } from "./conformance/delegation.ts";
import type { Scenario } from "./conformance/scenario.ts";

/** Every conformance scenario (tests/conformance_test.ts registers tests on import). */
function conformanceScenarios(): Scenario[] {
  return [
    ...taskScenarios,
    ...scopeScenarios,
    ...timeoutScenarios,
    ...combinatorScenarios,
    ...cleanupScenarios,
    ...delegationScenarios,
  ];
}

let python: string | undefined;
try {
  python = await ensureEnvironment(Deno.env.get("ORACLE_PYTHON") || "python3");
} catch (error) {
  if (!(error instanceof OracleUnavailable)) throw error;
  const message = `the oracle cannot run here (${error.message})`;
  if (Deno.env.get("REQUIRE_ORACLE") === "1") throw new Error(message);
  console.warn(`warning: ${message}; its fresh-run test is ignored`);
}

Deno.test({
  name: "oracle: a fresh run of every program gives oracle/results.json",
  ignore: python === undefined,
  async fn() {
    const fresh = await runOracle(python!);
    const committed = await Deno.readTextFile(oraclePaths.results);
    deepEqual(
      resultsDrift(fresh, committed),
      [],
      "oracle/results.json differs from a fresh run in what happened: run `deno task oracle` " +
        "and read the diff",
    );
  },
});

/** A results file of one probe whose one trio outcome is `record`, made with Python `python`. */
function resultsOf(record: Partial<OracleRecord>, python = "3.11.7"): string {
  return JSON.stringify({
    versions: { python, trio: "0.34.0" },
    probes: { p: { trio: [record] } },
    scenarios: {},
  });
}

Deno.test("oracle: fresh results are judged by what happened, not by the wording of what was reported", () => {
  const base: Partial<OracleRecord> = {
    notes: ["0 parent", "5 child saw Cancelled"],
    outcome: "error ValueError: boom",
    failure: "ValueError",
    endedAt: 5,
    stderr: ["Task exception was never retrieved: <Task finished name='Task-2' at 0x7f3a>"],
    orphans: 0,
  };
  const same = (change: Partial<OracleRecord>) =>
    sameResults(resultsOf({ ...base, ...change }), resultsOf(base));
  // A report worded otherwise (another patch level's traceback), another address or task number.
  ok(same({ stderr: ["Traceback (most recent call last):", '  File "x.py", line 9', "boom"] }));
  ok(same({ notes: ["0 parent", "5 child saw Cancelled"], outcome: "error ValueError: boom" }));
  ok(
    sameResults(
      resultsOf({ ...base, notes: ["0 task <Task-7 at 0x55aa01>"] }),
      resultsOf({ ...base, notes: ["0 task <Task-3 at 0x7f0012>"] }),
    ),
  );
  // What happened: a note, its time, the ending, when, what was left, whether anything was said.
  ok(!same({ notes: ["0 parent"] }));
  ok(!same({ notes: ["0 parent", "6 child saw Cancelled"] }));
  ok(!same({ failure: "Cancelled", outcome: "error Cancelled: " }));
  ok(!same({ outcome: "error ValueError: bust" }));
  ok(!same({ endedAt: 6 }));
  ok(!same({ orphans: 1 }));
  ok(!same({ stderr: [] }));
  // Each drift named by program and library.
  deepEqual(resultsDrift(resultsOf({ ...base, endedAt: 6 }), resultsOf(base)), [
    `probe p, trio: 1 outcome new (${judgedOutcome({ ...base, endedAt: 6 })}), 1 gone (${
      judgedOutcome(base)
    })`,
  ]);
  deepEqual(resultsDrift(resultsOf(base), "{"), ["oracle/results.json is missing or not JSON"]);
  // A set of outcomes: the same outcomes in another order, or one twice, are the same set.
  const two = (records: Partial<OracleRecord>[]) =>
    JSON.stringify({
      versions: { python: "3.11.2", trio: "0.34.0" },
      probes: { p: { trio: records } },
    });
  const other = { ...base, notes: ["0 parent"] };
  ok(sameResults(two([base, other]), two([other, base, other])));
  ok(!sameResults(two([base, other]), two([base])));
});

Deno.test("oracle: the committed results were made with the Python the kit declares", () => {
  equal(oracleResults.versions.python.split(".").slice(0, 2).join("."), oraclePython);
  equal(pythonVersionOf("Python 3.11.7\n"), "3.11.7");
  equal(pythonVersionOf("Python 3.13.0rc1"), "3.13.0");
  equal(pythonVersionOf("bash: python: command not found"), undefined);
});

Deno.test("oracle: another Python is refused before the environment is touched; --python names it, exit 2", async () => {
  const folder = await Deno.makeTempDir({ prefix: "oracle-" });
  try {
    const fake = join(folder, "python3.12");
    await Deno.writeTextFile(fake, '#!/bin/sh\necho "Python 3.12.1"\n');
    await Deno.chmod(fake, 0o755);
    const stampBefore = await Deno.readTextFile(oraclePaths.stamp).catch(() => undefined);
    let refused: unknown;
    await ensureEnvironment(fake).catch((error) => refused = error);
    ok(refused instanceof OracleWrongPython, String(refused));
    match(
      (refused as Error).message,
      /python3\.12 is Python 3\.12\.1, but oracle\/results\.json is made with Python 3\.11 .*--python PATH/,
    );
    equal(await Deno.readTextFile(oraclePaths.stamp).catch(() => undefined), stampBefore);
    const script = fileURLToPath(new URL("../tools/oracle.ts", import.meta.url));
    const permissions = ["--allow-read", "--allow-env", "--allow-write=oracle", "--allow-run"];
    for (
      const [python, said] of [[fake, "is Python 3.12.1"], [join(folder, "none"), "does not exist"]]
    ) {
      const { code, stderr } = await runDeno(["run", ...permissions, script, "--python", python]);
      equal(code, 2, stderr);
      match(stderr, new RegExp(`^error: --python ${python}: ${python} ${said}`, "m"));
      match(stderr, /Usage: deno task oracle \[--check\] \[--python PATH\]/);
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("oracle: results are the same whatever Python's patch level, and nothing else", () => {
  const results = (python: string, notes: string[]) =>
    JSON.stringify({ versions: { python, trio: "0.34.0" }, probes: { p: { trio: [{ notes }] } } });
  ok(sameResults(results("3.11.7", ["0 a"]), results("3.11.2", ["0 a"])));
  ok(!sameResults(results("3.11.7", ["0 a"]), results("3.12.1", ["0 a"])));
  ok(!sameResults(results("3.11.7", ["0 a"]), results("3.11.7", ["1 a"])));
});

Deno.test("oracle: every probe has its programs, under trio and asyncio", () => {
  for (const probe of probes) {
    for (const reference of references) {
      ok(
        (oracleResults.probes[probe.id]?.[reference.library] ?? []).length > 0,
        `no ${reference.library} outcome for probe ${probe.id}: write oracle/probes/${probe.id}.py`,
      );
    }
  }
  deepEqual(Object.keys(oracleResults.probes).sort(), probes.map((probe) => probe.id).sort());
});

Deno.test("oracle: every nursery and native cell agrees with its reference or is declared", async () => {
  const matrix = await buildMatrix();
  const used = new Set<unknown>();
  for (const row of matrix.rows) {
    row.references.forEach(({ agreement }, index) => {
      const reference = matrix.references[index];
      if (agreement.kind === "declared") used.add(agreement.difference);
      ok(
        agreement.kind === "agrees" || agreement.kind === "declared",
        `${reference.runtime} differs from ${reference.column} on "${row.behaviour}", undeclared: ${
          JSON.stringify(agreement)
        }; make it agree or declare why in tools/references.ts`,
      );
    });
  }
  for (const difference of declaredDifferences) {
    if (!probes.some((probe) => probe.id === difference.case)) continue; // a scenario's: below
    ok(
      used.has(difference),
      `declared difference no longer seen: ${difference.library} ${difference.case}; remove it`,
    );
  }
});

/** A kit run with `notes` and `failure`, the rest empty. */
function kitRun(notes: string[], failure = "none"): ProbeRun {
  return {
    notes,
    outcome: failure === "none" ? "ok" : `error ${failure}`,
    failure,
    endedAt: 0,
    events: [],
    stderr: [],
    counts: { spawned: 3, cancelled: 0, errors: 0, orphans: 0 },
  };
}

function record(notes: string[], failure = "none"): OracleRecord {
  return {
    notes,
    outcome: failure === "none" ? "ok" : `error ${failure}`,
    failure,
    endedAt: 0,
    stderr: [],
    orphans: 0,
  };
}

Deno.test("oracle: agreement is on observations in the kit's words, the whole set of outcomes", () => {
  const [trio, asyncio] = references;
  // Not a probe with a declared difference: an undeclared one shows as such.
  const probe = probes.find((each) => each.id === "cancel_catch")!;
  const order = ["0 parent", "0 child a"];
  equal(compare(probe, kitRun(order), trio, [record(order)]).kind, "agrees");
  equal(compare(probe, kitRun(order), trio, [record(order.toReversed())]).kind, "undeclared");
  // One of two outcomes is not the same as the library's two.
  equal(
    compare(probe, kitRun(order), trio, [record(order), record(order.toReversed())]).kind,
    "undeclared",
  );
  // Names are compared in the kit's words.
  equal(
    compare(probe, kitRun(["5 catch saw AbortError"]), asyncio, [
      record(["5 catch saw CancelledError"]),
    ]).kind,
    "agrees",
  );
  equal(
    compare(probe, kitRun([], "AggregateError [Error]"), trio, [
      record([], "ExceptionGroup [Exception]"),
    ]).kind,
    "agrees",
  );
  equal(compare(probe, kitRun([]), trio, undefined).kind, "missing");
  equal(
    translate("BaseExceptionGroup [KeyboardInterrupt]", trio.vocabulary),
    "AggregateError [AbortError]",
  );
  equal(translate("ExceptionGroupish", trio.vocabulary), "ExceptionGroupish");
});

Deno.test({
  name: "oracle: every trio test a conformance scenario mirrors exists in the installed trio",
  ignore: python === undefined,
  async fn() {
    const scenarios = conformanceScenarios();
    const where = await new Deno.Command(python!, {
      args: ["-c", "import os, trio; print(os.path.dirname(trio.__file__))"],
      stdout: "piped",
    }).output();
    const trio = new TextDecoder().decode(where.stdout).trim();
    let cited = 0;
    for (const scenario of scenarios) {
      for (const part of scenario.mirrors.split(" / ")) {
        const found = part.match(/^(?:trio )?(\S+\.py): (test_\w+)/);
        if (!found) continue;
        const [, file, test] = found;
        const source = await Deno.readTextFile(`${trio}/${file}`).catch(() => "");
        ok(
          new RegExp(`def ${test}\\(`).test(source),
          `"${scenario.name}" cites ${file}: ${test}, which trio ${oracleResults.versions.trio} does not have`,
        );
        cited++;
      }
    }
    ok(cited >= 10, `only ${cited} trio tests cited`);
  },
});

Deno.test("oracle: every conformance scenario the oracle runs agrees with nursery's expectation or is declared", () => {
  const trio = references.find((reference) => reference.library === "trio")!;
  const byName = new Map(conformanceScenarios().map((scenario) => [scenario.name, scenario]));
  const used = new Set<unknown>();
  const names = Object.keys(oracleResults.scenarios);
  ok(names.length >= 20, `only ${names.length} scenarios in the oracle`);
  for (const name of names) {
    const scenario = byName.get(name);
    ok(scenario, `oracle/scenarios/ runs "${name}", which no conformance scenario is named`);
    const expect = scenario.expect as Record<string, { notes: string[]; outcome: string }>;
    const nursery = expect.all ?? expect.nursery;
    const agreement = compareScenario(name, nursery, trio, oracleResults.scenarios[name].trio);
    if (agreement.kind === "declared") used.add(agreement.difference);
    ok(
      agreement.kind === "agrees" || agreement.kind === "declared",
      `nursery differs from trio on "${name}", undeclared: ${JSON.stringify(agreement)}`,
    );
  }
  for (const difference of declaredDifferences) {
    ok(
      byName.has(difference.case) || probes.some((probe) => probe.id === difference.case),
      `declared difference for "${difference.case}", which is neither a probe nor a scenario`,
    );
    if (!byName.has(difference.case)) continue;
    ok(used.has(difference), `declared difference no longer seen: ${difference.case}; remove it`);
  }
});
