// A request under the handler's base path that matches no route is answered 404 NOT_FOUND as before, and logged
// with the routes the handler serves, so a typo in an element's URL shows in the shop's log; the log cannot flood.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createQPayCheckoutHandler } from '../../../src/server/index.js';
import { makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const SERVED = 'POST /qpay/invoice, GET /qpay/status/:invoiceId, GET /qpay/events/:invoiceId, GET|POST /qpay/callback';

function setup(basePath?: string) {
  const { client } = makeClient(clock);
  const logs: string[] = [];
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: 'https://shop.example/qpay/callback',
    getOrder: () => ({ orderId: 'order-1', amount: 1000 }),
    onPaid: () => {},
    now: clock.now,
    // A shared secret: without one the handler logs its start-up warning, which these tests do not count.
    callbackSecret: 'unknown-routes-test-callback-secret-0123',
    logger: { error: (message) => logs.push(message) },
    ...(basePath === undefined ? {} : { basePath }),
  });
  const get = (path: string, method = 'GET') => handler(new Request(`https://shop.example${path}`, { method }));
  return { handler, logs, get };
}

describe('requests to no route', () => {
  before(() => env.listen());
  after(() => env.close());

  it('answers 404 NOT_FOUND and logs the request with the routes the handler serves', async () => {
    const { logs, get } = setup();
    const response = await get('/qpay/stauts/123');
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'NOT_FOUND', message: 'No such endpoint' });
    assert.deepEqual(logs, [`no route GET /qpay/stauts/123; this handler serves ${SERVED}`]);
  });

  it('names the routes under a custom base path, and logs a request to the base path itself', async () => {
    const { logs, get } = setup('/pay/qr/');
    assert.equal((await get('/pay/qr', 'POST')).status, 404);
    assert.equal((await get('/pay/qr/invoices', 'POST')).status, 404);
    assert.deepEqual(logs, [
      'no route POST /pay/qr; this handler serves POST /pay/qr/invoice, GET /pay/qr/status/:invoiceId, GET /pay/qr/events/:invoiceId, GET|POST /pay/qr/callback',
      'no route POST /pay/qr/invoices; this handler serves POST /pay/qr/invoice, GET /pay/qr/status/:invoiceId, GET /pay/qr/events/:invoiceId, GET|POST /pay/qr/callback',
    ]);
  });

  it('logs nothing for known routes, wrong methods on them, or paths outside the base path', async () => {
    const { logs, get } = setup();
    assert.equal((await get('/qpay/invoice')).status, 405);
    assert.equal((await get('/qpay/status')).status, 400);
    assert.equal((await get('/elsewhere/status/123')).status, 404);
    assert.deepEqual(logs, []);
  });

  it('logs one path at most once a minute, and a bounded number of lines a minute in all', async () => {
    const { logs, get } = setup();
    for (let i = 0; i < 5; i++) assert.equal((await get('/qpay/stauts/123')).status, 404);
    assert.equal(logs.length, 1);
    clock.advance(59_000);
    await get('/qpay/stauts/123');
    assert.equal(logs.length, 1, 'the same path again within the minute is not logged');
    clock.advance(1_000);
    await get('/qpay/stauts/123');
    assert.equal(logs.length, 2, 'a minute later the path is logged again');

    // Made-up paths are free to vary: a flood of distinct ones stays a bounded number of lines.
    clock.advance(60_000 - (clock.now() % 60_000));
    for (let i = 0; i < 500; i++) assert.equal((await get(`/qpay/x${i}`)).status, 404);
    assert.equal(logs.length - 2, 20, 'at most 20 lines a minute');
  });

  it('keeps a forged path to one safe line', async () => {
    const { logs, get } = setup();
    await get(`/qpay/${'a'.repeat(5000)}`);
    assert.equal(logs.length, 1);
    assert.ok(logs[0]!.length < 1000, `the line is bounded (${logs[0]!.length} characters)`);
    assert.ok(logs[0]!.endsWith(`this handler serves ${SERVED}`), 'the served routes survive a long path');
  });
});
