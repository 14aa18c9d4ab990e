// The status-polling scheduler: decides when to ask the merchant's status endpoint next.
// Pure logic with an injected clock and fetch; the element wires page visibility, online, pageshow
// and focus to `setHidden()` / `checkNow()`. No DOM globals here.
//
// Rules, in one place:
// - One request in flight at a time; each has a timeout (aborted, counted as a fault, a late answer
//   is ignored).
// - After a success the next check is exactly one base interval after the answer (no jitter: a
//   healthy page asks at a steady, predictable rate).
// - After a fault (network, timeout, HTTP error, malformed answer) the wait doubles per consecutive
//   fault with "equal jitter": uniform in [base * 2^(n-1), base * 2^n), capped at maxBackoff and never
//   below the base interval. Jitter spreads the retries of many pages after an outage.
// - `Retry-After` on 429/503 is a floor for the next wait, measured in the server's time (its Date
//   header) so a wrong client clock cannot shorten it; even checkNow() waits for it.
// - A hidden page uses hiddenInterval as its base; becoming visible checks at once.
// - A final status stops the poller for good (until start() is called again).
// - An answer is believed only from the status URL's own origin (a redirect elsewhere is a fault),
//   at most MAX_STATUS_BODY bytes long (read as a stream, abandoned beyond), and a PAID only when it
//   agrees with `expect` (see `paidMismatch`). Each refusal is a fault like any other.

import { isFinal, type PaymentStatus } from './types.js';
import { paidMismatch, parseStatus, type PaidExpectation } from './status.js';
import { parseHttpDate, parseRetryAfter } from './format.js';

export interface PollerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PollerOptions {
  /** Already-expanded status URL (see `expandStatusUrl`). */
  url: string;
  fetch: typeof fetch;
  /** Epoch-millisecond clock and timers; default: globalThis timers + Date.now. */
  clock?: PollerClock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Base wait in ms between checks, default 2000; values below 500 become 500 to protect the merchant. */
  interval?: number;
  /** Base wait while the page is hidden; default max(interval * 5, 15000); never below interval. */
  hiddenInterval?: number;
  /** Base wait while `setRelaxed(true)` (a healthy event stream); default 15000; never below interval. */
  relaxedInterval?: number;
  /** Per-request timeout in ms, default 10000: the request is aborted and counted as a fault. */
  requestTimeout?: number;
  /** Longest wait after repeated faults, default 30000 (a Retry-After may ask for longer). */
  maxBackoff?: number;
  /** The invoice polled for and its amount: a PAID naming another invoice or a smaller amount is a fault. */
  expect?: PaidExpectation;
  /**
   * When an earlier poller for the same invoice last asked (epoch ms): start() then waits until one
   * interval after it, so an element removed and re-inserted in a loop does not ask each time.
   */
  lastCheckAt?: number;
  /** Every successfully parsed answer, final or not. */
  onStatus(status: PaymentStatus, body: unknown): void;
  /** Non-fatal faults; polling goes on after `error.retryInMs`. */
  onError(error: PollError): void;
  /** Every response carrying a Date header, for correcting the client clock. */
  onServerDate?(dateHeader: string, receivedAt: number): void;
}

/**
 * `too-large`: the answer is over MAX_STATUS_BODY bytes. `untrusted`: it came from another origin
 * (a redirect), or it is a PAID for another invoice or for less than the invoice's amount. `stream`: the
 * `events-url` answer was not an event stream (an error status, a proxy's HTML page); polling carries on.
 */
export type PollErrorKind = 'network' | 'timeout' | 'http' | 'malformed' | 'too-large' | 'untrusted' | 'stream';

export class PollError extends Error {
  override name = 'PollError';
  /** How long the poller waits before the next check (set by the poller before it reports the error). */
  retryInMs = 0;

