// Asking the provider about an invoice, coalesced: one call per invoice per interval across every process sharing
// the store, failures shared the same way (with a back-off during an outage), and per-second budgets for lookups of
// what the store does not know. For a known open invoice only the check schedule (sweeper.ts, paced by pace.ts) and
// a callback's confirmation ask the provider; status polls and streams read the latest check (`latestStatus`).
import { FailureBackoff } from '../backoff.js';
import { ProviderError, type StatusResult } from '../providers/provider.js';
import type { CachedStatus, InvoiceRecord } from '../stores/store.js';
import { busy, publicMessage } from './answers.js';
import type { CheckoutSettings } from './context.js';
import { mayOpenWindow } from './pace.js';
import { WAIT_FOR_OTHERS_MS, WAIT_STEP_MS, describe, remember, sleep } from './shared.js';

/**
 * How long a status answer (or failure) stays readable in the store for processes that did not ask: longer than the
 * slow pace and the outage back-off, so polls between two checks always find the latest one.
 */
const STATUS_KEEP_MS = 5 * 60_000;
/** Provider calls that must bring news (a callback's confirmation), per invoice, at most one per this interval. */
const CONFIRM_INTERVAL_MS = 1000;

/** An entry that holds a check's outcome (not only a fast window opened before the first check), else undefined. */
const checked = (entry: CachedStatus | undefined) => (entry?.result || entry?.failure ? entry : undefined);

/** A status this process read from the store (or wrote there), and when it read it. */
export interface Read {
  entry: CachedStatus;
  readAt: number;
}

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
  private readonly statusMemo = new Map<string, Read>();
  /** Reads of the store's shared status in flight, by invoice: concurrent polls share one. */
  private readonly reading = new Map<string, Promise<CachedStatus | undefined>>();
  /** When this process last pulled an unchecked invoice's check forward, by invoice. */
  private readonly pulled = new Map<string, number>();
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

  /**
   * The latest checked status of a known invoice, as the check schedule left it: what this process read less than
   * `cacheMs` ago, else the store's shared entry (a failure throws, as the check did), with no provider call. Only an
   * invoice with no check on record (its first second, an invoice from before the schedule, a store that lost its
   * data) is asked about as before: once per `cacheMs` across processes, and its scheduled check pulled forward.
   */
  async latestStatus(record: InvoiceRecord): Promise<StatusResult> {
    const entry = checked(await this.latest(record.invoiceId));
    if (entry) return unwrap(entry);
    await this.pullCheckForward(record);
    return this.pollStatus(record.invoiceId);
  }

  /**
   * The scheduled check of an open invoice: the provider's status (one call per `cacheMs` across processes: a check
   * made less than that ago is reused) and the end of a fast window opened for it, if any.
   */
  async scheduledCheck(invoiceId: string): Promise<{ result: StatusResult; fastUntil: number | undefined }> {
    const result = await this.pollStatus(invoiceId);
    return { result, fastUntil: this.statusMemo.get(invoiceId)?.entry.fastUntil };
  }

  /**
   * The customer came back (or the QR was shown again): a fast window for the invoice, shared in the store, and its
   * next check now. Bounded by `mayOpenWindow`: the window moves at most once per fast interval, whoever asks; false
   * when it did not move (or the invoice is past its checks).
   */
  async openFastWindow(record: InvoiceRecord): Promise<boolean> {
    const { store, now, pace, sweepGraceMs } = this.settings;
    const at = now();
    if (at >= record.expiresAt + sweepGraceMs) return false;
    const entry = await store.getCachedStatus(record.invoiceId);
    if (!mayOpenWindow(pace, at, entry?.fastUntil)) return false;
    const opened: CachedStatus = { ...(entry ?? { at: 0 }), fastUntil: at + pace.windowMs };
    await store.setCachedStatus(record.invoiceId, opened, STATUS_KEEP_MS);
    remember(this.statusMemo, record.invoiceId, { entry: opened, readAt: at });
    await store.scheduleCheck(record.invoiceId, at);
    return true;
  }

  /** A status for the check schedule: any answer younger than `cacheMs` will do. */
  pollStatus(invoiceId: string): Promise<StatusResult> {
    const { provider, now, cacheMs } = this.settings;
    return this.sharedStatus(invoiceId, () => provider.checkStatus(invoiceId), now() - cacheMs + 1, false);
  }

  /** The last check this process read for the invoice, and when it read it (the status route keeps its answer until then + `cacheMs`). */
  lastAnswer(invoiceId: string): Read | undefined {
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

  /** The shared status entry of an invoice, as read less than `cacheMs` ago by this process, else from the store. */
  private latest(invoiceId: string): Promise<CachedStatus | undefined> | CachedStatus {
    const { store, now, cacheMs } = this.settings;
    const memo = this.statusMemo.get(invoiceId);
    if (memo && now() - memo.readAt < cacheMs) return memo.entry;
    let pending = this.reading.get(invoiceId);
    if (!pending) {
      pending = (async () => {
        const entry = await store.getCachedStatus(invoiceId);
        if (entry) remember(this.statusMemo, invoiceId, { entry, readAt: now() });
        return entry;
      })().finally(() => this.reading.delete(invoiceId));
      this.reading.set(invoiceId, pending);
    }
    return pending;
  }

  /** Schedules the check of an invoice with no check on record for now, at most once per `cacheMs` per process. */
  private async pullCheckForward(record: InvoiceRecord): Promise<void> {
    const { store, now, cacheMs, sweepGraceMs } = this.settings;
    const at = now();
    const last = this.pulled.get(record.invoiceId);
    if ((last !== undefined && at - last < cacheMs) || at >= record.expiresAt + sweepGraceMs) return;
    remember(this.pulled, record.invoiceId, at);
    await store.scheduleCheck(record.invoiceId, at);
  }

  private async fetchShared(invoiceId: string, ask: () => Promise<StatusResult>, freshAfter: number, strict: boolean): Promise<StatusResult> {
    const { store, cacheMs, now } = this.settings;
    const local = checked(this.statusMemo.get(invoiceId)?.entry);
    if (local && local.at >= freshAfter) return unwrap(local);
    // During an outage, pollers get the shared failure until its back-off ends, with no store round trip.
    const failing = strict ? undefined : this.outage.blocked(invoiceId);
    if (failing) return unwrap(failing.error);
    for (let waited = 0; ; waited += WAIT_STEP_MS) {
      const shared = await store.getCachedStatus(invoiceId);
      if (shared) remember(this.statusMemo, invoiceId, { entry: shared, readAt: now() });
      const cached = checked(shared);
      if (cached && cached.at >= freshAfter) return unwrap(cached);
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
    // A fast window opened while the provider was asked is kept (read again just before the write).
    const fastUntil = (await store.getCachedStatus(invoiceId))?.fastUntil;
    if (fastUntil !== undefined) entry.fastUntil = fastUntil;
    await store.setCachedStatus(invoiceId, entry, STATUS_KEEP_MS);
    return remember(this.statusMemo, invoiceId, { entry, readAt: now() }).entry;
  }
}
