// A QPay v2 merchant API client for servers: token caching and refresh, one shared token request
// for concurrent callers, one re-login and retry on 401, bounded retries for read-only calls,
// timeouts, and errors that never carry the credentials or tokens.
import { QPayError, qpayErrorFromResponse } from './errors.js';
import type {
  QPayInvoiceDetails,
  QPayInvoiceRequest,
  QPayInvoiceResponse,
  QPayPaymentCancelRequest,
  QPayPaymentCheckRequest,
  QPayPaymentCheckResponse,
  QPayPaymentDetails,
  QPayPaymentListRequest,
  QPayPaymentListResponse,
  QPayPaymentRow,
  QPaySimpleInvoiceRequest,
  QPayTokenResponse,
} from './qpay-types.js';
import {
  validateId,
  validateInvoiceRequest,
  validateOffset,
  validateSimpleInvoiceRequest,
  validateString,
} from './qpay-validate.js';

export const QPAY_SANDBOX_URL = 'https://merchant-sandbox.qpay.mn';
export const QPAY_PRODUCTION_URL = 'https://merchant.qpay.mn';

export interface RetryOptions {
  /** Extra attempts after the first for read-only calls (default 2). Creating calls never retry. */
  retries?: number;
  /** First backoff delay in ms (default 200); doubles each attempt. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms (default 2000). */
  maxDelayMs?: number;
}

