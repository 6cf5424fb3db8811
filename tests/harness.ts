/**
 * Test helpers: run an operation on a fresh virtual clock and keep a
 * transcript of what happened, stamped with virtual time, so that a test
 * asserts the whole story in one `deepEqual`; and run a Deno script as a
 * user meets it, in a subprocess, reading its decoded output.
 *
 * @module
 */

import { virtualClock } from "../runtimes/clock.ts";
export { countingClock } from "../runtimes/clock.ts";
import type { Clock, Operation, Runtime, Schedule, TraceEvent } from "../runtimes/types.ts";

/** What a scenario did: its notes, the run's outcome, trace events. */
export interface Story {
  notes: string[];
  outcome: string;
  events: TraceEvent[];
}

/** Describe how a run ended: `ok <value>` or `error <Name>: <message>`. */
export function describeOutcome(settled: PromiseSettledResult<unknown>): string {
  if (settled.status === "fulfilled") return `ok ${String(settled.value)}`;
  const error = settled.reason;
  if (error instanceof AggregateError) {
    return `error AggregateError [${
      error.errors.map((each) => `${each.name}: ${each.message}`).join(", ")
    }]`;
  }
  return error instanceof Error || error instanceof DOMException
    ? `error ${error.name}: ${error.message}`
    : `error ${String(error)}`;
}

/**
 * Run `scenario(note)` under `runtime` on a virtual clock. `note(text)`
 * records `<virtual ms> <text>`.
 */
export async function tell(
  runtime: Runtime,
  scenario: (note: (text: string) => void, clock: Clock) => Operation<unknown>,
  options: { signal?: AbortSignal; schedule?: Schedule } = {},
): Promise<Story> {
  const clock = virtualClock();
  const notes: string[] = [];
  const events: TraceEvent[] = [];
  const note = (text: string) => void notes.push(`${clock.now()} ${text}`);
  const [settled] = await Promise.allSettled([
    runtime.run(() => scenario(note, clock), {
      clock,
      tracer: (event) => void events.push(event),
      output: (line) => note(`log ${line}`),
      signal: options.signal,
      schedule: options.schedule,
    }),
  ]);
  return { notes, outcome: describeOutcome(settled), events };
}

/** One task's trace events, by name, as `<time> <type>[ <reason>]` lines. */
export function taskEvents(events: readonly TraceEvent[], name: string): string[] {
  return events.filter((event) => event.name === name).map((event) =>
    `${event.time} ${event.type}${event.reason ? ` ${event.reason}` : ""}`
  );
}

/**
 * Run plain promise code on a virtual clock: `sleep` arms the clock's
 * timers, and whenever a host turn passes with nothing else to do, the
 * clock jumps to its next deadline. Answers when `body` settles.
 */
export async function onVirtualClock<T>(
  clock: Clock,
  body: (sleep: (ms: number) => Promise<void>) => Promise<T>,
): Promise<T> {
  let settled = false;
  const result = body((ms) => new Promise((resolve) => clock.setTimer(ms, resolve)))
    .finally(() => settled = true);
  // Microtasks all run before a macrotask, so after one turn every promise
  // chain is waiting on a timer (or done).
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!settled && !clock.idle(true)) break;
  }
  return await result;
}

/** What a finished subprocess answered: its exit code and its output, decoded. */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A `deno <args>` subprocess (callers pass `run`, the permissions, the script
 * and its arguments). Its stdout and stderr are piped unless `options` says
 * otherwise; `options.env` is passed as it is, so callers that want plain
 * text say `env: { NO_COLOR: "1" }` (or use {@link runDeno}).
 */
export function denoCommand(
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), { stdout: "piped", stderr: "piped", ...options, args });
}

/** Run `command` to its end and answer its exit code and its output, decoded. */
export async function outputOf(command: Deno.Command): Promise<Finished> {
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Run `deno <args>` to its end with `NO_COLOR=1` and `env` added to this
 * process's environment; answer its exit code and its output, decoded.
 */
export function runDeno(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return outputOf(denoCommand(args, { env: { NO_COLOR: "1", ...env } }));
}

/**
 * A child's output stream, decoded, with all the text read from it so far in
 * `text`: read until some text appears (say, before sending SIGINT), then
 * read the rest.
 */
export class ChildOutput {
  /** All the text read so far. */
  text = "";
  #reader: ReadableStreamDefaultReader<string>;

  constructor(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * Read until the text read so far includes `expected` (a string) or
   * matches it (a RegExp); answer that text. Throws if the stream ends first.
   */
  async readUntil(expected: string | RegExp): Promise<string> {
    const seen = typeof expected === "string"
      ? () => this.text.includes(expected)
      : () => this.text.search(expected) >= 0;
    while (!seen()) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`the output ended before ${String(expected)}:\n${this.text}`);
      this.text += value;
    }
    return this.text;
  }

  /**
   * Stop reading and close the stream, as `| head` does once it has its
   * lines: the child's next write to it fails (`BrokenPipe`).
   */
  async close(): Promise<void> {
    await this.#reader.cancel();
  }

  /** Read to the end of the stream; answer all the text read. */
  async readToEnd(): Promise<string> {
    for (let read = await this.#reader.read(); !read.done; read = await this.#reader.read()) {
      this.text += read.value;
    }
    return this.text;
  }
}

/**
 * Spawn `deno <args>` with stdout and stderr read as they come. A safety
 * net, not a measure: a child still alive after a minute is killed, so that
 * a test whose Ctrl-C is never handled fails instead of hanging.
 */
export function spawnWatched(args: string[]): {
  child: Deno.ChildProcess;
  stdout: ChildOutput;
  stderr: ChildOutput;
  status: Promise<Deno.CommandStatus>;
} {
  const child = denoCommand(args, { env: { NO_COLOR: "1" } }).spawn();
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const status = child.status.finally(() => clearTimeout(watchdog));
  return {
    child,
    stdout: new ChildOutput(child.stdout),
    stderr: new ChildOutput(child.stderr),
    status,
  };
}
