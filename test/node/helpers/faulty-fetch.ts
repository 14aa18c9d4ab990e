// A fetch wrapper that makes a provider misbehave the ways a real one (or the network) does:
// hang until aborted, fail the connection, answer garbage, a Java stack trace, an nginx page
// naming an internal upstream, 503, or an error text that echoes every secret it was sent.
// Requests that `match` get the current fault; the others go to `inner` (the msw mocks).

export const FAULTS = [
  'network',
  'hang',
  'status-503',
  'garbage-200',
  'java-trace-500',
  'nginx-502',
  'echo-400',
  'echo-401',
  'echo-500-html',
  'echo-200-not-json',
  'huge-200',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultyFetch {
  fetch: typeof fetch;
  /** URLs of every request that reached the fault (or `inner`), in order. */
  calls: string[];
  /** The string bodies of those requests, in the same order ('' for none), e.g. to tell which invoice a check was about. */
  bodies: string[];
  fault: Fault | undefined;
}

/** The internal address the nginx page and the Java trace name: must never reach a browser. */
export const INTERNAL_UPSTREAM = '10.23.4.56:8443';

export function createFaultyFetch(options: {
  inner: typeof fetch;
  match: (url: string) => boolean;
  /** Secrets to echo back (besides the request's own Authorization header and body). */
  echo?: () => string[];
}): FaultyFetch {
  const state: FaultyFetch = {
    calls: [],
    bodies: [],
    fault: undefined,
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      state.calls.push(url);
      state.bodies.push(typeof init?.body === 'string' ? init.body : '');
      const fault = state.fault;
      if (!fault || !options.match(url)) return options.inner(input, init);
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      const sentBody = typeof init?.body === 'string' ? init.body : '';
      // Padding first, so a secret straddles a 300-character cut (half of it before, half after).
      const echoed = `${'x'.repeat(250)} auth=${auth} body=${sentBody} secrets=${(options.echo?.() ?? []).join(' ')}`;
      switch (fault) {
        case 'network':
          throw new TypeError(`fetch failed: connect ECONNREFUSED ${INTERNAL_UPSTREAM}`);
        case 'hang':
          return new Promise<Response>((_resolve, reject) => {
            const signal = init?.signal;
            if (signal?.aborted) return reject(signal.reason);
            signal?.addEventListener('abort', () => reject(signal.reason ?? new DOMException('aborted', 'AbortError')), { once: true });
          });
        case 'status-503':
          return new Response('', { status: 503, statusText: 'Service Unavailable' });
        case 'garbage-200':
          return new Response('\u0000\u0001<<garbage>>\uFFFD{"status":', { status: 200 });
        case 'java-trace-500':
          return new Response(
            `java.lang.NullPointerException: invoice\n\tat mn.qpay.merchant.InvoiceService.get(InvoiceService.java:88)\n\tat jdbc:postgresql://${INTERNAL_UPSTREAM}/merchant`,
            { status: 500 },
          );
        case 'nginx-502':
          return new Response(
            `<html><head><title>502 Bad Gateway</title></head><body>upstream http://${INTERNAL_UPSTREAM}/api failed<hr>nginx/1.18.0</body></html>`,
            { status: 502, headers: { 'content-type': 'text/html' } },
          );
        case 'echo-400':
          return Response.json({ error: 'BAD_REQUEST', code: 'FAIL', message: echoed, msg: echoed }, { status: 400 });
        case 'echo-401':
          return Response.json({ error: 'NO_CREDENDIALS', message: echoed }, { status: 401 });
        case 'echo-500-html':
          return new Response(`<html><body><pre>${echoed}</pre></body></html>`, { status: 500 });
        case 'echo-200-not-json':
          return new Response(`OK but not JSON ${echoed}`, { status: 200 });
        case 'huge-200':
          return new Response(
            new ReadableStream({
              pull(controller) {
                controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
              },
            }),
            { status: 200 },
          );
      }
    },
  };
  return state;
}
