import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CheckoutError,
  MemoryStore,
  createCheckoutHandler,
  type CheckoutHandlerOptions,
  createQPayCheckoutHandler,
  type QPayCheckoutHandlerOptions,
  type CheckoutOrder,
  type CheckoutStore,
  type PaidEvent,
} from '../../../src/server/index.js';
import { SecretCollector, makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const { controls } = env;
const secrets = new SecretCollector();
/** Every response body this file received, scanned for secrets at the end. */
const seen: string[] = [];
const SHOP = 'https://shop.example';

/** The shop's own orders: the amount always comes from here, never from the browser. */
const orders = new Map<string, CheckoutOrder>();

const opened: { close(): void }[] = [];

function setup(extra: Partial<QPayCheckoutHandlerOptions> = {}) {
  const { client } = makeClient(clock, {}, secrets);
  const paid: PaidEvent[] = [];
  const logs: string[] = [];
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: async (_request, body) => orders.get((body as { orderId?: string } | undefined)?.orderId ?? ''),
    onPaid: (event) => {
      paid.push(event);
    },
    now: clock.now,
    logger: { error: (m) => logs.push(m) },
    ...(extra as object),
  } as QPayCheckoutHandlerOptions);
  // Closed before the next test, so no background check of this test's invoices counts in another's provider calls.
  opened.push(handler);

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await handler(new Request(`${SHOP}${path}`, init));
    const text = await response.text();
    // onPaid runs in the handler's delivery worker: wait for the runs this request started.
    await handler.idle();
    seen.push(text, JSON.stringify([...response.headers]));
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  const createInvoice = (orderId: string, extraBody: Record<string, unknown> = {}) => call('POST', '/qpay/invoice', { orderId, ...extraBody });
  const poll = (invoiceId: string) => call('GET', `/qpay/status/${encodeURIComponent(invoiceId)}`);
  const callback = (query: string) => call('GET', `/qpay/callback?${query}`);
  return { handler, client, paid, logs, call, createInvoice, poll, callback };
}

before(() => env.listen());
after(() => env.close());
beforeEach(() => {
  for (const handler of opened.splice(0)) handler.close();
  controls.reset();
  orders.clear();
  orders.set('o-1', { orderId: 'o-1', amount: 15000, description: 'Ном 3ш' });
  orders.set('o-2', { orderId: 'o-2', amount: 2500 });
});

