// The merchant's checkout endpoints as one Web Fetch handler, provider-agnostic:
//   POST {basePath}/invoice            the order's invoice (one open invoice per order; a superseded one is cancelled)
//   GET  {basePath}/status/:invoiceId  {status, paid_amount, invoice_id}; at most one provider call per invoice per
//                                      `statusCacheMs` across every process sharing the store
//   GET  {basePath}/events/:invoiceId  the same status as a server-sent event stream: at once, then every change
//   GET|POST {basePath}/callback       the provider's notification, confirmed with the provider before anything
// A confirmed payment of any invoice of an order reaches onPaid, once, whichever process and route saw it first.
// The status route answers PAID at once and runs onPaid beside it (with a timeout, under a lease); the callback
// waits for onPaid and answers non-success until it has succeeded somewhere, so the provider retries.
// When the store has no record (a restart with MemoryStore), the handler rebuilds what it needs from the provider.
import { FINAL_STATUSES, type PaymentStatus } from '../../core/types.js';
import { amountProblem } from '../amounts.js';
import { FailureBackoff, doublingDelay } from '../backoff.js';
import { DEFAULT_MAX_BODY_BYTES, readBodyText } from '../http/body.js';
import { logSafe } from '../log.js';
import { ProviderError, type CheckoutOrder, type CheckoutProvider, type StatusResult } from '../providers/provider.js';
import { REFERENCE_PATTERN, newInvoiceReference, referenceBelongsToOrder } from '../reference.js';
import { MemoryStore, type CachedStatus, type CheckoutStore, type InvoiceRecord, type MaybePromise, type PaidRecord } from '../stores/store.js';

/** Throw this from `getOrder` to answer the browser with your own status, code and message. */
export class CheckoutError extends Error {
  override name = 'CheckoutError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PaidEvent {
  invoiceId: string;
  orderId: string;
  /** What the provider says was paid (major units). */
  paidAmount: number;
  /** What the invoice asked for. */
  amount: number;
  currency: string;
  provider: string;
  /** The provider's confirming answer (QPay: the payment check with its rows). */
  payment: unknown;
  /**
   * Set when the order was already paid by another invoice (`alreadyPaidBy` is that invoice's id): this payment is
   * a second one for the same order, e.g. an old tab's QR paid after a new invoice was paid. Refund it or keep it;
   * do not fulfil the order twice.
   */
  alreadyPaidBy?: string;
  /** 1 on the first run; more when an earlier run failed or timed out. */
  attempt: number;
  /** Aborted when the run passes `onPaidTimeoutMs`: the handler has then given up on it and will try again. */
  signal: AbortSignal;
}

export interface CheckoutLogger {
  error(message: string): void;
}

export interface CheckoutHandlerOptions {
  /** The payment provider: a `QPayProvider`, a `TBankProvider`, or your own `CheckoutProvider`. */
  provider: CheckoutProvider;
  /**
   * Absolute URL of `{basePath}/callback` as the provider can reach it, e.g.
   * `https://shop.example/qpay/callback`. The handler adds `order=<orderId>&ref=<invoice reference>` to it.
   */
  callbackUrl: string;
  /** The order the request is about, from the shop's own data (never the browser's amount). */
  getOrder: (request: Request, body: unknown) => MaybePromise<CheckoutOrder | null | undefined>;
  /**
   * Called once per paid invoice after the provider confirmed full payment, with the invoice's own id and amount.
   * Make it idempotent on `invoiceId`: a run that passes `onPaidTimeoutMs` is given up on and tried again, and the
   * first may still finish. If it throws or times out, the payment stays remembered and onPaid is tried again,
   * backing off, at the next callback or status request for the invoice (the callback is answered non-success
   * meanwhile, so the provider retries).
   */
  onPaid: (event: PaidEvent) => MaybePromise<void>;
  /** Default `/qpay`. */
  basePath?: string;
  /** Default: a MemoryStore (one process; see the README for restarts and several instances). */
  store?: CheckoutStore;
  /** How long a status answer is reused for all pollers of an invoice, in every process (default 1000 ms). */
  statusCacheMs?: number;
  /** An open invoice is handed out again only if it stays payable at least this long (default 60000 ms). */
  reuseMarginMs?: number;
  /** How long one onPaid run may take before it is given up on and retried (default 30000 ms). */
  onPaidTimeoutMs?: number;
  /** First back-off after a failed onPaid, doubled on each failure up to `onPaidRetryMaxMs` (default 5000 ms). */
  onPaidRetryMs?: number;
  /** Longest back-off between onPaid retries (default 10 minutes). */
  onPaidRetryMaxMs?: number;
  /**
   * Keeps background work (onPaid started by a status request) alive on hosts that end a request's work when its
   * answer is sent, e.g. `ctx.waitUntil` on Cloudflare Workers or `waitUntil` from `@vercel/functions`.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** How often an open event stream sends a comment line, so proxies keep it open (default 15000 ms). */
  streamHeartbeatMs?: number;
  /** Default: console.error. Messages never contain credentials or tokens. */
  logger?: CheckoutLogger;
  now?: () => number;
}

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The prefix the handler answers under (adapters use it to pass other requests on). */
  readonly basePath: string;
  /** Resolves once the background onPaid runs started so far have ended (for graceful shutdown and tests). */
  idle(): Promise<void>;
};

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** An id that can stand as one path segment at the provider: `.` and `..` would name another path. */
const isInvoiceId = (id: string) => ID_PATTERN.test(id) && !/^\.{1,2}$/.test(id);
/** How long a process holds an order's creation lock at most (longer than any provider call). */
const ORDER_LOCK_MS = 30_000;
/** How long a request waits for another process that is creating the order's invoice or asking for a status. */
const WAIT_FOR_OTHERS_MS = 15_000;
const WAIT_STEP_MS = 50;
/** How long a status answer (or failure) stays readable in the store for processes that did not ask. */
const STATUS_KEEP_MS = 60_000;
/** Lookups of ids the store does not know (rebuilding after a restart) per second per process, at most. */
const UNKNOWN_LOOKUPS_PER_SECOND = 10;
/** Callbacks the handler cannot place by their reference, asked about at the provider per second per process. */
const UNPLACED_CALLBACKS_PER_SECOND = 5;
/** Provider calls that must bring news (a callback's confirmation), per invoice, at most one per this interval. */
const CONFIRM_INTERVAL_MS = 1000;
/** What an event stream tells the browser: reconnect after this long, and a comment line this often. */
const STREAM_RETRY_MS = 3000;
/** Open event streams per process, at most; more are answered 503 (the element then polls). */
const MAX_STREAMS = 10_000;
/** Entries of each per-process memo, at most (the oldest go first). */
const MEMO_LIMIT = 10_000;

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_LIMIT && !memo.has(key)) memo.delete(memo.keys().next().value!);
  memo.set(key, value);
  return value;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

