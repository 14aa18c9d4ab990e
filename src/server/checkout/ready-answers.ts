// Status answers this process already worked out, kept as the bytes they are sent as, so a repeat poll costs one
// map lookup: no store round trip, no provider check, no Request/Response objects (the Node adapter sends the
// bytes straight away). An answer is kept only while the status route would give the very same one:
//   - a recorded payment (PAID for the full amount, read from the store's outbox record): for good, payments never
//     change back;
//   - any other status: until the provider's answer it came from is `cacheMs` old (when the route would ask again),
//     and never past the invoice's expiry (when NEW turns EXPIRED).
// Failures, unknown ids and answers about invoices the store does not know are never kept.
import type { PaidRecord } from '../stores/store.js';
import { paidBody, type StatusBody } from './watchers.js';

/** A status answer ready to send as is. */
export interface ReadyAnswer {
  readonly status: 200;
  /** Flat header list for `res.writeHead` (content-length included). */
  readonly headers: readonly string[];
  readonly body: Uint8Array<ArrayBuffer>;
  /** The JSON the body holds (the events route reads it without parsing). */
  readonly value: StatusBody;
  /** Sent while the clock is below this (epoch ms, the handler's clock); Infinity for a recorded payment. */
  readonly until: number;
}

/** Answers kept per process, at most; when full, the one stored first is dropped. */
const READY_ANSWER_LIMIT = 10_000;

const encoder = new TextEncoder();

/** The answer's headers, as the status route's JSON answers carry them. */
export const JSON_ANSWER_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } as const;

export class ReadyAnswers {
  private readonly answers = new Map<string, ReadyAnswer>();

  constructor(private readonly now: () => number) {}

  /** The answer for `invoiceId` while it is still the route's answer; a stale one is dropped. */
  get(invoiceId: string): ReadyAnswer | undefined {
    const answer = this.answers.get(invoiceId);
    if (answer === undefined) return undefined;
    if (this.now() < answer.until) return answer;
    this.answers.delete(invoiceId);
    return undefined;
  }

  /**
   * Keeps `value` as the answer for its invoice until `until`; one that is already stale is not kept, and nothing
   * replaces a recorded payment (a poll that read NEW just before the payment was recorded finishes after it).
   */
  keep(value: StatusBody, until: number): ReadyAnswer | undefined {
    if (!(this.now() < until)) return undefined;
    const kept = this.answers.get(value.invoice_id);
    if (kept !== undefined && kept.until === Number.POSITIVE_INFINITY) return kept;
    const body = encoder.encode(JSON.stringify(value));
    const headers = ['content-type', JSON_ANSWER_HEADERS['Content-Type'], 'cache-control', JSON_ANSWER_HEADERS['Cache-Control'], 'content-length', String(body.byteLength)];
    const answer: ReadyAnswer = { status: 200, headers, body, value, until };
    const id = value.invoice_id;
    if (this.answers.size >= READY_ANSWER_LIMIT && !this.answers.has(id)) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(id, answer);
    return answer;
  }

  /** A recorded payment (for the full amount): the invoice's answer from now on. */
  paid(paid: PaidRecord): ReadyAnswer | undefined {
    return this.keep(paidBody(paid), Number.POSITIVE_INFINITY);
  }

  /** Drops every answer (the store lost its data). */
  clear(): void {
    this.answers.clear();
  }
}

/** A fetch Response carrying a ready answer (for fetch-native hosts; the Node adapter writes the bytes itself). */
export function readyResponse(answer: ReadyAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: JSON_ANSWER_HEADERS });
}
