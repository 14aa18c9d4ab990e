// The invoice state machine over the store, where a payment's life is: an order's invoice is opened (one open
// invoice per order, reused while it stays payable, a superseded one settled and cancelled, each new one scheduled
// for background checks), its provider status becomes PAID only when the paid amount covers it, and the payment is
// recorded once in the store's outbox ("paid, delivery due"), announced to every process, and handed to the
// delivery worker. When the store forgot an invoice (a restart with MemoryStore), its record is rebuilt from the
// provider, and its payment is recorded as a possible redelivery.
import type { PaymentStatus } from '../../core/types.js';
import type { CheckoutOrder, StatusResult } from '../providers/provider.js';
import { newInvoiceReference, referenceBelongsToOrder } from '../reference.js';
import type { PaymentSource } from '../metrics.js';
import type { InvoiceRecord, PaidRecord } from '../stores/store.js';
import { busy } from './answers.js';
import type { CheckoutSettings } from './context.js';
import type { Delivery } from './delivery.js';
import { fastWindowEnd } from './pace.js';
import type { ProviderChecks } from './provider-checks.js';
import type { SweepResult } from './sweeper.js';
import type { ReadyAnswers } from './ready-answers.js';
import { WAIT_FOR_OTHERS_MS, WAIT_STEP_MS, cents, describe, remember, sleep } from './shared.js';

/** How long a process holds an order's creation lock at most (longer than any provider call). */
const ORDER_LOCK_MS = 30_000;

/**
 * How opening an order's invoice ended: the invoice (`created` when this call made it), or the order is paid by
 * `paidBy`; `retired` is a superseded invoice found paid on the way (its payment is recorded, onPaid due).
 */
export type OpenOutcome = { record: InvoiceRecord; created: boolean } | { paidBy: string; retired?: PaidRecord };

/** What this process knows of an invoice: its payment, its record, or nothing (the store has no record). */
export type KnownInvoice = { paid: PaidRecord } | { record: InvoiceRecord } | null;

/** PAID only when the provider says so and the paid amount covers the invoice (partial payments stay NEW). */
export function effectiveStatus(record: Pick<InvoiceRecord, 'amount' | 'expiresAt'>, result: StatusResult, now: number): PaymentStatus {
  if (result.status === 'PAID') {
    const paid = result.paidAmount;
    if (paid !== undefined && cents(paid) < cents(record.amount)) return 'NEW';
    return 'PAID';
  }
  if (result.status === 'NEW' && now >= record.expiresAt) return 'EXPIRED';
  return result.status;
}

/** Whether an invoice asks for what the order asks for now. */
export const sameAsk = (record: InvoiceRecord, order: CheckoutOrder, currency: string) =>
  cents(record.amount) === cents(order.amount) && record.currency === currency;

export class Ledger {
  /** Invoices being opened by this process, by order id: concurrent requests for one order share the round. */
  private readonly creating = new Map<string, Promise<OpenOutcome>>();
  // What this process already learnt from the store, so a poll mostly costs no store round trip: invoice records and
  // payments never change back.
  private readonly recordMemo = new Map<string, InvoiceRecord>();
  private readonly paidMemo = new Map<string, PaidRecord>();

  constructor(
    private readonly settings: CheckoutSettings,
    private readonly checks: ProviderChecks,
    private readonly delivery: Delivery,
    /** The status route's ready answers: a payment recorded here replaces the invoice's, a data loss drops them all. */
    private readonly answers: ReadyAnswers,
  ) {}

  /** Drops what this process remembered from the store (it lost its data). */
  forget(): void {
    this.recordMemo.clear();
    this.paidMemo.clear();
    this.answers.clear();
  }

  effectiveStatus(record: Pick<InvoiceRecord, 'amount' | 'expiresAt'>, result: StatusResult): PaymentStatus {
    return effectiveStatus(record, result, this.settings.now());
  }

  /** The invoice's payment or record. The store is read once per invoice per process; afterwards a payment shows through the shared status. */
  async known(invoiceId: string): Promise<KnownInvoice> {
    const { store } = this.settings;
    let record = this.recordMemo.get(invoiceId);
    const paid = this.paidMemo.get(invoiceId) ?? (record ? undefined : await store.getPaid(invoiceId));
    if (paid) return { paid: remember(this.paidMemo, invoiceId, paid) };
    record ??= await store.getInvoice(invoiceId);
    if (!record) return null;
    return { record: remember(this.recordMemo, invoiceId, record) };
  }

