// A failing lab's stack without the kit's own frames (tools/stack_frames.ts).

import { equal } from "node:assert/strict";
import { npmPackageOf, withFoldedStderr, withoutKitFrames } from "../tools/stack_frames.ts";

const kit = new URL("../", import.meta.url).href;

Deno.test("stack: the kit's frames are folded into one line after the lab's own", () => {
  const inspected = [
    "TypeError: spawn() was given an operation",
    `    at checkFunction (${kit}runtimes/verbs.ts:70:11)`,
    "    at default (file:///home/me/lab.ts:7:20)",
    "    at default.next (<anonymous>)",
    `    at step (${kit}runtimes/generator.ts:375:46)`,
    "    at ext:core/01_core.js:1:2",
  ].join("\n");
  equal(
    withoutKitFrames(inspected),
    [
      "TypeError: spawn() was given an operation",
      "    at default (file:///home/me/lab.ts:7:20)",
      "    (4 frames inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them)",
    ].join("\n"),
  );
});

Deno.test("stack: a built-in lab's frames stay, and each stack of a cause is folded alone", () => {
  const inspected = [
    "Error: outer",
    `    at run (${kit}labs/flags.ts:10:1)`,
    `    at step (${kit}runtimes/native.ts:1:1)`,
    "Caused by Error: inner",
    `    at step (${kit}runtimes/native.ts:2:2)`,
  ].join("\n");
  equal(
    withoutKitFrames(inspected),
    [
      "Error: outer",
      `    at run (${kit}labs/flags.ts:10:1)`,
      "    (1 frame inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them)",
      "Caused by Error: inner",
      "    (1 frame inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them)",
    ].join("\n"),
  );
});

Deno.test("stack: text without kit frames is unchanged, coloured or not", () => {
  const inspected = "Error: boom\n    at \x1b[36mfile:///home/me/lab.ts\x1b[0m:3:9";
  equal(withoutKitFrames(inspected), inspected);
});

Deno.test("stack: a library's frames (npm packages) are folded too, and the line names it", () => {
  const npm = "file:///root/.cache/deno/npm/registry.npmjs.org";
  const inspected = [
    "Error: boom",
    "    at bad (file:///home/me/lab.ts:3:58)",
    "    at bad.next (<anonymous>)",
    `    at FiberImpl.runLoop (${npm}/effect/4.1.5/src/internal/effect.ts:711:43)`,
    `    at step (${kit}runtimes/effect.ts:409:68)`,
    `    at trap (file:///p/node_modules/@scope/lib/esm/trap.js:13:28)`,
    `    at TaskGroup (${npm}/effect/4.1.5/src/internal/effect.ts:1:1)`,
  ].join("\n");
  equal(
    withoutKitFrames(inspected),
    [
      "Error: boom",
      "    at bad (file:///home/me/lab.ts:3:58)",
      "    (2 frames inside the kit, 2 inside npm:effect and 1 inside npm:@scope/lib not shown: " +
      "--trace or KIT_FULL_STACK=1 shows them)",
    ].join("\n"),
  );
  equal(npmPackageOf(`${npm}/effection/4.1.1/esm/lib/trap.js`), "effection");
  equal(npmPackageOf("file:///home/me/lab.ts"), undefined);
});

Deno.test("stack: a hidden last frame before an error's own properties keeps their brace", () => {
  const inspected = [
    "TypeError: Module not found",
    "    at file:///home/me/lab.ts:1:8",
    `    at async onmessage (${kit}tools/lab_thread_worker.ts:94:13) {`,
    '  code: "ERR_MODULE_NOT_FOUND"',
    "}",
  ].join("\n");
  equal(
    withoutKitFrames(inspected),
    [
      "TypeError: Module not found",
      "    at file:///home/me/lab.ts:1:8",
      "    (1 frame inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them) {",
      '  code: "ERR_MODULE_NOT_FOUND"',
      "}",
    ].join("\n"),
  );
});

Deno.test("stack: while folding stderr, an error given to console.error is shown without kit frames", async () => {
  const lines: string[] = [];
  const consoleError = console.error;
  console.error = (...data: unknown[]) => void lines.push(data.map(String).join(" "));
  const error = new Error("boom");
  error.stack =
    `Error: boom\n    at mine (file:///home/me/lab.ts:1:1)\n    at step (${kit}runtimes/native.ts:1:1)`;
  try {
    await withFoldedStderr(false, () => {
      console.error("unjoined:", error);
      return Promise.resolve();
    });
    await withFoldedStderr(true, () => {
      console.error("full:", error);
      return Promise.resolve();
    });
    console.error("after:", error);
  } finally {
    console.error = consoleError;
  }
  equal(lines.length, 3);
  equal(
    lines[0],
    "unjoined: Error: boom\n    at mine (file:///home/me/lab.ts:1:1)\n" +
      "    (1 frame inside the kit not shown: --trace or KIT_FULL_STACK=1 shows them)",
  );
  equal(lines[1], `full: ${error}`);
  equal(lines[2], `after: ${error}`);
});
