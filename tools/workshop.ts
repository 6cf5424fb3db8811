/**
 * `deno task workshop`: the labs as a guided path of numbered steps.
 *
 *     $ deno task workshop                      # from where you left off (or step 1)
 *     $ deno task workshop --step 5             # go to step 5
 *     $ deno task workshop --answers FILE       # answers from a file, one a line
 *     $ deno task workshop --list               # the steps
 *     $ deno task workshop --handout DIR        # the steps as one printable HTML page
 *
 * Each step says what to read and what to predict, runs the lab on request,
 * and then says what there is to notice. Where the prediction is the
 * point (the native coroutines, the blocking countdown), the step shows
 * the source, asks for the expected output, runs the lab and sets the two
 * side by side with the differences marked; the commentary comes after.
 *
 * The labs run in-process, through the lab runner's own parsing, on the
 * virtual clock wherever the lab allows. Progress (the next step) is kept
 * in `.workshop-progress.json` in the folder the command was run from,
 * written under a temporary name and renamed into place. Plain prompts on
 * stdin; with `--answers FILE`, each prompt takes the file's next line
 * (and the run stops, progress kept, when the file runs out). What a lab
 * saves goes into that folder too (`downloads/`), not the kit's. Ctrl-C at
 * a prompt stops the walk; during a run it halts the lab (its cleanup runs)
 * and stops the walk there, the step not done; SIGTERM is taken alike. A stdout closed early
 * (`| head`) stops the walk quietly at its next prompt. Exit status: 0 done
 * (or stopped, or stdout closed), 2 usage error, 130 after Ctrl-C.
 *
 * @module
 */

import { diffArrays } from "diff";
import { dirname, join } from "node:path";
import { UsageError } from "../labs/lab.ts";
import {
  callerFolder,
  callerPath,
  exitStatus,
  exitWithUsage,
  interruptSignals,
  onCtrlC,
  paint,
  parseOptionsOrExit,
  shownPath,
  signalGrace,
  useColor,
} from "./cli.ts";
import { errorLine } from "./compare.ts";
import { showProgress } from "./progress.ts";
import { listLines } from "./exercise.ts";
import { writeHandout } from "./workshop_handout.ts";
import { notesOf, runLab, sourceLines } from "./workshop_run.ts";
import { commandOf, type Step, type StepRun, steps } from "./workshop_steps.ts";

// ---------------------------------------------------------------------------
// A prediction beside the output.

/** One row of a prediction set beside the output: ` ` same, `|` differ, `<` or `>` one side only. */
export interface PredictionRow {
  mark: " " | "|" | "<" | ">";
  expected?: string;
  actual?: string;
}

/** A line as predictions are compared: tabs and runs of spaces as one space, ends trimmed. */
export function normalise(line: string): string {
  return line.replace(/\s+/g, " ").trim();
}

/**
 * Align the predicted lines with the printed ones by a longest common
 * subsequence (the `diff` package), comparing them as {@link normalise}d.
 */
