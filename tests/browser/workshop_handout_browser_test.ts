/**
 * The workshop's handout in a real browser: Debian's Chromium, headless,
 * driven by playwright-core. The handout is written into a temporary folder
 * and opened from disk; any request that is not for a local file is
 * refused and counted as a failure, so the page is proved to work offline.
 * It is then laid out for print and printed to PDF.
 *
 * Like the report's browser test, it is ignored (and says so) without a
 * `chromium` on the PATH, unless `REQUIRE_BROWSER=1`; screenshots go to
 * `test-output/`.
 *
 * @module
 */

import { chromium as playwright } from "playwright-core";
import { deepEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { exercises } from "../../exercises/mod.ts";
import { writeHandout } from "../../tools/workshop_handout.ts";
import { steps } from "../../tools/workshop_steps.ts";

function findChromium(): string | undefined {
  for (const folder of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      try {
        if (Deno.statSync(join(folder, name)).isFile) return join(folder, name);
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

const executablePath = findChromium();
if (!executablePath) {
  const message =
    "chromium is not on the PATH: install Debian's `chromium` to run the browser tests";
  if (Deno.env.get("REQUIRE_BROWSER") === "1") throw new Error(message);
  console.warn(`warning: ${message}; they are ignored`);
}

const outputFolder = new URL("../../test-output/", import.meta.url);

Deno.test({
  name: "the handout in Chromium: every step and exercise, offline, and printable",
  ignore: !executablePath,
  async fn() {
    const folder = await Deno.makeTempDir({ prefix: "handout-browser-" });
    const browser = await playwright.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      await writeHandout(join(folder, "handout"));
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
      // Offline: anything but a local file is refused (and so counted as failed).
      await page.route("**/*", (route) => {
        if (route.request().url().startsWith("file:")) return route.continue();
        return route.abort("internetdisconnected");
      });
      await page.goto(`file://${folder}/handout/index.html`, { waitUntil: "load" });
      deepEqual(problems, []);
      deepEqual(await page.title(), "Concurrency models, side by side: the workshop");
      deepEqual(await page.locator("section.step").count(), steps.length);
      deepEqual(await page.locator("section.exercise").count(), exercises.length);
      // Every table-of-contents link lands on its step.
      deepEqual(await page.locator("nav a").count(), steps.length + 1);
      await page.locator('nav a[href="#step-5"]').click();
      ok(page.url().endsWith("#step-5"));
      // Every output block holds what a run printed, and is drawn (not hidden, not empty).
      const outputs = page.locator("pre.output");
      ok(await outputs.count() >= steps.length - 1);
      for (const text of await outputs.allTextContents()) ok(text.trim().length > 0);
      const demo1 = page.locator("#step-5 pre.output");
      deepEqual(
        (await demo1.textContent())?.split("\n"),
        ["{ value: 42, done: false }", "{ value: undefined, done: true }"],
      );
      // What was measured on this machine is marked, and drawn unlike the rest: the flags'
      // times in step 1, the latency table whole; a virtual-time output has no mark.
      ok(await page.locator("#step-1 pre.output.real-time span.measured").count() >= 3);
      ok(await page.locator("#step-9 pre.output.measured").isVisible());
      deepEqual(await page.locator("pre.output.reproducible span.measured").count(), 0);
      const styleOf = (selector: string) =>
        page.locator(selector).first().evaluate((element) => {
          const style = getComputedStyle(element);
          return `${style.backgroundColor} ${style.borderBottomStyle}`;
        });
      const figure = await styleOf("#step-1 pre.output span.measured");
      ok(figure !== await styleOf("#step-3 pre.output"), figure);
      ok(figure.endsWith(" dotted"), figure);
      const box = await demo1.boundingBox();
      ok(box && box.width > 300 && box.height > 20, JSON.stringify(box));
      await Deno.mkdir(outputFolder, { recursive: true });
      await page.screenshot({ path: new URL("handout.png", outputFolder).pathname });

      // For print: the table of contents gives way, and the page prints to PDF.
      await page.emulateMedia({ media: "print" });
      ok(!(await page.locator("nav").isVisible()));
      ok(await page.locator("#step-1 h2").isVisible());
      // On paper too the marked figures are set apart (backgrounds may not print).
      ok((await styleOf("#step-1 pre.output span.measured")).endsWith(" dotted"));
      const pdf = await page.pdf({ format: "A4" });
      ok(new TextDecoder().decode(pdf.subarray(0, 5)) === "%PDF-");
      ok(pdf.length > 20_000, `${pdf.length} bytes`);
      deepEqual(problems, []);
      await page.close();
    } finally {
      await browser.close();
      await Deno.remove(folder, { recursive: true });
    }
  },
});
