// The state the checkout handler keeps, behind one small interface with one contract (test/node/store/contract.ts)
// that every implementation passes: MemoryStore here (one process), RedisStore (`qpay-checkout/server/redis`)
// and PostgresStore (`qpay-checkout/server/postgres`) for several processes. The provider stays the source of
// truth: what a store forgets, the handler rebuilds from the provider (see checkout-handler.ts).
import type { StatusResult, ElementInvoice } from '../providers/provider.js';

export type MaybePromise<T> = T | Promise<T>;

export interface InvoiceRecord {
  /** The provider's id (QPay `invoice_id`, TBank `outTradeNo`): the id the element polls with. */
  invoiceId: string;
  orderId: string;
  /**
   * The handler's own per-invoice reference, sent to the provider (QPay `sender_invoice_no`) and put in the
   * callback URL, so a callback names its invoice even when several invoices of one order are still payable.
   */
  reference: string;
  /** The provider that issued it (`qpay`, `tbank`). */
  provider: string;
  /** Major units, from the merchant's `getOrder`. */
  amount: number;
  currency: string;
  /** Epoch ms after which the invoice is not payable. */
  expiresAt: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms when a newer invoice of the order replaced it (it may still be paid from an old tab). */
  supersededAt?: number;
  /** What `POST {basePath}/invoice` answered, so the same open invoice can be answered again. */
  invoice: ElementInvoice;
  /**
   * True when the invoice's callback URL carries a signature (`sig`): a callback for it without one is forged.
   * Absent on invoices created before callbacks were signed.
   */
  signed?: boolean;
}

export interface PaidRecord {
  invoiceId: string;
  orderId: string;
  provider: string;
  /** What the provider says was paid (major units). */
  paidAmount: number;
  /** What the invoice asked for. */
  amount: number;
  currency: string;
  /** Epoch ms when the payment was first confirmed. */
  paidAt: number;
  /** The provider's confirming answer (e.g. QPay's payment check). */
  payment: unknown;
  /**
   * The invoice that paid the order first. Equal to `invoiceId` for the first payment of the order; another id
   * means this is a second payment of an order that was already paid (the shop decides on a refund).
   */
  orderPaidBy: string;
}

/**
 * Where a paid invoice's onPaid delivery stands (the outbox). `pending`: due at `dueAt` (a failed run waits there
 * for its back-off). `running`: claimed until `leaseUntil`; a lease that lapses (a crashed process) makes it due
 * again. `done`: onPaid succeeded, final unless redelivered. `failed`: given up on after the handler's give-up time.
 */
export type DeliveryState = 'pending' | 'running' | 'done' | 'failed';

/** One paid invoice's delivery, as `listDeliveries` and `getDelivery` show it. */
export interface DeliveryRecord {
  invoiceId: string;
  orderId: string;
  state: DeliveryState;
  /** Runs started so far (claims). */
  attempts: number;
  /** Epoch ms when a pending delivery may run (next attempt). */
  dueAt: number;
  /** Epoch ms until which a running delivery's claim holds. */
  leaseUntil?: number;
  /** The last failure's message (a thrown error or a timeout), shortened by the handler. */
  lastError?: string;
  /**
   * An earlier run may have done the shop's work without being recorded: a lease lapsed, a run timed out, the
   * delivery was queued again by hand, or the payment was recorded again after the store lost its data. The next
   * onPaid carries `redelivery: true`.
   */
  mayHaveRun: boolean;
  /** Epoch ms of the payment (the paid record's `paidAt`). */
  paidAt: number;
  /** Epoch ms when onPaid succeeded (state `done`). */
  doneAt?: number;
}

/** The right to run onPaid once for a paid invoice, until `leaseUntil`; end it with `finishDelivery(token)`. */
export interface DeliveryClaim {
  token: string;
  /** 1 on the first run. */
  attempt: number;
  /** True when an earlier run may have done the work (see `DeliveryRecord.mayHaveRun`). */
  redelivery: boolean;
  leaseUntil: number;
  paid: PaidRecord;
}

