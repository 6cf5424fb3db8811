/**
 * The kit's `deno lint` plugin: the mistakes that make an operation silently
 * do nothing, or do something else than meant, each reported with its fix.
 *
 * - `kit/discarded-operation`: `sleep(1000);` or `const t = spawn(worker);`
 *   (never used) makes an operation and drops it, so nothing runs: Python's
 *   "coroutine was never awaited"; so does an arrow that returns one to a
 *   callback taker that ignores it (`setTimeout(() => sleep(5))`) or to a
 *   `map` whose array is dropped.
 * - `kit/bare-yield`: `yield sleep(1000)` hands the operation to the runtime
 *   without running it (the runtimes refuse it).
 * - `kit/await-in-operation`: `await` inside a `function*`; an operation
 *   waits with `yield*`, and on a promise with `yield* call(...)`.
 * - `kit/spawn-call`: `spawn(worker())`, the habit of asyncio's
 *   `create_task(coro)`, where `spawn(worker)` was meant (also `scope` and
 *   `ensure`, which take a function too).
 * - `kit/uncalled-verb`: `yield* sleep;` or `yield* worker;`, a verb or
 *   `function*` used without being called.
 * - `kit/duration-number`: `sleep("100")`, a duration given as a string,
 *   and `sleep(0.5)`, seconds (asyncio's unit) where milliseconds are meant.
 * - `kit/verb-arguments`: a verb given its arguments in another shape than
 *   it takes: `timeout(op, 500)` (asyncio's `wait_for` order), `all(a, b)`
 *   (asyncio's `gather(*aws)`), `call(fetch(url))` (the promise, where the
 *   function that makes it was meant), `spawn(worker, 3)` (trio's
 *   `start_soon(fn, *args)`).
 * - `kit/called-export`: `export default main()`, the operation a call
 *   makes, exported where the lab runner needs the function to call
 *   (`export default main`, or `() => main(args)` for a call with
 *   arguments).
 * - `kit/python-habit`: asyncio's, trio's or Python's names called where
 *   the kit's were meant (`asyncio.sleep(1)`, `create_task(...)`,
 *   `trio.open_nursery()`, `nursery.start_soon(fn)`, `time.sleep(1)`),
 *   each with the kit's equivalent.
 *
 * An operation is recognised without types: a call of a verb imported from
 * the kit (`mod.ts`, `@kit/concurrency`, `runtimes/verbs.ts`), directly or
 * through a namespace import, of a `function*` declared in the same file, of
 * `.halt()`, or of an operation method of what a kit factory made in the
 * same file (`lock.acquire()` after `const lock = createLock()`). In a project's `deno.json`:
 *
 * ```json
 * { "lint": { "plugins": ["../concurrency-kit/lint/kit.ts"] } }
 * ```
 *
 * @module
 */

type Node = Deno.lint.Node;
type CallExpression = Deno.lint.CallExpression;

/** The verbs whose call makes an operation, by the name the kit exports. */
export const operationVerbs: ReadonlySet<string> = new Set([
  "sleep",
  "spawn",
  "scope",
  "ensure",
  "all",
  "race",
  "timeout",
  "moveOnAfter",
  "call",
  "now",
  "suspend",
  "log",
  "block",
  "resource",
]);

/** The kit's factories, and the methods of what they make that make an operation. */
const factoryMethods: ReadonlyMap<string, readonly string[]> = new Map([
  ["createQueue", ["get"]],
  ["createChannel", ["send", "receive"]],
  ["createLock", ["acquire", "hold"]],
  ["createSemaphore", ["acquire", "hold"]],
  ["createEvent", ["wait"]],
]);

/** The verbs that take a function, which a call in their place is a mistake for. */
const functionTakers: ReadonlySet<string> = new Set(["spawn", "scope", "ensure"]);

/** Whether an import's specifier is the kit: its `mod.ts`, its package name, or its verbs module. */
function isKitModule(specifier: string): boolean {
  return specifier === "@kit/concurrency" || /(^|\/)mod\.ts$/.test(specifier) ||
    /(^|\/)runtimes\/verbs\.ts$/.test(specifier);
}

