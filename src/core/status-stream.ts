// The status as a server-sent event stream (the checkout handler's `GET {basePath}/events/:id`), read with
// fetch and a capped parser (./sse-parser) rather than EventSource, so that it is guarded like polling: an
// event over MAX_STATUS_BODY bytes, or a connection over MAX_STREAM_CONNECTION_BYTES, closes the stream.
// Each `status` event is judged exactly like a polled answer (`readStatusAnswer`: known words, this invoice,
// its full amount) and from the stream URL's own origin only. Does what EventSource did: reconnects after a
// dropped connection (after the server's `retry:` advice) sending Last-Event-ID, ignores comments (the
// server's heartbeat), and gives up on an answer that is not an event stream. fetch is injected: no DOM here.

import { isFinal, type PaymentStatus } from './types.js';
import { MAX_STATUS_BODY, originOf, PollError, readStatusAnswer } from './poller.js';
import type { PaidExpectation } from './status.js';
import { EventStreamParser } from './sse-parser.js';

export interface StatusStreamOptions {
  /** Already-expanded events URL (see `expandStatusUrl`). */
  url: string;
  fetch: typeof fetch;
  /** The invoice watched and its amount: a PAID naming another invoice or a smaller amount is refused. */
  expect?: PaidExpectation;
  /** A believed status; after a final one the stream is already closed. */
  onStatus(status: PaymentStatus, body: unknown): void;
  /**
   * An event that was not believed; a stream that never opened (`kind: 'stream'`, `status` when it was an HTTP
   * error, reported once); a stream over a byte cap (`too-large`) or redirected elsewhere (`untrusted`).
   */
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
/** The reconnection delay after a dropped connection until the server advises one with `retry:` (as browsers do). */
const DEFAULT_RETRY = 3000;
/**
 * The most read from one connection, in bytes. A status stream carries a few statuses of a few hundred bytes
 * and a heartbeat comment every 15 s (under 1 KB an hour), so 1 MB is far beyond any real stream; it bounds
 * what a server gone wrong (a flood of events or comments) costs the customer's data plan. Past it the
 * stream is closed and, since a long-lived stream may legitimately get there one day, opened again
 * REOPEN_AFTER later; polling covers the gap.
 */
export const MAX_STREAM_CONNECTION_BYTES = 1024 * 1024;

/** How one connection ended: dropped (reconnect after `retry`), or a problem (closed for good, or `reopen` REOPEN_AFTER later). */
type Ending = { dropped: true } | { dropped: false; error: PollError; reopen: boolean };
const DROPPED: Ending = { dropped: true };

export function createStatusStream(options: StatusStreamOptions): StatusStream {
  const { url, expect, onStatus, onError, onHealth } = options;
  const ownOrigin = originOf(url);
  /** The connection open now (aborted by stop). */
  let connection: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** A status event arrived at least once on this stream: a later failure is an outage, not a wrong URL. */
  let everWorked = false;
  let lastEventId = '';
  let retry = DEFAULT_RETRY;

  async function open(): Promise<void> {
    const request = (connection = new AbortController());
    let ending: Ending;
    try {
      // Last-Event-ID as EventSource sends it; the first request sends the Accept header only (a simple request).
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const response = await options.fetch(url, { cache: 'no-store', headers, signal: request.signal });
      ending = await read(response, request);
    } catch {
      ending = DROPPED; // a network error (or stop() aborted it: nothing is reported below)
    }
    request.abort();
    if (stopped || connection !== request) return;
    connection = undefined;
    onHealth(false);
    if (ending.dropped) {
      timer = setTimeout(open, retry);
    } else {
      if (ending.reopen) timer = setTimeout(open, REOPEN_AFTER);
      // An outage of a stream that had worked is not news (polling took over); anything else is reported once.
      if (!everWorked || ending.error.kind !== 'stream') onError(ending.error);
    }
  }

  /** Reads one connection's events until it ends, passes a cap, or the stream is stopped. */
  async function read(response: Response, request: AbortController): Promise<Ending> {
    const notStream = notAnEventStream(response, url, ownOrigin);
    // An error status from a stream that had worked is an outage (say a 503 while the server is busy): try again later.
    if (notStream) return { dropped: false, error: notStream, reopen: everWorked && notStream.kind === 'stream' };
    const reader = response.body!.getReader();
    const parser = new EventStreamParser(MAX_STATUS_BODY, lastEventId);
    for (let total = 0; ; ) {
      const { done, value } = await reader.read();
      if (done || stopped || connection !== request) return DROPPED;
      total += value.byteLength;
      if (total > MAX_STREAM_CONNECTION_BYTES) return overCap(url, 'connection');
      const events = parser.push(value);
      if (!events) return overCap(url, 'event');
      retry = parser.retry ?? retry;
      lastEventId = parser.lastEventId;
      for (const event of events) {
        if (event.type === 'status') receive(event.data);
        if (stopped || connection !== request) return DROPPED;
      }
    }
  }

  function receive(data: string): void {
    const outcome = readStatusAnswer(data, expect);
    if (outcome instanceof PollError) return onError(outcome);
    everWorked = true;
    if (isFinal(outcome.status)) stop();
    else onHealth(true);
    onStatus(outcome.status, outcome.body);
  }

  function stop(): void {
    stopped = true;
    clearTimeout(timer);
    connection?.abort();
    connection = undefined;
  }

  void open();
  return { stop };
}

/** The end of a connection past a cap: an event over it is closed for good, a connection over it reopened later. */
function overCap(url: string, cap: 'event' | 'connection'): Ending {
  const error =
    cap === 'event'
      ? new PollError('too-large', `The status stream at ${url} sent an event over ${MAX_STATUS_BODY} bytes; closed, checking by polling instead`)
      : new PollError('too-large', `The status stream at ${url} sent over ${MAX_STREAM_CONNECTION_BYTES} bytes on one connection; closed, opened again in ${REOPEN_AFTER / 1000} s, checking by polling meanwhile`);
  return { dropped: false, error, reopen: cap === 'connection' };
}

/** Why `response` cannot be read as this stream (an error status, another content type, another origin), or null. */
function notAnEventStream(response: Response, url: string, ownOrigin: string | null): PollError | null {
  const answeredFrom = response.url && originOf(response.url);
  if (answeredFrom && ownOrigin && answeredFrom !== ownOrigin) {
    return new PollError('untrusted', `The status stream came from ${answeredFrom}, not ${ownOrigin} (a redirect); checking by polling instead`);
  }
  const type = response.headers.get('content-type') ?? 'no content type';
  if (response.status === 200 && /^text\/event-stream\b/i.test(type) && response.body) return null;
  const answer = response.ok ? type : `HTTP ${response.status}`;
  return new PollError(
    'stream',
    `The status stream at ${url} did not open: the answer (${answer}) is not a text/event-stream (an error status, or a proxy's page); checking by polling instead`,
    response.ok ? undefined : response.status,
  );
}