  constructor(
    readonly kind: PollErrorKind,
    message: string,
    /** HTTP status for `kind === 'http'`. */
    readonly status?: number,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

export interface Poller {
  /** Begins polling with an immediate check (or at the end of a pending Retry-After); idempotent. */
  start(): void;
  /** Clears the timer and aborts the request in flight; no callback fires after stop. */
  stop(): void;
  /**
   * The customer may be back (from the bank app, online again, the page visible again): checks at once,
   * with `return=1` in the query so the shop's server checks with the provider faster for a while, and
   * restarts the wait from that answer. No-op when not running, when a request is in flight (never two
   * at once), or while the server's Retry-After has not passed.
   */
  checkNow(): void;
  /** Hidden: slower schedule (the pending wait is stretched to hiddenInterval). Visible again: checkNow(). */
  setHidden(hidden: boolean): void;
  /**
   * Another source (the event stream) is delivering statuses: polling becomes a safety net, at least
   * `relaxedInterval` apart. False again (the stream failed): the normal pace, from the last answer.
   */
  setRelaxed(relaxed: boolean): void;
}

// The defaults, as plain constants so a minifier can inline them (an object's keys would ship).
const INTERVAL = 2000;
const MIN_INTERVAL = 500;
const MIN_HIDDEN_INTERVAL = 15000;
const HIDDEN_FACTOR = 5;
const RELAXED_INTERVAL = 15000;
const REQUEST_TIMEOUT = 10000;
const MAX_BACKOFF = 30000;
/** The message of a `malformed` answer that is not JSON at all (a proxy's HTML page, say). */
export const NOT_JSON = 'Status answer is not JSON';
/** Longest status answer read, in bytes: a status is a few hundred; a raw QPay check with many rows a few KB. */
export const MAX_STATUS_BODY = 64 * 1024;

/** The defaults in one object, for reports (the benchmark prints them). */
export const POLL_DEFAULTS = {
  interval: INTERVAL,
  minInterval: MIN_INTERVAL,
  minHiddenInterval: MIN_HIDDEN_INTERVAL,
  hiddenFactor: HIDDEN_FACTOR,
  relaxedInterval: RELAXED_INTERVAL,
  requestTimeout: REQUEST_TIMEOUT,
  maxBackoff: MAX_BACKOFF,
  maxStatusBody: MAX_STATUS_BODY,
} as const;

const systemClock: PollerClock = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

type Outcome = { status: PaymentStatus; body: unknown } | PollError;

/** A finite positive number, else the fallback (an attribute like poll-interval="abc" gives NaN). */
function positiveOr(value: number | undefined, fallback: number): number {
  return value! > 0 && value! < Infinity ? value! : fallback;
}

/**
 * The body as text, read as a stream and abandoned (cancelled) as soon as it passes `limit` bytes,
 * or refused at once when its Content-Length says so: null when too large.
 */
async function readCapped(response: Response, limit: number): Promise<string | null> {
  if (Number(response.headers.get('content-length')) > limit) return null;
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let size = 0; reader; ) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * The status URL with `return=1` added to its query (the customer came back), through the URL API so the
 * template's own parameters and hash stay as they were; unchanged when it cannot be parsed.
 */
export function withReturnFlag(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.searchParams.set('return', '1');
    return parsed.href;
  } catch {
    return url;
  }
}

/** The origin of an absolute URL (or one relative to the page), or null. */
export function originOf(url: string): string | null {
  try {
    return new URL(url, globalThis.location?.href).origin;
  } catch {
    return null;
  }
}

/** Runs a host callback; if it throws, the error is reported (not swallowed) and polling goes on. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    (globalThis.reportError ?? console.error)(error);
  }
}

/**
 * One status answer's text, judged as every source of statuses must (the poller's GETs and the event
 * stream's `status` events): JSON is the contract, a bare status word (`PAID`) is also understood, and a
 * PAID is believed only when it agrees with `expect` (see `paidMismatch`). A refusal is a PollError.
 */
export function readStatusAnswer(text: string, expect?: PaidExpectation): { status: PaymentStatus; body: unknown } | PollError {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // stays the text
  }
  const paymentStatus = parseStatus(body);
  const mismatch = paymentStatus === 'PAID' && expect ? paidMismatch(body, expect) : null;
  return mismatch
    ? new PollError('untrusted', `Status answer not believed: ${mismatch}`)
    : paymentStatus
      ? { status: paymentStatus, body }
      : new PollError('malformed', body === text ? NOT_JSON : 'Status answer has no known payment status (expected JSON such as {"status": "PAID"})');
}

