/**
 * The report in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. The report is built into a temporary folder (every lab,
 * every runtime, a benchmark file written here) and opened from disk; any
 * request that is not for a local file is refused and counted as a failure,
 * so the site is proved to work offline.
 *
 * Screenshots go to `test-output/` (git-ignored). Without a `chromium`
 * on the PATH these tests are ignored, and say so; `.ci/run` installs it and
 * sets `REQUIRE_BROWSER=1`, which turns its absence into a failure.
 *
 * This file runs in its own `deno test --allow-all`: playwright-core probes
 * `/proc` files that Deno opens only with every permission.
 *
 * @module
 */

import { chromium as playwright } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { deepEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { gatherReport, renderSite, writeSite } from "../../tools/report.ts";
import { declaredDifferences } from "../../tools/references.ts";
import { runtimes } from "../../runtimes/registry.ts";

function findChromium(): string | undefined {
  for (const folder of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      const path = join(folder, name);
      try {
        if (Deno.statSync(path).isFile) return path;
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

/** The flags the report's browser tests launch Chromium with. */
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

const outputFolder = new URL("../../test-output/", import.meta.url);

/** A benchmark results file in the shape `deno task bench` writes. */
function benchFixture() {
  const row = (name: string, median: number, goal: string | null, met: boolean | null) => ({
    name,
    samples: [median],
    median,
    ratio: median / 10,
    goal,
    met,
    metPromises: met,
    error: null,
  });
  return {
    date: "2026-11-28T00:00:00.000Z",
    deno: { deno: Deno.version.deno },
    tasks: 1000,
    spawnJoin: {
      unit: "ms",
      reps: 1,
      rows: [row("promises", 10, null, null), row("generator", 25, "<= 3x", true)],
    },
    suspendedHeap: {
      unit: "bytes per task",
      reps: 1,
      rows: [row("promises", 1200, null, null), row("generator", 440, "<= 512 B", true)],
    },
  };
}

/** Collects what went wrong while a page loaded. */
interface Problems {
  console: string[];
  failedRequests: string[];
}

async function openPage(browser: Browser, url: string, width: number): Promise<[Page, Problems]> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: Problems = { console: [], failedRequests: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.console.push(message.text());
  });
  page.on("pageerror", (error) => problems.console.push(error.message));
  page.on("requestfailed", (request) => problems.failedRequests.push(request.url()));
  // Offline: anything but a local file is refused (and so counted as failed).
  await page.route("**/*", (route) => {
    if (route.request().url().startsWith("file:")) return route.continue();
    return route.abort("internetdisconnected");
  });
  await page.goto(url, { waitUntil: "load" });
  return [page, problems];
}

Deno.test({
  name: "the report in Chromium: timelines, matrix, bench chart and adapters, offline",
  ignore: !executablePath,
  async fn(t) {
    const folder = await Deno.makeTempDir({ prefix: "report-browser-" });
    const browser = await playwright.launch({ executablePath, args: chromiumFlags });
    try {
      const benchPath = join(folder, "latest.json");
      await Deno.writeTextFile(benchPath, JSON.stringify(benchFixture()));
      const site = join(folder, "site");
      // A user's lab file, with an option of its own: n workers, each
      // sleeping 100 ms more than the last, then printing.
      const userLab = join(folder, "mine.ts");
      await Deno.writeTextFile(
        userLab,
        `import { log, sleep, spawn } from "${new URL("../../mod.ts", import.meta.url).href}";\n` +
          `export const options = { n: { type: "string", help: "how many workers" } };\n` +
          `export default function* mine(values: { n?: string }) {\n` +
          `  const tasks = [];\n` +
          `  for (let i = 0; i < Number(values.n ?? "2"); i++) {\n` +
          `    tasks.push(yield* spawn(function* worker() {\n` +
          `      yield* sleep(100 * (i + 1));\n` +
          `      yield* log(\`worker \${i}\`);\n` +
          `    }));\n` +
          `  }\n` +
          `  for (const task of tasks) yield* task;\n` +
          `}\n`,
      );
      const data = await gatherReport(
        ["countdown", "spinner", "chess", "coros", `${userLab} --n 3`],
        benchPath,
      );
      await writeSite(site, await renderSite(data));
      const index = new URL(`file://${site}/index.html`).href;
      await Deno.mkdir(outputFolder, { recursive: true });
      const runtimeNames = Object.keys(runtimes);

      await t.step("the page loads with no console errors and no failed requests", async () => {
        const [page, problems] = await openPage(browser, index, 1280);
        deepEqual(await page.title(), "Concurrency models, side by side");
        deepEqual(problems, { console: [], failedRequests: [] });
        const screenshot = new URL("report.png", outputFolder);
        await page.screenshot({ path: screenshot.pathname, fullPage: false });
        console.log(`screenshot: ${screenshot.pathname}`);
        await page.close();
      });

      await t.step("countdown: 4 task rows under the root and 12 prints, per runtime", async () => {
        const [page] = await openPage(browser, index, 1280);
        const scene = page.locator('section.scene[data-lab="countdown"]').first();
        deepEqual(await scene.locator("h3").textContent(), "countdown");
        for (const runtime of runtimeNames) {
          const timeline = scene.locator(`.run[data-runtime="${runtime}"] svg.timeline`);
          deepEqual(await timeline.count(), 1, runtime);
          const counts = await timeline.evaluate((svg) => ({
            root: svg.querySelectorAll('.task-row[data-role="root"]').length,
            children: svg.querySelectorAll('.task-row[data-role="child"]').length,
            prints: svg.querySelectorAll('[data-event="print"]').length,
            spawns: svg.querySelectorAll('[data-event="spawn"]').length,
            returns: svg.querySelectorAll('[data-event="return"]').length,
            cancels: svg.querySelectorAll('[data-event="cancel"], [data-event="halt"]').length,
            sleeping: svg.querySelectorAll('[data-span="sleeping"]').length,
          }));
          deepEqual(counts, {
            root: 1,
            children: 4,
            prints: 12,
            spawns: 5,
            returns: 5,
            cancels: 0,
            sleeping: 12,
          }, runtime);
          // Drawn, not just present: the timeline has a real size on the page.
          const box = await timeline.boundingBox();
          ok(box && box.width > 600 && box.height > 100, `${runtime}: ${JSON.stringify(box)}`);
        }
        await page.close();
      });

      await t.step("a forgotten spinner: native's orphan outlives its parent", async () => {
        const [page] = await openPage(browser, index, 1280);
        const scene = page.locator('section.scene[data-lab="spinner"]').nth(1);
        deepEqual(await scene.locator("h3").textContent(), "spinner --display plain --forget");
        const alive = (runtime: string) =>
          scene.locator(`.run[data-runtime="${runtime}"] .task-row[data-end="alive"]`).count();
        deepEqual(await alive("native"), 1);
        deepEqual(await alive("generator"), 0);
        deepEqual(await alive("nursery"), 0);
        await page.close();
      });

      /** What the timeline of a run of `mine.ts --n 3` shows, as counted in the page. */
      const userLabCounts = (svg: Element) => ({
        root: svg.querySelectorAll('.task-row[data-role="root"]').length,
        children: svg.querySelectorAll('.task-row[data-role="child"]').length,
        prints: svg.querySelectorAll('[data-event="print"]').length,
        sleeping: svg.querySelectorAll('[data-span="sleeping"]').length,
        alive: svg.querySelectorAll('.task-row[data-end="alive"]').length,
      });
      const userLabExpected = { root: 1, children: 3, prints: 3, sleeping: 3, alive: 0 };

      await t.step("a user's lab file: one scene with its options, per runtime", async () => {
        const [page, problems] = await openPage(browser, index, 1280);
        const scene = page.locator('section.scene[data-lab$="mine.ts"]');
        deepEqual(await scene.count(), 1);
        deepEqual(await scene.locator("h3").textContent(), `${userLab} --n 3`);
        for (const runtime of runtimeNames) {
          const run = scene.locator(`.run[data-runtime="${runtime}"]`);
          deepEqual(
            await run.locator(".command").textContent(),
            `deno task lab ${userLab} --runtime ${runtime} --clock virtual --n 3`,
          );
          const timeline = run.locator("svg.timeline");
          deepEqual(await timeline.evaluate(userLabCounts), userLabExpected, runtime);
          const box = await timeline.boundingBox();
          ok(box && box.width > 600, `${runtime}: ${JSON.stringify(box)}`);
        }
        deepEqual(problems, { console: [], failedRequests: [] });
        await page.close();
      });

      await t.step(
        "deno task lab FILE --timeline: one page, whole in itself, offline",
        async () => {
          const timelinePath = join(folder, "timeline.html");
          const { code, stderr } = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--allow-all",
              new URL("../../tools/lab.ts", import.meta.url).pathname,
              ...[userLab, "--n", "3", "--runtime", "all", "--clock", "virtual"],
              ...["--timeline", timelinePath],
            ],
            stdout: "null",
            stderr: "piped",
            env: { NO_COLOR: "1" },
          }).output();
          deepEqual(code, 0, new TextDecoder().decode(stderr));
          // Opened alone, from a folder of its own: it needs no other file.
          const alone = join(folder, "alone");
          await Deno.mkdir(alone);
          await Deno.rename(timelinePath, join(alone, "t.html"));
          const [page, problems] = await openPage(browser, `file://${alone}/t.html`, 1280);
          deepEqual(problems, { console: [], failedRequests: [] });
          for (const runtime of runtimeNames) {
            const timeline = page.locator(`.run[data-runtime="${runtime}"] svg.timeline`);
            deepEqual(await timeline.evaluate(userLabCounts), userLabExpected, runtime);
            const box = await timeline.boundingBox();
            ok(box && box.width > 600, `${runtime}: ${JSON.stringify(box)}`);
          }
          // Styled by its inline style sheet: a sleeping bar is hatched by its pattern.
          const fill = await page.locator(".span-sleeping").first().evaluate((rect) =>
            getComputedStyle(rect).fill
          );
          ok(fill.startsWith("url("), fill);
          const screenshot = new URL("lab-timeline.png", outputFolder);
          await page.screenshot({ path: screenshot.pathname });
          console.log(`screenshot: ${screenshot.pathname}`);
          await page.close();
        },
      );

      await t.step("the matrix and the bench chart are there", async () => {
        const [page] = await openPage(browser, index, 1280);
        const header = await page.locator("table.matrix thead th").allTextContents();
        deepEqual(header, ["behaviour", ...runtimeNames, "trio 0.34", "asyncio 3.11"]);
        deepEqual(
          await page.locator("ul.differences li").count(),
          declaredDifferences.length,
        );
        ok(await page.locator("table.matrix tbody tr").count() >= 10);
        deepEqual(await page.locator('[data-bench="results"]').count(), 1);
        const generator = page.locator('table.bars tr[data-runtime="generator"]').first();
        deepEqual(await generator.locator("td.number").first().textContent(), "2.50x");
        ok((await generator.textContent())!.includes("<= 3x met"));
        await page.close();
      });

      await t.step(
        "a behaviour's link opens its probe: nursery cancels the parent as the child fails",
        async () => {
          const [page, problems] = await openPage(browser, index, 1280);
          const probe = page.locator("details.probe", { hasText: "a child throws, unjoined" });
          deepEqual(await probe.evaluate((details) => (details as HTMLDetailsElement).open), false);
          await page.locator("table.matrix a", { hasText: "a child throws, unjoined" }).click();
          deepEqual(await probe.evaluate((details) => (details as HTMLDetailsElement).open), true);
          const nursery = probe.locator('.run[data-runtime="nursery"] svg.timeline');
          ok(await nursery.isVisible());
          const times = await nursery.evaluate((svg) => {
            const at = (selector: string) =>
              [...svg.querySelectorAll(selector)].map((marker) => marker.getAttribute("x"));
            return {
              error: at('.task-row[data-role="child"] [data-event="error"]'),
              cancel: at('.task-row[data-role="root"] [data-event="cancel"]'),
            };
          });
          deepEqual(times.error.length, 1);
          deepEqual(times.cancel, times.error);
          deepEqual(problems, { console: [], failedRequests: [] });
          await page.close();
        },
      );

      await t.step(
        "keyboard: the first Tab reaches the skip link, which leads to the content",
        async () => {
          const [page] = await openPage(browser, index, 1280);
          await page.keyboard.press("Tab");
          deepEqual(await page.evaluate(() => document.activeElement?.className), "skip-link");
          await page.keyboard.press("Enter");
          deepEqual(new URL(page.url()).hash, "#main");
          await page.close();
        },
      );

      await t.step("a phone-width window scrolls wide parts inside their boxes only", async () => {
        const [page, problems] = await openPage(browser, index, 390);
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        deepEqual(overflow, 0);
        deepEqual(problems, { console: [], failedRequests: [] });
        const screenshot = new URL("report-phone.png", outputFolder);
        await page.screenshot({ path: screenshot.pathname });
        console.log(`screenshot: ${screenshot.pathname}`);
        await page.close();
      });

      await t.step("the adapter view renders both adapters, aligned and marked", async () => {
        const [indexPage] = await openPage(browser, index, 1280);
        const link = indexPage.locator("ul.pairs a", { hasText: "native beside nursery" });
        const href = await link.getAttribute("href");
        await indexPage.close();
        deepEqual(href, "adapters/native-nursery.html");
        const [page, problems] = await openPage(browser, new URL(href!, index).href, 1280);
        deepEqual(problems, { console: [], failedRequests: [] });
        const sides = await page.evaluate(() => {
          const count = (selector: string) =>
            [...document.querySelectorAll(selector)].filter((cell) => cell.textContent!.trim())
              .length;
          return {
            left: count("td.code.left"),
            right: count("td.code.right"),
            highlighted: document.querySelectorAll("td.code .hljs-keyword").length,
            changed: document.querySelectorAll('tr[data-mark="changed"]').length,
            sections: [...document.querySelectorAll("section.diff-section h3")].map((h) =>
              h.textContent
            ),
          };
        });
        const lines = async (file: string) =>
          (await Deno.readTextFile(new URL(`../../${file}`, import.meta.url))).split("\n")
            .filter((line) => line.trim()).length;
        deepEqual(sides.left, await lines("runtimes/native.ts"));
        deepEqual(sides.right, await lines("runtimes/nursery.ts"));
        ok(sides.highlighted > 100, `${sides.highlighted} keywords highlighted`);
        ok(sides.changed > 0);
        // The model files' sections, and native's last one, which makes the runtime.
        for (const heading of ["Instructions", "Scopes", "Errors", "Run"]) {
          ok(sides.sections.includes(heading), `${heading} in ${sides.sections}`);
        }
        const screenshot = new URL("report-adapters.png", outputFolder);
        await page.screenshot({ path: screenshot.pathname });
        console.log(`screenshot: ${screenshot.pathname}`);
        await page.close();
      });
    } finally {
      await browser.close();
      await Deno.remove(folder, { recursive: true });
    }
  },
});
