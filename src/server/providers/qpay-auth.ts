// QPayClient's access token: token caching and refresh, one shared token request for concurrent
// callers, and auth failures remembered with back-off (an outage or a 401 storm does not become a
// login per call). The HTTP calls themselves go through the client's transport (`send`).
import { FailureBackoff } from '../backoff.js';
import { QPayError } from '../errors.js';
import { raceDeadline } from '../http/transport.js';
import type { QPayTokenResponse } from './qpay-types.js';

/** What a login or refresh sends through the client's transport. */
export interface AuthRequest {
  method: 'POST';
  path: string;
  idempotent: true;
  context: string;
  authorization: string;
  signal?: AbortSignal;
}

/** The caller waiting for a token: its deadline (monotonic ms, transport clock) and signal bound the wait. */
export interface TokenWait {
  context: string;
  signal?: AbortSignal;
  deadlineAt?: number;
}

export interface QPayAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Renew the access token this long before `expires_in`. */
  marginMs: number;
  /** Clock in epoch ms. */
  now: () => number;
  backoff: { baseMs: number; maxMs: number };
  /** One logical call through the client's transport. */
  send: (request: AuthRequest) => Promise<unknown>;
  /** The transport's monotonic clock, which deadlines are on. */
  clock: () => number;
}

interface CachedToken {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  refreshExpiresAt: number;
  /** Epoch ms from which a renewal is due (never sooner than MIN_TOKEN_REUSE_MS after the login). */
  renewAt: number;
}

/** QPay sends absolute epoch seconds; a small value can only be a duration, so treat it as one. Undefined when absent. */
function epochSecondsToMs(value: unknown, nowMs: number): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  return n < 1_000_000_000 ? nowMs + n * 1000 : n * 1000;
}

/** A token answer without `expires_in` is used for this long (QPay's real tokens last 24 h). */
const ASSUMED_TOKEN_LIFETIME_MS = 10 * 60_000;
/**
 * A token is used at least this long, even when `expires_in` is shorter than the refresh margin:
 * a login per call would be a storm. If QPay really expired it, its 401 brings one re-login.
 */
const MIN_TOKEN_REUSE_MS = 30_000;

