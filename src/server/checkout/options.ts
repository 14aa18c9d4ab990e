// The checkout handler's public face: its options, what onPaid receives, and the error getOrder may throw.
import type { CheckoutOrder, CheckoutProvider } from '../providers/provider.js';
import type { CheckoutStore, MaybePromise } from '../stores/store.js';

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
  /** 1 on the first run; more when an earlier run failed or timed out. */
  attempt: number;
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
   * Called once per paid invoice after the provider confirmed full payment, with the invoice's own id and amount.
   * Make it idempotent on `invoiceId`: a run that passes `onPaidTimeoutMs` is given up on and tried again, and the
   * first may still finish. If it throws or times out, the payment stays remembered and onPaid is tried again,
   * backing off, at the next callback or status request for the invoice (the callback is answered non-success
   * meanwhile, so the provider retries).
   */
  onPaid: (event: PaidEvent) => MaybePromise<void>;
  /** Default `/qpay`. */
  basePath?: string;
  /** Default: a MemoryStore (one process; see the README for restarts and several instances). */
  store?: CheckoutStore;
  /** How long a status answer is reused for all pollers of an invoice, in every process (default 1000 ms). */
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
   * Keeps background work (onPaid started by a status request) alive on hosts that end a request's work when its
   * answer is sent, e.g. `ctx.waitUntil` on Cloudflare Workers or `waitUntil` from `@vercel/functions`.
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
  now?: () => number;
}

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The prefix the handler answers under (adapters use it to pass other requests on). */
  readonly basePath: string;
  /** Resolves once the background onPaid runs started so far have ended (for graceful shutdown and tests). */
  idle(): Promise<void>;
};