describe('POST /qpay/invoice', () => {
  it('creates the invoice from getOrder, not from the browser, and answers what the element expects', async () => {
    const shop = setup();
    const { status, json, headers } = await shop.createInvoice('o-1', { amount: 1 });
    assert.equal(status, 201);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.match(json.invoice_id, /^[0-9a-f-]{36}$/);
    assert.ok(json.qr_text.length > 50);
    assert.equal(json.urls.length, 23);
    assert.equal(json.amount, 15000);
    assert.equal(json.currency, 'MNT');
    assert.equal(json.expires_at, new Date(clock.now() + 30 * 60_000).toISOString());
    const sent = controls.invoice(json.invoice_id)!;
    assert.equal(sent.amount, 15000);
    // QPay keeps the handler's own per-invoice reference; the callback URL names the order and that reference,
    // signed.
    assert.match(sent.sender_invoice_no, /^r[A-Za-z0-9_-]{28}$/);
    assert.equal(sent.invoice_description, 'Ном 3ш');
    assert.match(sent.callback_url!, new RegExp(`^${SHOP}/qpay/callback\\?order=o-1&ref=${sent.sender_invoice_no}&sig=[A-Za-z0-9_-]{43}$`));
  });

  it('hands the same open invoice back for the same order', async () => {
    const shop = setup();
    const first = await shop.createInvoice('o-1');
    clock.advance(10 * 60_000);
    const second = await shop.createInvoice('o-1');
    assert.equal(second.status, 200);
    assert.equal(second.json.invoice_id, first.json.invoice_id);
    assert.equal(second.json.expires_at, first.json.expires_at);
    assert.equal(controls.calls.count('invoice/create'), 1);
  });

  it('creates one invoice for 20 concurrent requests for one order', async () => {
    const shop = setup();
    controls.delay(5);
    const answers = await Promise.all(Array.from({ length: 20 }, () => shop.createInvoice('o-1')));
    controls.delay(0);
    assert.equal(new Set(answers.map((a) => a.json.invoice_id)).size, 1);
    assert.equal(controls.calls.count('invoice/create'), 1);
    const other = await shop.createInvoice('o-2');
    assert.notEqual(other.json.invoice_id, answers[0]!.json.invoice_id);
  });

  it('issues a new invoice when the order amount changed or the old one expired', async () => {
    const shop = setup();
    const first = await shop.createInvoice('o-1');
    orders.set('o-1', { orderId: 'o-1', amount: 16000 });
    const changed = await shop.createInvoice('o-1');
    assert.notEqual(changed.json.invoice_id, first.json.invoice_id);
    assert.equal(changed.json.amount, 16000);
    clock.advance(30 * 60_000);
    const renewed = await shop.createInvoice('o-1');
    assert.notEqual(renewed.json.invoice_id, changed.json.invoice_id);
    assert.equal(controls.calls.count('invoice/create'), 3);
  });

  it('refuses a second invoice for an order whose expiring invoice was paid meanwhile', async () => {
    const shop = setup();
    const first = await shop.createInvoice('o-1');
    controls.pay(first.json.invoice_id, undefined, { callback: false });
    clock.advance(30 * 60_000);
    const again = await shop.createInvoice('o-1');
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'ORDER_ALREADY_PAID');
    assert.equal(controls.calls.count('invoice/create'), 1);
    assert.equal(shop.paid.length, 1);
  });

  it('answers 404 when getOrder finds nothing, 400 when it throws, and its own CheckoutError', async () => {
    const shop = setup();
    const missing = await shop.createInvoice('nope');
    assert.deepEqual([missing.status, missing.json.error], [404, 'ORDER_NOT_FOUND']);

    const throwing = setup({ getOrder: () => { throw new Error('db password=hunter2 refused'); } });
    const thrown = await throwing.createInvoice('o-1');
    assert.deepEqual([thrown.status, thrown.json.error], [400, 'ORDER_REJECTED']);
    assert.doesNotMatch(thrown.text, /hunter2/);
    assert.match(throwing.logs.join('\n'), /getOrder threw/);

    const soldOut = setup({ getOrder: () => { throw new CheckoutError(409, 'OUT_OF_STOCK', 'The last copy was sold'); } });
    const own = await soldOut.createInvoice('o-1');
    assert.deepEqual([own.status, own.json.error, own.json.message], [409, 'OUT_OF_STOCK', 'The last copy was sold']);
    assert.equal(controls.calls.count('invoice/create'), 0);
  });

  it('answers 400 to a body that is not JSON, and 500 naming the field for a bad order from getOrder', async () => {
    const shop = setup();
    const bad = await shop.call('POST', '/qpay/invoice', '{"orderId":', { 'content-type': 'application/json' });
    assert.deepEqual([bad.status, bad.json.error], [400, 'BAD_JSON']);
    orders.set('o-3', { orderId: 'o-3', amount: Number.NaN });
    const nan = await shop.createInvoice('o-3');
    assert.deepEqual([nan.status, nan.json.error], [500, 'INVALID_ORDER']);
    assert.match(nan.json.message, /amount/);
    orders.set('o-4', { orderId: 'o-4', amount: 10, description: 'x'.repeat(256) });
    const long = await shop.createInvoice('o-4');
    assert.deepEqual([long.status, long.json.error, long.json.code], [500, 'INVALID_ORDER', 'INVALID_FIELD']);
    assert.match(long.json.message, /invoice_description/);
    orders.set('o-5', { orderId: 'o-5', amount: 10, currency: 'USD' });
    const usd = await shop.createInvoice('o-5');
    assert.deepEqual([usd.status, usd.json.code], [500, 'UNSUPPORTED_CURRENCY']);
    assert.equal(controls.calls.count('invoice/create'), 0);
  });

  it('answers 502 with QPay\'s code when QPay refuses', async () => {
    const shop = setup();
    controls.failNext('invoice/create', { status: 400, body: { error: 'INVOICE_CODE_INVALID', message: 'Invoice code is invalid' } });
    const { status, json } = await shop.createInvoice('o-1');
    assert.equal(status, 502);
    assert.equal(json.error, 'PROVIDER_ERROR');
    assert.equal(json.code, 'INVOICE_CODE_INVALID');
    assert.equal(json.provider, 'qpay');
  });
});

/** A second passes and the check schedule runs what is due (the status route reads what it found). */
async function checked(shop: { handler: { tick(): Promise<unknown> } }) {
  clock.advance(1000);
  await shop.handler.tick();
}

