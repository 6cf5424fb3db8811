// A lab needs no runner's code: nothing under labs/ imports from tools/.
import { deepEqual } from "node:assert/strict";

Deno.test("layering: no lab imports from tools/", async () => {
  const offenders: string[] = [];
  for await (const entry of Deno.readDir(new URL("../labs/", import.meta.url))) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(`../labs/${entry.name}`, import.meta.url));
    if (/from\s+["']\.\.\/tools\//.test(source)) offenders.push(entry.name);
  }
  deepEqual(offenders.sort(), []);
});
