// Which route a request under the base path goes to.
import { fail, methodNotAllowed } from './answers.js';
import type { CheckoutContext } from './context.js';
import { callback } from './routes/callback.js';
import { events } from './routes/events.js';
import { createInvoice } from './routes/invoice.js';
import { status } from './routes/status.js';

/** The invoice id in a route's path segment, or the 400 answer when it does not decode. */
function decodeId(segment: string): string | Response {
  try {
    return decodeURIComponent(segment);
  } catch {
    return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
  }
}

/** Answers one request under the base path; requests outside it get 404 NOT_FOUND (adapters pass them on first). */
export async function route(context: CheckoutContext, request: Request): Promise<Response> {
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
    return typeof id === 'string' ? status(context, id) : id;
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
  return fail(404, 'NOT_FOUND', 'No such endpoint');
}
