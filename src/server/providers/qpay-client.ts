// A QPay v2 merchant API client for servers: token caching and refresh, one shared token request
// for concurrent callers, one re-login and retry on 401, auth failures remembered with back-off
// (an outage or a 401 storm does not become a login per call; all in ./qpay-auth.ts), and the shared
// provider transport (timeouts, a deadline for read calls, retries of safe calls only, errors that
// never carry the credentials or tokens).
import { doublingDelay } from '../backoff.js';
import { QPayError, qpayErrorFromResponse } from '../errors.js';
import {
  DEFAULT_READ_DEADLINE_MS,
  DEFAULT_TIMEOUT_MS,
  ProviderTransport,
  type ProviderApiErrorInit,
  type TransportAnswer,
} from '../http/transport.js';
import { ProviderHttpMetrics, meterProviderOption, type MeterProviderLike } from '../metrics.js';
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
  validatePathId,
  validateInvoiceRequest,
  validateOffset,
  validateSimpleInvoiceRequest,
  validateString,
} from './qpay-validate.js';

import { QPayAuth } from './qpay-auth.js';
import { QPAY_PRODUCTION_URL, QPAY_SANDBOX_URL, qpayLoginHint } from './login-hints.js';

export { QPAY_PRODUCTION_URL, QPAY_SANDBOX_URL };
/** Login answers that mean our options are wrong, not that QPay is down: the error then names the options to check. */
const LOGIN_REFUSED = new Set([400, 401, 403, 404, 405]);

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
  /** Per attempt, default 15000 ms. */
  timeoutMs?: number;
  /**
   * Total time a read-only call may take, the login and every retry included (default 8000 ms:
   * the element gives up on a status request after 10 s, so the shop answers before it does).
   */
  readDeadlineMs?: number;
  retry?: RetryOptions;
  /**
   * After a failed login (or a 401 right after a fresh login), calls fail at once with the same
   * error for this long, doubling per consecutive failure up to `maxMs` (default 1000 → 60000 ms).
   */
  authBackoff?: { baseMs?: number; maxMs?: number };
  /** Renew the access token this long before `expires_in` (default 60000 ms). */
  tokenRefreshMarginMs?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Where the HTTP calls' durations go (`http.client.request.duration`); default: OpenTelemetry's global meter provider. */
  meterProvider?: MeterProviderLike;
  /** Backoff sleeper (tests inject an instant one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** Read-only calls may be retried on network errors, 429 and 5xx. */
  idempotent: boolean;
  context: string;
  signal?: AbortSignal;
  /** Monotonic ms (transport clock) by which the whole call must be over. */
  deadlineAt?: number;
}