/** What one file tells about its operations: the kit's verbs by local name, its own `function*`s. */
interface Facts {
  /** A local name of an imported kit verb, to the verb's exported name. */
  verbs: Map<string, string>;
  /** Local names of namespace imports of the kit (`import * as kit`). */
  namespaces: Set<string>;
  /** A local name of an imported kit factory (`createLock`), to its exported name. */
  factories: Map<string, string>;
  /** A name bound to what a kit factory made (`const lock = createLock()`), to its operation methods. */
  objects: Map<string, readonly string[]>;
  /**
   * Names bound to a `function*` in this file, and to nothing else (a name
   * bound also to a variable or a parameter may hold anything there).
   */
  generators: Set<string>;
  /** Names bound to something other than a `function*`. */
  others: Set<string>;
  /**
   * Names bound to a function that returns a function (`const worker = (ms)
   * => function* () {...}`): what it makes is for `spawn`.
   */
  functionMakers: Set<string>;
  /** How often each name occurs as an identifier (declarations included). */
  uses: Map<string, number>;
}

/**
 * Visitors that gather a file's facts, and a hook that hands them to
 * `decide` once the whole file has been seen (a `function*` may be declared
 * after its use).
 */
function gathering(
  visitors: (facts: Facts) => Deno.lint.LintVisitor,
  decide: (facts: Facts) => void,
): Deno.lint.LintVisitor {
  const facts: Facts = {
    verbs: new Map(),
    namespaces: new Set(),
    factories: new Map(),
    objects: new Map(),
    generators: new Set(),
    others: new Set(),
    functionMakers: new Set(),
    uses: new Map(),
  };
  const parameters = (node: { params: Deno.lint.Parameter[] }) => {
    for (const param of node.params) if (param.type === "Identifier") facts.others.add(param.name);
  };
  const own = visitors(facts);
  return {
    ...own,
    ImportDeclaration(node) {
      own.ImportDeclaration?.(node);
      if (node.importKind === "type" || !isKitModule(node.source.value)) return;
      for (const specifier of node.specifiers) {
        if (specifier.type === "ImportNamespaceSpecifier") {
          facts.namespaces.add(specifier.local.name);
        } else if (specifier.type === "ImportSpecifier") {
          const imported = specifier.imported.type === "Identifier"
            ? specifier.imported.name
            : specifier.imported.value;
          if (operationVerbs.has(imported)) facts.verbs.set(specifier.local.name, imported);
          if (factoryMethods.has(imported)) facts.factories.set(specifier.local.name, imported);
        }
      }
    },
    FunctionDeclaration(node) {
      own.FunctionDeclaration?.(node);
      parameters(node);
      if (!node.id) return;
      if (node.generator && !node.async) facts.generators.add(node.id.name);
      else facts.others.add(node.id.name);
      if (returnsFunction(node)) facts.functionMakers.add(node.id.name);
    },
    FunctionExpression: parameters,
    ArrowFunctionExpression(node) {
      own.ArrowFunctionExpression?.(node);
      parameters(node);
    },
    VariableDeclarator(node) {
      own.VariableDeclarator?.(node);
      if (node.id.type !== "Identifier") return;
      if (node.init?.type === "FunctionExpression" && node.init.generator && !node.init.async) {
        facts.generators.add(node.id.name);
      } else facts.others.add(node.id.name);
      if (node.init && returnsFunction(node.init)) facts.functionMakers.add(node.id.name);
      const methods = node.init ? madeBy(node.init, facts) : undefined;
      if (methods) facts.objects.set(node.id.name, methods);
    },
    Identifier(node) {
      facts.uses.set(node.name, (facts.uses.get(node.name) ?? 0) + 1);
    },
    "Program:exit"() {
      for (const name of facts.others) facts.generators.delete(name);
      decide(facts);
    },
  };
}

/** Whether `node` is a plain function that returns a function (written as one, or as its last `return`). */
function returnsFunction(node: Node): boolean {
  const isFunction = (value: Node | null | undefined) =>
    value?.type === "FunctionExpression" || value?.type === "ArrowFunctionExpression";
  if (node.type === "ArrowFunctionExpression") {
    if (node.body.type !== "BlockStatement") return isFunction(node.body);
  } else if (node.type !== "FunctionDeclaration" && node.type !== "FunctionExpression") {
    return false;
  }
  if (node.generator || node.body?.type !== "BlockStatement") return false;
  const last = node.body.body.at(-1);
  return last?.type === "ReturnStatement" && isFunction(last.argument);
}

