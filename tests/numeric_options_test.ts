// Every numeric option of every lab, and of the flags server, reads its
// value as plain decimal digits: the forms `Number` alone would take
// (hexadecimal, binary, exponents, blanks, signs) are usage errors, as they
// already were for most options, so that no option accepts what another refuses.

import { equal, ok } from "node:assert/strict";
import { parseServerArgs } from "../flags_server.ts";
import { chessLab } from "../labs/chess.ts";
import { echoLab } from "../labs/echo.ts";
import { flagsLab } from "../labs/flags.ts";
import { decimalNumber, type Lab, UsageError } from "../labs/lab.ts";
import { poolLab } from "../labs/pool.ts";
import { spinnerLab } from "../labs/spinner.ts";

/** Forms that are not plain decimal digits, each of which `Number` turns into a number. */
const notDecimal = ["0x10", "0b11", "0o7", "1e1", " 2 ", "2 ", "", "+2", "-0", "Infinity"];

/** Each lab's numeric options, with a value each accepts (and other options they need). */
const numericOptions: [Lab<unknown>, Record<string, string>, Record<string, string>?][] = [
  [echoLab, { size: "100", clients: "2", seconds: "2", port: "0" }],
  [spinnerLab, { seconds: "2" }],
  [chessLab, { boards: "2", moves: "2", master: "2", opponent: "2", speed: "2" }, {
    clock: "real",
  }],
  [flagsLab, {
    limit: "2",
    "max-req": "2",
    timeout: "2",
    delay: "2",
    "error-rate": "1",
    "error-status": "500",
    seed: "2",
  }],
  [flagsLab, { pool: "2" }],
  [poolLab, {
    clients: "2",
    connections: "2",
    rows: "2",
    buffer: "2",
    fetch: "2",
    think: "2",
    every: "2",
    deadline: "2",
  }],
];

function usageErrorOf(parse: () => unknown): UsageError | undefined {
  try {
    parse();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  return undefined;
}

Deno.test("numeric options: every lab's refuses what is not plain decimal, and says what it takes", () => {
  for (const [lab, accepted, context = {}] of numericOptions) {
    for (const [name, good] of Object.entries(accepted)) {
      const parse = (value: string) => () => lab.parse({ ...context, [name]: value }, []);
      equal(usageErrorOf(parse(good)), undefined, `${lab.name} --${name} ${good}`);
      for (const bad of notDecimal) {
        const error = usageErrorOf(parse(bad));
        ok(error, `${lab.name} --${name} '${bad}' was accepted`);
        ok(error.message.includes(`'${bad}'`), `the message quotes the value: ${error.message}`);
      }
    }
  }
});

Deno.test("numeric options: the flags server's refuse what is not plain decimal", () => {
  for (const name of ["--port", "--delay", "--error-rate", "--error-status", "--seed"]) {
    for (const bad of notDecimal) {
      ok(usageErrorOf(() => parseServerArgs([`${name}=${bad}`])), `${name} '${bad}' was accepted`);
    }
  }
});

Deno.test("numeric options: decimalNumber reads plain decimal digits only", () => {
  equal(decimalNumber("16"), 16);
  equal(decimalNumber("0.25"), 0.25);
  equal(decimalNumber(".5"), 0.5);
  equal(decimalNumber("2."), 2);
  equal(decimalNumber("2.5", { whole: true }), NaN);
  equal(decimalNumber("007", { whole: true }), 7);
  for (const bad of notDecimal) equal(decimalNumber(bad), NaN, `'${bad}'`);
});
