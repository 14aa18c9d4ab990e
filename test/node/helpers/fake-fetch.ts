// A scripted `fetch` stand-in on virtual time: records every request and answers it as the test's
// `reply` function says (after an optional virtual delay), honouring AbortSignal like real fetch.

import type { FakeClock } from './fake-clock.js';

export interface RecordedRequest {
  url: string;
  init: RequestInit;
  /** Virtual time the request was made. */
  at: number;
  /** Virtual time it was answered, failed or aborted; undefined while open. */
  settledAt?: number;
  aborted: boolean;
}

export type Reply =
  | {
      status?: number;
      /** A string is sent as is; anything else as JSON. */
      body?: unknown;
      headers?: Record<string, string>;
      /** Virtual ms before the answer arrives. */
      delay?: number;
      /** Answer even after an abort (a misbehaving fetch), to prove late answers are ignored. */
      ignoreAbort?: boolean;
    }
  | 'network-error'
  /** Never answers; only an abort ends it. */
  | 'hang';

export type ReplyFn = (request: RecordedRequest, index: number) => Reply;

export interface FakeFetch {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  /** Requests open right now, and the most ever open at once. */
  readonly open: number;
  readonly maxOpen: number;
}

/** A JSON status answer `{ "status": status }` with extra fields allowed. */
export function statusReply(status: string, extra: Record<string, unknown> = {}): Reply {
  return { body: { status, ...extra } };
}

export function createFakeFetch(clock: FakeClock, reply: ReplyFn): FakeFetch {
  const requests: RecordedRequest[] = [];
  let open = 0;
  let maxOpen = 0;

  const fakeFetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request: RecordedRequest = { url: String(input), init, at: clock.now(), aborted: false };
    const index = requests.push(request) - 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    const answer = reply(request, index);
    const signal = init.signal ?? undefined;

    return new Promise<Response>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return false;
        done = true;
        open -= 1;
        request.settledAt = clock.now();
        return true;
      };
      const ignoresAbort = typeof answer === 'object' && answer.ignoreAbort === true;
      const onAbort = () => {
        request.aborted = true;
        if (ignoresAbort) return;
        if (finish()) reject(new DOMException('The operation was aborted.', 'AbortError'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      if (answer === 'hang') return;
      if (answer === 'network-error') {
        if (finish()) reject(new TypeError('fetch failed'));
        return;
      }
      const respond = () => {
        if (finish()) resolve(toResponse(answer));
      };
      if (answer.delay && answer.delay > 0) clock.setTimeout(respond, answer.delay);
      else queueMicrotask(respond);
    });
  };

  return {
    fetch: fakeFetch as typeof fetch,
    requests,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
  };
}

function toResponse(answer: Exclude<Reply, string>): Response {
  const status = answer.status ?? 200;
  const body = answer.body === undefined ? null : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const headers = new Headers(answer.headers);
  if (body !== null && typeof answer.body !== 'string' && !headers.has('content-type')) {
    headers.set('content-type', 'application/json');
  }
  return new Response(status === 204 || status === 304 ? null : body, { status, headers });
}