/** The operation methods of what `node` makes, when it is a call of a kit factory. */
function madeBy(node: Node, facts: Facts): readonly string[] | undefined {
  if (node.type !== "CallExpression") return undefined;
  const callee = node.callee;
  let factory: string | undefined;
  if (callee.type === "Identifier") factory = facts.factories.get(callee.name);
  else if (
    callee.type === "MemberExpression" && !callee.computed &&
    callee.object.type === "Identifier" && facts.namespaces.has(callee.object.name) &&
    callee.property.type === "Identifier"
  ) factory = callee.property.name;
  return factory === undefined ? undefined : factoryMethods.get(factory);
}

/** Whether `object.property` is an operation method of what a kit factory made. */
function isObjectOperation(object: Node, property: string, facts: Facts): boolean {
  return object.type === "Identifier" &&
    (facts.objects.get(object.name)?.includes(property) ?? false);
}

/**
 * What an operation-making call is called, for a message (`sleep`,
 * `kit.sleep`, `worker`, `task.halt`), or `undefined` when `node` makes no
 * operation that the plugin can tell.
 */
function operationCallee(node: Node, facts: Facts): string | undefined {
  if (node.type !== "CallExpression") return undefined;
  const callee = node.callee;
  if (callee.type === "Identifier") {
    if (facts.verbs.has(callee.name) || facts.generators.has(callee.name)) return callee.name;
    return undefined;
  }
  if (callee.type === "MemberExpression" && !callee.computed) {
    const property = callee.property.type === "Identifier" ? callee.property.name : undefined;
    if (property === undefined) return undefined;
    if (
      callee.object.type === "Identifier" && facts.namespaces.has(callee.object.name) &&
      operationVerbs.has(property)
    ) return `${callee.object.name}.${property}`;
    if (property === "halt" && node.arguments.length === 0) return "task.halt";
    if (isObjectOperation(callee.object, property, facts)) {
      return `${(callee.object as Deno.lint.Identifier).name}.${property}`;
    }
  }
  return undefined;
}

/** The verb a call is of (`spawn`), by its exported name, through a plain or a namespace import. */
function verbOf(node: CallExpression, facts: Facts): string | undefined {
  const callee = node.callee;
  if (callee.type === "Identifier") return facts.verbs.get(callee.name);
  if (
    callee.type === "MemberExpression" && !callee.computed &&
    callee.object.type === "Identifier" && facts.namespaces.has(callee.object.name) &&
    callee.property.type === "Identifier" && operationVerbs.has(callee.property.name)
  ) return callee.property.name;
  return undefined;
}

/** A node's source, shortened for a message. */
function textOf(ctx: Deno.lint.RuleContext, node: Node): string {
  const text = ctx.sourceCode.getText(node).replace(/\s+/g, " ");
  return text.length <= 40 ? text : `${text.slice(0, 37)}...`;
}

/** The innermost function around `node`, if any. */
function enclosingFunction(ctx: Deno.lint.RuleContext, node: Node): Node | undefined {
  const ancestors = ctx.sourceCode.getAncestors(node);
  for (let index = ancestors.length - 1; index >= 0; index--) {
    const ancestor = ancestors[index];
    if (
      ancestor.type === "FunctionDeclaration" || ancestor.type === "FunctionExpression" ||
      ancestor.type === "ArrowFunctionExpression"
    ) return ancestor;
  }
  return undefined;
}

/** Host functions that call a callback and ignore what it returns. */
const callbackIgnorers: ReadonlySet<string> = new Set([
  "setTimeout",
  "setInterval",
  "queueMicrotask",
]);

/** Methods that call a callback and ignore what it returns. */
const callbackIgnoringMethods: ReadonlySet<string> = new Set([
  "forEach",
  "addEventListener",
  "addSignalListener",
  "finally",
]);

/** Array methods that collect what a callback returns, an array dropped when the call is a statement. */
const collectingMethods: ReadonlySet<string> = new Set(["map", "flatMap"]);

/**
 * For an arrow passed to a call, whether what it returns is dropped: the
 * call is of a host function or method that ignores it (`setTimeout`,
 * `forEach`), or of `map` whose array is itself dropped (a statement).
 * What the arrow returns is then no one's to run.
 */
