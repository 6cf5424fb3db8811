/**
 * The FIFO run queue of the kit's own schedulers (`generator`, `nursery`):
 * resumptions stored in parallel arrays, so that a step costs no object.
 * Each entry carries the epoch its frame had when it was queued; a frame
 * bumps its epoch whenever it leaves a wait, so older entries are stale.
 *
 * @module
 */

/** Resumptions, first in first out. */
export class RunQueue<F> {
  #frames: F[] = [];
  #epochs: number[] = [];
  #modes: number[] = [];
  #values: unknown[] = [];
  #head = 0;

  /** The entry taken by the last `shift()`. */
  frame!: F;
  epoch = 0;
  mode = 0;
  value: unknown = undefined;

  push(frame: F, epoch: number, mode: number, value: unknown): void {
    this.#frames.push(frame);
    this.#epochs.push(epoch);
    this.#modes.push(mode);
    this.#values.push(value);
  }

  /** Take the next entry into `frame`, `epoch`, `mode` and `value`; false when empty. */
  shift(): boolean {
    const index = this.#head;
    if (index === this.#frames.length) {
      if (index > 0) {
        this.#frames.length =
          this.#epochs.length =
          this.#modes.length =
          this.#values.length =
            0;
        this.#head = 0;
      }
      return false;
    }
    this.#head = index + 1;
    this.frame = this.#frames[index];
    this.epoch = this.#epochs[index];
    this.mode = this.#modes[index];
    this.value = this.#values[index];
    this.#values[index] = undefined;
    return true;
  }
}
