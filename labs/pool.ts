/**
 * pool: the `async with` and `async for` of the workshop's aiopg example,
 *
 *     async with aiopg.create_pool(dsn) as pool:
 *         async with pool.acquire() as conn:
 *             async with conn.cursor() as cur:
 *                 await cur.execute("SELECT 1")
 *                 async for row in cur:
 *                     ret.append(row)
 *
 * written with the kit's primitives against a pretend database on the
 * runtime's clock: a pool of connections, each acquired as a `resource`
 * (given back to the pool when the client's scope ends, however it ends),
 * and a cursor whose rows come from a channel, read with `each`.
 *
 * Clients arrive `--every` ms apart and share fewer connections: one that
 * finds none free waits, first come, first served. The server sends a
 * query's rows into the cursor's channel, one every `--fetch` ms; the
 * client spends `--think` ms on each. The channel holds `--buffer` rows
 * (0: each row waits for the client to take it), so a server faster than
 * its client waits for room, which is backpressure; the last line adds it
 * up. With `--deadline MS` each client is cancelled where it is once it has
 * taken that long, and its cursor and connection are given back all the same.
 *
 *     $ deno task lab:pool
 *     pool: 2 connections for 3 clients, arriving 30 ms apart
 *     each query answers 3 rows: the server fetches one in 100 ms, ...
 *     0.000s  client 1: connection 1 acquired
 *     0.030s  client 2: connection 2 acquired
 *     0.060s  client 3: waits for a connection
 *     0.100s  client 1: row (1,)
 *     ...
 *     0.700s  client 1: done, 3 rows
 *     0.700s  client 1: connection 1 back in the pool
 *     0.700s  client 3: connection 1 acquired
 *     ...
 *     3 clients served in 1.400s; the server waited 0.600s in all for room
 *     in a cursor; 2 of 2 connections idle
 *
 * Virtual time by default (`--clock real` plays it in real time). The
 * output is the same under every runtime, the primitives being written
 * once over the verbs, as long as no two clients act at the same instant:
 * then each runtime runs them in its own order (`deno task compare pool
 * --every 0 --deadline 300` shows three orders among the four runtimes).
 *
 * @module
 */

import { type Channel, ChannelClosedError, createChannel, each } from "../runtimes/channel.ts";
import { createQueue } from "../runtimes/queue.ts";
import { resource } from "../runtimes/sync.ts";
import type { Operation, Queue, ScopeHandle, Task } from "../runtimes/types.ts";
import { ensure, log, moveOnAfter, now, scope, sleep } from "../runtimes/verbs.ts";
import { decimalNumber, type Lab, UsageError } from "./lab.ts";

/** The lab's parameters; durations in milliseconds. */
export interface PoolOptions {
  clients: number;
  connections: number;
  rows: number;
  /** How many rows a cursor's channel holds. */
  buffer: number;
  /** How long the server takes to fetch a row. */
  fetchMs: number;
  /** How long a client spends on a row. */
  thinkMs: number;
  /** How long after the one before each client arrives. */
  everyMs: number;
  /** How long each client may take before it is cancelled, if set. */
  deadlineMs: number | undefined;
}

/** A row, as a one-column tuple: `(1,)`. */
type Row = readonly [number];

/** What the server, the pool and the clients share. */
interface Database {
  options: PoolOptions;
  /** Where the server's fetchers run: the pool's own scope. */
  server: ScopeHandle;
  /** The connections not in use, oldest returned first. */
  idle: Queue<Connection>;
  /** The server's time spent waiting for room in a cursor, in all. */
  waitedMs: number;
  /** The lab's start, on the runtime's clock. */
  start: number;
}

/** A connection of the pool. */
interface Connection {
  readonly number: number;
}

/** A cursor: `execute` starts a query, whose rows then arrive on `rows`. */
interface Cursor {
  execute(query: string): Operation<void>;
  readonly rows: Channel<Row>;
}

/** A line stamped with the time since the start: `0.300s  client 1: ...`. */
function* say(db: Database, text: string): Operation<void> {
  yield* log(`${(((yield* now()) - db.start) / 1000).toFixed(3)}s  ${text}`);
}

