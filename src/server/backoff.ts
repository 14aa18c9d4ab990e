// Remembered failures with exponential back-off, per key (an invoice id, a credential): while a
// key is backing off, callers get the remembered failure at once instead of calling the provider
// again. Pure apart from the injected clock; bounded in size.

export interface BackoffOptions {
  /** Epoch ms (tests inject a settable clock). */
  now?: () => number;
  /** Wait after the first failure (default 1000 ms). */
  baseMs?: number;
  /** The wait doubles per consecutive failure up to this (default 60000 ms). */
  maxMs?: number;
  /** Keys remembered at most; the oldest are forgotten first (default 10000). */
  maxKeys?: number;
}

export interface BackoffEntry<E> {
  /** The last failure, handed out while backing off. */
  error: E;
  /** Consecutive failures so far. */
  failures: number;
  /** Epoch ms when the next real attempt is allowed. */
  retryAt: number;
}

/** The wait before attempt `failures + 1`: `baseMs` × 2^(failures − 1), capped at `maxMs` (0 failures: no wait). */
export function doublingDelay(baseMs: number, maxMs: number, failures: number): number {
  if (failures < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

export class FailureBackoff<E = unknown> {
  readonly #now: () => number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, BackoffEntry<E>>();

  constructor(options: BackoffOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#baseMs = Math.max(0, options.baseMs ?? 1000);
    this.#maxMs = Math.max(this.#baseMs, options.maxMs ?? 60_000);
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
  }

  /** The remembered failure while `key` is backing off; undefined when an attempt is allowed. */
  blocked(key: string): BackoffEntry<E> | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#now() < entry.retryAt ? entry : undefined;
  }

  /** Records a failure: the wait is base × 2^(failures − 1), capped at max. */
  fail(key: string, error: E): BackoffEntry<E> {
    const previous = this.#entries.get(key);
    const failures = (previous?.failures ?? 0) + 1;
    const waitMs = doublingDelay(this.#baseMs, this.#maxMs, failures);
    const entry = { error, failures, retryAt: this.#now() + waitMs };
    this.#entries.delete(key); // re-insert: Map order is the eviction order
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }

  /** A success ends the back-off for `key`. */
  succeed(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys currently remembered (backing off or not yet forgotten). */
  get size(): number {
    return this.#entries.size;
  }
}
