// The merchant's checkout endpoints as one Web Fetch handler, provider-agnostic:
//   POST {basePath}/invoice            the order's invoice (one open invoice per order)
//   GET  {basePath}/status/:invoiceId  {status, paid_amount}, at most one provider call per invoice per ~second
//   GET  {basePath}/callback           the provider's notification, confirmed before anything happens
// onPaid runs exactly once per invoice, whichever of callback and poll sees the payment first.
import type { PaymentStatus } from '../core/types.js';
import { QPayClient } from './qpay-client.js';
import { QPayProvider } from './qpay-provider.js';
import { ProviderError, type CheckoutOrder, type CheckoutProvider, type StatusResult } from './provider.js';
import { MemoryStore, type CheckoutStore, type InvoiceRecord, type MaybePromise, type PaidRecord } from './store.js';

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
}

export interface CheckoutLogger {
  error(message: string): void;
}

interface CommonOptions {
  /**
   * Absolute URL of `{basePath}/callback` as the provider can reach it, e.g.
   * `https://shop.example/qpay/callback`. The handler adds `order=<orderId>` to it.
   */
  callbackUrl: string;
  /** The order the request is about, from the shop's own data (never the browser's amount). */
  getOrder: (request: Request, body: unknown) => MaybePromise<CheckoutOrder | null | undefined>;
  /**
   * Called once per invoice after the provider confirmed full payment. If it throws, the payment
   * stays remembered and onPaid is tried again at the next callback or status request for that
   * invoice (the callback is then answered 500 so the provider may retry).
   */
  onPaid: (event: PaidEvent) => MaybePromise<void>;
  /** Default `/qpay`. */
  basePath?: string;
  /** Default: a MemoryStore (one process). */
  store?: CheckoutStore;
  /** How long a status answer is reused for all pollers of an invoice (default 1000 ms). */
  statusCacheMs?: number;
  /** An open invoice is handed out again only if it stays payable at least this long (default 60000 ms). */
  reuseMarginMs?: number;
  /** Default: console.error. Messages never contain credentials or tokens. */
  logger?: CheckoutLogger;
  now?: () => number;
}

export type CheckoutHandlerOptions = CommonOptions &
  ({ provider: CheckoutProvider; client?: never; invoiceCode?: never } | { client: QPayClient; invoiceCode: string; provider?: never });

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The prefix the handler answers under (adapters use it to pass other requests on). */
  readonly basePath: string;
};

const MAX_BODY_BYTES = 64 * 1024;
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

function fail(status: number, error: string, message: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { error, message, ...extra });
}