function droppedReturn(arrow: Node, ancestors: readonly Node[]): string | undefined {
  const call = ancestors.at(-1);
  if (call?.type !== "CallExpression" || !call.arguments.includes(arrow as never)) return undefined;
  const callee = call.callee;
  if (callee.type === "Identifier" && callbackIgnorers.has(callee.name)) return callee.name;
  if (callee.type !== "MemberExpression" || callee.computed) return undefined;
  if (callee.property.type !== "Identifier") return undefined;
  const method = callee.property.name;
  if (callbackIgnoringMethods.has(method)) return method;
  if (collectingMethods.has(method) && ancestors.at(-2)?.type === "ExpressionStatement") {
    return method;
  }
  return undefined;
}

const discardedOperation: Deno.lint.Rule = {
  create(ctx) {
    const statements: Deno.lint.ExpressionStatement[] = [];
    const constants: Deno.lint.VariableDeclarator[] = [];
    const callbacks: { arrow: Deno.lint.ArrowFunctionExpression; taker: string; call: Node }[] = [];
    return gathering(() => ({
      ExpressionStatement(node) {
        statements.push(node);
      },
      VariableDeclarator(node) {
        if (node.id.type === "Identifier" && node.init) constants.push(node);
      },
      ArrowFunctionExpression(node) {
        if (node.body.type === "BlockStatement") return;
        const ancestors = ctx.sourceCode.getAncestors(node);
        const taker = droppedReturn(node, ancestors);
        if (taker !== undefined) callbacks.push({ arrow: node, taker, call: ancestors.at(-1)! });
      },
    }), (facts) => {
      for (const { arrow, taker, call } of callbacks) {
        const body = arrow.body as Node;
        if (operationCallee(body, facts) === undefined) continue;
        const made = textOf(ctx, body);
        const [dropped, fix] = collectingMethods.has(taker)
          ? [`${taker}, whose array is dropped`, `write yield* all(${textOf(ctx, call)})`]
          : [
            `${taker}, which drops it`,
            `a callback cannot run an operation: write yield* ${made} in the operation, ` +
            `or spawn it`,
          ];
        ctx.report({
          node: body,
          message: `${made} is returned to ${dropped}, so nothing runs ` +
            `(Python's "coroutine was never awaited"): ${fix}`,
          hint: "An operation runs only under yield*, in an operation.",
        });
      }
      for (const statement of statements) {
        if (operationCallee(statement.expression, facts) === undefined) continue;
        const call = textOf(ctx, statement.expression);
        ctx.report({
          node: statement,
          message: `${call} makes an operation and drops it, so nothing runs ` +
            `(Python's "coroutine was never awaited"): write yield* ${call}`,
          hint: `Run it with yield*: yield* ${call};`,
        });
      }
      for (const declarator of constants) {
        const name = (declarator.id as Deno.lint.Identifier).name;
        if (operationCallee(declarator.init!, facts) === undefined) continue;
        if ((facts.uses.get(name) ?? 0) > 1) continue;
        const call = textOf(ctx, declarator.init!);
        ctx.report({
          node: declarator,
          message: `${name} holds the operation ${call}, which never runs: ` +
            `write const ${name} = yield* ${call}`,
          hint: "An operation runs only under yield*.",
        });
      }
    });
  },
};

const bareYield: Deno.lint.Rule = {
  create(ctx) {
    const yields: Deno.lint.YieldExpression[] = [];
    return gathering(() => ({
      YieldExpression(node) {
        if (!node.delegate && node.argument) yields.push(node);
      },
    }), (facts) => {
      for (const node of yields) {
        if (operationCallee(node.argument!, facts) === undefined) continue;
        const call = textOf(ctx, node.argument!);
        ctx.report({
          node,
          message: `a bare yield hands ${call} to the runtime without running it: ` +
            `write yield* ${call}`,
          hint: "Operations are run with yield*, not yield.",
        });
      }
    });
  },
};

const awaitInOperation: Deno.lint.Rule = {
  create(ctx) {
    return {
      AwaitExpression(node) {
        const fn = enclosingFunction(ctx, node);
        if (!fn || !("generator" in fn) || !fn.generator || fn.async) return;
        ctx.report({
          node,
          message: "await inside a function* operation: an operation waits with yield*; " +
            "for a promise write yield* call(() => promise)",
          hint: "yield* call(async (signal) => await work(signal)) runs promise code in a task.",
        });
      },
    };
  },
};

