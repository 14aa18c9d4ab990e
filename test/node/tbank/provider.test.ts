import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { setupServer } from 'msw/node';
import { TBankError, TBankQrPayClient } from '../../../src/server/providers/tbank-client.js';
import { TBankProvider, createTransactionNumbers } from '../../../src/server/providers/tbank-provider.js';
import { createTBankMock } from '../../../src/mock/tbank.js';
import { signTBank } from '../../../src/server/providers/tbank-sign.js';

const SIGN_KEY = 'provider-test-key-6b1f2c3d4e5f';
const terminal = { agentId: 'A1', mchId: 'M000000000000001', terId: 'T4005' };
const mock = createTBankMock({ ...terminal, signKey: SIGN_KEY });
const server = setupServer(...mock.handlers);
before(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.controls.reset());
after(() => server.close());

const NOW = Date.UTC(2025, 0, 15, 9, 0, 0);
const client = new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, retryDelaysMs: [0], now: () => NOW });
const provider = new TBankProvider({ client, now: () => NOW });
const CALLBACK = 'https://shop.test/qpay/callback?order=ord-42';

function noKey(value: unknown) {
  const texts = [JSON.stringify(value), inspect(value, { depth: 10 })];
  for (const t of texts) assert.ok(!t.includes(SIGN_KEY), 'sign key leaked');
}

test('createInvoice: QRPAY answer plus amount, currency (RUB default), expires_at; outTradeNo is the invoice id', async () => {
  const created = await provider.createInvoice({ orderId: 'ord-42', amount: 1500.5, description: 'Кофе и круассан' }, { callbackUrl: CALLBACK, reference: 'r-test' });
  assert.equal(provider.name, 'tbank');
  assert.match(created.invoiceId, /^\d+$/);
  assert.equal(created.invoice.outTradeNo, created.invoiceId);
  assert.match(String(created.invoice.codeUrl), /^https:\/\/qr\.nspk\.ru\/AD[0-9A-Z]{30}\?/);
  assert.equal(created.invoice.amount, 1500.5);
  assert.equal(created.invoice.currency, 'RUB');
  assert.equal(created.invoice.totalAmount, '1500.50');
  assert.equal(created.expiresAt, NOW + 30 * 60 * 1000);
  assert.equal(created.invoice.expires_at, new Date(NOW + 30 * 60 * 1000).toISOString());
  assert.equal(created.invoice.signature, undefined, 'TBank signature not passed to the browser');
  noKey(created);

  const sent = mock.controls.calls[0]?.body as Record<string, unknown>;
  assert.equal(sent.notifyUrl, CALLBACK);
  assert.equal(sent.subject, 'Кофе и круассан');
  assert.equal(sent.currency, 'RUB');
  assert.equal(typeof sent.outTransactionNo, 'number');
  assert.equal(created.invoice.outTransactionNo, sent.outTransactionNo);
});

test('non-numeric order ids get a fresh numeric outTransactionNo each time (a second QR for one order is not a duplicate)', async () => {
  const first = await provider.createInvoice({ orderId: 'ord-A', amount: 10 }, { callbackUrl: CALLBACK, reference: 'r-test' });
  const second = await provider.createInvoice({ orderId: 'ord-A', amount: 10 }, { callbackUrl: CALLBACK, reference: 'r-test' });
  assert.notEqual(first.invoiceId, second.invoiceId);
  const [a, b] = mock.controls.calls.map((call) => (call.body as Record<string, unknown>).outTransactionNo as number);
  assert.ok(Number.isSafeInteger(a) && Number.isSafeInteger(b) && b! > a!);
});

test('createTransactionNumbers: increasing safe integers even when the clock stands still or goes back', () => {
  let clock = NOW;
  const next = createTransactionNumbers(() => clock);
  const seen = [next(), next()];
  clock -= 5000;
  seen.push(next(), next());
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `not increasing at ${i}`);
  assert.ok(seen.every(Number.isSafeInteger));
});

test('a shop-supplied transactionNo is used as is; order currency wins over the default', async () => {
  const custom = new TBankProvider({ client, transactionNo: (order) => Number(order.orderId.replace(/\D/g, '')) });
  const created = await custom.createInvoice({ orderId: 'shop-777', amount: 5, currency: 'RUB' }, { callbackUrl: CALLBACK, reference: 'r-test' });
  assert.equal((mock.controls.calls[0]?.body as Record<string, unknown>).outTransactionNo, 777);
  assert.equal(created.invoice.outTransactionNo, 777);
  // Reusing it is TBank's duplicate error, surfaced with TBank's code.
  const error = await custom.createInvoice({ orderId: 'shop-777', amount: 5 }, { callbackUrl: CALLBACK, reference: 'r-test' }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.code, 'DUPLICATE_TRANSACTION');
});

