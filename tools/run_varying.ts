/**
 * What a lab's output says that differs from one run to the next although
 * nothing else did: a port a server was given, a temporary path, and, on
 * the real clock, its measurements (durations, rates, counts of requests
 * and frames).
 * `compare` masks the first two and compares measurements within a
 * tolerance; the workshop's handout masks the first two with `…` and marks
 * the measurements as this machine's, so that two builds of it differ in
 * those marked figures alone.
 *
 * @module
 */

/** The kinds of measurement that vary on the real clock. */
export type MeasurementKind = "duration" | "rate" | "count";

/** One measurement in a line of output. */
export interface Measurement {
  kind: MeasurementKind;
  /** Milliseconds for a duration; the number as written otherwise. */
  value: number;
  /** The measurement as the line writes it: `0.52 s`, `5,676 requests/s`. */
  text: string;
}

/** How close two measurements of each kind must be to count as the same, in words. */
export const tolerances: Record<MeasurementKind, string> = {
  duration: "within 3x plus 100 ms",
  rate: "within 3x",
  count: "within 3x",
};

/** What each kind is called in a message (plural). */
export const measurementNames: Record<MeasurementKind, string> = {
  duration: "durations",
  rate: "rates",
  count: "counts of requests and frames",
};

const number = String.raw`\d[\d,]*(?:\.\d+)?`;

/**
 * A rate (`5,676 requests/s`, `5.5 MiB/s`), a duration (`0.52 s`, `2.08s`,
 * `0.249 ms`), or a count of what a run does as fast as it can or as often
 * as real time allows (`2,850 requests`, `drew 32 frames`), in that order of
 * preference at each place.
 */
const measurementPattern = new RegExp(
  String
    .raw`\b(${number}) ([A-Za-z]+/s)\b|\b(${number}) ?(ns|µs|ms|s)\b(?!/)|\b(${number}) (requests?|frames?)\b`,
  "g",
);

const milliseconds: Record<string, number> = { ns: 1e-6, "µs": 1e-3, ms: 1, s: 1000 };

/** The parts of a match of `measurementPattern`: each kind's number and unit (or word). */
type Parts = [string, string?, string?, string?, string?, string?, string?];

/** The measurement a match of `measurementPattern` is, and the unit (or word) after it. */
function measurementOf([, rate, rateUnit, duration, durationUnit, count, word]: Parts) {
  const value = (text: string) => Number(text.replaceAll(",", ""));
  if (rate !== undefined) {
    return { kind: "rate" as const, value: value(rate), after: ` ${rateUnit}` };
  }
  if (duration !== undefined) {
    return {
      kind: "duration" as const,
      value: value(duration) * milliseconds[durationUnit!],
      // `2.08s` and `0.52 s` keep their own spacing.
      after: `${durationUnit}`,
    };
  }
  return { kind: "count" as const, value: value(count!), after: ` ${word}` };
}

/** A line split into its words and its measurements: `skeleton` has a mark where each was. */
export interface MeasuredLine {
  skeleton: string;
  measurements: Measurement[];
}

/** `line` with each measurement's number taken out (`⟨duration⟩s`), and the measurements. */
export function measure(line: string): MeasuredLine {
  const measurements: Measurement[] = [];
  const skeleton = line.replace(measurementPattern, (...args) => {
    const parts = args.slice(0, 7) as Parts;
    const { kind, value, after } = measurementOf(parts);
    measurements.push({ kind, value, text: parts[0] });
    return `⟨${kind}⟩${parts[0].includes(" ") && kind === "duration" ? " " : ""}${after}`;
  });
  return { skeleton, measurements };
}

/** Whether two measurements of one kind are the same within its tolerance. */
export function withinTolerance(kind: MeasurementKind, left: number, right: number): boolean {
  const [low, high] = left <= right ? [left, right] : [right, left];
  return kind === "duration" ? high <= 3 * low + 100 : high <= 3 * low;
}

/** Whether two lines say the same, their measurements compared within tolerance. */
export function sameWithinTolerance(left: string, right: string): boolean {
  if (left === right) return true;
  const a = measure(left);
  const b = measure(right);
  return a.skeleton === b.skeleton &&
    a.measurements.every((each, index) =>
      withinTolerance(each.kind, each.value, b.measurements[index].value)
    );
}

/** What the system puts temporary files under: `Deno.makeTempDir`'s folder, and `/tmp`. */
function temporaryFolders(): string[] {
  const named = Deno.env.get("TMPDIR")?.replace(/\/+$/, "");
  return [...new Set([named, "/tmp"].filter((folder): folder is string => !!folder))];
}

/**
 * `line` with the port a server was given (`127.0.0.1:41213`) and a
 * temporary path (`/tmp/a1b2c3/x`) masked as `PORT` and `TEMP`, or as
 * `mask` when given.
 */
export function maskPortsAndPaths(line: string, mask?: string): string {
  let masked = line.replace(
    /\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):\d+/g,
    `$1:${mask ?? "PORT"}`,
  );
  for (const folder of temporaryFolders()) {
    const escaped = folder.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    masked = masked.replace(
      new RegExp(`${escaped}/[^\\s'"),;]+`, "g"),
      `${folder}/${mask ?? "TEMP"}`,
    );
  }
  return masked;
}

/**
 * `line` with the ports and temporary paths written `…` and each
 * measurement's number replaced by `mark(number)`, its unit kept, but for a
 * measurement whose number is one of `given` (a setting from the command
 * line, `delay 200 ms`, not a measurement).
 */
export function markEveryRunVarying(
  line: string,
  given: readonly string[],
  mark: (number: string) => string,
): string {
  return maskPortsAndPaths(line, "…").replace(measurementPattern, (...args) => {
    const parts = args.slice(0, 7) as Parts;
    const number = parts[1] ?? parts[3] ?? parts[5]!;
    // The pattern starts with the number: what follows it is its unit (or word), kept.
    return given.includes(number) ? parts[0] : mark(number) + parts[0].slice(number.length);
  });
}
