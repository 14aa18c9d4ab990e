import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { QPayError, QPayValidationError, type QPayInvoiceRequest } from '../../../src/server/index.js';
import { CLIENT_ID, SIMPLE_INVOICE, SecretCollector, fixture, makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const { controls } = env;
const errorTexts: string[] = [];
const secrets = new SecretCollector();

async function rejects(promise: Promise<unknown>): Promise<QPayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof QPayError, `expected a QPayError, got ${String(error)}`);
    errorTexts.push(error.message, error.detail, error.publicMessage, String(error), JSON.stringify(error), inspect(error), error.stack ?? '');
    return error;
  }
  assert.fail('expected the call to fail');
}

before(() => env.listen());
after(() => env.close());
beforeEach(() => controls.reset());

describe('QPayClient auth', () => {
  it('logs in with HTTP Basic and reads expires_in as absolute epoch seconds', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const token = await client.token();
    assert.equal(token.token_type, 'bearer');
    assert.equal(token.expires_in, Math.floor(clock.now() / 1000) + 86_400);
    assert.equal(controls.calls.count('auth/token'), 1);
  });

  it('reuses the cached token across calls until shortly before expires_in', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    await client.getInvoice(invoice.invoice_id);
    clock.advance(23 * 3600_000);
    await client.getInvoice(invoice.invoice_id);
    assert.equal(controls.calls.count('auth/token'), 1);
    assert.equal(controls.calls.count('auth/refresh'), 0);
  });

  it('refreshes with the refresh token when the access token is about to expire', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    clock.advance(86_400_000 - 30_000); // inside the 60 s margin
    await client.getInvoice(invoice.invoice_id);
    assert.equal(controls.calls.count('auth/token'), 1);
    assert.equal(controls.calls.count('auth/refresh'), 1);
    const refresh = controls.calls.log.find((c) => c.endpoint === 'auth/refresh');
    assert.ok(refresh);
  });

  it('logs in again when the refresh fails', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    controls.failNext('auth/refresh', { status: 401, body: { error: 'AUTHENTICATION_FAILED', message: 'refresh token revoked' } });
    clock.advance(86_400_000 - 30_000);
    const details = await client.getInvoice(invoice.invoice_id);
    assert.equal(details.invoice_id, invoice.invoice_id);
    assert.equal(controls.calls.count('auth/refresh'), 1);
    assert.equal(controls.calls.count('auth/token'), 2);
  });

  it('logs in directly when the refresh token itself has expired', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    clock.advance(86_400_000 + 1000);
    await client.listPayments({ object_type: 'MERCHANT', object_id: CLIENT_ID });
    assert.equal(controls.calls.count('auth/refresh'), 0);
    assert.equal(controls.calls.count('auth/token'), 2);
  });

  it('answers a 401 with one re-login and one retry', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    controls.expireTokens(); // QPay revoked the token early; our clock still thinks it is fine
    const details = await client.getInvoice(invoice.invoice_id);
    assert.equal(details.invoice_id, invoice.invoice_id);
    assert.equal(controls.calls.count('auth/token'), 2);
    assert.equal(controls.calls.count('invoice/get'), 2);
  });

  it('gives up after the one retry when QPay keeps answering 401', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    controls.failNext('invoice/get', { status: 401, body: { error: 'NO_CREDENDIALS', message: 'NO_CREDENDIALS' } }, 2);
    const error = await rejects(client.getInvoice('00f94137-66fd-4d90-b2b2-8225c1b4ed2d'));
    assert.equal(error.status, 401);
    assert.equal(error.code, 'NO_CREDENTIALS');
    assert.equal(controls.calls.count('invoice/get'), 2);
    assert.equal(controls.calls.count('auth/token'), 2);
  });

  it('makes ONE token request for 50 concurrent calls', async () => {
    const { client } = makeClient(clock, {}, secrets);
    controls.delay(5); // keep the login in flight while the others arrive
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => client.checkPayment({ object_type: 'INVOICE', object_id: 'x-1' })),
    );
    controls.delay(0);
    assert.equal(answers.length, 50);
    assert.equal(controls.calls.count('auth/token'), 1);
    assert.equal(controls.calls.count('payment/check'), 50);
  });

  it('makes one re-login when 50 concurrent calls all hit a 401', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    controls.expireTokens();
    await Promise.all(Array.from({ length: 50 }, () => client.checkPayment({ object_type: 'INVOICE', object_id: 'x-1' })));
    assert.equal(controls.calls.count('auth/token'), 2);
  });

  it('reports wrong credentials as AUTHENTICATION_FAILED without echoing the secret', async () => {
    const wrong = makeClient(clock, { clientSecret: 'wrong-secret-value' }, secrets);
    const error = await rejects(wrong.client.getInvoice('abc'));
    assert.equal(error.status, 401);
    assert.equal(error.code, 'AUTHENTICATION_FAILED');
    assert.doesNotMatch(error.message, /wrong-secret-value/);
  });
});

