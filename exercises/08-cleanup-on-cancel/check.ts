import { type Exercise, indexOf, lineOf, printerOf, rootTask, seconds, stopOf } from "../check.ts";

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
      what: "the session's task is halted at 2.500s and says `closed db` in its cleanup",
      fault(run) {
        const session = printerOf(run, "open db");
        if (session === undefined) return "no `open db` line";
        if (session === rootTask(run)) {
          return "the main task opened the connection itself: no session task ran beside it";
        }
        const stop = stopOf(run, session);
        if (!stop) return "the session's task was never halted";
        if (stop.time !== 2500) return `the session was halted at ${seconds(stop.time)}`;
        return printerOf(run, "closed db") === session
          ? undefined
          : "`closed db` was not printed by the session's task, while it was being halted";
      },
      hint: "the close belongs to the session: open the connection in the session task and " +
        "register its close there (yield* ensure(() => db.close())), then halt that task",
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