/** How a claimed run ended, for `finishDelivery`. */
export type DeliveryOutcome =
  | { state: 'done'; at: number }
  /** Failed; due again at `retryAt`. `timedOut`: the run may still be going on (a redelivery from then on). */
  | { state: 'pending'; retryAt: number; error: string; timedOut?: boolean }
  /** Given up on for good (still listed, and `redeliver` can queue it again). */
  | { state: 'failed'; error: string };

/** A provider answer shared by every process for a short while, so N processes make one provider call. */
export interface CachedStatus {
  /** Epoch ms of the answer. */
  at: number;
  /** The provider's answer, or `failure` when asking failed (failures are shared too, so an outage is not hammered). */
  result?: StatusResult;
  failure?: { code: string; message: string; kind: 'upstream' | 'not-found' };
  /**
   * Epoch ms until which the invoice is checked at the fast pace (a window the customer's return opened). An entry
   * with neither `result` nor `failure` only carries this: the invoice was not checked yet.
   */
  fastUntil?: number;
}

export type StoreListener = (message: string) => void;

/**
 * Storage seam. Every method may be sync or async; every write that decides something (one open invoice, the
 * first payment of an order, who runs onPaid) is atomic across processes in the shipped implementations.
 * Ids are opaque strings of up to 128 characters of any kind; implementations must not interpret them.
 */
export interface CheckoutStore {
  /**
   * Saves `record` as the order's open invoice. Atomically, the order's previous open invoice (if any) gets
   * `supersededAt` set, stays readable by id and reference, and stops being the open one.
   */
  openInvoice(record: InvoiceRecord): MaybePromise<void>;
  getInvoice(invoiceId: string): MaybePromise<InvoiceRecord | undefined>;
  getInvoiceByReference(reference: string): MaybePromise<InvoiceRecord | undefined>;
  /** The order's open (latest, not superseded) invoice. */
  getOpenInvoice(orderId: string): MaybePromise<InvoiceRecord | undefined>;

  /**
   * Records a confirmed payment. The first record per invoice wins; later calls return the stored one.
   * `orderPaidBy` is decided atomically: the first invoice of the order to be marked paid.
   */
  markPaid(record: Omit<PaidRecord, 'orderPaidBy'>): MaybePromise<PaidRecord>;
  /**
   * The outbox write: records a confirmed payment like `markPaid` and, atomically with it, its delivery as
   * `pending`, due at `record.paidAt` (with `mayHaveRun` = `redelivery`). The first record per invoice wins: a later
   * call returns the stored record and leaves the delivery as it is. Once this resolves, the payment will reach
   * onPaid without any further request. Returns the stored record.
   *
   * Upgrade path: when the stored record came from `markPaid` (no delivery yet), a later call adds the delivery,
   * due at the stored `paidAt`, unless the version before the outbox recorded onPaid's success for it (RedisStore's
   * `onpaid:` hashes, PostgresStore's `on_paid` table); `mayHaveRun` is then also true when that version started a
   * run for it.
   */
  recordPayment(record: Omit<PaidRecord, 'orderPaidBy'>, options?: { redelivery?: boolean }): MaybePromise<PaidRecord>;
  getPaid(invoiceId: string): MaybePromise<PaidRecord | undefined>;
  /** The invoice that paid the order first, if any. */
  getOrderPaidBy(orderId: string): MaybePromise<string | undefined>;

