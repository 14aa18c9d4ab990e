// Node's http (and Express/Connect, Fastify's raw req/res) on one side, the Web Fetch handler on
// the other. Fetch-native frameworks (Hono, Next.js route handlers) take the handler directly.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export interface NodeRequestOptions {
  /** Trust `X-Forwarded-Proto`/`X-Forwarded-Host` from a proxy in front (default false). */
  trustProxy?: boolean;
}

type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value?.split(',')[0]?.trim();
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
  return new Request(url, init);
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

export type FetchHandler = ((request: Request) => Promise<Response>) & { basePath?: string };
export type NodeNext = (error?: unknown) => void;
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => Promise<void>;

/**
 * Mounts a fetch handler on Node's http or as Express/Connect middleware:
 * `http.createServer(toNodeHandler(h))`, `app.use(toNodeHandler(h))`. Requests outside the
 * handler's `basePath` go to `next()` when given, else get 404.
 */
export function toNodeHandler(handler: FetchHandler, options: NodeRequestOptions = {}): NodeHandler {
  const basePath = handler.basePath;
  return async (req, res, next) => {
    const path = ((req as NodeRequest).originalUrl ?? req.url ?? '/').split('?')[0]!;
    if (basePath !== undefined && path !== basePath && !path.startsWith(`${basePath}/`)) {
      if (next) return next();
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'NOT_FOUND', message: 'No such endpoint' }));
      return;
    }
    // Aborted when the client goes away before the answer is complete, so long answers (event streams) end.
    const left = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) left.abort();
    });
    try {
      const response = await handler(nodeRequestToFetch(req, options, left.signal));
      await writeFetchResponse(res, response, req.method);
    } catch (error) {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ error: 'INTERNAL_ERROR', message: 'Unexpected server error' }));
      } else {
        res.destroy(error instanceof Error ? error : undefined);
      }
    }
  };
}
