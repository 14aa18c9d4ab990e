// msw handlers that behave like the QPay v2 merchant sandbox, plus controls for tests and demos:
// pay an invoice (fully or in part), expire tokens, inject failures and delays, count calls.
// Runs under msw/node and in the browser (setupWorker): only web APIs and `qrcode`'s
// `toDataURL`, which both its Node and browser builds provide.
import { HttpResponse, delay as mswDelay, http, type HttpHandler } from 'msw';
import QRCode from 'qrcode';
import { QPAY_BANKS } from './qpay-banks.js';
import { buildQPayQrText } from './qpay-emv.js';
import { deliverCallback, type MockPayOptions } from './callback.js';

export const QPAY_MOCK_SANDBOX_URL = 'https://merchant-sandbox.qpay.mn';

export interface QPayMockOptions {
  baseUrl?: string;
  /** Defaults to the sandbox's public test pair TEST_MERCHANT / 123456. */
  clientId?: string;
  clientSecret?: string;
  /** When set, other invoice codes are refused with INVOICE_CODE_INVALID. */
  invoiceCode?: string;
  merchantName?: string;
  city?: string;
  /** Access token lifetime in seconds (default 86400, as the sandbox). */
  tokenTtlSeconds?: number;
  /** Clock in epoch ms; tokens' `expires_in` is derived from it. */
  now?: () => number;
  /** Draw `qr_image` (default true). Off makes invoice creation cheaper in big tests. */
  drawQrImage?: boolean;
}

export type QPayMockEndpoint =
  | 'auth/token'
  | 'auth/refresh'
  | 'invoice/create'
  | 'invoice/get'
  | 'invoice/cancel'
  | 'payment/get'
  | 'payment/check'
  | 'payment/cancel'
  | 'payment/refund'
  | 'payment/list';

export interface QPayMockCall {
  endpoint: QPayMockEndpoint;
  method: string;
  path: string;
}

export interface QPayMockCalls {
  /** Every request the mock answered, oldest first. */
  readonly log: readonly QPayMockCall[];
  /** Requests to one endpoint, or to all when omitted. */
  count(endpoint?: QPayMockEndpoint): number;
  clear(): void;
}

/**
 * What `failNext` matches: an endpoint name (`'payment/check'`), a path prefix (`'/v2/invoice'`),
 * a method and path prefix (`'DELETE /v2/invoice'`), a RegExp tested against `'METHOD /path'`, or
 * a function.
 */
export type QPayMockMatcher = string | RegExp | ((request: Request, endpoint: QPayMockEndpoint) => boolean);
export type QPayMockFailure = { status: number; body?: unknown } | 'network';

export interface QPayMockInvoice {
  invoice_id: string;
  invoice_code: string;
  sender_invoice_no: string;
  invoice_receiver_code: string;
  invoice_description: string;
  amount: number;
  callback_url?: string;
  allow_partial: boolean;
  status: 'OPEN' | 'CLOSED' | 'CANCELED';
  qr_text: string;
  created_date: string;
  payment_ids: string[];
}

export interface QPayMockPayment {
  payment_id: string;
  invoice_id: string;
  payment_status: 'PAID' | 'REFUNDED' | 'FAILED' | 'NEW';
  payment_amount: number;
  payment_fee: number;
  payment_date: string;
  payment_wallet: string;
  settled: boolean;
}

export interface QPayMockPaid {
  paymentId: string;
  amount: number;
  /** Whether the invoice is now paid in full. */
  invoicePaid: boolean;
  /** The invoice's `callback_url` with `qpay_payment_id` appended, as QPay would call it. */
  callbackUrl?: string;
  /**
   * QPay's callback (a GET of `callbackUrl`) on its way, when the invoice has a callback URL and `pay` was
   * not told `{callback: false}`: resolves to the shop's answer, rejects when it could not be sent.
   */
  delivery?: Promise<Response>;
}

