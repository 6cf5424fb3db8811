// The kit's lint plugin (lint/kit.ts): each rule on the mistake it is for,
// with the fix in its message, and silent on the correct spellings next to
// it.

import { deepEqual, equal, ok } from "node:assert/strict";
import { denoCommand, outputOf } from "./harness.ts";
import plugin from "../lint/kit.ts";

const header = `import { all, ensure, log, scope, sleep, spawn, timeout } from "./mod.ts";
import * as kit from "@kit/concurrency";
`;

/** `rule at line: message` for each problem found in `body` (after the imports). */
function lint(body: string): string[] {
  return Deno.lint.runPlugin(plugin, "lab.ts", header + body).map((diagnostic) => {
    const line = (header + body).slice(0, diagnostic.range[0]).split("\n").length - 2;
    return `${diagnostic.id} at ${line}: ${diagnostic.message}`;
  });
}

function ids(body: string): string[] {
  return lint(body).map((problem) => problem.split(":")[0]);
}

Deno.test("lint: a verb's operation as a statement is discarded, and the fix is yield*", () => {
  const problems = lint(`export default function* () {
  sleep(1000);
  kit.log("x");
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/discarded-operation at 2",
    "kit/discarded-operation at 3",
  ]);
  ok(problems[0].includes("write yield* sleep(1000)"), problems[0]);
  ok(problems[0].includes("coroutine was never awaited"), problems[0]);
  ok(problems[1].includes('write yield* kit.log("x")'), problems[1]);
});

Deno.test("lint: a function* of the file, called as a statement, is discarded", () => {
  const problems = lint(`export default function* () {
  worker();
}
function* worker() {
  yield* sleep(1);
}`);
  deepEqual(
    ids(`export default function* () {
  worker();
}
function* worker() {
  yield* sleep(1);
}`),
    ["kit/discarded-operation at 2"],
  );
  ok(problems[0].includes("write yield* worker()"), problems[0]);
});

Deno.test("lint: task.halt() as a statement is discarded", () => {
  deepEqual(
    ids(`export default function* () {
  const task = yield* spawn(function* () {});
  task.halt();
}`),
    ["kit/discarded-operation at 3"],
  );
});

Deno.test("lint: an operation kept in a const that is never used never runs", () => {
  const problems = lint(`export default function* () {
  const task = spawn(function* () {});
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), ["kit/discarded-operation at 2"]);
  ok(problems[0].includes("write const task = yield* spawn("), problems[0]);
});

Deno.test("lint: an operation kept to be used, or run at once, is no mistake", () => {
  deepEqual(
    ids(`export default function* () {
  const nap = sleep(5);
  yield* timeout(10, nap);
  const task = yield* spawn(function* () {});
  yield* task;
  yield* all([sleep(1), sleep(2)]);
  yield* log("done");
  const op = kit.sleep(1);
  return op;
}`),
    [],
  );
});

Deno.test("lint: a bare yield of an operation, and the fix is yield*", () => {
  const problems = lint(`export default function* () {
  yield sleep(10);
  const task = yield* spawn(worker);
  yield task.halt();
  yield worker();
}
function* worker() {}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/bare-yield at 2",
    "kit/bare-yield at 4",
    "kit/bare-yield at 5",
  ]);
  ok(problems[0].includes("write yield* sleep(10)"), problems[0]);
});

Deno.test("lint: a generator that yields values, not operations, is left alone", () => {
  deepEqual(
    ids(`export function* counter() {
  let received = yield 1;
  yield received * 10;
  yield* [1, 2];
}`),
    [],
  );
});

Deno.test("lint: await inside a function*, and the fix is yield* call(...)", () => {
  const problems = lint(`export default function* () {
  const text = await fetch("http://127.0.0.1/").then((r) => r.text());
  yield* log(text);
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), ["kit/await-in-operation at 2"]);
  ok(problems[0].includes("yield* call(() => promise)"), problems[0]);
});