describe('GET /qpay/status/:invoiceId', () => {
  it('answers NEW and no-store for an unpaid invoice', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    const { status, json, headers } = await shop.poll(invoice.json.invoice_id);
    assert.equal(status, 200);
    assert.deepEqual(json, { status: 'NEW', paid_amount: 0, invoice_id: invoice.json.invoice_id });
    assert.equal(headers.get('cache-control'), 'no-store');
  });

  it('costs ONE QPay call for 100 concurrent polls before the first scheduled check; then polls read the schedule, which asks at most once a second', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    await shop.client.token(); // the login is not what we count
    controls.calls.clear();
    controls.delay(5);
    const answers = await Promise.all(Array.from({ length: 100 }, () => shop.poll(invoice.json.invoice_id)));
    controls.delay(0);
    assert.ok(answers.every((a) => a.json.status === 'NEW'));
    assert.equal(controls.calls.count('payment/check'), 1);
    await shop.handler.tick(); // the check the polls pulled forward: the answer of a moment ago counts
    assert.equal(controls.calls.count('payment/check'), 1);
    clock.advance(500);
    await Promise.all(Array.from({ length: 10 }, () => shop.poll(invoice.json.invoice_id)));
    await shop.handler.tick();
    assert.equal(controls.calls.count('payment/check'), 1);
    clock.advance(600);
    await shop.handler.tick();
    assert.equal(controls.calls.count('payment/check'), 2);
  });

  it('reports PAID, calls onPaid once, and then answers without asking QPay again', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    const paid = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    await checked(shop);
    const first = await shop.poll(invoice.json.invoice_id);
    assert.deepEqual(first.json, { status: 'PAID', paid_amount: 15000, invoice_id: invoice.json.invoice_id });
    await shop.handler.idle();
    assert.equal(shop.paid.length, 1);
    const event = shop.paid[0]!;
    assert.deepEqual([event.invoiceId, event.orderId, event.paidAmount, event.amount, event.currency, event.provider], [invoice.json.invoice_id, 'o-1', 15000, 15000, 'MNT', 'qpay']);
    assert.equal((event.payment as { rows: Array<{ payment_id: string }> }).rows[0]!.payment_id, paid.paymentId);
    const checks = controls.calls.count('payment/check');
    for (let i = 0; i < 5; i++) {
      clock.advance(5000);
      assert.equal((await shop.poll(invoice.json.invoice_id)).json.status, 'PAID');
    }
    assert.equal(controls.calls.count('payment/check'), checks);
    assert.equal(shop.paid.length, 1);
  });

  it('keeps a partly paid invoice NEW with the amount paid so far', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    controls.pay(invoice.json.invoice_id, 5000, { callback: false });
    await checked(shop);
    assert.deepEqual((await shop.poll(invoice.json.invoice_id)).json, { status: 'NEW', paid_amount: 5000, invoice_id: invoice.json.invoice_id });
    assert.equal(shop.paid.length, 0);
    controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    await checked(shop);
    await shop.handler.idle();
    assert.deepEqual((await shop.poll(invoice.json.invoice_id)).json, { status: 'PAID', paid_amount: 15000, invoice_id: invoice.json.invoice_id });
    assert.equal(shop.paid.length, 1);
  });

  it('answers EXPIRED for an unpaid invoice past its expiry', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    clock.advance(31 * 60_000);
    assert.equal((await shop.poll(invoice.json.invoice_id)).json.status, 'EXPIRED');
  });

  it('answers 404 for an id QPay does not know, 400 for a malformed id, and never asks QPay for either', async () => {
    const shop = setup();
    controls.calls.clear();
    const unknown = await shop.poll('0d4fa2a4-7d55-4b55-9a43-3ad3b1f9c0de');
    assert.deepEqual([unknown.status, unknown.json.error], [404, 'INVOICE_NOT_FOUND']);
    const malformed = await shop.poll('../../etc<script>');
    assert.deepEqual([malformed.status, malformed.json.error], [400, 'BAD_INVOICE_ID']);
    const missing = await shop.call('GET', '/qpay/status/');
    assert.equal(missing.status, 400);
    assert.equal(controls.calls.count('payment/check'), 0);
  });

  it('answers the real status of an invoice it has no record of, and runs no onPaid for it', async () => {
    const shop = setup();
    const foreign = await shop.client.createSimpleInvoice({
      invoice_code: 'TEST_INVOICE', sender_invoice_no: 'x', invoice_receiver_code: 'terminal', invoice_description: 'x', amount: 10, callback_url: 'https://x.mn/',
    });
    assert.deepEqual((await shop.poll(foreign.invoice_id)).json, { status: 'NEW', paid_amount: 0, invoice_id: foreign.invoice_id });
    controls.pay(foreign.invoice_id, undefined, { callback: false });
    clock.advance(1500);
    assert.equal((await shop.poll(foreign.invoice_id)).json.status, 'PAID');
    await shop.handler.idle();
    assert.equal(shop.paid.length, 0);
  });

  it('answers 502 with the code when QPay keeps failing', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    controls.failNext('payment/check', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 3);
    await checked(shop);
    const { status, json } = await shop.poll(invoice.json.invoice_id);
    assert.deepEqual([status, json.error, json.code], [502, 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE']);
  });
});

