/**
 * `--schedule fifo|shuffle[:SEED]`, as `lab`, `compare`, `report` and the
 * exercise checker take it: the text parsed into a `Schedule`, a seed
 * picked (and said, so that the run can be replayed) when none is given,
 * and a shuffle refused for a runtime that cannot shuffle.
 *
 * @module
 */

import { decimalNumber, type LabOption, UsageError } from "../labs/lab.ts";
import { shufflingRuntimeNames } from "../runtimes/registry.ts";
import { fifo, largestSeed, pickSeed, scheduleText } from "../runtimes/schedule.ts";
import type { Schedule } from "../runtimes/types.ts";
import { listOf } from "./cli.ts";

/** The option as a lab's help shows it. */
export const scheduleOption: LabOption = {
  type: "string",
  placeholder: "fifo|shuffle[:SEED]",
  forms: ["fifo", "shuffle", "shuffle:SEED"],
  help: `the order of tasks woken together: fifo (default), or shuffled from SEED as trio ` +
    `does (${listOf(shufflingRuntimeNames)})`,
};

/** What `--schedule` allows, for the messages that refuse a value. */
const scheduleValues =
  `fifo, shuffle or shuffle:SEED (SEED a whole number from 0 to ${largestSeed})`;

/** A parsed `--schedule`, and whether its seed was picked here rather than given. */
export interface ScheduleChoice {
  schedule: Schedule;
  picked: boolean;
}

/** `--schedule`'s value parsed (`fifo` when absent); `UsageError` naming the allowed values. */
export function parseSchedule(text: string | undefined): ScheduleChoice {
  if (text === undefined || text === "fifo") return { schedule: fifo, picked: false };
  if (text === "shuffle") return { schedule: { order: "shuffle", seed: pickSeed() }, picked: true };
  const seedText = /^shuffle:(.*)$/.exec(text)?.[1];
  if (seedText === undefined) {
    throw new UsageError(`unknown schedule '${text}'; allowed: ${scheduleValues}`);
  }
  const seed = decimalNumber(seedText, { whole: true });
  if (!(seed <= largestSeed)) {
    throw new UsageError(
      `bad seed '${seedText}' in --schedule ${text}; allowed: ${scheduleValues}`,
    );
  }
  return { schedule: { order: "shuffle", seed }, picked: false };
}

/**
 * A shuffle asked of a runtime that cannot shuffle is a `UsageError` naming
 * those that can; it names the option as given (`shuffle`, not the seed
 * picked for it).
 */
export function refuseShuffleFor(runtime: string, { schedule, picked }: ScheduleChoice): void {
  if (schedule.order !== "shuffle" || shufflingRuntimeNames.includes(runtime)) return;
  const given = picked ? "shuffle" : scheduleText(schedule);
  throw new UsageError(
    `--schedule ${given} cannot apply to ${runtime}, which has no run queue ` +
      `of its own to shuffle; allowed runtimes: ${listOf(shufflingRuntimeNames)}`,
  );
}

/** The line that says a picked seed, so that the run can be replayed. */
function seedLine(schedule: Schedule): string {
  const text = scheduleText(schedule);
  return `schedule: ${text} (the same seed replays this run: --schedule ${text})`;
}

/** Say a picked seed on stderr, one line; nothing for a schedule the user gave in full. */
export function announceSeed(choice: ScheduleChoice): void {
  if (choice.picked) console.error(seedLine(choice.schedule));
}

/**
 * What a section of `lab --runtime all` says of its schedule after the
 * runtime's name: nothing under fifo; under a shuffle, the shuffle for a
 * runtime that shuffles (`shuffle:7`) and, for one that cannot, that it ran
 * in its own order, as `compare` and `report` say.
 */
export function sectionSchedule(runtime: string, schedule: Schedule): string {
  if (schedule.order !== "shuffle") return "";
  return shufflingRuntimeNames.includes(runtime)
    ? ` (${scheduleText(schedule)})`
    : " (its own order: it cannot shuffle)";
}
