// The one HTTP transport both provider clients (QPay, TBank) use: a timeout per attempt and a
// deadline per call (retries included), retries of safe calls only, answers read with a byte cap,
// and one error shape. Provider text is redacted BEFORE it is shortened (a secret echoed past the
// cut never shows half of itself), kept in `detail` for the shop's logger, and never put in the
// error's `message` or `publicMessage`, which are ours alone and safe to show a browser.
import { doublingDelay } from '../backoff.js';
import { GLOBAL_PROVIDER_HTTP_METRICS, type ProviderHttpMetrics } from '../metrics.js';
import { readStreamText } from './body.js';
import { ProviderError } from '../providers/provider.js';

export type ProviderName = 'qpay' | 'tbank';

export interface ProviderApiErrorInit {
  provider: ProviderName;
  /** What was being done, in words: `invoice create`, `payment check`, `QRPAY`, `QUERY`. */
  operation: string;
  /** Provider's code (checked to be a plain word) or ours: NETWORK_ERROR, TIMEOUT, HTTP_<status>, ... */
  code: string;
  /** HTTP status of the answer; 0 when there was none (network, timeout, refused before sending). */
  status: number;
  /** Our own safe sentence; default `<Provider> <operation> failed: <code> (HTTP <status>)`. */
  message?: string;
  /** What the provider or the network said, redacted and shortened, for the shop's logger only. */
  detail?: string;
  kind?: 'upstream' | 'invalid-request';
  /** Set by the transport: a safe call may be tried again (network, timeout, 429, 5xx). */
  retryable?: boolean;
  /** Milliseconds until a new attempt makes sense (auth back-off). */
  retryAfterMs?: number;
}

const LABEL: Record<ProviderName, string> = { qpay: 'QPay', tbank: 'TBank' };

/** Generic texts for the browser, by kind of failure. Never contains anything the provider said. */
export function publicMessageFor(code: string, status: number, kind: 'upstream' | 'invalid-request'): string {
  if (kind === 'invalid-request') return 'The order could not be sent to the payment provider.';
  if (code === 'TIMEOUT') return 'The payment provider did not answer in time. Try again.';
  if (code === 'NETWORK_ERROR') return 'The payment provider could not be reached. Try again.';
  if (code === 'ABORTED') return 'The request to the payment provider was cancelled.';
  if (code === 'AUTH_BACKOFF' || status === 401 || status === 403) return 'The shop could not sign in to the payment provider.';
  if (status === 429 || status >= 500) return 'The payment provider is unavailable right now. Try again.';
  if (status >= 400) return 'The payment provider refused the request.';
  return 'The payment provider gave an answer that could not be used.';
}

/**
 * Base of `QPayError` and `TBankError` (a `ProviderError`, so the handler maps it): the same
 * fields for both providers. Show the browser `code` and `publicMessage`; log `detail`.
 */
export class ProviderApiError extends ProviderError {
  override name = 'ProviderApiError';
  readonly provider: ProviderName;
  readonly operation: string;
  /** HTTP status of the provider's answer, 0 when none. */
  readonly status: number;
  /** Provider or network text, redacted then shortened: for logs, never for the browser. */
  readonly detail: string;
  /** A generic sentence safe to show a customer. */
  readonly publicMessage: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(init: ProviderApiErrorInit) {
    const kind = init.kind ?? 'upstream';
    const code = safeCode(init.code, init.status);
    const label = LABEL[init.provider];
    super(init.message ?? `${label} ${init.operation} failed: ${code}${init.status ? ` (HTTP ${init.status})` : ''}`, code, kind);
    this.provider = init.provider;
    this.operation = init.operation;
    this.status = init.status;
    this.detail = init.detail ?? '';
    this.publicMessage = publicMessageFor(code, init.status, kind);
    this.retryable = init.retryable ?? (init.status === 0 ? code === 'NETWORK_ERROR' || code === 'TIMEOUT' : init.status === 429 || init.status >= 500);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** What a handler may send a browser: the code and our own message. */
  toJSON(): { error: string; message: string; status: number } {
    return { error: this.code, message: this.message, status: this.status };
  }
}

/** A provider's code kept only when it is a plain word; anything else (text, a secret) becomes HTTP_<status>. */
export function safeCode(code: unknown, status: number): string {
  const text = typeof code === 'string' ? code.trim() : '';
  return /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(text) ? text : status ? `HTTP_${status}` : 'PROVIDER_ERROR';
}

// ---- redaction ----------------------------------------------------------------------------

const MAX_DETAIL = 300;

/** Credentials that look like credentials, whoever they belong to. */
const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [/("?(?:access_token|refresh_token|client_secret|password|signKey|sign_key|secret)"?\s*[:=]\s*"?)[^"&\s,}]{4,}/gi, '$1[redacted]'],
];

