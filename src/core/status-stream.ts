// The status as a server-sent event stream (the checkout handler's `GET {basePath}/events/:id`): each
// `status` event is judged exactly like a polled answer (`readStatusAnswer`: known words, this invoice,
// its full amount) and from the stream URL's own origin only. The EventSource class is injected, so
// this stays free of DOM globals. The browser's EventSource reconnects by itself after a dropped
// connection (after the server's `retry:` advice); this module only reports whether statuses are flowing.

import { isFinal, type PaymentStatus } from './types.js';
import { originOf, PollError, readStatusAnswer } from './poller.js';
import type { PaidExpectation } from './status.js';

export interface StatusStreamOptions {
  /** Already-expanded events URL (see `expandStatusUrl`). */
  url: string;
  EventSource: typeof EventSource;
  /** The invoice watched and its amount: a PAID naming another invoice or a smaller amount is refused. */
  expect?: PaidExpectation;
  /** A believed status; after a final one the stream is already closed. */
  onStatus(status: PaymentStatus, body: unknown): void;
  /** An event that was not believed, or a stream that never opened (`kind: 'stream'`, reported once). */
  onError(error: PollError): void;
  /**
   * True with every status that arrives, false when the connection drops or fails (repeated; the poller's
   * setRelaxed ignores repeats): the caller polls slowly while it is true. A stream that opens but delivers
   * nothing (a buffering proxy) never counts as healthy.
   */
  onHealth(healthy: boolean): void;
}

export interface StatusStream {
  /** Closes the connection and clears its timer; no callback fires after stop. */
  stop(): void;
}

/** After a stream that had worked was closed for good (say a 503 while the server is busy): open it again this much later. */
const REOPEN_AFTER = 30000;

export function createStatusStream(options: StatusStreamOptions): StatusStream {
  const { url, expect, onStatus, onError, onHealth } = options;
  const ownOrigin = originOf(url);
  let source: EventSource | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** A status event arrived at least once on this stream: a later failure is an outage, not a wrong URL. */
  let everWorked = false;

  function open(): void {
    const current = (source = new options.EventSource(url));
    current.addEventListener('status', (event) => {
      if (stopped || source !== current) return;
      const { data, origin } = event as MessageEvent<string>;
      // Where the events really come from, after any redirect the browser followed.
      const outcome =
        origin && ownOrigin && origin !== ownOrigin
          ? new PollError('untrusted', `Status event came from ${origin}, not ${ownOrigin} (a redirect)`)
          : readStatusAnswer(data, expect);
      if (outcome instanceof PollError) return onError(outcome);
      everWorked = true;
      if (isFinal(outcome.status)) stop();
      else onHealth(true);
      onStatus(outcome.status, outcome.body);
    });
    current.addEventListener('error', () => {
      if (stopped || source !== current) return;
      onHealth(false);
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error status or another content type).
      if (current.readyState !== current.CLOSED) return;
      source = undefined;
      if (everWorked) {
        reopenTimer = setTimeout(open, REOPEN_AFTER);
        return;
      }
      onError(
        new PollError(
          'stream',
          `The status stream at ${url} did not open: the answer is not a text/event-stream (an error status, or a proxy's page); checking by polling instead`,
        ),
      );
    });
  }

  function stop(): void {
    stopped = true;
    clearTimeout(reopenTimer);
    source?.close();
    source = undefined;
  }

  open();
  return { stop };
}
