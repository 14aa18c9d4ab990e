// The provider-agnostic checkout handler with TBank plugged in, against the TBank mock: the same
// routes the element uses for QPay, a notification confirmed with QUERY, onPaid exactly once.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { createCheckoutHandler } from '../../../src/server/checkout/handler.js';
import type { CheckoutHandler, PaidEvent } from '../../../src/server/checkout/options.js';
import { TBankQrPayClient } from '../../../src/server/providers/tbank-client.js';
import { TBankProvider } from '../../../src/server/providers/tbank-provider.js';
import { createTBankMock } from '../../../src/mock/tbank.js';
import { signTBank } from '../../../src/server/providers/tbank-sign.js';

const SIGN_KEY = 'checkout-test-sign-key-5f0c1e2d';
const terminal = { agentId: 'A900', mchId: 'M900000000000001', terId: 'T9001' };
const mock = createTBankMock({ ...terminal, signKey: SIGN_KEY, merchantName: 'OOO Coffee' });
const server = setupServer(...mock.handlers);
before(() => server.listen({ onUnhandledRequest: 'error' }));
after(() => server.close());

const SHOP = 'https://shop.test';
const ORDERS: Record<string, { amount: number; description: string }> = {
  'ord-1': { amount: 1500.5, description: 'Капучино' },
  'ord-2': { amount: 300, description: 'Круассан' },
};

let clock = Date.UTC(2025, 2, 1, 12, 0, 0);
let paidEvents: PaidEvent[];
/** How many QUERY calls the mock had seen when each onPaid ran. */
let queriesAtOnPaid: number[];
let handler: CheckoutHandler;
let errors: string[];

beforeEach(() => {
  handler?.close();
  mock.controls.reset();
  paidEvents = [];
  queriesAtOnPaid = [];
  errors = [];
  const client = new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, retryDelaysMs: [0], now: () => clock });
  handler = createCheckoutHandler({
    provider: new TBankProvider({ client, now: () => clock }),
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: (_request, body) => {
      const id = (body as { orderId?: string } | undefined)?.orderId;
      const order = id ? ORDERS[id] : undefined;
      return order && id ? { orderId: id, ...order } : null;
    },
    onPaid: async (event) => {
      paidEvents.push(event);
      queriesAtOnPaid.push(queries());
    },
    logger: { error: (message) => errors.push(message) },
    now: () => clock,
  });
});
afterEach(() => {
  for (const message of errors) assert.ok(!message.includes(SIGN_KEY), 'sign key logged');
});