describe('GET /qpay/callback', () => {
  it('confirms with payment check, answers SUCCESS as text/plain and calls onPaid once', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const query = new URL(callbackUrl!).search.slice(1);
    controls.calls.clear();
    const answer = await shop.callback(query);
    assert.equal(answer.status, 200);
    assert.equal(answer.text, 'SUCCESS');
    assert.match(answer.headers.get('content-type')!, /^text\/plain/);
    assert.equal(controls.calls.count('payment/check'), 1);
    assert.equal(shop.paid.length, 1);
    // QPay may call again; no second onPaid, and the poll answers from memory.
    assert.equal((await shop.callback(query)).text, 'SUCCESS');
    assert.equal((await shop.poll(invoice.json.invoice_id)).json.status, 'PAID');
    assert.equal(shop.paid.length, 1);
    assert.equal(controls.calls.count('payment/check'), 1);
  });

  it('does not trust a forged callback for an unpaid invoice', async () => {
    const shop = setup();
    await shop.createInvoice('o-1');
    controls.calls.clear();
    const forged = await shop.callback('order=o-1&qpay_payment_id=593744473409193');
    assert.deepEqual([forged.status, forged.json.error], [404, 'INVOICE_NOT_FOUND']);
    assert.equal(shop.paid.length, 0);
    assert.equal(controls.calls.count('payment/check'), 0);
  });

  it('answers 404 for a callback about an order or payment it does not know', async () => {
    const shop = setup();
    const unknownOrder = await shop.callback('order=never-made&qpay_payment_id=1');
    assert.deepEqual([unknownOrder.status, unknownOrder.json.error], [404, 'INVOICE_NOT_FOUND']);
    const noParams = await shop.callback('qpay_payment_id=12345');
    assert.equal(noParams.status, 404);
    assert.equal(shop.paid.length, 0);
  });

  it('finds the invoice from qpay_payment_id alone when its own parameter is missing', async () => {
    const shop = setup();
    const invoice = await shop.createInvoice('o-1');
    const { paymentId } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const answer = await shop.callback(`qpay_payment_id=${paymentId}`);
    assert.equal(answer.text, 'SUCCESS');
    assert.equal(shop.paid.length, 1);
  });

  it('calls onPaid exactly once when callbacks and the scheduled check discover the payment together', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const shop = setup({ onPaid: async () => { calls += 1; await gate; } });
    const invoice = await shop.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const query = new URL(callbackUrl!).search.slice(1);
    controls.delay(5);
    clock.advance(1000); // the invoice's first scheduled check is due
    const racing = Promise.all([
      shop.callback(query),
      shop.handler.tick().then(() => shop.poll(invoice.json.invoice_id)),
      ...Array.from({ length: 10 }, () => shop.poll(invoice.json.invoice_id)),
      shop.callback(query),
    ]);
    setTimeout(release, 30);
    const answers = await racing;
    controls.delay(0);
    assert.equal(calls, 1);
    assert.equal(answers[0]!.text, 'SUCCESS');
    assert.equal(answers.at(-1)!.text, 'SUCCESS');
    assert.equal(answers[1]!.json.status, 'PAID');
    assert.equal((await shop.poll(invoice.json.invoice_id)).json.status, 'PAID');
  });

  it('runs onPaid once across two handler processes sharing a store', async () => {
    const store = new MemoryStore({ now: clock.now });
    let calls = 0;
    const onPaid = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const a = setup({ store, onPaid });
    const b = setup({ store, onPaid });
    const invoice = await a.createInvoice('o-1');
    assert.equal((await b.createInvoice('o-1')).json.invoice_id, invoice.json.invoice_id);
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    await Promise.all([a.callback(new URL(callbackUrl!).search.slice(1)), b.poll(invoice.json.invoice_id), a.poll(invoice.json.invoice_id)]);
    assert.equal(calls, 1);
  });

  it('keeps the payment when onPaid throws, answers the callback SUCCESS, and retries after its back-off with no request', async () => {
    let attempts = 0;
    const recorded: string[] = [];
    const shop = setup({
      onPaid: (event) => {
        attempts += 1;
        if (attempts === 1) throw new Error('orders table locked');
        recorded.push(event.orderId);
      },
    });
    const invoice = await shop.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const query = new URL(callbackUrl!).search.slice(1);
    // The payment is recorded: QPay hears SUCCESS even though onPaid failed.
    assert.equal((await shop.callback(query)).text, 'SUCCESS');
    assert.match(shop.logs.join('\n'), /onPaid failed .*orders table locked/);
    const checks = controls.calls.count('payment/check');
    // The browser learns PAID at once; onPaid is not run again before its back-off (5 s) has passed.
    const polled = await shop.poll(invoice.json.invoice_id);
    assert.equal(polled.json.status, 'PAID');
    assert.equal((await shop.callback(query)).text, 'SUCCESS');
    await shop.handler.tick();
    assert.equal(attempts, 1);
    clock.advance(5000);
    await shop.handler.tick();
    assert.equal(controls.calls.count('payment/check'), checks); // remembered, not re-checked
    assert.deepEqual(recorded, ['o-1']);
    assert.equal(attempts, 2);
  });
});