function methodNotAllowed(allow: string): Response {
  return json(405, { error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` }, { Allow: allow });
}

function normalizeBasePath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, '')}`;
  return trimmed === '/' ? '' : trimmed;
}

/** Checks what `getOrder` returned; a bad order is the shop's bug, so the answer is 500. */
function orderProblem(order: CheckoutOrder): string | null {
  if (typeof order !== 'object') return 'getOrder must return an object';
  if (typeof order.orderId !== 'string' || !order.orderId.trim()) return 'orderId must be a non-empty string';
  if (order.orderId.length > 128) return 'orderId is longer than 128 characters';
  if (typeof order.amount !== 'number' || !Number.isFinite(order.amount) || order.amount <= 0) {
    return 'amount must be a finite number greater than 0';
  }
  if (order.currency !== undefined && !/^[A-Za-z]{3}$/.test(order.currency)) return 'currency must be an ISO 4217 code';
  if (order.description !== undefined && typeof order.description !== 'string') return 'description must be a string';
  return null;
}

/** Amounts compared in minor units so 100.1 + 0.2 style sums do not miss by a hair. */
const cents = (n: number) => Math.round(n * 100);

export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  if (!options || typeof options !== 'object') throw new TypeError('createCheckoutHandler: options are required');
  if (typeof options.getOrder !== 'function') throw new TypeError('createCheckoutHandler: getOrder is required');
  if (typeof options.onPaid !== 'function') throw new TypeError('createCheckoutHandler: onPaid is required');
  let callbackBase: URL;
  try {
    callbackBase = new URL(options.callbackUrl);
  } catch {
    throw new TypeError('createCheckoutHandler: callbackUrl must be an absolute URL');
  }
  const now = options.now ?? Date.now;
  const provider: CheckoutProvider = options.provider
    ? options.provider
    : options.client
      ? new QPayProvider({ client: options.client, invoiceCode: options.invoiceCode, now })
      : (() => {
          throw new TypeError('createCheckoutHandler: give a provider, or a QPay client and invoiceCode');
        })();
  const basePath = normalizeBasePath(options.basePath ?? '/qpay');
  const store = options.store ?? new MemoryStore({ now });
  const cacheMs = options.statusCacheMs ?? 1000;
  const reuseMarginMs = options.reuseMarginMs ?? 60_000;
  const logger: CheckoutLogger = options.logger ?? { error: (message) => console.error(`[qpay-checkout] ${message}`) };

  // Per-process coalescing: one creation per order, one status check per invoice, one onPaid run.
  const creating = new Map<string, Promise<{ record: InvoiceRecord; created: boolean } | { paid: InvoiceRecord }>>();
  const checking = new Map<string, Promise<StatusResult>>();
  const confirming = new Map<string, Promise<StatusResult>>();
  const statusCache = new Map<string, { at: number; result: StatusResult }>();
  const delivering = new Map<string, Promise<boolean>>();

  function callbackUrlFor(orderId: string): string {
    const url = new URL(callbackBase.href);
    url.searchParams.set('order', orderId);
    return url.href;
  }

  function describe(error: unknown): string {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  /** Maps a failure while talking to the provider (or the store around it) to an answer. */
  function providerFailure(error: unknown): Response {
    if (error instanceof ProviderError) {
      if (error.kind === 'invalid-request') return fail(500, 'INVALID_ORDER', error.message, { code: error.code });
      return fail(502, 'PROVIDER_ERROR', error.message, { code: error.code, provider: provider.name });
    }
    // Not a provider answer: a store failure or a bug. Log it; the browser learns nothing internal.
    logger.error(`checkout handler error: ${describe(error)}`);
    return fail(500, 'INTERNAL_ERROR', 'Unexpected server error');
  }

  // ---- status discovery -------------------------------------------------------------------

  function sweepCache(): void {
    if (statusCache.size < 1000) return;
    const cutoff = now() - cacheMs;
    for (const [id, entry] of statusCache) if (entry.at < cutoff) statusCache.delete(id);
  }

  /** A status for pollers: cached for `cacheMs`, one provider call in flight per invoice. */
  function pollStatus(invoiceId: string): Promise<StatusResult> {
    const cached = statusCache.get(invoiceId);
    if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.result);
    let pending = checking.get(invoiceId);
    if (!pending) {
      pending = provider
        .checkStatus(invoiceId)
        .then((result) => {
          sweepCache();
          statusCache.set(invoiceId, { at: now(), result });
          return result;
        })
        .finally(() => checking.delete(invoiceId));
      checking.set(invoiceId, pending);
    }
    return pending;
  }

  /** A fresh status for a callback (a cached NEW may predate the payment); one per invoice at a time. */
  function confirmStatus(invoiceId: string): Promise<StatusResult> {
    let pending = confirming.get(invoiceId);
    if (!pending) {
      pending = provider
        .checkStatus(invoiceId)
        .then((result) => {
          statusCache.set(invoiceId, { at: now(), result });
          return result;
        })
        .finally(() => confirming.delete(invoiceId));
      confirming.set(invoiceId, pending);
    }
    return pending;
  }

  /** PAID only when the provider says so and the paid amount covers the invoice (partial payments stay NEW). */
  function effectiveStatus(record: InvoiceRecord, result: StatusResult): PaymentStatus {
    if (result.status === 'PAID') {
      const paid = result.paidAmount;
      if (paid !== undefined && cents(paid) < cents(record.amount)) return 'NEW';
      return 'PAID';
    }
    if (result.status === 'NEW' && now() >= record.expiresAt) return 'EXPIRED';
    return result.status;
  }

  async function rememberPaid(record: InvoiceRecord, result: StatusResult): Promise<PaidRecord> {
    await store.markPaid({
      invoiceId: record.invoiceId,
      orderId: record.orderId,
      paidAmount: result.paidAmount ?? record.amount,
      paidAt: now(),
      payment: result.raw,
    });
    return (await store.getPaid(record.invoiceId))!;
  }

  /**
   * Runs onPaid unless it already ran. True when onPaid has succeeded (now or before) or another
   * process holds the claim; false when it threw (released for the next discovery).
   */
  function deliverOnPaid(record: InvoiceRecord, paid: PaidRecord): Promise<boolean> {
    let pending = delivering.get(record.invoiceId);
    if (!pending) {
      pending = (async () => {
        const claim = await store.claimOnPaid(record.invoiceId);
        if (claim !== 'claimed') return true;
        try {
          await options.onPaid({
            invoiceId: record.invoiceId,
            orderId: record.orderId,
            paidAmount: paid.paidAmount,
            amount: record.amount,
            currency: record.currency,
            provider: record.provider,
            payment: paid.payment,
          });
        } catch (error) {
          logger.error(`onPaid failed for invoice ${record.invoiceId} (order ${record.orderId}); it will be retried: ${describe(error)}`);
          await store.finishOnPaid(record.invoiceId, false);
          return false;
        }
        await store.finishOnPaid(record.invoiceId, true);
        return true;
      })().finally(() => delivering.delete(record.invoiceId));
      delivering.set(record.invoiceId, pending);
    }
    return pending;
  }

  // ---- routes -----------------------------------------------------------------------------

  async function readJsonBody(request: Request): Promise<{ body: unknown } | Response> {
    const length = Number(request.headers.get('content-length') ?? '0');
    if (length > MAX_BODY_BYTES) return fail(413, 'BODY_TOO_LARGE', `Request body is larger than ${MAX_BODY_BYTES} bytes`);
    const text = await request.clone().text();
    if (text.length > MAX_BODY_BYTES) return fail(413, 'BODY_TOO_LARGE', `Request body is larger than ${MAX_BODY_BYTES} bytes`);
    if (!text.trim()) return { body: undefined };
    const type = request.headers.get('content-type') ?? '';
    if (!type.includes('json')) return { body: text };
    try {
      return { body: JSON.parse(text) as unknown };
    } catch {
      return fail(400, 'BAD_JSON', 'Request body is not valid JSON');
    }
  }

  async function openInvoiceFor(order: CheckoutOrder, currency: string) {
    const latest = await store.getLatestInvoiceForOrder(order.orderId);
    if (latest) {
      if (await store.getPaid(latest.invoiceId)) return { paid: latest };
      const sameAsk = cents(latest.amount) === cents(order.amount) && latest.currency === currency;
      if (sameAsk && now() < latest.expiresAt - reuseMarginMs) return { record: latest, created: false };
      // Before issuing a second invoice, make sure the customer did not pay the first one meanwhile.
      const result = await confirmStatus(latest.invoiceId);
      if (effectiveStatus(latest, result) === 'PAID') {
        const paid = await rememberPaid(latest, result);
        await deliverOnPaid(latest, paid);
        return { paid: latest };
      }
    }
    const created = await provider.createInvoice(order, callbackUrlFor(order.orderId));
    const record: InvoiceRecord = {
      invoiceId: created.invoiceId,
      orderId: order.orderId,
      provider: provider.name,
      amount: order.amount,
      currency,
      expiresAt: created.expiresAt,
      createdAt: now(),
      invoice: created.invoice,
    };
    await store.saveInvoice(record);
    return { record, created: true };
  }

  async function createInvoice(request: Request): Promise<Response> {
    const parsed = await readJsonBody(request);
    if (parsed instanceof Response) {
      if (parsed.status === 400) logger.error(`No order for POST ${basePath}/invoice: the request body is not valid JSON (400 BAD_JSON)`);
      return parsed;
    }
    let order: CheckoutOrder | null | undefined;
    try {
      order = await options.getOrder(request, parsed.body);
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
    const problem = orderProblem(order);
    if (problem) {
      logger.error(`getOrder returned a bad order: ${problem}`);
      return fail(500, 'INVALID_ORDER', `getOrder returned a bad order: ${problem}`);
    }
    const currency = (order.currency ?? (provider.name === 'qpay' ? 'MNT' : 'RUB')).toUpperCase();
    const askedOrder = order;

    // Coalesce concurrent requests for one order; a joiner whose amount differs runs its own round.
    let outcome;
    for (let round = 0; round < 2; round++) {
      let pending = creating.get(askedOrder.orderId);
      const mine = !pending;
      if (!pending) {
        pending = openInvoiceFor(askedOrder, currency).finally(() => creating.delete(askedOrder.orderId));
        creating.set(askedOrder.orderId, pending);
      }
      try {
        outcome = await pending;
      } catch (error) {
        return providerFailure(error);
      }
      const record = 'record' in outcome ? outcome.record : outcome.paid;
      if (mine || (cents(record.amount) === cents(askedOrder.amount) && record.currency === currency)) break;
      outcome = undefined;
    }
    if (!outcome) return fail(409, 'ORDER_CHANGED', 'The order changed while its invoice was being created; try again');
    if ('paid' in outcome) {
      return fail(409, 'ORDER_ALREADY_PAID', 'This order is already paid', { invoice_id: outcome.paid.invoiceId });
    }
    return json(outcome.created ? 201 : 200, outcome.record.invoice);
  }

  async function status(invoiceId: string): Promise<Response> {
    if (!ID_PATTERN.test(invoiceId)) return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
    const record = await store.getInvoice(invoiceId);
    if (!record) return fail(404, 'INVOICE_NOT_FOUND', 'No invoice with this id was created here');
    const known = await store.getPaid(invoiceId);
    if (known) {
      await deliverOnPaid(record, known);
      return json(200, { status: 'PAID', paid_amount: known.paidAmount });
    }
    let result: StatusResult;
    try {
      result = await pollStatus(invoiceId);
    } catch (error) {
      return providerFailure(error);
    }
    const effective = effectiveStatus(record, result);
    if (effective === 'PAID') {
      const paid = await rememberPaid(record, result);
      await deliverOnPaid(record, paid);
      return json(200, { status: 'PAID', paid_amount: paid.paidAmount });
    }
    return json(200, { status: effective, paid_amount: result.paidAmount ?? 0 });
  }

  async function callback(request: Request, url: URL): Promise<Response> {
    let record: InvoiceRecord | undefined;
    try {
      const orderId = url.searchParams.get('order');
      const invoiceId = url.searchParams.get('invoice');
      if (invoiceId && ID_PATTERN.test(invoiceId)) record = await store.getInvoice(invoiceId);
      else if (orderId && orderId.length <= 128) record = await store.getLatestInvoiceForOrder(orderId);
      else {
        const claimed = await provider.invoiceIdFromCallback(request);
        if (claimed && ID_PATTERN.test(claimed)) record = await store.getInvoice(claimed);
      }
    } catch (error) {
      return providerFailure(error);
    }
    if (!record) return fail(404, 'INVOICE_NOT_FOUND', 'The callback names no invoice created here');
    let paid = await store.getPaid(record.invoiceId);
    if (!paid) {
      let result: StatusResult;
      try {
        result = await confirmStatus(record.invoiceId);
      } catch (error) {
        return providerFailure(error);
      }
      // Not (fully) paid according to the provider: acknowledge, do nothing (the poll keeps watching).
      if (effectiveStatus(record, result) !== 'PAID') return provider.callbackResponse();
      paid = await rememberPaid(record, result);
    }
    const delivered = await deliverOnPaid(record, paid);
    if (!delivered) return fail(500, 'ON_PAID_FAILED', 'The payment is confirmed but the shop could not record it yet');
    return provider.callbackResponse();
  }

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
      logger.error(`checkout handler error: ${describe(error)}`);
      return fail(500, 'INTERNAL_ERROR', 'Unexpected server error');
    }
  };
  return Object.assign(handler, { basePath });
}
