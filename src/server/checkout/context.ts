// What every part of the checkout reads: the options checked once, with their defaults resolved, and the
// per-process services (each owns its own in-flight state). `createCheckoutHandler` builds it once.
import { clientAddressOf } from '../http/client-address.js';
import { logSafe } from '../log.js';
import { CheckoutMetrics, meterProviderOption } from '../metrics.js';
import type { CheckoutProvider } from '../providers/provider.js';
import { MemoryStore, type CheckoutStore } from '../stores/store.js';
import type { Delivery } from './delivery.js';
import type { Ledger } from './ledger.js';
import type { CheckoutHandlerOptions, CheckoutLogger } from './options.js';
import type { Pace } from './pace.js';
import type { ProviderChecks } from './provider-checks.js';
import type { ReadyAnswers } from './ready-answers.js';
import { CallbackSigner } from './signing.js';
import type { Watchers } from './watchers.js';

/** The options as the checkout uses them: validated, defaults filled in, the logger made log-safe. */
export interface CheckoutSettings {
  provider: CheckoutProvider;
  store: CheckoutStore;
  logger: CheckoutLogger;
  now: () => number;
  /** The prefix the routes live under, normalized: '' or '/segment(s)' without a trailing slash. */
  basePath: string;
  /** `callbackUrl` parsed; each invoice's callback URL is this plus `order` and `ref`. */
  callbackBase: URL;
  getOrder: CheckoutHandlerOptions['getOrder'];
  onPaid: CheckoutHandlerOptions['onPaid'];
  waitUntil: CheckoutHandlerOptions['waitUntil'];
  cacheMs: number;
  reuseMarginMs: number;
  onPaidTimeoutMs: number;
  onPaidRetryMs: number;
  onPaidRetryMaxMs: number;
  heartbeatMs: number;
  /** The client an event stream counts against (`maxStreamsPerClient`); undefined: no per-client cap. */
  streamClientKey: (request: Request) => string | undefined;
  maxStreamsPerClient: number;
  /** A failing delivery older than this is given up on (state `failed`). */
  onPaidGiveUpAfterMs: number;
  deliveryIntervalMs: number;
  sweepIntervalMs: number;
  sweepGraceMs: number;
  /** How often open invoices are checked with the provider: fast inside a window, slow outside (see pace.ts). */
  pace: Pace;
  /** Signs and verifies the `sig` of callback URLs (`callbackSecret`, or a random per-process secret). */
  signer: CallbackSigner;
  /** The handler's recordings (a no-op without an OpenTelemetry meter provider). */
  metrics: CheckoutMetrics;
}

/** The settings plus this process's services; routes are plain functions over it. */
export interface CheckoutContext extends CheckoutSettings {
  checks: ProviderChecks;
  ledger: Ledger;
  delivery: Delivery;
  watchers: Watchers;
  /** Status answers kept ready to send while they hold (the status route fills them). */
  answers: ReadyAnswers;
}

function normalizeBasePath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, '')}`;
  return trimmed === '/' ? '' : trimmed;
}

function positiveMs(options: CheckoutHandlerOptions, name: keyof CheckoutHandlerOptions, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createCheckoutHandler: ${name} must be a positive number of milliseconds (got ${String(value)})`);
  }
  return value;
}

/** The delivery worker's, the check schedule's and the callback signature's options (the signer throws on a short secret). */
function resolveDurability(options: CheckoutHandlerOptions) {
  // 12 s: a lost callback's payment is found within 60 s even after a failed check or two, at 1 call per 12 s.
  const sweepIntervalMs = positiveMs(options, 'sweepIntervalMs', 12_000);
  // The fast pace is the status cache interval (the provider is asked at most once per it anyway), 100 ms at least.
  const fastMs = Math.min(Math.max(100, options.statusCacheMs ?? 1000), sweepIntervalMs);
  return {
    onPaidGiveUpAfterMs: positiveMs(options, 'onPaidGiveUpAfterMs', 3 * 24 * 3_600_000),
    deliveryIntervalMs: positiveMs(options, 'deliveryIntervalMs', 5000),
    sweepIntervalMs,
    sweepGraceMs: positiveMs(options, 'sweepGraceMs', 10 * 60_000),
    pace: { fastMs, slowMs: sweepIntervalMs, windowMs: positiveMs(options, 'fastWindowMs', 60_000) },
    signer: new CallbackSigner(options.callbackSecret),
  };
}

/** Checks the options (a mistake throws a TypeError at start-up, naming the option) and resolves their defaults. */
export function resolveSettings(options: CheckoutHandlerOptions): CheckoutSettings {
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
  const onPaidTimeoutMs = options.onPaidTimeoutMs ?? 30_000;
  const sink: CheckoutLogger = options.logger ?? { error: (message) => console.error(`[qpay-checkout] ${message}`) };
  return {
    provider,
    store: options.store ?? new MemoryStore({ now }),
    // Every line is made safe at this one place: order ids and callback parameters come from outside, and a CR/LF in
    // one must never forge a second log line.
    logger: { error: (message) => sink.error(logSafe(message, 2000)) },
    now,
    basePath: normalizeBasePath(options.basePath ?? '/qpay'),
    callbackBase,
    // Called as methods of the options object, as the shop wrote them.
    getOrder: (request, body) => options.getOrder(request, body),
    onPaid: (event) => options.onPaid(event),
    waitUntil: options.waitUntil && ((work) => options.waitUntil?.(work)),
    cacheMs: options.statusCacheMs ?? 1000,
    reuseMarginMs: options.reuseMarginMs ?? 60_000,
    onPaidTimeoutMs,
    onPaidRetryMs: options.onPaidRetryMs ?? 5000,
    onPaidRetryMaxMs: options.onPaidRetryMaxMs ?? 10 * 60_000,
    heartbeatMs: options.streamHeartbeatMs ?? 15_000,
    ...streamLimits(options),
    ...resolveDurability(options),
    metrics: new CheckoutMetrics(meterProviderOption(options.meterProvider, 'createCheckoutHandler')),
  };
}

/** The per-client cap on open event streams: who a client is (default its remote address) and how many it may hold. */
function streamLimits(options: CheckoutHandlerOptions): Pick<CheckoutSettings, 'streamClientKey' | 'maxStreamsPerClient'> {
  const { streamClientKey, maxStreamsPerClient = 20 } = options;
  if (streamClientKey !== undefined && typeof streamClientKey !== 'function') {
    throw new TypeError('createCheckoutHandler: streamClientKey must be a function (request) => string | undefined');
  }
  if (!Number.isInteger(maxStreamsPerClient) || maxStreamsPerClient < 1) {
    throw new TypeError(`createCheckoutHandler: maxStreamsPerClient must be a whole number of at least 1, got ${String(maxStreamsPerClient)}`);
  }
  // Called as a method of the options object, as the shop wrote it.
  return { streamClientKey: streamClientKey ? (request) => options.streamClientKey?.(request) : clientAddressOf, maxStreamsPerClient };
}
