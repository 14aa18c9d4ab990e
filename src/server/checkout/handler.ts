// The merchant's checkout endpoints as one Web Fetch handler, provider-agnostic:
//   POST {basePath}/invoice            the order's invoice (one open invoice per order; a superseded one is cancelled)
//   GET  {basePath}/status/:invoiceId  {status, paid_amount, invoice_id}; at most one provider call per invoice per
//                                      `statusCacheMs` across every process sharing the store
//   GET  {basePath}/events/:invoiceId  the same status as a server-sent event stream: at once, then every change
//   GET|POST {basePath}/callback       the provider's notification, confirmed with the provider before anything
// A confirmed payment of any invoice of an order reaches onPaid, once, whichever process and route saw it first.
// The status route answers PAID at once and runs onPaid beside it (with a timeout, under a lease); the callback
// waits for onPaid and answers non-success until it has succeeded somewhere, so the provider retries.
// When the store has no record (a restart with MemoryStore), the handler rebuilds what it needs from the provider.
//
// Where to read on: context.ts (the options resolved), router.ts and routes/ (one file per route), ledger.ts (the
// invoice state machine), provider-checks.ts (coalesced provider calls), delivery.ts (onPaid), watchers.ts (streams).
import { QPayProvider, type QPayProviderOptions } from '../providers/qpay-provider.js';
import { failure } from './answers.js';
import { resolveSettings, type CheckoutContext } from './context.js';
import { Delivery } from './delivery.js';
import { Ledger } from './ledger.js';
import type { CheckoutHandler, CheckoutHandlerOptions } from './options.js';
import { ProviderChecks } from './provider-checks.js';
import { UnknownRouteLog, route } from './router.js';
import { streamCheck } from './routes/events.js';
import { Watchers } from './watchers.js';

export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  const settings = resolveSettings(options);
  const checks = new ProviderChecks(settings);
  const context: CheckoutContext = {
    ...settings,
    checks,
    ledger: new Ledger(settings, checks),
    delivery: new Delivery(settings),
    // A stream's watcher asks the status route, as any poller would, for invoices the store knows.
    watchers: new Watchers(settings, (invoiceId) => streamCheck(context, invoiceId)),
  };
  const unknownRoutes = new UnknownRouteLog(settings);
  const handler = async (request: Request): Promise<Response> => {
    try {
      return await route(context, unknownRoutes, request);
    } catch (error) {
      return failure(context, error);
    }
  };
  return Object.assign(handler, { basePath: settings.basePath, idle: () => context.delivery.idle() });
}

export type QPayCheckoutHandlerOptions = Omit<CheckoutHandlerOptions, 'provider'> &
  Omit<QPayProviderOptions, 'now'>;

/**
 * The QPay shortcut: `createCheckoutHandler` with a `QPayProvider` built from `client` and `invoiceCode` (and the
 * provider's other options).
 */
export function createQPayCheckoutHandler(options: QPayCheckoutHandlerOptions): CheckoutHandler {
  const { client, invoiceCode, invoiceReceiverCode, invoiceTtlMs, buildInvoice, ...handlerOptions } = options ?? ({} as QPayCheckoutHandlerOptions);
  const provider = new QPayProvider({ client, invoiceCode, invoiceReceiverCode, invoiceTtlMs, buildInvoice, now: handlerOptions.now });
  return createCheckoutHandler({ ...handlerOptions, provider });
}
