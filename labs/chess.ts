/**
 * chess: the simultaneous exhibition, one game at a time against all at once.
 *
 * A master plays 24 opponents, 30 move pairs a game: the master moves in
 * 5 s, then the opponent replies in 55 s; a game ends with the opponent's
 * 30th reply. Each board is a task; each opponent thinks with `sleep`; the
 * master is one lock that boards take first come, first served.
 *
 * - sequential: a board keeps the master until its game ends, so the master
 *   also waits out every reply. 24 games of 30 x (5 + 55) s = 30 min each
 *   take exactly 12:00:00.
 * - simultaneous: a board gives the master back after each move. The boards
 *   ask in order 1 to 24 at the start, so the master goes round them: a
 *   round of 24 moves takes 24 x 5 s = 2 min, and a reply needs only 55 s,
 *   so every board is ready again before the master comes back and the
 *   master never waits. The master's 720 moves take 720 x 5 s = 1:00:00 of
 *   thinking, back to back; the last of them, on board 24, ends at 1:00:00,
 *   and the game ends 55 s later with that opponent's last reply:
 *   1:00:55 in all. Board k finishes at 29 rounds x 2 min + k x 5 s + 55 s,
 *   that is 0:59:00 for board 1, 5 s more for each board after it. (The
 *   original slide says 1 hour: 30 rounds of 2 min. It leaves out the reply
 *   that ends the last game.)
 *
 * Virtual time by default: the 13 hours pass in milliseconds, with the same
 * output on every run and under every runtime (a board's line is printed
 * when its game ends). `--clock real --speed X` plays it in real time, X
 * times faster, and prints times to the second.
 *
 *     $ deno task lab:chess --runtime generator
 *     exhibition: 24 boards, 30 move pairs a game; the master moves in 5s, each opponent in 55s
 *
 *     sequential: the master plays each game to its end before the next
 *       board  1  first move  0:00:00  finished  0:30:00
 *       board  2  first move  0:30:00  finished  1:00:00
 *       ...
 *       board 24  first move 11:30:00  finished 12:00:00
 *       total 12:00:00; the master was thinking for 1:00:00 of it (8.3%)
 *
 *     simultaneous: the master moves on to the next board while the opponent thinks
 *       board  1  first move  0:00:00  finished  0:59:00
 *       board  2  first move  0:00:05  finished  0:59:05
 *       ...
 *       board 24  first move  0:01:55  finished  1:00:55
 *       total 1:00:55; the master was thinking for 1:00:00 of it (98.5%)
 *
 *     simultaneous took 1:00:55 instead of 12:00:00, 11.8 times less
 *
 *     $ deno task lab:chess --clock real --speed 360 --mode simultaneous
 *     ...
 *       total 1:07:32; the master was thinking for 1:06:28 of it (98.4%)
 *
 * In real time the figures come out a little late: a host timer fires a
 * moment after its deadline, and at 360 times the speed each moment is
 * worth a few exhibition seconds.
 *
 * @module
 */

import { createLock, type Lock } from "../runtimes/sync.ts";
import { log, now, sleep, spawn } from "../runtimes/verbs.ts";
import type { Operation, Task } from "../runtimes/types.ts";
import { decimalNumber, type Lab, UsageError } from "./lab.ts";

/** How the master shares out its attention. */
export type ChessMode = "sequential" | "simultaneous";

/** The exhibition's parameters; durations in whole milliseconds of the exhibition. */
export interface ChessOptions {
  /** The modes to play, in order. */
  modes: readonly ChessMode[];
  /** How many opponents, one board each. */
  boards: number;
  /** Move pairs a game: the master's move and the opponent's reply. */
  moves: number;
  /** How long the master takes per move. */
  masterMs: number;
  /** How long each opponent takes per reply. */
  opponentMs: number;
  /** Real time runs this many times faster than the exhibition; 1 on the virtual clock. */
  speed: number;
  /** Digits of the seconds' fraction in printed times: 0 in real time, else as the durations need. */
  decimals: number;
}

/** The whole exhibition in one mode, in exhibition milliseconds. */
interface ExhibitionResult {
  total: number;
  masterThinking: number;
}

