// The fault matrix for the checkout server through the Node adapter (createCheckoutServer, the
// real checkout handler, the QPay and TBank mocks behind a fetch that can misbehave): chunked and
// slow bodies, hung / failing / garbage-answering providers and token storms, each with its bound
// asserted (memory, provider calls, answer time). Written against the public behaviour (routes,
// status codes, error codes) so it holds across rewrites of the handler.
import assert from 'node:assert/strict';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setupServer } from 'msw/node';
import {
  TBankProvider,
  TBankQrPayClient,
  createCheckoutHandler,
  createQPayCheckoutHandler,
  createCheckoutServer,
  type PaidEvent,
} from '../../../src/server/index.js';
import { createQPayMock, createTBankMock } from '../../../src/mock/index.js';
import { INTERNAL_UPSTREAM, createFaultyFetch } from '../helpers/faulty-fetch.js';
import { BASE_URL, CLIENT_ID, CLIENT_SECRET, makeClient, makeClock } from '../server/qpay-test-kit.js';

const clock = makeClock();
const qpayMock = createQPayMock({ baseUrl: BASE_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, invoiceCode: 'TEST_INVOICE', now: clock.now, drawQrImage: false });
const TBANK_KEY = 'faults-tbank-key-0123456789abcdef';
const terminal = { agentId: 'A7', mchId: 'M700000000000001', terId: 'T7' };
const tbankMock = createTBankMock({ ...terminal, signKey: TBANK_KEY });
const msw = setupServer(...qpayMock.handlers, ...tbankMock.handlers);

const qpayFetch = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: (url) => url.startsWith(BASE_URL) && !url.includes('/v2/auth/') });
const authFetch = createFaultyFetch({ inner: qpayFetch.fetch, match: (url) => url.includes('/v2/auth/') });
const tbankFetch = createFaultyFetch({ inner: (i, n) => globalThis.fetch(i, n), match: () => true });
const paid: PaidEvent[] = [];
const logs: string[] = [];
let orderSeq = 0;

const { client: qpayClient } = makeClient(clock, { fetch: authFetch.fetch });
const qpayHandler = createQPayCheckoutHandler({
  client: qpayClient,
  invoiceCode: 'TEST_INVOICE',
  callbackUrl: 'https://shop.example/qpay/callback',
  getOrder: (_request, body) => {
    const asked = (body as { amount?: number } | undefined)?.amount;
    return { orderId: `f-${++orderSeq}`, amount: asked ?? 1000, ...(asked !== undefined && asked < 1 ? { currency: 'MNT' } : {}) };
  },
  onPaid: (event) => void paid.push(event),
  now: clock.now,
  logger: { error: (line) => void logs.push(line) },
});
let tbankSeq = 5000;
const tbankHandler = createCheckoutHandler({
  provider: new TBankProvider({
    client: new TBankQrPayClient({ ...terminal, signKey: TBANK_KEY, fetch: tbankFetch.fetch }),
    now: clock.now,
    transactionNo: () => ++tbankSeq,
  }),
  basePath: '/tbank',
  callbackUrl: 'https://shop.example/tbank/callback',
  getOrder: (_request, body) => ({ orderId: `t-${++orderSeq}`, amount: (body as { amount?: number } | undefined)?.amount ?? 100, currency: 'RUB' }),
  onPaid: (event) => void paid.push(event),
  now: clock.now,
  logger: { error: (line) => void logs.push(line) },
});

const servers: Server[] = [];
let qpayBase = '';
let tbankBase = '';
async function start(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  qpayBase = await start(createCheckoutServer(qpayHandler, { bodyTimeoutMs: 500 }));
  tbankBase = await start(createCheckoutServer(tbankHandler, { bodyTimeoutMs: 500 }));
});
after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  msw.close();
});
beforeEach(() => {
  qpayFetch.fault = undefined;
  authFetch.fault = undefined;
  tbankFetch.fault = undefined;
  qpayMock.controls.reset();
});

