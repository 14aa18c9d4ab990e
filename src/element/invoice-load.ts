// The `invoice-url` request: POST the order, read the JSON invoice. Its own module so the element
// loads it only when `invoice-url` is used (an element given `invoice` never downloads it).
import { QPayLoadError } from './events.js';

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
 * POSTs `order` (when defined) as JSON to `url`; rejects with a QPayLoadError that says what failed.
 * `controller` cancels the request; it is also aborted when the time is up.
 */
export async function fetchInvoice(url: string, order: unknown, controller: AbortController): Promise<LoadedInvoice> {
  const timeout = setTimeout(() => controller.abort(), INVOICE_LOAD_TIMEOUT_MS);
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method: 'POST', headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal };
  if (order !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(order);
  }
  try {
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      const reason = controller.signal.aborted
        ? `no answer within ${INVOICE_LOAD_TIMEOUT_MS} ms`
        : `request failed (${error instanceof Error ? error.message : String(error)})`;
      throw new QPayLoadError(`invoice-url: ${reason}`, undefined, error);
    }
    const receivedAt = Date.now();
    const dateHeader = response.headers.get('date');
    if (!response.ok) throw new QPayLoadError(`invoice-url: the server answered HTTP ${response.status}`, response.status);
    const text = await response.text();
    try {
      return { invoice: JSON.parse(text), dateHeader, receivedAt };
    } catch (error) {
      throw new QPayLoadError('invoice-url: the answer is not JSON', response.status, error);
    }
  } finally {
    clearTimeout(timeout);
  }
}
