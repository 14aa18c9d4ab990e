// Paying in the mocks without a hand-written route: `pay()` delivers the provider's callback itself (QPay's GET
// of the invoice's callback URL, TBank's signed notification POSTed to notifyUrl), and withMockPayments gives a
// shop the "Simulate payment" route. Also what the checkout handler logs when a request finds no order.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { QPAY_MOCK_SANDBOX_URL, createQPayMock, createTBankMock, withMockPayments } from '../../../src/mock/index.js';
import { QPayClient, TBankProvider, TBankQrPayClient, createCheckoutHandler, createQPayCheckoutHandler, toNodeHandler, type PaidEvent } from '../../../src/server/index.js';

const SHOP = 'https://shop.test';
const terminal = { agentId: 'A900', mchId: 'M900000000000001', terId: 'T9001', signKey: 'mock-payments-sign-key' };
const qpayMock = createQPayMock({ invoiceCode: 'TEST_INVOICE' });
const tbankMock = createTBankMock(terminal);

let paid: PaidEvent[] = [];
let logs: string[] = [];
/** Requests that reached the shop's callback routes through the network (msw stands in for the shop's server). */
let callbacksOverNetwork: string[] = [];

function qpayCheckout(getOrder = (_request: Request, body: unknown) => ((body as { orderId?: string } | undefined)?.orderId === 'A-1001' ? { orderId: 'A-1001', amount: 25_000 } : null)) {
  return createQPayCheckoutHandler({
    client: new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: QPAY_MOCK_SANDBOX_URL }),
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder,
    onPaid: (event) => void paid.push(event),
    logger: { error: (message) => void logs.push(message) },
  });
}

function tbankCheckout() {
  return createCheckoutHandler({
    provider: new TBankProvider({ client: new TBankQrPayClient({ ...terminal, retryDelaysMs: [0] }) }),
    basePath: '/tbank',
    callbackUrl: `${SHOP}/tbank/callback`,
    getOrder: () => ({ orderId: 'B-2002', amount: 1500.5 }),
    onPaid: (event) => void paid.push(event),
    logger: { error: (message) => void logs.push(message) },
  });
}

let qpay = qpayCheckout();
let tbank = tbankCheckout();
const shopServer = [
  http.all(`${SHOP}/qpay/*`, ({ request }) => {
    callbacksOverNetwork.push(`${request.method} ${new URL(request.url).pathname}`);
    return qpay(request);
  }),
  http.all(`${SHOP}/tbank/*`, ({ request }) => {
    callbacksOverNetwork.push(`${request.method} ${new URL(request.url).pathname}`);
    return tbank(request);
  }),
];
const msw = setupServer(...qpayMock.handlers, ...tbankMock.handlers, ...shopServer);
before(() => msw.listen({ onUnhandledRequest: 'error' }));
after(() => msw.close());
beforeEach(() => {
  qpayMock.controls.reset();
  tbankMock.controls.reset();
  qpay = qpayCheckout();
  tbank = tbankCheckout();
  paid = [];
  logs = [];
  callbacksOverNetwork = [];
});
// Each handler's delivery worker would otherwise run on into the next test (onPaid runs in the background now).
afterEach(() => {
  qpay.close();
  tbank.close();
});

