// GET {basePath}/events/:invoiceId: the status route's answer as a server-sent event stream, at once and then on
// every change; the stream ends at a final status, or at the invoice's expiry at the latest. Only invoices the store
// knows get a stream: an unknown id is answered 404 at once, with no provider call and no share of the budget that
// status polls of unknown ids need (the element then polls). Streams are capped per process and per client.
import { FINAL_STATUSES } from '../../../core/types.js';
import { serializeComment, serializeEvent, serializeRetry } from '../../http/sse.js';
import { fail } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { cents, isInvoiceId } from '../shared.js';
import type { SlotRefusal } from '../stream-slots.js';
import type { StatusBody, StreamNews } from '../watchers.js';
import { status } from './status.js';

/** What an event stream tells the browser: reconnect after this long. */
const STREAM_RETRY_MS = 3000;
/** A stream ends this long after its invoice expired at the latest (after telling the final status). */
const EXPIRY_MARGIN_MS = 2000;
/** A stream lives this long at most (an invoice rebuilt from the provider has no known expiry); the browser reconnects. */
const MAX_STREAM_MS = 60 * 60_000;

/** The event id of a status: the same status and amount is the same event, whichever process sends it. */
const eventId = (body: StatusBody) => `${body.status}.${cents(body.paid_amount)}`;

/**
 * The status a stream may tell, store first: `forgotten` when the store has no record of the invoice (never the
 * provider lookup that status polls of unknown ids make), else the status route's answer (undefined on a failure).
 */
export async function streamCheck(context: CheckoutContext, invoiceId: string): Promise<StreamNews | undefined> {
  if (!(await context.ledger.known(invoiceId))) return 'forgotten';
  const answer = await status(context, invoiceId);
  return answer.ok ? ((await answer.json()) as StatusBody) : undefined;
}

function refused(refusal: SlotRefusal): Response {
  const advice = { 'Retry-After': '30' };
  if (refusal.full === 'process') {
    return fail(503, 'TOO_MANY_STREAMS', `Too many open event streams (${refusal.limit}); poll the status route instead`, {}, advice);
  }
  return fail(
    429,
    'TOO_MANY_STREAMS_FOR_CLIENT',
    `This client holds ${refusal.held} open event streams, the most one client may hold is ${refusal.limit}; close one or poll the status route instead`,
    { limit: refusal.limit },
    advice,
  );
}

export async function events(context: CheckoutContext, invoiceId: string, request: Request): Promise<Response> {
  const { ledger, watchers, streamClientKey, now } = context;
  if (!isInvoiceId(invoiceId)) return fail(400, 'BAD_INVOICE_ID', 'The invoice id is malformed');
  const known = await ledger.known(invoiceId);
  if (!known) return fail(404, 'INVOICE_NOT_FOUND', 'No invoice with this id is known here; poll the status route instead');
  const release = watchers.slots.take(streamClientKey(request));
  if (typeof release !== 'function') return refused(release);
  let first: Response;
  try {
    first = await status(context, invoiceId);
  } catch (error) {
    release();
    throw error;
  }
  if (!first.ok) {
    release();
    return first;
  }
  const firstBody = (await first.json()) as StatusBody;
  const expiresAt = 'record' in known ? known.record.expiresAt : now();
  const endAt = Math.min(expiresAt + EXPIRY_MARGIN_MS, now() + MAX_STREAM_MS);
  let end = release;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      end = streamStatus(context, { invoiceId, request, firstBody, endAt, release }, controller);
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

interface StreamPlan {
  invoiceId: string;
  request: Request;
  firstBody: StatusBody;
  /** When the stream ends at the latest (epoch ms, the handler's clock), after one last status check. */
  endAt: number;
  /** Gives back the stream's slot. */
  release: () => void;
}

/** Writes the invoice's statuses to one stream (with a heartbeat) until a final status, its end time or the reader leaves; returns `end`. */
function streamStatus(context: CheckoutContext, plan: StreamPlan, controller: ReadableStreamDefaultController<Uint8Array>): () => void {
  const { watchers, heartbeatMs, now } = context;
  const { invoiceId, request } = plan;
  const encoder = new TextEncoder();
  const write = (text: string) => controller.enqueue(encoder.encode(text));
  let lastId = request.headers.get('last-event-id');
  let ended = false;
  let stopWatching = () => {};
  const heartbeat = setInterval(() => write(serializeComment('keep-alive')), heartbeatMs);
  const end = () => {
    if (ended) return;
    ended = true;
    plan.release();
    clearInterval(heartbeat);
    clearTimeout(deadline);
    stopWatching();
    request.signal.removeEventListener('abort', end);
    try {
      controller.close();
    } catch {
      // Already closed by the reader going away.
    }
  };
  const send = (news: StreamNews) => {
    if (ended) return;
    if (news === 'forgotten') return end();
    const id = eventId(news);
    if (id !== lastId) {
      lastId = id;
      write(serializeEvent({ id, event: 'status', data: JSON.stringify(news) }));
    }
    if (FINAL_STATUSES.includes(news.status)) end();
  };
  // At the invoice's expiry the status route says EXPIRED; one last check tells it even when a long status cache or a
  // provider outage kept the watcher from learning it, and the stream ends either way.
  const deadline = setTimeout(() => {
    void streamCheck(context, invoiceId)
      .then((news) => news && send(news), () => undefined)
      .finally(end);
  }, Math.max(0, plan.endAt - now()));
  write(serializeRetry(STREAM_RETRY_MS));
  send(plan.firstBody);
  if (ended) return end;
  stopWatching = watchers.watch(invoiceId, send);
  if (request.signal.aborted) end();
  else request.signal.addEventListener('abort', end);
  return end;
}