async function newInvoice(base: string, path = '/qpay'): Promise<string> {
  const response = await fetch(`${base}${path}/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(response.status, 201, await response.clone().text());
  const invoice = (await response.json()) as { invoice_id?: string; outTradeNo?: string };
  return invoice.invoice_id ?? invoice.outTradeNo!;
}

const qpayCalls = () => qpayFetch.calls.filter((url) => url.startsWith(BASE_URL) && !url.includes('/v2/auth/')).length;
const logins = () => authFetch.calls.filter((url) => url.includes('/v2/auth/token')).length;

/**
 * Streams `totalBytes` of chunked body at the server (as fast as it takes them) and samples RSS.
 * Answers the status (0 when the server cut the connection first) and the largest RSS growth.
 */
function chunkedFlood(base: string, path: string, totalBytes: number): Promise<{ status: number; rssGrowth: number; sent: number }> {
  const url = new URL(path, base);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return new Promise((resolve) => {
    let sent = 0;
    let status = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      resolve({ status, rssGrowth: peak - baseline, sent });
    };
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => {
        req.destroy();
        finish();
      });
    });
    req.on('error', finish);
    req.on('close', finish);
    const pump = () => {
      while (!finished && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!finished) req.end();
    };
    pump();
  });
}

describe('bodies: chunked floods and slow drips', () => {
  it('a 300 MB chunked POST /qpay/invoice is cut off early: RSS grows < 50 MB, answer 413 (or the connection closed)', async () => {
    const result = await chunkedFlood(qpayBase, '/qpay/invoice', 300 * 1024 * 1024);
    assert.ok(result.status === 413 || result.status === 0, `status ${result.status}`);
    assert.ok(result.rssGrowth < 50 * 1024 * 1024, `RSS grew ${(result.rssGrowth / 1048576).toFixed(1)} MB`);
    assert.ok(result.sent < 300 * 1024 * 1024, 'the server stopped the upload before the end');
  });

  it('a 100 MB chunked POST /tbank/callback is cut off early too: RSS grows < 50 MB', async () => {
    const result = await chunkedFlood(tbankBase, '/tbank/callback', 100 * 1024 * 1024);
    assert.ok(result.status === 413 || result.status === 0, `status ${result.status}`);
    assert.ok(result.rssGrowth < 50 * 1024 * 1024, `RSS grew ${(result.rssGrowth / 1048576).toFixed(1)} MB`);
  });

  it('a slow-drip invoice body is answered 408 within the body deadline', async () => {
    const started = performance.now();
    const status = await new Promise<number>((resolve) => {
      const url = new URL('/qpay/invoice', qpayBase);
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.write('{"amount":');
    });
    assert.equal(status, 408);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('a hung provider: answers bounded by the element\'s 10 s patience', () => {
  // One test for both providers, run side by side: each waits out the 8 s read deadline.
  it('QPay and TBank hung: the status routes and the callback all answer within 9 s with code TIMEOUT', async () => {
    const qpayId = await newInvoice(qpayBase);
    const tbankId = await newInvoice(tbankBase, '/tbank');
    qpayFetch.fault = 'hang';
    tbankFetch.fault = 'hang';
    const started = performance.now();
    const responses = await Promise.all([
      fetch(`${qpayBase}/qpay/status/${qpayId}`),
      fetch(`${qpayBase}/qpay/callback${new URL(qpayMock.controls.invoice(qpayId)!.callback_url!).search}&qpay_payment_id=1`),
      fetch(`${tbankBase}/tbank/status/${tbankId}`),
    ]);
    const took = performance.now() - started;
    assert.ok(took < 9000, `took ${Math.round(took)} ms`);
    for (const response of responses) {
      assert.ok(response.status >= 500, `status ${response.status}`);
      assert.equal(((await response.json()) as { code?: string }).code, 'TIMEOUT');
    }
  });
});

describe('failing and garbage-answering providers', () => {
  for (const fault of ['status-503', 'java-trace-500', 'nginx-502', 'garbage-200', 'huge-200'] as const) {
    it(`QPay ${fault}: 502 with a code, no provider text or internal address in the body, bounded calls`, async () => {
      const id = await newInvoice(qpayBase);
      qpayFetch.fault = fault;
      const before = qpayCalls();
      const response = await fetch(`${qpayBase}/qpay/status/${id}`);
      assert.equal(response.status, 502);
      const text = await response.text();
      assert.ok(!text.includes(INTERNAL_UPSTREAM), text);
      assert.doesNotMatch(text, /java\.lang|nginx|<html|garbage/i);
      assert.match(text, /"error":"PROVIDER_ERROR"/);
      assert.ok(qpayCalls() - before <= 3, `${qpayCalls() - before} QPay calls for one poll`);
    });
  }

  it('a 503 outage: 20 polls a second apart cost at most 15 QPay calls (5 asks backing off, each with its retries)', async () => {
    const id = await newInvoice(qpayBase);
    qpayFetch.fault = 'status-503';
    // Calls about this invoice only (QPay's payment check names it in its body): the handler's check schedule also
    // checks the open invoices of earlier tests.
    const callsAboutIt = () => qpayFetch.calls.filter((url, i) => url.startsWith(BASE_URL) && qpayFetch.bodies[i]!.includes(id)).length;
    const before = callsAboutIt();
    for (let i = 0; i < 20; i++) {
      clock.advance(1100); // past the status cache, as real polls are
      await (await fetch(`${qpayBase}/qpay/status/${id}`)).text();
    }
    assert.ok(callsAboutIt() - before <= 15, `${callsAboutIt() - before} QPay calls for 20 polls`);
    assert.ok(callsAboutIt() - before >= 3, "the outage was asked about at least once (with its retries)");
  });

  it('300 forged callbacks cost at most 10 provider calls', async () => {
    const id = await newInvoice(qpayBase);
    const before = qpayCalls();
    for (let i = 0; i < 300; i++) {
      const forged = i % 2 === 0 ? `invoice=${id}` : `qpay_payment_id=${900000 + i}`;
      await (await fetch(`${qpayBase}/qpay/callback?${forged}`)).text();
    }
    assert.ok(qpayCalls() - before <= 10, `${qpayCalls() - before} QPay calls for 300 forged callbacks`);
  });

  it('an order of 0.5 MNT is refused before QPay is asked', async () => {
    const before = qpayCalls();
    const response = await fetch(`${qpayBase}/qpay/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":0.5}' });
    assert.equal(response.status, 500);
    assert.match(await response.text(), /INVALID_ORDER.*minimum of 1 MNT/);
    assert.equal(qpayCalls(), before);
  });
});