  /**
   * Claims up to `limit` deliveries that are due at `now`: pending ones with `dueAt <= now`, and running ones whose
   * lease lapsed (those come back with `redelivery: true`). Each claimed one becomes `running` until `now + leaseMs`
   * with `attempts + 1` and a new token; two processes never claim the same one at once. Oldest due first (a lapsed
   * one counts as due at its `leaseUntil`), ties by invoice id.
   *
   * `mayHaveRun` is sticky: a lapsed lease sets it, and it stays true for every later run until `done`; a claim's
   * `redelivery` is the delivery's `mayHaveRun` after the claim.
   */
  claimDeliveries(now: number, leaseMs: number, limit: number): MaybePromise<DeliveryClaim[]>;
  /**
   * Ends a claim held with `token`. Returns false, and changes nothing, when the token no longer holds the
   * delivery (its lease lapsed and another process claimed it, or it is not running): the caller must not retry then.
   * Idempotent for its holder: a finish written again with the same token (a store blip hid the first answer)
   * answers true and changes nothing, as long as nobody claimed the delivery since; the first write stands.
   * When `redeliver` was called during the run, any outcome leaves the delivery `pending` (due at the redeliver
   * time, or `retryAt` if earlier) with `mayHaveRun`; `lastError` still records a failure.
   */
  finishDelivery(invoiceId: string, token: string, outcome: DeliveryOutcome): MaybePromise<boolean>;
  getDelivery(invoiceId: string): MaybePromise<DeliveryRecord | undefined>;
  /**
   * Deliveries in `state` (default: every state but `done`), oldest payment first (ties by invoice id), at most
   * `limit` (default 100). `done` ones are listed only until retention drops them.
   */
  listDeliveries(filter?: { state?: DeliveryState; limit?: number }): MaybePromise<DeliveryRecord[]>;
  /**
   * Queues a paid invoice's delivery again, due at `now`, whatever its state (a running one keeps its lease until it
   * lapses or ends; its finish then leaves it pending). Sets `mayHaveRun`. False when the store has no payment for it.
   * A payment recorded by `markPaid` (no delivery yet) gets one. A redelivered `done` one is kept past retention
   * again until it is `done` anew.
   */
  redeliver(invoiceId: string, now: number): MaybePromise<boolean>;

  /**
   * The background check schedule (the sweeper): when the provider should next be asked about an open invoice.
   * `at` undefined removes the invoice from the schedule. Setting it for an invoice the store does not know, or a
   * paid one, is harmless (claimDueChecks drops such entries).
   */
  scheduleCheck(invoiceId: string, at: number | undefined): MaybePromise<void>;
  /**
   * Looks at up to `limit` scheduled invoices whose check is due at `now`, earliest first, and moves each one's due
   * time to `now + leaseMs`, so no other process takes it meanwhile (the caller then sets the real next time with
   * scheduleCheck). Entries of paid or unknown (pruned) invoices are removed and not returned, so fewer than `limit`
   * may come back while more are due: call again until it returns none.
   */
  claimDueChecks(now: number, leaseMs: number, limit: number): MaybePromise<InvoiceRecord[]>;

  /**
   * The store's data-loss marker: returns the marker, writing a new random one first when there is none. A caller
   * that saw another value before knows the data it was kept with is gone (an emptied Redis, a new database or
   * dropped tables). MemoryStore: one per instance (a restarted process gets a new one).
   */
  marker(): MaybePromise<string>;

  /**
   * A short named lock with a time limit (for creating one invoice per order across processes, and for one
   * provider status call per invoice per interval). Returns a token, or null when someone else holds it.
   */
  acquireLock(name: string, ttlMs: number): MaybePromise<string | null>;
  /** Releases a lock early; a token that no longer holds it changes nothing. */
  releaseLock(name: string, token: string): MaybePromise<void>;

  getCachedStatus(invoiceId: string): MaybePromise<CachedStatus | undefined>;
  /** Keeps `entry` for `ttlMs` (a few seconds: it is a coalescing cache, not a record). */
  setCachedStatus(invoiceId: string, entry: CachedStatus, ttlMs: number): MaybePromise<void>;

  /** Sends `message` to every subscriber of `channel` in every process sharing the store. */
  publish(channel: string, message: string): MaybePromise<void>;
  /** Listens on `channel` until the returned function is called. */
  subscribe(channel: string, listener: StoreListener): MaybePromise<() => MaybePromise<void>>;
}

export { MemoryStore, newToken, type MemoryStoreOptions } from './memory-store.js';
