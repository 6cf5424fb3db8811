// The examples `deno doc mod.ts` shows: each imports the kit as a user
// would, by its package name, never by a path inside the kit (`../mod.ts`
// means nothing in a user's file). `deno test --doc` runs them.

import { equal, ok } from "node:assert/strict";
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