describe('routing and robustness', () => {
  it('answers unknown routes 404 and wrong methods 405, as JSON', async () => {
    const shop = setup();
    const unknown = await shop.call('GET', '/qpay/nothing');
    assert.deepEqual([unknown.status, unknown.json.error], [404, 'NOT_FOUND']);
    const outside = await shop.call('GET', '/elsewhere');
    assert.equal(outside.status, 404);
    const wrong = await shop.call('GET', '/qpay/invoice');
    assert.deepEqual([wrong.status, wrong.json.error, wrong.headers.get('allow')], [405, 'METHOD_NOT_ALLOWED', 'POST']);
    const wrongStatus = await shop.call('DELETE', '/qpay/status/abc');
    assert.equal(wrongStatus.status, 405);
  });

  it('honours a custom basePath', async () => {
    const shop = setup({ basePath: '/api/pay/' });
    assert.equal(shop.handler.basePath, '/api/pay');
    assert.equal((await shop.call('POST', '/api/pay/invoice', { orderId: 'o-1' })).status, 201);
    assert.equal((await shop.call('POST', '/qpay/invoice', { orderId: 'o-1' })).status, 404);
  });

  it('never throws: a broken store becomes a 500 JSON answer', async () => {
    const broken: CheckoutStore = new Proxy(new MemoryStore(), {
      get: () => () => {
        throw new Error('store offline');
      },
    });
    const shop = setup({ store: broken });
    const answer = await shop.createInvoice('o-1');
    assert.deepEqual([answer.status, answer.json.error], [500, 'INTERNAL_ERROR']);
    assert.match(shop.logs.join('\n'), /store offline/);
    const status = await shop.poll('abc');
    assert.deepEqual([status.status, status.json.error], [500, 'INTERNAL_ERROR']);
  });

  it('rejects incomplete options at construction with a clear error', () => {
    assert.throws(() => createCheckoutHandler({} as CheckoutHandlerOptions), /getOrder is required/);
    assert.throws(
      () => createCheckoutHandler({ getOrder: () => null, onPaid: () => {}, callbackUrl: 'https://shop.example/cb' } as unknown as CheckoutHandlerOptions),
      /provider is required/,
    );
    const { client } = makeClient(clock);
    assert.throws(
      () => createQPayCheckoutHandler({ client, invoiceCode: 'TEST_INVOICE', getOrder: () => null, onPaid: () => {}, callbackUrl: '/relative' }),
      /callbackUrl must be an absolute URL/,
    );
  });

  it('never shows the client secret or any token in any response of this file', () => {
    assert.ok(seen.length > 50);
    assert.ok(secrets.values.size > 4);
    assert.deepEqual(secrets.leaks(seen.join('\n')), []);
  });
});