  /**
   * The customer came back from the bank app, or the QR was shown again: the invoice is checked at the fast pace for
   * a while (bounded; see ProviderChecks.openFastWindow). A store failure here costs the window, never the request.
   */
  async customerReturned(record: InvoiceRecord): Promise<void> {
    try {
      await this.checks.openFastWindow(record);
    } catch (error) {
      this.settings.logger.error(`could not speed up the checks of invoice ${record.invoiceId}: ${describe(error)}`);
    }
  }

  /**
   * Records a confirmed payment with its delivery due (the store keeps the first), announces it to every process's
   * streams and nudges the delivery worker. Once this resolves, the payment reaches onPaid with no further request.
   * `source`: how it was found (for the metrics). `rebuilt`: the store had forgotten the invoice, so onPaid may
   * have run for it before (`redelivery: true`).
   */
  async recordPayment(record: InvoiceRecord, result: StatusResult, source: PaymentSource, rebuilt = false): Promise<PaidRecord> {
    const { store, now, logger, metrics } = this.settings;
    const paidAt = now();
    // Read before each write: a store that lost its data since must not pass a repeat off as a first delivery.
    const lost = await this.delivery.dataLoss.check();
    const paid = await store.recordPayment({
      invoiceId: record.invoiceId,
      orderId: record.orderId,
      provider: record.provider,
      paidAmount: result.paidAmount ?? record.amount,
      amount: record.amount,
      currency: record.currency,
      paidAt,
      payment: result.raw,
    }, { redelivery: rebuilt || lost });
    // Counted once: by the call whose record the store kept, unless this process had already recorded it.
    if (paid.paidAt === paidAt && !this.paidMemo.has(paid.invoiceId)) metrics.paymentConfirmed(record.provider, source);
    remember(this.paidMemo, paid.invoiceId, paid);
    this.answers.paid(paid);
    this.delivery.nudge();
    try {
      // The message only says "changed": a watcher reads the status from the store, never from the channel.
      await store.publish(`status:${record.invoiceId}`, 'changed');
      await store.scheduleCheck(record.invoiceId, undefined);
    } catch (error) {
      logger.error(`could not announce the payment of invoice ${record.invoiceId}: ${describe(error)}`);
    }
    return paid;
  }

  /**
   * The scheduled check of one open invoice: the provider's status through the coalesced checks (a check made less
   * than `statusCacheMs` ago counts), a payment it confirms recorded as a callback's would be, and the end of the
   * invoice's fast window (from its creation, or a return the status route noted), which sets the next check's pace.
   */
  async sweepCheck(record: InvoiceRecord): Promise<SweepResult> {
    const { result, fastUntil } = await this.checks.scheduledCheck(record.invoiceId);
    const status = this.effectiveStatus(record, result);
    if (status === 'PAID') await this.recordPayment(record, result, 'sweeper');
    return { status, windowEnd: fastWindowEnd(this.settings.pace, record.createdAt, fastUntil) };
  }

  /**
   * The invoice's payment, confirmed with the provider by an answer from after `since` when the store has none yet;
   * null when the provider says it is not (fully) paid.
   */
  async confirm(record: InvoiceRecord, since: number, rebuilt = false): Promise<PaidRecord | null> {
    const recorded = await this.settings.store.getPaid(record.invoiceId);
    if (recorded) return recorded;
    // An answer from before `since` (a callback's arrival) may predate the payment: only a newer one counts.
    const result = await this.checks.freshStatus(record.invoiceId, since);
    if (this.effectiveStatus(record, result) !== 'PAID') return null;
    return this.recordPayment(record, result, 'callback', rebuilt);
  }

  /**
   * Opens the order's invoice, joining this process's round for the order when one is running (`joined`): a joiner
   * gets that round's outcome, which may be for another amount.
   */
  open(order: CheckoutOrder, currency: string): { outcome: Promise<OpenOutcome>; joined: boolean } {
    const running = this.creating.get(order.orderId);
    if (running) return { outcome: running, joined: true };
    const outcome = this.openUnderLock(order, currency).finally(() => this.creating.delete(order.orderId));
    this.creating.set(order.orderId, outcome);
    return { outcome, joined: false };
  }