const spawnCall: Deno.lint.Rule = {
  create(ctx) {
    const calls: CallExpression[] = [];
    return gathering(() => ({
      CallExpression(node) {
        if (node.arguments[0]?.type === "CallExpression") calls.push(node);
      },
    }), (facts) => {
      for (const node of calls) {
        const verb = verbOf(node, facts);
        if (verb === undefined || !functionTakers.has(verb)) continue;
        const argument = node.arguments[0] as CallExpression;
        // `spawn(work.bind(this))` passes a function, and so does `spawn(worker(3))`
        // when `worker` is a function of the file that returns one.
        if (
          argument.callee.type === "MemberExpression" &&
          argument.callee.property.type === "Identifier" &&
          argument.callee.property.name === "bind"
        ) continue;
        if (
          argument.callee.type === "Identifier" && facts.functionMakers.has(argument.callee.name)
        ) continue;
        const inner = textOf(ctx, argument);
        const callee = textOf(ctx, argument.callee);
        ctx.report({
          node: argument,
          message: `${verb}(${inner}) passes an operation where ${verb} takes the function` +
            (verb === "spawn" ? " (the habit of asyncio's create_task(coro))" : "") +
            `: write ${verb}(${callee}) or ${verb}(() => ${inner})`,
          hint: `${verb} calls the function itself, in the new task.`,
        });
      }
    });
  },
};

const uncalledVerb: Deno.lint.Rule = {
  create(ctx) {
    const yields: Deno.lint.YieldExpression[] = [];
    return gathering(() => ({
      YieldExpression(node) {
        if (node.delegate && node.argument) yields.push(node);
      },
    }), (facts) => {
      for (const node of yields) {
        const argument = node.argument!;
        let name: string | undefined;
        if (
          argument.type === "Identifier" &&
          (facts.verbs.has(argument.name) || facts.generators.has(argument.name))
        ) name = argument.name;
        if (
          argument.type === "MemberExpression" && !argument.computed &&
          argument.property.type === "Identifier" &&
          (argument.property.name === "halt" ||
            isObjectOperation(argument.object, argument.property.name, facts) ||
            (argument.object.type === "Identifier" && facts.namespaces.has(argument.object.name) &&
              operationVerbs.has(argument.property.name)))
        ) name = textOf(ctx, argument);
        if (name === undefined) continue;
        ctx.report({
          node,
          message: `yield* ${name} uses it without calling it: write yield* ${name}(...)`,
          hint: "A verb makes an operation when it is called.",
        });
      }
    });
  },
};

/** The verbs whose first argument is a duration in milliseconds. */
const durationTakers: ReadonlySet<string> = new Set(["sleep", "block", "timeout", "moveOnAfter"]);

/**
 * Whether a duration literal reads as seconds where milliseconds are meant:
 * a fraction under a minute (`sleep(0.5)`, asyncio's half a second), which
 * as milliseconds is too short to mean anything on a timer.
 */
function looksLikeSeconds(value: number): boolean {
  return value > 0 && value < 60 && !Number.isInteger(value);
}

const durationNumber: Deno.lint.Rule = {
  create(ctx) {
    const calls: CallExpression[] = [];
    return gathering(() => ({
      CallExpression(node) {
        const first = node.arguments[0];
        if (first?.type !== "Literal") return;
        const { value } = first;
        if (typeof value === "string" || (typeof value === "number" && looksLikeSeconds(value))) {
          calls.push(node);
        }
      },
    }), (facts) => {
      for (const node of calls) {
        const verb = verbOf(node, facts);
        if (verb === undefined || !durationTakers.has(verb)) continue;
        const rest = node.arguments.length > 1 ? ", ..." : "";
        const literal = node.arguments[0] as Deno.lint.Literal;
        if (typeof literal.value === "number") {
          const seconds = literal.value;
          ctx.report({
            node: literal,
            message:
              `${verb} takes milliseconds, so ${verb}(${seconds}${rest}) is ${seconds} ms; ` +
              `for ${seconds} seconds (asyncio's unit) write ${verb}(${
                Math.round(seconds * 1000)
              }${rest})`,
            hint: "Durations are numbers of milliseconds (asyncio.sleep takes seconds).",
          });
          continue;
        }
        const given = literal.value as string;
        const number = /^\s*\d+(\.\d+)?\s*$/.test(given) ? String(Number(given)) : "ms";
        ctx.report({
          node: node.arguments[0],
          message: `${verb} takes milliseconds as a number, not a string: write ${verb}(${number}` +
            `${rest})`,
          hint: "Durations are numbers of milliseconds (asyncio.sleep takes seconds).",
        });
      }
    });
  },
};

