/**
 * `createChannel`: a bounded channel between tasks, with backpressure, and
 * `each`, which reads a channel or a queue until it is closed (Python's
 * `async for`).
 *
 * Written once over the verbs: every wait is a `get()` on a one-use queue
 * (a mailbox) of the waiting task's own, so each runtime wakes and cancels
 * it its own way, and a channel works under every runtime in the registry,
 * including ones added later. What a runtime does with a task that was
 * handed a value and then cancelled before it could run again shows
 * through: under `nursery`, as in trio, the task keeps what it was handed
 * and meets the cancellation at its next wait; elsewhere the value goes
 * back to the front of the channel, for the next receiver.
 *
 * @module
 */

import { describeError, QueueClosedError } from "./errors.ts";
import { refuseUncalled } from "./instructions.ts";
import { FifoQueue } from "./queue.ts";
import type { Operation, Queue } from "./types.ts";

/**
 * Thrown by `send` on a closed channel (also to a sender still waiting when
 * the channel is closed: its value is not sent), and by `receive` once the
 * channel is closed and every value sent before has been received.
 *
 * @example
 * ```ts
 * import { ChannelClosedError, createChannel, runtimes } from "@kit/concurrency";
 *
 * const outcome = await runtimes.generator.run(function* () {
 *   const channel = createChannel<number>({ capacity: 1 });
 *   channel.close();
 *   try {
 *     yield* channel.send(1);
 *     return "sent";
 *   } catch (error) {
 *     return error instanceof ChannelClosedError ? "closed" : "other";
 *   }
 * });
 * if (outcome !== "closed") throw new Error(outcome);
 * ```
 */
export class ChannelClosedError extends Error {
  /** Always `"ChannelClosedError"`. */
  override name = "ChannelClosedError";
  /** An error for a closed channel. */
  constructor() {
    super("the channel is closed");
  }
}

/** Options of `createChannel`. */
export interface ChannelOptions {
  /**
   * How many values the channel holds that no receiver has taken yet: 0
   * (the default) makes each `send` wait for a receiver, a rendezvous.
   */
  capacity?: number;
}

/** A bounded first-in first-out channel between tasks. */
export interface Channel<T> {
  /**
   * Send a value: at once when a receiver waits or the buffer has room,
   * otherwise wait, behind earlier senders, until a receiver makes room. A
   * cancellation point while it waits; throws `ChannelClosedError` once the
   * channel is closed.
   */
  send(value: T): Operation<void>;
  /**
   * Receive the oldest value, waiting for one behind earlier receivers; a
   * cancellation point. Throws `ChannelClosedError` once the channel is
   * closed and empty.
   */
  receive(): Operation<T>;
  /**
   * No more values: senders waiting and later sends throw
   * `ChannelClosedError`; receivers get what the buffer holds, then the same
   * error. Closing twice does nothing.
   */
  close(): void;
  /** How many values the channel may hold that no receiver has taken yet. */
  readonly capacity: number;
  /** How many values it holds now (at most `capacity`, plus any given back). */
  readonly size: number;
  /** Whether `close` was called. */
  readonly isClosed: boolean;
}

/**
 * A sender waiting for room: its value, and its mailbox, which gets `true`
 * when a receiver takes the value, `false` when the channel is closed.
 */
interface WaitingSender<T> {
  value: T;
  mailbox: FifoQueue<boolean>;
}

/** What a waiting receiver's mailbox gets: a value, or `null` when the channel is closed. */
type Delivery<T> = { value: T } | null;

