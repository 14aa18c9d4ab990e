// Asking the provider about an invoice, coalesced: one call per invoice per interval across every process sharing
// the store, failures shared the same way (with a back-off during an outage), and per-second budgets for lookups of
// what the store does not know.
import { FailureBackoff } from '../backoff.js';
import { ProviderError, type StatusResult } from '../providers/provider.js';
import type { CachedStatus } from '../stores/store.js';
import { busy, publicMessage } from './answers.js';
import type { CheckoutSettings } from './context.js';
import { WAIT_FOR_OTHERS_MS, WAIT_STEP_MS, describe, remember, sleep } from './shared.js';

/** How long a status answer (or failure) stays readable in the store for processes that did not ask. */
const STATUS_KEEP_MS = 60_000;
/** Provider calls that must bring news (a callback's confirmation), per invoice, at most one per this interval. */
const CONFIRM_INTERVAL_MS = 1000;

function unwrap(entry: CachedStatus): StatusResult {
  if (entry.failure) {
    const kind = entry.failure.kind === 'not-found' ? 'not-found' : 'upstream';
    throw new ProviderError(entry.failure.message, entry.failure.code, kind);
  }
  if (!entry.result) throw new ProviderError('The shared status record is empty', 'INVALID_CACHE');
  return entry.result;
}

export class ProviderChecks {
  /** Questions this process is asking right now, by invoice and freshness: concurrent callers share one. */
  private readonly asking = new Map<string, Promise<StatusResult>>();
  /** The last shared answer this process saw per invoice, so a poll mostly costs no store round trip. */
  private readonly statusMemo = new Map<string, CachedStatus>();
  private readonly lookupBudgets = new Map<string, { second: number; count: number }>();
  // After a provider failure for an invoice, polls answer the shared failure while its back-off lasts (1 s, 2 s, ...
  // up to 30 s), so an outage costs a few calls per invoice, not one per poll.
  private readonly outage: FailureBackoff<CachedStatus>;

  constructor(private readonly settings: CheckoutSettings) {
    this.outage = new FailureBackoff<CachedStatus>({ now: settings.now, baseMs: 1000, maxMs: 30_000 });
  }

  /**
   * The provider's status of `invoiceId`, no older than `freshAfter` (epoch ms): from the store's shared cache, or
   * asked by whichever process takes the invoice's lock (one call per `cacheMs`). When `strict` is false (pollers),
   * the others take the last shared answer meanwhile; when true, they wait for the news. Failures are shared the same
   * way, so an outage costs one call per invoice per interval, not one per request.
   */
  sharedStatus(invoiceId: string, ask: () => Promise<StatusResult>, freshAfter: number, strict = true): Promise<StatusResult> {
    const key = `${invoiceId}\u0000${strict ? freshAfter : 'poll'}`;
    let pending = this.asking.get(key);
    if (!pending) {
      pending = this.fetchShared(invoiceId, ask, freshAfter, strict).finally(() => this.asking.delete(key));
      this.asking.set(key, pending);
    }
    return pending;
  }

  /** A status for pollers: any answer younger than `cacheMs` will do. */
  pollStatus(invoiceId: string): Promise<StatusResult> {
    const { provider, now, cacheMs } = this.settings;
    return this.sharedStatus(invoiceId, () => provider.checkStatus(invoiceId), now() - cacheMs + 1, false);
  }

  /** The last shared answer this process saw for the invoice, with when it was asked (the status route keeps its answer until then + `cacheMs`). */
  lastAnswer(invoiceId: string): CachedStatus | undefined {
    return this.statusMemo.get(invoiceId);
  }

  /** A status that is news: asked after `since` (a callback's arrival, a replacement's start). */
  freshStatus(invoiceId: string, since: number): Promise<StatusResult> {
    const { provider } = this.settings;
    return this.sharedStatus(invoiceId, () => provider.checkStatus(invoiceId), since);
  }

  /**
   * Bounds how often per second this process asks the provider about what the store does not know (made-up ids,
   * forged callbacks), so nobody can turn the handler into a flood of provider calls.
   */
  withinBudget(kind: string, perSecond: number): boolean {
    const second = Math.floor(this.settings.now() / 1000);
    let budget = this.lookupBudgets.get(kind);
    if (!budget || budget.second !== second) this.lookupBudgets.set(kind, (budget = { second, count: 0 }));
    return ++budget.count <= perSecond;
  }

  private async fetchShared(invoiceId: string, ask: () => Promise<StatusResult>, freshAfter: number, strict: boolean): Promise<StatusResult> {
    const { store, cacheMs } = this.settings;
    const local = this.statusMemo.get(invoiceId);
    if (local && local.at >= freshAfter) return unwrap(local);
    // During an outage, pollers get the shared failure until its back-off ends, with no store round trip.
    const failing = strict ? undefined : this.outage.blocked(invoiceId);
    if (failing) return unwrap(failing.error);
    for (let waited = 0; ; waited += WAIT_STEP_MS) {
      const cached = await store.getCachedStatus(invoiceId);
      if (cached && cached.at >= freshAfter) return unwrap(remember(this.statusMemo, invoiceId, cached));
      // Pollers share one call per `cacheMs`; callers that need news (callbacks) have their own, per second, so a
      // long cache never keeps a payment from being confirmed.
      const token = strict
        ? await store.acquireLock(`confirm:${invoiceId}`, CONFIRM_INTERVAL_MS)
        : await store.acquireLock(`status:${invoiceId}`, cacheMs);
      if (token) return unwrap(await this.askAndShare(invoiceId, ask));
      // A poller takes the last shared answer while another process fetches the next one; only a caller that
      // needs news (a callback, a replacement) waits for it.
      if (cached && !strict) return unwrap(cached);
      if (waited >= WAIT_FOR_OTHERS_MS) throw busy('Another request is asking the provider about this invoice; try again');
      await sleep(WAIT_STEP_MS);
    }
  }

  /** Asks the provider (this process holds the invoice's lock) and shares the answer, or the failure, in the store. */
  private async askAndShare(invoiceId: string, ask: () => Promise<StatusResult>): Promise<CachedStatus> {
    const { store, provider, logger, now } = this.settings;
    // Stamped with when the question was asked: an answer counts as news only from then on.
    const askedAt = now();
    let entry: CachedStatus;
    try {
      entry = { at: askedAt, result: await ask() };
      this.outage.succeed(invoiceId);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.kind === 'invalid-request') throw error;
      const message = publicMessage(error);
      entry = { at: askedAt, failure: { code: error.code, message, kind: error.kind === 'not-found' ? 'not-found' : 'upstream' } };
      if (error.kind !== 'not-found') {
        this.outage.fail(invoiceId, entry);
        logger.error(`provider ${provider.name} failed for invoice ${invoiceId}: ${describe(error)}`);
      }
    }
    await store.setCachedStatus(invoiceId, entry, STATUS_KEEP_MS);
    return remember(this.statusMemo, invoiceId, entry);
  }
}
