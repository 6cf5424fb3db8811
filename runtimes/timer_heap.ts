/**
 * A binary min-heap of timers ordered by deadline, then by the order they
 * were armed, so that timers due at the same instant fire first-armed first.
 * The virtual clock and the own schedulers' timers (`core/timers.ts`) both use it.
 *
 * @module
 */

/** What the heap orders: a deadline and a tie-breaking arming order. */
export interface HeapTimer {
  readonly deadline: number;
  readonly order: number;
}

function firesBefore(a: HeapTimer, b: HeapTimer): boolean {
  return a.deadline < b.deadline ||
    (a.deadline === b.deadline && a.order < b.order);
}

/** Timers, earliest first. */
export class TimerHeap<T extends HeapTimer> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest timer, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(timer: T): void {
    const items = this.#items;
    let index = items.push(timer) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!firesBefore(timer, items[parent])) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = timer;
  }

  /** Remove every timer. */
  clear(): void {
    this.#items.length = 0;
  }

  /** Remove and return the earliest timer. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && firesBefore(items[right], items[left]) ? right : left;
      if (!firesBefore(items[child], last)) break;
      items[index] = items[child];
      index = child;
    }
    items[index] = last;
    return top;
  }
}
