/**
 * The two clocks. `realClock()` is `performance.now()` and host timers;
 * `virtualClock()` starts at 0 and moves only when the runtime reports that
 * nothing can run, then jumps to the next deadline (trio's `MockClock` with
 * `autojump_threshold=0`), so hours of lab time pass in milliseconds with
 * the same timestamps on every run.
 *
 * @module
 */

import { TimerHeap } from "./timer_heap.ts";
import type { Clock, ClockTimer } from "./types.ts";

class RealTimer implements ClockTimer {
  handle: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly deadline: number) {}
}

/**
 * The longest delay a host timer takes: 2^31 - 1 ms, about 24.8 days. A
 * longer one would fire at once (with a warning), so it is armed in steps.
 */
export const longestHostDelay = 2 ** 31 - 1;

class RealClock implements Clock {
  readonly kind = "real";
  #origin = performance.now();
  /** Read, armed or blocked on: its time 0 may no longer move. */
  used = false;

  now(): number {
    this.used = true;
    return performance.now() - this.#origin;
  }

  /** Time 0 is now, if nothing has used the clock yet. */
  restartUnused(): void {
    if (!this.used) this.#origin = performance.now();
  }

  setTimer(ms: number, fire: () => void): ClockTimer {
    const timer = new RealTimer(this.now() + ms);
    this.#arm(timer, ms, fire);
    return timer;
  }

  #arm(timer: RealTimer, ms: number, fire: () => void): void {
    // The common case, one host timer that fires `fire` itself: no closure
    // per timer (`native` arms one per sleep, and sleepers are many).
    if (ms <= longestHostDelay) {
      timer.handle = setTimeout(fire, ms);
      return;
    }
    timer.handle = setTimeout(() => {
      const left = timer.deadline - this.now();
      if (left > 0) return this.#arm(timer, left, fire);
      timer.handle = undefined;
      fire();
    }, longestHostDelay);
  }

  clearTimer(timer: ClockTimer): void {
    const real = timer as RealTimer;
    if (real.handle !== undefined) clearTimeout(real.handle);
    real.handle = undefined;
  }

  block(ms: number): void {
    this.used = true;
    // Atomics.wait puts the thread to sleep for real, like Python's time.sleep.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }

  idle(_mayAdvance: boolean): boolean {
    return false;
  }
}

class VirtualTimer implements ClockTimer {
  armed = true;
  constructor(
    readonly deadline: number,
    readonly order: number,
    readonly fire: () => void,
  ) {}
}

class VirtualClock implements Clock {
  readonly kind = "virtual";
  #time = 0;
  #armedCount = 0;
  #timers = new TimerHeap<VirtualTimer>();

  now(): number {
    return this.#time;
  }

  setTimer(ms: number, fire: () => void): ClockTimer {
    const timer = new VirtualTimer(this.#time + ms, this.#armedCount++, fire);
    this.#timers.push(timer);
    return timer;
  }

  clearTimer(timer: ClockTimer): void {
    // A disarmed timer stays in the heap and is skipped when it comes up.
    (timer as VirtualTimer).armed = false;
  }

  block(ms: number): void {
    this.#time += ms;
  }

  idle(mayAdvance: boolean): boolean {
    const timers = this.#timers;
    while (timers.size > 0 && !timers.peek()!.armed) timers.pop();
    const next = timers.peek();
    if (next === undefined) return false;
    if (next.deadline > this.#time) {
      if (!mayAdvance) return false;
      this.#time = next.deadline;
    }
    // Fire everything due now, in arming order; what they arm for now fires too.
    while (timers.size > 0 && timers.peek()!.deadline <= this.#time) {
      const timer = timers.pop()!;
      if (!timer.armed) continue;
      timer.armed = false;
      timer.fire();
    }
    return true;
  }
}

/**
 * The real clock: milliseconds since it was made, host timers, and a
 * `block` that really blocks the thread.
 *
 * @example
 * ```ts
 * import { realClock } from "@kit/concurrency";
 *
 * const clock = realClock();
 * if (clock.now() < 0) throw new Error("time runs forward");
 * ```
 */
export function realClock(): Clock {
  return new RealClock();
}

/**
 * Move a real clock's time 0 to this moment if nothing has read it, armed a
 * timer on it or blocked on it yet; any other clock is left as it is. A
 * runtime whose library is loaded on its first run (`effection`, `effect`)
 * calls it once loaded, so that the load's time is not counted in the run's
 * and a run's time 0 is when its body starts, as under every runtime.
 *
 * @example
 * ```ts
 * import { realClock, restartUnusedClock } from "./clock.ts";
 *
 * const clock = realClock();
 * const loaded = performance.now();
 * restartUnusedClock(clock);
 * if (clock.now() > performance.now() - loaded) throw new Error("time 0 moved to the restart");
 * ```
 */
export function restartUnusedClock(clock: Clock): void {
  if (clock instanceof RealClock) clock.restartUnused();
}

/**
 * A virtual clock, for tests and labs that would take hours: it starts at 0
 * and jumps to the next deadline whenever nothing can run. Give each run a
 * fresh one.
 *
 * @example
 * ```ts
 * import { runtimes, sleep, virtualClock } from "@kit/concurrency";
 *
 * const clock = virtualClock();
 * await runtimes.generator.run(() => sleep(12 * 60 * 60 * 1000), { clock });
 * if (clock.now() !== 43_200_000) throw new Error(String(clock.now()));
 * ```
 */
export function virtualClock(): Clock {
  return new VirtualClock();
}

/** What `countingClock` answers: the clock, and what it has seen. */
export interface CountingClock {
  clock: Clock;
  /** The most timers armed at once. */
  mostArmed(): number;
  /** The timers armed now. */
  readonly armed: ReadonlySet<ClockTimer>;
  /** How many times the time was read. */
  reads(): number;
}

/**
 * A virtual clock that counts: the most timers armed at once (how the tests
 * and the semantics matrix see how many host timers a runtime would hold,
 * one per sleeper or one in all), the timers still armed, and its reads.
 */
export function countingClock(): CountingClock {
  const inner = virtualClock();
  const armed = new Set<ClockTimer>();
  let most = 0;
  let reads = 0;
  const clock: Clock = {
    kind: inner.kind,
    now: () => {
      reads++;
      return inner.now();
    },
    setTimer(ms, fire) {
      const timer: ClockTimer = inner.setTimer(ms, () => {
        armed.delete(timer);
        fire();
      });
      armed.add(timer);
      most = Math.max(most, armed.size);
      return timer;
    },
    clearTimer(timer) {
      armed.delete(timer);
      inner.clearTimer(timer);
    },
    block: (ms) => inner.block(ms),
    idle: (mayAdvance) => inner.idle(mayAdvance),
  };
  return { clock, mostArmed: () => most, armed, reads: () => reads };
}
