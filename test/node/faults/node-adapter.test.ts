// The Node adapter under hostile clients, on a real socket: methods a fetch Request cannot carry,
// a malformed Host header, bodies over the cap (declared or chunked), a body that drips, and the
// kit's own server timeouts.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NODE_DEFAULTS, createCheckoutServer, toNodeHandler } from '../../../src/server/index.js';

let handlerCalls = 0;
let bodyBytesSeenByHandler = 0;
// A stand-in fetch handler that reads its body whole, like the current checkout handler does.
const echo = Object.assign(
  async (request: Request) => {
    handlerCalls++;
    const text = request.method === 'POST' ? await request.text() : '';
    bodyBytesSeenByHandler = Math.max(bodyBytesSeenByHandler, text.length);
    return Response.json({ method: request.method, host: new URL(request.url).host, bytes: text.length });
  },
  { basePath: '/qpay' },
);

let server: Server;
let port = 0;
before(async () => {
  server = createCheckoutServer(echo, { maxBodyBytes: 1024, bodyTimeoutMs: 300 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends raw bytes and answers the status line (or 'closed' if the socket ended without one). */
function raw(text: string, options: { keepWriting?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: ReturnType<typeof setInterval> | undefined;
    socket.on('connect', () => {
      socket.write(text);
      if (options.keepWriting) timer = setInterval(() => socket.write('ffff\r\n' + 'a'.repeat(0xffff) + '\r\n', () => undefined), 1);
    });
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer.split('\r\n')[0] || 'closed');
    });
    setTimeout(() => socket.destroy(), 3000);
  });
}

describe('the Node adapter refuses what it cannot serve with 4xx, never 500', () => {
  for (const method of ['TRACE', 'CONNECT']) {
    it(`${method} → 405`, async () => {
      const target = method === 'CONNECT' ? 'localhost:443' : '/qpay/status/x';
      const status = await raw(`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      assert.match(status, /^HTTP\/1\.1 405/);
    });
  }

  it('TRACK (unknown to Node\'s parser) → 400 from Node itself', async () => {
    assert.match(await raw(`TRACK /qpay/status/x HTTP/1.1\r\nHost: localhost\r\n\r\n`), /^HTTP\/1\.1 400/);
  });

  for (const host of ['exa mple.com', '[::1', 'a:b:c', 'shop.example:99999999']) {
    it(`Host ${JSON.stringify(host)} → 400`, async () => {
      const status = await raw(`GET /qpay/status/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.match(status, /^HTTP\/1\.1 400/);
    });
  }
});

describe('request bodies are capped and timed by the adapter', () => {
  it('a declared Content-Length over the cap is answered 413 before the handler runs', async () => {
    const before = handlerCalls;
    const status = await raw(`POST /qpay/invoice HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999\r\n\r\n{"a":1`);
    assert.match(status, /^HTTP\/1\.1 413/);
    assert.equal(handlerCalls, before);
  });

  it('a chunked body that keeps coming is cut off early with 413; the handler never holds more than the cap', async () => {
    const status = await raw(`POST /qpay/invoice HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n`, { keepWriting: true });
    assert.ok(/^HTTP\/1\.1 413/.test(status) || status === 'closed', status);
    assert.ok(bodyBytesSeenByHandler <= 1024);
  });

  it('a body that drips slower than bodyTimeoutMs is answered 408', async () => {
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/qpay/invoice', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"orderId":');
      // ...and never more.
    });
    assert.equal(status, 408);
    assert.ok(performance.now() - started < 2000);
  });

  it('a small body still reaches the handler', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/qpay/invoice`, { method: 'POST', body: '{"orderId":"o-1"}' });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { bytes: number }).bytes, 17);
  });
});

describe('createCheckoutServer', () => {
  it('sets the kit\'s own connection timeouts (documented defaults)', () => {
    const plain = createCheckoutServer(echo);
    assert.equal(plain.headersTimeout, NODE_DEFAULTS.headersTimeoutMs);
    assert.equal(plain.requestTimeout, NODE_DEFAULTS.requestTimeoutMs);
    assert.equal(plain.keepAliveTimeout, NODE_DEFAULTS.keepAliveTimeoutMs);
    assert.equal(plain.timeout, NODE_DEFAULTS.socketTimeoutMs);
    assert.deepEqual(
      [NODE_DEFAULTS.headersTimeoutMs, NODE_DEFAULTS.requestTimeoutMs, NODE_DEFAULTS.bodyTimeoutMs, NODE_DEFAULTS.maxBodyBytes],
      [10_000, 30_000, 10_000, 65_536],
    );
  });

  it('toNodeHandler alone (Express) still refuses TRACE with 405', async () => {
    const handler = toNodeHandler(echo);
    let status = 0;
    const res = { headersSent: false, writableFinished: true, writeHead: (s: number) => ((status = s), res), end: () => undefined, once: () => undefined };
    const req = { method: 'TRACE', url: '/qpay/x', headers: {}, unpipe: () => undefined, destroy: () => undefined };
    await handler(req as never, res as never);
    assert.equal(status, 405);
  });
});
