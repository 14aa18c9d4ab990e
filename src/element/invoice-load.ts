// The `invoice-url` request: POST the order, read the JSON invoice. Its own module so the element
// loads it only when `invoice-url` is used (an element given `invoice` never downloads it).
import { QPayLoadError } from './events.js';
import type { InvoiceUrlMessages } from './i18n/invoice-url.js';

export { invoiceUrlMessages } from './i18n/invoice-url.js';

/** How long the invoice-url request may take before it counts as failed. */
export const INVOICE_LOAD_TIMEOUT_MS = 20000;

export interface LoadedInvoice {
  /** The answer, parsed from JSON, not yet checked. */
  invoice: unknown;
  /** The answer's `Date` header, to correct the local clock. */
  dateHeader: string | null;
  /** Local time the answer arrived. */
  receivedAt: number;
}

/**
 * Resolves once the page's own scripts have had their chance to set `order`: after the document finished
 * parsing and its deferred scripts ran (DOMContentLoaded), and then one more task, so an external deferred
 * script placed after the element's own script, or a plain script at the end of the body, runs first.
 */
export function pageScriptsRan(): Promise<void> {
  return new Promise((resolve) => {
    const nextTask = () => setTimeout(resolve);
    // readyState is already 'interactive' while deferred scripts run, before DOMContentLoaded; the navigation
    // entry says whether DOMContentLoaded has fired. `load` also ends the wait, in case that entry is missing.
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    if (document.readyState === 'complete' || (navigation?.domContentLoadedEventStart ?? 0) > 0) return nextTask();
    document.addEventListener('DOMContentLoaded', nextTask, { once: true });
    addEventListener('load', nextTask, { once: true });
  });
}

/** The `order` attribute's JSON text as a value (undefined without one); a QPayLoadError with an example when it is not JSON. */
export function orderFromAttribute(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new QPayLoadError(
      `The order attribute is not JSON (${(error as Error).message}); write it like order='{"orderId":"A-1001"}'`,
      undefined,
      error,
    );
  }
}

/**
 * POSTs `order` (when defined) as JSON to `url`; rejects with a QPayLoadError that says what failed.
 * `controller` cancels the request; it is also aborted when the time is up.
 */
export async function fetchInvoice(url: string, order: unknown, controller: AbortController): Promise<LoadedInvoice> {
  const timeout = setTimeout(() => controller.abort(), INVOICE_LOAD_TIMEOUT_MS);
  const json = 'application/json';
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: order === undefined ? { accept: json } : { accept: json, 'content-type': json },
      body: order === undefined ? null : JSON.stringify(order),
      signal: controller.signal,
    }).catch((error: unknown) => {
      const reason = controller.signal.aborted ? `no answer within ${INVOICE_LOAD_TIMEOUT_MS} ms` : 'the request failed';
      throw new QPayLoadError(`invoice-url: ${reason}`, undefined, error);
    });
    const receivedAt = Date.now();
    if (!response.ok) {
      // The server kit answers errors as {error: CODE, message}; other servers may send anything.
      const answer: unknown = await response.json().catch(() => undefined);
      const { error: code, message } = (answer ?? {}) as { error?: unknown; message?: unknown };
      const said = [code, message].filter((part): part is string => typeof part === 'string' && part !== '').join(': ');
      throw new QPayLoadError(
        `invoice-url: the server answered HTTP ${response.status}${said ? ` ${said}` : ''}`,
        response.status,
        undefined,
        typeof code === 'string' ? code : undefined,
        typeof message === 'string' ? message : undefined,
        answer,
      );
    }
    const invoice: unknown = await response.json().catch((error: unknown) => {
      throw new QPayLoadError('invoice-url: the answer is not JSON', response.status, error);
    });
    return { invoice, dateHeader: response.headers.get('date'), receivedAt };
  } finally {
    clearTimeout(timeout);
  }
}

/** What a failed `invoice-url` request means for the shopper: a key of InvoiceUrlMessages, or `error` (the generic text). */
export type InvoiceUrlOutcome = keyof InvoiceUrlMessages | 'error';

/** Codes the server kit answers when the order or invoice is unknown. */
const NOT_FOUND_CODES = new Set(['ORDER_NOT_FOUND', 'INVOICE_NOT_FOUND']);
/** Codes the server kit answers when the provider or the store is down. */
const DOWN_CODES = new Set(['PROVIDER_ERROR', 'STORE_UNAVAILABLE']);

/** Sorts a failure of the `invoice-url` request by what the shopper should read (pure: from the error alone). */
export function invoiceUrlOutcome(error: unknown): InvoiceUrlOutcome {
  if (!(error instanceof QPayLoadError)) return 'error';
  const { status, code = '' } = error;
  if (status === 409 && code === 'ORDER_ALREADY_PAID') return 'alreadyPaid';
  if (NOT_FOUND_CODES.has(code)) return 'orderNotFound';
  if (status === 410 || /EXPIRED/i.test(code)) return 'expired';
  if (DOWN_CODES.has(code) || status === 502 || status === 503 || status === 504) return 'providerDown';
  // No answer at all: the network failed (a TypeError from fetch) or the time ran out (an AbortError).
  const cause = error.cause as { name?: unknown } | undefined;
  if (status === undefined && (cause?.name === 'TypeError' || cause?.name === 'AbortError')) return 'providerDown';
  return 'error';
}
