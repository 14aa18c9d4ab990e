// The sweeper: the one scheduler of provider checks of open invoices. It decides when the provider is asked about an
// open invoice (status polls and event streams only read its latest check), so a payment whose callback never comes
// (a misconfigured callback URL, a network fault) still reaches the page and onPaid. The pace (pace.ts): fast inside a
// window (the first minute after the QR is shown, a minute after the customer comes back), slow outside. The schedule
// lives in the store (one due time per open invoice), and claiming a due check moves it ahead atomically, so
// processes share the work instead of repeating it: one provider check per invoice per pace across all of them.
// An invoice leaves the schedule once it is paid, cancelled, or `graceMs` past its expiry.
import { doublingDelay } from '../backoff.js';
import type { PaymentStatus } from '../../core/types.js';
import type { CheckoutStore, InvoiceRecord } from '../stores/store.js';
import { fastWindowEnd, nextCheckAt, paceAt, type Pace } from './pace.js';

/** What one check found: the status, and when the invoice's fast window ends (epoch ms; past: the slow pace). */
export interface SweepResult {
  status: PaymentStatus;
  windowEnd: number;
}

export interface SweeperOptions {
  store: CheckoutStore;
  /**
   * Asks the provider about one open invoice and records a payment it confirms (as a callback would); resolves
   * with the status it found and the end of its fast window. Throws when the provider could not be asked.
   */
  check: (record: InvoiceRecord) => Promise<SweepResult>;
  log: (message: string) => void;
  now: () => number;
  /** Time between two checks of one invoice: fast inside a window, slow outside (a new invoice starts inside one). */
  pace: Pace;
  /** How long after its expiry an invoice is still checked (a payment made at the last second shows up late). */
  graceMs: number;
  /** Invoices checked per look, at most. */
  batchSize: number;
}

/** A claimed check is not taken by another process for this long (longer than any provider call). */
const CLAIM_MS = 60_000;
/**
 * After a failed check, the next waits longer: the pace, doubled per consecutive failure, up to 30 s (an outage costs
 * a few calls per invoice, and a page sees the provider again within 30 s of its return).
 */
const FAILURE_MAX_MS = 30_000;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class Sweeper {
  readonly #options: SweeperOptions;
  readonly #failures = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #ticking: Promise<number> | undefined;

  constructor(options: SweeperOptions) {
    this.#options = options;
  }

  /** The first check of a new invoice is one fast interval after it was opened (its creation said NEW). */
  firstCheckAt(record: InvoiceRecord): number {
    return record.createdAt + this.#options.pace.fastMs;
  }

  start(): void {
    if (this.#closed || this.#timer) return;
    this.#schedule(this.#lookEveryMs());
  }

  /** Checks the invoices that are due now; resolves with how many were checked. Concurrent calls share one look. */
  tick(): Promise<number> {
    this.#ticking ??= this.#sweep().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async idle(): Promise<void> {
    while (this.#ticking) await this.#ticking.catch(() => {});
  }

  /** Looks for due checks twice per fast interval, so a due invoice waits half of it at most. */
  #lookEveryMs(): number {
    return Math.max(250, Math.min(this.#options.pace.fastMs / 2, 5000));
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.tick()
        .catch((error) => this.#options.log(`sweeper: could not look for open invoices to check: ${describe(error)}`))
        .finally(() => {
          if (!this.#closed && !this.#timer) this.#schedule(this.#lookEveryMs());
        });
    }, delayMs);
    this.#timer.unref?.();
  }

  /** Checks what is due a batch at a time, until the store hands out none (a batch may come back short). */
  async #sweep(): Promise<number> {
    const { store, now, batchSize } = this.#options;
    for (let checked = 0; ; ) {
      const due = await store.claimDueChecks(now(), CLAIM_MS, batchSize);
      if (due.length === 0) return checked;
      await Promise.allSettled(due.map((record) => this.#checkOne(record)));
      checked += due.length;
    }
  }

  async #checkOne(record: InvoiceRecord): Promise<void> {
    const { store, check, now, pace, graceMs, log } = this.#options;
    const id = record.invoiceId;
    let next: number | undefined;
    try {
      const { status, windowEnd } = await check(record);
      this.#failures.delete(id);
      // EXPIRED by our clock may still turn out paid within the grace period; the provider's own final word ends it.
      const open = status === 'NEW' || status === 'EXPIRED';
      next = open && now() < record.expiresAt + graceMs ? nextCheckAt(pace, now(), windowEnd) : undefined;
    } catch (error) {
      const failures = (this.#failures.get(id) ?? 0) + 1;
      this.#failures.set(id, failures);
      if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
      // From the pace the invoice is at by its age (a window a return opened is not known without a check).
      const paceMs = paceAt(pace, now(), fastWindowEnd(pace, record.createdAt, undefined));
      next = now() + doublingDelay(paceMs, Math.max(FAILURE_MAX_MS, pace.slowMs), failures);
      log(`sweeper: could not check invoice ${id} (failure ${failures}); next check in ${next - now()} ms: ${describe(error)}`);
      if (now() >= record.expiresAt + graceMs) next = undefined;
    }
    await store.scheduleCheck(id, next);
  }
}
