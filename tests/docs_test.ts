// The examples `deno doc mod.ts` shows: each imports the kit as a user
// would, by its package name, never by a path inside the kit (`../mod.ts`
// means nothing in a user's file). `deno test --doc` runs them.

import { deepEqual, equal, ok } from "node:assert/strict";
import { reservedOptionNames } from "../tools/lab.ts";
import { runDeno } from "./harness.ts";

Deno.test("docs: every example in deno doc mod.ts imports @kit/concurrency, no relative path", async () => {
  const { code, stdout, stderr } = await runDeno(["doc", "--json", "mod.ts"]);
  equal(code, 0, stderr);
  const examples = [...stdout.matchAll(/```ts\\n(.*?)```/g)].map((match) => match[1]);
  ok(examples.length >= 10, `only ${examples.length} examples found`);
  const imports = examples.flatMap((example) => [...example.matchAll(/from \\"([^"\\\\]+)\\"/g)])
    .map((match) => match[1]);
  ok(imports.length >= 10, `only ${imports.length} imports found`);
  equal([...new Set(imports)].join(", "), "@kit/concurrency");
});

Deno.test("docs: the README's list of option names a lab file may not take is the runner's own", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const sentence = /An option named as one of the runner's own \(([^)]*)\)/.exec(readme);
  ok(sentence, "the README's sentence on reserved option names");
  const listed = [...sentence[1].matchAll(/`([\w-]+)`/g)].map((match) => match[1]);
  deepEqual(listed.sort(), [...reservedOptionNames].sort());
});