/** Hosts whose functions answer a promise: `fetch(url)`, `Promise.resolve(1)`, `Deno.readFile(...)`. */
const promiseMakers: ReadonlySet<string> = new Set(["fetch", "Promise", "Deno"]);

/**
 * Whether `node` makes a promise now, where a function that makes it was
 * meant (`call(fetch(url))`): `new Promise(...)`, an `await`, or a call of
 * `fetch`, of `Promise`'s or `Deno`'s functions, or of an async function of
 * the file (`asyncNames`). A call of anything else may answer a function,
 * and is left alone.
 */
function makesPromiseNow(node: Node, asyncNames: ReadonlySet<string>): boolean {
  if (node.type === "NewExpression" || node.type === "AwaitExpression") return true;
  if (node.type !== "CallExpression") return false;
  let root: Node = node.callee;
  while (root.type === "MemberExpression") root = root.object;
  return root.type === "Identifier" &&
    (promiseMakers.has(root.name) ||
      (node.callee.type === "Identifier" && asyncNames.has(root.name)));
}

const verbArguments: Deno.lint.Rule = {
  create(ctx) {
    const calls: CallExpression[] = [];
    const asyncNames = new Set<string>();
    return gathering(() => ({
      CallExpression(node) {
        if (node.arguments.length > 0) calls.push(node);
      },
      FunctionDeclaration(node) {
        if (node.async && node.id) asyncNames.add(node.id.name);
      },
      VariableDeclarator(node) {
        const init = node.init;
        if (
          node.id.type === "Identifier" && init &&
          (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression") &&
          init.async
        ) asyncNames.add(node.id.name);
      },
    }), (facts) => {
      const text = (node: Node) => textOf(ctx, node);
      for (const node of calls) {
        const verb = verbOf(node, facts);
        const [first, second] = node.arguments;
        if (verb === "timeout" || verb === "moveOnAfter") {
          const numberLast = second?.type === "Literal" && typeof second.value === "number";
          const firstIsNumber = first.type === "Literal" && typeof first.value === "number";
          if (
            second === undefined || firstIsNumber ||
            !(numberLast || operationCallee(first, facts) !== undefined)
          ) continue;
          ctx.report({
            node,
            message: `${verb} takes the duration first: write ${verb}(${text(second)}, ` +
              `${text(first)}) (asyncio.wait_for(aw, timeout) puts it last)`,
            hint: `${verb}(ms, operation).`,
          });
        } else if (verb === "all" || verb === "race") {
          const spread = first.type === "SpreadElement";
          if (
            !spread && node.arguments.length === 1 && operationCallee(first, facts) === undefined
          ) {
            continue;
          }
          const fix = spread
            ? `${verb}(${text((first as Deno.lint.SpreadElement).argument)})`
            : `${verb}([${node.arguments.map(text).join(", ")}])`;
          ctx.report({
            node,
            message: `${verb} takes one array of operations: write ${fix}` +
              (verb === "all" ? " (the habit of asyncio.gather(*aws))" : ""),
            hint: `${verb}([a(), b()]) runs the operations of the array.`,
          });
        } else if (
          verb === "spawn" && second !== undefined && second.type !== "ObjectExpression" &&
          (node.arguments.length > 2 || second.type === "Literal" ||
            second.type === "TemplateLiteral" || second.type === "ArrayExpression")
        ) {
          // spawn(fn, options): arguments for fn after it are trio's start_soon(fn, *args).
          const args = node.arguments.slice(1).map(text).join(", ");
          const fix = first.type === "Identifier"
            ? `spawn(() => ${first.name}(${args}))`
            : `spawn(() => fn(${args}))`;
          ctx.report({
            node,
            message: `spawn takes the function alone, not its arguments after it (the habit of ` +
              `trio's start_soon(fn, *args)): write ${fix}`,
            hint: "spawn(fn, { name }) takes options second; an arrow passes the arguments.",
          });
        } else if (verb === "call" && makesPromiseNow(first, asyncNames)) {
          const made = first.type === "AwaitExpression"
            ? text((first as Deno.lint.AwaitExpression).argument)
            : text(first);
          ctx.report({
            node: first,
            message: `call takes a function that makes the promise, not the promise: ` +
              `write call(() => ${made}) (call(${made}) starts the work before the task asks for ` +
              "it, and its cancellation cannot reach it)",
            hint: "call(fn) calls fn(signal) when the task runs it.",
          });
        }
      }
    });
  },
};

/** What asyncio's, trio's and Python's names are in the kit, by module (`""`: a bare name). */
const pythonNames: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  [
    "asyncio",
    new Map([
      ["sleep", "yield* sleep(ms), in milliseconds"],
      ["create_task", "yield* spawn(worker), the function, not worker()"],
      ["ensure_future", "yield* spawn(worker), the function, not worker()"],
      ["gather", "yield* all([a(), b()])"],
      ["wait_for", "yield* timeout(ms, operation), the duration first"],
      ["timeout", "yield* timeout(ms, operation)"],
      ["TaskGroup", "yield* scope(function* () { ... }), whose tasks end with it"],
      ["Queue", "createQueue() or createChannel({ capacity })"],
      ["Lock", "createLock()"],
      ["Semaphore", "createSemaphore(n)"],
      ["Event", "createEvent()"],
      ["run", "export default function* () { ... }, which deno task lab FILE runs"],
    ]),
  ],
  [
    "trio",
    new Map([
      ["sleep", "yield* sleep(ms), in milliseconds"],
      ["open_nursery", "yield* scope(function* () { ... }), whose tasks end with it"],
      ["move_on_after", "yield* moveOnAfter(ms, operation)"],
      ["fail_after", "yield* timeout(ms, operation)"],
      ["open_memory_channel", "createChannel({ capacity })"],
      ["Lock", "createLock()"],
      ["Semaphore", "createSemaphore(n)"],
      ["Event", "createEvent()"],
      ["run", "export default function* () { ... }, which deno task lab FILE runs"],
    ]),
  ],
  ["time", new Map([["sleep", "yield* block(ms), a blocking sleep in milliseconds"]])],
  [
    "",
    new Map([
      ["create_task", "yield* spawn(worker), the function, not worker()"],
      ["ensure_future", "yield* spawn(worker), the function, not worker()"],
      ["gather", "yield* all([a(), b()])"],
      ["wait_for", "yield* timeout(ms, operation), the duration first"],
      ["open_nursery", "yield* scope(function* () { ... }), whose tasks end with it"],
      ["move_on_after", "yield* moveOnAfter(ms, operation)"],
      ["fail_after", "yield* timeout(ms, operation)"],
      ["open_memory_channel", "createChannel({ capacity })"],
    ]),
  ],
]);

