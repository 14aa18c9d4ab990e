import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createQPayCheckoutHandler, toNodeHandler, type PaidEvent } from '../../../src/server/index.js';
import { makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const paid: PaidEvent[] = [];
const { client } = makeClient(clock);
const handler = createQPayCheckoutHandler({
  client,
  invoiceCode: 'TEST_INVOICE',
  callbackUrl: 'https://shop.example/qpay/callback',
  getOrder: async (request) => {
    const body = (await request.json()) as { orderId?: string };
    return body.orderId?.startsWith('o-') ? { orderId: body.orderId, amount: 15000 } : null;
  },
  onPaid: (event) => void paid.push(event),
  now: clock.now,
});

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

let plainBase = '';
let expressLikeBase = '';
const servers: Server[] = [];

before(async () => {
  env.listen();
  const plain = createServer(toNodeHandler(handler));
  // Express-style: a body parser ran first, the handler is mounted with next(), other routes follow.
  const middleware = toNodeHandler(handler);
  const expressLike = createServer((req: IncomingMessage & { body?: unknown; originalUrl?: string }, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (chunks.length > 0) req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      req.originalUrl = req.url;
      void middleware(req, res, () => {
        res.setHeader('content-type', 'text/plain');
        res.end('next route');
      });
    });
  });
  servers.push(plain, expressLike);
  plainBase = await listen(plain);
  expressLikeBase = await listen(expressLike);
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  env.close();
});

beforeEach(() => {
  paid.length = 0;
});

describe('toNodeHandler on a real http server', () => {
  it('creates an invoice, polls it, and takes QPay\'s callback end to end', async () => {
    const created = await fetch(`${plainBase}/qpay/invoice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'o-1' }),
    });
    assert.equal(created.status, 201);
    assert.match(created.headers.get('content-type')!, /application\/json/);
    const invoice = (await created.json()) as { invoice_id: string; amount: number };
    assert.equal(invoice.amount, 15000);

    const unpaid = await fetch(`${plainBase}/qpay/status/${invoice.invoice_id}`);
    assert.equal(unpaid.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await unpaid.json(), { status: 'NEW', paid_amount: 0, invoice_id: invoice.invoice_id });

    const { callbackUrl } = env.controls.pay(invoice.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    const callback = await fetch(`${plainBase}${new URL(callbackUrl!).pathname}${new URL(callbackUrl!).search}`);
    assert.equal(callback.status, 200);
    assert.equal(await callback.text(), 'SUCCESS');
    assert.equal(paid.length, 1);

    const head = await fetch(`${plainBase}/qpay/status/${invoice.invoice_id}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('answers 404 JSON outside basePath when there is no next()', async () => {
    const response = await fetch(`${plainBase}/shop/cart`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'NOT_FOUND', message: 'No such endpoint' });
  });

  it('passes requests outside basePath to next() as Express middleware', async () => {
    const response = await fetch(`${expressLikeBase}/shop/cart`);
    assert.equal(await response.text(), 'next route');
  });

  it('uses a body that a body parser already consumed', async () => {
    const response = await fetch(`${expressLikeBase}/qpay/invoice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'o-2' }),
    });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as { amount: number }).amount, 15000);
  });

  it('answers a bad request with 4xx JSON and keeps serving', async () => {
    const bad = await fetch(`${plainBase}/qpay/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'BAD_JSON');
    const wrong = await fetch(`${plainBase}/qpay/invoice`);
    assert.equal(wrong.status, 405);
    const ok = await fetch(`${plainBase}/qpay/status/unknown-id`);
    assert.equal(ok.status, 404);
  });
});