export interface QPayMockControls {
  /**
   * Pays an invoice: the rest of its amount by default, or `amount` (a part). Then, as QPay does, calls the
   * invoice's `callback_url` (unless `{callback: false}`; `fetch` to deliver it another way).
   */
  pay(invoiceId: string, amount?: number, options?: MockPayOptions): QPayMockPaid;
  /** Makes every issued access token expired; with `{refresh: true}` the refresh tokens too. */
  expireTokens(options?: { refresh?: boolean }): void;
  /** Answers the next matching request (or the next `times`) with this failure instead. */
  failNext(matcher: QPayMockMatcher, failure: QPayMockFailure, times?: number): void;
  /** Delays every answer by `ms` (0 to stop). */
  delay(ms: number): void;
  /** Marks a payment settled: cancel and refund then answer PAYMENT_SETTLED. */
  settle(paymentId: string): void;
  readonly calls: QPayMockCalls;
  invoice(invoiceId: string): QPayMockInvoice | undefined;
  payment(paymentId: string): QPayMockPayment | undefined;
  /** Every invoice, oldest first. */
  invoices(): QPayMockInvoice[];
  /** Forgets all state, failures, delay and calls (handlers stay valid). */
  reset(): void;
}

export interface QPayMock {
  handlers: HttpHandler[];
  controls: QPayMockControls;
}

const money = (n: number) => n.toFixed(2);

