// The handler's background work, started with it in every process: the delivery worker (onPaid for every payment
// the store holds as "paid, delivery due"), the sweeper (open invoices checked with the provider), and the watch for
// a store that lost its data. No request path runs onPaid: a route records the payment and nudges the worker.
import type { DeliveryRecord, DeliveryState, InvoiceRecord, PaidRecord } from '../stores/store.js';
import type { CheckoutSettings } from './context.js';
import { DataLossWatch } from './data-loss.js';
import { DeliveryWorker, type DeliveryRun } from './delivery-worker.js';
import type { PaidEvent } from './options.js';
import { Sweeper, type SweepResult } from './sweeper.js';

/** Deliveries and checks claimed per look, at most. */
const BATCH_SIZE = 50;
/** How often the store's data-loss marker is read when nothing else reads it. */
const MARKER_CHECK_MS = 10_000;

/** The event onPaid receives for a claimed delivery. */
export function paidEvent(paid: PaidRecord, attempt: number, redelivery: boolean, signal: AbortSignal): PaidEvent {
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
    redelivery,
    signal,
  };
}

export class Delivery {
  readonly worker: DeliveryWorker;
  readonly sweeper: Sweeper;
  readonly dataLoss: DataLossWatch;
  #markerTimer: ReturnType<typeof setInterval> | undefined;
  /** Runs that nudges started, until they end: `idle()` waits for them, `waitUntil` keeps them alive. */
  readonly #nudged = new Set<Promise<void>>();

  /**
   * `check` asks the provider about one open invoice and records a payment it confirms (the ledger's); `forget` drops
   * what this process remembered from the store, once a data loss is noticed.
   */
  constructor(
    private readonly settings: CheckoutSettings,
    check: (record: InvoiceRecord) => Promise<SweepResult>,
    forget: () => void,
  ) {
    const { store, now, logger, onPaid } = settings;
    const log = (message: string) => logger.error(message);
    this.worker = new DeliveryWorker({
      store,
      now,
      log,
      run: ({ claim, signal }: DeliveryRun) => onPaid(paidEvent(claim.paid, claim.attempt, claim.redelivery, signal)),
      timeoutMs: settings.onPaidTimeoutMs,
      retryMs: settings.onPaidRetryMs,
      retryMaxMs: settings.onPaidRetryMaxMs,
      giveUpAfterMs: settings.onPaidGiveUpAfterMs,
      intervalMs: settings.deliveryIntervalMs,
      batchSize: BATCH_SIZE,
      ran: (claim, failure) =>
        settings.metrics.onPaidRan(claim.paid.provider, failure ? { errorType: failure.type } : { paidAt: claim.paid.paidAt, doneAt: now() }),
    });
    this.sweeper = new Sweeper({ store, check, now, log, pace: settings.pace, graceMs: settings.sweepGraceMs, batchSize: BATCH_SIZE });
    this.dataLoss = new DataLossWatch(settings, forget);
  }

  /** Starts the timers (all unref'd: they never keep a process alive) and reads the store's marker once. */
  start(): void {
    void this.dataLoss.checkQuietly();
    this.worker.start();
    this.sweeper.start();
    this.#markerTimer = setInterval(() => void this.dataLoss.checkQuietly(), MARKER_CHECK_MS);
    this.#markerTimer.unref?.();
  }

  /** A payment was just recorded here: run its delivery now rather than at the next interval. */
  nudge(): void {
    this.worker.nudge();
    // The worker looks on its next timer turn; this follows it and ends once the runs it started have ended.
    const runs = new Promise((resolve) => setTimeout(resolve, 0)).then(() => this.worker.idle());
    this.#nudged.add(runs);
    void runs.finally(() => this.#nudged.delete(runs));
    // On hosts that end a request's work with its answer, the run started by the nudge is kept alive.
    this.settings.waitUntil?.(runs);
  }

  /** When a new open invoice gets its first background check. */
  firstCheckAt(record: InvoiceRecord): number {
    return this.sweeper.firstCheckAt(record);
  }

  /** Runs what is due once: the background checks first (a payment they find is delivered in the same call). */
  async tick(): Promise<{ deliveries: number; checks: number }> {
    await this.dataLoss.check();
    const checks = await this.sweeper.tick();
    const deliveries = await this.worker.tick();
    await this.worker.idle();
    return { deliveries, checks };
  }

  close(): void {
    this.worker.close();
    this.sweeper.close();
    clearInterval(this.#markerTimer);
  }

  /** Resolves once the runs and checks started so far (and those the nudges so far start) have ended. */
  async idle(): Promise<void> {
    while (this.#nudged.size > 0) await Promise.allSettled([...this.#nudged]);
    await this.sweeper.idle();
    await this.worker.idle();
  }

  async deliveries(filter: { state?: DeliveryState; limit?: number } = {}): Promise<DeliveryRecord[]> {
    return this.settings.store.listDeliveries(filter);
  }

  async redeliver(invoiceId: string): Promise<boolean> {
    const queued = await this.settings.store.redeliver(invoiceId, this.settings.now());
    if (queued) this.worker.nudge();
    return queued;
  }
}
