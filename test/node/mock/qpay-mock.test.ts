// The QPay mock on its own, through plain fetch (no client), so the client cannot hide its mistakes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { setupServer } from 'msw/node';
import { parseEmv } from '../../../src/core/emv.js';
import { createQPayMock } from '../../../src/mock/index.js';
import { fixture } from '../server/qpay-test-kit.js';

const BASE = 'https://merchant-sandbox.qpay.mn';
let nowMs = Date.UTC(2026, 0, 29, 7, 2, 5);
const mock = createQPayMock({ now: () => nowMs });
const { controls } = mock;
const server = setupServer(...mock.handlers);

before(() => server.listen({ onUnhandledRequest: 'error' }));
after(() => server.close());
beforeEach(() => controls.reset());

async function post(path: string, body: unknown, auth?: string) {
  const response = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function login(): Promise<string> {
  const { json } = await post('/v2/auth/token', undefined, `Basic ${btoa('TEST_MERCHANT:123456')}`);
  return `Bearer ${json.access_token}`;
}

const simple = () => fixture<Record<string, unknown>>('invoice-create-request.simple.json');

describe('QPay mock: auth', () => {
  it('logs in with Basic auth and answers epoch-seconds expiry like the sandbox', async () => {
    const { status, json } = await post('/v2/auth/token', undefined, `Basic ${btoa('TEST_MERCHANT:123456')}`);
    assert.equal(status, 200);
    const sample = fixture<Record<string, unknown>>('qpay-auth-token-response.sandbox.json');
    assert.deepEqual(Object.keys(json).sort(), Object.keys(sample).sort());
    assert.equal(json.expires_in, Math.floor(nowMs / 1000) + 86_400);
    assert.equal(json.token_type, 'bearer');
  });

  it('answers NO_CREDENDIALS without credentials and AUTHENTICATION_FAILED for wrong ones', async () => {
    assert.deepEqual(await post('/v2/auth/token', undefined), { status: 401, json: { error: 'NO_CREDENDIALS', message: 'NO_CREDENDIALS' } });
    const wrong = await post('/v2/auth/token', undefined, `Basic ${btoa('TEST_MERCHANT:nope')}`);
    assert.deepEqual([wrong.status, wrong.json.error], [401, 'AUTHENTICATION_FAILED']);
    const noBearer = await post('/v2/invoice', simple());
    assert.deepEqual([noBearer.status, noBearer.json.error], [401, 'NO_CREDENDIALS']);
  });

  it('refreshes with the refresh token, once, and rejects expired access tokens', async () => {
    const first = await post('/v2/auth/token', undefined, `Basic ${btoa('TEST_MERCHANT:123456')}`);
    const refreshed = await post('/v2/auth/refresh', undefined, `Bearer ${first.json.refresh_token}`);
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.json.access_token, first.json.access_token);
    const reused = await post('/v2/auth/refresh', undefined, `Bearer ${first.json.refresh_token}`);
    assert.equal(reused.status, 401);
    controls.expireTokens();
    const expired = await post('/v2/payment/check', { object_type: 'INVOICE', object_id: 'x' }, `Bearer ${refreshed.json.access_token}`);
    assert.equal(expired.status, 401);
    nowMs += 1000;
  });
});