export function comparePrediction(expected: string[], actual: string[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  let removed: string[] = [];
  const flush = (added: string[]) => {
    for (let index = 0; index < Math.max(removed.length, added.length); index++) {
      const both = index < removed.length && index < added.length;
      rows.push({
        mark: both ? "|" : index < removed.length ? "<" : ">",
        expected: removed[index],
        actual: added[index],
      });
    }
    removed = [];
  };
  const changes = diffArrays(expected, actual, {
    comparator: (left, right) => normalise(left) === normalise(right),
  });
  // Each side is read from its own array: a run of equal lines carries one side's text only.
  let expectedAt = 0;
  let actualAt = 0;
  for (const change of changes) {
    const count = change.count ?? change.value.length;
    if (change.removed) {
      removed.push(...expected.slice(expectedAt, expectedAt += count));
    } else if (change.added) {
      flush(actual.slice(actualAt, actualAt += count));
    } else {
      flush([]);
      for (let index = 0; index < count; index++) {
        rows.push({ mark: " ", expected: expected[expectedAt++], actual: actual[actualAt++] });
      }
    }
  }
  flush([]);
  return rows;
}

/** Expand tabs (to the next multiple of 8, as a terminal does) and fit `text` to `width`. */
function fit(text: string, width: number): string {
  let plain = "";
  for (const char of text) plain += char === "\t" ? " ".repeat(8 - plain.length % 8) : char;
  return plain.length <= width ? plain.padEnd(width) : plain.slice(0, width - 1) + "…";
}

/** The rows as two columns, `you expected` and `it printed`, a mark between. */
export function renderPrediction(rows: readonly PredictionRow[], color: boolean): string[] {
  const longest = Math.max(
    12,
    ...rows.map((row) => fit(row.expected ?? "", 1000).trimEnd().length),
  );
  const width = Math.min(60, longest);
  const colors = { "|": 33, "<": 31, ">": 32 } as const;
  const lines = [`  ${fit("you expected", width)}   it printed`];
  for (const row of rows) {
    const mark = row.mark === " " ? " " : paint(row.mark, colors[row.mark], color);
    lines.push(`  ${fit(row.expected ?? "", width)} ${mark} ${row.actual ?? ""}`.trimEnd());
  }
  const same = rows.filter((row) => row.mark === " ").length;
  const printed = rows.filter((row) => row.actual !== undefined).length;
  lines.push(
    same === rows.length
      ? "  exactly as you expected"
      : `  ${same} of ${printed} printed lines as you expected; | differs, < only expected, > only printed`,
  );
  return lines;
}

// ---------------------------------------------------------------------------
// Progress: the next step, in the learner's folder.

/** The progress file's name, in the folder the command was run from. */
export const progressName = ".workshop-progress.json";

/** What the progress file holds. */
export interface Progress {
  /** The next step to take, from 1; past the last when every step is done. */
  next: number;
  /** The steps done, in the order done. */
  done: number[];
}

/** The progress kept in `folder`; none yet (or unreadable: said on stderr) is a fresh start. */
export async function readProgress(folder: string): Promise<Progress> {
  const path = join(folder, progressName);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      console.error(`warning: cannot read ${shownPath(path)}: ${errorLine(error)}; starting over`);
    }
    return { next: 1, done: [] };
  }
  try {
    const value = JSON.parse(text) as Partial<Progress>;
    // A next step out of range (past the one after the last) is no more progress than junk.
    if (
      Number.isInteger(value.next) && value.next! >= 1 && value.next! <= steps.length + 1 &&
      Array.isArray(value.done) && value.done.every(Number.isInteger)
    ) {
      return { next: value.next!, done: value.done };
    }
  } catch {
    // said below
  }
  console.error(`warning: ${shownPath(path)} is not the workshop's progress; starting over`);
  return { next: 1, done: [] };
}

/** Write `progress` to `folder`, under a temporary name renamed into place. */
export async function writeProgress(folder: string, progress: Progress): Promise<void> {
  const path = join(folder, progressName);
  // progressName starts with its own dot: `.workshop-progress.json.PID.tmp`.
  const temporary = join(dirname(path), `${progressName}.${Deno.pid}.tmp`);
  try {
    await Deno.writeTextFile(temporary, JSON.stringify(progress) + "\n");
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Prompts: stdin, or a file of answers.

/** Where answers come from: each call answers the next line, or `null` at the end. */
export type Answers = () => Promise<string | null>;

/** The lines of stdin, one per call. */
function stdinAnswers(): Answers {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ended = false;
  return async () => {
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline !== -1) {
        const line = buffered.slice(0, newline).replace(/\r$/, "");
        buffered = buffered.slice(newline + 1);
        return line;
      }
      if (ended) {
        if (buffered === "") return null;
        const last = buffered;
        buffered = "";
        return last;
      }
      const { value, done } = await reader.read();
      if (done) ended = true;
      else buffered += value;
    }
  };
}

/**
 * The lines of a file's `text`, ended by `\n`, `\r\n` or a lone `\r` (files
 * saved on Windows or old Macs), without the final line's ending.
 */
export function textLines(text: string): string[] {
  return text.replace(/(\r\n|\r|\n)$/, "").split(/\r\n|\r|\n/);
}

/** The most an `--answers` file may hold: far more than every step's answers. */
export const answersLimit = 1024 * 1024;

/** The most an `@FILE` prediction may hold: far more than any lab's output. */
export const predictionLimit = 64 * 1024;

/** A file larger than the workshop reads (a device such as /dev/zero, or the wrong file). */
class TooLarge extends Error {
  override name = "TooLarge";
}

/** `1 MiB`, `64 KiB`: a limit as said in a message. */
function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * The text of the file at `path`, read at most `limit` bytes at a time so
 * that a huge file (or an endless one, /dev/zero) costs no more than that:
 * one byte more is a {@link TooLarge}.
 */