export class QPayClient {
  // Private fields: `console.log(client)` and JSON.stringify never show the secret or tokens.
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #baseUrl: string;
  readonly #transport: ProviderTransport;
  readonly #readDeadlineMs: number;
  readonly #timeoutMs: number;
  readonly #auth: QPayAuth;

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
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#readDeadlineMs = options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;
    this.#auth = new QPayAuth({
      clientId: this.#clientId,
      clientSecret: this.#clientSecret,
      marginMs: options.tokenRefreshMarginMs ?? 60_000,
      now: options.now ?? Date.now,
      backoff: { baseMs: options.authBackoff?.baseMs ?? 1000, maxMs: options.authBackoff?.maxMs ?? 60_000 },
      send: (request) => this.#send(request),
      clock: () => this.#transport.clock(),
    });
    const baseDelayMs = options.retry?.baseDelayMs ?? 200;
    const maxDelayMs = options.retry?.maxDelayMs ?? 2000;
    this.#transport = new ProviderTransport({
      provider: 'qpay',
      baseUrl: this.#baseUrl,
      // Call through a wrapper so that a later-patched global fetch (msw, tests) is honoured.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: this.#timeoutMs,
      retries: options.retry?.retries ?? 2,
      retryDelay: (attempt) => doublingDelay(baseDelayMs, maxDelayMs, attempt),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      secrets: () => this.#auth.secrets(),
      makeError: (init: ProviderApiErrorInit) => new QPayError({ ...init, operation: init.operation }),
      ...(options.meterProvider !== undefined ? { metrics: new ProviderHttpMetrics(meterProviderOption(options.meterProvider, 'QPayClient')) } : {}),
    });
  }

  /** The base URL requests go to (no secrets). */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  // ---- auth -------------------------------------------------------------------------------

  /** `POST /v2/auth/token` with HTTP Basic: a fresh login. The answer replaces the cached token. */
  async token(options: CallOptions = {}): Promise<QPayTokenResponse> {
    return this.#auth.login(options);
  }

  /** `POST /v2/auth/refresh` with the cached refresh token (Bearer). */
  async refresh(options: CallOptions = {}): Promise<QPayTokenResponse> {
    return this.#auth.refresh(options);
  }

  /** Forgets the cached token, so the next call logs in again. */
  clearToken(): void {
    this.#auth.clear();
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
    const id = validatePathId('invoice_id', invoiceId);
    return (await this.#authorized({ method: 'GET', path: `/v2/invoice/${encodeURIComponent(id)}`, idempotent: true, context: 'invoice get', ...options })) as QPayInvoiceDetails;
  }

  /** `DELETE /v2/invoice/:invoice_id`. Not retried: a lost answer is better re-checked than re-sent. */
  async cancelInvoice(invoiceId: string, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const id = validatePathId('invoice_id', invoiceId);
    return (await this.#authorized({ method: 'DELETE', path: `/v2/invoice/${encodeURIComponent(id)}`, idempotent: false, context: 'invoice cancel', ...options })) as Record<string, unknown>;
  }

  // ---- payments ---------------------------------------------------------------------------

  /** `GET /v2/payment/:payment_id`. */
  async getPayment(paymentId: string, options: CallOptions = {}): Promise<QPayPaymentDetails> {
    const id = validatePathId('payment_id', paymentId);
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
    // One deadline for every page: the status route must answer within the element's patience.
    const deadlineAt = this.#transport.clock() + this.#readDeadlineMs;
    const rows: QPayPaymentRow[] = [];
    let first: QPayPaymentCheckResponse | undefined;
    for (let page = 1; page <= maxPages; page++) {
      const answer = await this.checkPayment(
        { object_type: 'INVOICE', object_id: invoiceId, offset: { page_number: page, page_limit: pageLimit } },
        { ...(options.signal ? { signal: options.signal } : {}), deadlineAt } as CallOptions,
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
    const id = validatePathId('payment_id', paymentId);
    return (await this.#authorized({ method: 'DELETE', path: `/v2/payment/cancel/${encodeURIComponent(id)}`, body: request, idempotent: false, context: 'payment cancel', ...options })) as Record<string, unknown>;
  }

  /** `DELETE /v2/payment/refund/:payment_id`. Never retried. */
  async refundPayment(paymentId: string, request: QPayPaymentCancelRequest = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const id = validatePathId('payment_id', paymentId);
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

  /**
   * With a Bearer access token; a 401 gets one fresh login and one more try. A 401 that a fresh
   * login did not cure is remembered: during its back-off, 401s are answered without logging in.
   */
  async #authorized(spec: RequestSpec): Promise<unknown> {
    const call: RequestSpec = { ...spec, deadlineAt: spec.deadlineAt ?? this.#deadlineFor(spec) };
    const token = await this.#auth.accessToken(call);
    let answer: unknown;
    try {
      answer = await this.#send({ ...call, authorization: `Bearer ${token}` });
    } catch (error) {
      if (!(error instanceof QPayError) || error.status !== 401 || this.#auth.reauthBlocked()) throw error;
      const fresh = await this.#auth.reloginAfter401(token, call);
      try {
        answer = await this.#send({ ...call, authorization: `Bearer ${fresh}` });
      } catch (again) {
        if (again instanceof QPayError && again.status === 401) this.#auth.reauthFailed(again);
        throw again;
      }
    }
    this.#auth.reauthSucceeded();
    return answer;
  }

  /** Read-only calls end by `readDeadlineMs`; creating calls get one attempt of `timeoutMs` after the login. */
  #deadlineFor(spec: RequestSpec): number | undefined {
    return spec.idempotent ? this.#transport.clock() + this.#readDeadlineMs : undefined;
  }

  /** One logical call through the shared transport: retries read-only calls on network errors, 429 and 5xx. */
  async #send(spec: RequestSpec & { authorization: string }): Promise<unknown> {
    const headers: Record<string, string> = { Authorization: spec.authorization, Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    return this.#transport.call(
      {
        operation: spec.context,
        method: spec.method,
        path: spec.path,
        headers,
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        idempotent: spec.idempotent,
        ...(spec.signal ? { signal: spec.signal } : {}),
        ...(spec.deadlineAt !== undefined ? { deadlineAt: spec.deadlineAt } : {}),
      },
      (answer) => this.#interpret(answer, spec.context),
    );
  }

  #interpret(answer: TransportAnswer, context: string): unknown {
    if (answer.status < 200 || answer.status >= 300) {
      const error = qpayErrorFromResponse(answer.status, answer.text, context, (t) => this.#redact(t));
      throw context === 'login' && LOGIN_REFUSED.has(answer.status) ? this.#withLoginHint(error) : error;
    }
    if (!answer.text.trim()) return {};
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw new QPayError({
        status: answer.status,
        code: 'INVALID_RESPONSE',
        operation: context,
        message: `QPay ${context} answered ${answer.status} with a body that is not JSON`,
        detail: this.#transport.detail(answer.text),
        retryable: false,
      });
    }
  }

  /** A refused login, its message and detail (what the handler logs) naming the options to check; never the secret. */
  #withLoginHint(error: QPayError): QPayError {
    const hint = this.#redact(qpayLoginHint(error.status, { clientId: this.#clientId, clientSecret: this.#clientSecret, baseUrl: this.#baseUrl }));
    return new QPayError({
      status: error.status,
      code: error.code,
      operation: error.operation,
      message: `QPay login failed: ${error.code} (HTTP ${error.status}). ${hint}`,
      detail: `${hint} ${error.detail}`,
      retryable: false,
      ...(error.field !== undefined ? { field: error.field } : {}),
      ...(error.fields !== undefined ? { fields: error.fields } : {}),
    });
  }

  /** Removes the secret and any token this client holds (and anything shaped like a credential). */
  #redact(text: string): string {
    return this.#transport.redact(text);
  }
}
