// At most one report per kind in a span of time: a server that answers garbage many times a second must not
// flood the page's `qpay-error` listeners (and the shop's error tracker). Pure, with an injected clock.

export class RateLimit {
  /** When each kind was last let through (epoch ms). */
  readonly #lastAt = new Map<string, number>();

  constructor(
    /** The span, in ms, after a report during which more of the same kind are held back. */
    private readonly spanMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a report of `kind` may go out now (and counts it); false when one went out less than a span ago. */
  allow(kind: string): boolean {
    const now = this.now();
    const last = this.#lastAt.get(kind);
    if (last !== undefined && now - last < this.spanMs) return false;
    this.#lastAt.set(kind, now);
    return true;
  }
}
