// `deno task lab FILE --timeline out.html --trace-json out.json`, as a user
// meets it: a lab file's own options, `--runtime all`, the two files written
// whole (never half, on failure or Ctrl-C), and the lab's thread kept from
// writing where the lab runner may.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeNames } from "../runtimes/registry.ts";
import { reservedOptionNames } from "../tools/lab.ts";
import { writeFileAtomically } from "../tools/write_file.ts";
import { ChildOutput, denoCommand, outputOf } from "./harness.ts";

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));
const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;

/** `deno run tools/lab.ts ARGS` as `deno task lab` runs it: any file may be written, from `folder`. */
function lab(folder: string, args: string[]): Deno.Command {
  return denoCommand(
    [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-write",
      labScript,
      ...args,
    ],
    { env: { NO_COLOR: "1", INIT_CWD: folder } },
  );
}

/** The names in `folder`, sorted. */
function namesIn(folder: string): string[] {
  return [...Deno.readDirSync(folder)].map((entry) => entry.name).sort();
}

async function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "lab_record_" });
  try {
    await body(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

/** A lab file with an option `--n` (workers, each sleeping 100 ms more than the last). */
const workersLab = `import { log, sleep, spawn } from "${verbs}";
export const options = {
  n: { type: "string", help: "how many workers", placeholder: "N" },
  loud: { type: "boolean", short: "l", help: "say hello first" },
};
export default function* workers(values: { n?: string; loud?: boolean }) {
  if (values.loud) yield* log("hello");
  const tasks = [];
  for (let i = 0; i < Number(values.n ?? "2"); i++) {
    tasks.push(yield* spawn(function* worker() {
      yield* sleep(100 * (i + 1));
      yield* log(\`worker \${i}\`);
    }));
  }
  for (const task of tasks) yield* task;
}
`;

Deno.test("lab record: a lab file's options, --runtime all, and both files written", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(join(folder, "workers.ts"), workersLab);
    const general = await outputOf(lab(folder, ["--help"]));
    match(general.stdout, /its options, if any, in export const options/);
    match(general.stdout, /--runtime all runs the lab under each in turn/);
    const help = await outputOf(lab(folder, ["workers.ts", "--help"]));
    equal(help.code, 0);
    match(help.stdout, /^ {2}-l, --loud +say hello first$/m);
    match(help.stdout, /^ {6}--n N +how many workers$/m);
    match(help.stdout, /--runtime native\|nursery\|generator\|effection.*\|all/);

    const { code, stdout, stderr } = await outputOf(lab(folder, [
      "workers.ts",
      ...["--n", "3", "-l", "--clock", "virtual", "--runtime", "all"],
      ...["--timeline", "out.html", "--trace-json", "out.json"],
    ]));
    equal(code, 0, stderr);
    const once = "hello\nworker 0\nworker 1\nworker 2\n";
    equal(stdout, runtimeNames.map((name) => `== ${name} ==\n${once}`).join("\n"));
    equal(stderr, "--timeline: wrote out.html\n--trace-json: wrote out.json\n");
    deepEqual(namesIn(folder), ["out.html", "out.json", "workers.ts"]);

    const trace = JSON.parse(await Deno.readTextFile(join(folder, "out.json")));
    deepEqual(
      trace.traceEvents.filter((event: { name: string }) => event.name === "process_name")
        .map((event: { args: { name: string } }) => event.args.name),
      runtimeNames.map((name) => `${name} (exit 0)`),
    );
    equal(trace.otherData.lab, "workers.ts --n 3 --loud");

    // One page, whole in itself: its style and script inline, nothing fetched.
    const page = await Deno.readTextFile(join(folder, "out.html"));
    ok(page.startsWith("<!doctype html>") && page.trimEnd().endsWith("</html>"));
    // (`url(#pattern-sleeping)` names a pattern in the page itself.)
    ok(!/<link|<script src|<img|@import|url\((?!#)/.test(page), "nothing loaded from elsewhere");
    match(page, /<style>\n[^]*\.timeline[^]*<\/style>/);
    equal(page.match(/<svg class="timeline"[^>]*data-rows="4"/g)?.length, runtimeNames.length);
    for (const name of runtimeNames) {
      match(page, new RegExp(`deno task lab workers\\.ts --runtime ${name} --clock virtual`));
    }
  });
});

Deno.test("lab record: one runtime on the real clock records that run alone", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(join(folder, "workers.ts"), workersLab);
    const { code, stderr } = await outputOf(lab(folder, [
      "workers.ts",
      ...["--n", "1", "--runtime", "nursery", "--trace-json", "out.json"],
    ]));
    equal(code, 0, stderr);
    const trace = JSON.parse(await Deno.readTextFile(join(folder, "out.json")));
    equal(trace.otherData.clock, "real");
    deepEqual(
      trace.traceEvents.filter((event: { ph: string; tid: number }) =>
        event.ph === "M" && event.tid === 0
      )
        .map((event: { name: string; args: object }) => [event.name, event.args]),
      [
        ["process_name", { name: "nursery (exit 0)" }],
        ["process_sort_index", { sort_index: 1 }],
        ["thread_name", { name: "#0 workers.ts" }],
        ["thread_sort_index", { sort_index: 0 }],
      ],
    );
    // The worker's sleep lasted at least its 100 ms (in microseconds).
    const sleep = trace.traceEvents.find((event: { name: string }) => event.name === "sleep 100");
    ok(sleep.dur >= 100_000, String(sleep.dur));
  });
});

