// Which route a request under the base path goes to. A request to no route is answered 404 NOT_FOUND and logged,
// with the routes this handler serves, so a typo in an element's URL shows in the shop's log.
import { logSafe } from '../log.js';
import { fail, methodNotAllowed } from './answers.js';
import type { CheckoutContext, CheckoutSettings } from './context.js';
import { callback } from './routes/callback.js';
import { events } from './routes/events.js';
import { createInvoice } from './routes/invoice.js';
import { status } from './routes/status.js';
import { remember } from './shared.js';

/** One log line per unknown path per this interval, at most. */
const UNKNOWN_ROUTE_QUIET_MS = 60_000;
/** Log lines about unknown routes per minute in all, at most: distinct paths are free to make up. */
const UNKNOWN_ROUTE_LINES_PER_MINUTE = 20;

/** The routes a handler under `basePath` serves, as its log names them. */
export function servedRoutes(basePath: string): string {
  return [`POST ${basePath}/invoice`, `GET ${basePath}/status/:invoiceId`, `GET ${basePath}/events/:invoiceId`, `GET|POST ${basePath}/callback`].join(', ');
}

/** Logs requests to no route, each path at most once a minute and a bounded number of lines a minute in all. */
export class UnknownRouteLog {
  private readonly lastLogged = new Map<string, number>();
  private minute = Number.NaN;
  private lines = 0;

  constructor(private readonly settings: Pick<CheckoutSettings, 'logger' | 'now' | 'basePath'>) {}

  note(method: string, path: string): void {
    const { logger, now, basePath } = this.settings;
    const at = now();
    const last = this.lastLogged.get(path);
    if (last !== undefined && at - last < UNKNOWN_ROUTE_QUIET_MS) return;
    const minute = Math.floor(at / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.lines = 0;
    }
    if (++this.lines > UNKNOWN_ROUTE_LINES_PER_MINUTE) return;
    remember(this.lastLogged, path, at);
    logger.error(`no route ${logSafe(method, 20)} ${logSafe(path)}; this handler serves ${servedRoutes(basePath)}`);
  }
}

/** The invoice id in a route's path segment, or the 400 answer when it does not decode. */
function decodeId(segment: string): string | Response {
  try {
    return decodeURIComponent(segment);
  } catch {
    return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
  }
}

/** Answers one request under the base path; requests outside it get 404 NOT_FOUND (adapters pass them on first). */
export async function route(context: CheckoutContext, unknown: UnknownRouteLog, request: Request): Promise<Response> {
  const { basePath } = context;
  const url = new URL(request.url);
  const path = url.pathname;
  if (path !== basePath && !path.startsWith(`${basePath}/`)) return fail(404, 'NOT_FOUND', 'No such endpoint');
  const rest = path.slice(basePath.length).replace(/\/+$/, '');
  const method = request.method.toUpperCase();

  if (rest === '/invoice') {
    if (method !== 'POST') return methodNotAllowed('POST');
    return createInvoice(context, request);
  }
  const statusMatch = /^\/status\/([^/]+)$/.exec(rest);
  if (statusMatch) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD');
    const id = decodeId(statusMatch[1]!);
    // `return=1`: the customer came back from the bank app (the element's return check), so checks speed up a while.
    return typeof id === 'string' ? status(context, id, url.searchParams.get('return') === '1') : id;
  }
  if (rest === '/status') return fail(400, 'BAD_INVOICE_ID', 'The invoice id is missing');
  const eventsMatch = /^\/events\/([^/]+)$/.exec(rest);
  if (eventsMatch) {
    if (method !== 'GET') return methodNotAllowed('GET');
    const id = decodeId(eventsMatch[1]!);
    return typeof id === 'string' ? events(context, id, request) : id;
  }
  if (rest === '/callback') {
    if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
    return callback(context, request, url);
  }
  unknown.note(method, path);
  return fail(404, 'NOT_FOUND', 'No such endpoint');
}
