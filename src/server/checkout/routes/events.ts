// GET {basePath}/events/:invoiceId: the status route's answer as a server-sent event stream, at once and then on
// every change; the stream ends at a final status.
import { FINAL_STATUSES } from '../../../core/types.js';
import { fail } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { cents } from '../shared.js';
import type { StatusBody } from '../watchers.js';
import { status } from './status.js';

/** What an event stream tells the browser: reconnect after this long. */
const STREAM_RETRY_MS = 3000;
/** Open event streams per process, at most; more are answered 503 (the element then polls). */
const MAX_STREAMS = 10_000;

/** The event id of a status: the same status and amount is the same event, whichever process sends it. */
const eventId = (body: StatusBody) => `${body.status}.${cents(body.paid_amount)}`;

export async function events(context: CheckoutContext, invoiceId: string, request: Request): Promise<Response> {
  const first = await status(context, invoiceId);
  if (!first.ok) return first;
  if (context.watchers.openStreams >= MAX_STREAMS) {
    return fail(503, 'TOO_MANY_STREAMS', 'Too many open event streams; poll the status route instead', {}, { 'Retry-After': '30' });
  }
  const firstBody = (await first.json()) as StatusBody;
  let end = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      end = streamStatus(context, invoiceId, request, firstBody, controller);
    },
    cancel() {
      end();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // Proxies must neither buffer nor compress the stream, or events arrive late or in bunches.
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}

/** Writes the invoice's statuses to one stream (with a heartbeat) until a final status or the reader leaves; returns `end`. */
function streamStatus(
  context: CheckoutContext,
  invoiceId: string,
  request: Request,
  firstBody: StatusBody,
  controller: ReadableStreamDefaultController<Uint8Array>,
): () => void {
  const { watchers, heartbeatMs } = context;
  const encoder = new TextEncoder();
  let lastId = request.headers.get('last-event-id');
  watchers.openStreams += 1;
  let ended = false;
  let stopWatching = () => {};
  const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': keep-alive\n\n')), heartbeatMs);
  const end = () => {
    if (ended) return;
    ended = true;
    watchers.openStreams -= 1;
    clearInterval(heartbeat);
    stopWatching();
    request.signal.removeEventListener('abort', end);
    try {
      controller.close();
    } catch {
      // Already closed by the reader going away.
    }
  };
  const send = (body: StatusBody) => {
    if (ended) return;
    const id = eventId(body);
    if (id !== lastId) {
      lastId = id;
      controller.enqueue(encoder.encode(`id: ${id}\nevent: status\ndata: ${JSON.stringify(body)}\n\n`));
    }
    if (FINAL_STATUSES.includes(body.status)) end();
  };
  controller.enqueue(encoder.encode(`retry: ${STREAM_RETRY_MS}\n\n`));
  send(firstBody);
  if (ended) return end;
  stopWatching = watchers.watch(invoiceId, send);
  if (request.signal.aborted) end();
  else request.signal.addEventListener('abort', end);
  return end;
}