describe('QPay mock: invoices', () => {
  it('answers a real-looking invoice: valid EMV qr_text, a PNG that scans to it, 23 bank links, short URL', async () => {
    const auth = await login();
    const { status, json } = await post('/v2/invoice', simple(), auth);
    assert.equal(status, 200);
    const emv = parseEmv(json.qr_text);
    assert.ok(emv, 'qr_text parses');
    assert.equal(emv.crcValid, true);
    assert.equal(emv.amount, 100);
    assert.equal(emv.currency, 'MNT');
    assert.equal(emv.merchantName, 'TEST_MERCHANT');

    assert.doesNotMatch(json.qr_image, /^data:/);
    const png = PNG.sync.read(Buffer.from(json.qr_image, 'base64'));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.equal(decoded?.data, json.qr_text);

    const banks = fixture<Array<{ name: string; link: string; logo: string }>>('qpay-invoice-urls.23banks.json');
    assert.equal(json.urls.length, 23);
    json.urls.forEach((url: { name: string; link: string; logo: string }, i: number) => {
      assert.equal(url.name, banks[i]!.name);
      assert.equal(url.logo, banks[i]!.logo);
      assert.equal(url.link, banks[i]!.link.replace('BASU-DEMO', json.qr_text));
    });
    assert.match(json.qPay_shortUrl, /^https:\/\/s\.qpay\.mn\/\w+$/);
  });

  it('answers QPay\'s nested validation shape for a missing or too long field', async () => {
    const auth = await login();
    const missing = await post('/v2/invoice', { ...simple(), invoice_code: undefined }, auth);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json.error, { invoice_code: { type: 'REQUIRED', message: 'Required!' } });
    assert.deepEqual(missing.json.message, missing.json.error);
    const long = await post('/v2/invoice', { ...simple(), sender_invoice_no: 'x'.repeat(46) }, auth);
    assert.equal(Object.keys(long.json.error)[0], 'sender_invoice_no');
    const zero = await post('/v2/invoice', { ...simple(), amount: 0 }, auth);
    assert.deepEqual([zero.status, zero.json.error], [400, 'INVALID_AMOUNT']);
  });

  it('checks invoice_code when configured', async () => {
    const strict = createQPayMock({ baseUrl: 'https://qpay.strict.test', invoiceCode: 'SHOP_INVOICE', drawQrImage: false });
    server.use(...strict.handlers);
    const token = await fetch('https://qpay.strict.test/v2/auth/token', { method: 'POST', headers: { authorization: `Basic ${btoa('TEST_MERCHANT:123456')}` } });
    const { access_token } = (await token.json()) as { access_token: string };
    const answer = await fetch('https://qpay.strict.test/v2/invoice', {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify(simple()),
    });
    assert.deepEqual([answer.status, ((await answer.json()) as { error: string }).error], [400, 'INVOICE_CODE_INVALID']);
    server.resetHandlers();
  });
});

