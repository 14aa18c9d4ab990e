// The merchant's checkout endpoints as one Web Fetch handler, provider-agnostic:
//   POST {basePath}/invoice            the order's invoice (one open invoice per order; a superseded one is cancelled)
//   GET  {basePath}/status/:invoiceId  {status, paid_amount, invoice_id}; at most one provider call per invoice per
//                                      `statusCacheMs` across every process sharing the store
//   GET  {basePath}/events/:invoiceId  the same status as a server-sent event stream: at once, then every change
//   GET|POST {basePath}/callback       the provider's notification, confirmed with the provider before anything
// A confirmed payment (callback, status poll, background check, a superseded invoice settled) is recorded in the
// store's outbox as "paid, delivery due"; the delivery worker every process runs then calls onPaid, at least once,
// with retries, and with `redelivery: true` when a run may repeat an earlier one. No request path runs onPaid.
// When the store has no record (a restart with MemoryStore), the handler rebuilds what it needs from the provider.
//
// Where to read on: context.ts (the options resolved), router.ts and routes/ (one file per route), ledger.ts (the
// invoice state machine), provider-checks.ts (coalesced provider calls), delivery.ts (the background work: the
// delivery worker, the sweeper, the data-loss watch), signing.ts (callback URLs), watchers.ts (streams).
import { QPayProvider, type QPayProviderOptions } from '../providers/qpay-provider.js';
import { failure } from './answers.js';
import { resolveSettings, type CheckoutContext } from './context.js';
import { Delivery } from './delivery.js';
import { Ledger } from './ledger.js';
import type { CheckoutHandler, CheckoutHandlerOptions } from './options.js';
import { ProviderChecks } from './provider-checks.js';
import { ReadyAnswers } from './ready-answers.js';
import { NO_SECRET_WARNING } from './signing.js';
import { UnknownRouteLog, route } from './router.js';
import { streamCheck } from './routes/events.js';
import { Watchers } from './watchers.js';

export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  const settings = resolveSettings(options);
  if (!settings.signer.shared) settings.logger.error(NO_SECRET_WARNING);
  const checks = new ProviderChecks(settings);
  // The sweeper checks through the ledger, and the ledger records through the delivery: tied by late-bound calls.
  const delivery: Delivery = new Delivery(settings, (record) => ledger.sweepCheck(record), () => ledger.forget());
  const answers = new ReadyAnswers(settings.now);
  const ledger: Ledger = new Ledger(settings, checks, delivery, answers);
  const context: CheckoutContext = {
    ...settings,
    checks,
    ledger,
    delivery,
    answers,
    // A stream's watcher asks the status route, as any poller would, for invoices the store knows.
    watchers: new Watchers(settings, (invoiceId) => streamCheck(context, invoiceId)),
  };
  settings.metrics.observe({ openStreams: () => context.watchers.slots.openStreams, deliveriesDue: () => delivery.worker.dueAtLastLook });
  const unknownRoutes = new UnknownRouteLog(settings);
  const handler = async (request: Request): Promise<Response> => {
    try {
      return await route(context, unknownRoutes, request);
    } catch (error) {
      return failure(context, error);
    }
  };
  const statusPrefix = `${settings.basePath}/status/`;
  delivery.start();
  return Object.assign(handler, {
    basePath: settings.basePath,
    // Only ids the route validated are ever kept, so a raw path segment that finds one is that very id.
    readyAnswer: (method: string, path: string) =>
      (method === 'GET' || method === 'HEAD') && path.startsWith(statusPrefix) ? answers.get(path.slice(statusPrefix.length)) : undefined,
    idle: () => delivery.idle(),
    tick: () => delivery.tick(),
    close: () => delivery.close(),
    deliveries: (filter?: Parameters<Delivery['deliveries']>[0]) => delivery.deliveries(filter),
    redeliver: (invoiceId: string) => delivery.redeliver(invoiceId),
  });
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
