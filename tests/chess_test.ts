// The chess lab: exact totals and per-board times in virtual time under
// every runtime, for the defaults (checked against the formulas of the
// lab's header) and for small cases worked out by hand; byte-identical
// output everywhere; bad parameters as usage errors.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { chessMain, formatClockTime, parseChessOptions } from "../labs/chess.ts";
import { virtualClock } from "../runtimes/clock.ts";
import { runtimes } from "../runtimes/registry.ts";
import type { Runtime } from "../runtimes/types.ts";
import { runDeno } from "./harness.ts";

type Values = Record<string, string | boolean | undefined>;

async function chessLines(runtime: Runtime, values: Values = {}): Promise<string[]> {
  const lines: string[] = [];
  await runtime.run(() => chessMain(parseChessOptions(values)), {
    clock: virtualClock(),
    output: (line) => lines.push(line),
  });
  return lines;
}

const minute = 60_000;
const hms = (ms: number) => formatClockTime(ms).padStart(8);
const boardLine = (board: number, firstMove: number, finished: number) =>
  `  board ${String(board).padStart(2)}  first move ${hms(firstMove)}  finished ${hms(finished)}`;
const boards = Array.from({ length: 24 }, (_, i) => i + 1);

/** The defaults, from the header's arithmetic rather than from the lab's code. */
const expectedDefaults = [
  "exhibition: 24 boards, 30 move pairs a game; the master moves in 5s, each opponent in 55s",
  "",
  "sequential: the master plays each game to its end before the next",
  // Board k plays from (k - 1) x 30 min to k x 30 min.
  ...boards.map((k) => boardLine(k, (k - 1) * 30 * minute, k * 30 * minute)),
  "  total 12:00:00; the master was thinking for 1:00:00 of it (8.3%)",
  "",
  "simultaneous: the master moves on to the next board while the opponent thinks",
  // Board k: first move at (k - 1) x 5 s; done at 29 x 2 min + k x 5 s + 55 s.
  ...boards.map((k) => boardLine(k, (k - 1) * 5000, 29 * 2 * minute + k * 5000 + 55_000)),
  "  total 1:00:55; the master was thinking for 1:00:00 of it (98.5%)",
  "",
  "simultaneous took 1:00:55 instead of 12:00:00, 11.8 times less",
];

for (const runtime of Object.values(runtimes)) {
  Deno.test(`${runtime.name}: chess with the defaults: 12:00:00 one at a time, 1:00:55 all at once`, async () => {
    deepEqual(await chessLines(runtime), expectedDefaults);
  });

  Deno.test(`${runtime.name}: chess, a case by hand where the master never waits (and ties)`, async () => {
    // 3 boards, 2 move pairs, master 1 s, opponent 2 s. Simultaneous: a
    // round takes 3 s, a reply 2 s. At 3 s board 1's reply is due at the
    // moment board 3's move ends; board 1's timer was armed first, so it
    // asks first, waits, and gets the master from board 3 at once.
    const lines = await chessLines(runtime, {
      boards: "3",
      moves: "2",
      master: "1",
      opponent: "2",
    });
    deepEqual(lines, [
      "exhibition: 3 boards, 2 move pairs a game; the master moves in 1s, each opponent in 2s",
      "",
      "sequential: the master plays each game to its end before the next",
      "  board 1  first move 0:00:00  finished 0:00:06",
      "  board 2  first move 0:00:06  finished 0:00:12",
      "  board 3  first move 0:00:12  finished 0:00:18",
      "  total 0:00:18; the master was thinking for 0:00:06 of it (33.3%)",
      "",
      "simultaneous: the master moves on to the next board while the opponent thinks",
      "  board 1  first move 0:00:00  finished 0:00:06",
      "  board 2  first move 0:00:01  finished 0:00:07",
      "  board 3  first move 0:00:02  finished 0:00:08",
      "  total 0:00:08; the master was thinking for 0:00:06 of it (75.0%)",
      "",
      "simultaneous took 0:00:08 instead of 0:00:18, 2.3 times less",
    ]);
  });

  Deno.test(`${runtime.name}: chess, a case by hand where the master waits for the replies`, async () => {
    // 2 boards, 3 move pairs, master 1 s, opponent 5 s: a round takes 2 s,
    // a reply 5 s. Board 1 moves at 0, 6 and 12 s and ends at 18 s; board 2
    // one second later each time.
    const lines = await chessLines(runtime, {
      mode: "simultaneous",
      boards: "2",
      moves: "3",
      master: "1",
      opponent: "5",
    });
    deepEqual(lines, [
      "exhibition: 2 boards, 3 move pairs a game; the master moves in 1s, each opponent in 5s",
      "",
      "simultaneous: the master moves on to the next board while the opponent thinks",
      "  board 1  first move 0:00:00  finished 0:00:18",
      "  board 2  first move 0:00:01  finished 0:00:19",
      "  total 0:00:19; the master was thinking for 0:00:06 of it (31.6%)",
    ]);
  });
}