/**
 * Removes every known secret (and its URL-encoded form) and anything shaped like a credential.
 * Always redact the whole text first, then shorten it.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('[redacted]');
  }
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** One line of at most `max` characters (after redaction: see `redactSecrets`). */
export function shortenDetail(text: string, max = MAX_DETAIL): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  const points = Array.from(oneLine);
  return points.length > max ? `${points.slice(0, max).join('')}…` : oneLine;
}

// ---- transport ----------------------------------------------------------------------------

/** Status calls are bounded by the element's own patience (it gives up after 10 s). */
export const DEFAULT_READ_DEADLINE_MS = 8000;
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Provider answers above this are refused unread (a garbage-answering provider cannot fill memory). */
export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

export interface TransportOptions {
  provider: ProviderName;
  /** Absolute base URL; paths are appended. Never shown outside `detail`. */
  baseUrl: string;
  fetch: typeof fetch;
  /** Per attempt (default 15000 ms). */
  timeoutMs?: number;
  /** Extra attempts for safe calls (default 2). */
  retries?: number;
  /** Wait before retry number `attempt` (1-based). */
  retryDelay?: (attempt: number) => number;
  sleep?: (ms: number) => Promise<void>;
  /** The secrets to redact from every text (read at the time of the error: tokens change). */
  secrets: () => readonly (string | undefined)[];
  /** Builds the provider's own subclass (QPayError, TBankError). */
  makeError: (init: ProviderApiErrorInit) => ProviderApiError;
  maxAnswerBytes?: number;
  /** Monotonic clock for deadlines (default performance.now). */
  clock?: () => number;
  /** Where each HTTP request's duration is recorded (default: OpenTelemetry's global meter provider, if any). */
  metrics?: ProviderHttpMetrics;
}

export interface TransportRequest {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to send again: reads, and logins. Creating and cancelling calls are sent once. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Monotonic ms by which the whole call (all attempts) must be over. */
  deadlineAt?: number;
}

export interface TransportAnswer {
  status: number;
  statusText: string;
  text: string;
}