Deno.test("lint: await in an async function, even inside a function*, is no mistake", () => {
  deepEqual(
    ids(`import { call } from "./mod.ts";
export default function* () {
  yield* call(async () => await Promise.resolve(1));
}
export async function main() {
  await Promise.resolve(1);
}`),
    [],
  );
});

Deno.test("lint: spawn(f()) where spawn(f) was meant, and the same for scope and ensure", () => {
  const problems = lint(`export default function* () {
  yield* spawn(worker());
  yield* scope(worker());
  yield* ensure(close());
  yield* kit.spawn(worker());
}
function* worker() {}
function close() {}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/spawn-call at 2",
    "kit/spawn-call at 3",
    "kit/spawn-call at 4",
    "kit/spawn-call at 5",
  ]);
  ok(problems[0].includes("write spawn(worker) or spawn(() => worker())"), problems[0]);
  ok(problems[0].includes("create_task(coro)"), problems[0]);
  ok(problems[2].includes("write ensure(close) or ensure(() => close())"), problems[2]);
});

Deno.test("lint: an operation returned to a callback that drops it, and the fix", () => {
  const problems = lint(`export default function* () {
  [1, 2].map(() => sleep(1));
  setTimeout(() => sleep(5));
  [1].forEach(() => kit.log("x"));
  signal.addEventListener("abort", () => worker());
}
function* worker() {}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/discarded-operation at 2",
    "kit/discarded-operation at 3",
    "kit/discarded-operation at 4",
    "kit/discarded-operation at 5",
  ]);
  ok(problems[0].includes("write yield* all([1, 2].map(() => sleep(1)))"), problems[0]);
  ok(problems[1].includes("returned to setTimeout, which drops it"), problems[1]);
  ok(problems[1].includes("write yield* sleep(5) in the operation, or spawn it"), problems[1]);
  ok(problems[3].includes("returned to addEventListener"), problems[3]);
});

Deno.test("lint: operations a callback returns to someone who runs them are no mistake", () => {
  deepEqual(
    ids(`export default function* () {
  yield* all([1, 2].map(() => sleep(1)));
  const ops = [1, 2].map((n) => sleep(n));
  yield* all(ops);
  yield* spawn(() => sleep(3));
  yield* scope(() => worker());
  setTimeout(() => console.log("not an operation"));
  [1].forEach((n) => console.log(n));
}
function* worker() {}`),
    [],
  );
});

Deno.test("lint: spawn of what a function of the file makes, a function, is no mistake", () => {
  deepEqual(
    ids(`const maker = (ms: number) => function* () { yield* sleep(ms); };
function otherMaker(ms: number) {
  return function* () { yield* sleep(ms); };
}
export default function* () {
  yield* spawn(maker(3));
  yield* spawn(otherMaker(3));
}`),
    [],
  );
});

Deno.test("lint: spawn of a function, an arrow or a bound function is no mistake", () => {
  deepEqual(
    ids(`export default function* () {
  yield* spawn(worker);
  yield* spawn(() => worker());
  yield* spawn(worker.bind(null));
  yield* ensure(() => close());
}
function* worker() {}
function close() {}`),
    [],
  );
});

Deno.test("lint: names that are not the kit's verbs are not operations", () => {
  const source = `import { sleep } from "./my_helpers.ts";
function spawn(f: unknown) { return f; }
export default function main() {
  sleep(10);
  spawn(main());
}`;
  deepEqual(Deno.lint.runPlugin(plugin, "lab.ts", source), []);
});

Deno.test("lint: a verb or function* used under yield* without its call", () => {
  const problems = lint(`export default function* () {
  yield* sleep;
  yield* worker;
  yield* kit.suspend;
  const task = yield* spawn(worker);
  yield* task.halt;
}
function* worker() {}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/uncalled-verb at 2",
    "kit/uncalled-verb at 3",
    "kit/uncalled-verb at 4",
    "kit/uncalled-verb at 6",
  ]);
  ok(problems[0].includes("write yield* sleep(...)"), problems[0]);
});

Deno.test("lint: a task that shares a function*'s name is joined with yield*, no mistake", () => {
  deepEqual(
    ids(`function* worker() {}
export default function* (workers: Iterable<unknown>) {
  for (const worker of workers) yield* worker as never;
}`),
    [],
  );
});

Deno.test("lint: a duration given as a string, and the number to write", () => {
  const problems = lint(`export default function* () {
  yield* sleep("100");
  yield* timeout("1.5", sleep(1));
  yield* sleep(100);
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/duration-number at 2",
    "kit/duration-number at 3",
  ]);
  ok(problems[0].includes("write sleep(100)"), problems[0]);
  ok(problems[1].includes("write timeout(1.5, ...)"), problems[1]);
});

