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

import type { PaymentStatus } from './types.js';
import { isFinal, parseStatus } from './status.js';
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
  /** Per-request timeout in ms, default 10000: the request is aborted and counted as a fault. */
  requestTimeout?: number;
  /** Longest wait after repeated faults, default 30000 (a Retry-After may ask for longer). */
  maxBackoff?: number;
  /** Every successfully parsed answer, final or not. */
  onStatus(status: PaymentStatus, body: unknown): void;
  /** Non-fatal faults; polling goes on after `error.retryInMs`. */
  onError(error: PollError): void;
  /** Every response carrying a Date header, for correcting the client clock. */
  onServerDate?(dateHeader: string, receivedAt: number): void;
}

export type PollErrorKind = 'network' | 'timeout' | 'http' | 'malformed';

export class PollError extends Error {
  override name = 'PollError';
  readonly kind: PollErrorKind;
  /** HTTP status for `kind === 'http'`. */
  readonly status?: number;
  /** How long the poller waits before the next check. */
  readonly retryInMs: number;

  constructor(kind: PollErrorKind, message: string, retryInMs: number, status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.retryInMs = retryInMs;
    if (status !== undefined) this.status = status;
  }
}

export interface Poller {
  /** Begins polling with an immediate check (or at the end of a pending Retry-After); idempotent. */
  start(): void;
  /** Clears the timer and aborts the request in flight; no callback fires after stop. */
  stop(): void;
  /**
   * Checks at once and restarts the wait from that answer. No-op when not running, when a request
   * is in flight (never two at once), or while the server's Retry-After has not passed.
   */
  checkNow(): void;
  /** Hidden: slower schedule (the pending wait is stretched to hiddenInterval). Visible again: checkNow(). */
  setHidden(hidden: boolean): void;
  readonly running: boolean;
  readonly inFlight: boolean;
}

export const POLL_DEFAULTS = Object.freeze({
  interval: 2000,
  minInterval: 500,
  minHiddenInterval: 15000,
  hiddenFactor: 5,
  requestTimeout: 10000,
  maxBackoff: 30000,
});

/** Doublings beyond this cannot matter (2^30 * 500 ms is decades) and keep the math finite. */
const MAX_DOUBLINGS = 30;

const systemClock: PollerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

type Outcome =
  | { ok: true; status: PaymentStatus; body: unknown }
  | {
      ok: false;
      kind: PollErrorKind;
      message: string;
      httpStatus?: number;
      /** Server-requested minimum wait (Retry-After), in ms. */
      retryAfterMs?: number;
      cause?: unknown;
    };

interface ServerDate {
  header: string;
  receivedAt: number;
}

interface Request {
  controller: AbortController;
  timeoutHandle: unknown;
}

