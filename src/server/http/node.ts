// Node's http (and Express/Connect, Fastify's raw req/res) on one side, the Web Fetch handler on
// the other. Fetch-native frameworks (Hono, Next.js route handlers) take the handler directly.
// The adapter bounds what one client can cost before the handler runs: a body cap counted in
// bytes as they arrive (413 at once, the rest never read), a body deadline (408), and 4xx for
// requests a fetch Request cannot even represent (TRACE, a malformed Host header).
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { setClientAddress } from './client-address.js';

export interface NodeRequestOptions {
  /**
   * Trust `X-Forwarded-Proto`/`X-Forwarded-Host` from a proxy in front, and take the client's address from the last
   * `X-Forwarded-For` entry (the one that proxy appended) (default false).
   */
  trustProxy?: boolean;
}

export interface NodeHandlerOptions extends NodeRequestOptions {
  /** Largest request body accepted, in bytes (default 64 KiB); more is answered 413 and not read. */
  maxBodyBytes?: number;
  /** The whole body must arrive within this many ms of the request (default 10000 ms); else 408. */
  bodyTimeoutMs?: number;
}

/** The adapter's own defaults (see the README's "On the server"). */
export const NODE_DEFAULTS = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  bodyTimeoutMs: 10_000,
  /** Node's `server.headersTimeout`: the request line and headers within 10 s. */
  headersTimeoutMs: 10_000,
  /** Node's `server.requestTimeout`: the whole request within 30 s. */
  requestTimeoutMs: 30_000,
  /** Node's `server.keepAliveTimeout`: an idle kept-alive connection is closed after 5 s. */
  keepAliveTimeoutMs: 5_000,
  /** Node's `server.timeout`: a socket with no activity at all is closed after 30 s. */
  socketTimeoutMs: 30_000,
} as const;

/** Methods a fetch `Request` refuses to represent: answered 405 by the adapter, never 500. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value?.split(',')[0]?.trim();
}

/**
 * The address the proxy in front saw: the last `X-Forwarded-For` entry, the one that proxy appended. Entries before
 * it come from the client (or proxies further out) and can say anything, so a per-client limit must not count them.
 */
function lastForwardedFor(value: string | string[] | undefined): string | undefined {
  const entries = (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',').map((entry) => entry.trim());
  return entries.filter(Boolean).at(-1);
}

/**
 * Builds a fetch `Request` from Node's `IncomingMessage`. Uses Express's `originalUrl` when
 * mounted under a prefix, and a body that a body parser already read (`req.body`) if any.
 */
export function nodeRequestToFetch(req: IncomingMessage, options: NodeRequestOptions = {}, signal?: AbortSignal): Request {
  const nodeReq = req as NodeRequest;
  const encrypted = Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
  const proto = (options.trustProxy && firstHeader(req.headers['x-forwarded-proto'])) || (encrypted ? 'https' : 'http');
  const host = (options.trustProxy && firstHeader(req.headers['x-forwarded-host'])) || req.headers.host || 'localhost';
  const url = new URL(nodeReq.originalUrl ?? req.url ?? '/', `${proto}://${host}`);

  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }

  const method = (req.method ?? 'GET').toUpperCase();
  const init: RequestInit & { duplex?: 'half' } = { method, headers, ...(signal ? { signal } : {}) };
  if (method !== 'GET' && method !== 'HEAD') {
    if (nodeReq.body !== undefined && (req.readableEnded || req.complete)) {
      // A body parser ran first: hand over what it parsed.
      const parsed = nodeReq.body;
      init.body = typeof parsed === 'string' || parsed instanceof Uint8Array ? (parsed as string | Uint8Array<ArrayBuffer>) : JSON.stringify(parsed);
      headers.delete('content-length');
      if (typeof parsed === 'object' && !(parsed instanceof Uint8Array)) headers.set('content-type', 'application/json');
    } else {
      init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
  }
  const request = new Request(url, init);
  // The peer's address (X-Forwarded-For only behind a trusted proxy), for limits per client such as open streams.
  setClientAddress(request, (options.trustProxy && lastForwardedFor(req.headers['x-forwarded-for'])) || req.socket?.remoteAddress);
  return request;
}

/** Writes a fetch `Response` to Node's `ServerResponse` (status, every header, body). */
export async function writeFetchResponse(res: ServerResponse, response: Response, method = 'GET'): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (method.toUpperCase() === 'HEAD' || !response.body) {
    res.end();
    return;
  }
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A stream of events: each chunk goes out as it comes; the client leaving ends the reading.
    res.flushHeaders();
    const reader = response.body.getReader();
    res.once('close', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        res.write(value);
      }
    } catch {
      // The stream failed or was cancelled because the client left: nothing more to send.
    }
    res.end();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** An answer the handler already holds, written as is (see `CheckoutHandler.readyAnswer`). */
export interface ReadyNodeAnswer {
  readonly status: number;
  /** Flat list of header names and values, content-length included. */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
}

export type FetchHandler = ((request: Request) => Promise<Response>) & {
  basePath?: string;
  readyAnswer?: (method: string, path: string) => ReadyNodeAnswer | undefined;
};

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The path of a request target, without its query string. */
function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Ends the exchange after a refusal while the client may still be sending: the rest is never read. */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  const stop = () => {
    req.unpipe();
    req.destroy();
  };
  if (res.writableFinished) stop();
  else res.once('finish', stop);
}
/**
 * Counts a request body's bytes as they arrive (413 past `maxBodyBytes`, or at once when Content-Length says so) and
 * starts its deadline (408); returns the deadline's timer, which the caller clears once the handler answered.
 */