/**
 * `async with pool.acquire() as conn`: a connection, waiting for one when
 * none is free, given back to the pool when the caller's scope ends.
 */
function* acquire(db: Database, client: number): Operation<Connection> {
  if (db.idle.size === 0) yield* say(db, `client ${client}: waits for a connection`);
  const connection = yield* resource(db.idle.get(), function* (connection) {
    // Said before it is given back: whoever takes it next speaks after.
    yield* say(db, `client ${client}: connection ${connection.number} back in the pool`);
    db.idle.put(connection);
  });
  yield* say(db, `client ${client}: connection ${connection.number} acquired`);
  return connection;
}

/** The rows a query answers: `SELECT n` or `SELECT n FROM generate_series(a, b)`. */
export function rowsOf(query: string): Row[] {
  const one = /^SELECT (\d+)$/.exec(query);
  if (one) return [[Number(one[1])]];
  const series = /^SELECT n FROM generate_series\((\d+), (\d+)\)$/.exec(query);
  if (!series) {
    throw new Error(
      `the pretend server answers only 'SELECT n' and 'SELECT n FROM generate_series(a, b)', not '${query}'`,
    );
  }
  const rows: Row[] = [];
  for (let n = Number(series[1]); n <= Number(series[2]); n++) rows.push([n]);
  return rows;
}

/**
 * The server's side of one query: fetch each row, then send it into the
 * cursor's channel, waiting while the channel is full. A closed channel
 * (the client let go of its cursor) ends the query.
 */
function* serve(db: Database, rows: readonly Row[], channel: Channel<Row>): Operation<void> {
  try {
    for (const row of rows) {
      yield* sleep(db.options.fetchMs);
      const ready = yield* now();
      yield* channel.send(row);
      db.waitedMs += (yield* now()) - ready;
    }
    channel.close();
  } catch (error) {
    if (!(error instanceof ChannelClosedError)) throw error;
  }
}

/**
 * `async with conn.cursor() as cur`: a cursor whose query, once executed,
 * runs on the server, stopped (and its channel closed) when the caller's
 * scope ends.
 */
function* cursor(db: Database, client: number): Operation<Cursor> {
  const rows = createChannel<Row>({ capacity: db.options.buffer });
  let query: Task<void> | undefined;
  return yield* resource<Cursor>(
    function* () {
      return {
        rows,
        *execute(text: string) {
          const answer = rowsOf(text);
          // Named for whom it serves, as a timeline shows it.
          query = db.server.spawn(() => serve(db, answer, rows), {
            name: `rows for client ${client}`,
          });
        },
      };
    },
    function* () {
      rows.close();
      if (query) yield* query.halt();
    },
  );
}

/**
 * One client: a connection, a cursor, a query, and every row it answers;
 * with `--deadline`, cancelled where it is when its time is up.
 */
