// A failing lab's stack without the kit's own frames (tools/stack_frames.ts).

import { equal } from "node:assert/strict";
import { withoutKitFrames } from "../tools/stack_frames.ts";

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
