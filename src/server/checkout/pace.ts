// When the provider is next asked about an open invoice: pure rules, no I/O. Callbacks bring most payments, so
// checking only pays off while a payment is likely and its callback might be lost: fast (`fastMs`, about 1 s) for
// a window after the QR is shown and after the customer comes back from the bank app, slow (`slowMs`, about 12 s)
// the rest of the time, until expiry plus the grace period.

export interface Pace {
  /** Between two checks inside a fast window (the status cache interval: never faster than one per second). */
  fastMs: number;
  /** Between two checks outside the windows. */
  slowMs: number;
  /** How long a fast window lasts. */
  windowMs: number;
}

/** The end of the invoice's fast window: one window from its creation, or later when one was opened since. */
export function fastWindowEnd(pace: Pace, createdAt: number, openedUntil: number | undefined): number {
  return Math.max(createdAt + pace.windowMs, openedUntil ?? 0);
}

/** The time between two checks at `now`: fast inside the window, slow outside. */
export function paceAt(pace: Pace, now: number, windowEnd: number): number {
  return now < windowEnd ? pace.fastMs : pace.slowMs;
}

/** When the next check is due after one at `now`. */
export function nextCheckAt(pace: Pace, now: number, windowEnd: number): number {
  return now + paceAt(pace, now, windowEnd);
}

/**
 * Whether a request may open (or extend) a fast window at `now`: not when one was opened less than `fastMs` ago, so
 * however often a client says it is back, the window moves at most once per fast interval.
 */
export function mayOpenWindow(pace: Pace, now: number, openedUntil: number | undefined): boolean {
  return openedUntil === undefined || openedUntil <= now + pace.windowMs - pace.fastMs;
}
