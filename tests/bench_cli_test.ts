// The benchmarks' command lines as a user meets them, through `deno task`:
// `--help`, options after the task's name reaching the script, usage errors,
// and Ctrl-C on `bench:flags` cleaning up. No benchmark is run to its end.

import { equal, match, ok, rejects } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { relative, sep } from "node:path";
import { runtimeNames } from "../runtimes/registry.ts";
import { ChildOutput, denoCommand, outputOf } from "./harness.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));

/** `deno task <args>` in the kit's folder, with plain text. */
const task = (args: string[]) =>
  outputOf(denoCommand(["task", ...args], { cwd: repo, env: { NO_COLOR: "1" } }));

/** Each benchmark task, the first line of its usage and the options it allows. */
const benchmarks: [string, string, string][] = [
  [
    "bench",
    "Usage: deno task bench [-- options]",
    "--tasks, --reps, --memory-reps, --only or --help",
  ],
  [
    "bench:scale",
    "Usage: deno task bench:scale [-- options]",
    "--hold, --chain, --depth or --help",
  ],
  ["bench:flags", "Usage: deno task bench:flags [-- options]", "--help"],
  ["bench:alloc", "Usage: deno task bench:alloc [-- options]", "--tasks or --help"],
];

Deno.test("bench cli: deno task bench:alloc refuses a task count out of range, exit 2", async () => {
  for (const count of ["0", "x", "100001"]) {
    const { code, stdout, stderr } = await task(["bench:alloc", "--tasks", count]);
    equal(code, 2, count);
    equal(stdout, "", "nothing measured");
    match(stderr, new RegExp(`--tasks takes a whole number from 1 to 100000, not '${count}'`));
  }
});

for (const [name, usageLine, allowed] of benchmarks) {
  for (const help of [["--help"], ["--", "-h"]]) {
    Deno.test(`bench cli: deno task ${name} ${help.join(" ")} prints the usage and exits 0`, async () => {
      const { code, stdout } = await task([name, ...help]);
      equal(code, 0);
      equal(stdout.split("\n")[0], usageLine);
      match(stdout, /\n {2}-h, --help {2,}show this help\n$/);
    });
  }

  Deno.test(`bench cli: deno task ${name} --bogus names it and the allowed options, exit 2`, async () => {
    const { code, stdout, stderr } = await task([name, "--bogus"]);
    equal(code, 2);
    equal(stdout, "", "nothing measured");
    ok(
      stderr.includes(`\nerror: unknown option --bogus; allowed: ${allowed}\n\n${usageLine}\n`),
      stderr,
    );
  });

  Deno.test(`bench cli: deno task ${name} -- extra refuses the argument, exit 2`, async () => {
    const { code, stdout, stderr } = await task([name, "--", "extra"]);
    equal(code, 2);
    equal(stdout, "");
    match(stderr, new RegExp(`^error: unexpected argument 'extra'; allowed: ${allowed}$`, "m"));
  });
}

Deno.test("bench cli: bench/runtimes.ts's options reach it through deno task bench", async () => {
  // Refused by runtimes.ts itself, before anything is measured.
  for (const args of [["--tasks", "0"], ["--", "--reps", "1", "--tasks", "x"]]) {
    const { code, stdout, stderr } = await task(["bench", ...args]);
    equal(code, 2, args.join(" "));
    equal(stdout, "");
    match(stderr, /^error: --tasks takes a whole number of 1 or more, not '(0|x)'$/m);
  }
});

Deno.test("bench cli: deno task bench --only refuses a name it does not know, naming the allowed ones, exit 2", async () => {
  const allowed = "allowed: spawn-join, heap, ping-pong, timeouts or sleepers";
  const cases: [string, string][] = [
    ["spawn-join,bogus", `unknown scenario 'bogus' in --only; ${allowed}`],
    ["spawn+join", `unknown scenario 'spawn\\+join' in --only; ${allowed}`],
    ["heap,", `--only takes a comma list of scenarios, not 'heap,'; ${allowed}`],
  ];
  for (const [names, message] of cases) {
    const { code, stdout, stderr } = await task(["bench", "--only", names]);
    equal(code, 2, names);
    equal(stdout, "", "nothing measured");
    match(stderr, new RegExp(`^error: ${message}$`, "m"));
  }
  const missing = await task(["bench", "--only"]);
  equal(missing.code, 2);
  match(missing.stderr, /^error: --only needs a value/m);
});

Deno.test("bench cli: deno task bench --only timeouts measures that scenario alone and says so", async () => {
  const { code, stdout } = await task([
    "bench",
    "--only",
    "timeouts",
    "--tasks",
    "20",
    "--reps",
    "1",
  ]);
  equal(code, 0, stdout);
  const titles = stdout.split("\n").filter((line) => /^\S/.test(line));
  equal(
    titles[0],
    "timeout(1000, an operation that finishes at once), 20 in sequence (median of 1, interleaved)",
  );
  match(
    titles[1],
    /^(every goal held \(the goals of timeouts\)|MISSED \d+ of the goals of timeouts: )/,
  );
  match(titles[2], /^results: .*\/bench\/results\/only\.json$/);
  equal(titles.length, 3, stdout);
  match(stdout, /^ {2}effect +\d/m);
});