Deno.test("lint: a fraction of a millisecond reads as seconds (asyncio's unit), and the milliseconds to write", () => {
  const problems = lint(`export default function* () {
  yield* sleep(0.5);
  yield* timeout(2.5, sleep(1));
  yield* sleep(1);
  yield* sleep(250);
  yield* sleep(62.5);
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/duration-number at 2",
    "kit/duration-number at 3",
  ]);
  ok(problems[0].includes("sleep(0.5) is 0.5 ms"), problems[0]);
  ok(problems[0].includes("write sleep(500)"), problems[0]);
  ok(problems[1].includes("write timeout(2500, ...)"), problems[1]);
});

Deno.test("lint: a verb's arguments in asyncio's shape, and the kit's", () => {
  const problems = lint(`async function load() { return 1; }
function maker() { return () => Promise.resolve(3); }
export default function* (ops: never[]) {
  yield* timeout(sleep(1), 500);
  yield* all(sleep(1), sleep(2));
  yield* kit.race(...ops);
  yield* kit.call(fetch("http://127.0.0.1/"));
  yield* kit.call(load());
  yield* timeout(500, sleep(1));
  yield* all([sleep(1), sleep(2)]);
  yield* all(ops);
  yield* kit.call(() => fetch("http://127.0.0.1/"));
  yield* kit.call(maker());
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/verb-arguments at 4",
    "kit/verb-arguments at 5",
    "kit/verb-arguments at 6",
    "kit/verb-arguments at 7",
    "kit/verb-arguments at 8",
  ]);
  ok(problems[0].includes("write timeout(500, sleep(1))"), problems[0]);
  ok(problems[0].includes("asyncio.wait_for"), problems[0]);
  ok(problems[1].includes("write all([sleep(1), sleep(2)])"), problems[1]);
  ok(problems[1].includes("asyncio.gather(*aws)"), problems[1]);
  ok(problems[2].includes("write race(ops)"), problems[2]);
  ok(problems[3].includes('write call(() => fetch("http://127.0.0.1/"))'), problems[3]);
  ok(problems[4].includes("write call(() => load())"), problems[4]);
});

