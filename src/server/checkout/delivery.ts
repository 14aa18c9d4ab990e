// onPaid runs: once per paid invoice, under a lease in the store, with a timeout and a doubling back-off. The status
// route starts a run beside its answer; the callback waits for one. Self-contained: it needs only the settings.
import { doublingDelay } from '../backoff.js';
import type { PaidRecord } from '../stores/store.js';
import type { CheckoutSettings } from './context.js';
import type { PaidEvent } from './options.js';
import { describe, remember } from './shared.js';

/** How an onPaid attempt ended; `until` is when trying again makes sense (Infinity once it succeeded). */
export type DeliveryOutcome = { state: 'done' | 'busy' | 'failed'; until: number };

/** The event onPaid receives for a payment, on attempt `attempt`. */
function paidEvent(paid: PaidRecord, attempt: number, signal: AbortSignal): PaidEvent {
  return {
    invoiceId: paid.invoiceId,
    orderId: paid.orderId,
    paidAmount: paid.paidAmount,
    amount: paid.amount,
    currency: paid.currency,
    provider: paid.provider,
    payment: paid.payment,
    ...(paid.orderPaidBy !== paid.invoiceId ? { alreadyPaidBy: paid.orderPaidBy } : {}),
    attempt,
    signal,
  };
}

export class Delivery {
  /** Runs this process is making right now, by invoice: concurrent callers share one. */
  private readonly delivering = new Map<string, Promise<DeliveryOutcome>>();
  /** Per invoice, the time before which no look at the store is needed (Infinity once onPaid succeeded). */
  private readonly onPaidMemo = new Map<string, number>();
  /** Runs started beside an answer, awaited by `idle()`. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly settings: CheckoutSettings) {}

  /** Runs onPaid unless it already succeeded or another caller holds it: `done`, `busy` or `failed`. */
  deliver(paid: PaidRecord): Promise<DeliveryOutcome> {
    const quietUntil = this.onPaidMemo.get(paid.invoiceId) ?? 0;
    if (quietUntil === Number.POSITIVE_INFINITY) return Promise.resolve({ state: 'done', until: quietUntil });
    let pending = this.delivering.get(paid.invoiceId);
    if (!pending) {
      pending = this.claimAndRun(paid)
        .then((delivery) => {
          remember(this.onPaidMemo, paid.invoiceId, delivery.until);
          return delivery;
        })
        .finally(() => this.delivering.delete(paid.invoiceId));
      this.delivering.set(paid.invoiceId, pending);
    }
    return pending;
  }

  /** Starts onPaid beside the answer (status route): the browser learns PAID without waiting for the shop. */
  deliverInBackground(paid: PaidRecord): void {
    const { now, logger, waitUntil } = this.settings;
    if (now() < (this.onPaidMemo.get(paid.invoiceId) ?? 0)) return;
    const work = this.deliver(paid).catch((error) => {
      logger.error(`onPaid could not be started for invoice ${paid.invoiceId}: ${describe(error)}`);
    });
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
    waitUntil?.(work);
  }

  /** Resolves once the background runs started so far have ended. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Takes the invoice's onPaid claim in the store and, when this process got it, runs onPaid and records how it ended. */
  private async claimAndRun(paid: PaidRecord): Promise<DeliveryOutcome> {
    const { store, now, logger, onPaidRetryMs, onPaidRetryMaxMs, leaseMs } = this.settings;
    if (!store.claimOnPaid || !store.finishOnPaid) throw new Error('this store has no claimOnPaid/finishOnPaid: onPaid runs through the outbox');
    const claim = await store.claimOnPaid(paid.invoiceId, leaseMs, now());
    if (claim.state === 'done') return { state: 'done', until: Number.POSITIVE_INFINITY };
    if (claim.state === 'busy') return { state: 'busy', until: claim.retryAt };
    try {
      await this.runWithTimeout(paid, claim.attempt);
    } catch (error) {
      const delay = doublingDelay(onPaidRetryMs, onPaidRetryMaxMs, claim.attempt);
      logger.error(
        `onPaid failed for invoice ${paid.invoiceId} (order ${paid.orderId}, attempt ${claim.attempt}); retried after ${delay} ms: ${describe(error)}`,
      );
      await store.finishOnPaid(paid.invoiceId, claim.token, now() + delay);
      return { state: 'failed', until: now() + delay };
    }
    await store.finishOnPaid(paid.invoiceId, claim.token);
    return { state: 'done', until: Number.POSITIVE_INFINITY };
  }

  /** One onPaid run; rejects when it throws or passes `onPaidTimeoutMs` (its signal is then aborted). */
  private async runWithTimeout(paid: PaidRecord, attempt: number): Promise<void> {
    const { onPaid, onPaidTimeoutMs } = this.settings;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const run = Promise.resolve().then(() => onPaid(paidEvent(paid, attempt, controller.signal)));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`onPaid did not settle within ${onPaidTimeoutMs} ms`));
        }, onPaidTimeoutMs);
      });
      await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