/** Methods whose name is Python's, whatever they are called on: `nursery.start_soon(fn)`. */
const pythonMethods: ReadonlyMap<string, string> = new Map([
  ["start_soon", "yield* spawn(worker), the function, as start_soon takes it"],
  ["create_task", "yield* spawn(worker), the function, not worker()"],
  ["run_until_complete", "export default function* () { ... }, which deno task lab FILE runs"],
]);

/**
 * The kit's spelling of a Python call, written with its own arguments when
 * they say it (`asyncio.gather(a(), b())` is `all([a(), b()])`,
 * `asyncio.sleep(0.5)` is `sleep(500)`), else `undefined`.
 */
function pythonCall(
  module: string,
  name: string,
  args: readonly Node[],
  text: (node: Node) => string,
): string | undefined {
  const seconds = (node: Node | undefined) =>
    node?.type === "Literal" && typeof node.value === "number"
      ? String(Math.round(node.value * 1000))
      : undefined;
  const spawned = (first: Node | undefined, rest: readonly Node[]) => {
    if (first === undefined) return undefined;
    if (rest.length > 0) return `yield* spawn(() => ${text(first)}(${rest.map(text).join(", ")}))`;
    if (first.type === "Identifier") return `yield* spawn(${text(first)})`;
    if (first.type !== "CallExpression") return undefined;
    return first.arguments.length === 0
      ? `yield* spawn(${text(first.callee)})`
      : `yield* spawn(() => ${text(first)})`;
  };
  switch (name) {
    case "gather":
      return args.length > 0 ? `yield* all([${args.map(text).join(", ")}])` : undefined;
    case "sleep": {
      const ms = seconds(args[0]);
      const verb = module === "time" ? "block" : "sleep";
      return ms === undefined ? undefined : `yield* ${verb}(${ms}), in milliseconds`;
    }
    case "wait_for": {
      const ms = seconds(args[1]);
      return ms === undefined || args[0] === undefined
        ? undefined
        : `yield* timeout(${ms}, ${text(args[0])}), the duration first, in milliseconds`;
    }
    case "create_task":
    case "ensure_future":
      return args.length === 1 ? spawned(args[0], []) : undefined;
    case "start_soon":
      return spawned(args[0], args.slice(1));
  }
  return undefined;
}

