// Did the bank's app open after a tap on its link? A browser cannot tell directly: a deep link to an app
// that is not installed fails silently. What it can see is the page: when the app opens, the page goes
// hidden (visibilitychange); when it stays visible for a while, the app did not open. This module makes
// that call from an injected clock and page, so it runs under fake timers; element/bank-list.ts shows the hint.

import type { PollerClock } from './poller.js';

/** How long the page may stay visible after a bank tap before we say the app did not open. */
export const APP_OPEN_WAIT_MS = 2500;

/**
 * A wait that ends this much later than asked was paused with the page: iOS freezes a page behind the app
 * it opened, and may run the timer on return before telling the page it had been hidden.
 */
export const FROZEN_LATE_MS = 1000;

/** What the watch needs of the page (a Document fits). */
export interface WatchedPage {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * The decision, once the wait is over: the app did not open when the page is visible and was not
 * paused (a frozen page's timer fires late). A page that went hidden since the tap ends the watch before this.
 */
export function appDidNotOpen(elapsedMs: number, visibility: DocumentVisibilityState): boolean {
  return visibility === 'visible' && elapsedMs < APP_OPEN_WAIT_MS + FROZEN_LATE_MS;
}

const systemClock: PollerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/**
 * Watches one bank tap at a time: `tapped()` (re)starts the wait, and `notOpened` runs when it ends with the
 * page still visible. The page going hidden ends it quietly (the app opened), so a customer coming back
 * from the app later gets no stale hint. Listens to the page only while a wait runs.
 */
export class AppOpenWatch {
  #timer: unknown;
  #waiting = false;
  readonly #onHidden = (): void => {
    if (this.page.visibilityState === 'hidden') this.stop();
  };

  constructor(
    private readonly notOpened: () => void,
    private readonly page: WatchedPage = document,
    private readonly clock: PollerClock = systemClock,
  ) {}

  /** A bank link was followed: wait again from now (a second tap restarts the wait). */
  tapped(): void {
    this.stop();
    const tappedAt = this.clock.now();
    this.#waiting = true;
    this.page.addEventListener('visibilitychange', this.#onHidden);
    this.#timer = this.clock.setTimeout(() => {
      const elapsed = this.clock.now() - tappedAt;
      const visibility = this.page.visibilityState;
      this.stop();
      if (appDidNotOpen(elapsed, visibility)) this.notOpened();
    }, APP_OPEN_WAIT_MS);
  }

  /** Ends the wait without a verdict (the element left the page, or the invoice changed). */
  stop(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.clock.clearTimeout(this.#timer);
    this.page.removeEventListener('visibilitychange', this.#onHidden);
  }

  /** A wait is running. */
  get waiting(): boolean {
    return this.#waiting;
  }
}