describe('QPay mock: payments and controls', () => {
  it('pays in part and in full; payment check pages rows and sums paid_amount', async () => {
    const auth = await login();
    const { json: invoice } = await post('/v2/invoice', { ...simple(), amount: 300 }, auth);
    const part = controls.pay(invoice.invoice_id, 100, { callback: false });
    assert.deepEqual([part.amount, part.invoicePaid], [100, false]);
    assert.equal(part.callbackUrl, `https://bd5492c3ee85.ngrok.io/payments?payment_id=1234567&qpay_payment_id=${part.paymentId}`);
    const rest = controls.pay(invoice.invoice_id, undefined, { callback: false });
    assert.deepEqual([rest.amount, rest.invoicePaid], [200, true]);
    assert.equal(controls.invoice(invoice.invoice_id)!.status, 'CLOSED');
    assert.throws(() => controls.pay(invoice.invoice_id, undefined, { callback: false }), /nothing to pay/);

    const page2 = await post('/v2/payment/check', { object_type: 'INVOICE', object_id: invoice.invoice_id, offset: { page_number: 2, page_limit: 1 } }, auth);
    assert.equal(page2.json.count, 2);
    assert.equal(page2.json.paid_amount, 300);
    assert.deepEqual(page2.json.rows.map((r: { payment_id: string }) => r.payment_id), [rest.paymentId]);
    assert.equal(page2.json.rows[0].payment_amount, '200.00');
    const badLimit = await post('/v2/payment/check', { object_type: 'INVOICE', object_id: invoice.invoice_id, offset: { page_number: 1, page_limit: 0 } }, auth);
    assert.deepEqual(badLimit, { status: 400, json: fixture<any>('qpay-error-responses.json').validation_nested_page_limit.body });
  });

  it('fails the next matching request by endpoint, path, RegExp, function or as a network error', async () => {
    const auth = await login();
    controls.failNext('payment/check', { status: 500, body: 'internal server error' });
    const text = await fetch(`${BASE}/v2/payment/check`, { method: 'POST', headers: { authorization: auth }, body: '{}' });
    assert.deepEqual([text.status, await text.text()], [500, 'internal server error']);

    controls.failNext('/v2/payment/list', { status: 409, body: { error: 'PAYMENT_SETTLED', message: 'PAYMENT_SETTLED' } });
    assert.equal((await post('/v2/payment/list', { object_type: 'MERCHANT', object_id: 'm' }, auth)).status, 409);
    assert.equal((await post('/v2/payment/list', { object_type: 'MERCHANT', object_id: 'm' }, auth)).status, 200);

    controls.failNext(/^POST \/v2\/invoice$/, { status: 503 });
    const unavailable = await fetch(`${BASE}/v2/invoice`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify(simple()) });
    assert.deepEqual([unavailable.status, await unavailable.text()], [503, '']);

    controls.failNext((request) => request.headers.get('x-test') === 'yes', { status: 418, body: { error: 'TEAPOT' } });
    const plain = await post('/v2/payment/list', { object_type: 'MERCHANT', object_id: 'm' }, auth);
    assert.equal(plain.status, 200);
    const tagged = await fetch(`${BASE}/v2/payment/list`, { method: 'POST', headers: { authorization: auth, 'x-test': 'yes' }, body: '{}' });
    assert.equal(tagged.status, 418);

    controls.failNext('invoice/get', 'network');
    await assert.rejects(fetch(`${BASE}/v2/invoice/abc`, { headers: { authorization: auth } }));
  });

  it('counts calls per endpoint and forgets everything on reset', async () => {
    const auth = await login();
    const { json: invoice } = await post('/v2/invoice', simple(), auth);
    await fetch(`${BASE}/v2/invoice/${invoice.invoice_id}`, { headers: { authorization: auth } });
    assert.equal(controls.calls.count('auth/token'), 1);
    assert.equal(controls.calls.count('invoice/create'), 1);
    assert.equal(controls.calls.count('invoice/get'), 1);
    assert.equal(controls.calls.count(), 3);
    assert.deepEqual(controls.calls.log[2], { endpoint: 'invoice/get', method: 'GET', path: `/v2/invoice/${invoice.invoice_id}` });
    controls.reset();
    assert.equal(controls.calls.count(), 0);
    assert.equal(controls.invoice(invoice.invoice_id), undefined);
    const after = await fetch(`${BASE}/v2/invoice/${invoice.invoice_id}`, { headers: { authorization: auth } });
    assert.equal(after.status, 401); // tokens are gone too
  });

  it('refunds, cancels and lists payments with QPay\'s codes', async () => {
    const auth = await login();
    const { json: invoice } = await post('/v2/invoice', simple(), auth);
    const cancelPaid = controls.pay(invoice.invoice_id, 50, { callback: false });
    const del = (path: string) => fetch(`${BASE}${path}`, { method: 'DELETE', headers: { authorization: auth } }).then(async (r) => [r.status, ((await r.json()) as { error?: string }).error]);
    assert.deepEqual(await del(`/v2/invoice/${invoice.invoice_id}`), [400, 'INVOICE_PAID']);
    assert.deepEqual(await del(`/v2/payment/refund/${cancelPaid.paymentId}`), [200, undefined]);
    assert.deepEqual(await del(`/v2/payment/refund/${cancelPaid.paymentId}`), [400, 'PAYMENT_ALREADY_CANCELED']);
    const second = controls.pay(invoice.invoice_id, 50, { callback: false });
    controls.settle(second.paymentId);
    assert.deepEqual(await del(`/v2/payment/cancel/${second.paymentId}`), [400, 'PAYMENT_SETTLED']);
    assert.deepEqual(await del('/v2/payment/cancel/0'), [404, 'PAYMENT_NOTFOUND']);
    assert.deepEqual(await del('/v2/invoice/0'), [404, 'INVOICE_NOTFOUND']);
    const list = await post('/v2/payment/list', { object_type: 'INVOICE', object_id: 'TEST_INVOICE' }, auth);
    assert.equal(list.json.count, 2);
    assert.equal(list.json.rows[0].qr_code, invoice.qr_text);
  });
});
