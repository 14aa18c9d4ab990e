// Loud misconfiguration: a `status-url` or `events-url` that answers 404, or something that is not JSON (a
// proxy's HTML page), is most likely mistyped or not routed; the customer only sees "Still checking...", so
// the developer is told once in the console, with the attribute and the URL. Pure: `warn` is injected.

import { NOT_JSON, type PollError } from './poller.js';

/** What in `error` says the URL itself is wrong (an HTTP 404, an answer that is not JSON or not a stream), or null. */
export function wrongUrlSign(error: PollError): string | null {
  if (error.status === 404) return 'HTTP 404';
  if (error.kind === 'malformed' && error.message === NOT_JSON) return 'something that is not JSON';
  if (error.kind !== 'stream') return null;
  if (!error.status || (error.status >= 200 && error.status < 300)) return 'something that is not an event stream';
  // A busy server (429 per-client stream cap, 408) or an outage (5xx) is no sign of a wrong URL: the element polls.
  return error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408 ? `HTTP ${error.status}` : null;
}

/**
 * Counts one URL's answers that look like a wrong URL; after `times` of them in a row, warns once (for good).
 * Any other answer (a status, an outage) starts the count again.
 */
export class WrongUrlWatch {
  #inRow = 0;
  #warned = false;

  constructor(
    private readonly attribute: 'status-url' | 'events-url',
    private readonly url: string,
    private readonly times: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** One answer: a fault, or null for a believed status. */
  note(error: PollError | null): void {
    const sign = error && wrongUrlSign(error);
    this.#inRow = sign ? this.#inRow + 1 : 0;
    if (!sign || this.#inRow < this.times || this.#warned) return;
    this.#warned = true;
    const inRow = this.times > 1 ? ` ${this.times === 3 ? 'three' : this.times} times in a row` : '';
    this.warn(`qpay-checkout: ${this.attribute} ${this.url} answered ${sign}${inRow}; check the attribute`);
  }
}
