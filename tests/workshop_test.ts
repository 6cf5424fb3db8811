// The workshop: driven through every step from a file of answers, as a
// learner at a terminal would be; a wrong prediction for a coroutine demo
// set beside the real output with the differences marked, before the
// commentary; progress kept in the learner's folder and resumed; usage
// errors; the prediction's alignment; and the handout's page, written by the
// command line (the browser test opens it).

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exercises } from "../exercises/mod.ts";
import {
  comparePrediction,
  progressName,
  readProgress,
  renderPrediction,
  takeStep,
  writeProgress,
} from "../tools/workshop.ts";
import { argumentsOf, kitFolder, runLab } from "../tools/workshop_run.ts";
import { loadLab } from "../tools/lab.ts";
import { settleCodes, top20 } from "../labs/flags_codes.ts";
import { markdownToHtml, realTimeHtml, writeHandoutFiles } from "../tools/workshop_handout.ts";
import { folderMarkers, OutputRefused } from "../tools/output_folder.ts";
import { writeSite } from "../tools/report.ts";
import { commandOf, type Step, steps } from "../tools/workshop_steps.ts";
import { ChildOutput, denoCommand, runDeno } from "./harness.ts";

const workshopScript = fileURLToPath(new URL("../tools/workshop.ts", import.meta.url));
const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

/** The workshop task's `deno` arguments, then `args`. */
const workshopArgs = (args: string[]) => [
  "run",
  "--allow-read",
  "--allow-env",
  "--allow-net=127.0.0.1",
  "--allow-write",
  workshopScript,
  ...args,
];

/** `deno task workshop <args>`, with the task's permissions, run from `folder`. */
const workshop = (folder: string, args: string[]) =>
  runDeno(workshopArgs(args), { INIT_CWD: folder });

/** Demo 2's, in a file the learner names with @FILE. */
const demo2Output = ["1", "2", "3", "{ value: undefined, done: true }", "caught: too late"];

/** The answers a learner types for `step`: a guess, a prediction, yes to every run, Enter. */
function answersFor(step: Step, last: boolean): string[] {
  const answers: string[] = [];
  const prediction = step.prediction;
  if (prediction?.kind === "question") answers.push("a guess");
  if (prediction?.kind === "output") {
    const demo = prediction.run.args.join(" ");
    // Demo 1 predicted wrong (Python's habit), demo 2 right and from a file.
    if (demo === "--demo 1") answers.push("{ value: 42, done: false }", "StopIteration", ".");
    else if (demo === "--demo 2") answers.push("@demo2.txt");
    else answers.push(".");
    answers.push("y");
  }
  for (const _ of step.runs) answers.push("y");
  if (!last) answers.push("");
  return answers;
}

/** The text of step `number`'s part of a transcript. */
function stepText(stdout: string, number: number): string {
  const start = stdout.indexOf(`== Step ${number} of ${steps.length}:`);
  const end = stdout.indexOf(`== Step ${number + 1} of ${steps.length}:`);
  ok(start !== -1, `step ${number} is not in the transcript`);
  return stdout.slice(start, end === -1 ? undefined : end);
}

/** The kit's own `downloads/`, where `deno task lab:flags` saves by default. */
const kitDownloads = fileURLToPath(new URL("../downloads", import.meta.url));