const pythonHabit: Deno.lint.Rule = {
  create(ctx) {
    const calls: (CallExpression | Deno.lint.NewExpression)[] = [];
    const declared = new Set<string>();
    const gather = (node: CallExpression | Deno.lint.NewExpression) => {
      calls.push(node);
    };
    return gathering(() => ({
      CallExpression: gather,
      NewExpression: gather,
      ImportDeclaration(node) {
        for (const specifier of node.specifiers) declared.add(specifier.local.name);
      },
    }), (facts) => {
      for (const name of [...facts.others, ...facts.generators]) declared.add(name);
      for (const node of calls) {
        const callee = node.callee;
        // The module (`asyncio`; `""` for a bare name) and the name called on it.
        let module = "";
        let called: string;
        let fix: string | undefined;
        if (callee.type === "Identifier" && !declared.has(callee.name)) {
          called = callee.name;
          fix = pythonNames.get("")!.get(called);
        } else if (
          callee.type === "MemberExpression" && !callee.computed &&
          callee.property.type === "Identifier"
        ) {
          called = callee.property.name;
          const object = callee.object;
          if (object.type === "Identifier") module = object.name;
          fix = object.type === "Identifier" && !declared.has(object.name)
            ? pythonNames.get(object.name)?.get(called)
            : undefined;
          fix ??= pythonMethods.get(called);
        } else continue;
        if (fix === undefined) continue;
        const name = textOf(ctx, callee);
        fix = pythonCall(module, called, node.arguments, (each) => textOf(ctx, each)) ?? fix;
        ctx.report({
          node,
          message: `${name} is Python's, not the kit's: write ${fix}`,
          hint: "The kit's verbs are imported from its mod.ts (or @kit/concurrency).",
        });
      }
    });
  },
};

const calledExport: Deno.lint.Rule = {
  create(ctx) {
    const exported: CallExpression[] = [];
    return gathering(() => ({
      ExportDefaultDeclaration(node) {
        if (node.declaration.type === "CallExpression") exported.push(node.declaration);
      },
    }), (facts) => {
      for (const call of exported) {
        const callee = operationCallee(call, facts);
        if (callee === undefined) continue;
        const written = textOf(ctx, call);
        const fix = call.arguments.length === 0
          ? `export default ${textOf(ctx, call.callee)}`
          : `export default () => ${written}`;
        ctx.report({
          node: call,
          message: `export default ${written} exports an operation, the result of a call, ` +
            `where the lab needs the function to call: write ${fix}`,
          hint: "The lab runner calls the default export itself, with the lab's options.",
        });
      }
    });
  },
};

/** The plugin, as `deno lint` loads it. */
const plugin: Deno.lint.Plugin = {
  name: "kit",
  rules: {
    "discarded-operation": discardedOperation,
    "bare-yield": bareYield,
    "await-in-operation": awaitInOperation,
    "spawn-call": spawnCall,
    "uncalled-verb": uncalledVerb,
    "duration-number": durationNumber,
    "verb-arguments": verbArguments,
    "python-habit": pythonHabit,
    "called-export": calledExport,
  },
};

export default plugin;