describe('QPayClient endpoints', () => {
  it('creates a simple-form invoice and reads it back', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(fixture('invoice-create-request.simple.json'));
    assert.match(invoice.invoice_id, /^[0-9a-f-]{36}$/);
    assert.equal(invoice.urls.length, 23);
    const details = await client.getInvoice(invoice.invoice_id);
    assert.equal(details.invoice_status, 'OPEN');
    assert.equal(details.total_amount, '100.00');
    assert.equal(details.sender_invoice_no, '1234567');
  });

  it('creates a full-form invoice from the document example (amount from its lines)', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const request = fixture<QPayInvoiceRequest>('invoice-create-request.full.json');
    const invoice = await client.createInvoice(request);
    const details = await client.getInvoice(invoice.invoice_id);
    // 3 lines × (10000 − 300 discounts + 300 surcharges + 300 taxes)
    assert.equal(details.total_amount, '30900.00');
  });

  it('cancels an invoice, then reports INVOICE_ALREADY_CANCELED', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    await client.cancelInvoice(invoice.invoice_id);
    assert.equal((await client.getInvoice(invoice.invoice_id)).invoice_status, 'CANCELED');
    const again = await rejects(client.cancelInvoice(invoice.invoice_id));
    assert.equal(again.code, 'INVOICE_ALREADY_CANCELED');
  });

  it('reports an unknown invoice as INVOICE_NOTFOUND with status 404', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const error = await rejects(client.getInvoice('00000000-0000-0000-0000-000000000000'));
    assert.equal(error.status, 404);
    assert.equal(error.code, 'INVOICE_NOTFOUND');
  });

  it('checks payments, gets a payment, lists, refunds and cancels payments', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice(SIMPLE_INVOICE);
    const unpaid = await client.checkPayment({ object_type: 'INVOICE', object_id: invoice.invoice_id });
    assert.deepEqual([unpaid.count, unpaid.paid_amount, unpaid.rows.length], [0, 0, 0]);

    const first = controls.pay(invoice.invoice_id, 40, { callback: false });
    const second = controls.pay(invoice.invoice_id, undefined, { callback: false });
    const check = await client.checkPayment({ object_type: 'INVOICE', object_id: invoice.invoice_id, offset: { page_number: 1, page_limit: 100 } });
    assert.equal(check.count, 2);
    assert.equal(check.paid_amount, 100);
    assert.deepEqual(check.rows.map((r) => [r.payment_status, r.payment_amount]), [['PAID', '40.00'], ['PAID', '60.00']]);

    const payment = await client.getPayment(first.paymentId);
    assert.equal(payment.object_id, invoice.invoice_id);
    assert.equal(payment.payment_amount, '40.00');

    const list = await client.listPayments({ object_type: 'INVOICE', object_id: 'TEST_INVOICE' });
    assert.equal(list.count, 2);

    await client.refundPayment(first.paymentId, { note: 'butsaalt' });
    assert.equal((await client.getPayment(first.paymentId)).payment_status, 'REFUNDED');
    controls.settle(second.paymentId);
    const settled = await rejects(client.cancelPayment(second.paymentId, fixture('payment-cancel-request.json')));
    assert.equal(settled.code, 'PAYMENT_SETTLED');
    const missing = await rejects(client.refundPayment('999'));
    assert.equal(missing.code, 'PAYMENT_NOTFOUND');
  });

  it('follows payment-check pages until every row is read', async () => {
    const { client } = makeClient(clock, {}, secrets);
    const invoice = await client.createSimpleInvoice({ ...SIMPLE_INVOICE, amount: 500 });
    for (let i = 0; i < 5; i++) controls.pay(invoice.invoice_id, 100, { callback: false });
    const all = await client.checkInvoicePayments(invoice.invoice_id, { pageLimit: 2 });
    assert.equal(all.rows.length, 5);
    assert.equal(all.paid_amount, 500);
    assert.equal(new Set(all.rows.map((r) => r.payment_id)).size, 5);
    assert.equal(controls.calls.count('payment/check'), 3);
  });
});