export function createPoller(options: PollerOptions): Poller {
  const { url, fetch: fetchStatus, clock = systemClock, random = Math.random, expect, onStatus, onError, onServerDate } = options;
  const ownOrigin = originOf(url);
  const interval = Math.max(MIN_INTERVAL, positiveOr(options.interval, INTERVAL));
  const hiddenInterval = Math.max(interval, positiveOr(options.hiddenInterval, Math.max(interval * HIDDEN_FACTOR, MIN_HIDDEN_INTERVAL)));
  const relaxedInterval = Math.max(interval, positiveOr(options.relaxedInterval, RELAXED_INTERVAL));
  const requestTimeout = positiveOr(options.requestTimeout, REQUEST_TIMEOUT);
  const maxBackoff = Math.max(interval, positiveOr(options.maxBackoff, MAX_BACKOFF));

  let running = false;
  let hidden = false;
  let relaxed = false;
  /** The request in flight; cleared when it settles, times out or the poller stops. */
  let current: AbortController | null = null;
  /** The one timer: the next check while waiting, the request's timeout while one is in flight. */
  let timer: unknown;
  let timerDueAt = 0;
  /** When the current wait began (the last answer or fault). */
  let waitStartedAt = 0;
  /** Epoch ms before which the server asked not to be called (Retry-After). */
  let notBefore = (options.lastCheckAt ?? -Infinity) + interval;
  let consecutiveFaults = 0;
  /** The next check tells the server the customer came back (set by checkNow). */
  let returning = false;

  const baseInterval = () => Math.max(hidden ? hiddenInterval : interval, relaxed ? relaxedInterval : 0);

  function scheduleIn(delay: number): void {
    clock.clearTimeout(timer);
    timerDueAt = clock.now() + delay;
    timer = clock.setTimeout(check, delay);
  }

  /** Lets go of the request in flight and aborts what is left of it (a hung request, an unread body). */
  function release(): void {
    clock.clearTimeout(timer);
    current?.abort();
    current = null;
  }

  async function check(): Promise<void> {
    if (!running || current) return;
    clock.clearTimeout(timer);
    const request = (current = new AbortController());
    timer = clock.setTimeout(() => {
      release();
      settle(new PollError('timeout', `Status request timed out after ${requestTimeout} ms`));
    }, requestTimeout);

    let outcome: Outcome;
    /** Server-requested minimum wait (Retry-After on 429/503), in ms. */
    let retryAfterMs: number | null = null;
    try {
      // A GET with same-origin credentials: fetch's defaults.
      const target = returning ? withReturnFlag(url) : url;
      returning = false;
      const response = await fetchStatus(target, {
        cache: 'no-store',
        headers: { accept: 'application/json' },
        signal: request.signal,
      });
      const receivedAt = clock.now();
      const dateHeader = response.headers.get('date');
      // Reported while this request still counts: if the callback stops (or restarts) the poller,
      // `current` changes and this answer is dropped below.
      if (dateHeader && current === request) safely(() => onServerDate?.(dateHeader, receivedAt));
      const { status } = response;
      // Where the answer really came from, after any redirects (fetch follows them).
      const answeredFrom = response.url && originOf(response.url);
      if (answeredFrom && ownOrigin && answeredFrom !== ownOrigin) {
        outcome = new PollError('untrusted', `Status answer came from ${answeredFrom}, not ${ownOrigin} (a redirect)`);
      } else if (!response.ok) {
        // Measure an HTTP-date Retry-After against the server's own clock when it told us the time.
        if (status === 429 || status === 503) {
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), parseHttpDate(dateHeader) ?? receivedAt);
        }
        outcome = new PollError('http', `Status request answered HTTP ${status}`, status);
      } else {
        const text = await readCapped(response, MAX_STATUS_BODY);
        outcome = text === null ? new PollError('too-large', `Status answer is over ${MAX_STATUS_BODY} bytes`) : readStatusAnswer(text, expect);
      }
    } catch (error) {
      outcome = new PollError('network', `Status request failed: ${(error as Error)?.message || error}`, undefined, error);
    }
    if (current !== request) return; // stopped, timed out or superseded meanwhile
    release();
    settle(outcome, retryAfterMs);
  }

  function settle(outcome: Outcome, retryAfterMs: number | null = null): void {
    const now = clock.now();
    waitStartedAt = now;
    if (!(outcome instanceof PollError)) {
      consecutiveFaults = 0;
      // Stop before reporting, so nothing is asked again and a start() from the callback is not undone.
      if (isFinal(outcome.status)) stop();
      else scheduleIn(baseInterval());
      safely(() => onStatus(outcome.status, outcome.body));
      return;
    }
    // Equal jitter on base * 2^n: uniform in [half, full) of the doubled wait, so never below base;
    // capped at maxBackoff (or base, when that is longer, as for a hidden page).
    const base = baseInterval();
    let delay = Math.round(Math.min(Math.max(maxBackoff, base), base * 2 ** consecutiveFaults++ * (1 + random())));
    if (retryAfterMs != null) {
      notBefore = now + retryAfterMs;
      delay = Math.max(delay, retryAfterMs);
    }
    outcome.retryInMs = delay;
    scheduleIn(delay);
    safely(() => onError(outcome));
  }

  function start(): void {
    if (running) return;
    running = true;
    consecutiveFaults = 0;
    const wait = notBefore - clock.now();
    if (wait > 0) {
      waitStartedAt = clock.now();
      scheduleIn(wait);
    } else {
      void check();
    }
  }

  function stop(): void {
    running = false;
    release();
  }

  function checkNow(): void {
    // While the server asked for quiet, the timer already waits for it.
    if (clock.now() >= notBefore) {
      returning = true;
      void check();
    }
  }

  function setHidden(nextHidden: boolean): void {
    if (hidden === nextHidden) return;
    hidden = nextHidden;
    if (!hidden) return checkNow();
    // Stretch a pending wait so a hidden page asks no sooner than hiddenInterval after the last answer.
    stretchWait();
  }

  /** Moves a pending wait (not a back-off after faults) to one base interval after the last answer. */
  function stretchWait(shorten = false): void {
    const dueAt = Math.max(waitStartedAt + baseInterval(), notBefore);
    if (running && !current && (dueAt > timerDueAt || (shorten && consecutiveFaults === 0))) scheduleIn(Math.max(0, dueAt - clock.now()));
  }

  function setRelaxed(nextRelaxed: boolean): void {
    if (relaxed === nextRelaxed) return;
    relaxed = nextRelaxed;
    stretchWait(!relaxed);
  }

  return { start, stop, checkNow, setHidden, setRelaxed };
}
