// The status sources for one invoice, loaded lazily together with their code (the poller, the event stream and
// the URL templates): the status endpoint polled, and the event stream where one is given. While the stream
// delivers, polling is only a slow safety net; when it fails, polling is back to its normal pace. Both answers
// pass the same checks (core/poller's `readStatusAnswer`). A URL that keeps answering 404 or a page that is
// not JSON gets one console warning (core/wrong-url).
// Imports run one way: the element -> status-controller -> lazy-modules -> this file (types only upward).

import type { InvoiceView, PaymentStatus } from '../core/types.js';
import { createPoller } from '../core/poller.js';
import { createStatusStream } from '../core/status-stream.js';
import { expandStatusUrl } from '../core/status-url.js';
import { WrongUrlWatch } from '../core/wrong-url.js';

/** Where and how often to ask about one invoice. */
export interface StatusSettings {
  statusUrl: string | undefined;
  eventsUrl: string | undefined;
  pollInterval: number;
}

/** The status endpoint's answers that look like a wrong URL, in a row, before the console warning. */
const WRONG_STATUS_URL_TIMES = 3;

export interface SourceHooks {
  /** A believed status; after a final one, call `stop()` (the source that said it has already stopped). */
  onStatus(status: PaymentStatus, body: unknown): void;
  /** A problem the customer can pay through; `trouble` when a check or an event failed (not a setup problem). */
  onError(error: Error, trouble: boolean): void;
  onServerDate(header: string, receivedAt: number): void;
  /** The fetch the poller uses (the controller notes when it last asked). */
  fetch: typeof fetch;
  /** When an earlier poller for this invoice last asked (epoch ms). */
  lastCheckAt: number | undefined;
}

export interface StatusSources {
  stop(): void;
  checkNow(): void;
  setHidden(hidden: boolean): void;
}

/** Starts watching `view`; undefined when neither URL can be used (each unusable one was reported). */
export function openStatusSources(view: InvoiceView, settings: StatusSettings, hooks: SourceHooks): StatusSources | undefined {
  // An unusable URL is not fatal for the customer: the QR still works, and the other source may.
  const expand = (template: string | undefined): string | undefined => {
    if (!template) return undefined;
    try {
      return expandStatusUrl(template, view.id, document.baseURI);
    } catch (error) {
      hooks.onError(error as Error, false);
      return undefined;
    }
  };
  const statusUrl = expand(settings.statusUrl);
  // Pages that set no events-url poll at the normal pace. The stream is read with fetch: no EventSource needed.
  const eventsUrl = expand(settings.eventsUrl);
  if (!statusUrl && !eventsUrl) return undefined;

  // A PAID naming another invoice or a smaller amount is not this invoice's payment.
  const expect = { invoiceId: view.id, amount: view.amount };
  // Neither source calls back once stopped; after a final status the caller stops both.
  const { onStatus } = hooks;
  // A stream that never opened is not retried, so its one wrong answer is enough to warn.
  const statusUrlWatch = statusUrl ? new WrongUrlWatch('status-url', statusUrl, WRONG_STATUS_URL_TIMES, console.warn) : undefined;
  const eventsUrlWatch = eventsUrl ? new WrongUrlWatch('events-url', eventsUrl, 1, console.warn) : undefined;
  const poller = statusUrl
    ? createPoller({
        url: statusUrl,
        fetch: hooks.fetch,
        interval: settings.pollInterval,
        lastCheckAt: hooks.lastCheckAt,
        expect,
        onStatus: (status, body) => {
          statusUrlWatch?.note(null);
          onStatus(status, body);
        },
        // Every fault of a check is connection trouble the customer may want to know about.
        onError: (error) => {
          statusUrlWatch?.note(error);
          hooks.onError(error, true);
        },
        onServerDate: hooks.onServerDate,
      })
    : undefined;
  if (poller && document.visibilityState === 'hidden') poller.setHidden(true);
  const stream = eventsUrl
    ? createStatusStream({
        url: eventsUrl,
        fetch: (input, init) => fetch(input, init),
        expect,
        onStatus,
        // A stream that never opened, or was closed at a byte cap, is a setup problem, not a connection one:
        // polling goes on unbothered. An event not believed is trouble like a bad poll answer.
        onError: (error) => {
          if (error.kind === 'stream') eventsUrlWatch?.note(error);
          hooks.onError(error, error.kind !== 'stream' && error.kind !== 'too-large');
        },
        // While statuses flow on the stream, polling is only a safety net.
        onHealth: (healthy) => poller?.setRelaxed(healthy),
      })
    : undefined;
  poller?.start();
  return {
    stop: () => {
      poller?.stop();
      stream?.stop();
    },
    checkNow: () => poller?.checkNow(),
    setHidden: (hidden) => poller?.setHidden(hidden),
  };
}
