// The checkout handler's public face: its options, what onPaid receives, and the error getOrder may throw.
import type { CheckoutOrder, CheckoutProvider } from '../providers/provider.js';
import type { MeterProviderLike } from '../metrics.js';
import type { CheckoutStore, DeliveryRecord, DeliveryState, MaybePromise } from '../stores/store.js';
import type { ReadyAnswer } from './ready-answers.js';

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
  /** 1 on the first run; more when an earlier run failed, timed out or was cut off. */
  attempt: number;
  /**
   * True when an earlier onPaid for this invoice may have done the shop's work already: a run timed out or its
   * process died, the delivery was queued again with `redeliver`, or the store lost its data and the payment was
   * recorded anew. Check your own records by `invoiceId` before fulfilling again. False: no run started before.
   */
  redelivery: boolean;
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
   * Called for every paid invoice after the provider confirmed full payment, with the invoice's own id and amount,
   * by the handler's delivery worker (no request needed). At least once: make it idempotent on `invoiceId`. A run
   * that throws or passes `onPaidTimeoutMs` is tried again, backing off, until it succeeds or `onPaidGiveUpAfterMs`
   * passes; a run that may repeat an earlier one carries `redelivery: true`.
   */
  onPaid: (event: PaidEvent) => MaybePromise<void>;
  /** Default `/qpay`. */
  basePath?: string;
  /** Default: a MemoryStore (one process; see the README for restarts and several instances). */
  store?: CheckoutStore;
  /**
   * The fast pace: inside a fast window each open invoice is checked with the provider once per this interval, and
   * never more often, across every process sharing the store (default 1000 ms).
   */
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
   * After this long since the payment, a failing onPaid is given up on: logged loudly and listed by
   * `deliveries({ state: 'failed' })` until `redeliver` queues it again (default 3 days).
   */
  onPaidGiveUpAfterMs?: number;
  /** How often the delivery worker looks for due deliveries when nothing nudged it (default 5000 ms). */
  deliveryIntervalMs?: number;
  /**
   * How often each open invoice is checked with the provider outside its fast windows (`fastWindowMs`), so a payment
   * whose callback never comes reaches the page and onPaid (default 12000 ms: one call per invoice per 12 s). Status
   * polls and event streams read the latest check; they never ask the provider about a known invoice themselves.
   */
  sweepIntervalMs?: number;
  /** How long after its expiry an invoice is still checked in the background (default 10 minutes). */
  sweepGraceMs?: number;
  /**
   * How long an open invoice is checked with the provider at the fast pace (once per `statusCacheMs`) after its QR is
   * shown (created, or handed out again) and after the customer comes back from the bank app (the element's status
   * poll then carries `return=1`); outside these windows, once per `sweepIntervalMs` (default 60000 ms).
   */
  fastWindowMs?: number;
  /**
   * Signs each invoice's callback URL (HMAC-SHA256, a `sig` parameter): a signed callback is confirmed with the
   * provider even after the store forgot its invoice; a missing or wrong signature is refused without any provider
   * call. At least 32 characters, the same on every instance. Without it: a random per-process secret (a warning at
   * start-up says what that breaks).
   */
  callbackSecret?: string;
  /**
   * Keeps background work (the onPaid run a recorded payment starts at once) alive on hosts that end a request's
   * work when its answer is sent, e.g. `ctx.waitUntil` on Cloudflare Workers or `waitUntil` from `@vercel/functions`.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** How often an open event stream sends a comment line, so proxies keep it open (default 15000 ms). */
  streamHeartbeatMs?: number;
  /**
   * Which client an event stream request comes from, for `maxStreamsPerClient`. Default: the remote address the
   * adapter recorded (`toNodeHandler` does; behind a proxy give it `trustProxy`, or read your proxy's own header here,
   * e.g. `CF-Connecting-IP`). Answer undefined for a request with no key: only the per-process cap applies to it.
   */
  streamClientKey?: (request: Request) => string | undefined;
  /** Open event streams per client key in this process, at most (default 20); more are answered 429. */
  maxStreamsPerClient?: number;
  /** Default: console.error. Messages never contain credentials or tokens. */
  logger?: CheckoutLogger;
  /**
   * Where the handler's metrics go: an OpenTelemetry `MeterProvider`. Default: the global one of
   * `@opentelemetry/api` when it is installed and a provider is registered; without either, nothing is recorded.
   */
  meterProvider?: MeterProviderLike;
  now?: () => number;
}

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The prefix the handler answers under (adapters use it to pass other requests on). */
  readonly basePath: string;
  /**
   * For adapters: the status answer this process already holds for a `GET`/`HEAD` of `path` (no query string), ready
   * to write as is (`toNodeHandler` sends it without building a Request); undefined when the handler must run.
   */
  readyAnswer(method: string, path: string): ReadyAnswer | undefined;
  /** Resolves once the background onPaid runs and checks started so far have ended (graceful shutdown, tests). */
  idle(): Promise<void>;
  /**
   * Runs what is due once: the deliveries (onPaid) and the open invoices' background checks. For hosts without
   * long-lived processes (serverless): call it from a cron. Resolves once the runs it started have ended.
   */
  tick(): Promise<{ deliveries: number; checks: number }>;
  /** Stops the handler's timers (runs under way finish; await `idle()` for them). */
  close(): void;
  /** Deliveries in `state`; by default the pending, running and failed ones, with their last error and attempts. */
  deliveries(filter?: { state?: DeliveryState; limit?: number }): Promise<DeliveryRecord[]>;
  /** Queues a paid invoice's onPaid again (it runs with `redelivery: true`); false when no payment is recorded for it. */
  redeliver(invoiceId: string): Promise<boolean>;
};
