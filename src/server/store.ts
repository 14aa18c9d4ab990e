// The state the checkout handler keeps: which invoice belongs to which order, what each invoice
// asks for, which invoices are paid, and whether `onPaid` ran. One process can use MemoryStore;
// a shop with several processes implements CheckoutStore on its own database.
import type { ElementInvoice } from './provider.js';

export type MaybePromise<T> = T | Promise<T>;

export interface InvoiceRecord {
  invoiceId: string;
  orderId: string;
  /** The provider that issued it (`qpay`, `tbank`). */
  provider: string;
  /** Major units, from the merchant's `getOrder`. */
  amount: number;
  currency: string;
  /** Epoch ms after which the invoice is not handed out again. */
  expiresAt: number;
  /** Epoch ms. */
  createdAt: number;
  /** What `POST {basePath}/invoice` answered, so the same open invoice can be answered again. */
  invoice: ElementInvoice;
}

export interface PaidRecord {
  invoiceId: string;
  orderId: string;
  paidAmount: number;
  /** Epoch ms when the handler first saw the payment confirmed. */
  paidAt: number;
  /** The provider's confirming answer (e.g. QPay's payment check). */
  payment: unknown;
}

/**
 * Result of `claimOnPaid`: `claimed` means the caller must run onPaid now and then call
 * `finishOnPaid`; `done` means onPaid already succeeded; `busy` means another caller holds the claim.
 */
export type OnPaidClaim = 'claimed' | 'done' | 'busy';

/**
 * Storage seam. Every method may be sync or async. For several processes, make
 * `claimOnPaid` atomic in the database (e.g. `UPDATE ... SET claimed_at = now() WHERE invoice_id = ?
 * AND done = false AND (claimed_at IS NULL OR claimed_at < now() - lease)`), give claims a lease so
 * a crashed process does not block onPaid forever, and make `saveInvoice` keep one open invoice per
 * order (the handler only coalesces concurrent creations inside one process).
 */
export interface CheckoutStore {
  saveInvoice(record: InvoiceRecord): MaybePromise<void>;
  getInvoice(invoiceId: string): MaybePromise<InvoiceRecord | undefined>;
  /** The most recently saved invoice of the order. */
  getLatestInvoiceForOrder(orderId: string): MaybePromise<InvoiceRecord | undefined>;
  /** Remembers a confirmed payment; keeps the first record when called again. */
  markPaid(record: PaidRecord): MaybePromise<void>;
  getPaid(invoiceId: string): MaybePromise<PaidRecord | undefined>;
  /** Atomically takes the right to run onPaid for the invoice (see OnPaidClaim). */
  claimOnPaid(invoiceId: string): MaybePromise<OnPaidClaim>;
  /** Ends a claim: `succeeded` marks onPaid done for good; otherwise the claim is released for a retry. */
  finishOnPaid(invoiceId: string, succeeded: boolean): MaybePromise<void>;
}

export interface MemoryStoreOptions {
  /** Records older than this are dropped (default 7 days); onPaid markers go with them. */
  retentionMs?: number;
  now?: () => number;
}

/** In-memory CheckoutStore for one process (and tests). State is lost on restart. */
export class MemoryStore implements CheckoutStore {
  readonly #invoices = new Map<string, InvoiceRecord>();
  readonly #latestByOrder = new Map<string, string>();
  readonly #paid = new Map<string, PaidRecord>();
  readonly #onPaid = new Map<string, 'busy' | 'done'>();
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.#now = options.now ?? Date.now;
  }

  saveInvoice(record: InvoiceRecord): void {
    this.#prune();
    this.#invoices.set(record.invoiceId, record);
    this.#latestByOrder.set(record.orderId, record.invoiceId);
  }

  getInvoice(invoiceId: string): InvoiceRecord | undefined {
    return this.#invoices.get(invoiceId);
  }

  getLatestInvoiceForOrder(orderId: string): InvoiceRecord | undefined {
    const id = this.#latestByOrder.get(orderId);
    return id === undefined ? undefined : this.#invoices.get(id);
  }

  markPaid(record: PaidRecord): void {
    if (!this.#paid.has(record.invoiceId)) this.#paid.set(record.invoiceId, record);
  }

  getPaid(invoiceId: string): PaidRecord | undefined {
    return this.#paid.get(invoiceId);
  }

  claimOnPaid(invoiceId: string): OnPaidClaim {
    const state = this.#onPaid.get(invoiceId);
    if (state) return state;
    this.#onPaid.set(invoiceId, 'busy');
    return 'claimed';
  }

  finishOnPaid(invoiceId: string, succeeded: boolean): void {
    if (succeeded) this.#onPaid.set(invoiceId, 'done');
    else this.#onPaid.delete(invoiceId);
  }

  /** Drops records past retention so a long-running process does not grow without bound. */
  #prune(): void {
    const cutoff = this.#now() - this.#retentionMs;
    for (const [id, record] of this.#invoices) {
      if (record.createdAt >= cutoff) break; // Map keeps insertion order: the rest are newer.
      if (this.#onPaid.get(id) === 'busy') continue;
      this.#invoices.delete(id);
      this.#paid.delete(id);
      this.#onPaid.delete(id);
      if (this.#latestByOrder.get(record.orderId) === id) this.#latestByOrder.delete(record.orderId);
    }
  }
}
