// The project's layers, held by reading its sources:
//
// - a lab needs no runner's code: nothing under labs/ imports from tools/;
// - the flags server stands apart from the labs: nothing flags_server.ts
//   loads, directly or through the modules it imports, is under labs/ (its
//   catalogue and chaos rules, and what the labs share with it, are in
//   shared/, which imports neither labs/ nor tools/);
// - mod.ts loads no npm package until a runtime that needs one is used: its
//   static module graph holds the kit's own files and Deno's built-ins only
//   (the `effection` runtime loads its library with a dynamic import);
// - no file cites a document that is not in the project.
import { deepEqual } from "node:assert/strict";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** A module's path relative to the project, with `/` separators. */
function projectPath(path: string): string {
  return relative(root, path).split(sep).join("/");
}

/** One import or re-export of a module, as written. */
interface ImportLine {
  specifier: string;
  /** `import type` or `export type`: erased, never loaded. */
  typeOnly: boolean;
}

// A static `import`/`export ... from "x"` or a bare `import "x"` at the start
// of a line (so not a doc comment's example), over as many lines as it takes;
// `import("x")` is dynamic and not matched.
const staticImport =
  /^[ \t]*(import|export)\s+(type\s+)?(?:[^;"'`]*?\s+from\s+)?["']([^"']+)["']/gm;

/** The static imports and re-exports of a source text. */
function importsOf(source: string): ImportLine[] {
  return [...source.matchAll(staticImport)].map((match) => ({
    specifier: match[3],
    typeOnly: match[2] !== undefined,
  }));
}

/**
 * Every module `entry` loads at run time through static imports, by project
 * path; specifiers that are not files of the project (`node:`, `npm:`, an
 * import map's bare names) are listed as written.
 */
async function staticGraph(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const path = pending.pop()!;
    const name = projectPath(path);
    if (seen.has(name)) continue;
    seen.add(name);
    if (!/\.(ts|js|mjs|mts)$/.test(path)) continue;
    for (const { specifier, typeOnly } of importsOf(await Deno.readTextFile(path))) {
      if (typeOnly) continue;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(path), specifier));
      else seen.add(specifier);
    }
  }
  return seen;
}

/** The project's `.ts` files under `folder`, by project path. */
async function sourcesIn(folder: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(root, folder))) {
    if (entry.isFile && entry.name.endsWith(".ts")) found.push(`${folder}/${entry.name}`);
  }
  return found.sort();
}

Deno.test("importsOf reads static imports and re-exports, not dynamic ones or examples", () => {
  const source = [
    `import { a } from "./a.ts";`,
    `import {`,
    `  b,`,
    `  c,`,
    `} from "../b.ts";`,
    `import type { T } from "./t.ts";`,
    `export { d } from "./d.ts";`,
    `export type { U } from "./u.ts";`,
    `import "./side.ts";`,
    ` * import { e } from "./example.ts";`,
    `const f = await import("./lazy.ts");`,
  ].join("\n");
  deepEqual(importsOf(source), [
    { specifier: "./a.ts", typeOnly: false },
    { specifier: "../b.ts", typeOnly: false },
    { specifier: "./t.ts", typeOnly: true },
    { specifier: "./d.ts", typeOnly: false },
    { specifier: "./u.ts", typeOnly: true },
    { specifier: "./side.ts", typeOnly: false },
  ]);
});

Deno.test("layering: no lab imports from tools/", async () => {
  const offenders: string[] = [];
  for (const file of await sourcesIn("labs")) {
    const source = await Deno.readTextFile(join(root, file));
    for (const { specifier } of importsOf(source)) {
      const target = projectPath(resolve(root, "labs", specifier));
      if (specifier.startsWith(".") && target.startsWith("tools/")) {
        offenders.push(`${file} imports ${target}`);
      }
    }
  }
  deepEqual(offenders, []);
});

Deno.test("layering: flags_server.ts loads nothing from labs/, directly or not", async () => {
  const graph = await staticGraph("flags_server.ts");
  deepEqual([...graph].filter((name) => name.startsWith("labs/")), []);
  // The graph was read through: the catalogue, and what tools/cli.ts imports in turn.
  deepEqual(
    ["shared/flags_catalog.ts", "tools/cli.ts", "shared/terminal.ts"].map((name) =>
      graph.has(name)
    ),
    [true, true, true],
  );
});