test('bad orders are refused before calling TBank', async () => {
  for (const order of [
    { orderId: '', amount: 1 },
    { orderId: 'x', amount: 0 },
    { orderId: 'x', amount: Number.NaN },
    { orderId: 'x', amount: '5' },
    { orderId: 'x', amount: 1.005 },
  ]) {
    const error = await provider.createInvoice(order as never, { callbackUrl: CALLBACK, reference: 'r-test' }).catch((e: unknown) => e);
    assert.ok(error instanceof TBankError, `accepted ${JSON.stringify(order)}`);
    assert.equal(error.kind, 'invalid-request');
  }
  assert.equal(mock.controls.calls.length, 0);
});

test('checkStatus maps every TBank status onto the widget\'s', async () => {
  const cases = [
    [undefined, 'NEW'],
    ['pay', 'PAID'],
    ['fail', 'FAILED'],
    ['expire', 'EXPIRED'],
    ['cancel', 'CANCELLED'],
    ['refund', 'REFUNDED'],
    ['partialRefund', 'REFUNDED'],
  ] as const;
  for (const [action, expected] of cases) {
    const { invoiceId } = await provider.createInvoice({ orderId: `o-${action}`, amount: 99.9 }, { callbackUrl: CALLBACK, reference: 'r-test' });
    if (action === 'refund' || action === 'partialRefund') {
      mock.controls.pay(invoiceId, { callback: false });
      mock.controls.refund(invoiceId, { partial: action === 'partialRefund' });
    } else if (action) {
      action === 'pay' ? mock.controls.pay(invoiceId, { callback: false }) : mock.controls[action](invoiceId);
    }
    const result = await provider.checkStatus(invoiceId);
    assert.equal(result.status, expected, `after ${action}`);
    assert.equal(result.paidAmount, expected === 'PAID' ? 99.9 : undefined);
    assert.equal((result.raw as Record<string, unknown>).oriTransactionNo, invoiceId);
    noKey(result);
  }
});

test('checkStatus of an unknown operation is a TBank error, not a status', async () => {
  await assert.rejects(provider.checkStatus('123456'), (e: unknown) => e instanceof TBankError && e.code === 'ORDER_NOT_EXIST');
});

const post = (body: unknown, init: RequestInit = {}) =>
  new Request(CALLBACK, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

test('readCallback reads the mock\'s signed notification', async () => {
  const { invoiceId } = await provider.createInvoice({ orderId: 'n-1', amount: 10 }, { callbackUrl: CALLBACK, reference: 'r-test' });
  mock.controls.pay(invoiceId, { callback: false });
  const notification = await mock.controls.notification(invoiceId);
  assert.equal(notification.tradeState, 'PAID');
  assert.equal((await provider.readCallback(post(notification))).invoiceId, invoiceId);
});

test('readCallback: a forged signature names nothing; an unsigned hint is passed on for QUERY', async () => {
  const { invoiceId } = await provider.createInvoice({ orderId: 'n-2', amount: 10 }, { callbackUrl: CALLBACK, reference: 'r-test' });
  const notification = await mock.controls.notification(invoiceId);
  const forgedSignature = { ...notification, signature: await signTBank({ ...notification, method: 'notify' }, 'attacker-key') };
  assert.equal((await provider.readCallback(post(forgedSignature))).invoiceId, null);
  const tampered = { ...notification, totalAmount: '0.01' };
  assert.equal((await provider.readCallback(post(tampered))).invoiceId, null);
  const otherTerminal = { ...notification, terId: 'T9999' };
  const resigned = { ...otherTerminal, signature: await signTBank({ ...otherTerminal, method: 'notify' }, SIGN_KEY) };
  assert.equal((await provider.readCallback(post(resigned))).invoiceId, null, 'another terminal');
  assert.equal((await provider.readCallback(post({ oriTransactionNo: invoiceId }))).invoiceId, invoiceId);
});

test('readCallback: bad requests name nothing and never throw', async () => {
  assert.equal((await provider.readCallback(new Request(CALLBACK))).invoiceId, null, 'GET');
  assert.equal((await provider.readCallback(post('{not json'))).invoiceId, null);
  assert.equal((await provider.readCallback(post([1, 2]))).invoiceId, null);
  assert.equal((await provider.readCallback(post({}))).invoiceId, null);
  assert.equal((await provider.readCallback(post({ outTradeNo: '../../etc' }))).invoiceId, null);
  assert.equal((await provider.readCallback(post({ outTradeNo: { $gt: '' } }))).invoiceId, null);
});

test('callbackResponse acknowledges with a JSON SUCCESS', async () => {
  const response = provider.callbackResponse();
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await response.json(), { code: 'SUCCESS', msg: 'OK' });
});

test('TBankProvider refuses a missing client and a bad ttl', () => {
  assert.throws(() => new TBankProvider({} as never), /client/);
  assert.throws(() => new TBankProvider(undefined as never), /client/);
  assert.throws(() => new TBankProvider({ client, invoiceTtlMs: 0 }), /invoiceTtlMs/);
});
