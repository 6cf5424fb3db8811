// The kit used from another project: a folder outside the kit's own
// imports mod.ts (by path with no deno.json at all, or by the name
// `@kit/concurrency` mapped in its own deno.json) and runs an operation
// under every runtime: the README's "Use from another project" recipe, run.
// Each program runs in a subprocess with `--cached-only`: the Effection and
// Effect packages are already in the shared Deno cache, and no test touches the
// network.

import { deepEqual, equal, ok } from "node:assert/strict";
import { runDeno } from "./harness.ts";
import { effect } from "../runtimes/effect.ts";
import { effection } from "../runtimes/effection.ts";
import { runtimes } from "../runtimes/registry.ts";

const modUrl = new URL("../mod.ts", import.meta.url).href;

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/**
 * The README's "Use from another project" program, importing the kit from
 * `specifier` instead of the README's `../concurrency-kit/mod.ts`: the
 * recipe itself is what runs.
 */
function recipe(specifier: string): string {
  const section = readme.split("\n## Use from another project\n")[1]?.split("\n## ")[0] ?? "";
  const program = section.match(/```ts ignore\n(.*?)```/s)?.[1] ?? "";
  ok(program.includes('"../concurrency-kit/mod.ts"'), "the README's recipe was not found");
  return program.replace('"../concurrency-kit/mod.ts"', JSON.stringify(specifier));
}

const recipeLines = ["native", "nursery", "generator", "effection", "effect"].map((name) =>
  `${name}: worker done at 300 ms`
);

/**
 * Write `files` into a fresh folder outside the kit, run `main.ts` there
 * with `deno run --cached-only` (and `env`), and remove the folder.
 */
async function runOutside(files: Record<string, string>, env: Record<string, string> = {}) {
  const project = await Deno.makeTempDir({ prefix: "kit-outside-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${project}/${name}`, text);
    }
    // The config is said explicitly, so that a deno.json in a folder above
    // the temporary one (which Deno would otherwise find) changes nothing.
    const config = "deno.json" in files ? `--config=${project}/deno.json` : "--no-config";
    return await runDeno(["run", "--cached-only", config, `${project}/main.ts`], env);
  } finally {
    await Deno.remove(project, { recursive: true });
  }
}

Deno.test("outside the kit: a program importing mod.ts by path runs under every runtime", async () => {
  const run = await runOutside({ "main.ts": recipe(modUrl) });
  deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" });
  deepEqual(run.stdout.trimEnd().split("\n"), recipeLines);
});

Deno.test("outside the kit: `@kit/concurrency` mapped in the project's deno.json runs under every runtime", async () => {
  // Deno 2.9.6 treats a mapped folder that has a deno.json with a name as a
  // linked local package and resolves its files with that deno.json, so this
  // way worked before the kit named Effection in full; it pins the recipe.
  const run = await runOutside({
    "deno.json": JSON.stringify({ imports: { "@kit/concurrency": modUrl } }),
    "main.ts": recipe("@kit/concurrency"),
  });
  deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" });
  deepEqual(run.stdout.trimEnd().split("\n"), recipeLines);
});

Deno.test("outside the kit: mod.ts loads no npm package until the effection or effect runtime runs", async () => {
  // An empty Deno cache with --cached-only: loading the Effection or Effect package
  // (or even resolving its name) would fail, so this run shows that
  // importing mod.ts and listing the runtimes need no package at all.
  const denoDir = await Deno.makeTempDir({ prefix: "kit-outside-cache-" });
  try {
    const run = await runOutside({
      "main.ts": `import { runtimes, sleep, virtualClock } from "${modUrl}";

console.log(Object.values(runtimes).map((runtime) => runtime.name).join(" "));
for (const name of ["native", "nursery", "generator"]) {
  console.log(await runtimes[name].run(function* () {
    yield* sleep(5);
    return \`\${name} ok\`;
  }, { clock: virtualClock() }));
}
`,
    }, { DENO_DIR: denoDir });
    deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" });
    deepEqual(run.stdout.trimEnd().split("\n"), [
      "native nursery generator effection effect",
      "native ok",
      "nursery ok",
      "generator ok",
    ]);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test("the registry's effection entry, which loads its adapter on first use, names and describes it as the adapter does", () => {
  equal(runtimes.effection.name, effection.name);
  equal(runtimes.effection.description, effection.description);
});

Deno.test("the registry's effect entry, which loads its adapter on first use, names and describes it as the adapter does", () => {
  equal(runtimes.effect.name, effect.name);
  equal(runtimes.effect.description, effect.description);
});

for (const packageName of ["effection", "effect"]) {
  Deno.test(`the ${packageName} adapter names the same npm package as deno.json's import map`, async () => {
    // The adapter cannot use the bare name (outside the kit there is no map),
    // so the version is written twice; this keeps the two from drifting.
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    const adapter = await Deno.readTextFile(
      new URL(`../runtimes/${packageName}.ts`, import.meta.url),
    );
    const imported = [...adapter.matchAll(new RegExp(`from "(npm:${packageName}@[^"]*)"`, "g"))]
      .map((match) => match[1]);
    deepEqual(imported, [config.imports[packageName]]);
  });
}