Deno.test("lab record: bad files are usage errors before the run, nothing written", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(join(folder, "workers.ts"), workersLab);
    await Deno.mkdir(join(folder, "a-folder"));
    const cases: [string[], string][] = [
      [["--timeline", "a-folder"], "--timeline a-folder is a folder; name a file"],
      [
        ["--trace-json", "no/such/t.json"],
        "--trace-json no/such/t.json: the folder no/such does not exist",
      ],
      [["--timeline", ""], "--timeline is empty; name the file to write"],
      [
        ["--timeline", "x", "--trace-json", "x"],
        "--timeline and --trace-json name the same file; name two",
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await outputOf(
        lab(folder, ["workers.ts", "--clock", "virtual", ...args]),
      );
      equal(code, 2, args.join(" "));
      equal(stdout, "", "the lab did not run");
      equal(stderr.split("\n")[0], `error: ${message}`);
      match(stderr, /Usage: deno task lab workers\.ts/);
    }
    deepEqual(namesIn(folder), ["a-folder", "workers.ts"]);
  });
});

Deno.test("lab record: a file the command may not write is a usage error before the run", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(join(folder, "workers.ts"), workersLab);
    await Deno.mkdir(join(folder, "allowed"));
    // As lab:latency runs, allowed to write one folder only.
    const { code, stdout, stderr } = await outputOf(denoCommand([
      "run",
      "--allow-read",
      "--allow-env",
      `--allow-write=${folder}/allowed`,
      labScript,
      ...["workers.ts", "--clock", "virtual", "--timeline", "t.html"],
    ], { env: { NO_COLOR: "1", INIT_CWD: folder } }));
    equal(code, 2);
    equal(stdout, "", "the lab did not run");
    equal(
      stderr.split("\n")[0],
      "error: --timeline t.html: no permission to write there; deno task lab may write anywhere",
    );
    const allowed = await outputOf(denoCommand([
      "run",
      "--allow-read",
      "--allow-env",
      `--allow-write=${folder}/allowed`,
      labScript,
      ...["workers.ts", "--clock", "virtual", "--timeline", "allowed/t.html"],
    ], { env: { NO_COLOR: "1", INIT_CWD: folder } }));
    equal(allowed.code, 0, allowed.stderr);
    deepEqual(namesIn(join(folder, "allowed")), ["t.html"]);
    deepEqual(namesIn(folder), ["allowed", "workers.ts"]);
  });
});

Deno.test("lab record: a lab file's options export is checked, with the fix", async () => {
  await withFolder(async (folder) => {
    const cases: [string, string][] = [
      [`[1, 2]`, "bad.ts's options export is a Array; write { name: { type: "],
      [
        `{ runtime: { type: "string", help: "x" } }`,
        "bad.ts's option 'runtime' is one every lab has",
      ],
      // Every option of the runner's own, --no-check and --schedule included.
      ...reservedOptionNames.map((name): [string, string] => [
        `{ "${name}": { type: "boolean", help: "x" } }`,
        `bad.ts's option '${name}' is one every lab has; name it otherwise than runtime, clock, ` +
        "schedule, trace, timeline, trace-json, help or no-check",
      ]),
      [
        `{ n: { type: "number", help: "x" } }`,
        "bad.ts's option 'n' has type number; allowed: string or boolean",
      ],
      [`{ n: { type: "string" } }`, "bad.ts's option 'n' has no help text; add help: \"...\""],
      [
        `{ n: { type: "string", help: "x", short: "r" } }`,
        "bad.ts's option 'n' has short -r, which every lab has already",
      ],
      [
        `{ Big: { type: "string", help: "x" } }`,
        "bad.ts's option 'Big': a name is lower-case letters",
      ],
    ];
    for (const [options, message] of cases) {
      await Deno.writeTextFile(
        join(folder, "bad.ts"),
        `export const options = ${options};\nexport default function* bad() {}\n`,
      );
      const { code, stderr } = await outputOf(lab(folder, ["bad.ts"]));
      equal(code, 2, options);
      ok(stderr.startsWith(`error: ${message}`), `${options}: ${stderr}`);
    }
  });
});