export interface QPayClientOptions {
  clientId: string;
  clientSecret: string;
  /** `QPAY_SANDBOX_URL` or `QPAY_PRODUCTION_URL` (or a proxy in front of them). */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per request, default 15000 ms. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Renew the access token this long before `expires_in` (default 60000 ms). */
  tokenRefreshMarginMs?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Backoff sleeper (tests inject an instant one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface CachedToken {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  refreshExpiresAt: number;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** Read-only calls may be retried on network errors, 429 and 5xx. */
  idempotent: boolean;
  context: string;
  signal?: AbortSignal;
}

/** QPay sends absolute epoch seconds; a small value can only be a duration, so treat it as one. */
function epochSecondsToMs(value: unknown, nowMs: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return nowMs;
  return n < 1_000_000_000 ? nowMs + n * 1000 : n * 1000;
}

function basicAuth(id: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${id}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** Time a refresh request needs to reach QPay before the refresh token expires. */
const REFRESH_SKEW_MS = 5000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class QPayClient {
  // Private fields: `console.log(client)` and JSON.stringify never show the secret or tokens.
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #marginMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #token: CachedToken | undefined;
  #tokenRequest: Promise<CachedToken> | undefined;

  constructor(options: QPayClientOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('QPayClient: options are required');
    for (const key of ['clientId', 'clientSecret', 'baseUrl'] as const) {
      if (typeof options[key] !== 'string' || options[key].trim() === '') {
        throw new TypeError(`QPayClient: ${key} is required`);
      }
    }
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`QPayClient: baseUrl is not a URL: ${options.baseUrl}`);
    }
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#baseUrl = base.href.replace(/\/+$/, '');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('QPayClient: no fetch available; pass options.fetch');
    // Call through a wrapper so that a later-patched global fetch (msw, tests) is honoured.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#retries = Math.max(0, Math.min(options.retry?.retries ?? 2, 5));
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 2000;
    this.#marginMs = options.tokenRefreshMarginMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The base URL requests go to (no secrets). */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  // ---- auth -------------------------------------------------------------------------------

  /** `POST /v2/auth/token` with HTTP Basic: a fresh login. The answer replaces the cached token. */
  async token(options: CallOptions = {}): Promise<QPayTokenResponse> {
    const answer = (await this.#send({
      method: 'POST',
      path: '/v2/auth/token',
      idempotent: true,
      context: 'login',
      authorization: basicAuth(this.#clientId, this.#clientSecret),
      ...options,
    })) as QPayTokenResponse;
    this.#remember(answer);
    return answer;
  }

  /** `POST /v2/auth/refresh` with the cached refresh token (Bearer). */
  async refresh(options: CallOptions = {}): Promise<QPayTokenResponse> {
    const refreshToken = this.#token?.refreshToken;
    if (!refreshToken) throw new QPayError({ status: 0, code: 'NO_REFRESH_TOKEN', message: 'No refresh token yet: log in first' });
    const answer = (await this.#send({
      method: 'POST',
      path: '/v2/auth/refresh',
      idempotent: true,
      context: 'token refresh',
      authorization: `Bearer ${refreshToken}`,
      ...options,
    })) as QPayTokenResponse;
    this.#remember(answer, refreshToken);
    return answer;
  }

  /** Forgets the cached token, so the next call logs in again. */
  clearToken(): void {
    this.#token = undefined;
  }

  #remember(answer: QPayTokenResponse, previousRefresh?: string): CachedToken {
    if (!answer || typeof answer.access_token !== 'string' || !answer.access_token) {
      throw new QPayError({ status: 200, code: 'INVALID_RESPONSE', message: 'QPay token answer has no access_token' });
    }
    const now = this.#now();
    const refreshToken = typeof answer.refresh_token === 'string' && answer.refresh_token ? answer.refresh_token : previousRefresh;
    this.#token = {
      accessToken: answer.access_token,
      ...(refreshToken ? { refreshToken } : {}),
      expiresAt: epochSecondsToMs(answer.expires_in, now),
      refreshExpiresAt: epochSecondsToMs(answer.refresh_expires_in, now),
    };
    return this.#token;
  }

  /** The cached access token, or one shared renewal (refresh first, then a fresh login). */
  async #accessToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    if (cached && this.#now() < cached.expiresAt - this.#marginMs) return cached.accessToken;
    if (!this.#tokenRequest) {
      this.#tokenRequest = this.#renew(signal).finally(() => {
        this.#tokenRequest = undefined;
      });
    }
    return (await this.#tokenRequest).accessToken;
  }

  async #renew(signal?: AbortSignal): Promise<CachedToken> {
    const cached = this.#token;
    const opts = signal ? { signal } : {};
    // QPay's refresh token expires together with the access token (same epoch in the sandbox), so
    // it is usable during the renewal margin; keep only a few seconds for the request itself.
    if (cached?.refreshToken && this.#now() < cached.refreshExpiresAt - REFRESH_SKEW_MS) {
      try {
        await this.refresh(opts);
        return this.#token!;
      } catch (error) {
        if (signal?.aborted) throw error;
        // An expired or revoked refresh token: fall through to a fresh login.
      }
    }
    await this.token(opts);
    return this.#token!;
  }

  /** After a 401: drop the token that failed (unless another caller already replaced it) and log in. */
  async #reloginAfter401(failedToken: string, signal?: AbortSignal): Promise<string> {
    if (this.#token?.accessToken === failedToken) this.#token = undefined;
    if (!this.#tokenRequest && !this.#token) {
      const opts = signal ? { signal } : {};
      this.#tokenRequest = this.token(opts)
        .then(() => this.#token!)
        .finally(() => {
          this.#tokenRequest = undefined;
        });
    }
    return this.#accessToken(signal);
  }

  // ---- invoices ---------------------------------------------------------------------------

  /** `POST /v2/invoice`, full form. Validated before sending; never retried (it creates). */
  async createInvoice(request: QPayInvoiceRequest, options: CallOptions = {}): Promise<QPayInvoiceResponse> {
    validateInvoiceRequest(request);
    return (await this.#authorized({ method: 'POST', path: '/v2/invoice', body: request, idempotent: false, context: 'invoice create', ...options })) as QPayInvoiceResponse;
  }

  /** `POST /v2/invoice`, simple form (the six fields). Validated before sending; never retried. */
  async createSimpleInvoice(request: QPaySimpleInvoiceRequest, options: CallOptions = {}): Promise<QPayInvoiceResponse> {
    validateSimpleInvoiceRequest(request);
    const { invoice_code, sender_invoice_no, invoice_receiver_code, invoice_description, amount, callback_url } = request;
    const body = { invoice_code, sender_invoice_no, invoice_receiver_code, invoice_description, amount: Number(amount), callback_url };
    return (await this.#authorized({ method: 'POST', path: '/v2/invoice', body, idempotent: false, context: 'invoice create', ...options })) as QPayInvoiceResponse;
  }

  /** `GET /v2/invoice/:invoice_id`. */
  async getInvoice(invoiceId: string, options: CallOptions = {}): Promise<QPayInvoiceDetails> {
    const id = validateId('invoice_id', invoiceId);
    return (await this.#authorized({ method: 'GET', path: `/v2/invoice/${encodeURIComponent(id)}`, idempotent: true, context: 'invoice get', ...options })) as QPayInvoiceDetails;
  }

  /** `DELETE /v2/invoice/:invoice_id`. Not retried: a lost answer is better re-checked than re-sent. */
  async cancelInvoice(invoiceId: string, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const id = validateId('invoice_id', invoiceId);
    return (await this.#authorized({ method: 'DELETE', path: `/v2/invoice/${encodeURIComponent(id)}`, idempotent: false, context: 'invoice cancel', ...options })) as Record<string, unknown>;
  }

  // ---- payments ---------------------------------------------------------------------------

  /** `GET /v2/payment/:payment_id`. */
  async getPayment(paymentId: string, options: CallOptions = {}): Promise<QPayPaymentDetails> {
    const id = validateId('payment_id', paymentId);
    return (await this.#authorized({ method: 'GET', path: `/v2/payment/${encodeURIComponent(id)}`, idempotent: true, context: 'payment get', ...options })) as QPayPaymentDetails;
  }

  /** `POST /v2/payment/check`: one page (default page 1 of 100 rows). */
  async checkPayment(request: QPayPaymentCheckRequest, options: CallOptions = {}): Promise<QPayPaymentCheckResponse> {
    validateString('object_type', request?.object_type);
    validateString('object_id', request?.object_id);
    validateOffset(request.offset);
    const body = { object_type: request.object_type, object_id: request.object_id, offset: request.offset ?? { page_number: 1, page_limit: 100 } };
    const answer = (await this.#authorized({ method: 'POST', path: '/v2/payment/check', body, idempotent: true, context: 'payment check', ...options })) as QPayPaymentCheckResponse;
    return { ...answer, count: Number(answer?.count ?? 0), rows: Array.isArray(answer?.rows) ? answer.rows : [] };
  }

  /**
   * Every payment row of an invoice, following pages until `count` rows are read (at most
   * `maxPages` pages). `paid_amount` is QPay's when given, else the sum of PAID rows.
   */
  async checkInvoicePayments(invoiceId: string, options: CallOptions & { pageLimit?: number; maxPages?: number } = {}): Promise<QPayPaymentCheckResponse> {
    const pageLimit = options.pageLimit ?? 100;
    const maxPages = options.maxPages ?? 20;
    const rows: QPayPaymentRow[] = [];
    let first: QPayPaymentCheckResponse | undefined;
    for (let page = 1; page <= maxPages; page++) {
      const answer = await this.checkPayment(
        { object_type: 'INVOICE', object_id: invoiceId, offset: { page_number: page, page_limit: pageLimit } },
        options.signal ? { signal: options.signal } : {},
      );
      first ??= answer;
      rows.push(...answer.rows);
      if (answer.rows.length < pageLimit || rows.length >= answer.count) break;
    }
    const paidSum = rows.filter((r) => r.payment_status === 'PAID').reduce((sum, r) => sum + (Number(r.payment_amount) || 0), 0);
    const paid_amount = typeof first?.paid_amount === 'number' ? first.paid_amount : paidSum;
    return { ...first, count: Math.max(first?.count ?? 0, rows.length), paid_amount, rows };
  }

  /** `DELETE /v2/payment/cancel/:payment_id` (card payments). Never retried. */
  async cancelPayment(paymentId: string, request: QPayPaymentCancelRequest = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const id = validateId('payment_id', paymentId);
    return (await this.#authorized({ method: 'DELETE', path: `/v2/payment/cancel/${encodeURIComponent(id)}`, body: request, idempotent: false, context: 'payment cancel', ...options })) as Record<string, unknown>;
  }

  /** `DELETE /v2/payment/refund/:payment_id`. Never retried. */
  async refundPayment(paymentId: string, request: QPayPaymentCancelRequest = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const id = validateId('payment_id', paymentId);
    return (await this.#authorized({ method: 'DELETE', path: `/v2/payment/refund/${encodeURIComponent(id)}`, body: request, idempotent: false, context: 'payment refund', ...options })) as Record<string, unknown>;
  }

  /** `POST /v2/payment/list`. */
  async listPayments(request: QPayPaymentListRequest, options: CallOptions = {}): Promise<QPayPaymentListResponse> {
    validateString('object_type', request?.object_type, 45);
    validateString('object_id', request?.object_id, 45);
    validateOffset(request.offset);
    const body = { ...request, offset: request.offset ?? { page_number: 1, page_limit: 100 } };
    const answer = (await this.#authorized({ method: 'POST', path: '/v2/payment/list', body, idempotent: true, context: 'payment list', ...options })) as QPayPaymentListResponse;
    return { ...answer, count: Number(answer?.count ?? 0), rows: Array.isArray(answer?.rows) ? answer.rows : [] };
  }

  // ---- transport --------------------------------------------------------------------------

  /** With a Bearer access token; a 401 gets one fresh login and one more try. */
  async #authorized(spec: RequestSpec): Promise<unknown> {
    const token = await this.#accessToken(spec.signal);
    try {
      return await this.#send({ ...spec, authorization: `Bearer ${token}` });
    } catch (error) {
      if (!(error instanceof QPayError) || error.status !== 401) throw error;
      const fresh = await this.#reloginAfter401(token, spec.signal);
      return this.#send({ ...spec, authorization: `Bearer ${fresh}` });
    }
  }

  /** One logical call: retries read-only calls on network errors, 429 and 5xx with capped backoff. */
  async #send(spec: RequestSpec & { authorization: string }): Promise<unknown> {
    const attempts = spec.idempotent ? this.#retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(spec);
      } catch (error) {
        const retryable = error instanceof QPayError && (error.status === 0 || error.status === 429 || error.status >= 500);
        if (!retryable || attempt >= attempts || spec.signal?.aborted) throw error;
        await this.#sleep(Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  async #once(spec: RequestSpec & { authorization: string }): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: spec.authorization, Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (spec.signal?.aborted) {
        throw new QPayError({ status: 0, code: 'ABORTED', message: `QPay ${spec.context} was aborted by the caller` });
      }
      if (timeout.aborted) {
        throw new QPayError({ status: 0, code: 'TIMEOUT', message: `QPay ${spec.context} timed out after ${this.#timeoutMs} ms` });
      }
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      throw new QPayError({ status: 0, code: 'NETWORK_ERROR', message: this.#redact(`QPay ${spec.context} could not reach ${this.#baseUrl} (${reason})`) });
    }
    if (!response.ok) throw qpayErrorFromResponse(response.status, text, spec.context, (t) => this.#redact(t));
    if (!text.trim()) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new QPayError({ status: response.status, code: 'INVALID_RESPONSE', message: `QPay ${spec.context} answered ${response.status} with a body that is not JSON` });
    }
  }

  /** Removes the secret and any token this client holds from a text. */
  #redact(text: string): string {
    const secrets = [this.#clientSecret, this.#token?.accessToken, this.#token?.refreshToken, basicAuth(this.#clientId, this.#clientSecret).slice(6)];
    let out = text;
    for (const secret of secrets) {
      if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}