  /**
   * Rebuilds the record of an invoice the store forgot, from the provider, for a callback. The callback URL's
   * `order` and `ref` must belong together, and the provider must vouch for `ref`: QPay keeps it as the invoice's
   * `sender_invoice_no`; TBank keeps none, so its notification must carry a valid signature.
   */
  async rebuild(invoiceId: string, orderId: string | null, reference: string | null, authentic: boolean): Promise<InvoiceRecord | null> {
    const { provider, logger, now } = this.settings;
    if (!orderId || !reference || !(await referenceBelongsToOrder(reference, orderId))) return null;
    const known = await provider.lookupInvoice(invoiceId);
    if (!known) return null;
    if (known.reference !== undefined ? known.reference !== reference : !authentic) {
      logger.error(`callback for invoice ${invoiceId} could not be tied to order ${JSON.stringify(orderId)}: refused`);
      return null;
    }
    return {
      invoiceId,
      orderId,
      reference,
      provider: provider.name,
      amount: known.amount,
      currency: known.currency,
      expiresAt: Number.POSITIVE_INFINITY,
      createdAt: now(),
      invoice: { amount: known.amount, currency: known.currency, expires_at: '' },
    };
  }

  private async openUnderLock(order: CheckoutOrder, currency: string): Promise<OpenOutcome> {
    const { store, now, reuseMarginMs } = this.settings;
    const token = await this.lockOrder(order.orderId);
    if (!token) throw busy('Another request is creating this order\'s invoice; try again');
    try {
      const paidBy = await store.getOrderPaidBy(order.orderId);
      if (paidBy) return { paidBy };
      const open = await store.getOpenInvoice(order.orderId);
      if (open) {
        if (sameAsk(open, order, currency) && now() < open.expiresAt - reuseMarginMs) return { record: open, created: false };
        const paid = await this.retire(open);
        if (paid) return { paidBy: paid.orderPaidBy, retired: paid };
      }
      return { record: await this.createInvoice(order, currency), created: true };
    } finally {
      await store.releaseLock(`order:${order.orderId}`, token);
    }
  }

  /** A new invoice at the provider for the order, recorded as the order's open one. */
  private async createInvoice(order: CheckoutOrder, currency: string): Promise<InvoiceRecord> {
    const { store, provider, now } = this.settings;
    const reference = await newInvoiceReference(order.orderId);
    const callbackUrl = await this.callbackUrlFor(order.orderId, reference);
    const created = await provider.createInvoice(order, { callbackUrl, reference });
    const record: InvoiceRecord = {
      invoiceId: created.invoiceId,
      orderId: order.orderId,
      reference,
      provider: provider.name,
      amount: order.amount,
      currency,
      expiresAt: created.expiresAt,
      createdAt: now(),
      invoice: created.invoice,
      signed: true,
    };
    await store.openInvoice(record);
    this.settings.metrics.invoiceCreated(provider.name);
    try {
      await store.scheduleCheck(record.invoiceId, this.delivery.firstCheckAt(record));
    } catch (error) {
      // The invoice stands; polls pull its first check forward (latestStatus finds none on record).
      this.settings.logger.error(`could not schedule background checks of invoice ${record.invoiceId}: ${describe(error)}`);
    }
    return record;
  }

  /** The callback URL of one invoice: `order`, `ref`, and `sig` that vouches for both. */
  private async callbackUrlFor(orderId: string, reference: string): Promise<string> {
    const url = new URL(this.settings.callbackBase.href);
    url.searchParams.set('order', orderId);
    url.searchParams.set('ref', reference);
    url.searchParams.set('sig', await this.settings.signer.sign(orderId, reference));
    return url.href;
  }

  /** Takes the order's creation lock, waiting while another process holds it; null when it stays taken. */
  private async lockOrder(orderId: string): Promise<string | null> {
    for (let waited = 0; waited <= WAIT_FOR_OTHERS_MS; waited += WAIT_STEP_MS * 2) {
      const token = await this.settings.store.acquireLock(`order:${orderId}`, ORDER_LOCK_MS);
      if (token) return token;
      await sleep(WAIT_STEP_MS * 2);
    }
    return null;
  }

  /** Settles the order's open invoice before it is replaced: paid means no new invoice; else cancel it if possible. */
  private async retire(open: InvoiceRecord): Promise<PaidRecord | null> {
    const { provider, now, logger } = this.settings;
    const result = await this.checks.freshStatus(open.invoiceId, now());
    if (this.effectiveStatus(open, result) === 'PAID') return this.recordPayment(open, result, 'superseded');
    if (!provider.cancelInvoice || open.expiresAt <= now()) return null;
    try {
      await provider.cancelInvoice(open.invoiceId);
    } catch (error) {
      // Paid between the check and the cancel: look again. Otherwise it stays payable, and a payment is still reported.
      const again = await this.checks.freshStatus(open.invoiceId, now());
      if (this.effectiveStatus(open, again) === 'PAID') return this.recordPayment(open, again, 'superseded');
      logger.error(
        `could not cancel superseded invoice ${open.invoiceId} of order ${open.orderId}; it stays payable and its payment will still reach onPaid: ${describe(error)}`,
      );
    }
    return null;
  }
}
