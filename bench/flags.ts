/**
 * The flags benchmark: the flags server in its own process with a fixed
 * 500 ms delay, the flags lab under every runtime against it.
 *
 * - Every code the server has, `-m 50`: the lab's elapsed time against the
 *   ideal `ceil(N / 50) x 500 ms`; goal at most 1.1x the ideal plus 100 ms.
 * - The top 20, sequential (`-m 1`) against concurrent (`-m 20`): the
 *   speed-up (ideally 20x).
 *
 * Medians of three runs. Benchmarks report; tests judge: the exit status is
 * 0 even when a goal is missed.
 *
 *     $ deno task bench:flags
 *     $ deno task bench:flags --help
 *
 * The lab's downloads go to a temporary folder (`flags_bench_*`), named on
 * stderr with the server's address as the benchmark starts. Ctrl-C stops
 * the lab run in progress and the server, removes the folder and exits
 * with status 130; a second Ctrl-C kills the children outright, and the
 * folder is still removed.
 *
 * @module
 */

import { runtimeNames } from "../runtimes/registry.ts";
import { exitStatus, onCtrlC, parseOptionsOrExit } from "../tools/cli.ts";
import { type Progress, showProgress } from "../tools/progress.ts";

const delayMs = 500;
const repo = new URL("..", import.meta.url).pathname;
const permissions = [
  "--unstable-no-legacy-abort",
  "--allow-read",
  "--allow-env",
  "--allow-net=127.0.0.1",
];

// ---------------------------------------------------------------------------
// The children: the server and each lab run, stopped on Ctrl-C.
// ---------------------------------------------------------------------------

/** The child processes still running: the server, the lab run in progress. */
const running = new Set<Deno.ChildProcess>();

function spawnChild(command: Deno.Command): Deno.ChildProcess {
  const child = command.spawn();
  running.add(child);
  void child.status.then(() => running.delete(child));
  return child;
}

/** Send `signal` to every child still running; one that has just exited is passed over. */
function signalChildren(signal: Deno.Signal): void {
  for (const child of running) {
    try {
      child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // it has exited already
    }
  }
}

/**
 * Start the server in its own process; answers its flags URL and a way to
 * stop it. A Ctrl-C while it starts stops it (the handler signals every
 * child), and this throws.
 */
async function startServer(
  signal: AbortSignal,
): Promise<{ site: string; stop: () => Promise<void> }> {
  signal.throwIfAborted();
  const server = spawnChild(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...permissions,
        `${repo}flags_server.ts`,
        "--port",
        "0",
        "--delay",
        String(delayMs),
      ],
      stdout: "piped",
      stderr: "inherit",
    }),
  );
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const readToEnd = async () => {
    while (!(await lines.read()).done); // the access log, then its goodbye
  };
  /** Stop it (after a Ctrl-C it has had its SIGINT already) and read its output to the end. */
  const stop = async (rest: Promise<void>) => {
    if (!signal.aborted) {
      try {
        server.kill("SIGINT");
      } catch (error) {
        if (!(error instanceof TypeError)) throw error; // it has exited already
      }
    }
    await server.status;
    await rest;
  };
  let banner = "";
  try {
    while (!/http:\S+\/flags\//.test(banner)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the flags server did not start: ${banner}`);
      banner += value;
    }
  } catch (error) {
    await stop(readToEnd());
    throw error;
  }
  const site = /http:\S+\/flags(?=\/)/.exec(banner)![0];
  const drained = readToEnd(); // meanwhile, so that the access log never fills the pipe
  return { site, stop: () => stop(drained) };
}

/**
 * Run the lab once, its downloads in a fresh folder under `folder` (removed
 * afterwards); answers the elapsed time it printed, in ms, and its summary
 * line. Aborting `signal` stops the lab (the Ctrl-C handler signals it) and
 * throws once it has exited.
 */
async function runLab(
  site: string,
  runtime: string,
  args: string[],
  folder: string,
  signal: AbortSignal,
): Promise<[number, string]> {
  signal.throwIfAborted();
  const dest = await Deno.makeTempDir({ dir: folder, prefix: "run_" });
  try {
    signal.throwIfAborted();
    const output = await spawnChild(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...permissions,
          `--allow-write=${dest}`,
          `${repo}tools/lab.ts`,
          "flags",
          "--runtime",
          runtime,
          "-s",
          site,
          "--dest",
          dest,
          ...args,
        ],
        stdout: "piped",
        stderr: "null",
      }),
    ).output();
    signal.throwIfAborted();
    const text = new TextDecoder().decode(output.stdout);
    const elapsed = /Elapsed time: ([\d.]+)s/.exec(text);
    if (!elapsed) throw new Error(`the lab printed no elapsed time:\n${text}`);
    const summary = text.split("\n").find((line) => line.includes("downloaded"))?.trim() ?? "";
    return [Number(elapsed[1]) * 1000, summary];
  } finally {
    await Deno.remove(dest, { recursive: true });
  }
}