async function readLimited(path: string, limit: number): Promise<string> {
  using file = await Deno.open(path);
  const buffer = new Uint8Array(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const count = await file.read(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  if (filled > limit) throw new TooLarge(`larger than ${sizeText(limit)}`);
  return new TextDecoder().decode(buffer.subarray(0, filled));
}

/** The lines of `text`, one per call; each is echoed after its prompt, as if typed. */
function fileAnswers(text: string): Answers {
  const lines = textLines(text);
  let at = 0;
  return () => {
    if (at >= lines.length || text === "") return Promise.resolve(null);
    const line = lines[at++];
    console.log(line);
    return Promise.resolve(line);
  };
}

/** No more answers: the learner's input ended (or the answers file ran out). */
class AnswersEnded extends Error {
  override name = "AnswersEnded";
}

/** The learner asked to stop. */
class Quit extends Error {
  override name = "Quit";
}

// ---------------------------------------------------------------------------
// The walk through the steps.

/** What a walk goes by: where answers come from, colour, Ctrl-C, the learner's folder. */
export interface Session {
  answers: Answers;
  color: boolean;
  signal: AbortSignal;
  /** The learner's folder: the progress file, and what the labs save (`downloads/`). */
  folder: string;
}

/** Ctrl-C at a prompt: the walk stops there, progress kept. */
class Interrupted extends Error {
  override name = "Interrupted";
}

async function ask(session: Session, prompt: string): Promise<string> {
  await writeOut(`${paint(prompt, 36, session.color)} `);
  // A Ctrl-C while waiting for an answer ends the wait (the read is left to the exit).
  if (session.signal.aborted) throw new Interrupted();
  let stop = () => {};
  const interrupted = new Promise<never>((_, reject) => stop = () => reject(new Interrupted()));
  session.signal.addEventListener("abort", stop, { once: true });
  let answer: string | null;
  try {
    answer = await Promise.race([session.answers(), interrupted]);
  } finally {
    session.signal.removeEventListener("abort", stop);
  }
  if (answer === null) {
    console.log("");
    throw new AnswersEnded();
  }
  return answer;
}

/** Stdout was closed (`deno task workshop | head`): nobody reads on, so the walk stops quietly. */
class StdoutClosed extends Error {
  override name = "StdoutClosed";
}

/**
 * Write a prompt, which has no line ending (console.log would add one).
 * console.log drops what a closed stdout cannot take; this write would throw
 * `BrokenPipe`, which is a {@link StdoutClosed} here.
 */
async function writeOut(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  try {
    while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) throw new StdoutClosed();
    throw error;
  }
}

/** Read the lines of a predicted output: typed up to a line `.`, or `@FILE`. */
async function readPrediction(session: Session): Promise<string[]> {
  const first = await ask(session, "your prediction (lines, then a line with only '.'; or @FILE):");
  if (first.startsWith("@")) {
    const path = callerPath(first.slice(1));
    try {
      return textLines(await readLimited(path, predictionLimit));
    } catch (error) {
      const why = error instanceof TooLarge
        ? `is larger than ${sizeText(predictionLimit)}, the most a prediction may be`
        : `cannot be read: ${errorLine(error)}`;
      console.log(`${first.slice(1)} ${why}; type the lines, or @ a smaller file`);
      return readPrediction(session);
    }
  }
  const lines: string[] = [];
  for (let line = first; line !== "."; line = await ask(session, "...")) lines.push(line);
  return lines;
}

/**
 * Run `run` (its files saved in the learner's folder), printing its lines
 * (indented) and, for a failure, why; answers its lines. A Ctrl-C during
 * the run halts it, its cleanup run, and the walk stops there: an
 * {@link Interrupted}, the step not done.
 */
async function showRun(session: Session, run: StepRun, print = true): Promise<string[]> {
  console.log(paint(`$ ${commandOf(run)}`, 1, session.color));
  const output = await runLab(run, {
    print: print ? (line) => console.log(`  ${line}`) : undefined,
    signal: session.signal,
    folder: session.folder,
  });
  await stopIfInterrupted(session, "the lab was halted, its cleanup done");
  for (const line of output.stderr) console.log(`  ${paint("stderr:", 2, session.color)} ${line}`);
  if (output.failure) console.log(`  ${output.failure}`);
  if (output.status !== 0) console.log(`  (exit status ${output.status})`);
  return output.lines;
}

/**
 * After a run: if Ctrl-C was pressed (one pressed while the run held the
 * thread arrives a moment later, hence the grace), say so and stop the walk.
 */
async function stopIfInterrupted(session: Session, what: string): Promise<void> {
  await signalGrace(session.signal);
  if (!session.signal.aborted) return;
  console.log(`  (Ctrl-C: ${what})`);
  throw new Interrupted();
}

/** `run` it? Enter or y runs, n skips, q quits. */
async function confirmRun(session: Session, run: StepRun): Promise<boolean> {
  for (;;) {
    const answer = (await ask(session, `run \`${commandOf(run)}\`? [Y/n/q]`)).trim().toLowerCase();
    if (answer === "" || answer === "y" || answer === "yes") return true;
    if (answer === "n" || answer === "no") return false;
    if (answer === "q") throw new Quit();
    console.log("answer y (or Enter) to run it, n to skip it, q to stop here");
  }
}

/** The heading and the parts of a step shown before anything is asked. */
export function stepHeading(step: Step, number: number): string[] {
  return [
    `== Step ${number} of ${steps.length}: ${step.title} ==`,
    "",
    `Read: ${step.read.join(", ")}`,
    ...step.intro,
  ];
}

/**
 * Take `step`: its heading, its prediction, its runs (each on request), and
 * what to notice. A run that fails, or whose lab refuses its options, is
 * shown with its message and exit status, and the step goes on.
 */
export async function takeStep(session: Session, step: Step, number: number): Promise<void> {
  const [heading, ...rest] = stepHeading(step, number);
  console.log("");
  console.log(paint(heading, 1, session.color));
  for (const line of rest) console.log(line);
  let guess: string | undefined;
  const prediction = step.prediction;
  if (prediction?.kind === "output") {
    console.log("");
    for (const line of await sourceLines(step)) console.log(line);
    console.log("");
    console.log(`Do not run it yet. Predict ${prediction.what}.`);
    const expected = await readPrediction(session);
    if (await confirmRun(session, prediction.run)) {
      // The output is shown beside the prediction, not before it.
      const printed = (await showRun(session, prediction.run, false)).slice(prediction.skip);
      console.log("");
      for (const line of renderPrediction(comparePrediction(expected, printed), session.color)) {
        console.log(line);
      }
    }
  } else if (prediction?.kind === "question") {
    console.log("");
    guess = await ask(session, `Predict: ${prediction.question}\n>`);
  }
  for (const run of step.runs) {
    console.log("");
    if (await confirmRun(session, run)) await showRun(session, run);
  }
  console.log("");
  if (guess !== undefined) console.log(`You predicted: ${guess === "" ? "(nothing)" : guess}`);
  console.log(paint("What to notice:", 1, session.color));
  for (const line of step.notice) console.log(`  ${line}`);
  if (step.explain) {
    const explained = await runLab(step.explain, {
      signal: session.signal,
      folder: session.folder,
    });
    await stopIfInterrupted(session, "the commentary's run was halted");
    const notes = notesOf(explained.lines);
    console.log(`  and, from \`${commandOf(step.explain)}\`:`);
    for (const note of notes) console.log(`    ${note}`);
  }
  if (number === steps.length) {
    console.log("");
    for (const line of listLines()) console.log(`  ${line}`);
  }
  if (step.more) {
    console.log(paint("Try also:", 1, session.color));
    for (const line of step.more) console.log(`  ${line}`);
  }
}

const usage = [
  "Usage: deno task workshop [--step N] [--answers FILE]",
  "       deno task workshop --list",
  "       deno task workshop --handout DIR",
  "",
  "The labs as a guided path: each step says what to read and to predict, runs the lab on",
  "request, and says what to notice. Progress is kept in .workshop-progress.json, and the",
  "flags the labs download in downloads/, in the folder you run it from. Ctrl-C (or",
  "SIGTERM) stops the walk (a lab running is halted first, its cleanup run), exit 130.",
  "",
  "Options:",
  `  --step N         go to step N (1 to ${steps.length}); otherwise where you left off`,
  "  --answers FILE   take each answer from FILE's next line instead of the terminal",
  "  --list           list the steps",
  "  --handout DIR    write the steps, commands, expected outputs and exercises as one",
  "                   printable, offline HTML page, DIR/index.html; DIR must be new, empty",
  "                   or an earlier handout (marked by its .kit-handout file)",
  "  -h, --help       show this help",
].join("\n");

/** Run the workshop on `args`; answers the exit status. */
export async function runWorkshopCommand(args: string[]): Promise<number> {
  const values = parseOptionsOrExit(args, {
    step: { type: "string" },
    answers: { type: "string" },
    list: { type: "boolean" },
    handout: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, usage);
  let first: number | undefined;
  // Checked before --list and --handout too: a bad option is an error whatever comes with it.
  if (values.step !== undefined) {
    const text = values.step as string;
    first = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(first >= 1 && first <= steps.length)) {
      exitWithUsage(`--step must be a step from 1 to ${steps.length}, not '${text}'`, usage);
    }
  }
  // --list and --handout cover every step and ask nothing: a walk's options with them,
  // or both at once, would be ignored, so they are refused.
  const mode = values.list ? "--list" : values.handout !== undefined ? "--handout" : undefined;
  if (mode !== undefined) {
    const walk = values.step !== undefined
      ? "--step"
      : values.answers !== undefined
      ? "--answers"
      : undefined;
    const other = values.list && values.handout !== undefined ? "--handout" : walk;
    if (other !== undefined) {
      exitWithUsage(`${mode} takes no ${other}; give ${mode} alone`, usage);
    }
  }
  if (values.handout === "") exitWithUsage("--handout needs a folder to write", usage);
  const color = useColor(Deno.stdout);
  if (values.list) {
    steps.forEach((step, index) => console.log(`${String(index + 1).padStart(2)}  ${step.title}`));
    return exitStatus.ok;
  }
  if (values.handout !== undefined) {
    const folder = callerPath(values.handout as string);
    // Ctrl-C (or SIGTERM, alike) halts the lab running and stops the build: nothing is
    // written, the temporary downloads are removed. Later presses change nothing: stopping
    // is quick.
    const interrupt = onCtrlC(() => {}, interruptSignals);
    const progress = showProgress("handout", steps.length + 1);
    try {
      await writeHandout(folder, values.handout as string, {
        signal: interrupt.signal,
        progress: (what) => progress.step(what),
      });
      progress.done();
    } catch (error) {
      progress.done();
      if (interrupt.signal.aborted) {
        console.error("interrupted: the handout was not written");
        return exitStatus.interrupted;
      }
      if (error instanceof UsageError) exitWithUsage(error.message, usage);
      throw error;
    } finally {
      interrupt.stop();
    }
    console.log(`wrote ${shownPath(join(folder, "index.html"))}`);
    return exitStatus.ok;
  }
  let answers: Answers;
  if (values.answers !== undefined) {
    try {
      answers = fileAnswers(await readLimited(callerPath(values.answers as string), answersLimit));
    } catch (error) {
      exitWithUsage(
        error instanceof TooLarge
          ? `--answers ${values.answers} is larger than ${sizeText(answersLimit)}, ` +
            "the most an answers file may be"
          : `cannot read --answers ${values.answers}: ${errorLine(error)}`,
        usage,
      );
    }
  } else {
    answers = stdinAnswers();
  }

  const folder = callerFolder();
  const progress = await readProgress(folder);
  if (first === undefined) {
    if (progress.next > steps.length) {
      console.log(
        `You have taken every step. deno task workshop --step 1 starts again ` +
          `(--step N goes to step N).`,
      );
      return exitStatus.ok;
    }
    first = progress.next;
    if (first > 1) console.log(`Resuming at step ${first} (--step 1 starts over).`);
  }
  // A folder the learner cannot write to costs the progress, not the walk: said once.
  let warned = false;
  let next = first;
  const save = async (step: number) => {
    next = step;
    try {
      await writeProgress(folder, { next, done: progress.done });
    } catch (error) {
      if (!warned) {
        console.error(`warning: progress not kept in ${folder}: ${errorLine(error)}`);
        warned = true;
      }
    }
  };
  const interrupt = onCtrlC(undefined, interruptSignals);
  const session: Session = { answers, color, signal: interrupt.signal, folder };
  try {
    for (let number = first; number <= steps.length; number++) {
      await save(number);
      // A Ctrl-C during one of its runs stops the step (an Interrupted): it is not done.
      await takeStep(session, steps[number - 1], number);
      if (!progress.done.includes(number)) progress.done.push(number);
      await save(number + 1);
      if (number < steps.length) {
        const answer = await ask(session, "\n[Enter] next step, q to stop here:");
        if (answer.trim().toLowerCase() === "q") throw new Quit();
      }
    }
    console.log("");
    console.log("That was the last step. deno task workshop --step N goes back to any of them.");
    return exitStatus.ok;
  } catch (error) {
    if (interrupt.signal.aborted) {
      console.log(
        `\nInterrupted before step ${next} was done; deno task workshop goes on from there.`,
      );
      return exitStatus.interrupted;
    }
    // Nobody reads the walk any more: stop where it is, progress kept, no message to print.
    if (error instanceof StdoutClosed) return exitStatus.ok;
    if (error instanceof Quit || error instanceof AnswersEnded) {
      const why = error instanceof Quit ? "Stopped" : "No more answers: stopped";
      console.log(`${why} before step ${next}; deno task workshop goes on from there.`);
      return exitStatus.ok;
    }
    throw error;
  } finally {
    interrupt.stop();
  }
}

if (import.meta.main) Deno.exit(await runWorkshopCommand(Deno.args));