function fail(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return json(status, { error, message, ...extra }, headers);
}

function methodNotAllowed(allow: string): Response {
  return json(405, { error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` }, { Allow: allow });
}

function normalizeBasePath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, '')}`;
  return trimmed === '/' ? '' : trimmed;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks what `getOrder` returned (its amount in `currency`); a bad order is the shop's bug, so the answer is 500. */
function orderProblem(order: CheckoutOrder, currency: string): string | null {
  if (typeof order !== 'object') return 'getOrder must return an object';
  if (typeof order.orderId !== 'string' || !order.orderId.trim()) return 'orderId must be a non-empty string';
  if (order.orderId.length > 128) return 'orderId is longer than 128 characters';
  if (typeof order.amount !== 'number' || !Number.isFinite(order.amount) || order.amount <= 0) {
    return 'amount must be a finite number greater than 0';
  }
  if (order.currency !== undefined && !/^[A-Za-z]{3}$/.test(order.currency)) return 'currency must be an ISO 4217 code';
  if (order.description !== undefined && typeof order.description !== 'string') return 'description must be a string';
  return amountProblem(order.amount, currency);
}

/** Amounts compared in minor units so 100.1 + 0.2 style sums do not miss by a hair. */
const cents = (n: number) => Math.round(n * 100);

function isStoreError(error: unknown): boolean {
  return error instanceof Error && error.name === 'StoreError';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

type CreateOutcome = { record: InvoiceRecord; created: boolean } | { paidBy: string };
/** How an onPaid attempt ended; `until` is when trying again makes sense (Infinity once it succeeded). */
type Delivery = { state: 'done' | 'busy' | 'failed'; until: number };

export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  if (!options || typeof options !== 'object') throw new TypeError('createCheckoutHandler: options are required');
  if (typeof options.getOrder !== 'function') throw new TypeError('createCheckoutHandler: getOrder is required');
  if (typeof options.onPaid !== 'function') throw new TypeError('createCheckoutHandler: onPaid is required');
  const provider = options.provider;
  if (!provider || typeof provider.createInvoice !== 'function' || typeof provider.checkStatus !== 'function') {
    throw new TypeError('createCheckoutHandler: provider is required (a QPayProvider, a TBankProvider, or your own CheckoutProvider; for QPay, createQPayCheckoutHandler takes client and invoiceCode)');
  }
  let callbackBase: URL;
  try {
    callbackBase = new URL(options.callbackUrl);
  } catch {
    throw new TypeError('createCheckoutHandler: callbackUrl must be an absolute URL');
  }
  const now = options.now ?? Date.now;
  const basePath = normalizeBasePath(options.basePath ?? '/qpay');
  const store = options.store ?? new MemoryStore({ now });
  const cacheMs = options.statusCacheMs ?? 1000;
  const reuseMarginMs = options.reuseMarginMs ?? 60_000;
  const onPaidTimeoutMs = options.onPaidTimeoutMs ?? 30_000;
  const onPaidRetryMs = options.onPaidRetryMs ?? 5000;
  const onPaidRetryMaxMs = options.onPaidRetryMaxMs ?? 10 * 60_000;
  /** A claim outlives its run's timeout, so a live run is never overtaken; a crashed process's claim lapses. */
  const leaseMs = onPaidTimeoutMs + 15_000;
  const heartbeatMs = options.streamHeartbeatMs ?? 15_000;
  const sink: CheckoutLogger = options.logger ?? { error: (message) => console.error(`[qpay-checkout] ${message}`) };
  // Every line is made safe at this one place: order ids and callback parameters come from outside, and a CR/LF in
  // one must never forge a second log line.
  const logger: CheckoutLogger = { error: (message) => sink.error(logSafe(message, 2000)) };

  // Per-process coalescing on top of the store's cross-process locks.
  const creating = new Map<string, Promise<CreateOutcome>>();
  const asking = new Map<string, Promise<StatusResult>>();
  const delivering = new Map<string, Promise<Delivery>>();
  const background = new Set<Promise<unknown>>();
  // What this process already learnt from the store, so a poll mostly costs no store round trip: invoice records and
  // payments never change back, a shared status is good for `cacheMs`, and onPaid needs no look before `until`.
  const recordMemo = new Map<string, InvoiceRecord>();
  const paidMemo = new Map<string, PaidRecord>();
  const statusMemo = new Map<string, CachedStatus>();
  const onPaidMemo = new Map<string, number>();
  const lookupBudgets = new Map<string, { second: number; count: number }>();
  // After a provider failure for an invoice, polls answer the shared failure while its back-off lasts (1 s, 2 s, ...
  // up to 30 s), so an outage costs a few calls per invoice, not one per poll.
  const outage = new FailureBackoff<CachedStatus>({ now, baseMs: 1000, maxMs: 30_000 });

  function callbackUrlFor(orderId: string, reference: string): string {
    const url = new URL(callbackBase.href);
    url.searchParams.set('order', orderId);
    url.searchParams.set('ref', reference);
    return url.href;
  }

  /** A provider error's words for a browser: our own generic sentence, never the provider's text (that is logged). */
  function publicMessage(error: ProviderError): string {
    const safe = (error as ProviderError & { publicMessage?: unknown }).publicMessage;
    return typeof safe === 'string' && safe ? safe : error.message;
  }

  /** Maps a failure while talking to the provider or the store to an answer; the browser learns nothing internal. */
  function failure(error: unknown): Response {
    if (error instanceof ProviderError) {
      const detail = (error as ProviderError & { detail?: unknown }).detail;
      if (detail) logger.error(`provider ${provider.name} ${error.code}: ${String(detail).slice(0, 500)}`);
      if (error.kind === 'invalid-request') return fail(500, 'INVALID_ORDER', error.message, { code: error.code });
      if (error.kind === 'not-found') return fail(404, 'INVOICE_NOT_FOUND', publicMessage(error), { code: error.code });
      const retryAfterMs = (error as ProviderError & { retryAfterMs?: unknown }).retryAfterMs;
      const headers: Record<string, string> = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } : {};
      return fail(502, 'PROVIDER_ERROR', publicMessage(error), { code: error.code, provider: provider.name }, headers);
    }
    if (isStoreError(error)) {
      logger.error(`store failed: ${describe(error)}`);
      return fail(503, 'STORE_UNAVAILABLE', 'The payment records cannot be reached right now; try again', {}, { 'Retry-After': '2' });
    }
    if (error instanceof Error && error.name === 'StatusBusyError') {
      return fail(503, 'STATUS_BUSY', error.message, {}, { 'Retry-After': '1' });
    }
    logger.error(`checkout handler error: ${describe(error)}`);
    return fail(500, 'INTERNAL_ERROR', 'Unexpected server error');
  }

  // ---- status: one provider call per invoice per interval, shared through the store -----------------------------

  function busy(message: string): Error {
    return Object.assign(new Error(message), { name: 'StatusBusyError' });
  }

  function unwrap(entry: CachedStatus): StatusResult {
    if (entry.failure) {
      const kind = entry.failure.kind === 'not-found' ? 'not-found' : 'upstream';
      throw new ProviderError(entry.failure.message, entry.failure.code, kind);
    }
    if (!entry.result) throw new ProviderError('The shared status record is empty', 'INVALID_CACHE');
    return entry.result;
  }

  /**
   * The provider's status of `invoiceId`, no older than `freshAfter` (epoch ms): from the store's shared cache, or
   * asked by whichever process takes the invoice's lock (one call per `cacheMs`). When `strict` is false (pollers),
   * the others take the last shared answer meanwhile; when true, they wait for the news. Failures are shared the same
   * way, so an outage costs one call per invoice per interval, not one per request.
   */
  function sharedStatus(invoiceId: string, ask: () => Promise<StatusResult>, freshAfter: number, strict = true): Promise<StatusResult> {
    const key = `${invoiceId}\u0000${strict ? freshAfter : 'poll'}`;
    let pending = asking.get(key);
    if (!pending) {
      pending = (async () => {
        const local = statusMemo.get(invoiceId);
        if (local && local.at >= freshAfter) return unwrap(local);
        // During an outage, pollers get the shared failure until its back-off ends, with no store round trip.
        const failing = strict ? undefined : outage.blocked(invoiceId);
        if (failing) return unwrap(failing.error);
        for (let waited = 0; ; waited += WAIT_STEP_MS) {
          const cached = await store.getCachedStatus(invoiceId);
          if (cached && cached.at >= freshAfter) return unwrap(remember(statusMemo, invoiceId, cached));
          // Pollers share one call per `cacheMs`; callers that need news (callbacks) have their own, per second, so a
          // long cache never keeps a payment from being confirmed.
          const token = strict
            ? await store.acquireLock(`confirm:${invoiceId}`, CONFIRM_INTERVAL_MS)
            : await store.acquireLock(`status:${invoiceId}`, cacheMs);
          if (token) {
            // Stamped with when the question was asked: an answer counts as news only from then on.
            const askedAt = now();
            let entry: CachedStatus;
            try {
              entry = { at: askedAt, result: await ask() };
              outage.succeed(invoiceId);
            } catch (error) {
              if (!(error instanceof ProviderError) || error.kind === 'invalid-request') throw error;
              const message = publicMessage(error);
              entry = { at: askedAt, failure: { code: error.code, message, kind: error.kind === 'not-found' ? 'not-found' : 'upstream' } };
              if (error.kind !== 'not-found') {
                outage.fail(invoiceId, entry);
                logger.error(`provider ${provider.name} failed for invoice ${invoiceId}: ${describe(error)}`);
              }
            }
            await store.setCachedStatus(invoiceId, entry, STATUS_KEEP_MS);
            return unwrap(remember(statusMemo, invoiceId, entry));
          }
          // A poller takes the last shared answer while another process fetches the next one; only a caller that
          // needs news (a callback, a replacement) waits for it.
          if (cached && !strict) return unwrap(cached);
          if (waited >= WAIT_FOR_OTHERS_MS) throw busy('Another request is asking the provider about this invoice; try again');
          await sleep(WAIT_STEP_MS);
        }
      })().finally(() => asking.delete(key));
      asking.set(key, pending);
    }
    return pending;
  }

  /** A status for pollers: any answer younger than `cacheMs` will do. */
  const pollStatus = (invoiceId: string) => sharedStatus(invoiceId, () => provider.checkStatus(invoiceId), now() - cacheMs + 1, false);

  /** PAID only when the provider says so and the paid amount covers the invoice (partial payments stay NEW). */
  function effectiveStatus(record: Pick<InvoiceRecord, 'amount' | 'expiresAt'>, result: StatusResult): PaymentStatus {
    if (result.status === 'PAID') {
      const paid = result.paidAmount;
      if (paid !== undefined && cents(paid) < cents(record.amount)) return 'NEW';
      return 'PAID';
    }
    if (result.status === 'NEW' && now() >= record.expiresAt) return 'EXPIRED';
    return result.status;
  }

  async function rememberPaid(record: InvoiceRecord, result: StatusResult): Promise<PaidRecord> {
    const paid = await store.markPaid({
      invoiceId: record.invoiceId,
      orderId: record.orderId,
      provider: record.provider,
      paidAmount: result.paidAmount ?? record.amount,
      amount: record.amount,
      currency: record.currency,
      paidAt: now(),
      payment: result.raw,
    });
    remember(paidMemo, paid.invoiceId, paid);
    try {
      await store.publish(`status:${record.invoiceId}`, JSON.stringify({ status: 'PAID', paid_amount: paid.paidAmount, invoice_id: paid.invoiceId }));
    } catch (error) {
      logger.error(`could not announce the payment of invoice ${record.invoiceId}: ${describe(error)}`);
    }
    return paid;
  }

  // ---- onPaid: once per paid invoice, under a lease, with a timeout and back-off ----------------------------------

  /** Runs onPaid unless it already succeeded or another caller holds it: `done`, `busy` or `failed`. */
  function deliver(paid: PaidRecord): Promise<Delivery> {
    const quietUntil = onPaidMemo.get(paid.invoiceId) ?? 0;
    if (quietUntil === Number.POSITIVE_INFINITY) return Promise.resolve({ state: 'done', until: quietUntil });
    let pending = delivering.get(paid.invoiceId);
    if (!pending) {
      pending = (async (): Promise<Delivery> => {
        const claim = await store.claimOnPaid(paid.invoiceId, leaseMs, now());
        if (claim.state === 'done') return { state: 'done', until: Number.POSITIVE_INFINITY };
        if (claim.state === 'busy') return { state: 'busy', until: claim.retryAt };
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const run = Promise.resolve().then(() =>
            options.onPaid({
              invoiceId: paid.invoiceId,
              orderId: paid.orderId,
              paidAmount: paid.paidAmount,
              amount: paid.amount,
              currency: paid.currency,
              provider: paid.provider,
              payment: paid.payment,
              ...(paid.orderPaidBy !== paid.invoiceId ? { alreadyPaidBy: paid.orderPaidBy } : {}),
              attempt: claim.attempt,
              signal: controller.signal,
            }),
          );
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new Error(`onPaid did not settle within ${onPaidTimeoutMs} ms`));
            }, onPaidTimeoutMs);
          });
          await Promise.race([run, timeout]);
        } catch (error) {
          const delay = doublingDelay(onPaidRetryMs, onPaidRetryMaxMs, claim.attempt);
          logger.error(
            `onPaid failed for invoice ${paid.invoiceId} (order ${paid.orderId}, attempt ${claim.attempt}); retried after ${delay} ms: ${describe(error)}`,
          );
          await store.finishOnPaid(paid.invoiceId, claim.token, now() + delay);
          return { state: 'failed', until: now() + delay };
        } finally {
          clearTimeout(timer);
        }
        await store.finishOnPaid(paid.invoiceId, claim.token);
        return { state: 'done', until: Number.POSITIVE_INFINITY };
      })()
        .then((delivery) => {
          remember(onPaidMemo, paid.invoiceId, delivery.until);
          return delivery;
        })
        .finally(() => delivering.delete(paid.invoiceId));
      delivering.set(paid.invoiceId, pending);
    }
    return pending;
  }

  /** Starts onPaid beside the answer (status route): the browser learns PAID without waiting for the shop. */
  function deliverInBackground(paid: PaidRecord): void {
    if (now() < (onPaidMemo.get(paid.invoiceId) ?? 0)) return;
    const work = deliver(paid).catch((error) => {
      logger.error(`onPaid could not be started for invoice ${paid.invoiceId}: ${describe(error)}`);
    });
    background.add(work);
    void work.finally(() => background.delete(work));
    options.waitUntil?.(work);
  }

  // ---- POST {basePath}/invoice ----------------------------------------------------------------------------------

  /** The request's body as text, read as bytes with a hard cap (the read stops at the cap, chunked bodies too). */
  async function readCappedText(request: Request): Promise<{ text: string } | Response> {
    const read = await readBodyText(request, { maxBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: 10_000, signal: request.signal });
    if (read.kind === 'too-large') return fail(413, 'BODY_TOO_LARGE', `Request body is larger than ${DEFAULT_MAX_BODY_BYTES} bytes`);
    if (read.kind === 'error') return fail(read.reason === 'timeout' ? 408 : 400, 'BAD_BODY', `The request body could not be read: ${read.message}`);
    return { text: read.text };
  }

  /** The same request with `text` as its body, for code that reads the body itself after the handler read it. */
  const withBody = (request: Request, text: string) =>
    new Request(request.url, { method: request.method, headers: request.headers, ...(text ? { body: text } : {}) });

  async function readJsonBody(request: Request): Promise<{ body: unknown; text: string } | Response> {
    const read = await readCappedText(request);
    if (read instanceof Response) return read;
    const text = read.text;
    if (!text.trim()) return { body: undefined, text };
    const type = request.headers.get('content-type') ?? '';
    if (!type.includes('json')) return { body: text, text };
    try {
      return { body: JSON.parse(text) as unknown, text };
    } catch {
      return fail(400, 'BAD_JSON', 'Request body is not valid JSON');
    }
  }

  const sameAsk = (record: InvoiceRecord, order: CheckoutOrder, currency: string) =>
    cents(record.amount) === cents(order.amount) && record.currency === currency;

  /** Takes the order's creation lock, waiting while another process holds it; null when it stays taken. */
  async function lockOrder(orderId: string): Promise<string | null> {
    for (let waited = 0; waited <= WAIT_FOR_OTHERS_MS; waited += WAIT_STEP_MS * 2) {
      const token = await store.acquireLock(`order:${orderId}`, ORDER_LOCK_MS);
      if (token) return token;
      await sleep(WAIT_STEP_MS * 2);
    }
    return null;
  }

  /** Settles the order's open invoice before it is replaced: paid means no new invoice; else cancel it if possible. */
  async function retire(open: InvoiceRecord): Promise<PaidRecord | null> {
    const result = await sharedStatus(open.invoiceId, () => provider.checkStatus(open.invoiceId), now());
    if (effectiveStatus(open, result) === 'PAID') return rememberPaid(open, result);
    if (!provider.cancelInvoice || open.expiresAt <= now()) return null;
    try {
      await provider.cancelInvoice(open.invoiceId);
    } catch (error) {
      // Paid between the check and the cancel: look again. Otherwise it stays payable, and a payment is still reported.
      const again = await sharedStatus(open.invoiceId, () => provider.checkStatus(open.invoiceId), now());
      if (effectiveStatus(open, again) === 'PAID') return rememberPaid(open, again);
      logger.error(
        `could not cancel superseded invoice ${open.invoiceId} of order ${open.orderId}; it stays payable and its payment will still reach onPaid: ${describe(error)}`,
      );
    }
    return null;
  }

  async function openInvoiceFor(order: CheckoutOrder, currency: string): Promise<CreateOutcome> {
    const token = await lockOrder(order.orderId);
    if (!token) throw busy('Another request is creating this order\'s invoice; try again');
    try {
      const paidBy = await store.getOrderPaidBy(order.orderId);
      if (paidBy) return { paidBy };
      const open = await store.getOpenInvoice(order.orderId);
      if (open) {
        if (sameAsk(open, order, currency) && now() < open.expiresAt - reuseMarginMs) return { record: open, created: false };
        const paid = await retire(open);
        if (paid) {
          deliverInBackground(paid);
          return { paidBy: paid.orderPaidBy };
        }
      }
      const reference = await newInvoiceReference(order.orderId);
      const created = await provider.createInvoice(order, { callbackUrl: callbackUrlFor(order.orderId, reference), reference });
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
      };
      await store.openInvoice(record);
      return { record, created: true };
    } finally {
      await store.releaseLock(`order:${order.orderId}`, token);
    }
  }

  async function createInvoice(request: Request): Promise<Response> {
    const parsed = await readJsonBody(request);
    if (parsed instanceof Response) {
      if (parsed.status === 400) logger.error(`No order for POST ${basePath}/invoice: the request body is not valid JSON (400 BAD_JSON)`);
      return parsed;
    }
    let order: CheckoutOrder | null | undefined;
    try {
      // getOrder may read the request itself: it gets one whose body is what was read, within the cap.
      order = await options.getOrder(withBody(request, parsed.text), parsed.body);
    } catch (error) {
      if (error instanceof CheckoutError) return fail(error.status >= 400 && error.status < 600 ? error.status : 400, error.code, error.message);
      logger.error(`getOrder threw: ${describe(error)}`);
      return fail(400, 'ORDER_REJECTED', 'The order could not be read from this request');
    }
    if (order === null || order === undefined) {
      // Say why, in words: an empty body usually means the page posted before its script set the element's `order`.
      const body = parsed.body;
      // Only the body's shape is logged, never its values (an order may carry a customer's details).
      const sent =
        body === undefined
          ? "an empty request body (was the element's order set before it posted?)"
          : body !== null && typeof body === 'object'
            ? `a body with the fields ${Object.keys(body).slice(0, 20).join(', ') || '(none)'}`
            : `a body of type ${body === null ? 'null' : typeof body}`;
      logger.error(`No order for POST ${basePath}/invoice: getOrder returned ${order} for ${sent} (404 ORDER_NOT_FOUND)`);
      return fail(404, 'ORDER_NOT_FOUND', 'No order matches this request');
    }
    const currency = typeof order?.currency === 'string' ? order.currency.toUpperCase() : provider.defaultCurrency;
    const problem = orderProblem(order, currency);
    if (problem) {
      logger.error(`getOrder returned a bad order: ${problem}`);
      return fail(500, 'INVALID_ORDER', `getOrder returned a bad order: ${problem}`);
    }
    const askedOrder = order;

    // Coalesce concurrent requests for one order in this process; a joiner whose amount differs runs its own round.
    let outcome: CreateOutcome | undefined;
    let created = false;
    for (let round = 0; round < 2; round++) {
      let pending = creating.get(askedOrder.orderId);
      const mine = !pending;
      created = mine;
      if (!pending) {
        pending = openInvoiceFor(askedOrder, currency).finally(() => creating.delete(askedOrder.orderId));
        creating.set(askedOrder.orderId, pending);
      }
      try {
        outcome = await pending;
      } catch (error) {
        return failure(error);
      }
      if (mine || 'paidBy' in outcome || sameAsk(outcome.record, askedOrder, currency)) break;
      outcome = undefined;
    }
    if (!outcome) return fail(409, 'ORDER_CHANGED', 'The order changed while its invoice was being created; try again');
    if ('paidBy' in outcome) return fail(409, 'ORDER_ALREADY_PAID', 'This order is already paid', { invoice_id: outcome.paidBy });
    return json(outcome.created && created ? 201 : 200, outcome.record.invoice);
  }

  // ---- GET {basePath}/status/:invoiceId --------------------------------------------------------------------------

  function paidAnswer(paid: PaidRecord): Response {
    return json(200, { status: 'PAID', paid_amount: paid.paidAmount, invoice_id: paid.invoiceId });
  }

  /**
   * Bounds how often per second this process asks the provider about what the store does not know (made-up ids,
   * forged callbacks), so nobody can turn the handler into a flood of provider calls.
   */
  function withinBudget(kind: string, perSecond: number): boolean {
    const second = Math.floor(now() / 1000);
    let budget = lookupBudgets.get(kind);
    if (!budget || budget.second !== second) lookupBudgets.set(kind, (budget = { second, count: 0 }));
    return ++budget.count <= perSecond;
  }

  /**
   * The status of an invoice the store has no record of (it was restarted, or forgot): the provider's own record
   * decides. onPaid waits for the provider's callback, which names the order.
   */
  async function statusFromProvider(invoiceId: string): Promise<Response> {
    let result: StatusResult;
    try {
      result = await sharedStatus(
        invoiceId,
        async () => {
          // Only a call that is really due counts against the budget; shared answers cost nothing.
          if (!withinBudget('unknown-status', UNKNOWN_LOOKUPS_PER_SECOND)) throw busy('Too many lookups of unknown invoices; try again');
          const known = await provider.lookupInvoice(invoiceId);
          if (!known) throw new ProviderError('No invoice with this id was created here', 'INVOICE_NOT_FOUND', 'not-found');
          const answer = await provider.checkStatus(invoiceId);
          // Compare with the provider's own total, as for a recorded invoice; expiry stays the provider's call.
          const status = effectiveStatus({ amount: known.amount, expiresAt: Number.POSITIVE_INFINITY }, answer);
          return { ...answer, status };
        },
        now() - cacheMs + 1,
        false,
      );
    } catch (error) {
      return failure(error);
    }
    return json(200, { status: result.status, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId });
  }

  async function status(invoiceId: string): Promise<Response> {
    if (!isInvoiceId(invoiceId)) return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
    // The store is read once per invoice per process; afterwards a payment shows through the shared status.
    let record = recordMemo.get(invoiceId);
    const known = paidMemo.get(invoiceId) ?? (record ? undefined : await store.getPaid(invoiceId));
    if (known) {
      remember(paidMemo, invoiceId, known);
      deliverInBackground(known);
      return paidAnswer(known);
    }
    record ??= await store.getInvoice(invoiceId);
    if (!record) return statusFromProvider(invoiceId);
    remember(recordMemo, invoiceId, record);
    let result: StatusResult;
    try {
      result = await pollStatus(invoiceId);
    } catch (error) {
      return failure(error);
    }
    const effective = effectiveStatus(record, result);
    if (effective === 'PAID') {
      const paid = await rememberPaid(record, result);
      deliverInBackground(paid);
      return paidAnswer(paid);
    }
    return json(200, { status: effective, paid_amount: result.paidAmount ?? 0, invoice_id: invoiceId });
  }

  // ---- GET {basePath}/events/:invoiceId -------------------------------------------------------------------------

  interface StatusBody {
    status: PaymentStatus;
    paid_amount: number;
    invoice_id: string;
  }
  type StatusListener = (body: StatusBody) => void;
  interface Watcher {
    listeners: Set<StatusListener>;
    stop(): void;
  }
  const watchers = new Map<string, Watcher>();
  let openStreams = 0;

  /**
   * Watches one invoice for every stream of this process: the status route's answer every `cacheMs` (so a shop whose
   * callback never arrives still learns of the payment, at the same coalesced pace as polling), and the store's
   * channel, where any process that confirms a payment announces it at once.
   */
  function startWatcher(invoiceId: string): Watcher {
    const listeners = new Set<StatusListener>();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => unknown) | undefined;
    const tell = (body: StatusBody) => {
      for (const listener of [...listeners]) listener(body);
    };
    const tick = async () => {
      try {
        const answer = await status(invoiceId);
        if (answer.ok) tell((await answer.json()) as StatusBody);
      } catch {
        // status() answers failures itself; a thrown error here is a bug already logged there.
      }
      if (!stopped) timer = setTimeout(tick, cacheMs);
    };
    timer = setTimeout(tick, cacheMs);
    Promise.resolve(
      store.subscribe(`status:${invoiceId}`, (message) => {
        try {
          tell(JSON.parse(message) as StatusBody);
        } catch {
          // Not ours: the channel carries JSON status bodies only.
        }
      }),
    )
      .then((stop) => {
        if (stopped) void stop();
        else unsubscribe = stop;
      })
      .catch((error) => logger.error(`could not listen for payments of invoice ${invoiceId}; its streams rely on checking: ${describe(error)}`));
    return {
      listeners,
      stop() {
        stopped = true;
        clearTimeout(timer);
        void Promise.resolve(unsubscribe?.()).catch(() => {});
      },
    };
  }

  function watch(invoiceId: string, listener: StatusListener): () => void {
    let watcher = watchers.get(invoiceId);
    if (!watcher) watchers.set(invoiceId, (watcher = startWatcher(invoiceId)));
    const mine = watcher;
    mine.listeners.add(listener);
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size > 0 || watchers.get(invoiceId) !== mine) return;
      watchers.delete(invoiceId);
      mine.stop();
    };
  }

  /** The event id of a status: the same status and amount is the same event, whichever process sends it. */
  const eventId = (body: StatusBody) => `${body.status}.${cents(body.paid_amount)}`;

  async function events(invoiceId: string, request: Request): Promise<Response> {
    const first = await status(invoiceId);
    if (!first.ok) return first;
    if (openStreams >= MAX_STREAMS) {
      return fail(503, 'TOO_MANY_STREAMS', 'Too many open event streams; poll the status route instead', {}, { 'Retry-After': '30' });
    }
    const firstBody = (await first.json()) as StatusBody;
    const encoder = new TextEncoder();
    let lastId = request.headers.get('last-event-id');
    let end = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        openStreams += 1;
        let ended = false;
        let stopWatching = () => {};
        const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': keep-alive\n\n')), heartbeatMs);
        end = () => {
          if (ended) return;
          ended = true;
          openStreams -= 1;
          clearInterval(heartbeat);
          stopWatching();
          request.signal.removeEventListener('abort', end);
          try {
            controller.close();
          } catch {
            // Already closed by the reader going away.
          }
        };
        const send = (body: StatusBody) => {
          if (ended) return;
          const id = eventId(body);
          if (id !== lastId) {
            lastId = id;
            controller.enqueue(encoder.encode(`id: ${id}\nevent: status\ndata: ${JSON.stringify(body)}\n\n`));
          }
          if (FINAL_STATUSES.includes(body.status)) end();
        };
        controller.enqueue(encoder.encode(`retry: ${STREAM_RETRY_MS}\n\n`));
        send(firstBody);
        if (ended) return;
        stopWatching = watch(invoiceId, send);
        if (request.signal.aborted) end();
        else request.signal.addEventListener('abort', end);
      },
      cancel() {
        end();
      },
    });
    return new Response(stream, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        // Proxies must neither buffer nor compress the stream, or events arrive late or in bunches.
        'Cache-Control': 'no-store, no-transform',
        'X-Accel-Buffering': 'no',
      },
    });
  }

  // ---- {basePath}/callback ---------------------------------------------------------------------------------------

  const notFound = () => fail(404, 'INVOICE_NOT_FOUND', 'The callback names no invoice created here');

  /**
   * Rebuilds the record of an invoice the store forgot, from the provider, for a callback. The callback URL's
   * `order` and `ref` must belong together, and the provider must vouch for `ref`: QPay keeps it as the invoice's
   * `sender_invoice_no`; TBank keeps none, so its notification must carry a valid signature.
   */
  async function rebuild(invoiceId: string, orderId: string | null, reference: string | null, authentic: boolean): Promise<InvoiceRecord | null> {
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

  async function callback(request: Request, url: URL): Promise<Response> {
    const arrived = now();
    const orderId = url.searchParams.get('order');
    const reference = url.searchParams.get('ref');
    if (orderId !== null && (!orderId || orderId.length > 128)) return fail(400, 'BAD_ORDER_ID', 'The order id is malformed');
    if (reference !== null && !REFERENCE_PATTERN.test(reference)) return fail(400, 'BAD_REFERENCE', 'The invoice reference is malformed');

    let record = reference ? await store.getInvoiceByReference(reference) : undefined;
    if (!record) {
      // Not ours by reference (an older callback URL, or a store that forgot): the provider says which invoice.
      if (!withinBudget('unplaced-callback', UNPLACED_CALLBACKS_PER_SECOND)) {
        return fail(503, 'CALLBACK_BUSY', 'Too many callbacks to look up; try again', {}, { 'Retry-After': '2' });
      }
      let readable = request;
      if (request.method === 'POST') {
        const read = await readCappedText(request);
        if (read instanceof Response) return read;
        readable = withBody(request, read.text);
      }
      let claim;
      try {
        claim = await provider.readCallback(readable);
      } catch (error) {
        return failure(error);
      }
      if (!claim.invoiceId || !isInvoiceId(claim.invoiceId)) return notFound();
      record = (await store.getInvoice(claim.invoiceId)) ?? undefined;
      if (!record) {
        try {
          record = (await rebuild(claim.invoiceId, orderId, reference, claim.authentic)) ?? undefined;
        } catch (error) {
          return failure(error);
        }
        if (!record) return notFound();
      }
    }
    if ((orderId !== null && record.orderId !== orderId) || (reference !== null && record.reference !== reference)) return notFound();

    let paid = await store.getPaid(record.invoiceId);
    if (!paid) {
      let result: StatusResult;
      try {
        // An answer from before this callback arrived may predate the payment: only a newer one counts.
        const invoiceId = record.invoiceId;
        result = await sharedStatus(invoiceId, () => provider.checkStatus(invoiceId), arrived);
      } catch (error) {
        return failure(error);
      }
      // Not (fully) paid according to the provider: acknowledge, do nothing (the poll keeps watching).
      if (effectiveStatus(record, result) !== 'PAID') return provider.callbackResponse();
      paid = await rememberPaid(record, result);
    }
    const delivery = await deliver(paid);
    if (delivery.state === 'done') return provider.callbackResponse();
    if (delivery.state === 'busy') {
      return fail(503, 'ON_PAID_PENDING', 'The payment is confirmed; the shop is still recording it', {}, { 'Retry-After': '5' });
    }
    return fail(500, 'ON_PAID_FAILED', 'The payment is confirmed but the shop could not record it yet');
  }

  // ---- routing --------------------------------------------------------------------------------------------------

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return fail(404, 'NOT_FOUND', 'No such endpoint');
    const rest = path.slice(basePath.length).replace(/\/+$/, '');
    const method = request.method.toUpperCase();

    if (rest === '/invoice') {
      if (method !== 'POST') return methodNotAllowed('POST');
      return createInvoice(request);
    }
    const statusMatch = /^\/status\/([^/]+)$/.exec(rest);
    if (statusMatch) {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD');
      let id: string;
      try {
        id = decodeURIComponent(statusMatch[1]!);
      } catch {
        return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
      }
      return status(id);
    }
    if (rest === '/status') return fail(400, 'BAD_INVOICE_ID', 'The invoice id is missing');
    const eventsMatch = /^\/events\/([^/]+)$/.exec(rest);
    if (eventsMatch) {
      if (method !== 'GET') return methodNotAllowed('GET');
      let id: string;
      try {
        id = decodeURIComponent(eventsMatch[1]!);
      } catch {
        return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
      }
      return events(id, request);
    }
    if (rest === '/callback') {
      if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
      return callback(request, url);
    }
    return fail(404, 'NOT_FOUND', 'No such endpoint');
  }

  const handler = async (request: Request): Promise<Response> => {
    try {
      return await route(request);
    } catch (error) {
      return failure(error);
    }
  };
  const idle = async (): Promise<void> => {
    while (background.size > 0) await Promise.allSettled([...background]);
  };
  return Object.assign(handler, { basePath, idle });
}
