/**
 * A lab's recorded runs as one HTML page of timelines, whole in itself:
 * the report's drawing, its style and script inline, so that the file can
 * be mailed or opened anywhere. What `deno task lab ... --timeline FILE`
 * writes.
 *
 * @module
 */

import { countTasks } from "./compare.ts";
import type { RecordedRun } from "./lab_record.ts";
import { legend, renderScene, type RuntimeRun } from "./report.ts";
import { buildTimeline, escapeHtml, timelineDefs } from "./report_timeline.ts";

/** A run as the report's scenes show it; what it wrote to stderr went to the terminal. */
function sceneRun(run: RecordedRun): RuntimeRun {
  return {
    runtime: run.runtime,
    outcome: run.outcome,
    elapsed: run.endTime,
    output: run.events.filter((event) => event.type === "log").map((event) => event.text ?? ""),
    stderr: [],
    counts: countTasks(run.events),
    timeline: buildTimeline(run.events, run.endTime),
  };
}

/**
 * One HTML page of the runs' timelines: the report's scene, its style and
 * script inline, no other file. `lab` and `args` are as the user gave them.
 */
export async function timelinePage(
  lab: string,
  args: readonly string[],
  runs: readonly RecordedRun[],
  date = new Date().toISOString(),
): Promise<string> {
  const [css, script] = await Promise.all(
    ["report.css", "report.js"].map((file) =>
      Deno.readTextFile(new URL(`./${file}`, import.meta.url))
    ),
  );
  const clocks = [...new Set(runs.map((run) => run.clock))];
  const scene = {
    lab,
    args: [...args],
    clock: clocks.length === 1 ? clocks[0] : undefined,
    lesson: `${lab}, run by deno task lab under ${
      runs.map((run) => run.runtime).join(", ")
    } on the ${clocks.join(" and ")} clock.`,
  };
  const title = `${[lab, ...args].join(" ")}: timelines`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${css}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to the content</a>
<header>
<h1>${escapeHtml(title)}</h1>
<p>Made ${
    escapeHtml(date)
  } by <code>deno task lab</code>. One row per task, named, on the lab's clock; the runs share one time scale. Hover over a bar or a marker for its details; each timeline also has its tasks as a table.</p>
</header>
<main id="main">
${timelineDefs()}
${legend()}
${
    renderScene({
      scene,
      runs: runs.map(sceneRun),
      schedule: runs.find((run) => run.schedule)?.schedule,
    }, 0)
  }
</main>
<script>
${script}</script>
</body>
</html>
`;
}