Deno.test("workshop: every step driven from a file of answers, a wrong prediction marked against the real output", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const started = new Date();
  try {
    const answers = steps.flatMap((step, index) => answersFor(step, index === steps.length - 1));
    await Deno.writeTextFile(join(folder, "answers.txt"), answers.join("\n") + "\n");
    await Deno.writeTextFile(join(folder, "demo2.txt"), demo2Output.join("\n") + "\n");
    const { code, stdout, stderr } = await workshop(folder, ["--answers", "answers.txt"]);
    equal(code, 0, stderr);
    ok(!stdout.includes("\x1b["), "NO_COLOR: no escape sequence");
    // Every step, in order, and every one of its runs, run.
    let at = -1;
    for (const [index, step] of steps.entries()) {
      const text = stepText(stdout, index + 1);
      const found = stdout.indexOf(text);
      ok(found > at, `step ${index + 1} out of order`);
      at = found;
      const runs = step.prediction?.kind === "output"
        ? [step.prediction.run, ...step.runs]
        : step.runs;
      for (const run of runs) ok(text.includes(`$ ${commandOf(run)}\n`), commandOf(run));
      for (const path of step.read) ok(text.includes(path), path);
      ok(text.includes("What to notice:"), `step ${index + 1} has no notice`);
      if (step.prediction?.kind === "question") ok(text.includes("You predicted: a guess"));
    }
    ok(stdout.includes("That was the last step."));
    // Each run shown is the command it names: a run on the virtual clock printed what
    // `deno task lab:...` prints, line for line, and ended with its exit status.
    await sameAsTheirCommands(stdout);

    // Demo 1: the source, then the prediction, then the two side by side, then the why.
    const demo1 = stepText(stdout, steps.findIndex((step) => step.title.includes("demo 1")) + 1);
    const order = [
      "export function demo1(",
      "your prediction",
      "you expected",
      "StopIteration at this point",
    ].map((text) => demo1.indexOf(text));
    ok(order.every((index, i) => index !== -1 && (i === 0 || index > order[i - 1])), `${order}`);
    match(demo1, /^ {2}\{ value: 42, done: false \} {3}\{ value: 42, done: false \}$/m);
    match(demo1, /^ {2}StopIteration {14}\| \{ value: undefined, done: true \}$/m);
    match(demo1, /1 of 2 printed lines as you expected/);
    match(demo1, /StopIteration at this point/);
    // The real output was not printed before the prediction was asked.
    ok(demo1.indexOf("done: true }") > demo1.indexOf("your prediction"));
    match(stepText(stdout, 6), /exactly as you expected/);

    deepEqual(await readProgress(folder), {
      next: steps.length + 1,
      done: steps.map((_, index) => index + 1),
    });
    ok(JSON.parse(await Deno.readTextFile(join(folder, progressName))));
    // Only the answers, the prediction, the progress file and the flags step's downloads, in
    // the learner's folder: nothing else left behind, and nothing saved in the kit's folder.
    deepEqual(
      await namesIn(folder),
      [progressName, "answers.txt", "demo2.txt", "downloads"].sort(),
    );
    deepEqual(
      await namesIn(join(folder, "downloads")),
      settleCodes(top20, 10).map((code) => `${code.toLowerCase()}.svg`),
    );
    for (const name of await namesIn(kitDownloads).catch(() => [])) {
      const { mtime } = await Deno.stat(join(kitDownloads, name));
      ok(mtime! < started, `downloads/${name} was written in the kit's folder`);
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

/** The permissions and script of `deno task lab:<lab>`, as deno.json has them. */
async function labTask(lab: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(kitFolder, "deno.json")));
  const task: string = config.tasks[`lab:${lab}`];
  ok(task?.startsWith("deno run "), `no task lab:${lab}`);
  return task.split(" ").slice(1).map((word) => word === "tools/lab.ts" ? labScript : word);
}

/** The lines a transcript shows under `$ command`, and the exit status it shows (0 if none). */
function shownUnder(transcript: string, command: string): { printed: string[]; status: number } {
  const at = transcript.indexOf(`$ ${command}\n`);
  ok(at !== -1, command);
  const lines = transcript.slice(at + command.length + 3).split("\n");
  const block = lines.slice(0, lines.findIndex((line) => !line.startsWith("  ")));
  const status = block.at(-1)?.match(/^ {2}\(exit status (\d+)\)$/);
  return {
    printed: block.filter((line) => !/^ {2}(stderr: |\(exit status )/.test(line)),
    status: status ? Number(status[1]) : 0,
  };
}

/**
 * Every run of every step, as a transcript shows it: a run on the virtual
 * clock is run again as the command it names, in its own process, and its
 * stdout must be the lines shown under the command, its exit status the one
 * shown; a run on the real clock (flags, latency, echo) printed and ended 0.
 */
async function sameAsTheirCommands(transcript: string): Promise<void> {
  const virtual = [];
  for (const run of steps.flatMap((step) => step.runs)) {
    const { defaultClock } = await loadLab(run.lab);
    const clock = run.args.includes("--clock")
      ? run.args[run.args.indexOf("--clock") + 1]
      : defaultClock;
    if (clock === "virtual") {
      virtual.push(run);
    } else {
      const { printed, status } = shownUnder(transcript, commandOf(run));
      ok(printed.length > 0 && status === 0, `${commandOf(run)}: ${printed} (${status})`);
    }
  }
  ok(virtual.length >= 8, `${virtual.length} runs on the virtual clock`);
  await Promise.all(virtual.map(async (run) => {
    const { printed, status } = shownUnder(transcript, commandOf(run));
    const real = await runDeno([...await labTask(run.lab), ...run.args]);
    equal(real.code, status, `${commandOf(run)}: ${real.stderr}`);
    deepEqual(printed, real.stdout.replace(/\n$/, "").split("\n").map((line) => `  ${line}`));
  }));
}

Deno.test("workshop: answers that run out stop the walk with progress kept; the next run resumes", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  try {
    // Step 3 (the countdown): a guess, its run, Enter; step 4 stops at its prediction.
    await Deno.writeTextFile(join(folder, "a.txt"), "a guess\ny\n\n");
    const first = await workshop(folder, ["--step", "3", "--answers", "a.txt"]);
    equal(first.code, 0, first.stderr);
    match(first.stdout, /No more answers: stopped before step 4; deno task workshop goes on/);
    deepEqual(await readProgress(folder), { next: 4, done: [3] });
    await Deno.writeTextFile(join(folder, "b.txt"), "q\n");
    const second = await workshop(folder, ["--answers", "b.txt"]);
    equal(second.code, 0, second.stderr);
    match(second.stdout, /^Resuming at step 4 \(--step 1 starts over\)\./);
    match(second.stdout, /== Step 4 of \d+: Countdown, blocking/);
    deepEqual(await readProgress(folder), { next: 4, done: [3] });
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: typed answers on stdin; Ctrl-C at a prompt stops with 130, progress kept", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const child = denoCommand(workshopArgs(["--step", "3"]), {
    stdin: "piped",
    env: { NO_COLOR: "1", INIT_CWD: folder },
  }).spawn();
  // A safety net, not a measure: a Ctrl-C never handled fails the test instead of hanging it.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const stdout = new ChildOutput(child.stdout);
  const stderr = new ChildOutput(child.stderr);
  const stdin = child.stdin.getWriter();
  try {
    await stdout.readUntil("Predict: Which countdown ends last");
    await stdin.write(new TextEncoder().encode("B, at 6 s\n"));
    await stdout.readUntil("run `deno task lab:countdown --clock virtual`? [Y/n/q]");
    child.kill("SIGINT");
    const status = await child.status;
    equal(status.code, 130, await stderr.readToEnd());
    match(
      await stdout.readToEnd(),
      /Interrupted before step 3 was done; deno task workshop goes on/,
    );
    deepEqual(await readProgress(folder), { next: 3, done: [] });
  } finally {
    clearTimeout(watchdog);
    await stdin.close().catch(() => {});
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: a closed stdout (| head) stops the walk quietly, exit 0, progress kept", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const child = denoCommand(workshopArgs(["--step", "3"]), {
    stdin: "piped",
    env: { NO_COLOR: "1", INIT_CWD: folder },
  }).spawn();
  // A safety net, not a measure: a walk that never stops fails the test instead of hanging it.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const stdout = new ChildOutput(child.stdout);
  const stderr = new ChildOutput(child.stderr);
  const stdin = child.stdin.getWriter();
  try {
    // The walk waits for this answer: stdout is closed before it goes on writing.
    await stdout.readUntil("Predict: Which countdown ends last");
    await stdout.close();
    await stdin.write(new TextEncoder().encode("B, at 6 s\n"));
    const status = await child.status;
    equal(await stderr.readToEnd(), "", "no stack trace, no message");
    equal(status.code, 0);
    deepEqual(await readProgress(folder), { next: 3, done: [] });
  } finally {
    clearTimeout(watchdog);
    await stdin.close().catch(() => {});
    await Deno.remove(folder, { recursive: true });
  }
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`workshop: ${signal} while a step's lab runs halts it, its cleanup done, and exits 130, the step not done`, async () => {
    const folder = await Deno.makeTempDir({ prefix: "workshop-" });
    // Step 1's first run: ten flags, one at a time, each answered after 200 ms, for 2 s.
    await Deno.writeTextFile(join(folder, "a.txt"), "a guess\ny\n");
    const child = denoCommand(workshopArgs(["--step", "1", "--answers", "a.txt"]), {
      env: { NO_COLOR: "1", INIT_CWD: folder },
    }).spawn();
    // A safety net, not a measure: a Ctrl-C never handled fails the test instead of hanging it.
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const stdout = new ChildOutput(child.stdout);
    const stderr = new ChildOutput(child.stderr);
    try {
      // The first flag is saved; the second is on its way when Ctrl-C comes.
      await stdout.readUntil(/^ {2}[A-Z]{2} OK$/m);
      child.kill(signal);
      const status = await child.status;
      const text = await stdout.readToEnd();
      equal(status.code, 130, await stderr.readToEnd());
      // The lab's own cleanup ran: the request in flight was cancelled and counted, its
      // summary printed, and no partial file left; only then the workshop said so.
      const summary = text.indexOf("  --------------------\n");
      ok(summary !== -1, text);
      match(text.slice(summary), /^ {4}\d+ cancelled\.$/m);
      match(text.slice(summary), /\n {2}\(Ctrl-C: the lab was halted, its cleanup done\)\n/);
      match(text, /Interrupted before step 1 was done; deno task workshop goes on/);
      for (const name of await namesIn(join(folder, "downloads"))) match(name, /^[a-z]{2}\.svg$/);
      // The walk stopped at the run: no further run, no commentary, and the step is not done.
      ok(!text.includes("$ deno task lab:flags --delay 200 -l 10 -m 10"), text);
      ok(!text.includes("What to notice:"), text);
      deepEqual(await readProgress(folder), { next: 1, done: [] });
    } finally {
      clearTimeout(watchdog);
      await Deno.remove(folder, { recursive: true });
    }
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`cli: ${signal} while the handout is built halts the lab, writes nothing, removes its downloads, exit 130`, async () => {
    const folder = await Deno.makeTempDir({ prefix: "handout-" });
    // The child's temporary files go here, so that what it leaves can be seen.
    const temporary = join(folder, "tmp");
    await Deno.mkdir(temporary);
    const child = denoCommand(workshopArgs(["--handout", "out"]), {
      env: { NO_COLOR: "1", INIT_CWD: folder, TMPDIR: temporary },
    }).spawn();
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const stdout = new ChildOutput(child.stdout);
    const stderr = new ChildOutput(child.stderr);
    try {
      // Step 1 downloads flags for seconds: the Ctrl-C comes while its lab runs.
      await stderr.readUntil("step 1: Flags");
      child.kill(signal);
      const status = await child.status;
      const said = await stderr.readToEnd();
      equal(status.code, 130, said);
      match(said, /^interrupted: the handout was not written$/m);
      equal(await stdout.readToEnd(), "");
      deepEqual(await namesIn(folder), ["tmp"]);
      deepEqual(await namesIn(temporary), []);
    } finally {
      clearTimeout(watchdog);
      await Deno.remove(folder, { recursive: true });
    }
  });
}