Deno.test("chess: durations to the millisecond are printed exactly", async () => {
  const lines = await chessLines(runtimes.generator, {
    mode: "sequential",
    boards: "2",
    moves: "1",
    master: "0.25",
    opponent: "1.5",
  });
  deepEqual(lines.slice(3), [
    "  board 1  first move 0:00:00.00  finished 0:00:01.75",
    "  board 2  first move 0:00:01.75  finished 0:00:03.50",
    "  total 0:00:03.50; the master was thinking for 0:00:00.50 of it (14.3%)",
  ]);
});

Deno.test("chess: the output is byte-identical on every run and under every runtime", async () => {
  for (const values of [{}, { boards: "5", moves: "4", master: "3", opponent: "7" }]) {
    const outputs = new Set<string>();
    for (const runtime of Object.values(runtimes)) {
      for (let run = 0; run < 2; run++) outputs.add((await chessLines(runtime, values)).join("\n"));
    }
    equal(outputs.size, 1, `values ${JSON.stringify(values)}`);
  }
});

// The lab runner, as a user meets it.

const labScript = fileURLToPath(new URL("../tools/lab.ts", import.meta.url));

const chessCommand = (args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-env", labScript, "chess", ...args]);

for (const runtime of Object.values(runtimes)) {
  Deno.test(`cli: chess --runtime ${runtime.name} prints the exhibition in virtual time, exit 0`, async () => {
    const { code, stdout } = await chessCommand(["--runtime", runtime.name]);
    equal(code, 0);
    equal(stdout, expectedDefaults.join("\n") + "\n");
  });
}

Deno.test("cli: chess --clock real --speed plays a small exhibition in real time", async () => {
  const { code, stdout } = await chessCommand([
    ...["--clock", "real", "--speed", "1000", "--mode", "simultaneous"],
    ...["--boards", "2", "--moves", "2", "--master", "1", "--opponent", "1"],
  ]);
  equal(code, 0);
  // Host timers fire late by a moment, so the times are not asserted.
  match(stdout, /^ {2}board 2 {2}first move 0:00:\d\d {2}finished 0:00:\d\d$/m);
  match(stdout, /^ {2}total 0:00:\d\d; the master was thinking for 0:00:\d\d of it/m);
});

const usageCases: [string, string[], RegExp][] = [
  ["zero boards", ["--boards", "0"], /--boards takes a whole number from 1 to 1000, not '0'/],
  ["a fraction of a move", ["--moves", "2.5"], /--moves takes a whole number from 1 to 1000/],
  ["a negative count", ["--moves=-3"], /--moves takes a whole number from 1 to 1000, not '-3'/],
  ["a master who takes no time", ["--master", "0"], /--master takes seconds above 0/],
  ["a negative time", ["--opponent=-55"], /--opponent takes seconds above 0.*not '-55'/],
  ["a time that is not a number", ["--opponent", "long"], /--opponent takes seconds/],
  ["a speed of 0", ["--clock", "real", "--speed", "0"], /--speed takes a factor above 0/],
  ["a speed on the virtual clock", ["--speed", "10"], /--speed scales real time: add --clock real/],
  ["an unknown mode", ["--mode", "blitz"], /unknown mode 'blitz'; allowed: sequential, simu/],
];

for (const [what, args, message] of usageCases) {
  Deno.test(`cli: chess with ${what} is a usage error: one line, the usage, exit 2`, async () => {
    const { code, stdout, stderr } = await chessCommand(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, ...rest] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    ok(rest.join("\n").includes("Usage: deno task lab:chess"));
  });
}