Deno.test("layering: shared/ loads nothing from labs/ or tools/", async () => {
  const offenders: string[] = [];
  for (const file of await sourcesIn("shared")) {
    for (const name of await staticGraph(file)) {
      if (name.startsWith("labs/") || name.startsWith("tools/")) {
        offenders.push(`${file} loads ${name}`);
      }
    }
  }
  deepEqual(offenders, []);
});

Deno.test("layering: mod.ts statically loads the kit's own files and Deno's built-ins only", async () => {
  const graph = await staticGraph("mod.ts");
  const foreign = [...graph].filter((name) =>
    !name.startsWith("node:") && !(name.endsWith(".ts") && !name.startsWith(".."))
  );
  // No npm package (Effection, Effect...) is loaded before its runtime is used.
  deepEqual(foreign, []);
  // The graph was read: the runtimes are in it, the Effection adapter is not.
  deepEqual(
    ["runtimes/generator.ts", "runtimes/effection.ts"].map((name) => graph.has(name)),
    [true, false],
  );
});

// ---------------------------------------------------------------------------
// Citations: every document a file names is in the project.
// ---------------------------------------------------------------------------

/** Folders that hold no sources of the project (written by tools, or installed). */
const notSources = new Set([
  ".git",
  "node_modules",
  "report",
  "downloads",
  "test-output",
  ".venv",
  "__pycache__",
  "results",
]);

const textFile = /\.(ts|js|mjs|md|json|py|css|html|txt|sh|yml|yaml)$|^run$/;

async function projectTextFiles(folder = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(root, folder))) {
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory && !notSources.has(entry.name)) {
      found.push(...await projectTextFiles(path));
    } else if (entry.isFile && textFile.test(entry.name) && entry.name !== "deno.lock") {
      found.push(path);
    }
  }
  return found;
}

// A document named by a path: a file name ending in .md (or .markdown,
// .rst), relative or absolute. A name inside a URL is a citation of a
// public page, and is left to the reader.
const documentName = /(?<![\w.}/-])(\/?[\w.-][\w./-]*\.(?:md|markdown|rst))\b/g;
const url = /\bhttps?:\/\/\S+/g;

/** The documents `text` (the file `file`) names that are not in the project. */
async function missingDocuments(file: string, text: string): Promise<string[]> {
  const missing: string[] = [];
  for (const [, name] of text.replace(url, "").matchAll(documentName)) {
    if (name.startsWith("/")) {
      missing.push(name);
      continue;
    }
    const candidates = [resolve(root, dirname(file), name), resolve(root, name)];
    const inProject = candidates.filter((path) => !projectPath(path).startsWith(".."));
    let found = false;
    for (const path of inProject) {
      found ||= await Deno.stat(path).then(() => true, () => false);
    }
    if (!found) missing.push(name);
  }
  return missing;
}

Deno.test("missingDocuments finds a document outside the project, not one inside or in a URL", async () => {
  // Names of no real document, put together here so that this file cites none.
  const [outside, absent, absolute] = ["../elsewhere/", "", "/nowhere/"].map((folder) =>
    `${folder}absent.${"md"}`
  );
  const text = [
    "see README.md and exercises/01-countdown-deadline/README.md",
    `see ${outside}, ${absent} and ${absolute}`,
    "see https://github.com/owner/repo/blob/0123abc/docs/guide.md",
    "const path = `${directory}/README.md`;",
  ].join("\n");
  deepEqual(await missingDocuments("tools/x.ts", text), [outside, absent, absolute]);
  deepEqual(await missingDocuments("exercises/02-slow-fallback/start.ts", "See README.md"), []);
});

Deno.test("no file cites a document that is not in the project", async () => {
  const offenders: string[] = [];
  const files = await projectTextFiles();
  for (const file of files) {
    const text = await Deno.readTextFile(join(root, file));
    for (const name of await missingDocuments(file, text)) offenders.push(`${file}: ${name}`);
  }
  deepEqual(offenders, []);
  // The walk reached the sources.
  deepEqual(["README.md", "tools/lab.ts"].map((file) => files.includes(file)), [true, true]);
});
