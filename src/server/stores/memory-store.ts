// MemoryStore: the CheckoutStore for one process (and tests). Everything lives in maps, so every decision is atomic
// inside the process and everything is lost on restart (see the README). The outbox is ./memory-outbox.ts.
import { randomUUID } from 'node:crypto';
import type {
  CachedStatus,
  CheckoutStore,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryRecord,
  DeliveryState,
  InvoiceRecord,
  PaidRecord,
  StoreListener,
} from './store.js';
import { MemoryOutbox } from './memory-outbox.js';

export interface MemoryStoreOptions {
  /**
   * How long records are kept after their invoice expires (default 1 day); a paid invoice's records are kept this
   * long after the payment, and never while onPaid has not succeeded.
   */
  retentionMs?: number;
  now?: () => number;
}

let tokenCounter = 0;
/** Unique enough inside one process; the shipped multi-process stores use random tokens. */
export function newToken(): string {
  tokenCounter = (tokenCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${Date.now().toString(36)}.${tokenCounter.toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}

/** In-memory CheckoutStore for one process (and tests). State is lost on restart: see the README. */
export class MemoryStore implements CheckoutStore {
  readonly #invoices = new Map<string, InvoiceRecord>();
  readonly #byReference = new Map<string, string>();
  readonly #openByOrder = new Map<string, string>();
  readonly #paid = new Map<string, PaidRecord>();
  readonly #orderPaidBy = new Map<string, string>();
  readonly #outbox = new MemoryOutbox();
  /** Random per instance: a restarted process has a new one, which is how a caller sees that the data is gone. */
  readonly #marker = randomUUID();
  readonly #locks = new Map<string, { token: string; until: number }>();
  readonly #statusCache = new Map<string, { entry: CachedStatus; until: number }>();
  readonly #listeners = new Map<string, Set<StoreListener>>();
  readonly #retentionMs: number;
  readonly #now: () => number;
  #nextPrune = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#now = options.now ?? Date.now;
  }

  openInvoice(record: InvoiceRecord): void {
    this.prune();
    const previousId = this.#openByOrder.get(record.orderId);
    const previous = previousId === undefined ? undefined : this.#invoices.get(previousId);
    if (previous && previous.invoiceId !== record.invoiceId) {
      this.#invoices.set(previous.invoiceId, { ...previous, supersededAt: this.#now() });
    }
    this.#invoices.set(record.invoiceId, record);
    this.#byReference.set(record.reference, record.invoiceId);
    this.#openByOrder.set(record.orderId, record.invoiceId);
  }

  getInvoice(invoiceId: string): InvoiceRecord | undefined {
    return this.#invoices.get(invoiceId);
  }

  getInvoiceByReference(reference: string): InvoiceRecord | undefined {
    const id = this.#byReference.get(reference);
    return id === undefined ? undefined : this.#invoices.get(id);
  }

  getOpenInvoice(orderId: string): InvoiceRecord | undefined {
    const id = this.#openByOrder.get(orderId);
    return id === undefined ? undefined : this.#invoices.get(id);
  }

  markPaid(record: Omit<PaidRecord, 'orderPaidBy'>): PaidRecord {
    const known = this.#paid.get(record.invoiceId);
    if (known) return known;
    let first = this.#orderPaidBy.get(record.orderId);
    if (first === undefined) {
      first = record.invoiceId;
      this.#orderPaidBy.set(record.orderId, first);
    }
    const stored: PaidRecord = { ...record, orderPaidBy: first };
    this.#paid.set(record.invoiceId, stored);
    return stored;
  }

  getPaid(invoiceId: string): PaidRecord | undefined {
    return this.#paid.get(invoiceId);
  }

  getOrderPaidBy(orderId: string): string | undefined {
    return this.#orderPaidBy.get(orderId);
  }

  recordPayment(record: Omit<PaidRecord, 'orderPaidBy'>, options: { redelivery?: boolean } = {}): PaidRecord {
    const stored = this.markPaid(record);
    if (!this.#outbox.has(stored.invoiceId)) this.#outbox.add(stored, options.redelivery === true);
    return stored;
  }

  claimDeliveries(now: number, leaseMs: number, limit: number): DeliveryClaim[] {
    return this.#outbox.claim(now, leaseMs, limit, (id) => this.#paid.get(id), newToken);
  }

  finishDelivery(invoiceId: string, token: string, outcome: DeliveryOutcome): boolean {
    return this.#outbox.finish(invoiceId, token, outcome);
  }

  getDelivery(invoiceId: string): DeliveryRecord | undefined {
    return this.#outbox.get(invoiceId);
  }

  listDeliveries(filter: { state?: DeliveryState; limit?: number } = {}): DeliveryRecord[] {
    return this.#outbox.list(filter.state, filter.limit ?? 100);
  }

  redeliver(invoiceId: string, now: number): boolean {
    const paid = this.#paid.get(invoiceId);
    if (!paid) return false;
    this.#outbox.redeliver(paid, now);
    return true;
  }

  scheduleCheck(invoiceId: string, at: number | undefined): void {
    this.#outbox.scheduleCheck(invoiceId, at);
  }

  claimDueChecks(now: number, leaseMs: number, limit: number): InvoiceRecord[] {
    const wanted = (id: string) => this.#invoices.has(id) && !this.#paid.has(id);
    return this.#outbox.claimDueChecks(now, leaseMs, limit, wanted).map((id) => this.#invoices.get(id)!);
  }

  marker(): string {
    return this.#marker;
  }

  acquireLock(name: string, ttlMs: number): string | null {
    const held = this.#locks.get(name);
    const now = this.#now();
    if (held && held.until > now) return null;
    const token = newToken();
    this.#locks.set(name, { token, until: now + ttlMs });
    return token;
  }

  releaseLock(name: string, token: string): void {
    if (this.#locks.get(name)?.token === token) this.#locks.delete(name);
  }

  getCachedStatus(invoiceId: string): CachedStatus | undefined {
    const cached = this.#statusCache.get(invoiceId);
    return cached && cached.until > this.#now() ? cached.entry : undefined;
  }

  setCachedStatus(invoiceId: string, entry: CachedStatus, ttlMs: number): void {
    if (this.#statusCache.size >= 10_000) {
      const now = this.#now();
      for (const [id, cached] of this.#statusCache) if (cached.until <= now) this.#statusCache.delete(id);
    }
    this.#statusCache.set(invoiceId, { entry, until: this.#now() + ttlMs });
  }

  publish(channel: string, message: string): void {
    for (const listener of [...(this.#listeners.get(channel) ?? [])]) {
      try {
        listener(message);
      } catch {
        // One listener's failure is its own; the others still hear the message.
      }
    }
  }

  subscribe(channel: string, listener: StoreListener): () => void {
    let set = this.#listeners.get(channel);
    if (!set) this.#listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(channel) === set) this.#listeners.delete(channel);
    };
  }

  /**
   * Drops records past retention: an invoice `retentionMs` after it expired (a paid one after its payment, and
   * only once onPaid succeeded: a pending, running or failed delivery keeps it). Runs at most once a minute, from writes.
   */
  prune(): void {
    const now = this.#now();
    if (now < this.#nextPrune) return;
    this.#nextPrune = now + 60_000;
    for (const [id, record] of this.#invoices) {
      const paid = this.#paid.get(id);
      if (paid && !this.#delivered(id)) continue;
      const keepUntil = (paid ? Math.max(paid.paidAt, record.expiresAt) : record.expiresAt) + this.#retentionMs;
      if (keepUntil > now) continue;
      this.#invoices.delete(id);
      this.#paid.delete(id);
      this.#outbox.delete(id);
      if (this.#byReference.get(record.reference) === id) this.#byReference.delete(record.reference);
      if (this.#openByOrder.get(record.orderId) === id) this.#openByOrder.delete(record.orderId);
      if (this.#orderPaidBy.get(record.orderId) === id) this.#orderPaidBy.delete(record.orderId);
    }
    for (const [name, lock] of this.#locks) if (lock.until <= now) this.#locks.delete(name);
  }

  /** onPaid succeeded for good: its delivery is `done`. */
  #delivered(invoiceId: string): boolean {
    return this.#outbox.has(invoiceId) && this.#outbox.settled(invoiceId);
  }
}