Deno.test("the handout marks a real-clock run's figures as measured: ports written …, settings kept, unordered lines sorted", () => {
  const run = {
    lab: "flags",
    args: ["--delay", "200", "-m", "10", "-v"],
    unordered: /^[A-Z]{2} (OK|not found)$/,
  };
  const measured = (figure: string) => `<span class="measured">${figure}</span>`;
  deepEqual(
    realTimeHtml(run, [
      "LOCAL site: http://127.0.0.1:39787/flags (embedded server: delay 200 ms, no errors)",
      "10 Web Workers (started in 2.94s) will be used",
      "CN OK",
      "BR OK",
      "ZZ not found",
      "--------------------",
      "  2,850 requests in 0.50 s: 5,676 requests/s, 5.5 MiB/s",
      "Elapsed time: 0.22s <&>",
    ]),
    [
      "LOCAL site: http://127.0.0.1:…/flags (embedded server: delay 200 ms, no errors)",
      `10 Web Workers (started in ${measured("2.94")}s) will be used`,
      "BR OK",
      "CN OK",
      "ZZ not found",
      "--------------------",
      `  ${measured("2,850")} requests in ${measured("0.50")} s: ${measured("5,676")} ` +
      `requests/s, ${measured("5.5")} MiB/s`,
      `Elapsed time: ${measured("0.22")}s &lt;&amp;&gt;`,
    ],
  );
  // Without \`unordered\`, the order is the run's.
  deepEqual(realTimeHtml({ lab: "flags", args: [] }, ["CN OK", "BR OK"]), ["CN OK", "BR OK"]);
});