function watchBody(
  req: IncomingMessage,
  { maxBodyBytes, bodyTimeoutMs }: { maxBodyBytes: number; bodyTimeoutMs: number },
  refuse: (status: number, error: string, message: string) => void,
): ReturnType<typeof setTimeout> | undefined {
  const declared = req.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBodyBytes) {
    refuse(413, 'BODY_TOO_LARGE', `Request body is larger than ${maxBodyBytes} bytes`);
    return undefined;
  }
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBodyBytes) refuse(413, 'BODY_TOO_LARGE', `Request body is larger than ${maxBodyBytes} bytes`);
  });
  if (req.readableEnded) return undefined;
  const bodyTimer = setTimeout(() => refuse(408, 'BODY_TIMEOUT', `Request body did not arrive within ${bodyTimeoutMs} ms`), bodyTimeoutMs);
  const clear = () => clearTimeout(bodyTimer);
  req.once('end', clear);
  req.once('close', clear);
  return bodyTimer;
}

export type NodeNext = (error?: unknown) => void;
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => Promise<void>;

/**
 * Mounts a fetch handler on Node's http or as Express/Connect middleware:
 * `http.createServer(toNodeHandler(h))`, `app.use(toNodeHandler(h))`. Requests outside the
 * handler's `basePath` go to `next()` when given, else get 404.
 */
export function toNodeHandler(handler: FetchHandler, options: NodeHandlerOptions = {}): NodeHandler {
  const basePath = handler.basePath;
  const maxBodyBytes = options.maxBodyBytes ?? NODE_DEFAULTS.maxBodyBytes;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? NODE_DEFAULTS.bodyTimeoutMs;
  return async (req, res, next) => {
    const target = (req as NodeRequest).originalUrl ?? req.url ?? '/';
    const path = pathOf(target);
    const method = (req.method ?? 'GET').toUpperCase();
    // A status poll the handler already holds the answer to: its bytes go out with no Request, Response or body work.
    // Only a bare path: a query (the element's `return=1`, say) means the route has more to do than answer.
    const ready = target.length === path.length ? handler.readyAnswer?.(method, path) : undefined;
    if (ready) {
      res.writeHead(ready.status, ready.headers as string[]);
      res.end(method === 'HEAD' ? undefined : ready.body);
      return;
    }
    if (basePath !== undefined && path !== basePath && !path.startsWith(`${basePath}/`)) {
      if (next) return next();
      sendJson(res, 404, { error: 'NOT_FOUND', message: 'No such endpoint' });
      return;
    }
    if (FORBIDDEN_METHODS.has(method)) {
      sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: `${method} is not supported here` }, { allow: 'GET, HEAD, POST' });
      closeAfter(req, res);
      return;
    }

    // Early refusals (413, 408) win over whatever the handler makes of the cut-off body.
    let refused = false;
    const refuse = (status: number, error: string, message: string) => {
      if (refused) return;
      refused = true;
      sendJson(res, status, { error, message }, { connection: 'close' });
      closeAfter(req, res);
    };
    const hasBody = method !== 'GET' && method !== 'HEAD' && !((req as NodeRequest).body !== undefined && (req.readableEnded || req.complete));
    const bodyTimer = hasBody ? watchBody(req, { maxBodyBytes, bodyTimeoutMs }, refuse) : undefined;
    if (refused) return;

    // Aborted when the client goes away before the answer is complete, so long answers (event streams) end.
    const left = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) left.abort();
    });
    let request: Request;
    try {
      request = nodeRequestToFetch(req, options, left.signal);
    } catch {
      // A Host header or target that makes no URL: the client's mistake, not the server's.
      clearTimeout(bodyTimer);
      sendJson(res, 400, { error: 'BAD_REQUEST', message: 'The request URL or Host header is malformed' });
      closeAfter(req, res);
      return;
    }
    try {
      const response = await handler(request);
      clearTimeout(bodyTimer);
      if (refused || res.headersSent) {
        await response.body?.cancel().catch(() => undefined);
        return;
      }
      await writeFetchResponse(res, response, req.method);
    } catch (error) {
      clearTimeout(bodyTimer);
      if (refused) return;
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'INTERNAL_ERROR', message: 'Unexpected server error' });
      } else {
        res.destroy(error instanceof Error ? error : undefined);
      }
    }
  };
}

export interface CheckoutServerOptions extends NodeHandlerOptions {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** Passed to `http.createServer` (e.g. `maxHeaderSize`). */
  server?: ServerOptions;
}

/**
 * Sets the kit's connection timeouts on a Node server you created yourself (see NODE_DEFAULTS):
 * headers within 10 s, the whole request within 30 s, idle keep-alive 5 s, idle socket 30 s.
 */
export function applyServerTimeouts(server: Server, options: Omit<CheckoutServerOptions, 'server'> = {}): Server {
  server.headersTimeout = options.headersTimeoutMs ?? NODE_DEFAULTS.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs ?? NODE_DEFAULTS.requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? NODE_DEFAULTS.keepAliveTimeoutMs;
  server.setTimeout(options.socketTimeoutMs ?? NODE_DEFAULTS.socketTimeoutMs);
  return server;
}

/** `http.createServer(toNodeHandler(handler, options))` with the kit's timeouts applied. */
export function createCheckoutServer(handler: FetchHandler, options: CheckoutServerOptions = {}): Server {
  const server = createServer(options.server ?? {}, toNodeHandler(handler, options));
  // Node hands CONNECT to a 'connect' listener, not the request handler; without one it drops the socket.
  server.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return applyServerTimeouts(server, options);
}