Deno.test("lab record: a failing run is recorded with its error; exit 1", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(
      join(folder, "fails.ts"),
      `import { sleep } from "${verbs}";\n` +
        `export default function* fails() {\n  yield* sleep(50);\n  throw new Error("boom");\n}\n`,
    );
    const { code, stderr } = await outputOf(lab(folder, [
      "fails.ts",
      ...["--clock", "virtual", "--runtime", "all", "--trace-json", "t.json"],
    ]));
    equal(code, 1);
    match(stderr, /--trace-json: wrote t\.json/);
    const trace = JSON.parse(await Deno.readTextFile(join(folder, "t.json")));
    deepEqual(
      trace.traceEvents.filter((event: { name: string }) => event.name === "process_name")
        .map((event: { args: { name: string } }) => event.args.name),
      runtimeNames.map((name) => `${name} (failed: Error: boom)`),
    );
    deepEqual(namesIn(folder), ["fails.ts", "t.json"]);
  });
});

Deno.test("lab record: after Ctrl-C the run, cleanup included, is recorded whole; exit 130", async () => {
  await withFolder(async (folder) => {
    await Deno.writeTextFile(
      join(folder, "waits.ts"),
      `import { ensure, log, suspend } from "${verbs}";\n` +
        `export default function* waits() {\n` +
        `  yield* ensure(() => log("cleanup ran"));\n` +
        `  yield* log("waiting");\n  yield* suspend();\n}\n`,
    );
    const child = lab(folder, ["waits.ts", "--timeline", "t.html", "--trace-json", "t.json"])
      .spawn();
    const stdout = new ChildOutput(child.stdout);
    const stderr = new ChildOutput(child.stderr);
    await stdout.readUntil("waiting\n");
    child.kill("SIGINT");
    equal(await stdout.readToEnd(), "waiting\ncleanup ran\n");
    equal((await child.status).code, 130);
    equal(await stderr.readToEnd(), "--timeline: wrote t.html\n--trace-json: wrote t.json\n");
    deepEqual(namesIn(folder), ["t.html", "t.json", "waits.ts"], "no temporary file left");
    const trace = JSON.parse(await Deno.readTextFile(join(folder, "t.json")));
    const prints = trace.traceEvents.filter((event: { name: string }) => event.name === "print")
      .map((event: { args: { detail: string } }) => event.args.detail);
    deepEqual(prints, ["waiting", "cleanup ran"]);
    match(await Deno.readTextFile(join(folder, "t.html")), /interrupted after/);
  });
});

Deno.test("lab record: the lab's own code may not write where the runner may", async () => {
  await withFolder(async (folder) => {
    const target = join(folder, "sneaky.txt");
    await Deno.writeTextFile(
      join(folder, "writes.ts"),
      `export default function* writes() {\n` +
        `  Deno.writeTextFileSync(${JSON.stringify(target)}, "x");\n}\n`,
    );
    const { code, stderr } = await outputOf(lab(folder, ["writes.ts"]));
    equal(code, 1);
    match(stderr, /NotCapable|PermissionDenied/);
    deepEqual(namesIn(folder), ["writes.ts"]);
  });
});

Deno.test("writeFileAtomically: a write that fails leaves neither the file nor a temporary one", async () => {
  await withFolder(async (folder) => {
    // A rename over a folder that is not empty fails.
    await Deno.mkdir(join(folder, "out.html"));
    await Deno.writeTextFile(join(folder, "out.html", "inside"), "");
    let failed = false;
    try {
      await writeFileAtomically(join(folder, "out.html"), "<html>");
    } catch {
      failed = true;
    }
    ok(failed, "the write failed");
    deepEqual(namesIn(folder), ["out.html"]);
    deepEqual(namesIn(join(folder, "out.html")), ["inside"]);
    // And one that succeeds replaces the file whole.
    await writeFileAtomically(join(folder, "t.json"), "old");
    await writeFileAtomically(join(folder, "t.json"), "new");
    equal(await Deno.readTextFile(join(folder, "t.json")), "new");
    deepEqual(namesIn(folder), ["out.html", "t.json"]);
  });
});
