// One msw service worker for a test file: started once, handlers reset after every test.
// Endpoints get unique paths so a request from an earlier test's element never counts in a later one.
import { setupWorker } from 'msw/browser';
import { http, HttpResponse } from 'msw';

export const worker = setupWorker();

let starting: Promise<unknown> | undefined;

export function startWorker(): Promise<unknown> {
  starting ??= worker.start({ quiet: true, onUnhandledRequest: 'bypass', serviceWorker: { url: '/mockServiceWorker.js' } });
  return starting;
}

/** Mocha hooks for a test file that talks to mocked endpoints. */
export function useMockServer(): void {
  before(() => startWorker());
  afterEach(() => worker.resetHandlers());
}

let counter = 0;

export interface Endpoint {
  /** The path to give the element (a `{id}` template for status endpoints). */
  url: string;
  /** Requests seen so far, in order. */
  requests: Request[];
  readonly hits: number;
}

export type Responder = (hit: number, request: Request) => Response | Promise<Response>;

/** A GET status endpoint at `/api/status/<unique>/{id}`; `respond` gets the 1-based hit number. */
export function statusEndpoint(respond: Responder): Endpoint {
  const base = `/api/status/t${++counter}`;
  const requests: Request[] = [];
  worker.use(
    http.get(`${base}/:id`, ({ request }) => {
      requests.push(request);
      return respond(requests.length, request);
    }),
  );
  return {
    url: `${base}/{id}`,
    requests,
    get hits() {
      return requests.length;
    },
  };
}

/** A POST invoice endpoint at `/api/invoice/<unique>`. */
export function invoiceEndpoint(respond: Responder): Endpoint {
  const url = `/api/invoice/t${++counter}`;
  const requests: Request[] = [];
  worker.use(
    http.post(url, ({ request }) => {
      requests.push(request.clone());
      return respond(requests.length, request);
    }),
  );
  return {
    url,
    requests,
    get hits() {
      return requests.length;
    },
  };
}

/** Answers `{status}` as JSON. */
export function statusAnswer(status: string, init?: ResponseInit): Response {
  return HttpResponse.json({ status }, init);
}

/** Answers the given statuses in turn, repeating the last one. */
export function statusSequence(...statuses: string[]): Responder {
  return (hit) => statusAnswer(statuses[Math.min(hit, statuses.length) - 1]!);
}

/** A promise that never settles: a request the server never answers. */
export function never(): Promise<Response> {
  return new Promise(() => {});
}

export { http, HttpResponse };