async function medianOf3(
  site: string,
  runtime: string,
  args: string[],
  folder: string,
  signal: AbortSignal,
  progress: Progress,
): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < 3; run++) {
    progress.step(`${runtime} ${args.join(" ")}, run ${run + 1} of 3`);
    samples.push((await runLab(site, runtime, args, folder, signal))[0]);
  }
  return samples.sort((a, b) => a - b)[1];
}

async function measure(site: string, folder: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(`${site}/`, { signal });
  const codes = (await response.text()).trim().split(/\s+/).length;
  const ideal = Math.ceil(codes / 50) * delayMs;
  const bound = 1.1 * ideal + 100;
  const missed: string[] = [];
  // Three runs of -m 50, of -m 1 and of -m 20 under every runtime.
  const progress = showProgress("bench:flags", runtimeNames.length * 9);
  console.log(`flags server in its own process, fixed ${delayMs} ms delay, ${codes} codes`);
  console.log(
    `every code, -m 50 (median of 3): ideal ceil(${codes}/50) x ${delayMs} = ${ideal} ms, goal <= ${bound} ms`,
  );
  for (const runtime of runtimeNames) {
    const elapsed = await medianOf3(site, runtime, ["-a", "-m", "50"], folder, signal, progress);
    const holds = elapsed <= bound;
    if (!holds) missed.push(`${runtime} ${elapsed.toFixed(0)} ms > ${bound} ms`);
    console.log(
      `  ${runtime.padEnd(10)} ${elapsed.toFixed(0).padStart(5)} ms  ${
        (elapsed / ideal).toFixed(3)
      }x ideal  ${holds ? "ok" : "MISSED"}`,
    );
  }
  console.log(`top 20, sequential (-m 1) against concurrent (-m 20), median of 3`);
  for (const runtime of runtimeNames) {
    const sequential = await medianOf3(site, runtime, ["-m", "1"], folder, signal, progress);
    const concurrent = await medianOf3(site, runtime, ["-m", "20"], folder, signal, progress);
    console.log(
      `  ${runtime.padEnd(10)} -m 1: ${sequential.toFixed(0).padStart(5)} ms  -m 20: ${
        concurrent.toFixed(0).padStart(4)
      } ms  speed-up ${(sequential / concurrent).toFixed(1)}x`,
    );
  }
  progress.done();
  console.log(
    missed.length === 0 ? "every goal held" : `MISSED ${missed.length}: ${missed.join("; ")}`,
  );
}

// ---------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------

const usage = [
  "Usage: deno task bench:flags [-- options]",
  "",
  `Starts the flags server in its own process with a fixed ${delayMs} ms delay and runs`,
  "the flags lab against it under every runtime, median of 3 runs each:",
  `  - every code, -m 50: elapsed time against the ideal ceil(N / 50) x ${delayMs} ms`,
  "    (goal: at most 1.1x the ideal plus 100 ms);",
  "  - the top 20, sequential (-m 1) against concurrent (-m 20): the speed-up.",
  "The downloads go to a temporary folder, removed at the end and on Ctrl-C.",
  "Missed goals are printed as MISSED; the exit status is still 0. Progress goes to",
  "stderr; a run takes almost 3 minutes.",
  "",
  "Options:",
  "  -h, --help   show this help",
].join("\n");

/** Answers once the arguments are valid; `--help` and a usage error exit here. */
function parseCommandLine(args: string[]): void {
  parseOptionsOrExit(args, { help: { type: "boolean", short: "h" } }, usage);
}

async function main(): Promise<number> {
  // Ctrl-C stops the children (the lab run exits once its own cleanup ran,
  // the server once it has answered); the finally blocks then remove the
  // folder. A second Ctrl-C kills the children outright.
  const interrupt = onCtrlC(() => signalChildren("SIGKILL"));
  interrupt.signal.addEventListener("abort", () => signalChildren("SIGINT"));
  try {
    const folder = await Deno.makeTempDir({ prefix: "flags_bench_" });
    try {
      const { site, stop } = await startServer(interrupt.signal);
      try {
        console.error(`flags bench: server ${site}, the lab's downloads in ${folder}`);
        await measure(site, folder, interrupt.signal);
      } finally {
        await stop();
      }
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
  } finally {
    interrupt.stop();
  }
  if (interrupt.signal.aborted) {
    console.error("interrupted: the benchmark stopped, its children and temporary folder are gone");
    return exitStatus.interrupted;
  }
  return exitStatus.ok;
}

if (import.meta.main) {
  parseCommandLine(Deno.args);
  Deno.exit(await main());
}