class BoundedChannel<T> implements Channel<T> {
  #buffer: T[] = [];
  /** Receivers waiting, oldest first, each on its own mailbox. */
  #receivers: FifoQueue<Delivery<T>>[] = [];
  #senders: WaitingSender<T>[] = [];
  #closed = false;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#buffer.length;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  *send(value: T): Operation<void> {
    if (this.#closed) throw new ChannelClosedError();
    const receiver = this.#receivers.shift();
    if (receiver) {
      receiver.put({ value });
      return;
    }
    if (this.#buffer.length < this.capacity) {
      this.#buffer.push(value);
      return;
    }
    const sender: WaitingSender<T> = { value, mailbox: new FifoQueue() };
    this.#senders.push(sender);
    let taken: boolean | undefined;
    try {
      taken = yield* sender.mailbox.get();
    } finally {
      // Cancelled while waiting: the value was not taken, and is withdrawn.
      // (Cancelled in the instant after it was taken, under a runtime that
      // does not let the sender finish its wait, the value stays sent.)
      if (taken === undefined) remove(this.#senders, sender);
    }
    if (!taken) throw new ChannelClosedError();
  }

  *receive(): Operation<T> {
    if (this.#buffer.length > 0) {
      const value = this.#buffer.shift()!;
      this.#admitSender();
      return value;
    }
    const sender = this.#senders.shift();
    if (sender) {
      sender.mailbox.put(true);
      return sender.value;
    }
    if (this.#closed) throw new ChannelClosedError();
    const mailbox = new FifoQueue<Delivery<T>>();
    this.#receivers.push(mailbox);
    let delivery: Delivery<T> | undefined;
    try {
      delivery = yield* mailbox.get();
    } finally {
      if (delivery === undefined) {
        remove(this.#receivers, mailbox);
        // Handed a value, then cancelled before it could run again: under
        // a runtime that gives the value back, it is in the mailbox now,
        // and goes back to the channel, ahead of anything sent since.
        const handed = mailbox.tryTake();
        if (handed?.value) this.#giveBack(handed.value.value);
      }
    }
    if (delivery === null) throw new ChannelClosedError();
    return delivery.value;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Told with a delivery, as a value is, so that a waiter woken by the
    // closing and cancelled before it runs fares as one handed a value.
    for (const receiver of this.#receivers.splice(0)) receiver.put(null);
    for (const sender of this.#senders.splice(0)) sender.mailbox.put(false);
  }

  /** Room was made in the buffer: the oldest waiting sender's value moves in. */
  #admitSender(): void {
    const sender = this.#senders.shift();
    if (!sender) return;
    this.#buffer.push(sender.value);
    sender.mailbox.put(true);
  }

  #giveBack(value: T): void {
    const receiver = this.#receivers.shift();
    if (receiver) receiver.put({ value });
    else this.#buffer.unshift(value);
  }
}

/** A value as a message shows it: a string quoted, anything else described. */
export function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : describeError(value);
}

// `yield* channel.send;` (the method not called) says what to write.
refuseUncalled(BoundedChannel.prototype.send, "channel.send", "channel.send(value)");
refuseUncalled(BoundedChannel.prototype.receive, "channel.receive", "channel.receive()");

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

/**
 * Make a channel holding up to `capacity` values (default 0: each `send`
 * waits until a receiver takes its value, trio's
 * `open_memory_channel(0)`). A sender that finds the buffer full waits:
 * that is the backpressure a fast producer needs before a slow consumer.
 *
 * @example A producer kept to the pace of its consumer
 * ```ts
 * import { createChannel, each, log, runtimes, sleep, spawn, virtualClock } from "@kit/concurrency";
 *
 * const lines: string[] = [];
 * await runtimes.generator.run(function* () {
 *   const channel = createChannel<number>({ capacity: 1 });
 *   yield* spawn(function* producer() {
 *     for (let n = 1; n <= 3; n++) yield* channel.send(n);
 *     channel.close();
 *   });
 *   const numbers = each(channel);
 *   while (yield* numbers.next()) {
 *     yield* sleep(100);
 *     yield* log(`got ${numbers.value}`);
 *   }
 * }, { clock: virtualClock(), output: (line) => lines.push(line) });
 * if (lines.join() !== "got 1,got 2,got 3") throw new Error(lines.join());
 * ```
 */
export function createChannel<T>(options: ChannelOptions = {}): Channel<T> {
  const capacity = options.capacity ?? 0;
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(
      `createChannel({ capacity: ${shown(capacity)} }): ` +
        "the capacity must be a whole number, 0 or more",
    );
  }
  return new BoundedChannel<T>(capacity);
}

/**
 * A cursor over a channel or a queue: `yield* rows.next()` waits for the
 * next value and answers `true`, with the value in `rows.value`, or `false`
 * once the source is closed and drained.
 */
export interface Each<T> {
  /** Wait for the next value; `false` when there will be none. A cancellation point. */
  next(): Operation<boolean>;
  /** The value the last `next()` received. Read it only after `next()` answered `true`. */
  readonly value: T;
}

/**
 * Read a channel or a queue until it is closed, Python's `async for`: the
 * wait is in the loop's condition, so a `continue` cannot skip it.
 *
 * ```ts ignore
 * const rows = each(channel);
 * while (yield* rows.next()) {
 *   yield* log(rows.value);
 * }
 * ```
 *
 * @example Every value a queue held, up to its closing
 * ```ts
 * import { createQueue, each, runtimes } from "@kit/concurrency";
 *
 * const seen = await runtimes.generator.run(function* () {
 *   const queue = createQueue<string>();
 *   queue.put("a");
 *   queue.put("b");
 *   queue.close();
 *   const seen: string[] = [];
 *   const letters = each(queue);
 *   while (yield* letters.next()) seen.push(letters.value);
 *   return seen;
 * });
 * if (seen.join() !== "a,b") throw new Error(seen.join());
 * ```
 */
export function each<T>(source: Channel<T> | Queue<T>): Each<T> {
  const [take, ended] = "receive" in source
    ? [() => source.receive(), ChannelClosedError]
    : [() => source.get(), QueueClosedError];
  let current: { value: T } | undefined;
  let done = false;
  return {
    *next() {
      current = undefined;
      if (done) return false;
      try {
        current = { value: yield* take() };
        return true;
      } catch (error) {
        if (!(error instanceof ended)) throw error;
        done = true;
        return false;
      }
    },
    get value(): T {
      if (current === undefined) {
        throw new Error(
          done
            ? "each(...).value: the source is closed and drained; there is no value"
            : "each(...).value read before `yield* next()` answered true",
        );
      }
      return current.value;
    },
  };
}
