/**
 * What the flags lab prints, in the original's words: the site and the
 * codes searched for, one line per code (`-v`) or a progress bar, then the
 * counts and the elapsed time. It also keeps the tally the exit status and
 * `--fail-fast` rely on.
 *
 * The report and the per-code lines go to standard output through `log`.
 * The progress bar goes to standard error: redrawn in place on a terminal,
 * as plain lines (one per tenth of the work) otherwise.
 *
 * `--plain` prints as the original's `flags.py` does instead: no header,
 * the codes of the saved flags on one line, then `N flags downloaded in
 * X.XXs`; what did not end OK follows, a line each, so that nothing is left
 * out. The codes' line is logged (through `log`, as every other line, so
 * that whoever runs the lab in-process sees it: `compare`, the workshop)
 * once the downloads are over; on a terminal each code is also shown as
 * its flag is saved, and that provisional line is erased just before the
 * logged one takes its place, so that the terminal shows it once.
 *
 * @module
 */

import { log } from "../runtimes/verbs.ts";
import { progressBar } from "../shared/terminal.ts";
import type { Operation } from "../runtimes/types.ts";
import { describeCodes } from "./flags_codes.ts";

/** How one code ended. */
export interface Outcome {
  /** The country code, upper case. */
  code: string;
  /** Saved; answered 404; anything else. */
  status: "ok" | "not found" | "error";
  /** For an error: what went wrong. */
  reason?: string;
}

/**
 * How progress is shown: a line per code, a bar redrawn on a terminal, plain
 * lines, or the codes on one line (`--plain`).
 */
export type ProgressStyle = "verbose" | "bar" | "lines" | "plain";

/** What `--fail-fast` saw: the first error, and what became of the requests in flight then. */
interface Failure {
  outcome: Outcome;
  othersInFlight: number;
  finishedAfter: number;
  thrown: string | undefined;
}

/** The tally of one run, and its output. */
export class FlagsReport {
  readonly #counts = { ok: 0, "not found": 0, error: 0 };
  readonly #inFlight = new Set<string>();
  #failure: Failure | undefined = undefined;
  #barDrawn = false;
  /** `--plain`: the codes saved, in the order saved, and what did not end OK. */
  readonly #saved: string[] = [];
  readonly #notOk: Outcome[] = [];
  /** `--plain` on a terminal: the characters of the provisional codes' line shown so far. */
  #shown = 0;

  /**
   * A report on `total` codes, showing progress in `style`; under `--plain`,
   * each code is shown as it comes when `live` (standard output is a terminal).
   */
  constructor(
    readonly total: number,
    readonly style: ProgressStyle,
    readonly live: boolean = style === "plain" && Deno.stdout.isTerminal(),
  ) {}

  /**
   * `LOCAL site: URL`, the codes searched for, and how many connections (or
   * Web Workers, under `--pool`, with the time they took to start); nothing
   * under `--plain`.
   */
  *header(
    siteLine: string,
    codes: readonly string[],
    connections: number,
    poolStartupMs: number | undefined,
  ): Operation<void> {
    if (this.style === "plain") return;
    yield* log(siteLine);
    yield* log(`Searching for ${plural(codes.length, "flag")}: ${describeCodes(codes)}`);
    yield* log(
      poolStartupMs !== undefined
        ? `${plural(connections, "Web Worker")} (started in ${
          (poolStartupMs / 1000).toFixed(2)
        }s) will be used, each doing one request at a time.`
        : connections === 1
        ? "1 connection will be used."
        : `${connections} concurrent connections will be used.`,
    );
  }

  /** A request for `code` is on its way. */
  started(code: string): void {
    this.#inFlight.add(code);
  }

  /** A code has ended: count it, and show it. */
  *record(outcome: Outcome): Operation<void> {
    this.#inFlight.delete(outcome.code);
    this.#counts[outcome.status]++;
    if (this.#failure) this.#failure.finishedAfter++;
    if (this.style === "verbose") yield* log(describeOutcome(outcome));
    else if (this.style === "plain") this.#writePlain(outcome);
    else this.#showProgress();
  }

  /** `--fail-fast`: the first error; no code is requested after it. */
  stopAt(outcome: Outcome): void {
    this.#failure ??= {
      outcome,
      othersInFlight: this.#inFlight.size,
      finishedAfter: 0,
      thrown: undefined,
    };
  }

  /** Whether `--fail-fast` has stopped the run. */
  get stopped(): boolean {
    return this.#failure !== undefined;
  }

  /** What the downloads' scope threw when it stopped: how the runtime reported the failure. */
  scopeThrew(error: unknown): void {
    const name = error instanceof Error ? error.name : String(error);
    this.#failure!.thrown = error instanceof AggregateError
      ? `${name} (${plural(error.errors.length, "error")})`
      : name;
  }

  /** How many codes ended in error. */
  get errors(): number {
    return this.#counts.error;
  }