describe('QPayClient validation before sending', () => {
  const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [];
  const { client } = makeClient(clock, {}, secrets);
  cases.push(
    ['a missing required field', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, invoice_description: '' }), 'invoice_description', /required/],
    ['sender_invoice_no over 45', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, sender_invoice_no: 'x'.repeat(46) }), 'sender_invoice_no', /46 characters.*at most 45/],
    ['callback_url over 255', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, callback_url: `https://a.mn/${'c'.repeat(250)}` }), 'callback_url', /at most 255/],
    ['a missing callback_url in the simple form', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, callback_url: undefined as unknown as string }), 'callback_url', /required/],
    ['a non-positive amount', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, amount: 0 }), 'amount', /greater than 0/],
    ['an amount that is not a number', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, amount: Number.NaN }), 'amount', /finite number/],
    ['Cyrillic description over 255 characters', () => client.createSimpleInvoice({ ...SIMPLE_INVOICE, invoice_description: 'Ө'.repeat(256) }), 'invoice_description', /256 characters/],
    ['a full form with neither amount nor lines', () => client.createInvoice({ ...SIMPLE_INVOICE, amount: undefined }), 'amount', /no lines/],
    [
      'a nested discount description over 100',
      () => {
        const request = fixture<QPayInvoiceRequest>('invoice-create-request.full.json');
        request.lines![0]!.discounts![1]!.description = 'd'.repeat(101);
        return client.createInvoice(request);
      },
      'lines[0].discounts[1].description',
      /at most 100/,
    ],
    ['a receiver phone over 20', () => client.createInvoice({ ...SIMPLE_INVOICE, invoice_receiver_data: { phone: '9'.repeat(21) } }), 'invoice_receiver_data.phone', /at most 20/],
    ['note over 1000', () => client.createInvoice({ ...SIMPLE_INVOICE, note: 'n'.repeat(1001) }), 'note', /at most 1000/],
    ['page_limit over 100', () => client.checkPayment({ object_type: 'INVOICE', object_id: 'x', offset: { page_number: 1, page_limit: 101 } }), 'offset.page_limit', /at most 100/],
    ['page_number 0', () => client.listPayments({ object_type: 'MERCHANT', object_id: 'm', offset: { page_number: 0, page_limit: 10 } }), 'offset.page_number', /at least 1/],
    ['an empty invoice id', () => client.getInvoice(''), 'invoice_id', /required/],
  );
  for (const [name, call, field, message] of cases) {
    it(`rejects ${name}, naming ${field}, without calling QPay`, async () => {
      controls.calls.clear();
      let caught: unknown;
      try {
        await call();
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof QPayValidationError, `expected QPayValidationError, got ${String(caught)}`);
      assert.equal(caught.field, field);
      assert.equal(caught.code, 'INVALID_FIELD');
      assert.ok(caught.message.startsWith(field), caught.message);
      assert.match(caught.message, message);
      assert.equal(controls.calls.count(), 0);
    });
  }

  it('accepts exactly 45 and 255 characters (Cyrillic counted as one each)', async () => {
    const invoice = await client.createSimpleInvoice({ ...SIMPLE_INVOICE, sender_invoice_no: 'Ж'.repeat(45), invoice_description: 'Ө'.repeat(255) });
    assert.ok(invoice.invoice_id);
  });
});

