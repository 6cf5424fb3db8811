// The lab runner as a user meets it: subprocesses, exit statuses, usage
// errors, a user's own lab file, and Ctrl-C.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runtimeNames } from "../runtimes/registry.ts";
import { describeParseError, listOf } from "../tools/cli.ts";
import { reservedOptionNames } from "../tools/lab.ts";
import {
  busyInCleanupNotice,
  busyNotice,
  loadingNotice,
  slowCleanupNotice,
} from "../tools/lab_thread.ts";
import { ChildOutput, denoCommand, outputOf, runDeno, spawnWatched } from "./harness.ts";

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

const lab = (args: string[]) => runDeno(["run", "--allow-read", "--allow-env", labScript, ...args]);

for (const runtime of runtimeNames) {
  Deno.test(`cli: countdown --runtime ${runtime} --clock virtual prints the 12 lines and exits 0`, async () => {
    const { code, stdout } = await lab(["countdown", "--runtime", runtime, "--clock", "virtual"]);
    equal(code, 0);
    const lines = stdout.trimEnd().split("\n");
    equal(lines.length, 12);
    equal(lines[0], "0.300s\t\t\tC = 3");
    equal(lines[11], "6.000s\t\tB = 1");
  });
}

Deno.test("cli: --trace writes lifecycle events to stderr, output stays on stdout", async () => {
  const { code, stdout, stderr } = await lab(["countdown", "--clock", "virtual", "--trace"]);
  equal(code, 0);
  equal(stdout.trimEnd().split("\n").length, 12);
  match(stderr, /#1 countdown A\s+suspend sleep 700/);
  match(stderr, /6\.000s #0 countdown\s+return/);
});

const usageCases: [string, string[], RegExp][] = [
  [
    "an unknown runtime",
    ["countdown", "--runtime", "threads"],
    /unknown runtime 'threads'; allowed: /,
  ],
  [
    "an unknown clock",
    ["countdown", "--clock", "sundial"],
    /unknown clock 'sundial'; allowed: real or virtual/,
  ],
  ["an unknown option", ["countdown", "--fast"], /unknown option --fast; allowed: .*--blocking/],
  ["a missing value", ["countdown", "--runtime"], /--runtime needs a value: one of /],
  [
    "a string option followed by another option",
    ["countdown", "--runtime", "--clock", "virtual"],
    // `all` runs the lab under each runtime in turn.
    new RegExp(`^error: --runtime needs a value: one of ${listOf([...runtimeNames, "all"])}$`),
  ],
  [
    "a boolean option given a value",
    ["countdown", "--trace=yes"],
    /^error: --trace takes no value: give it alone, as --trace$/,
  ],
  [
    "a value that starts with a dash, not after '='",
    ["chess", "--master", "-1"],
    /^error: --master needs a value; one that starts with a dash goes after '=': --master=-1$/,
  ],
  [
    "a value that starts with a dash, not after '=', quoted as given",
    ["chess", "--master", "-7.5"],
    /^error: --master needs a value; one that starts with a dash goes after '=': --master=-7\.5$/,
  ],
  ["an unknown lab", ["tetris"], /unknown lab 'tetris'; allowed: countdown/],
  ...["toString", "constructor", "hasOwnProperty"].map((name): [string, string[], RegExp] => [
    `'${name}', a property of every object but no lab,`,
    [name],
    new RegExp(`^error: unknown lab '${name}'; allowed: countdown`),
  ]),
  ["a stray argument", ["countdown", "now"], /unexpected argument 'now'/],
  ["no lab at all", [], /name a lab to run/],
];

for (const [what, args, message] of usageCases) {
  Deno.test(`cli: ${what} is a usage error: one line naming it, the usage, exit 2`, async () => {
    const { code, stdout, stderr } = await lab(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, ...rest] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    ok(rest.join("\n").includes("Usage: deno task lab"));
    ok(!stderr.includes("\x1b["), "NO_COLOR is honoured");
  });
}

Deno.test("cli: parse errors name the option and what it takes, whatever parseArgs says", () => {
  const options = {
    runtime: { type: "string", short: "r" },
    master: { type: "string" },
    delay: { type: "string", short: "d" },
    trace: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  const allowed = ["--runtime", "--master", "--delay", "--trace", "--help"];
  const choicesOf = (name: string) => name === "runtime" ? ["native", "generator"] : undefined;
  const describe = (args: string[]) => {
    try {
      parseArgs({ args, options, strict: true, allowPositionals: false });
    } catch (error) {
      return describeParseError(error, allowed, choicesOf, args);
    }
    throw new Error(`${args.join(" ")} parsed`);
  };
  const cases: [string[], string][] = [
    [["--trace=yes"], "--trace takes no value: give it alone, as --trace"],
    [["--help=1"], "--help takes no value: give it alone, as --help"],
    [["--runtime"], "--runtime needs a value: one of native or generator"],
    [["-r"], "--runtime needs a value: one of native or generator"],
    [["--runtime", "--trace"], "--runtime needs a value: one of native or generator"],
    [["-r", "-h"], "--runtime needs a value: one of native or generator"],
    [["--master"], "--master needs a value"],
    [
      ["--master", "-1"],
      "--master needs a value; one that starts with a dash goes after '=': --master=-1",
    ],
    // The value as given, whichever option, long or short.
    [
      ["--master", "-5"],
      "--master needs a value; one that starts with a dash goes after '=': --master=-5",
    ],
    [
      ["--delay", "-0.5"],
      "--delay needs a value; one that starts with a dash goes after '=': --delay=-0.5",
    ],
    [
      ["--master=3", "-d", "-7", "-d", "-8"],
      "--delay needs a value; one that starts with a dash goes after '=': --delay=-7",
    ],
    [["-d", "--trace"], "--delay needs a value"],
    [["--fast"], "unknown option --fast; allowed: --runtime, --master, --delay, --trace or --help"],
    [
      ["now"],
      "unexpected argument 'now'; allowed: --runtime, --master, --delay, --trace or --help",
    ],
  ];
  for (const [args, message] of cases) equal(describe(args), message, args.join(" "));
});

Deno.test("cli: --help prints the lab's usage and exits 0", async () => {
  const { code, stdout } = await lab(["countdown", "--help"]);
  equal(code, 0);
  match(stdout, /Usage: deno task lab:countdown/);
  match(stdout, /--blocking/);
});

// What a lab file returns is printed, and never becomes the exit status:
// `return 42` once exited 42, `return 300` 44 and `return -1` 255.
const returnedValues: [string, string][] = [
  ["42", "42"],
  ["300", "300"],
  ["-1", "-1"],
  ['"a string"', '"a string"'],
  ["{ answer: 42, list: [1, 2] }", "{ answer: 42, list: [ 1, 2 ] }"],
];

for (const [source, shown] of returnedValues) {
  Deno.test(`cli: a lab file returning ${source} prints it and exits 0`, async () => {
    await withFolder(async (folder) => {
      const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
      const file = join(folder, "ret.ts");
      await Deno.writeTextFile(
        file,
        `import { log, sleep } from "${verbs}";\n` +
          `export default function* exercise() {\n` +
          `  yield* sleep(10);\n  yield* log("my lab ran");\n  return ${source};\n}\n`,
      );
      const { code, stdout, stderr } = await lab([file, "--clock", "virtual"]);
      equal(stderr, "");
      equal(stdout, `my lab ran\nret.ts returned ${shown}\n`);
      equal(code, 0);
    });
  });
}

Deno.test("cli: a lab file returning nothing prints nothing more", async () => {
  await withFolder(async (folder) => {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    const file = join(folder, "quiet.ts");
    await Deno.writeTextFile(
      file,
      `import { log } from "${verbs}";\nexport default function* () { yield* log("ran"); }\n`,
    );
    const { code, stdout } = await lab([file, "--clock", "virtual"]);
    equal(stdout, "ran\n");
    equal(code, 0);
  });
});

/** Run `body` with a temporary folder, removed afterwards. */
async function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir();
  try {
    await body(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("cli: a user's lab file's --help names the task as typed: deno task lab FILE", async () => {
  await withFolder(async (folder) => {
    const file = join(folder, "my_lab.ts");
    await Deno.writeTextFile(file, "export default function* mine() {}\n");
    const { code, stdout } = await lab([file, "--help"]);
    equal(code, 0);
    equal(stdout.split("\n")[0], `Usage: deno task lab ${file} [options]`);
  });
});

Deno.test("cli: a lab file's --help lists its own options and every one of the runner's, --no-check too", async () => {
  await withFolder(async (folder) => {
    const file = join(folder, "my_lab.ts");
    await Deno.writeTextFile(
      file,
      'export const options = { n: { type: "string", help: "how many" } };\n' +
        "export default function* mine() {}\n",
    );
    const { code, stdout } = await lab([file, "--help"]);
    equal(code, 0);
    const listed = [...stdout.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((match) => match[1]);
    deepEqual(listed.sort(), [...reservedOptionNames, "n"].sort());
    match(stdout, /--no-check\s+run the file without type-checking and linting it first/);
  });
});

Deno.test("cli: a relative lab file starts from the caller's folder (INIT_CWD), not deno task's", async () => {
  await withFolder(async (project) => {
    await withFolder(async (caller) => {
      const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
      await Deno.writeTextFile(
        join(caller, "my_lab.ts"),
        `import { log } from "${verbs}";\nexport default function* mine() {\n` +
          `  yield* log("found in the caller's folder");\n}\n`,
      );
      // As `deno task` runs it: in the folder of deno.json, INIT_CWD the caller's.
      const { code, stdout, stderr } = await outputOf(
        denoCommand(["run", "--allow-read", "--allow-env", labScript, "my_lab.ts"], {
          cwd: project,
          env: { NO_COLOR: "1", INIT_CWD: caller },
        }),
      );
      equal(stderr, "");
      equal(stdout, "found in the caller's folder\n");
      equal(code, 0);
    });
  });
});

const badExports: [string, string, RegExp][] = [
  [
    "an async function",
    "export default async function mine() {}\n",
    /^error: mine\.ts's default export is an async function; it must be a generator function \(function\*\)/,
  ],
  [
    "an async function*",
    "export default async function* mine() {}\n",
    /^error: mine\.ts's default export is an async function\*; it must be a generator function/,
  ],
  [
    "an arrow returning a number",
    "export default () => 5;\n",
    /^error: mine\.ts's default export returned a number, not an operation; it must be a generator/,
  ],
  [
    "a function returning a promise",
    "export default function mine() { return Promise.resolve(); }\n",
    /^error: mine\.ts's default export returned a Promise, not an operation/,
  ],
  ["missing", "export const n = 42;\n", /^error: mine\.ts has no default export to run/],
  [
    "a number",
    "export default 42;\n",
    /^error: mine\.ts's default export is a number, not a function; export default a generator/,
  ],
  [
    "its function called, not passed",
    "function* main() {}\nexport default main();\n",
    /^error: mine\.ts's default export is an operation, the result of a call, where the lab needs the function to call: write export default main, not export default main\(\)$/,
  ],
  [
    "its function called with arguments",
    "function* main(ms: number) {}\nexport default main(500);\n",
    /^error: mine\.ts's default export is an operation, the result of a call, where the lab needs the function to call: write export default \(\) => main\(500\), not export default main\(500\)$/,
  ],
];

for (const [what, source, message] of badExports) {
  Deno.test(`cli: a lab file whose default export is ${what} is a usage error, exit 2`, async () => {
    await withFolder(async (folder) => {
      await Deno.writeTextFile(join(folder, "mine.ts"), source);
      const { code, stdout, stderr } = await outputOf(
        denoCommand(["run", "--allow-read", "--allow-env", labScript, "mine.ts"], {
          env: { NO_COLOR: "1", INIT_CWD: folder },
        }),
      );
      equal(stdout, "");
      const [first, ...rest] = stderr.split("\n");
      match(first, message);
      ok(rest.join("\n").includes("Usage: deno task lab"));
      equal(code, 2);
    });
  });
}

Deno.test("cli: a lab file whose default export returns an operation runs", async () => {
  await withFolder(async (folder) => {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    const file = join(folder, "arrow.ts");
    await Deno.writeTextFile(
      file,
      `import { log } from "${verbs}";\nexport default () => log("an arrow's operation");\n`,
    );
    const { code, stdout } = await lab([file]);
    equal(stdout, "an arrow's operation\n");
    equal(code, 0);
  });
});

Deno.test("cli: a lab file that throws when imported is the lab failing: exit 1, the error and its stack", async () => {
  await withFolder(async (folder) => {
    const file = join(folder, "broken.ts");
    await Deno.writeTextFile(file, `throw new Error("kaput at import");\n`);
    const { code, stdout, stderr } = await lab([file]);
    equal(stdout, "");
    match(stderr, /^error: cannot load lab file .*broken\.ts:\nError: kaput at import\n\s+at /);
    ok(!stderr.includes("Usage:"), "not a usage error");
    equal(code, 1);
  });
});

Deno.test("cli: a lab file that is not there is a usage error naming it, exit 2", async () => {
  const { code, stderr } = await lab(["/nonexistent/my_lab.ts"]);
  match(stderr, /^error: cannot read lab file \/nonexistent\/my_lab\.ts: /);
  equal(code, 2);
});

Deno.test("cli: a lab that throws exits 1 with the error on stderr", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `export default function* broken() { throw new Error("kaput"); }\n`,
    );
    const { code, stderr } = await lab([file]);
    equal(code, 1);
    match(stderr, /kaput/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("cli: Ctrl-C halts the run, cleanup runs, exit 130", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { log, suspend } from "${verbs}";\n` +
        `export default function* waiter() {\n` +
        `  try {\n    yield* log("waiting");\n    yield* suspend();\n` +
        `  } finally {\n    console.log("cleanup ran");\n  }\n}\n`,
    );
    const child = denoCommand(["run", "--allow-read", "--allow-env", labScript, file], {
      env: { NO_COLOR: "1" },
    }).spawn();
    const stdout = new ChildOutput(child.stdout);
    await stdout.readUntil("waiting\n");
    child.kill("SIGINT");
    const seen = await stdout.readToEnd();
    const status = await child.status;
    await child.stderr.cancel();
    equal(status.code, 130);
    equal(seen, "waiting\ncleanup ran\n");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("cli: one Ctrl-C delivered twice (as through deno task) still lets async cleanup finish", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { ensure, log, sleep, suspend } from "${verbs}";\n` +
        `export default function* waiter() {\n` +
        `  yield* ensure(function* () {\n    console.log("cleanup started");\n` +
        `    yield* sleep(100);\n    console.log("cleanup done");\n  });\n` +
        `  yield* log("waiting");\n  yield* suspend();\n}\n`,
    );
    const child = denoCommand(["run", "--allow-read", "--allow-env", labScript, file], {
      env: { NO_COLOR: "1" },
      stderr: "null",
    }).spawn();
    const stdout = new ChildOutput(child.stdout);
    await stdout.readUntil("waiting\n");
    // The terminal signals the process group and `deno task` forwards the
    // signal too: one keypress arrives twice, the second while cleanup runs
    // (within `sameKeypressMs` of the first, which is what makes it the same).
    child.kill("SIGINT");
    await stdout.readUntil("cleanup started\n");
    child.kill("SIGINT");
    const seen = await stdout.readToEnd();
    equal((await child.status).code, 130);
    equal(seen, "waiting\ncleanup started\ncleanup done\n");
  } finally {
    await Deno.remove(file);
  }
});

/**
 * Run `body` with a lab file that prints `looping` and then loops for ever
 * without yielding; its cleanup, could it run, would print `cleanup ran`.
 */
async function withRunawayLab(body: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { log } from "${verbs}";\n` +
        `export default function* runaway() {\n` +
        `  try {\n    yield* log("looping");\n    while (true) {}\n` +
        `  } finally {\n    console.log("cleanup ran");\n  }\n}\n`,
    );
    await body(file);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("cli: a second Ctrl-C ends a runaway synchronous loop: exit 130, cleanup could not run", async () => {
  await withRunawayLab(async (file) => {
    const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
    await run.stdout.readUntil("looping\n");
    run.child.kill("SIGINT");
    // Said once the first Ctrl-C has gone unanswered for longer than one
    // keypress lasts: the next SIGINT counts as a keypress of its own.
    await run.stderr.readUntil(busyNotice);
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "looping\n");
    match(stderr, /interrupted again: the lab's thread was busy, so its cleanup could not run/);
  });
});

Deno.test("cli: one Ctrl-C ends a runaway synchronous loop once the busy grace is over: exit 130", async () => {
  await withRunawayLab(async (file) => {
    const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
    await run.stdout.readUntil("looping\n");
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "looping\n");
    match(stderr, /stayed busy for 2 s, so its cleanup could not run/);
  });
});

Deno.test("cli: a lab file's own Deno.exit gives the process its status", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `export default function* leaver() {\n  console.log("leaving");\n  Deno.exit(3);\n}\n`,
    );
    const { code, stdout } = await lab([file]);
    equal(code, 3);
    equal(stdout, "leaving\n");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("cli: what a lab writes to stdout and stderr comes out in the order it was written", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `export default function* alternate() {\n` +
        `  for (let line = 0; line < 200; line++) {\n` +
        `    (line % 2 ? console.error : console.log)(line);\n  }\n}\n`,
    );
    // Both streams into one pipe, as on a terminal.
    const { code, stdout } = await outputOf(
      new Deno.Command("sh", {
        args: [
          "-c",
          'exec "$@" 2>&1',
          "sh",
          Deno.execPath(),
          "run",
          "--allow-read",
          "--allow-env",
          labScript,
          file,
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
      }),
    );
    equal(code, 0, stdout);
    equal(stdout, Array.from({ length: 200 }, (_, line) => `${line}\n`).join(""));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("cli: Ctrl-C during a final blocking step still exits 130", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { block, log } from "${verbs}";\n` +
        `export default function* blocker() {\n` +
        `  yield* log("blocking");\n  yield* block(1000);\n}\n`,
    );
    const child = denoCommand(["run", "--allow-read", "--allow-env", labScript, file], {
      env: { NO_COLOR: "1" },
      stderr: "null",
    }).spawn();
    const stdout = new ChildOutput(child.stdout);
    await stdout.readUntil("blocking\n");
    // The signal arrives while the thread is blocked; it is handled after.
    child.kill("SIGINT");
    await stdout.readToEnd();
    equal((await child.status).code, 130);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("cli: the README's own lab file prints whole milliseconds, exactly 1500 in virtual time", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const intro = "A lab file of your own is a module whose default export is a `function*`:";
  const source = /```ts\n([^]*?)```/.exec(readme.slice(readme.indexOf(intro)))![1];
  await withFolder(async (folder) => {
    const file = join(folder, "my_exercise.ts");
    const mod = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(file, source.replace(`"./mod.ts"`, JSON.stringify(mod)));
    const virtual = await lab([file, "--clock", "virtual"]);
    equal(virtual.stdout, "woke after 1500 ms\n");
    equal(virtual.code, 0);
    // On the real clock the figure varies; what it must not be is a fraction.
    const real = await lab([file]);
    match(real.stdout, /^woke after \d+ ms\n$/);
    equal(real.code, 0);
  });
});

// A lab that refuses virtual time offers only the real clock: `lab:flags
// --help` once offered `--clock real|virtual`, and then refused virtual.
for (const name of ["flags", "echo", "latency"]) {
  Deno.test(`cli: ${name} refuses virtual time, so its help offers only --clock real`, async () => {
    const help = await lab([name, "--help"]);
    equal(help.code, 0);
    match(help.stdout, /^ {6}--clock real +real only/m);
    match(help.stdout, /^Clock: real only \(/m);
    ok(!/--clock \S*virtual/.test(help.stdout), help.stdout);
    const refused = await lab([name, "--clock", "virtual"]);
    match(
      refused.stderr,
      new RegExp(`^error: ${name} cannot run on the virtual clock: .*; allowed: real\n`),
    );
    equal(refused.code, 2);
  });
}

Deno.test("cli: a lab that accepts both clocks offers both in its help", async () => {
  const { stdout } = await lab(["countdown", "--help"]);
  match(stdout, /^ {6}--clock real\|virtual +/m);
  match(stdout, /^Clock: real by default$/m);
});

/**
 * Run `body` with a lab file that prints `waiting`, sleeps, and whose
 * cleanup, once halted, prints `cleanup started` and then does `cleanup`.
 */
async function withCleanupLab(cleanup: string, body: (file: string) => Promise<void>) {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const verbs = new URL("../runtimes/verbs.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { log, sleep, suspend } from "${verbs}";\n` +
        `export default function* stuck() {\n` +
        `  try {\n    yield* log("waiting");\n    yield* sleep(100_000);\n` +
        `  } finally {\n    console.log("cleanup started");\n    ${cleanup}\n  }\n}\n`,
    );
    await body(file);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("cli: a cleanup that never ends is said, once, with how to stop it; a second Ctrl-C does, exit 130", async () => {
  await withCleanupLab("yield* suspend();", async (file) => {
    const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
    await run.stdout.readUntil("waiting\n");
    run.child.kill("SIGINT");
    await run.stdout.readUntil("cleanup started\n");
    await run.stderr.readUntil(slowCleanupNotice);
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "waiting\ncleanup started\n");
    equal(
      stderr,
      `${slowCleanupNotice}\ninterrupted again: stopped before the run's cleanup finished\n`,
    );
  });
});

Deno.test("cli: a cleanup that blocks its thread for ever is said and stopped: exit 130", async () => {
  await withCleanupLab("while (true) {}", async (file) => {
    const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
    await run.stdout.readUntil("waiting\n");
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "waiting\ncleanup started\n");
    equal(
      stderr,
      `${busyInCleanupNotice}\ninterrupted: the lab's thread stayed busy during its cleanup ` +
        "for 3 s; stopped it where it was, its cleanup unfinished\n",
    );
  });
});

Deno.test("cli: SIGTERM halts the run as Ctrl-C does: cleanup runs, exit 130", async () => {
  await withCleanupLab("", async (file) => {
    const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
    await run.stdout.readUntil("waiting\n");
    run.child.kill("SIGTERM");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "waiting\ncleanup started\n");
    equal(stderr, "");
  });
});

for (
  const [call, code] of [["close()", 0], ["self.close()", 0], [
    "Deno.exitCode = 3; close()",
    0,
  ]] as const
) {
  Deno.test(`cli: a lab file that calls ${call} ends the process as plain Deno does: exit ${code}`, async () => {
    const file = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      await Deno.writeTextFile(
        file,
        `export default function* closer() {\n  console.log("closing");\n  ${call};\n}\n`,
      );
      const run = spawnWatched(["run", "--allow-read", "--allow-env", labScript, file]);
      const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
      equal((await run.status).code, code, stderr);
      equal(stdout, "closing\n");
    } finally {
      await Deno.remove(file);
    }
  });
}

Deno.test("cli: Ctrl-C before the lab has started says so: nothing to clean up, exit 130", async () => {
  // A command module that never finishes loading: its thread is busy in
  // the import, before the lab could start.
  const folder = await Deno.makeTempDir();
  try {
    const command = join(folder, "slow_command.ts");
    await Deno.writeTextFile(command, `console.log("loading");\nwhile (true) {}\n`);
    const driver = join(folder, "driver.ts");
    const labThread = new URL("../tools/lab_thread.ts", import.meta.url).href;
    await Deno.writeTextFile(
      driver,
      `import { runInLabThread } from "${labThread}";\n` +
        `Deno.exit(await runInLabThread(new URL("./slow_command.ts", import.meta.url), ` +
        `"run", []));\n`,
    );
    const run = spawnWatched(["run", "--allow-read", "--allow-env", driver]);
    await run.stdout.readUntil("loading\n");
    run.child.kill("SIGINT");
    const [stdout, stderr] = await Promise.all([run.stdout.readToEnd(), run.stderr.readToEnd()]);
    equal((await run.status).code, 130);
    equal(stdout, "loading\n");
    equal(
      stderr,
      `${loadingNotice}\ninterrupted: the lab's thread was still loading the kit after 2 s; ` +
        "stopped it before the lab started, so there was nothing to clean up\n",
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
