/**
 * The coros lab's `--demo eager`: what is particular to JavaScript.
 *
 * - Calling an `async function` runs its body at once, up to its first
 *   `await`, and hands back a Promise: there is no `next()` to drive it by
 *   hand; only the event loop resumes it.
 * - Calling a generator function runs nothing: the body starts at the first
 *   `next()`, and every step after is the driver's to take.
 * - `yield*` hands what the inner generator yields straight to the driver
 *   and the driver's answers straight back, the way `await` passes a
 *   coroutine's yields through to the event loop; the inner generator's
 *   return value is what `yield*` evaluates to.
 *
 * @module
 */

/**
 * What a demo prints (its title first), and the notes `--explain` adds
 * after it: kept apart so that a learner can predict the lines before
 * reading why they come out so.
 */
export interface DemoText {
  lines: string[];
  notes: string[];
}

/** The eager demo's lines. The async part settles before the answer does. */
export async function eagerDemo(): Promise<DemoText> {
  const lines = ["eager: an async function starts when called; a generator waits for next()"];
  const print = (text: string) => void lines.push(text);

  async function answerLater(): Promise<number> {
    print("  answerLater: running, up to its first await");
    await null;
    print("  answerLater: resumed by the event loop after its await");
    return 42;
  }
  print("calling answerLater()...");
  const promise = answerLater();
  const hasNext = typeof (promise as unknown as { next?: unknown }).next === "function";
  print(`returned: a ${promise.constructor.name}; has next(): ${hasNext}`);
  print(`awaited: ${await promise}`);

  function* answerWhenDriven(): Generator<string, number, string> {
    print("  answerWhenDriven: running, up to its first yield");
    const reply = yield "ready";
    print(`  answerWhenDriven: the driver answered '${reply}'`);
    return 42;
  }
  print("calling answerWhenDriven()...");
  const generator = answerWhenDriven();
  print(`returned: a ${Object.prototype.toString.call(generator).slice(8, -1)}`);
  print(`next() -> ${show(generator.next())}`);
  print(`next("go on") -> ${show(generator.next("go on"))}`);

  function* inner(): Generator<string, number, string> {
    const first = yield "from inner, 1st";
    const second = yield "from inner, 2nd";
    print(`  inner: the driver sent '${first}' and '${second}'; returning 42`);
    return 42;
  }
  function* outer(): Generator<string, void, string> {
    print("  outer: before yield* inner()");
    const result = yield* inner();
    print(`  outer: yield* inner() evaluated to ${result}`);
  }
  print("yield*: the driver calls next() on outer(), which delegates to inner()");
  const delegating = outer();
  print(`next() -> ${show(delegating.next())}`);
  print(`next("one") -> ${show(delegating.next("one"))}`);
  print(`next("two") -> ${show(delegating.next("two"))}`);
  const notes = [
    "answerLater's body ran as soon as it was called, up to its await, and the Promise it",
    "returned has no next(): only the event loop resumes it",
    "answerWhenDriven's body did not run until the first next(); every step after is the driver's",
    "inner's values went straight to the driver, the driver's answers straight to inner,",
    "and inner's return value to outer: what await does between a coroutine and the loop",
  ];
  return { lines, notes };
}

/** An iterator result as the demos print it: `{ value: 42, done: false }`. */
export function show(step: IteratorResult<unknown, unknown>): string {
  return `{ value: ${
    typeof step.value === "string" ? `'${step.value}'` : step.value
  }, done: ${step.done} }`;
}
