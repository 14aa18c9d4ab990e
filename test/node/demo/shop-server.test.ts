// The demo shop's server side through its Web Fetch routes, against the QPay and TBank mocks:
// the server prices carts itself, refuses bad ones with a reason, and "simulate payment" pays the
// mock so that status polling answers PAID and onPaid runs once, through the callback route.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE, CartError, priceCart } from '../../../demo/catalogue.js';
import { cartItems, orderBody, withQuantity } from '../../../demo/cart.js';
import { createDemoShop, readQPaySettings, type DemoShop } from '../../../demo/shop-server.js';

const ORIGIN = 'http://127.0.0.1:5173';

function route(shop: DemoShop, path: string, init?: RequestInit): Promise<Response> {
  const handler = shop.routes.find((h) => path === h.basePath || path.startsWith(`${h.basePath}/`));
  assert.ok(handler, `no route for ${path}`);
  return handler(new Request(`${ORIGIN}${path}`, init));
}

function postJson(shop: DemoShop, path: string, body: unknown): Promise<Response> {
  return route(shop, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('catalogue and cart', () => {
  it('prices a cart in minor units for either currency', () => {
    const cart = priceCart(
      [
        { id: 'felt-slippers', quantity: 3 },
        { id: 'milk-tea', quantity: 1 },
      ],
      'RUB',
    );
    assert.equal(cart.total, 4171.5); // 3 × 1350.50 + 120
    assert.equal(cart.description, '3 × Felt slippers, 1 × Milk tea');
    assert.equal(priceCart([{ id: 'buuz', quantity: 2 }], 'MNT').total, 19_600);
  });

  it('refuses carts a customer could not have made, saying why', () => {
    const refuse = (items: unknown, reason: RegExp) => assert.throws(() => priceCart(items, 'MNT'), (e: unknown) => e instanceof CartError && reason.test(e.message));
    refuse([], /empty/);
    refuse('buuz', /list/);
    refuse([{ id: 'caviar', quantity: 1 }], /no product "caviar"/);
    refuse([{ id: 'buuz', quantity: 0 }], /whole number from 1 to 20/);
    refuse([{ id: 'buuz', quantity: 1.5 }], /whole number/);
    refuse([{ id: 'buuz', quantity: 21 }], /from 1 to 20/);
    refuse([{ id: 'buuz', quantity: 1 }, { id: 'buuz', quantity: 1 }], /twice/);
    refuse([{ quantity: 1 }], /product id/);
  });

  it('keeps the page cart as ids and quantities in catalogue order, clamped', () => {
    let quantities = withQuantity(new Map(), 'cashmere-scarf', 2);
    quantities = withQuantity(quantities, 'milk-tea', 99);
    quantities = withQuantity(quantities, 'buuz', 1);
    quantities = withQuantity(quantities, 'buuz', 0);
    assert.deepEqual(cartItems(quantities), [
      { id: 'milk-tea', quantity: 20 },
      { id: 'cashmere-scarf', quantity: 2 },
    ]);
    assert.deepEqual(Object.keys(orderBody('cart-1234', quantities)), ['cartId', 'items']);
    assert.ok(CATALOGUE.every((product) => product.price.MNT > 0 && product.price.RUB > 0));
  });
});

describe('QPay settings from the environment', () => {
  it('uses the mock without credentials, and real QPay (sandbox by default) with all three', () => {
    assert.deepEqual(readQPaySettings({}), { mode: 'mock' });
    const live = readQPaySettings({ QPAY_CLIENT_ID: 'shop', QPAY_CLIENT_SECRET: 's3cret-value', QPAY_INVOICE_CODE: 'SHOP_INVOICE' });
    assert.equal(live.mode, 'live');
    assert.equal(live.mode === 'live' && live.baseUrl, 'https://merchant-sandbox.qpay.mn');
  });

  it('stops on a half-configured environment, naming what is missing but no value', () => {
    assert.throws(
      () => readQPaySettings({ QPAY_CLIENT_ID: 'shop', QPAY_CLIENT_SECRET: 's3cret-value' }),
      (e: unknown) => e instanceof Error && /QPAY_INVOICE_CODE is not set/.test(e.message) && !e.message.includes('s3cret-value'),
    );
    assert.throws(
      () => readQPaySettings({ QPAY_CLIENT_ID: 'a', QPAY_CLIENT_SECRET: 'b', QPAY_INVOICE_CODE: 'c', QPAY_BASE_URL: 'javascript:alert(1)' }),
      /QPAY_BASE_URL must be an http\(s\) URL/,
    );
  });

  it('in real mode offers no simulated payment and never prints the secret', async () => {
    const shop = createDemoShop({
      env: { QPAY_CLIENT_ID: 'shop-id', QPAY_CLIENT_SECRET: 's3cret-value', QPAY_INVOICE_CODE: 'SHOP_INVOICE', QPAY_BASE_URL: 'https://merchant.qpay.mn' },
      origin: () => ORIGIN,
      log: () => {},
    });
    const lines = shop.describe().join('\n');
    assert.match(lines, /QPay: REAL API at https:\/\/merchant\.qpay\.mn/);
    assert.ok(!lines.includes('s3cret-value') && !lines.includes('shop-id'));
    assert.equal(shop.config.providers.qpay.mode, 'live');
    const pay = await route(shop, '/demo-api/pay/qpay/some-invoice', { method: 'POST' });
    assert.equal(pay.status, 404);
    assert.equal(((await pay.json()) as { error: string }).error, 'NOT_AVAILABLE');
  });
});

describe('demo shop routes against the mocks', () => {
  const logged: string[] = [];
  let shop: DemoShop;

  before(() => {
    shop = createDemoShop({ env: {}, origin: () => ORIGIN, log: (line) => logged.push(line) });
    shop.start();
  });
  after(() => shop.close());

  it('reports both providers as mocks at /demo-api/config', async () => {
    const response = await route(shop, '/demo-api/config');
    assert.deepEqual(await response.json(), {
      providers: {
        qpay: { mode: 'mock', currency: 'MNT', basePath: '/qpay' },
        tbank: { mode: 'mock', currency: 'RUB', basePath: '/tbank' },
      },
    });
  });

  it('QPay: prices the cart on the server (a browser amount is ignored), then simulate payment makes it PAID with one onPaid', async () => {
    const created = await postJson(shop, '/qpay/invoice', {
      cartId: 'qpay-cart-0001',
      items: [{ id: 'buuz', quantity: 2 }, { id: 'milk-tea', quantity: 1 }],
      amount: 1,
      total: 1,
    });
    assert.equal(created.status, 201);
    const invoice = (await created.json()) as { invoice_id: string; amount: number; currency: string; qr_text: string };
    assert.equal(invoice.amount, 24_100);
    assert.equal(invoice.currency, 'MNT');
    assert.match(invoice.qr_text, /^000201/);

    const before = await route(shop, `/qpay/status/${invoice.invoice_id}`);
    assert.equal(((await before.json()) as { status: string }).status, 'NEW');

    const paid = await route(shop, `/demo-api/pay/qpay/${invoice.invoice_id}`, { method: 'POST' });
    assert.equal(paid.status, 200);
    // The mock's callback went to the shop's own /qpay/callback, which confirmed and ran onPaid.
    assert.equal(((await paid.json()) as { callbackStatus: number }).callbackStatus, 200);
    const qpayPaid = shop.paid.filter((event) => event.provider === 'qpay');
    assert.equal(qpayPaid.length, 1);
    assert.equal(qpayPaid[0]!.orderId, 'demo-qpay-cart-0001');
    assert.equal(qpayPaid[0]!.paidAmount, 24_100);
    assert.ok(logged.some((line) => line.includes(`onPaid: qpay invoice ${invoice.invoice_id}`)));

    for (let i = 0; i < 2; i++) {
      const status = (await (await route(shop, `/qpay/status/${invoice.invoice_id}`)).json()) as { status: string; paid_amount: number };
      assert.deepEqual(status, { status: 'PAID', paid_amount: 24_100, invoice_id: invoice.invoice_id });
    }
    assert.equal(shop.paid.filter((event) => event.provider === 'qpay').length, 1);

    const again = await route(shop, `/demo-api/pay/qpay/${invoice.invoice_id}`, { method: 'POST' });
    assert.equal(again.status, 409);
  });

  it('TBank: an SBP codeUrl in roubles, and simulate payment sends the signed notification before PAID', async () => {
    const created = await postJson(shop, '/tbank/invoice', { cartId: 'tbank-cart-0001', items: [{ id: 'felt-slippers', quantity: 2 }] });
    assert.equal(created.status, 201);
    const invoice = (await created.json()) as { outTradeNo: string; codeUrl: string; amount: number; currency: string; signature?: string };
    assert.equal(invoice.amount, 2701);
    assert.equal(invoice.currency, 'RUB');
    assert.match(invoice.codeUrl, /^https:\/\/qr\.nspk\.ru\/AD[0-9A-Z]{30}\?type=02&bank=\d+&sum=270100&cur=RUB/);
    assert.equal(invoice.signature, undefined);

    const paid = await route(shop, `/demo-api/pay/tbank/${invoice.outTradeNo}`, { method: 'POST' });
    assert.equal(((await paid.json()) as { callbackStatus: number }).callbackStatus, 200);
    const tbankPaid = shop.paid.filter((event) => event.provider === 'tbank');
    assert.equal(tbankPaid.length, 1);
    assert.equal(tbankPaid[0]!.amount, 2701);
    const status = (await (await route(shop, `/tbank/status/${invoice.outTradeNo}`)).json()) as { status: string };
    assert.equal(status.status, 'PAID');
    assert.equal(shop.paid.filter((event) => event.provider === 'tbank').length, 1);
  });

  it('refuses a bad cart with 400 and the reason, and unknown or malformed invoices to pay', async () => {
    const unknownProduct = await postJson(shop, '/qpay/invoice', { cartId: 'qpay-cart-0002', items: [{ id: 'caviar', quantity: 1 }] });
    assert.equal(unknownProduct.status, 400);
    assert.deepEqual(await unknownProduct.json(), { error: 'BAD_CART', message: 'There is no product "caviar"' });
    const noCartId = await postJson(shop, '/tbank/invoice', { items: [{ id: 'buuz', quantity: 1 }] });
    assert.equal(noCartId.status, 400);
    assert.equal(((await noCartId.json()) as { error: string }).error, 'BAD_CART');

    assert.equal((await route(shop, '/demo-api/pay/qpay/no-such-invoice', { method: 'POST' })).status, 409);
    assert.equal((await route(shop, '/demo-api/pay/tbank/123', { method: 'POST' })).status, 409);
    assert.equal((await route(shop, '/demo-api/pay/qpay/%3Cscript%3E', { method: 'POST' })).status, 400);
    assert.equal((await route(shop, '/demo-api/pay/paypal/1', { method: 'POST' })).status, 404);
    assert.equal((await route(shop, '/demo-api/pay/qpay/1')).status, 405);
  });
});
