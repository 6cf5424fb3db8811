// The conformance suite: every scenario of tests/conformance/ under every
// runtime, each asserting that runtime's outcome (the README's semantics table). Each
// scenario names the upstream trio or Effection test it mirrors.

import { deepEqual } from "node:assert/strict";
import { runtimes } from "../runtimes/registry.ts";
import { tell } from "./harness.ts";
import type { Expectation, Scenario } from "./conformance/scenario.ts";
import { taskScenarios } from "./conformance/tasks.ts";
import { scopeScenarios } from "./conformance/scopes.ts";
import { timeoutScenarios } from "./conformance/timeouts.ts";
import { combinatorScenarios } from "./conformance/combinators.ts";
import { cleanupScenarios } from "./conformance/cleanup.ts";
import { delegationScenarios } from "./conformance/delegation.ts";

/** Every scenario, by theme. */
export const scenarios: Scenario[] = [
  ...taskScenarios,
  ...scopeScenarios,
  ...timeoutScenarios,
  ...combinatorScenarios,
  ...cleanupScenarios,
  ...delegationScenarios,
];

/**
 * The expectation for one runtime. The real Effection is the reference for
 * `generator`'s model (see the README's runtime table): it shares generator's column unless a
 * scenario gives it its own.
 */
function expectationFor(scenario: Scenario, runtime: string): Expectation {
  const expect = scenario.expect as Record<string, Expectation>;
  if (runtime === "effection") return expect.effection ?? expect.all ?? expect.generator;
  if (runtime === "effect") return expect.effect ?? expect.all ?? expect.generator;
  return expect.all ?? expect[runtime];
}

for (const scenario of scenarios) {
  for (const runtime of Object.values(runtimes)) {
    const expected = expectationFor(scenario, runtime.name);
    if (expected === undefined) continue;
    Deno.test(`conformance, ${runtime.name}: ${scenario.name} [${scenario.mirrors}]`, async () => {
      const story = await tell(runtime, scenario.program);
      deepEqual({ notes: story.notes, outcome: story.outcome }, expected);
    });
  }
}
