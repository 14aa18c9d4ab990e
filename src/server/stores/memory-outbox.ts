// MemoryStore's outbox: each paid invoice's onPaid delivery as a small state machine (pending -> running -> done,
// back to pending on a failure or a lapsed lease, failed when given up on), and the sweeper's check schedule.
// Plain synchronous maps, so every step is atomic inside the one process.
import type { DeliveryClaim, DeliveryOutcome, DeliveryRecord, DeliveryState, PaidRecord } from './store.js';

interface DeliveryEntry {
  record: DeliveryRecord;
  /** The last claim's token; kept after its finish so the holder may write the same finish again. */
  token?: string;
  /** Set by `redeliver` during a run: the run's finish leaves the delivery pending, due at this time. */
  requeuedAt?: number;
}

/** When a delivery may be claimed next: a pending one at `dueAt`, a running one once its lease lapses. */
function claimableAt(record: DeliveryRecord): number | undefined {
  if (record.state === 'pending') return record.dueAt;
  if (record.state === 'running') return record.leaseUntil ?? 0;
  return undefined;
}

const byPaymentThenId = (a: DeliveryRecord, b: DeliveryRecord) => a.paidAt - b.paidAt || (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0);

export class MemoryOutbox {
  readonly #deliveries = new Map<string, DeliveryEntry>();
  readonly #checks = new Map<string, number>();

  /** Adds a pending delivery due at the payment, unless the invoice has one. */
  add(paid: PaidRecord, mayHaveRun: boolean): void {
    if (this.#deliveries.has(paid.invoiceId)) return;
    const record: DeliveryRecord = { invoiceId: paid.invoiceId, orderId: paid.orderId, state: 'pending', attempts: 0, dueAt: paid.paidAt, mayHaveRun, paidAt: paid.paidAt };
    this.#deliveries.set(paid.invoiceId, { record });
  }

  has(invoiceId: string): boolean {
    return this.#deliveries.has(invoiceId);
  }

  claim(now: number, leaseMs: number, limit: number, paidOf: (invoiceId: string) => PaidRecord | undefined, newToken: () => string): DeliveryClaim[] {
    const due: [number, DeliveryEntry][] = [];
    for (const entry of this.#deliveries.values()) {
      const at = claimableAt(entry.record);
      if (at !== undefined && at <= now) due.push([at, entry]);
    }
    due.sort(([a, x], [b, y]) => a - b || (x.record.invoiceId < y.record.invoiceId ? -1 : 1));
    const claims: DeliveryClaim[] = [];
    for (const [, entry] of due.slice(0, Math.max(0, limit))) {
      const paid = paidOf(entry.record.invoiceId);
      if (!paid) continue;
      const lapsed = entry.record.state === 'running';
      const token = newToken();
      const leaseUntil = now + leaseMs;
      const mayHaveRun = entry.record.mayHaveRun || lapsed;
      entry.record = { ...entry.record, state: 'running', attempts: entry.record.attempts + 1, leaseUntil, mayHaveRun };
      entry.token = token;
      entry.requeuedAt = undefined;
      claims.push({ token, attempt: entry.record.attempts, redelivery: mayHaveRun, leaseUntil, paid });
    }
    return claims;
  }

  finish(invoiceId: string, token: string, outcome: DeliveryOutcome): boolean {
    const entry = this.#deliveries.get(invoiceId);
    if (!entry || entry.token !== token) return false;
    if (entry.record.state !== 'running') return true; // the holder writing its finish again
    const { leaseUntil: _lease, ...rest } = entry.record;
    const lastError = outcome.state === 'done' ? rest.lastError : outcome.error;
    if (entry.requeuedAt !== undefined) {
      const dueAt = outcome.state === 'pending' ? Math.min(entry.requeuedAt, outcome.retryAt) : entry.requeuedAt;
      entry.record = { ...rest, state: 'pending', dueAt, lastError, mayHaveRun: true };
      entry.requeuedAt = undefined;
    } else if (outcome.state === 'done') {
      entry.record = { ...rest, state: 'done', doneAt: outcome.at };
    } else if (outcome.state === 'pending') {
      entry.record = { ...rest, state: 'pending', dueAt: outcome.retryAt, lastError, mayHaveRun: rest.mayHaveRun || outcome.timedOut === true };
    } else {
      entry.record = { ...rest, state: 'failed', lastError };
    }
    return true;
  }

  get(invoiceId: string): DeliveryRecord | undefined {
    const entry = this.#deliveries.get(invoiceId);
    return entry && { ...entry.record };
  }

  list(state: DeliveryState | undefined, limit: number): DeliveryRecord[] {
    const found: DeliveryRecord[] = [];
    for (const { record } of this.#deliveries.values()) if (state === undefined ? record.state !== 'done' : record.state === state) found.push({ ...record });
    return found.sort(byPaymentThenId).slice(0, Math.max(0, limit));
  }

  /** Queues the delivery again (see CheckoutStore.redeliver); `paid` must be the invoice's payment. */
  redeliver(paid: PaidRecord, now: number): void {
    this.add(paid, true);
    const entry = this.#deliveries.get(paid.invoiceId)!;
    if (entry.record.state === 'running') {
      entry.requeuedAt = now;
      entry.record = { ...entry.record, mayHaveRun: true };
      return;
    }
    const { doneAt: _done, ...rest } = entry.record;
    entry.record = { ...rest, state: 'pending', dueAt: now, mayHaveRun: true };
  }

  /** True when retention may drop the invoice's payment: no delivery, or a `done` one. */
  settled(invoiceId: string): boolean {
    const state = this.#deliveries.get(invoiceId)?.record.state;
    return state === undefined || state === 'done';
  }

  delete(invoiceId: string): void {
    this.#deliveries.delete(invoiceId);
    this.#checks.delete(invoiceId);
  }

  scheduleCheck(invoiceId: string, at: number | undefined): void {
    if (at === undefined) this.#checks.delete(invoiceId);
    else this.#checks.set(invoiceId, at);
  }

  /** Due checks, earliest first (see CheckoutStore.claimDueChecks); `keep` says whether an entry is still wanted. */
  claimDueChecks(now: number, leaseMs: number, limit: number, keep: (invoiceId: string) => boolean): string[] {
    const due = [...this.#checks].filter(([, at]) => at <= now).sort(([x, a], [y, b]) => a - b || (x < y ? -1 : 1));
    const taken: string[] = [];
    for (const [invoiceId] of due.slice(0, Math.max(0, limit))) {
      if (!keep(invoiceId)) {
        this.#checks.delete(invoiceId);
        continue;
      }
      this.#checks.set(invoiceId, now + leaseMs);
      taken.push(invoiceId);
    }
    return taken;
  }
}
