import { type Exercise, indexOf, lineOf, seconds } from "../check.ts";

export const exercise: Exercise = {
  number: 8,
  folder: "08-cleanup-on-cancel",
  title: "cleanup that runs under cancellation (ensure)",
  checks: [
    {
      what: "`closed db` at 2.550s, after its 50 ms flush",
      fault(run) {
        const closed = lineOf(run, "closed db");
        if (!closed) return "`closed db` was never printed: the close never ran to its end";
        return closed.time === 2550 ? undefined : `it came at ${seconds(closed.time)}`;
      },
      hint: "register the close as soon as the connection is open: yield* ensure(() => " +
        "db.close()); a finally whose cleanup waits is cut short under nursery",
    },
    {
      what: "`session over` comes after `closed db`",
      fault(run) {
        const over = indexOf(run, "session over");
        if (over === -1) return "no `session over` line";
        const closed = indexOf(run, "closed db");
        return closed !== -1 && closed < over ? undefined : "`session over` came first";
      },
      hint: "halt() waits for the task's cleanup: keep the cleanup inside the task",
    },
    {
      what: "two pings before the session is halted, none after",
      fault(run) {
        const pings = run.lines.filter((line) => line.text === "ping db");
        if (pings.length !== 2) return `${pings.length} pings`;
        return undefined;
      },
      hint: "the session is halted at 2.5 s: pings at 1.1 s and 2.1 s",
    },
  ],
};
