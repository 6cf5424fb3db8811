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
 *
 * @module
 */

import { runtimeNames } from "../runtimes/registry.ts";

const delayMs = 500;
const repo = new URL("..", import.meta.url).pathname;
const permissions = [
  "--unstable-no-legacy-abort",
  "--allow-read",
  "--allow-env",
  "--allow-net=127.0.0.1",
];

/** Start the server in its own process; answers its flags URL and a way to stop it. */
async function startServer(): Promise<{ site: string; stop: () => Promise<void> }> {
  const server = new Deno.Command(Deno.execPath(), {
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
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!/http:\S+\/flags\//.test(banner)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the flags server did not start: ${banner}`);
    banner += value;
  }
  const site = /http:\S+\/flags(?=\/)/.exec(banner)![0];
  const drained = (async () => {
    while (!(await lines.read()).done); // the access log
  })();
  return {
    site,
    async stop() {
      server.kill("SIGINT");
      await server.status;
      await drained;
    },
  };
}

/** Run the lab once; answers the elapsed time it printed, in ms, and its summary line. */
async function runLab(site: string, runtime: string, args: string[]): Promise<[number, string]> {
  const dest = await Deno.makeTempDir({ prefix: "flags_bench_" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
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
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    const elapsed = /Elapsed time: ([\d.]+)s/.exec(text);
    if (!elapsed) throw new Error(`the lab printed no elapsed time:\n${text}`);
    const summary = text.split("\n").find((line) => line.includes("downloaded"))?.trim() ?? "";
    return [Number(elapsed[1]) * 1000, summary];
  } finally {
    await Deno.remove(dest, { recursive: true });
  }
}

async function medianOf3(site: string, runtime: string, args: string[]): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < 3; run++) samples.push((await runLab(site, runtime, args))[0]);
  return samples.sort((a, b) => a - b)[1];
}

async function main(): Promise<void> {
  const { site, stop } = await startServer();
  try {
    const response = await fetch(`${site}/`);
    const codes = (await response.text()).trim().split(/\s+/).length;
    const ideal = Math.ceil(codes / 50) * delayMs;
    const bound = 1.1 * ideal + 100;
    const missed: string[] = [];
    console.log(`flags server in its own process, fixed ${delayMs} ms delay, ${codes} codes`);
    console.log(
      `every code, -m 50 (median of 3): ideal ceil(${codes}/50) x ${delayMs} = ${ideal} ms, goal <= ${bound} ms`,
    );
    for (const runtime of runtimeNames) {
      const elapsed = await medianOf3(site, runtime, ["-a", "-m", "50"]);
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
      const sequential = await medianOf3(site, runtime, ["-m", "1"]);
      const concurrent = await medianOf3(site, runtime, ["-m", "20"]);
      console.log(
        `  ${runtime.padEnd(10)} -m 1: ${sequential.toFixed(0).padStart(5)} ms  -m 20: ${
          concurrent.toFixed(0).padStart(4)
        } ms  speed-up ${(sequential / concurrent).toFixed(1)}x`,
      );
    }
    console.log(
      missed.length === 0 ? "every goal held" : `MISSED ${missed.length}: ${missed.join("; ")}`,
    );
  } finally {
    await stop();
  }
}

if (import.meta.main) await main();