Deno.test("bench cli: bench:scale --hold takes the seven sleeping contenders only, exit 2", async () => {
  const allowed =
    "generator, nursery, native, promises, promises-aborted, generators or effect-native";
  // effection and effect are runtimes, but not contenders here.
  for (const kind of ["threads", "effection", "effect"]) {
    const unknown = await task(["bench:scale", "--hold", kind]);
    equal(unknown.code, 2, kind);
    equal(unknown.stdout, "", "nothing measured");
    match(
      unknown.stderr,
      new RegExp(`^error: unknown --hold '${kind}'; allowed: ${allowed}$`, "m"),
    );
  }
  const missing = await task(["bench:scale", "--hold"]);
  equal(missing.code, 2);
  match(missing.stderr, new RegExp(`^error: --hold needs a value: one of ${allowed}$`, "m"));
});

Deno.test("bench cli: bench:scale --help names every sleeping contender and issue 16's gate", async () => {
  const { code, stdout } = await task(["bench:scale", "--help"]);
  equal(code, 0);
  const text = stdout.replaceAll(/\s+/g, " ");
  match(
    text,
    / --hold KIND hold 1,000,000 tasks of KIND asleep .* KIND: generator, nursery, native, promises, promises-aborted, generators or effect-native --chain /,
  );
  match(
    text,
    /generator and nursery at most 500 MB and under 0\.5 s, native at most 1\.5x raw promises' clearTimeout of each/,
  );
});

Deno.test("bench cli: bench:scale --chain takes a runtime and --depth a whole number, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--chain", "threads", "--depth", "5"],
      /^error: unknown --chain 'threads'; allowed: native, nursery, generator, effection or effect$/m,
    ],
    [["--chain", "nursery"], /^error: --chain needs --depth N, the chain's depth$/m],
    [
      ["--chain", "nursery", "--depth", "0"],
      /^error: --depth takes a whole number of 1 or more, not '0'$/m,
    ],
    [["--depth", "5"], /^error: --depth goes with --chain RUNTIME$/m],
    [
      ["--hold", "generator", "--chain", "nursery", "--depth", "5"],
      /^error: --hold and --chain cannot be given together$/m,
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await task(["bench:scale", ...args]);
    equal(code, 2, args.join(" "));
    equal(stdout, "", "nothing measured");
    match(stderr, message);
  }
});

Deno.test("bench cli: bench:flags --help says what it measures", async () => {
  const { stdout } = await task(["bench:flags", "--help"]);
  match(stdout, /every code, -m 50: elapsed time against the ideal ceil\(N \/ 50\) x 500 ms/);
  match(stdout, /sequential \(-m 1\) against concurrent \(-m 20\)/);
});

Deno.test("bench cli: Ctrl-C on deno task bench:flags stops the lab and the server, removes its folder, exits 130", async () => {
  const child = denoCommand(["task", "bench:flags"], {
    cwd: repo,
    env: { NO_COLOR: "1" },
    stdout: "null",
  }).spawn();
  const stderr = new ChildOutput(child.stderr);
  const seen = await stderr.readUntil(/server (\S+), the lab's downloads in (\S+)\n/);
  const [, site, folder] = /server (\S+), the lab's downloads in (\S+)\n/.exec(seen)!;

  // Wait until a lab run is writing flags into its folder (a file created
  // one level down), or until the benchmark ends, which fails the test.
  const watcher = Deno.watchFs(folder, { recursive: true });
  const downloading = (async () => {
    for await (const event of watcher) {
      const inRun = event.paths.some((path) => relative(folder, path).includes(sep));
      if (event.kind === "create" && inRun) return true;
    }
    return false;
  })();
  const started = await Promise.race([downloading, child.status.then(() => false)]);
  try {
    watcher.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error; // closed as the loop returned
  }
  await downloading;
  ok(started, `the benchmark ended before a download started:\n${stderr.text}`);

  child.kill("SIGINT");
  // Checked before reading stderr to its end: a server left running would
  // hold the pipe open, and the test would hang instead of failing.
  equal((await child.status).code, 130);
  await rejects(Deno.stat(folder), Deno.errors.NotFound);
  await rejects(
    Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(site).port) }),
    Deno.errors.ConnectionRefused,
    "the flags server still listens",
  );
  const said = await stderr.readToEnd();
  match(said, /^interrupted: /m);
  // Its progress, piped: a plain line as the first lab run starts.
  // Three runs of three commands per runtime.
  const total = runtimeNames.length * 9;
  match(
    said,
    new RegExp(`^bench:flags \\[#?\\.+\\] 1/${total} \\d+ s {2}native -a -m 50, run 1 of 3$`, "m"),
  );
});

// Each long run says in its --help roughly how long a default run takes.
for (
  const [name, duration] of [
    ["bench", /takes several minutes/],
    ["bench:scale", /takes about 4 minutes/],
    ["bench:flags", /takes almost 3 minutes/],
    ["report", /takes about \d+ s/],
  ] as const
) {
  Deno.test(`bench cli: deno task ${name} --help says how long a run takes and that progress goes to stderr`, async () => {
    const { code, stdout } = await task([name, "--help"]);
    equal(code, 0);
    match(stdout.replaceAll("\n", " "), duration);
    match(stdout.replaceAll("\n", " "), /[Pp]rogress goes to stderr/);
  });
}