function randomToken(kind: string): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ kind, id: crypto.randomUUID() })}.${crypto.randomUUID().replace(/-/g, '')}`;
}

function qpayError(status: number, code: string, message: string = code) {
  return HttpResponse.json({ error: code, message }, { status });
}

/** QPay's validation shape: the same nested object in `error` and `message`. */
function fieldError(field: string, type: string, message: string) {
  const detail = { [field]: { type, message } };
  return HttpResponse.json({ error: detail, message: detail }, { status: 400 });
}

async function readJson(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await request.text();
    if (!text.trim()) return {};
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const INVOICE_FIELDS: Array<[field: string, max: number, required: boolean]> = [
  ['invoice_code', 45, true],
  ['sender_invoice_no', 45, true],
  ['invoice_receiver_code', 45, true],
  ['invoice_description', 255, true],
  ['sender_branch_code', 45, false],
  ['sender_staff_code', 100, false],
  ['sender_terminal_code', 45, false],
  ['callback_url', 255, false],
  ['note', 1000, false],
];

/** Amount of a full-form invoice given as lines: Σ qty × price − discounts + surcharges + taxes. */
function amountFromLines(lines: unknown): number {
  if (!Array.isArray(lines)) return NaN;
  const sum = (list: unknown) =>
    Array.isArray(list) ? list.reduce((s: number, x: { amount?: unknown }) => s + Number(x?.amount ?? 0), 0) : 0;
  return lines.reduce((total: number, line: Record<string, unknown>) => {
    const base = Number(line?.line_quantity) * Number(line?.line_unit_price);
    return total + base - sum(line?.discounts) + sum(line?.surcharges) + sum(line?.taxes);
  }, 0);
}

/** A payment check or list request: an object reference and a page, or QPay's error answer for what is wrong. */
async function readObjectPageRequest(
  request: Request,
): Promise<{ body: Record<string, unknown>; page: number; limit: number } | Response> {
  const body = await readJson(request);
  if (!body) return qpayError(400, 'INVALID_REQUEST', 'Body must be a JSON object');
  if (!body.object_type) return fieldError('object_type', 'REQUIRED', 'Required!');
  if (!body.object_id) return fieldError('object_id', 'REQUIRED', 'Required!');
  const paging = pageOf(body);
  return paging instanceof Response ? paging : { body, ...paging };
}

function pageOf(body: Record<string, unknown>): { page: number; limit: number } | Response {
  const offset = (body.offset ?? {}) as Record<string, unknown>;
  const page = offset.page_number === undefined ? 1 : Number(offset.page_number);
  const limit = offset.page_limit === undefined ? 100 : Number(offset.page_limit);
  if (!Number.isFinite(page) || page < 1) return fieldError('page_number', 'MIN_NUMBER', 'Number min value [1]!');
  if (!Number.isFinite(limit) || limit < 1) return fieldError('page_limit', 'MIN_NUMBER', 'Number min value [1]!');
  if (limit > 100) return fieldError('page_limit', 'MAX_NUMBER', 'Number max value [100]!');
  return { page, limit };
}

export function createQPayMock(options: QPayMockOptions = {}): QPayMock {
  const baseUrl = (options.baseUrl ?? QPAY_MOCK_SANDBOX_URL).replace(/\/+$/, '');
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const clientId = options.clientId ?? 'TEST_MERCHANT';
  const clientSecret = options.clientSecret ?? '123456';
  const merchantName = options.merchantName ?? 'TEST_MERCHANT';
  const city = options.city ?? 'Ulaanbaatar';
  const ttl = options.tokenTtlSeconds ?? 86_400;
  const now = options.now ?? Date.now;
  const drawQr = options.drawQrImage ?? true;

  let accessTokens = new Map<string, number>();
  let refreshTokens = new Map<string, number>();
  let invoices = new Map<string, QPayMockInvoice>();
  let payments = new Map<string, QPayMockPayment>();
  let failures: Array<{ matcher: QPayMockMatcher; failure: QPayMockFailure; remaining: number }> = [];
  let delayMs = 0;
  let log: QPayMockCall[] = [];
  let paymentSeq = 0;

  const nowSeconds = () => Math.floor(now() / 1000);

  const calls: QPayMockCalls = {
    get log() {
      return log;
    },
    count: (endpoint) => (endpoint ? log.filter((c) => c.endpoint === endpoint).length : log.length),
    clear: () => {
      log = [];
    },
  };

  function issueTokens() {
    const expires_in = nowSeconds() + ttl;
    const refresh_expires_in = expires_in;
    const access_token = randomToken('access');
    const refresh_token = randomToken('refresh');
    accessTokens.set(access_token, expires_in);
    refreshTokens.set(refresh_token, refresh_expires_in);
    return {
      token_type: 'bearer',
      refresh_expires_in,
      refresh_token,
      access_token,
      expires_in,
      scope: 'get_token',
      'not-before-policy': '0',
      session_state: 'sandbox',
    };
  }

  /** The failure to answer instead, if one matches this request. */
  function takeFailure(request: Request, endpoint: QPayMockEndpoint): QPayMockFailure | undefined {
    const path = new URL(request.url).pathname.slice(basePath.length);
    const line = `${request.method} ${path}`;
    const index = failures.findIndex(({ matcher }) => {
      if (typeof matcher === 'function') return matcher(request, endpoint);
      if (matcher instanceof RegExp) return matcher.test(line);
      if (matcher.startsWith('/')) return path.startsWith(matcher);
      if (/^[A-Z]+ \//.test(matcher)) return line.startsWith(matcher);
      return matcher === endpoint;
    });
    if (index < 0) return undefined;
    const entry = failures[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.failure;
  }

  type Resolver = (request: Request, params: Record<string, string>) => Promise<Response> | Response;

  /** Logging, injected delay and failures around every endpoint; bearer auth where QPay wants it. */
  function endpoint(endpointName: QPayMockEndpoint, needsBearer: boolean, resolve: Resolver): Parameters<typeof http.get>[1] {
    return async ({ request, params }) => {
      log.push({ endpoint: endpointName, method: request.method, path: new URL(request.url).pathname.slice(basePath.length) });
      if (delayMs > 0) await mswDelay(delayMs);
      const failure = takeFailure(request, endpointName);
      if (failure === 'network') return HttpResponse.error();
      if (failure) {
        return typeof failure.body === 'string' || failure.body === undefined
          ? new HttpResponse(failure.body ?? '', { status: failure.status, headers: { 'Content-Type': 'text/plain' } })
          : HttpResponse.json(failure.body as Record<string, unknown>, { status: failure.status });
      }
      if (needsBearer) {
        const auth = request.headers.get('authorization') ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        if (!token) return qpayError(401, 'NO_CREDENDIALS');
        const expires = accessTokens.get(token);
        if (expires === undefined || expires <= nowSeconds()) return qpayError(401, 'NO_CREDENDIALS');
      }
      const stringParams: Record<string, string> = {};
      for (const [key, value] of Object.entries(params)) if (typeof value === 'string') stringParams[key] = value;
      return resolve(request, stringParams);
    };
  }

  function paymentRow(p: QPayMockPayment) {
    return {
      payment_id: p.payment_id,
      payment_status: p.payment_status,
      payment_date: p.payment_date,
      payment_fee: money(p.payment_fee),
      payment_amount: money(p.payment_amount),
      payment_currency: 'MNT',
      payment_wallet: p.payment_wallet,
      transaction_type: 'P2P',
    };
  }

  function paidSoFar(invoice: QPayMockInvoice): number {
    return invoice.payment_ids
      .map((id) => payments.get(id)!)
      .filter((p) => p.payment_status === 'PAID')
      .reduce((sum, p) => sum + p.payment_amount, 0);
  }

  const url = (path: string) => `${baseUrl}${path}`;

  const handlers: HttpHandler[] = [
    http.post(
      url('/v2/auth/token'),
      endpoint('auth/token', false, (request) => {
        const auth = request.headers.get('authorization') ?? '';
        const encoded = /^Basic\s+(.+)$/i.exec(auth)?.[1];
        if (!encoded) return qpayError(401, 'NO_CREDENDIALS');
        let decoded = '';
        try {
          decoded = new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
        } catch {
          return qpayError(401, 'AUTHENTICATION_FAILED');
        }
        const split = decoded.indexOf(':');
        if (split < 0 || decoded.slice(0, split) !== clientId || decoded.slice(split + 1) !== clientSecret) {
          return qpayError(401, 'AUTHENTICATION_FAILED');
        }
        return HttpResponse.json(issueTokens());
      }),
    ),

    http.post(
      url('/v2/auth/refresh'),
      endpoint('auth/refresh', false, (request) => {
        const token = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
        if (!token) return qpayError(401, 'NO_CREDENDIALS');
        const expires = refreshTokens.get(token);
        if (expires === undefined || expires <= nowSeconds()) return qpayError(401, 'AUTHENTICATION_FAILED');
        refreshTokens.delete(token);
        return HttpResponse.json(issueTokens());
      }),
    ),

    http.post(
      url('/v2/invoice'),
      endpoint('invoice/create', true, async (request) => {
        const body = await readJson(request);
        if (!body) return qpayError(400, 'INVALID_REQUEST', 'Body must be a JSON object');
        for (const [field, max, required] of INVOICE_FIELDS) {
          const value = body[field];
          if (value === undefined || value === null || value === '') {
            if (required) return fieldError(field, 'REQUIRED', 'Required!');
            continue;
          }
          if (typeof value !== 'string') return fieldError(field, 'INVALID', 'Invalid!');
          if ([...value].length > max) return fieldError(field, 'MAX_LENGTH', `String max length [${max}]!`);
        }
        if (options.invoiceCode && body.invoice_code !== options.invoiceCode) {
          return qpayError(400, 'INVOICE_CODE_INVALID', 'Invoice code is invalid');
        }
        const amount = body.amount !== undefined && body.amount !== null ? Number(body.amount) : amountFromLines(body.lines);
        if (!Number.isFinite(amount) || amount <= 0) return qpayError(400, 'INVALID_AMOUNT', 'Invalid amount');
        if (amount > 9_999_999_999) return qpayError(400, 'MAX_AMOUNT_ERR', 'Amount is too large');

        const invoice_id = crypto.randomUUID();
        const qr_text = buildQPayQrText({
          amount,
          merchantName,
          city,
          merchantAccount: clientId,
          billNumber: String(body.sender_invoice_no),
          reference: invoice_id.replace(/-/g, '').slice(0, 21),
        });
        const invoice: QPayMockInvoice = {
          invoice_id,
          invoice_code: String(body.invoice_code),
          sender_invoice_no: String(body.sender_invoice_no),
          invoice_receiver_code: String(body.invoice_receiver_code),
          invoice_description: String(body.invoice_description),
          amount,
          ...(typeof body.callback_url === 'string' && body.callback_url ? { callback_url: body.callback_url } : {}),
          allow_partial: body.allow_partial === true,
          status: 'OPEN',
          qr_text,
          created_date: new Date(now()).toISOString(),
          payment_ids: [],
        };
        invoices.set(invoice_id, invoice);
        const qr_image = drawQr
          ? (await QRCode.toDataURL(qr_text, { errorCorrectionLevel: 'M', margin: 2, width: 300 })).replace(/^data:image\/png;base64,/, '')
          : '';
        return HttpResponse.json({
          invoice_id,
          qr_text,
          qr_image,
          qPay_shortUrl: `https://s.qpay.mn/${invoice_id.replace(/-/g, '').slice(0, 10)}`,
          urls: QPAY_BANKS.map((bank) => ({
            name: bank.name,
            description: bank.description,
            logo: bank.logo,
            link: `${bank.scheme}://q?qPay_QRcode=${qr_text}`,
          })),
        });
      }),
    ),

    http.get(
      url('/v2/invoice/:invoiceId'),
      endpoint('invoice/get', true, (_request, params) => {
        const invoice = invoices.get(params.invoiceId ?? '');
        if (!invoice) return qpayError(404, 'INVOICE_NOTFOUND', 'Invoice not found');
        const rows = invoice.payment_ids.map((id) => paymentRow(payments.get(id)!));
        return HttpResponse.json({
          invoice_id: invoice.invoice_id,
          invoice_status: invoice.status,
          sender_invoice_no: invoice.sender_invoice_no,
          sender_branch_code: null,
          invoice_receiver_code: invoice.invoice_receiver_code,
          invoice_description: invoice.invoice_description,
          enable_expiry: false,
          allow_partial: invoice.allow_partial,
          minimum_amount: null,
          allow_exceed: false,
          maximum_amount: null,
          gross_amount: money(invoice.amount),
          discount_amount: '0.00',
          surcharge_amount: '0.00',
          tax_amount: '0.00',
          total_amount: money(invoice.amount),
          callback_url: invoice.callback_url ?? null,
          note: null,
          lines: [],
          transactions: [],
          inputs: [],
          payments: rows,
        });
      }),
    ),

    http.delete(
      url('/v2/invoice/:invoiceId'),
      endpoint('invoice/cancel', true, (_request, params) => {
        const invoice = invoices.get(params.invoiceId ?? '');
        if (!invoice) return qpayError(404, 'INVOICE_NOTFOUND', 'Invoice not found');
        if (invoice.status === 'CANCELED') return qpayError(400, 'INVOICE_ALREADY_CANCELED');
        if (paidSoFar(invoice) > 0) return qpayError(400, 'INVOICE_PAID');
        invoice.status = 'CANCELED';
        return HttpResponse.json({});
      }),
    ),

    http.post(
      url('/v2/payment/check'),
      endpoint('payment/check', true, async (request) => {
        const paging = await readObjectPageRequest(request);
        if (paging instanceof Response) return paging;
        const { body } = paging;
        const invoice = body.object_type === 'INVOICE' ? invoices.get(String(body.object_id)) : undefined;
        const all = invoice ? invoice.payment_ids.map((id) => paymentRow(payments.get(id)!)) : [];
        const rows = all.slice((paging.page - 1) * paging.limit, paging.page * paging.limit);
        return HttpResponse.json({ count: all.length, paid_amount: invoice ? paidSoFar(invoice) : 0, rows });
      }),
    ),

    http.post(
      url('/v2/payment/list'),
      endpoint('payment/list', true, async (request) => {
        const paging = await readObjectPageRequest(request);
        if (paging instanceof Response) return paging;
        const { body } = paging;
        const objectId = String(body.object_id);
        const matching = [...payments.values()].filter((p) => {
          const invoice = invoices.get(p.invoice_id)!;
          if (body.object_type === 'INVOICE') return invoice.invoice_code === objectId || invoice.invoice_id === objectId;
          if (body.object_type === 'QR') return invoice.qr_text === objectId;
          return true;
        });
        const rows = matching.slice((paging.page - 1) * paging.limit, paging.page * paging.limit).map((p) => {
          const invoice = invoices.get(p.invoice_id)!;
          return {
            payment_id: p.payment_id,
            payment_date: p.payment_date,
            payment_status: p.payment_status,
            payment_fee: money(p.payment_fee),
            payment_amount: money(p.payment_amount),
            payment_currency: 'MNT',
            payment_wallet: p.payment_wallet,
            payment_name: merchantName,
            payment_description: invoice.invoice_description,
            qr_code: invoice.qr_text,
            paid_by: 'P2P',
            object_type: 'INVOICE',
            object_id: invoice.invoice_code,
          };
        });
        return HttpResponse.json({ count: matching.length, rows });
      }),
    ),

    ...(['cancel', 'refund'] as const).map((action) =>
      http.delete(
        url(`/v2/payment/${action}/:paymentId`),
        endpoint(`payment/${action}`, true, (_request, params) => {
          const payment = payments.get(params.paymentId ?? '');
          if (!payment) return qpayError(404, 'PAYMENT_NOTFOUND', 'Payment not found');
          if (payment.payment_status === 'REFUNDED') return qpayError(400, 'PAYMENT_ALREADY_CANCELED');
          if (payment.payment_status !== 'PAID') return qpayError(400, 'PAYMENT_NOT_PAID');
          if (payment.settled) return qpayError(400, 'PAYMENT_SETTLED');
          payment.payment_status = 'REFUNDED';
          return HttpResponse.json({});
        }),
      ),
    ),

    http.get(
      url('/v2/payment/:paymentId'),
      endpoint('payment/get', true, (_request, params) => {
        const payment = payments.get(params.paymentId ?? '');
        if (!payment) return qpayError(404, 'PAYMENT_NOTFOUND', 'Payment not found');
        return HttpResponse.json({
          ...paymentRow(payment),
          object_type: 'INVOICE',
          object_id: payment.invoice_id,
          next_payment_date: null,
          next_payment_datetime: null,
          card_transactions: [],
          p2p_transactions: [
            {
              transaction_bank_code: '050000',
              account_bank_code: '050000',
              account_bank_name: 'Хаан банк',
              account_number: '50*******',
              status: 'SUCCESS',
              amount: money(payment.payment_amount - payment.payment_fee),
              currency: 'MNT',
              settlement_status: payment.settled ? 'SETTLED' : 'PENDING',
            },
          ],
        });
      }),
    ),
  ];

  const controls: QPayMockControls = {
    pay(invoiceId, amount, options = {}) {
      const invoice = invoices.get(invoiceId);
      if (!invoice) throw new Error(`QPay mock: no invoice ${invoiceId}`);
      if (invoice.status === 'CANCELED') throw new Error(`QPay mock: invoice ${invoiceId} is canceled`);
      const rest = Math.round((invoice.amount - paidSoFar(invoice)) * 100) / 100;
      const paying = amount ?? rest;
      if (!Number.isFinite(paying) || paying <= 0) throw new Error(`QPay mock: nothing to pay on ${invoiceId} (amount ${paying})`);
      paymentSeq += 1;
      const payment_id = String(593744473409000 + paymentSeq);
      payments.set(payment_id, {
        payment_id,
        invoice_id: invoiceId,
        payment_status: 'PAID',
        payment_amount: paying,
        payment_fee: Math.round(paying * 0.01 * 100) / 100,
        payment_date: new Date(now()).toISOString(),
        payment_wallet: '0fc9b71c-cd87-4ffd-9cac-2279ebd9deb0',
        settled: false,
      });
      invoice.payment_ids.push(payment_id);
      const invoicePaid = paidSoFar(invoice) >= invoice.amount;
      if (invoicePaid) invoice.status = 'CLOSED';
      let callbackUrl: string | undefined;
      if (invoice.callback_url) {
        try {
          const target = new URL(invoice.callback_url);
          target.searchParams.append('qpay_payment_id', payment_id);
          callbackUrl = target.href;
        } catch {
          callbackUrl = undefined;
        }
      }
      if (!callbackUrl) return { paymentId: payment_id, amount: paying, invoicePaid };
      const delivery = options.callback === false ? undefined : deliverCallback('QPay', callbackUrl, { method: 'GET' }, options.fetch);
      return { paymentId: payment_id, amount: paying, invoicePaid, callbackUrl, ...(delivery ? { delivery } : {}) };
    },
    expireTokens(opts = {}) {
      const past = nowSeconds() - 1;
      for (const token of accessTokens.keys()) accessTokens.set(token, past);
      if (opts.refresh) for (const token of refreshTokens.keys()) refreshTokens.set(token, past);
    },
    failNext(matcher, failure, times = 1) {
      failures.push({ matcher, failure, remaining: Math.max(1, times) });
    },
    delay(ms) {
      delayMs = Math.max(0, ms);
    },
    settle(paymentId) {
      const payment = payments.get(paymentId);
      if (!payment) throw new Error(`QPay mock: no payment ${paymentId}`);
      payment.settled = true;
    },
    calls,
    invoice: (invoiceId) => invoices.get(invoiceId),
    payment: (paymentId) => payments.get(paymentId),
    invoices: () => [...invoices.values()],
    reset() {
      accessTokens = new Map();
      refreshTokens = new Map();
      invoices = new Map();
      payments = new Map();
      failures = [];
      delayMs = 0;
      log = [];
    },
  };

  return { handlers, controls };
}