Deno.test("a step's flags are saved in the learner's folder unless the step names --dest", () => {
  const options = { dest: { type: "string", help: "" } };
  deepEqual(argumentsOf({ lab: "flags", args: ["-l", "10"] }, options, "/home/me"), [
    "-l",
    "10",
    "--dest",
    "/home/me/downloads",
  ]);
  deepEqual(argumentsOf({ lab: "flags", args: ["--dest", "x"] }, options, "/home/me"), [
    "--dest",
    "x",
  ]);
  deepEqual(argumentsOf({ lab: "countdown", args: [] }, {}, "/home/me"), []);
});

Deno.test("every file a step or an exercise's statement says to read is in the kit", async () => {
  const kit = fileURLToPath(new URL("../", import.meta.url));
  const named = steps.flatMap((step) => step.read.map((path) => [step.title, path]));
  for (const exercise of exercises) {
    const statement = await Deno.readTextFile(
      join(kit, "exercises", exercise.folder, "README.md"),
    );
    for (
      const [, path] of statement.matchAll(
        /`((?:runtimes|labs|shared|tools|exercises)\/[\w./-]+)`/g,
      )
    ) {
      named.push([`exercise ${exercise.number}`, path]);
    }
  }
  ok(named.length > steps.length, "the statements name files too");
  for (const [where, path] of named) {
    ok(await Deno.stat(join(kit, path)).then(() => true, () => false), `${where}: ${path}`);
  }
});