describe('forged ids in callbacks', () => {
  for (const forged of ['..', '.', '../auth/token', '%2e%2e', 'a%2Fb']) {
    it(`qpay_payment_id=${forged} never makes a request outside /v2/payment/<id> with the bearer token`, async () => {
      const before = qpayFetch.calls.length;
      const response = await fetch(`${qpayBase}/qpay/callback?qpay_payment_id=${forged}`);
      await response.text();
      assert.notEqual(response.status, 200);
      const made = qpayFetch.calls.slice(before).map((url) => new URL(url).pathname);
      assert.deepEqual(made.filter((path) => !/^\/v2\/payment\/[^/.][^/]*$/.test(path)), [], `requests: ${made.join(', ')}`);
    });
  }
});

describe('token storms through the handler', () => {
  it('auth down: 10 polls make at most 3 logins', async () => {
    const id = await newInvoice(qpayBase);
    qpayClient.clearToken();
    authFetch.fault = 'status-503';
    const before = logins();
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${qpayBase}/qpay/status/${id}`);
      assert.equal(response.status, 502);
      await response.text();
    }
    assert.ok(logins() - before <= 3, `${logins() - before} logins for 10 polls`);
    clock.advance(120_000); // the back-off is over for the next tests
  });

  it('a 401 storm: 30 polls a second apart make at most 6 logins (back-off doubles), not one per poll', async () => {
    const id = await newInvoice(qpayBase);
    qpayMock.controls.failNext(/payment\/check/, { status: 401, body: { error: 'NO_CREDENDIALS', message: 'NO_CREDENDIALS' } }, 1000);
    const before = logins();
    for (let i = 0; i < 30; i++) {
      clock.advance(1100);
      await (await fetch(`${qpayBase}/qpay/status/${id}`)).text();
    }
    assert.ok(logins() - before <= 6, `${logins() - before} logins for 30 polls`);
    clock.advance(120_000);
  });
});
