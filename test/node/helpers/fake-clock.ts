// A small virtual-time scheduler for node tests and benchmarks: timers fire in due order while
// time is advanced by hand, and the promise chains they start (fetch, body reading) settle
// between timers, so "ten minutes of polling" runs in milliseconds and counts are exact.
//
//   const clock = new FakeClock();
//   const poller = createPoller({ clock, ... });
//   await clock.advance(60_000);

import type { PollerClock } from '../../../src/core/poller.js';

interface Timer {
  id: number;
  dueAt: number;
  /** Insertion order: timers due at the same moment fire in the order they were set. */
  seq: number;
  fn: () => void;
}

/** 2025-01-01T00:00:00Z: an epoch-ms start, so HTTP dates and Date headers make sense. */
export const FAKE_EPOCH = Date.UTC(2025, 0, 1);

export class FakeClock implements PollerClock {
  private current: number;
  private timers = new Map<number, Timer>();
  private nextId = 1;
  private nextSeq = 0;

  constructor(start: number = FAKE_EPOCH) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): number {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = this.nextId++;
    this.timers.set(id, { id, dueAt: this.current + delay, seq: this.nextSeq++, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the earliest pending timer is due, or undefined when none is. */
  get nextDueAt(): number | undefined {
    return this.earliest()?.dueAt;
  }

  /**
   * Moves virtual time forward by `ms`, firing every timer due up to the new time in order (timers
   * set by those timers included), and letting promise chains settle after each one.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: expected ms >= 0, got ${ms}`);
    const target = this.current + ms;
    await settle();
    for (;;) {
      const timer = this.earliest();
      if (!timer || timer.dueAt > target) break;
      this.timers.delete(timer.id);
      this.current = Math.max(this.current, timer.dueAt);
      timer.fn();
      await settle();
    }
    this.current = target;
  }

  /** Moves to an absolute virtual time (see `advance`). */
  async advanceTo(time: number): Promise<void> {
    await this.advance(Math.max(0, time - this.current));
  }

  /** Lets pending promise chains settle without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (!best || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}

/**
 * Waits a few macrotask turns: each turn drains every queued microtask, and a few turns cover
 * promise chains that hop through Node's stream internals (e.g. `Response.text()`).
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 4; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