describe('QPayClient retries and timeouts', () => {
  it('retries a read-only call on 5xx with growing backoff, then succeeds', async () => {
    const { client, sleeps } = makeClient(clock, {}, secrets);
    await client.token();
    controls.failNext('payment/check', { status: 503, body: 'upstream busy' }, 2);
    const answer = await client.checkPayment({ object_type: 'INVOICE', object_id: 'abc' });
    assert.equal(answer.count, 0);
    assert.equal(controls.calls.count('payment/check'), 3);
    assert.deepEqual(sleeps, [200, 400]);
  });

  it('retries a read-only call on a network error', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    controls.failNext('GET /v2/payment/', 'network');
    const error = await rejects(client.getPayment('123'));
    assert.equal(error.code, 'PAYMENT_NOTFOUND'); // the retry reached QPay
    assert.equal(controls.calls.count('payment/get'), 2);
  });

  it('stops after the bounded number of attempts', async () => {
    const { client, sleeps } = makeClient(clock, { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 15 } }, secrets);
    await client.token();
    controls.failNext(/^POST \/v2\/payment\/list/, { status: 500, body: { error: 'INTERNAL', message: 'boom' } }, 10);
    const error = await rejects(client.listPayments({ object_type: 'MERCHANT', object_id: 'm' }));
    assert.equal(error.status, 500);
    assert.equal(error.code, 'INTERNAL');
    assert.equal(controls.calls.count('payment/list'), 3);
    assert.deepEqual(sleeps, [10, 15]);
  });

  for (const [name, call, endpoint] of [
    ['invoice create', (c: ReturnType<typeof makeClient>['client']) => c.createSimpleInvoice(SIMPLE_INVOICE), 'invoice/create'],
    ['refund', (c: ReturnType<typeof makeClient>['client']) => c.refundPayment('593744473409193'), 'payment/refund'],
    ['invoice cancel', (c: ReturnType<typeof makeClient>['client']) => c.cancelInvoice('00f94137-66fd-4d90-b2b2-8225c1b4ed2d'), 'invoice/cancel'],
  ] as const) {
    it(`never retries ${name} (it changes state)`, async () => {
      const { client, sleeps } = makeClient(clock, {}, secrets);
      await client.token();
      controls.failNext(endpoint, { status: 502, body: 'bad gateway' });
      const error = await rejects(call(client));
      assert.equal(error.status, 502);
      assert.equal(controls.calls.count(endpoint), 1);
      controls.failNext(endpoint, 'network');
      const network = await rejects(call(client));
      assert.equal(network.code, 'NETWORK_ERROR');
      assert.equal(network.status, 0);
      assert.equal(controls.calls.count(endpoint), 2);
      assert.deepEqual(sleeps, []);
    });
  }

  it('times out a slow answer with code TIMEOUT', async () => {
    const { client } = makeClient(clock, { timeoutMs: 30 }, secrets);
    await client.token();
    controls.delay(300);
    const error = await rejects(client.createSimpleInvoice(SIMPLE_INVOICE));
    controls.delay(0);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(controls.calls.count('invoice/create'), 1);
  });

  it('stops when the caller aborts', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    const error = await rejects(client.getInvoice('abc', { signal: AbortSignal.abort() }));
    assert.equal(error.code, 'ABORTED');
  });
});

describe('QPayClient secrets', () => {
  it('redacts a secret or token that QPay echoes into an error', async () => {
    const local = new SecretCollector();
    const { client } = makeClient(clock, {}, local);
    const token = await client.token();
    controls.failNext('invoice/get', { status: 400, body: { error: 'BAD', message: `token ${token.access_token} secret ${[...local.values][0]}` } });
    const error = await rejects(client.getInvoice('abc'));
    assert.deepEqual(local.leaks(error.message), []);
    assert.deepEqual(local.leaks(error.detail), []);
    assert.match(error.detail, /\[redacted\]/);
  });

  it('never shows the secret or tokens in inspect/JSON of the client or in any error of this file', async () => {
    const { client } = makeClient(clock, {}, secrets);
    await client.token();
    assert.deepEqual(secrets.leaks(inspect(client, { depth: 5, showHidden: true })), []);
    assert.deepEqual(secrets.leaks(JSON.stringify(client)), []);
    assert.ok(errorTexts.length > 20);
    assert.ok(secrets.values.size > 4, 'tokens were collected');
    assert.deepEqual(secrets.leaks(errorTexts.join('\n')), []);
  });
});
