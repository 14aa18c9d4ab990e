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
    if (!response.ok) throw new QPayLoadError(`invoice-url: the server answered HTTP ${response.status}`, response.status);
    const invoice: unknown = await response.json().catch((error: unknown) => {
      throw new QPayLoadError('invoice-url: the answer is not JSON', response.status, error);
    });
    return { invoice, dateHeader: response.headers.get('date'), receivedAt };
  } finally {
    clearTimeout(timeout);
  }
}