function* client(db: Database, number: number): Operation<void> {
  const { options } = db;
  let rows = 0;
  let acquired = false;
  const work = scope(function* () {
    yield* acquire(db, number);
    acquired = true;
    let finished = false;
    // Registered after the connection's release, so run before it: said
    // before the connection goes back, however the client ends.
    yield* ensure(function* () {
      yield* say(
        db,
        finished
          ? `client ${number}: done, ${plural(rows, "row")}`
          : `client ${number}: cancelled at its ${options.deadlineMs} ms deadline, after ${
            plural(rows, "row")
          }`,
      );
    });
    yield* scope(function* () {
      const cur = yield* cursor(db, number);
      yield* cur.execute(`SELECT n FROM generate_series(1, ${options.rows})`);
      const received = each(cur.rows);
      while (yield* received.next()) {
        rows++;
        yield* say(db, `client ${number}: row (${received.value[0]},)`);
        yield* sleep(options.thinkMs);
      }
    });
    finished = true;
  });
  if (options.deadlineMs === undefined) {
    yield* work;
    return;
  }
  yield* moveOnAfter(options.deadlineMs, work);
  if (!acquired) {
    yield* say(
      db,
      `client ${number}: cancelled at its ${options.deadlineMs} ms deadline, still waiting for a connection`,
    );
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `async with create_pool(dsn) as pool`, then every client at once. */
export function* poolMain(options: PoolOptions): Operation<void> {
  yield* log(
    `pool: ${plural(options.connections, "connection")} for ${
      plural(options.clients, "client")
    }, arriving ${options.everyMs} ms apart`,
  );
  yield* log(
    `each query answers ${plural(options.rows, "row")}: the server fetches one in ` +
      `${options.fetchMs} ms, the client handles one in ${options.thinkMs} ms, ` +
      `the cursor holds ${options.buffer}`,
  );
  const idle = createQueue<Connection>();
  for (let number = 1; number <= options.connections; number++) idle.put({ number });
  const start = yield* now();
  const served = yield* scope(function* (server) {
    const db: Database = { options, server, idle, waitedMs: 0, start };
    yield* scope(function* (clients) {
      const tasks = [];
      for (let number = 1; number <= options.clients; number++) {
        tasks.push(clients.spawn(function* () {
          yield* sleep((number - 1) * options.everyMs);
          yield* client(db, number);
        }, { name: `client ${number}` }));
      }
      for (const task of tasks) yield* task;
    });
    return db;
  });
  const db = served!;
  yield* log(
    `${plural(options.clients, "client")} served in ${
      (((yield* now()) - start) / 1000).toFixed(3)
    }s; ` +
      `the server waited ${(db.waitedMs / 1000).toFixed(3)}s in all for room in a cursor; ` +
      `${idle.size} of ${plural(options.connections, "connection")} idle`,
  );
}

function parseWhole(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = decimalNumber(text, { whole: true });
  if (!(value >= min && value <= max)) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

/** Check the command-line values; bad ones are usage errors. */
export function parsePoolOptions(
  values: Record<string, string | boolean | undefined>,
): PoolOptions {
  const text = (name: string) => values[name] as string | undefined;
  return {
    clients: parseWhole("clients", text("clients"), 3, 1, 100),
    connections: parseWhole("connections", text("connections"), 2, 1, 100),
    rows: parseWhole("rows", text("rows"), 3, 0, 1000),
    buffer: parseWhole("buffer", text("buffer"), 0, 0, 1000),
    fetchMs: parseWhole("fetch", text("fetch"), 100, 0, 60_000),
    thinkMs: parseWhole("think", text("think"), 200, 0, 60_000),
    everyMs: parseWhole("every", text("every"), 30, 0, 60_000),
    deadlineMs: text("deadline") === undefined
      ? undefined
      : parseWhole("deadline", text("deadline"), 0, 0, 3_600_000),
  };
}

/** The pool lab. */
export const poolLab: Lab<PoolOptions> = {
  name: "pool",
  summary:
    "async with and async for: clients share a pool of connections and read rows from a cursor",
  options: {
    clients: { type: "string", placeholder: "N", help: "clients, 1 to 100 (default 3)" },
    connections: {
      type: "string",
      placeholder: "N",
      help: "connections in the pool, 1 to 100 (default 2)",
    },
    rows: {
      type: "string",
      placeholder: "N",
      help: "rows each query answers, 0 to 1000 (default 3)",
    },
    buffer: {
      type: "string",
      placeholder: "N",
      help: "rows a cursor holds before the server waits, 0 to 1000 (default 0)",
    },
    fetch: {
      type: "string",
      placeholder: "MS",
      help: "ms the server takes to fetch a row, 0 to 60000 (default 100)",
    },
    think: {
      type: "string",
      placeholder: "MS",
      help: "ms a client spends on a row, 0 to 60000 (default 200)",
    },
    every: {
      type: "string",
      placeholder: "MS",
      help: "ms between one client's arrival and the next's, 0 to 60000 (default 30)",
    },
    deadline: {
      type: "string",
      placeholder: "MS",
      help: "ms each client may take before it is cancelled, 0 to 3600000 (default none)",
    },
  },
  defaultClock: "virtual",
  parse: parsePoolOptions,
  main: poolMain,
};