Deno.test("workshop: usage errors name the problem and the allowed values, exit 2", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  try {
    const step = await workshop(folder, ["--step", "0"]);
    equal(step.code, 2);
    match(
      step.stderr,
      new RegExp(`^error: --step must be a step from 1 to ${steps.length}, not '0'$`, "m"),
    );
    const answers = await workshop(folder, ["--answers", "missing.txt"]);
    equal(answers.code, 2);
    match(answers.stderr, /^error: cannot read --answers missing\.txt: NotFound/m);
    const option = await workshop(folder, ["--stpe", "2"]);
    equal(option.code, 2);
    match(option.stderr, /^error: unknown option --stpe; allowed: --step, --answers/m);
    // --list and --handout cover every step: a walk's option with them is refused, not ignored.
    for (
      const [args, message] of [
        [
          ["--handout", "h", "--step", "2"],
          /^error: --handout takes no --step; give --handout alone$/m,
        ],
        [
          ["--list", "--answers", "a.txt"],
          /^error: --list takes no --answers; give --list alone$/m,
        ],
        [["--list", "--handout", "h"], /^error: --list takes no --handout; give --list alone$/m],
        [["--handout", ""], /^error: --handout needs a folder to write$/m],
      ] as const
    ) {
      const refused = await workshop(folder, [...args]);
      equal(refused.code, 2, args.join(" "));
      match(refused.stderr, message);
      equal(refused.stdout, "");
    }
    deepEqual([...Deno.readDirSync(folder)], [], "nothing written");
    const listed = await workshop(folder, ["--list"]);
    equal(listed.code, 0);
    equal(listed.stdout.trimEnd().split("\n").length, steps.length);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("a prediction beside the output: same, changed, missing and extra lines marked", () => {
  const rows = comparePrediction(["a  b", "x", "c", "gone"], ["a\tb", "y", "c", "new", "more"]);
  deepEqual(rows.map((row) => row.mark), [" ", "|", " ", "|", ">"]);
  // Tabs and spaces count alike, and the printed line is shown as printed.
  deepEqual(rows[0], { mark: " ", expected: "a  b", actual: "a\tb" });
  deepEqual(rows[3], { mark: "|", expected: "gone", actual: "new" });
  const text = renderPrediction(rows, false);
  equal(text[0].trimEnd(), "  you expected   it printed");
  match(text.at(-1)!, /^ {2}2 of 5 printed lines as you expected/);
  deepEqual(
    renderPrediction(comparePrediction(["1"], ["1"]), false).at(-1),
    "  exactly as you expected",
  );
});

Deno.test("a step's run goes through the lab runner's own parsing, on the clock it names", async () => {
  const output = await runLab({
    lab: "countdown",
    args: ["--clock", "virtual", "--runtime", "nursery"],
  }, { folder: "/nonexistent" });
  equal(output.clock, "virtual");
  equal(output.status, 0);
  equal(output.lines.length, 12);
  equal(output.lines.at(-1), "6.000s\t\tB = 1");
});

Deno.test("a lab that refuses its options is a run with its message and status 2, not a crash", async () => {
  const output = await runLab({
    lab: "spinner",
    args: ["--slow", "cpu", "--clock", "virtual"],
  }, { folder: "/nonexistent" });
  equal(output.status, 2);
  deepEqual(output.lines, []);
  match(
    output.failure!,
    /^spinner refused its options: --slow cpu does real work, which takes real time: with --clock virtual, --slow takes sleep or block$/,
  );
  equal(output.clock, "virtual");
  // A shuffle under a runtime that cannot shuffle is refused the same way.
  const shuffled = await runLab({
    lab: "countdown",
    args: ["--clock", "virtual", "--runtime", "native", "--schedule", "shuffle"],
  }, { folder: "/nonexistent" });
  equal(shuffled.status, 2);
  match(shuffled.failure!, /^countdown refused its options: .*native/);
});

Deno.test("workshop: a step whose lab refuses its options shows the lab's message, and the step goes on", async () => {
  const step: Step = {
    title: "A refused run",
    read: ["labs/spinner.ts"],
    intro: ["A CPU-bound job cannot run on the virtual clock."],
    runs: [
      { lab: "spinner", args: ["--slow", "cpu", "--clock", "virtual"] },
      { lab: "countdown", args: ["--clock", "virtual"] },
    ],
    notice: ["The refusal is the lab's own message."],
  };
  const printed: string[] = [];
  const log = console.log;
  console.log = (...data: unknown[]) => void printed.push(data.join(" "));
  try {
    await takeStep(
      {
        answers: () => Promise.resolve("y"),
        color: false,
        signal: new AbortController().signal,
        folder: "/nonexistent",
      },
      step,
      1,
    );
  } finally {
    console.log = log;
  }
  const text = printed.join("\n");
  match(
    text,
    /\$ deno task lab:spinner --slow cpu --clock virtual\n {2}spinner refused its options: --slow cpu does real work.*\n {2}\(exit status 2\)\n/,
  );
  // The next run ran, and the step ended with what to notice.
  match(text, /\$ deno task lab:countdown --clock virtual\n/);
  match(text, /^ {2}6\.000s\t\tB = 1$/m);
  match(text, /What to notice:\n {2}The refusal is the lab's own message\./);
});

Deno.test("the handout's Markdown: paragraphs, lists, fenced code and inline code, escaped", () => {
  equal(
    markdownToHtml(
      "# Title\n\nSome `a<b` and **this**.\n\n- one\n- two\n  more\n\n```\nx < y\n```\n",
    ),
    "<p>Some <code>a&lt;b</code> and <strong>this</strong>.</p>\n" +
      "<ul><li>one</li><li>two more</li></ul>\n<pre>x &lt; y</pre>",
  );
});

Deno.test("cli: workshop --handout DIR writes DIR/index.html, and refuses a folder of other files", async () => {
  const folder = await Deno.makeTempDir({ prefix: "handout-" });
  try {
    const written = await workshop(folder, ["--handout", "out"]);
    equal(written.code, 0, written.stderr);
    equal(written.stdout, "wrote out/index.html\n");
    const html = await Deno.readTextFile(join(folder, "out", "index.html"));
    // A second build, into a folder of its own, differs only in what is marked measured here.
    const again = await workshop(folder, ["--handout", "again"]);
    equal(again.code, 0, again.stderr);
    equal(
      unmeasured(await Deno.readTextFile(join(folder, "again", "index.html"))),
      unmeasured(html),
    );
    // The real-time runs' figures are marked measured; a virtual-time output has none.
    match(html, /Elapsed time: <span class="measured">\d+\.\d+<\/span>s/);
    for (const [, block] of html.matchAll(/<pre class="output reproducible">([^]*?)<\/pre>/g)) {
      ok(!block.includes("measured"), block);
    }
    // The latency lab measures the machine: its whole table, beside the workshop's column.
    const latency = html.match(/<pre class="output measured">([^]*?)<\/pre>/)?.[1] ?? "";
    match(latency, /^L1 cache .* 3 seconds /m);
    match(latency, /^network: loopback .* 7\.6 years /m);
    // The flags it downloaded went into a temporary folder, now gone: none beside the handout.
    deepEqual(await namesIn(folder), ["again", "out"]);
    ok(html.startsWith("<!doctype html>") && html.endsWith("</html>\n"));
    // Offline: no script, no external resource.
    ok(!/<script|<link|<img|src=|url\(/i.test(html));
    for (const [index, step] of steps.entries()) {
      ok(html.includes(`id="step-${index + 1}"`), `step ${index + 1}`);
      const runs = step.prediction?.kind === "output"
        ? [step.prediction.run, ...step.runs]
        : step.runs;
      for (const run of runs) {
        ok(html.includes(`<pre class="command">${commandOf(run)}</pre>`), commandOf(run));
      }
    }
    // The outputs were run, not typed: the blocking countdown's last line, demo 1's answer,
    // the native orphan said on stderr.
    ok(html.includes("12.000s\t\t\t\tD = 1"));
    ok(html.includes("{ value: undefined, done: true }"));
    ok(html.includes("native: the run ended with 1 task still running"));
    for (const exercise of exercises) {
      ok(html.includes(`id="exercise-${exercise.number}"`));
      ok(html.includes(`check ${exercise.number} exercises/${exercise.folder}/mine.ts`));
    }
    await Deno.mkdir(join(folder, "mine"));
    await Deno.writeTextFile(join(folder, "mine", "notes.txt"), "mine\n");
    const refused = await workshop(folder, ["--handout", "mine"]);
    equal(refused.code, 2);
    match(refused.stderr, /^error: --handout .*mine is a folder with other files in it/m);
    equal(await Deno.readTextFile(join(folder, "mine", "notes.txt")), "mine\n");
    // A report's folder is refused, naming what it is.
    await Deno.mkdir(join(folder, "report"));
    await Deno.writeTextFile(join(folder, "report", folderMarkers.report), "");
    await Deno.writeTextFile(join(folder, "report", "index.html"), "report\n");
    const report = await workshop(folder, ["--handout", "report"]);
    equal(report.code, 2, report.stderr);
    match(
      report.stderr,
      /^error: --handout report is a report \(deno task report\), not a workshop/m,
    );
    equal(await Deno.readTextFile(join(folder, "report", "index.html")), "report\n");
    // A file is refused the same way, not with Deno's NotADirectory and a stack.
    await Deno.writeTextFile(join(folder, "afile"), "mine\n");
    const file = await workshop(folder, ["--handout", "afile"]);
    equal(file.code, 2, file.stderr);
    match(file.stderr, /^error: --handout afile is a file; name a new or empty folder/m);
    equal(await Deno.readTextFile(join(folder, "afile")), "mine\n");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

/** A handout's page with what was measured when it was built taken out, as `…`. */
function unmeasured(html: string): string {
  return html
    .replace(/(<span class="measured">)[^<]*(<\/span>)/g, "$1…$2")
    .replace(/(<pre class="output measured">)[^]*?(<\/pre>)/g, "$1…$2");
}

/** The names in `folder`, sorted. */
async function namesIn(folder: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(folder)) names.push(entry.name);
  return names.sort();
}

Deno.test("handout and report: each writes only a new, empty or its own marked folder; the handout keeps what it did not write", async () => {
  const folder = await Deno.makeTempDir({ prefix: "handout-" });
  try {
    const handout = join(folder, "handout");
    await writeHandoutFiles(handout, "one");
    deepEqual(await namesIn(handout), [folderMarkers.handout, "index.html"]);
    // A teacher's file beside a handout survives the next handout.
    await Deno.writeTextFile(join(handout, "notes.txt"), "mine\n");
    await writeHandoutFiles(handout, "two");
    equal(await Deno.readTextFile(join(handout, "index.html")), "two");
    equal(await Deno.readTextFile(join(handout, "notes.txt")), "mine\n");
    deepEqual(await namesIn(handout), [folderMarkers.handout, "index.html", "notes.txt"]);
    // The report refuses the handout's folder, and the handout the report's.
    await assertRejects(
      writeSite(handout, new Map([["index.html", "report"], [folderMarkers.report, ""]])),
      /--out .*handout is a workshop handout \(deno task workshop --handout\), not a report/,
    );
    equal(await Deno.readTextFile(join(handout, "index.html")), "two");
    const report = join(folder, "report");
    await writeSite(report, new Map([["index.html", "report"], [folderMarkers.report, ""]]));
    await assertRejects(
      writeHandoutFiles(report, "three", "report"),
      /^--handout report is a report \(deno task report\), not a workshop handout/,
    );
    deepEqual(await namesIn(report), [folderMarkers.report, "index.html"]);
    equal(await Deno.readTextFile(join(report, "index.html")), "report");
    // Someone's own folder, and a file, are refused; an empty folder is taken.
    const own = join(folder, "own");
    await Deno.mkdir(own);
    await Deno.writeTextFile(join(own, "index.html"), "mine\n");
    await assertRejects(
      writeHandoutFiles(own, "x", "own"),
      /^--handout own is a folder with other files in it/,
    );
    equal(await Deno.readTextFile(join(own, "index.html")), "mine\n");
    await Deno.writeTextFile(join(folder, "afile"), "mine\n");
    await assertRejects(
      writeHandoutFiles(join(folder, "afile"), "x", "afile"),
      /^--handout afile is a file/,
    );
    // A folder the command may not even look at: refused, not an uncaught error.
    await assertRejects(
      writeHandoutFiles("/proc/kit-handout", "x", "/proc/kit-handout"),
      /^--handout \/proc\/kit-handout cannot be used: .+; name a new or empty folder/,
    );
    const empty = join(folder, "empty");
    await Deno.mkdir(empty);
    await writeHandoutFiles(empty, "four");
    equal(await Deno.readTextFile(join(empty, "index.html")), "four");
    // No temporary file left anywhere.
    deepEqual(await namesIn(folder), ["afile", "empty", "handout", "own", "report"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

/** `promise` rejects with an `OutputRefused` whose message matches `message`. */
async function assertRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    ok(error instanceof OutputRefused, String(error));
    match(error.message, message);
    return;
  }
  throw new Error(`not refused: ${message}`);
}

Deno.test("workshop: answers and an @FILE prediction with CRLF or lone CR line endings", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const demo2 = steps.findIndex((step) => step.title.includes("demo 2")) + 1;
  try {
    for (const [answerEnd, predictionEnd] of [["\r", "\r\n"], ["\r\n", "\r"]]) {
      await Deno.writeTextFile(
        join(folder, "demo2.txt"),
        demo2Output.join(predictionEnd) + predictionEnd,
      );
      await Deno.writeTextFile(
        join(folder, "a.txt"),
        ["@demo2.txt", "y", "q"].join(answerEnd) + answerEnd,
      );
      const run = await workshop(folder, ["--step", String(demo2), "--answers", "a.txt"]);
      equal(run.code, 0, run.stderr);
      match(run.stdout, /exactly as you expected/, JSON.stringify(run.stdout));
      ok(!run.stdout.includes("\r"), "no carriage return left in a line");
      match(run.stdout, new RegExp(`Stopped before step ${demo2 + 1}`));
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: an @FILE prediction or an --answers file over its limit is refused, read no further", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const demo2 = steps.findIndex((step) => step.title.includes("demo 2")) + 1;
  try {
    // An endless file: read whole, it would grow memory without end.
    await Deno.writeTextFile(join(folder, "a.txt"), "@/dev/zero\n@demo2.txt\ny\nq\n");
    await Deno.writeTextFile(join(folder, "demo2.txt"), demo2Output.join("\n") + "\n");
    const run = await workshop(folder, ["--step", String(demo2), "--answers", "a.txt"]);
    equal(run.code, 0, run.stderr);
    match(
      run.stdout,
      /^\/dev\/zero is larger than 64 KiB, the most a prediction may be; type the lines, or @ a smaller file$/m,
    );
    match(run.stdout, /exactly as you expected/);
    // Just over the limit, and endless: a usage error naming the limit.
    await Deno.writeTextFile(join(folder, "big.txt"), "y\n".repeat(512 * 1024) + "y");
    for (const name of ["big.txt", "/dev/zero"]) {
      const refused = await workshop(folder, ["--answers", name]);
      equal(refused.code, 2, refused.stderr);
      match(
        refused.stderr,
        /^error: --answers \S+ is larger than 1 MiB, the most an answers file may be$/m,
      );
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: a progress file's next step out of range is warned of; after the last step a rerun says the walk is done", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  const path = join(folder, progressName);
  try {
    await Deno.writeTextFile(join(folder, "none.txt"), "");
    for (const next of [999, -3, 0]) {
      await Deno.writeTextFile(path, JSON.stringify({ next, done: [] }) + "\n");
      const run = await workshop(folder, ["--answers", "none.txt"]);
      equal(run.code, 0, run.stderr);
      match(run.stderr, /^warning: \S+ is not the workshop's progress; starting over$/m);
      match(run.stdout, /== Step 1 of \d+:/);
    }
    const finished = { next: steps.length + 1, done: steps.map((_, index) => index + 1) };
    await Deno.writeTextFile(path, JSON.stringify(finished) + "\n");
    const rerun = await workshop(folder, ["--answers", "none.txt"]);
    equal(rerun.code, 0, rerun.stderr);
    equal(rerun.stderr, "");
    equal(
      rerun.stdout,
      "You have taken every step. deno task workshop --step 1 starts again (--step N goes to step N).\n",
    );
    deepEqual(await readProgress(folder), finished);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: progress is written under .workshop-progress.json.PID.tmp, one leading dot", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  try {
    // A folder where the temporary file goes makes the write fail, naming the temporary file.
    const temporary = `.workshop-progress.json.${Deno.pid}.tmp`;
    await Deno.mkdir(join(folder, temporary));
    let failure: unknown;
    await writeProgress(folder, { next: 2, done: [1] }).catch((error) => failure = error);
    ok(failure instanceof Error, "the write went elsewhere");
    ok(failure.message.includes(`/${temporary}`), failure.message);
    // Nothing half-written left in place of the progress.
    deepEqual(await readProgress(folder), { next: 1, done: [] });
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("workshop: --step is checked with --list and --handout too, exit 2", async () => {
  const folder = await Deno.makeTempDir({ prefix: "workshop-" });
  try {
    for (const args of [["--list"], ["--handout", "out"]]) {
      const run = await workshop(folder, [...args, "--step", "99"]);
      equal(run.code, 2, `${args}: ${run.stdout}`);
      match(
        run.stderr,
        new RegExp(`^error: --step must be a step from 1 to ${steps.length}, not '99'$`, "m"),
      );
      equal(run.stdout, "");
    }
    // No handout written for a refused command.
    await Deno.stat(join(folder, "out")).then(
      () => ok(false, "out/ was written"),
      (error) => ok(error instanceof Deno.errors.NotFound),
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