  /** The counts, the elapsed time and, after `--fail-fast`, what became of the others. */
  *summary(elapsedMs: number): Operation<void> {
    if (this.#barDrawn) writeError("\n");
    const counts = this.#counts;
    const cancelled = this.#inFlight.size;
    const unrequested = this.total - this.#finished() - cancelled;
    if (this.style === "plain") {
      yield* this.#plainSummary(elapsedMs, cancelled, unrequested);
      return;
    }
    yield* log("-".repeat(20));
    yield* log(`${pad(counts.ok)} ${counts.ok === 1 ? "flag" : "flags"} downloaded.`);
    if (counts["not found"] > 0) yield* log(`${pad(counts["not found"])} not found.`);
    if (counts.error > 0) {
      yield* log(`${pad(counts.error)} ${counts.error === 1 ? "error" : "errors"}.`);
    }
    if (cancelled > 0) yield* log(`${pad(cancelled)} cancelled.`);
    if (unrequested > 0) yield* log(`${pad(unrequested)} not requested.`);
    yield* log(`Elapsed time: ${(elapsedMs / 1000).toFixed(2)}s`);
    if (this.#failure) yield* log(describeFailure(this.#failure, cancelled));
  }

  /** `--plain`: a saved flag's code joins the line of codes; the others are kept for the end. */
  #writePlain(outcome: Outcome): void {
    if (outcome.status !== "ok") {
      this.#notOk.push(outcome);
      return;
    }
    this.#saved.push(outcome.code);
    if (this.live) {
      writeOutput(`${outcome.code} `);
      this.#shown += outcome.code.length + 1;
    }
  }

  /**
   * `--plain`: the codes' line (as `flags.py` prints it, a space after each
   * code), `N flags downloaded in X.XXs`, then a line for each code that did
   * not end OK.
   */
  *#plainSummary(elapsedMs: number, cancelled: number, unrequested: number): Operation<void> {
    if (this.#shown > 0) writeOutput(eraseShown(this.#shown, terminalColumns()));
    this.#shown = 0;
    if (this.#saved.length > 0) yield* log(this.#saved.map((code) => `${code} `).join(""));
    const downloaded = this.#counts.ok;
    yield* log(
      `${plural(downloaded, "flag")} downloaded in ${(elapsedMs / 1000).toFixed(2)}s`,
    );
    for (const outcome of this.#notOk) yield* log(describeOutcome(outcome));
    if (cancelled > 0) yield* log(`${cancelled} cancelled.`);
    if (unrequested > 0) yield* log(`${unrequested} not requested.`);
    if (this.#failure) yield* log(describeFailure(this.#failure, cancelled));
  }

  #showProgress(): void {
    const done = this.#finished();
    if (this.style === "bar") {
      writeError(`\r${progressBar(done, this.total)} ${done}/${this.total}`);
      this.#barDrawn = true;
    } else if (Math.floor((done * 10) / this.total) > Math.floor(((done - 1) * 10) / this.total)) {
      console.error(`${done}/${this.total} flags done`);
    }
  }

  #finished(): number {
    const counts = this.#counts;
    return counts.ok + counts["not found"] + counts.error;
  }
}

/** `BR OK`, `ZZ not found`, `CN error: HTTP 418 I'm a teapot`. */
export function describeOutcome(outcome: Outcome): string {
  if (outcome.status === "ok") return `${outcome.code} OK`;
  if (outcome.status === "not found") return `${outcome.code} not found`;
  return `${outcome.code} error: ${outcome.reason}`;
}

function describeFailure(failure: Failure, cancelled: number): string {
  const { outcome, othersInFlight, finishedAfter, thrown } = failure;
  // `thrown` is missing when Ctrl-C halted the run before the scope's error arrived.
  const scope = thrown === undefined ? "" : `the downloads' scope threw ${thrown}; `;
  const others = othersInFlight === 0
    ? "no other request was in flight."
    : `of the ${plural(othersInFlight, "other request")} in flight then, ${cancelled} ` +
      `${cancelled === 1 ? "was" : "were"} cancelled and ${finishedAfter} still finished.`;
  return `--fail-fast: stopped at ${outcome.code} (${outcome.reason}); ${scope}${others}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function pad(count: number): string {
  return String(count).padStart(3);
}

/**
 * What erases the `shown` characters of a line written from the start of a
 * terminal row `columns` wide (wrapped onto more rows when longer): back to
 * its first row's start, then clear to the end of the screen.
 */
export function eraseShown(shown: number, columns: number): string {
  const rows = Math.max(1, Math.ceil(shown / Math.max(1, columns)));
  return `\r${rows > 1 ? `\x1b[${rows - 1}A` : ""}\x1b[J`;
}

/** The terminal's width, or 80 when it cannot be had. */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

const encoder = new TextEncoder();

function writeError(text: string): void {
  writeAll(Deno.stderr, text);
}

/** Part of a line on standard output, shown at once (the original's `print(cc, end=' ')`). */
function writeOutput(text: string): void {
  writeAll(Deno.stdout, text);
}

function writeAll(stream: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += stream.writeSync(bytes.subarray(written));
  }
}