const post = (handler: (request: Request) => Promise<Response>, path: string, body?: unknown) =>
  handler(
    new Request(`${SHOP}${path}`, body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  );

async function newQPayInvoice(): Promise<string> {
  const created = await post(qpay, '/qpay/invoice', { orderId: 'A-1001' });
  assert.equal(created.status, 201);
  return ((await created.json()) as { invoice_id: string }).invoice_id;
}

describe("mocks' pay() delivers the provider's callback", () => {
  it('QPay: pay() GETs the callback URL the invoice was created with; the shop confirms and runs onPaid', async () => {
    const invoiceId = await newQPayInvoice();
    const { delivery, callbackUrl } = qpayMock.controls.pay(invoiceId);
    const answer = await delivery!;
    assert.equal(await answer.text(), 'SUCCESS');
    assert.deepEqual(callbacksOverNetwork, ['GET /qpay/callback']);
    assert.match(callbackUrl!, /^https:\/\/shop\.test\/qpay\/callback\?order=A-1001&ref=r[A-Za-z0-9_-]{28}&sig=[A-Za-z0-9_-]{43}&qpay_payment_id=\d+$/);
    await qpay.idle(); // the callback recorded the payment; the delivery worker runs onPaid
    assert.deepEqual(paid.map((event) => [event.orderId, event.invoiceId, event.paidAmount]), [['A-1001', invoiceId, 25_000]]);
  });

  it('QPay: {callback: false} pays without calling the shop', async () => {
    const invoiceId = await newQPayInvoice();
    const result = qpayMock.controls.pay(invoiceId, undefined, { callback: false });
    assert.equal(result.delivery, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(callbacksOverNetwork, []);
    assert.deepEqual(paid, []);
  });

  it('TBank: pay() POSTs the signed notification to notifyUrl; the shop confirms it with QUERY and runs onPaid', async () => {
    const created = await post(tbank, '/tbank/invoice');
    const { outTradeNo } = (await created.json()) as { outTradeNo: string };
    const result = tbankMock.controls.pay(outTradeNo);
    assert.equal(result.tradeState, 'PAID');
    const answer = await result.delivery!;
    assert.deepEqual(await answer.json(), { code: 'SUCCESS', msg: 'OK' });
    assert.deepEqual(callbacksOverNetwork, ['POST /tbank/callback']);
    await tbank.idle();
    assert.deepEqual(paid.map((event) => [event.orderId, event.paidAmount]), [['B-2002', 1500.5]]);
  });

  it('a callback that cannot be delivered rejects its delivery with the reason (and pay itself still succeeds)', async () => {
    const invoiceId = await newQPayInvoice();
    const failing = (() => Promise.reject(new Error('connection refused'))) as typeof fetch;
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (message: string) => void warnings.push(message);
    try {
      const result = qpayMock.controls.pay(invoiceId, undefined, { fetch: failing });
      assert.equal(result.invoicePaid, true);
      await assert.rejects(result.delivery!, /connection refused/);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      console.warn = warn;
    }
    assert.match(warnings.join('\n'), /QPay mock: could not deliver the payment callback to https:\/\/shop\.test\/qpay\/callback\?order=A-1001.*: connection refused/);
  });
});

describe('withMockPayments: the Simulate payment route', () => {
  it('POST {basePath}/dev/pay/:invoiceId pays in the QPay mock; the status turns PAID and onPaid runs once', async () => {
    const shop = withMockPayments(qpay, qpayMock);
    assert.equal(shop.basePath, '/qpay');
    const created = await post(shop, '/qpay/invoice', { orderId: 'A-1001' });
    const { invoice_id } = (await created.json()) as { invoice_id: string };
    const simulated = await post(shop, `/qpay/dev/pay/${invoice_id}`);
    assert.equal(simulated.status, 200);
    assert.deepEqual(await simulated.json(), { paid: true, invoice_id, callback_status: 200 });
    assert.deepEqual(callbacksOverNetwork, [], 'the callback went to the handler in process');
    const status = await shop(new Request(`${SHOP}/qpay/status/${invoice_id}`));
    assert.deepEqual(await status.json(), { status: 'PAID', paid_amount: 25_000, invoice_id });
    assert.equal(paid.length, 1);

    const again = await post(shop, `/qpay/dev/pay/${invoice_id}`);
    assert.equal(again.status, 409);
    assert.deepEqual(Object.keys(await again.json()), ['error', 'message']);
  });

  it('works for TBank under its own basePath', async () => {
    const shop = withMockPayments(tbank, tbankMock);
    const created = await post(shop, '/tbank/invoice');
    const { outTradeNo } = (await created.json()) as { outTradeNo: string };
    const simulated = await post(shop, `/tbank/dev/pay/${encodeURIComponent(outTradeNo)}`);
    assert.deepEqual(await simulated.json(), { paid: true, invoice_id: outTradeNo, callback_status: 200 });
    assert.deepEqual(paid.map((event) => event.orderId), ['B-2002']);
  });

  it('answers 404 INVOICE_NOT_FOUND for an invoice the mock never made, 405 to other methods, and passes other routes on', async () => {
    const shop = withMockPayments(qpay, qpayMock);
    const unknown = await post(shop, '/qpay/dev/pay/no-such-invoice');
    assert.deepEqual([unknown.status, ((await unknown.json()) as { error: string }).error], [404, 'INVOICE_NOT_FOUND']);
    const get = await shop(new Request(`${SHOP}/qpay/dev/pay/x`));
    assert.equal(get.status, 405);
    const invoice = await post(shop, '/qpay/invoice', { orderId: 'A-1001' });
    assert.equal(invoice.status, 201);
  });

  it('without a mock it is the handler itself: no dev route exists', async () => {
    assert.equal(withMockPayments(qpay, undefined), qpay);
    const answer = await post(withMockPayments(qpay, undefined), '/qpay/dev/pay/anything');
    assert.equal(answer.status, 404);
    assert.equal(((await answer.json()) as { error: string }).error, 'NOT_FOUND');
  });

  it('mounts on Node with toNodeHandler like the bare handler (basePath kept)', () => {
    const shop = withMockPayments(qpay, qpayMock);
    let passedOn = false;
    void toNodeHandler(shop)({ url: '/elsewhere', method: 'GET', headers: {} } as never, {} as never, () => void (passedOn = true));
    assert.equal(passedOn, true);
  });
});

describe('the checkout handler says why a request found no order', () => {
  it('an empty body, a body that is not JSON, and getOrder finding nothing are each logged in words', async () => {
    await post(qpay, '/qpay/invoice');
    await qpay(new Request(`${SHOP}/qpay/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"orderId":' }));
    await post(qpay, '/qpay/invoice', { orderId: 'Z-9', email: 'someone@example.com' });
    assert.equal(logs.length, 3, logs.join('\n'));
    assert.match(logs[0]!, /No order for POST \/qpay\/invoice: getOrder returned null for an empty request body \(was the element's order set before it posted\?\) \(404 ORDER_NOT_FOUND\)/);
    assert.match(logs[1]!, /No order for POST \/qpay\/invoice: the request body is not valid JSON \(400 BAD_JSON\)/);
    assert.match(logs[2]!, /getOrder returned null for a body with the fields orderId, email \(404 ORDER_NOT_FOUND\)/);
    assert.doesNotMatch(logs.join('\n'), /someone@example\.com|Z-9/, 'values are not logged');
  });
});