Deno.test("lint: spawn(worker, 3), trio's start_soon(fn, *args), and the arrow to write", () => {
  const problems = lint(`function* worker(n: number, name = "") {}
export default function* () {
  yield* spawn(worker, 3);
  yield* spawn(worker, 3, "b");
  yield* spawn(worker, \`x\`);
  yield* spawn(function* () {}, { name: "named" });
  const options = { name: "kept" };
  yield* spawn(() => worker(3), options);
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/verb-arguments at 3",
    "kit/verb-arguments at 4",
    "kit/verb-arguments at 5",
  ]);
  ok(problems[0].endsWith("write spawn(() => worker(3))"), problems[0]);
  ok(problems[0].includes("trio's start_soon(fn, *args)"), problems[0]);
  ok(problems[1].endsWith('write spawn(() => worker(3, "b"))'), problems[1]);
});

Deno.test("lint: asyncio's, trio's and Python's names, each with the kit's own", () => {
  const problems = lint(`function* worker(n = 0) {
  yield* sleep(n);
}
export default function* () {
  yield* asyncio.sleep(0.5);
  yield* asyncio.gather(worker(1), worker(2));
  const task = create_task(worker());
  nursery.start_soon(worker, 3);
  time.sleep(2);
  const queue = new asyncio.Queue();
  trio.open_nursery();
  const gather = (...xs: number[]) => xs;
  gather(1, 2);
  const time2 = { sleep: (n: number) => n };
  time2.sleep(1);
}`);
  deepEqual(problems.map((problem) => problem.split(":")[0]), [
    "kit/python-habit at 5",
    "kit/python-habit at 6",
    "kit/python-habit at 7",
    "kit/python-habit at 8",
    "kit/python-habit at 9",
    "kit/python-habit at 10",
    "kit/python-habit at 11",
  ]);
  const says = [
    "asyncio.sleep is Python's, not the kit's: write yield* sleep(500), in milliseconds",
    "write yield* all([worker(1), worker(2)])",
    "create_task is Python's, not the kit's: write yield* spawn(worker)",
    "write yield* spawn(() => worker(3))",
    "time.sleep is Python's, not the kit's: write yield* block(2000), in milliseconds",
    "write createQueue() or createChannel({ capacity })",
    "write yield* scope(function* () { ... })",
  ];
  says.forEach((text, index) => ok(problems[index].includes(text), problems[index]));
});

Deno.test("lint: the operations of what the kit's factories make, dropped or bare", () => {
  const source = `import { createChannel, createLock, createQueue } from "./mod.ts";
export default function* () {
  const lock = createLock();
  const channel = createChannel<number>({ capacity: 1 });
  const queue = createQueue<number>();
  lock.acquire();
  channel.send(1);
  yield channel.receive();
  yield* queue.get;
  lock.release();
  queue.put(1);
  yield* lock.hold(function* () {});
}`;
  const problems = Deno.lint.runPlugin(plugin, "lab.ts", source).map((diagnostic) =>
    `${diagnostic.id} at ${source.slice(0, diagnostic.range[0]).split("\n").length}`
  );
  deepEqual(problems, [
    "kit/discarded-operation at 6",
    "kit/discarded-operation at 7",
    "kit/bare-yield at 8",
    "kit/uncalled-verb at 9",
  ]);
});

Deno.test("lint: export default of a call of the lab's function*, and the function to export", () => {
  const problems = lint(`function* main() {
  yield* sleep(1);
}
function* slow(ms: number) {
  yield* sleep(ms);
}
export default main();
`);
  deepEqual(problems, [
    "kit/called-export at 7: export default main() exports an operation, the result of a call, " +
    "where the lab needs the function to call: write export default main",
  ]);
  deepEqual(
    lint(`function* slow(ms: number) {
  yield* sleep(ms);
}
export default slow(500);`).map((problem) => problem.split(": write ")[1]),
    ["export default () => slow(500)"],
  );
  deepEqual(lint(`export default kit.sleep(5);`).map((problem) => problem.split(":")[0]), [
    "kit/called-export at 1",
  ]);
});

Deno.test("lint: export default of a function, or of what a function of the file makes, is no mistake", () => {
  deepEqual(
    ids(`function* main() {
  yield* sleep(1);
}
function labOf(ms: number) {
  return function* () {
    yield* sleep(ms);
  };
}
export const a = main;
export const b = () => main();
export default labOf(5);`),
    [],
  );
});

Deno.test("lint: a project of its own uses the plugin from its deno.json, as the README shows", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const kit = new URL("../", import.meta.url);
    await Deno.writeTextFile(
      `${folder}/deno.json`,
      JSON.stringify({ lint: { plugins: [new URL("lint/kit.ts", kit).href] } }),
    );
    await Deno.writeTextFile(
      `${folder}/main.ts`,
      `import { sleep } from "${new URL("mod.ts", kit).href}";
export default function* () {
  sleep(5);
  yield* sleep(1);
}
`,
    );
    const { code, stdout } = await outputOf(
      denoCommand(["lint", "--json", "main.ts"], { cwd: folder, env: { NO_COLOR: "1" } }),
    );
    equal(code, 1);
    const codes = JSON.parse(stdout).diagnostics.map((d: { code: string }) => d.code);
    deepEqual(codes, ["kit/discarded-operation"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