export function createPoller(options: PollerOptions): Poller {
  const config = readOptions(options);
  const { url, clock, random, onStatus, onError, onServerDate } = config;
  const fetchStatus = config.fetch;

  let running = false;
  let hidden = false;
  /** The request in flight; replaced or cleared when it settles, times out or the poller stops. */
  let current: Request | null = null;
  let timer: unknown = null;
  let timerDueAt = 0;
  /** Bumped by stop(), so work begun before a stop (or a stop+start in a callback) is dropped. */
  let epoch = 0;
  /** When the current wait began (the last answer or fault). */
  let waitStartedAt = 0;
  /** Epoch ms before which the server asked not to be called (Retry-After). */
  let notBefore = 0;
  let consecutiveFaults = 0;

  const baseInterval = () => (hidden ? config.hiddenInterval : config.interval);

  function clearTimer(): void {
    if (timer !== null) {
      clock.clearTimeout(timer);
      timer = null;
    }
  }

  function scheduleIn(delay: number): void {
    clearTimer();
    timerDueAt = clock.now() + Math.max(0, delay);
    timer = clock.setTimeout(() => {
      timer = null;
      if (running && current === null) beginCheck();
    }, Math.max(0, delay));
  }

  function beginCheck(): void {
    clearTimer();
    const request: Request = { controller: new AbortController(), timeoutHandle: null };
    current = request;
    request.timeoutHandle = clock.setTimeout(() => {
      if (current !== request) return;
      current = null;
      // Abort after letting go of the request, so its rejection (or a late answer) is ignored.
      request.controller.abort();
      settleFault({
        ok: false,
        kind: 'timeout',
        message: `Status request timed out after ${config.requestTimeout} ms`,
      });
    }, config.requestTimeout);

    performRequest(request.controller.signal)
      .catch((error: unknown): { outcome: Outcome } => ({
        // Only a broken fetch stand-in gets here (e.g. a Response whose headers throw).
        outcome: { ok: false, kind: 'network', message: `Status answer could not be read: ${describe(error)}`, cause: error },
      }))
      .then(({ outcome, serverDate }: { outcome: Outcome; serverDate?: ServerDate }) => {
        if (current !== request) return; // stopped, timed out or superseded meanwhile
        clock.clearTimeout(request.timeoutHandle);
        current = null;
        if (serverDate && onServerDate) {
          const epochBefore = epoch;
          safely(() => onServerDate(serverDate.header, serverDate.receivedAt));
          if (epoch !== epochBefore || !running) return; // the callback stopped (or restarted) us
        }
        if (outcome.ok) settleSuccess(outcome.status, outcome.body);
        else settleFault(outcome);
      });
  }

  async function performRequest(signal: AbortSignal): Promise<{ outcome: Outcome; serverDate?: ServerDate }> {
    let response: Response;
    try {
      response = await fetchStatus(url, {
        method: 'GET',
        cache: 'no-store',
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
        signal,
      });
    } catch (error) {
      return { outcome: { ok: false, kind: 'network', message: `Status request failed: ${describe(error)}`, cause: error } };
    }
    const receivedAt = clock.now();
    const dateHeader = response.headers.get('date');
    const serverDate = dateHeader ? { header: dateHeader, receivedAt } : undefined;

    if (!response.ok) {
      discardBody(response);
      const outcome: Outcome = {
        ok: false,
        kind: 'http',
        message: `Status request answered HTTP ${response.status}`,
        httpStatus: response.status,
      };
      if (response.status === 429 || response.status === 503) {
        // Measure an HTTP-date Retry-After against the server's own clock when it told us the time.
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), parseHttpDate(dateHeader) ?? receivedAt);
        if (retryAfterMs !== null) outcome.retryAfterMs = retryAfterMs;
      }
      return { outcome, serverDate };
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return {
        outcome: { ok: false, kind: 'network', message: `Status answer was cut off: ${describe(error)}`, cause: error },
        serverDate,
      };
    }
    // JSON is the contract; a bare status word (`PAID`) is also understood by parseStatus.
    let body: unknown = text;
    let isJson = true;
    try {
      body = JSON.parse(text);
    } catch {
      isJson = false;
    }
    const status = parseStatus(body);
    if (status === null) {
      const message = isJson ? 'Status answer has no known payment status' : 'Status answer is not JSON';
      return { outcome: { ok: false, kind: 'malformed', message }, serverDate };
    }
    return { outcome: { ok: true, status, body }, serverDate };
  }

  function settleSuccess(status: PaymentStatus, body: unknown): void {
    consecutiveFaults = 0;
    waitStartedAt = clock.now();
    if (isFinal(status)) {
      // Stop before reporting, so nothing is asked again and a start() from the callback is not undone.
      stop();
    } else {
      scheduleIn(baseInterval());
    }
    safely(() => onStatus(status, body));
  }

  function settleFault(outcome: Extract<Outcome, { ok: false }>): void {
    consecutiveFaults = Math.min(consecutiveFaults + 1, MAX_DOUBLINGS);
    const now = clock.now();
    waitStartedAt = now;
    let delay = backoffDelay(consecutiveFaults);
    if (outcome.retryAfterMs !== undefined) {
      notBefore = now + outcome.retryAfterMs;
      delay = Math.max(delay, outcome.retryAfterMs);
    }
    scheduleIn(delay);
    const error = new PollError(outcome.kind, outcome.message, delay, outcome.httpStatus, outcome.cause);
    safely(() => onError(error));
  }

  /** Equal jitter on base * 2^n: uniform in [half, full) of the doubled wait, within [base, maxBackoff]. */
  function backoffDelay(faults: number): number {
    const base = baseInterval();
    const lower = base * 2 ** (faults - 1);
    const jittered = lower * (1 + clampUnit(random()));
    return Math.round(Math.max(base, Math.min(Math.max(config.maxBackoff, base), jittered)));
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
      beginCheck();
    }
  }

  function stop(): void {
    running = false;
    epoch += 1;
    clearTimer();
    const request = current;
    current = null;
    if (request) {
      clock.clearTimeout(request.timeoutHandle);
      request.controller.abort();
    }
  }

  function checkNow(): void {
    if (!running || current !== null) return;
    if (clock.now() < notBefore) return; // the server asked for quiet; the timer already waits for it
    beginCheck();
  }

  function setHidden(nextHidden: boolean): void {
    const wasHidden = hidden;
    hidden = Boolean(nextHidden);
    if (hidden === wasHidden) return;
    if (!hidden) {
      checkNow();
      return;
    }
    // Stretch a pending wait so a hidden page asks no sooner than hiddenInterval after the last answer.
    if (running && timer !== null) {
      const stretched = waitStartedAt + config.hiddenInterval - clock.now();
      if (stretched > timerDueAt - clock.now()) scheduleIn(stretched);
    }
  }

  return {
    start,
    stop,
    checkNow,
    setHidden,
    get running() {
      return running;
    },
    get inFlight() {
      return current !== null;
    },
  };
}