const createInvoice = (orderId: string) =>
  handler(new Request(`${SHOP}/qpay/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId }) }));
const status = async (invoiceId: string) => {
  const response = await handler(new Request(`${SHOP}/qpay/status/${invoiceId}`));
  const text = await response.text();
  // onPaid runs in the handler's delivery worker: wait for the runs this request started.
  await handler.idle();
  assert.ok(!text.includes(SIGN_KEY));
  return { code: response.status, body: JSON.parse(text) as { status: string; paid_amount: number } };
};
/** Delivers TBank's notification to the handler, as TBank would POST it to notifyUrl. */
const deliver = async (url: string, init?: RequestInit) => {
  const response = await handler(new Request(url, init));
  await handler.idle();
  return response;
};
const queries = () => mock.controls.calls.filter((call) => call.operation === 'QUERY').length;

test('POST /qpay/invoice answers the QRPAY response with codeUrl, amount, currency and expires_at', async () => {
  const response = await createInvoice('ord-1');
  assert.equal(response.status, 201);
  const text = await response.text();
  assert.ok(!text.includes(SIGN_KEY));
  const invoice = JSON.parse(text);
  assert.match(invoice.codeUrl, /^https:\/\/qr\.nspk\.ru\/AD[0-9A-Z]{30}\?type=02&bank=100000000004&sum=150050&cur=RUB&crc=[0-9A-F]{4}$/);
  assert.match(invoice.outTradeNo, /^\d+$/);
  assert.equal(invoice.merchantName, 'OOO Coffee');
  assert.equal(invoice.amount, 1500.5);
  assert.equal(invoice.currency, 'RUB');
  assert.ok(Date.parse(invoice.expires_at) > clock);
  assert.equal(invoice.signature, undefined);

  // The notifyUrl TBank gets is the handler's callback with the order and reference attached, signed.
  const sent = mock.controls.calls[0]?.body as Record<string, unknown>;
  assert.match(String(sent.notifyUrl), /^https:\/\/shop\.test\/qpay\/callback\?order=ord-1&ref=r[A-Za-z0-9_-]{28}&sig=[A-Za-z0-9_-]{43}$/);
  assert.equal(sent.totalAmount, '1500.50');

  // The same order gets the same open operation back, with no second QRPAY.
  const again = await createInvoice('ord-1');
  assert.equal(again.status, 200);
  assert.equal((await again.json()).outTradeNo, invoice.outTradeNo);
  assert.equal(mock.controls.calls.filter((call) => call.operation === 'QRPAY').length, 1);
});

test('GET /qpay/status/:id answers NEW, then PAID after the customer pays; onPaid once', async () => {
  const { outTradeNo } = await (await createInvoice('ord-1')).json();
  assert.deepEqual((await status(outTradeNo)).body, { status: 'NEW', paid_amount: 0, invoice_id: outTradeNo });
  mock.controls.pay(outTradeNo, { callback: false });
  clock += 1500; // past the status cache
  await handler.tick(); // the check schedule asks TBank (polls read its latest check)
  const paid = await status(outTradeNo);
  assert.deepEqual(paid, { code: 200, body: { status: 'PAID', paid_amount: 1500.5, invoice_id: outTradeNo } });
  await handler.idle();
  assert.equal(paidEvents.length, 1);
  assert.equal(paidEvents[0]?.provider, 'tbank');
  assert.equal(paidEvents[0]?.orderId, 'ord-1');
  assert.equal(paidEvents[0]?.invoiceId, outTradeNo);
  assert.equal(paidEvents[0]?.currency, 'RUB');
  assert.equal((paidEvents[0]?.payment as Record<string, unknown>).tradeState, 'PAID');

  // Remembered: no more QUERY calls, no second onPaid.
  const before = queries();
  clock += 5000;
  assert.equal((await status(outTradeNo)).body.status, 'PAID');
  assert.equal(queries(), before);
  assert.equal(paidEvents.length, 1);
});

test('many pollers of one operation cost one QUERY per cache window', async () => {
  const { outTradeNo } = await (await createInvoice('ord-2')).json();
  const answers = await Promise.all(Array.from({ length: 20 }, () => status(outTradeNo)));
  assert.ok(answers.every((answer) => answer.body.status === 'NEW'));
  assert.equal(queries(), 1);
});

test('expired, failed and cancelled operations reach the element as such', async () => {
  for (const [control, expected] of [
    ['expire', 'EXPIRED'],
    ['fail', 'FAILED'],
    ['cancel', 'CANCELLED'],
  ] as const) {
    mock.controls.reset();
    const orderId = `ord-${control}`;
    ORDERS[orderId] = { amount: 10, description: control };
    const { outTradeNo } = await (await createInvoice(orderId)).json();
    mock.controls[control](outTradeNo);
    clock += 1500;
    assert.equal((await status(outTradeNo)).body.status, expected);
  }
  assert.equal(paidEvents.length, 0);
});

test('a TBank notification is confirmed with QUERY before onPaid runs, exactly once', async () => {
  const { outTradeNo } = await (await createInvoice('ord-1')).json();
  mock.controls.pay(outTradeNo, { callback: false });
  const queriesBefore = queries();
  const response = await mock.controls.notify(outTradeNo, undefined, (input, init) => deliver(String(input), init));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { code: 'SUCCESS', msg: 'OK' });
  assert.equal(paidEvents.length, 1);
  assert.equal(queriesAtOnPaid[0], queriesBefore + 1, 'onPaid ran without a confirming QUERY');
  const confirming = mock.controls.calls.filter((call) => call.operation === 'QUERY').at(-1);
  assert.equal((confirming?.body as Record<string, unknown>).oriTransactionNo, Number(outTradeNo));

  // TBank retries its notification and the element polls at the same time: still once.
  clock += 1500;
  await Promise.all([
    mock.controls.notify(outTradeNo, undefined, (input, init) => deliver(String(input), init)),
    mock.controls.notify(outTradeNo, undefined, (input, init) => deliver(String(input), init)),
    status(outTradeNo),
  ]);
  assert.equal(paidEvents.length, 1);
});

test('notification and first poll discovering the payment together: onPaid once', async () => {
  const { outTradeNo } = await (await createInvoice('ord-2')).json();
  mock.controls.pay(outTradeNo, { callback: false });
  await Promise.all([
    mock.controls.notify(outTradeNo, undefined, (input, init) => deliver(String(input), init)),
    status(outTradeNo),
    status(outTradeNo),
  ]);
  assert.equal(paidEvents.length, 1);
});

test('a forged "paid" notification for an unpaid operation: QUERY says NEW, no onPaid', async () => {
  const { outTradeNo } = await (await createInvoice('ord-1')).json();
  const genuine = await mock.controls.notification(outTradeNo);
  const forgedBody: Record<string, unknown> = { ...genuine, tradeState: 'PAID' };
  forgedBody.signature = await signTBank({ ...forgedBody, method: 'notify' }, 'attacker-key');
  const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forgedBody) };

  // To the notifyUrl TBank was given (naming the order and the invoice's reference): confirmed with QUERY, which
  // says NEW, so it is acknowledged and nothing is paid.
  const before = queries();
  const viaOrder = await deliver(mock.controls.operation(outTradeNo)!.notifyUrl!, json);
  assert.equal(viaOrder.status, 200);
  assert.equal(queries(), before + 1, 'not confirmed with QUERY');
  // With the order alone (no reference), the forged signature names no operation: refused, nothing queried.
  const orderOnly = await deliver(`${SHOP}/qpay/callback?order=ord-1`, json);
  assert.equal(orderOnly.status, 404);
  assert.equal(queries(), before + 1);
  // To the bare callback URL: the forged signature names no operation, nothing is queried.
  const bare = await deliver(`${SHOP}/qpay/callback`, json);
  assert.equal(bare.status, 404);
  assert.equal(queries(), before + 1);
  assert.equal(paidEvents.length, 0);
  assert.equal((await status(outTradeNo)).body.status, 'NEW');
});

test('a signed notification to the bare callback URL is found by its outTradeNo', async () => {
  const { outTradeNo } = await (await createInvoice('ord-1')).json();
  mock.controls.pay(outTradeNo, { callback: false });
  const response = await mock.controls.notify(outTradeNo, `${SHOP}/qpay/callback`, (input, init) => deliver(String(input), init));
  assert.equal(response.status, 200);
  assert.equal(paidEvents.length, 1);
});

test('TBank failures are 502 with TBank\'s code, and carry no key', async () => {
  mock.controls.failNext('QRPAY', { status: 503 });
  const response = await createInvoice('ord-1');
  assert.equal(response.status, 502);
  const text = await response.text();
  assert.ok(!text.includes(SIGN_KEY));
  const body = JSON.parse(text);
  assert.equal(body.code, 'SYSTEM_ERROR');
  assert.equal(body.provider, 'tbank');
});

test('unknown orders and foreign operation ids are 4xx', async () => {
  assert.equal((await createInvoice('ord-unknown')).status, 404);
  // An id the handler has no record of is looked up at TBank once (it may be ours, from before a restart).
  assert.equal((await status('987654321')).code, 404);
  assert.equal(queries(), 1);
  assert.equal((await status('987654321')).code, 404);
  assert.equal(queries(), 1, 'the answer is shared for a second');
});

test('a TBankProvider configured for another currency: the QR, the record and onPaid all say that currency', async () => {
  const client = new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, retryDelaysMs: [0], now: () => clock });
  const usd = createCheckoutHandler({
    provider: new TBankProvider({ client, currency: 'USD', now: () => clock }),
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: () => ({ orderId: 'ord-usd', amount: 12.5 }),
    onPaid: (event) => void paidEvents.push(event),
    now: () => clock,
  });
  const created = await usd(new Request(`${SHOP}/qpay/invoice`, { method: 'POST' }));
  const invoice = (await created.json()) as { outTradeNo: string; currency: string };
  assert.equal(invoice.currency, 'USD');
  assert.equal(mock.controls.operation(invoice.outTradeNo)!.currency, 'USD');
  mock.controls.pay(invoice.outTradeNo, { callback: false });
  clock += 1500;
  await (await usd(new Request(`${SHOP}/qpay/status/${invoice.outTradeNo}`))).text();
  await usd.idle();
  assert.deepEqual(paidEvents.map((event) => [event.currency, event.amount]), [['USD', 12.5]]);
});

test('an id that is not TBank\'s (not digits) is 404 on the status and events routes, with no QUERY', async () => {
  for (const id of ['abc', 'A-1', '..x']) {
    assert.equal((await status(id)).code, 404, id);
    assert.equal((await handler(new Request(`${SHOP}/qpay/events/${id}`))).status, 404, id);
  }
  assert.equal(queries(), 0);
});
