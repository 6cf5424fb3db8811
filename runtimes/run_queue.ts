/**
 * The FIFO run queue of the kit's own schedulers (`generator`, `nursery`):
 * resumptions stored four slots each (frame, epoch, mode, value) in chunks
 * of a fixed size, so that a step costs no object, and a queue that grows
 * to a hundred thousand entries never copies one array into a bigger one
 * (an array that size lives in the large-object space: each growth is a
 * fresh allocation and a full copy). Each entry carries the epoch its frame
 * had when it was queued; a frame bumps its epoch whenever it leaves a wait,
 * so older entries are stale.
 *
 * @module
 */

/** Entries per chunk: a chunk is an ordinary heap object, well under the large-object size. */
const CHUNK_ENTRIES = 256;
const CHUNK_SLOTS = CHUNK_ENTRIES * 4;

/** A chunk's slots, then the chunk after it. */
interface Chunk {
  slots: unknown[];
  next: Chunk | undefined;
}

function newChunk(): Chunk {
  return { slots: new Array(CHUNK_SLOTS), next: undefined };
}

/** Resumptions, first in first out. */
export class RunQueue<F> {
  /** Where `shift` reads, and where `push` writes (slot indexes). */
  #head: Chunk = newChunk();
  #headSlot = 0;
  #tail: Chunk = this.#head;
  #tailSlot = 0;
  /** A drained chunk kept for reuse, so that a queue that fills and drains in turn allocates nothing. */
  #spare: Chunk | undefined = undefined;

  /** The entry taken by the last `shift()`. */
  frame!: F;
  epoch = 0;
  mode = 0;
  value: unknown = undefined;

  push(frame: F, epoch: number, mode: number, value: unknown): void {
    let slot = this.#tailSlot;
    if (slot === CHUNK_SLOTS) {
      const chunk = this.#spare ?? newChunk();
      this.#spare = undefined;
      this.#tail.next = chunk;
      this.#tail = chunk;
      slot = 0;
    }
    const slots = this.#tail.slots;
    slots[slot] = frame;
    slots[slot + 1] = epoch;
    slots[slot + 2] = mode;
    slots[slot + 3] = value;
    this.#tailSlot = slot + 4;
  }

  /** Take the next entry into `frame`, `epoch`, `mode` and `value`; false when empty. */
  shift(): boolean {
    let slot = this.#headSlot;
    if (this.#head === this.#tail) {
      if (slot === this.#tailSlot) {
        // Empty: start over at the front of this chunk.
        this.#headSlot = this.#tailSlot = 0;
        return false;
      }
    } else if (slot === CHUNK_SLOTS) {
      const drained = this.#head;
      this.#head = drained.next!;
      drained.next = undefined;
      this.#spare = drained;
      slot = 0;
    }
    const slots = this.#head.slots;
    this.frame = slots[slot] as F;
    this.epoch = slots[slot + 1] as number;
    this.mode = slots[slot + 2] as number;
    this.value = slots[slot + 3];
    // Keep neither the frame nor the value alive from here.
    slots[slot] = undefined;
    slots[slot + 3] = undefined;
    this.#headSlot = slot + 4;
    return true;
  }
}