export function basicAuth(id: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${id}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** Time a refresh request needs to reach QPay before the refresh token expires. */
const REFRESH_SKEW_MS = 5000;

export class QPayAuth {
  // Private fields: `console.log` and JSON.stringify never show the secret or tokens.
  readonly #options: QPayAuthOptions;
  /** Keys `login` (the credential) and `reauth` (401s that a fresh login did not cure). */
  readonly #backoff: FailureBackoff<QPayError>;
  #token: CachedToken | undefined;
  #tokenRequest: Promise<CachedToken> | undefined;

  constructor(options: QPayAuthOptions) {
    this.#options = options;
    this.#backoff = new FailureBackoff({ now: options.now, baseMs: options.backoff.baseMs, maxMs: options.backoff.maxMs });
  }

  /** What the transport must never let into an error: the secret, the tokens, the Basic credential. */
  secrets(): (string | undefined)[] {
    const { clientId, clientSecret } = this.#options;
    return [clientSecret, this.#token?.accessToken, this.#token?.refreshToken, basicAuth(clientId, clientSecret).slice(6)];
  }

  /** `POST /v2/auth/token` with HTTP Basic: a fresh login. The answer replaces the cached token. */
  async login(options: { signal?: AbortSignal } = {}): Promise<QPayTokenResponse> {
    const answer = (await this.#options.send({
      method: 'POST',
      path: '/v2/auth/token',
      idempotent: true,
      context: 'login',
      authorization: basicAuth(this.#options.clientId, this.#options.clientSecret),
      ...options,
    })) as QPayTokenResponse;
    this.#remember(answer);
    return answer;
  }

  /** `POST /v2/auth/refresh` with the cached refresh token (Bearer). */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<QPayTokenResponse> {
    const refreshToken = this.#token?.refreshToken;
    if (!refreshToken) throw new QPayError({ status: 0, code: 'NO_REFRESH_TOKEN', message: 'No refresh token yet: log in first' });
    const answer = (await this.#options.send({
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
  clear(): void {
    this.#token = undefined;
  }

  /** True while 401s that a fresh login did not cure are in back-off (they are then answered without logging in). */
  reauthBlocked(): boolean {
    return Boolean(this.#backoff.blocked('reauth'));
  }

  reauthFailed(error: QPayError): void {
    this.#backoff.fail('reauth', error);
  }

  reauthSucceeded(): void {
    this.#backoff.succeed('reauth');
  }

  /**
   * The cached access token, or one shared renewal (refresh first, then a fresh login). While
   * logins are failing, callers get the last login error at once (back-off per credential).
   */
  async accessToken(wait: TokenWait): Promise<string> {
    const cached = this.#token;
    if (cached && this.#options.now() < cached.renewAt) return cached.accessToken;
    const blocked = this.#backoff.blocked('login');
    if (blocked) throw this.#backoffError(blocked.error, blocked.retryAt);
    if (!this.#tokenRequest) {
      // The shared renewal has its own timeouts, not one caller's: an impatient caller must not
      // fail everybody else's login. Each caller waits only as long as its own deadline.
      this.#tokenRequest = this.#renew()
        .then(
          (token) => {
            this.#backoff.succeed('login');
            return token;
          },
          (error: unknown) => {
            if (error instanceof QPayError) this.#backoff.fail('login', error);
            throw error;
          },
        )
        .finally(() => {
          this.#tokenRequest = undefined;
        });
    }
    return (await this.#waitForToken(this.#tokenRequest, wait)).accessToken;
  }

  /** After a 401: drop the token that failed (unless another caller already replaced it) and log in. */
  async reloginAfter401(failedToken: string, wait: TokenWait): Promise<string> {
    if (this.#token?.accessToken === failedToken) this.#token = undefined;
    return this.accessToken(wait);
  }

  #remember(answer: QPayTokenResponse, previousRefresh?: string): CachedToken {
    if (!answer || typeof answer.access_token !== 'string' || !answer.access_token) {
      throw new QPayError({ status: 200, code: 'INVALID_RESPONSE', message: 'QPay token answer has no access_token' });
    }
    const now = this.#options.now();
    const refreshToken = typeof answer.refresh_token === 'string' && answer.refresh_token ? answer.refresh_token : previousRefresh;
    const expiresAt = epochSecondsToMs(answer.expires_in, now) ?? now + ASSUMED_TOKEN_LIFETIME_MS;
    this.#token = {
      accessToken: answer.access_token,
      ...(refreshToken ? { refreshToken } : {}),
      expiresAt,
      refreshExpiresAt: epochSecondsToMs(answer.refresh_expires_in, now) ?? expiresAt,
      renewAt: Math.max(expiresAt - this.#options.marginMs, now + MIN_TOKEN_REUSE_MS),
    };
    return this.#token;
  }

  #waitForToken(request: Promise<CachedToken>, wait: TokenWait): Promise<CachedToken> {
    return raceDeadline(request, {
      ...(wait.signal ? { signal: wait.signal } : {}),
      ...(wait.deadlineAt !== undefined ? { deadlineAt: wait.deadlineAt } : {}),
      clock: this.#options.clock,
      onTimeout: () => new QPayError({ status: 0, code: 'TIMEOUT', operation: wait.context, message: `QPay ${wait.context} failed: no access token within the call's deadline`, detail: 'waiting for the login' }),
      onAbort: () => new QPayError({ status: 0, code: 'ABORTED', operation: wait.context, retryable: false, detail: 'aborted by the caller while waiting for the login' }),
    });
  }

  /** The remembered auth failure, handed out during the back-off without calling QPay. */
  #backoffError(error: QPayError, retryAt: number): QPayError {
    const retryAfterMs = Math.max(0, retryAt - this.#options.now());
    return new QPayError({
      status: error.status,
      code: error.code,
      operation: error.operation,
      message: `${error.message}; not retried for ${Math.ceil(retryAfterMs / 1000)} s`,
      detail: error.detail,
      retryable: false,
      retryAfterMs,
    });
  }

  async #renew(): Promise<CachedToken> {
    const cached = this.#token;
    // QPay's refresh token expires together with the access token (same epoch in the sandbox), so
    // it is usable during the renewal margin; keep only a few seconds for the request itself.
    if (cached?.refreshToken && this.#options.now() < cached.refreshExpiresAt - REFRESH_SKEW_MS) {
      try {
        await this.refresh();
        return this.#token!;
      } catch {
        // An expired or revoked refresh token: fall through to a fresh login.
      }
    }
    await this.login();
    return this.#token!;
  }
}