const modeHeadings: Record<ChessMode, string> = {
  sequential: "the master plays each game to its end before the next",
  simultaneous: "the master moves on to the next board while the opponent thinks",
};

/** `h:mm:ss`, with `decimals` digits of the seconds' fraction (0 to 3). */
export function formatClockTime(ms: number, decimals = 0): string {
  const unit = 10 ** (3 - decimals); // milliseconds per last digit
  const rounded = Math.round(ms / unit) * unit;
  const hours = Math.floor(rounded / 3_600_000);
  const minutes = Math.floor(rounded / 60_000) % 60;
  const seconds = Math.floor(rounded / 1000) % 60;
  const text = `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
  if (decimals === 0) return text;
  const fraction = (rounded % 1000) / unit;
  return `${text}.${String(fraction).padStart(decimals, "0")}`;
}

/** What the boards of one exhibition share. */
interface Hall {
  options: ChessOptions;
  mode: ChessMode;
  master: Lock;
  /** The master's thinking so far, on the runtime's clock. */
  thinkingMs: number;
  /** A time on the runtime's clock as a time of the exhibition, padded to one width. */
  time(clockMs: number): string;
}

/**
 * One board: the master's move (holding the lock), then the opponent's
 * reply, as many times as there are move pairs; then a line saying when
 * the game began and ended. In sequential mode the board holds the master
 * for the whole game.
 */
function* playBoard(hall: Hall, board: number): Operation<void> {
  const { options, master } = hall;
  const sequential = hall.mode === "sequential";
  let firstMove = NaN;
  function* masterMoves(): Operation<void> {
    const thinkingFrom = yield* now();
    if (Number.isNaN(firstMove)) firstMove = thinkingFrom;
    yield* sleep(options.masterMs / options.speed);
    hall.thinkingMs += (yield* now()) - thinkingFrom;
  }
  function* game(): Operation<void> {
    for (let move = 1; move <= options.moves; move++) {
      yield* sequential ? masterMoves() : master.hold(masterMoves);
      yield* sleep(options.opponentMs / options.speed);
    }
  }
  yield* sequential ? master.hold(game) : game();
  const finished = yield* now();
  yield* log(
    `  board ${String(board).padStart(String(options.boards).length)}` +
      `  first move ${hall.time(firstMove)}  finished ${hall.time(finished)}`,
  );
}

/**
 * Play every board in one mode, printing each board's line as its game
 * ends; answers the total and the master's thinking time.
 */
function* exhibition(options: ChessOptions, mode: ChessMode): Operation<ExhibitionResult> {
  const start = yield* now();
  // Wide enough for any time of the exhibition: no game can end later than
  // all of them played one after the other.
  const longest = options.boards * options.moves * (options.masterMs + options.opponentMs);
  const width = formatClockTime(longest, options.decimals).length;
  const hall: Hall = {
    options,
    mode,
    master: createLock(),
    thinkingMs: 0,
    time: (clockMs) =>
      formatClockTime((clockMs - start) * options.speed, options.decimals).padStart(width),
  };
  const boards: Task<void>[] = [];
  for (let board = 1; board <= options.boards; board++) {
    boards.push(yield* spawn(() => playBoard(hall, board), { name: `board ${board}` }));
  }
  for (const board of boards) yield* board;
  return {
    total: ((yield* now()) - start) * options.speed,
    masterThinking: hall.thinkingMs * options.speed,
  };
}

/** Play the exhibition in each mode asked for and print what happened. */
export function* chessMain(options: ChessOptions): Operation<void> {
  const time = (ms: number) => formatClockTime(ms, options.decimals);
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  yield* log(
    `exhibition: ${plural(options.boards, "board")}, ` +
      `${plural(options.moves, "move pair")} a game; ` +
      `the master moves in ${options.masterMs / 1000}s, ` +
      `each opponent in ${options.opponentMs / 1000}s`,
  );
  const totals = new Map<ChessMode, number>();
  for (const mode of options.modes) {
    yield* log("");
    yield* log(`${mode}: ${modeHeadings[mode]}`);
    const result = yield* exhibition(options, mode);
    totals.set(mode, result.total);
    const busy = (100 * result.masterThinking / result.total).toFixed(1);
    yield* log(
      `  total ${time(result.total)}; ` +
        `the master was thinking for ${time(result.masterThinking)} of it (${busy}%)`,
    );
  }
  const sequential = totals.get("sequential");
  const simultaneous = totals.get("simultaneous");
  if (sequential !== undefined && simultaneous !== undefined) {
    yield* log("");
    yield* log(
      `simultaneous took ${time(simultaneous)} instead of ${time(sequential)}, ` +
        `${(sequential / simultaneous).toFixed(1)} times less`,
    );
  }
}

const countLimit = 1000;

function parseCount(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = decimalNumber(text, { whole: true });
  if (!(value >= 1 && value <= countLimit)) {
    throw new UsageError(`--${name} takes a whole number from 1 to ${countLimit}, not '${text}'`);
  }
  return value;
}

/** Seconds, to the millisecond at most, as whole milliseconds. */
function parseDuration(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const ms = Math.round(Number(text) * 1000);
  if (!/^\d+(\.\d{1,3})?$/.test(text) || ms < 1) {
    throw new UsageError(
      `--${name} takes seconds above 0, to the millisecond at most (5, 0.25), not '${text}'`,
    );
  }
  return ms;
}

function parseSpeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const speed = decimalNumber(text);
  if (!(speed > 0) || speed === Infinity) {
    throw new UsageError(`--speed takes a factor above 0 (3600: an hour a second), not '${text}'`);
  }
  return speed;
}

/** How many digits of the seconds' fraction show `ms` exactly. */
function decimalsOf(ms: number): number {
  return ms % 1000 === 0 ? 0 : ms % 100 === 0 ? 1 : ms % 10 === 0 ? 2 : 3;
}

/** Check the command-line values; bad ones are usage errors. */
export function parseChessOptions(
  values: Record<string, string | boolean | undefined>,
): ChessOptions {
  const mode = (values.mode as string | undefined) ?? "both";
  const realClock = values.clock === "real";
  if (values.speed !== undefined && !realClock) {
    throw new UsageError(
      "--speed scales real time: add --clock real (virtual time needs no speeding up)",
    );
  }
  const masterMs = parseDuration("master", values.master as string | undefined, 5000);
  const opponentMs = parseDuration("opponent", values.opponent as string | undefined, 55_000);
  return {
    modes: mode === "both" ? ["sequential", "simultaneous"] : [mode as ChessMode],
    boards: parseCount("boards", values.boards as string | undefined, 24),
    moves: parseCount("moves", values.moves as string | undefined, 30),
    masterMs,
    opponentMs,
    speed: parseSpeed(values.speed as string | undefined),
    // Sped-up timers are not exact: real time is printed to the second.
    // Virtual time is exact, to the digits the durations have.
    decimals: realClock ? 0 : Math.max(decimalsOf(masterMs), decimalsOf(opponentMs)),
  };
}

/** The chess lab. */
export const chessLab: Lab<ChessOptions> = {
  name: "chess",
  summary: "a simultaneous chess exhibition: 12 hours one game at a time, 1 hour all at once",
  options: {
    mode: {
      type: "string",
      choices: ["sequential", "simultaneous", "both"],
      help: "one game at a time, all at once, or both (default both)",
    },
    boards: { type: "string", placeholder: "N", help: "opponents, 1 to 1000 (default 24)" },
    moves: { type: "string", placeholder: "N", help: "move pairs a game, 1 to 1000 (default 30)" },
    master: {
      type: "string",
      placeholder: "S",
      help: "seconds the master takes per move, to the millisecond (default 5)",
    },
    opponent: {
      type: "string",
      placeholder: "S",
      help: "seconds each opponent takes per reply, to the millisecond (default 55)",
    },
    speed: {
      type: "string",
      placeholder: "X",
      help: "with --clock real: play X times faster than real time (default 1)",
    },
  },
  defaultClock: "virtual",
  parse: parseChessOptions,
  main: chessMain,
};
