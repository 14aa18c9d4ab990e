// The demo shop with STORE_URL pointing at a real Redis: its checkout state lives there, so a second shop process
// (a restart, whose QPay mock has never heard of the invoice) still answers PAID from the store.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { createDemoShop, type DemoShop } from '../../../demo/shop-server.js';
import { startRedis, type TestServer } from '../helpers/servers.js';

const ORIGIN = 'http://127.0.0.1:5173';
let redis: TestServer;
const shops: DemoShop[] = [];

before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const shop of shops) await shop.close();
  await redis.stop();
});

function openShop(): DemoShop {
  const shop = createDemoShop({ env: { STORE_URL: redis.url }, origin: () => ORIGIN, log: () => {} });
  shop.start();
  shops.push(shop);
  return shop;
}

function route(shop: DemoShop, path: string, init?: RequestInit): Promise<Response> {
  const handler = shop.routes.find((h) => path === h.basePath || path.startsWith(`${h.basePath}/`))!;
  return handler(new Request(`${ORIGIN}${path}`, init));
}

it('keeps invoices and payments in Redis when STORE_URL names it, and says so on start', async () => {
  const first = openShop();
  assert.ok(first.describe().some((line) => line === `Store: ${redis.url} (STORE_URL)`));
  const created = await route(first, '/qpay/invoice', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cartId: 'store-cart-0001', items: [{ id: 'buuz', quantity: 1 }] }),
  });
  assert.equal(created.status, 201);
  const { invoice_id: invoiceId } = (await created.json()) as { invoice_id: string };
  assert.equal((await route(first, `/demo-api/pay/qpay/${invoiceId}`, { method: 'POST' })).status, 200);

  const client = new Redis(redis.url);
  try {
    const keys = await client.keys('qpay-demo:qpay:*');
    assert.ok(keys.length > 0, 'nothing was written to Redis');
  } finally {
    client.disconnect();
  }
  await first.close();

  const second = openShop();
  const status = (await (await route(second, `/qpay/status/${invoiceId}`)).json()) as { status: string };
  assert.equal(status.status, 'PAID');
});

it('refuses a STORE_URL that is neither Redis nor PostgreSQL, with a clear answer', async () => {
  const shop = createDemoShop({ env: { STORE_URL: 'mysql://localhost/shop' }, origin: () => ORIGIN, log: () => {} });
  shops.push(shop);
  const answer = await route(shop, '/qpay/status/abc');
  assert.equal(answer.status, 500);
  assert.deepEqual(await answer.json(), { error: 'DEMO_SETUP_FAILED', message: 'STORE_URL must be a redis://… or postgres://… URL' });
});
