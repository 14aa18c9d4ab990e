// GET {basePath}/events/:invoiceId: the status route's answer as a server-sent event stream, at once and then on
// every change; the stream ends at a final status, or at the invoice's expiry at the latest. Only invoices the store
// knows get a stream: an unknown id is answered 404 at once, with no provider call and no share of the budget that
// status polls of unknown ids need (the element then polls). Streams are capped per process and per client.
// A process may hold 10,000 streams, so one costs little: one small object (no closures of its own), one timer (its
// deadline), constant chunks encoded once, and the process's one heartbeat timer (watchers.ts) for all of them.
import { FINAL_STATUSES } from '../../../core/types.js';
import { serializeComment, serializeEvent, serializeRetry } from '../../http/sse.js';
import { fail } from '../answers.js';
import type { CheckoutContext } from '../context.js';
import { cents, isInvoiceId } from '../shared.js';
import type { SlotRefusal } from '../stream-slots.js';
import type { StatusBody, StreamListener, StreamNews } from '../watchers.js';
import { statusBody } from './status.js';

/** What an event stream tells the browser: reconnect after this long. */
const STREAM_RETRY_MS = 3000;
/** A stream ends this long after its invoice expired at the latest (after telling the final status). */
const EXPIRY_MARGIN_MS = 2000;
/** A stream lives this long at most (an invoice rebuilt from the provider has no known expiry); the browser reconnects. */
const MAX_STREAM_MS = 60 * 60_000;

const encoder = new TextEncoder();
/** The chunks every stream sends alike, encoded once. */
const RETRY_CHUNK = encoder.encode(serializeRetry(STREAM_RETRY_MS));
const HEARTBEAT_CHUNK = encoder.encode(serializeComment('keep-alive'));

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // Proxies must neither buffer nor compress the stream, or events arrive late or in bunches.
  'Cache-Control': 'no-store, no-transform',
  'X-Accel-Buffering': 'no',
};

/** The event id of a status: the same status and amount is the same event, whichever process sends it. */
const eventId = (body: StatusBody) => `${body.status}.${cents(body.paid_amount)}`;

/**
 * The status a stream may tell, store first: `forgotten` when the store has no record of the invoice (never the
 * provider lookup that status polls of unknown ids make), else the status route's answer (undefined on a failure).
 */
export async function streamCheck(context: CheckoutContext, invoiceId: string): Promise<StreamNews | undefined> {
  if (!context.answers.get(invoiceId) && !(await context.ledger.known(invoiceId))) return 'forgotten';
  const body = await statusBody(context, invoiceId);
  return body instanceof Response ? undefined : body;
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
  let first: StatusBody | Response;
  try {
    first = await statusBody(context, invoiceId);
  } catch (error) {
    release();
    throw error;
  }
  if (first instanceof Response) {
    release();
    return first;
  }
  const expiresAt = 'record' in known ? known.record.expiresAt : now();
  const endAt = Math.min(expiresAt + EXPIRY_MARGIN_MS, now() + MAX_STREAM_MS);
  // The stream object is the body's underlying source itself (start, cancel): no closures per stream.
  const body = new ReadableStream<Uint8Array>(new EventStream(context, { invoiceId, request, release, first, endAt }));
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}

/**
 * One open stream: writes the invoice's statuses (and the shared heartbeat) until a final status, its end time or
 * the reader leaves. It is its own watcher listener and its own abort listener, so it holds no closures.
 */
interface StreamPlan {
  invoiceId: string;
  request: Request;
  /** Gives back the stream's slot. */
  release: () => void;
  /** The status told first. */
  first: StatusBody;
  /** When the stream ends at the latest (epoch ms, the handler's clock), after one last status check. */
  endAt: number;
}

class EventStream implements StreamListener, UnderlyingDefaultSource<Uint8Array> {
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readonly invoiceId: string;
  private readonly request: Request;
  private readonly release: () => void;
  private lastId: string | null;
  private ended = false;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  /** Held until the body starts, then let go. */
  private plan: StreamPlan | undefined;

  constructor(
    private readonly context: CheckoutContext,
    plan: StreamPlan,
  ) {
    this.plan = plan;
    this.invoiceId = plan.invoiceId;
    this.request = plan.request;
    this.release = plan.release;
    this.lastId = plan.request.headers.get('last-event-id');
  }

  /** The body's start: the retry advice, the first status, then the watcher's news. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { first, endAt } = this.plan!;
    this.plan = undefined;
    this.controller = controller;
    // At the invoice's expiry the status route says EXPIRED; one last check tells it even when a long status cache
    // or a provider outage kept the watcher from learning it, and the stream ends either way.
    this.deadline = setTimeout(finish, Math.max(0, endAt - this.context.now()), this);
    this.write(RETRY_CHUNK);
    this.tell(first);
    if (this.ended) return;
    this.context.watchers.watch(this.invoiceId, this);
    if (this.request.signal.aborted) this.end();
    else this.request.signal.addEventListener('abort', this);
  }

  write(chunk: Uint8Array): void {
    this.controller?.enqueue(chunk);
  }

  /** The process's shared heartbeat: a comment that keeps proxies from closing an idle stream. */
  beat(): void {
    if (!this.ended) this.write(HEARTBEAT_CHUNK);
  }

  /** The deadline: one last check, then the end. */
  finish(): void {
    void streamCheck(this.context, this.invoiceId)
      .then((news) => news && this.tell(news), () => undefined)
      .finally(() => this.end());
  }

  tell(news: StreamNews): void {
    if (this.ended) return;
    if (news === 'forgotten') return this.end();
    const id = eventId(news);
    if (id !== this.lastId) {
      this.lastId = id;
      this.write(encoder.encode(serializeEvent({ id, event: 'status', data: JSON.stringify(news) })));
    }
    if (FINAL_STATUSES.includes(news.status)) this.end();
  }

  /** The body's cancel (the reader left). */
  cancel(): void {
    this.end();
  }

  /** The request's abort (the reader left). */
  handleEvent(): void {
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    clearTimeout(this.deadline);
    this.context.watchers.unwatch(this.invoiceId, this);
    this.request.signal.removeEventListener('abort', this);
    try {
      this.controller?.close();
    } catch {
      // Already closed by the reader going away.
    }
  }
}

const finish = (stream: EventStream) => stream.finish();
