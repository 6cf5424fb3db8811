// Exercise 8's connection; start.ts and your solution share it: do not edit.
import { log, type Operation, sleep } from "../../mod.ts";

/** An open connection: `close()` flushes for 50 ms, then says `closed <name>`. */
export interface Connection {
  name: string;
  close(): Operation<void>;
}

/** Open a connection (100 ms), saying `open <name>`. */
export function* openConnection(name: string): Operation<Connection> {
  yield* sleep(100);
  yield* log(`open ${name}`);
  return {
    name,
    *close() {
      yield* sleep(50);
      yield* log(`closed ${name}`);
    },
  };
}

/** Ping through `connection` every second, for ever. */
export function* heartbeat(connection: Connection): Operation<never> {
  for (;;) {
    yield* sleep(1000);
    yield* log(`ping ${connection.name}`);
  }
}