type ResolvedTransportOptions = Required<TransportOptions>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ProviderTransport {
  readonly provider: ProviderName;
  readonly #o: ResolvedTransportOptions;
  /** Where the calls go, parsed once for the metrics' `server.address` and `server.port`. */
  readonly #server: URL;

  constructor(options: TransportOptions) {
    this.provider = options.provider;
    this.#o = {
      timeoutMs: DEFAULT_TIMEOUT_MS,
      retries: 2,
      sleep: defaultSleep,
      maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES,
      clock: () => performance.now(),
      retryDelay: (attempt) => doublingDelay(200, 2000, attempt),
      metrics: GLOBAL_PROVIDER_HTTP_METRICS,
      ...options,
    };
    this.#o.retries = Math.max(0, Math.min(this.#o.retries, 5));
    this.#server = new URL(this.#o.baseUrl);
  }

  /** Monotonic now, for callers computing `deadlineAt`. */
  clock(): number {
    return this.#o.clock();
  }

  /** Removes this client's secrets (and anything shaped like a credential) from `text`. */
  redact(text: string): string {
    return redactSecrets(text, this.#o.secrets());
  }

  /** Redacts with this client's secrets, then shortens: what `detail` may hold. */
  detail(text: string): string {
    return shortenDetail(this.redact(text));
  }

  error(init: Omit<ProviderApiErrorInit, 'provider'>): ProviderApiError {
    return this.#o.makeError({ ...init, provider: this.provider });
  }

  /**
   * Sends the request and hands every HTTP answer to `interpret`, which returns the result or
   * throws a ProviderApiError. Safe calls are tried again on retryable errors while the deadline
   * allows the wait; anything else is tried once.
   */
  async call<T>(request: TransportRequest, interpret: (answer: TransportAnswer) => T | Promise<T>): Promise<T> {
    const attempts = request.idempotent ? this.#o.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const started = this.#o.clock();
      let status = 0;
      try {
        const answer = await this.#once(request);
        status = answer.status;
        const result = await interpret(answer);
        this.#record(request, started, status);
        return result;
      } catch (error) {
        this.#record(request, started, status || (error instanceof ProviderApiError ? error.status : 0), error);
        const retry = error instanceof ProviderApiError && error.retryable && attempt < attempts && !request.signal?.aborted;
        if (!retry) throw error;
        const wait = this.#o.retryDelay(attempt);
        if (request.deadlineAt !== undefined && this.#o.clock() + wait >= request.deadlineAt) throw error;
        await this.#o.sleep(wait);
      }
    }
  }

  /** One HTTP request's duration and outcome; `error` set when it failed (a refused answer or none). */
  #record(request: TransportRequest, started: number, status: number, error?: unknown): void {
    this.#o.metrics.request({
      provider: this.provider,
      operation: request.operation,
      method: request.method,
      url: this.#server,
      seconds: Math.max(0, this.#o.clock() - started) / 1000,
      status,
      ...(error === undefined ? {} : { errorType: error instanceof ProviderError ? error.code : error instanceof Error ? error.name : '_OTHER' }),
    });
  }

  async #once(request: TransportRequest): Promise<TransportAnswer> {
    const remaining = request.deadlineAt === undefined ? Infinity : request.deadlineAt - this.#o.clock();
    const budget = Math.min(this.#o.timeoutMs, remaining);
    if (budget <= 0) {
      throw this.error({ operation: request.operation, code: 'TIMEOUT', status: 0, detail: `no time left before the call's deadline` });
    }
    // A ref'd timer (unlike AbortSignal.timeout's): a process waiting only on a hung provider
    // still reaches its timeout instead of exiting with the call pending.
    const timeoutController = new AbortController();
    const timer = setTimeout(() => timeoutController.abort(), Math.max(1, Math.floor(budget)));
    const timeout = timeoutController.signal;
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const url = `${this.#o.baseUrl}${request.path}`;
    try {
      const response = await this.#o.fetch(url, {
        method: request.method,
        headers: request.headers ?? {},
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal,
      });
      const read = response.body
        ? await readStreamText(response.body, { maxBytes: this.#o.maxAnswerBytes, signal })
        : ({ kind: 'text', text: '', bytes: 0 } as const);
      if (read.kind === 'too-large') {
        throw this.error({
          operation: request.operation,
          code: 'ANSWER_TOO_LARGE',
          status: response.status,
          retryable: false,
          detail: `answered more than ${read.limit} bytes; the rest was not read`,
        });
      }
      if (read.kind === 'error') {
        if (read.reason === 'aborted' || read.reason === 'timeout') throw new DOMException('aborted', 'AbortError');
        if (read.reason === 'bad-encoding') return { status: response.status, statusText: response.statusText, text: '\uFFFD' };
        throw new Error(read.message);
      }
      return { status: response.status, statusText: response.statusText, text: read.text };
    } catch (error) {
      if (error instanceof ProviderApiError) throw error;
      if (request.signal?.aborted) {
        throw this.error({ operation: request.operation, code: 'ABORTED', status: 0, retryable: false, detail: 'aborted by the caller' });
      }
      if (timeout.aborted) {
        const deadlineHit = budget < this.#o.timeoutMs;
        throw this.error({
          operation: request.operation,
          code: 'TIMEOUT',
          status: 0,
          message: `${LABEL[this.provider]} ${request.operation} failed: no answer within ${Math.round(budget)} ms${deadlineHit ? " (the call's deadline)" : ''}`,
          detail: `no answer from ${url} within ${Math.round(budget)} ms`,
        });
      }
      const reason = describeNetworkError(error);
      throw this.error({
        operation: request.operation,
        code: 'NETWORK_ERROR',
        status: 0,
        // The URL and the cause stay in `detail` (the shop's log), never in `message`.
        detail: this.detail(`could not reach ${url} (${reason})`),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = (error as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `: ${cause.message}` : '';
  return `${error.name}: ${error.message}${causeText}`;
}

/** Races `promise` against the caller's signal and deadline (a shared login others wait on). */
export function raceDeadline<T>(
  promise: Promise<T>,
  options: { signal?: AbortSignal; deadlineAt?: number; clock: () => number; onTimeout: () => Error; onAbort: () => Error },
): Promise<T> {
  if (options.signal === undefined && options.deadlineAt === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(options.onAbort());
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.deadlineAt !== undefined) {
      const left = options.deadlineAt - options.clock();
      timer = setTimeout(() => {
        done();
        reject(options.onTimeout());
      }, Math.max(0, left));
    }
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