interface ResolvedOptions {
  url: string;
  fetch: typeof fetch;
  clock: PollerClock;
  random: () => number;
  interval: number;
  hiddenInterval: number;
  requestTimeout: number;
  maxBackoff: number;
  onStatus: PollerOptions['onStatus'];
  onError: PollerOptions['onError'];
  onServerDate: PollerOptions['onServerDate'];
}

function readOptions(options: PollerOptions): ResolvedOptions {
  const fail = (what: string): never => {
    throw new TypeError(`createPoller: ${what}`);
  };
  if (options === null || typeof options !== 'object') fail('expected an options object');
  const { url, fetch: fetchFn, onStatus, onError, onServerDate } = options;
  if (typeof url !== 'string' || url === '') fail('`url` must be a non-empty string');
  for (const [name, value] of Object.entries({ fetch: fetchFn, onStatus, onError })) {
    if (typeof value !== 'function') fail(`\`${name}\` must be a function`);
  }
  if (onServerDate !== undefined && typeof onServerDate !== 'function') fail('`onServerDate` must be a function when given');
  const clock = options.clock ?? systemClock;
  if (![clock.now, clock.setTimeout, clock.clearTimeout].every((method) => typeof method === 'function')) {
    fail('`clock` needs now(), setTimeout() and clearTimeout()');
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') fail('`random` must be a function');

  const interval = Math.max(POLL_DEFAULTS.minInterval, positiveOr(options.interval, POLL_DEFAULTS.interval));
  const hiddenInterval = Math.max(
    interval,
    positiveOr(options.hiddenInterval, Math.max(interval * POLL_DEFAULTS.hiddenFactor, POLL_DEFAULTS.minHiddenInterval)),
  );
  return {
    url,
    fetch: fetchFn,
    clock,
    random,
    interval,
    hiddenInterval,
    requestTimeout: positiveOr(options.requestTimeout, POLL_DEFAULTS.requestTimeout),
    maxBackoff: Math.max(interval, positiveOr(options.maxBackoff, POLL_DEFAULTS.maxBackoff)),
    onStatus,
    onError,
    onServerDate,
  };
}

/** A finite positive number, else the fallback (an attribute like poll-interval="abc" gives NaN). */
function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value)) return 0.5;
  return Math.min(Math.max(value, 0), 1);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function discardBody(response: Response): void {
  try {
    void response.body?.cancel().catch(() => {});
  } catch {
    // A body already used or locked needs no cleanup.
  }
}

/** Runs a host callback; if it throws, the error is reported (not swallowed) and polling goes on. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
    if (typeof report === 'function') report(error);
    else console.error(error);
  }
}
