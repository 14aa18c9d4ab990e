import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { setupServer } from 'msw/node';
import { TBankError, TBankQrPayClient, tbankTimeStart } from '../../../src/server/providers/tbank-client.js';
import { ProviderError } from '../../../src/server/providers/provider.js';
import { createTBankMock } from '../../../src/mock/tbank.js';
import { crc16 } from '../../../src/core/emv.js';

const SIGN_KEY = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const terminal = { agentId: 'A12345678987', mchId: '000000000000001', terId: '40051625' };
const baseUrl = 'https://qrpay-secured.tbank.ru';
const mock = createTBankMock({ ...terminal, signKey: SIGN_KEY, baseUrl, merchantName: 'IP AJRAPETYAN G S' });
const server = setupServer(...mock.handlers);

before(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  mock.controls.reset();
});
after(() => server.close());

const FIXED_NOW = Date.UTC(2021, 6, 22, 14, 30, 28); // 17:30:28 in Moscow
const client = (extra: Partial<ConstructorParameters<typeof TBankQrPayClient>[0]> = {}) =>
  new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, retryDelaysMs: [0, 0], now: () => FIXED_NOW, ...extra });

/** Asserts the key is nowhere in what a caller could see or log. */
function assertNoKey(value: unknown) {
  const seen = [JSON.stringify(value), inspect(value, { depth: 10, showHidden: true }), String(value)];
  if (value instanceof Error) seen.push(value.message, value.stack ?? '');
  for (const text of seen) assert.ok(!text.includes(SIGN_KEY), `sign key leaked in ${text.slice(0, 200)}`);
}

test('timeStart is Moscow time in the document format', () => {
  assert.equal(tbankTimeStart(FIXED_NOW), '2021-07-22T17:30:28');
  assert.equal(tbankTimeStart(Date.UTC(2024, 11, 31, 22, 0, 0)), '2025-01-01T01:00:00');
});

test('createQr sends the document\'s signed QRPAY request and answers codeUrl, outTradeNo, merchantName', async () => {
  const answer = await client().createQr({
    outTransactionNo: 22210,
    totalAmount: 10000.05,
    currency: 'RUB',
    subject: 'Заказ 42',
    notifyUrl: 'https://shop.test/tbank/callback?order=42',
  });
  const [call] = mock.controls.calls;
  assert.equal(call?.operation, 'QRPAY');
  assert.equal(call?.code, 'SUCCESS');
  const sent = call?.body as Record<string, unknown>;
  assert.deepEqual(
    { ...sent, signature: undefined },
    {
      ...terminal,
      currency: 'RUB',
      outTransactionNo: 22210,
      totalAmount: '10000.05',
      tradeType: 'pay.paxpay.native',
      version: 'V1.0',
      signType: 'HMAC_SHA256',
      timeStart: '2021-07-22T17:30:28',
      subject: 'Заказ 42',
      notifyUrl: 'https://shop.test/tbank/callback?order=42',
      signature: undefined,
    },
  );
  // The request's signature, recomputed independently with node:crypto.
  const canonical =
    'agentId=A12345678987&currency=RUB&mchId=000000000000001&method=qrpay' +
    '&notifyUrl=https://shop.test/tbank/callback?order=42&outTransactionNo=22210&signType=HMAC_SHA256' +
    '&subject=Заказ 42&terId=40051625&timeStart=2021-07-22T17:30:28&totalAmount=10000.05' +
    '&tradeType=pay.paxpay.native&version=V1.0';
  assert.equal(sent.signature, createHmac('sha256', SIGN_KEY).update(canonical).digest('hex'));

  assert.equal(answer.code, 'SUCCESS');
  assert.equal(answer.merchantName, 'IP AJRAPETYAN G S');
  assert.equal(answer.totalAmount, '10000.05');
  assert.equal(answer.currency, 'RUB');
  assert.match(answer.outTradeNo, /^\d+$/);
  assert.equal(mock.controls.operation(answer.outTradeNo)?.outTransactionNo, 22210);
  assertNoKey(answer);
});

test('the mock answers realistic NSPK links: 32-character AD id, sum in kopecks, check digits', async () => {
  const { codeUrl } = await client().createQr({ outTransactionNo: 1, totalAmount: '1500.5', currency: 'RUB' });
  const match = /^https:\/\/qr\.nspk\.ru\/(AD[0-9A-Z]{30})\?type=02&bank=100000000004&sum=150050&cur=RUB&crc=([0-9A-F]{4})$/.exec(codeUrl);
  assert.ok(match, codeUrl);
  assert.equal(match[2], crc16(codeUrl.slice(0, codeUrl.indexOf('&crc='))));
});

test('query follows the operation through pending, paid and refunds', async () => {
  const c = client();
  const { outTradeNo } = await c.createQr({ outTransactionNo: 7, totalAmount: 250, currency: 'RUB' });
  const pending = await c.query({ oriTransactionNo: outTradeNo });
  assert.equal(pending.status, 'PENDING');
  assert.equal(pending.tradeState, 'NOTPAY');
  assert.equal(pending.outTradeNo, outTradeNo);

  mock.controls.pay(outTradeNo, { callback: false });
  const paid = await c.query({ oriTransactionNo: outTradeNo });
  assert.equal(paid.status, 'PAID');
  assert.equal(paid.totalAmount, 250);
  const sent = mock.controls.calls.at(-1)?.body as Record<string, unknown>;
  // As TBank's QUERY page (query-agg) types them: both Numbers, outTransactionNo the QRPAY one.
  assert.equal(sent.oriTransactionNo, Number(outTradeNo));
  assert.equal(sent.outTransactionNo, 7);
  assert.equal(sent.method, undefined, 'method is signed, not sent');

  mock.controls.refund(outTradeNo, { partial: true });
  assert.equal((await c.query({ oriTransactionNo: outTradeNo })).status, 'PARTIAL_REFUNDED');
  mock.controls.refund(outTradeNo);
  assert.equal((await c.query({ oriTransactionNo: outTradeNo })).status, 'REFUNDED');
});

test('query reports FAIL, EXPIRED and CANCEL', async () => {
  const c = client();
  const states = [
    ['fail', 'FAIL'],
    ['expire', 'EXPIRED'],
    ['cancel', 'CANCEL'],
  ] as const;
  for (const [index, [control, expected]] of states.entries()) {
    const { outTradeNo } = await c.createQr({ outTransactionNo: 100 + index, totalAmount: 1, currency: 'RUB' });
    mock.controls[control](outTradeNo);
    assert.equal((await c.query({ oriTransactionNo: outTradeNo })).status, expected);
  }
});

test('SOFTPOS_SHA256_HMAC sign type is sent and accepted', async () => {
  const c = client({ signType: 'SOFTPOS_SHA256_HMAC' });
  const { outTradeNo } = await c.createQr({ outTransactionNo: 5, totalAmount: 1, currency: 'RUB' });
  assert.equal((mock.controls.calls[0]?.body as Record<string, unknown>).signType, 'SOFTPOS_SHA256_HMAC');
  assert.equal((await c.query({ oriTransactionNo: outTradeNo })).status, 'PENDING');
});

test('a wrong sign key is refused by TBank with its code and msg, and the key stays out of the error', async () => {
  const error = await client({ signKey: 'wrong-key-wrong-key' })
    .createQr({ outTransactionNo: 1, totalAmount: 1, currency: 'RUB' })
    .then(() => assert.fail('accepted'), (e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.ok(error instanceof ProviderError);
  assert.equal(error.code, 'SIGN_ERROR');
  assert.equal(error.msg, 'signature verification failed');
  assert.equal(error.httpStatus, 400);
  assert.equal(error.operation, 'QRPAY');
  assert.equal(error.kind, 'upstream');
  assertNoKey(error);
  assert.ok(!inspect(error).includes('wrong-key-wrong-key'));
});

test('unknown operation: TBank code from a 200 answer', async () => {
  const error = await client().query({ oriTransactionNo: '123' }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.code, 'ORDER_NOT_EXIST');
  assert.equal(error.httpStatus, 200);
});

test('a tampered answer signature is an error, never a payment', async () => {
  const c0 = client();
  const { outTradeNo } = await c0.createQr({ outTransactionNo: 9, totalAmount: 10, currency: 'RUB' });
  mock.controls.pay(outTradeNo, { callback: false });
  // A man in the middle flips one character of the answer's signature / drops it / changes the amount.
  const tampering = [
    (body: Record<string, unknown>) => ({ ...body, signature: String(body.signature).replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a')) }),
    (body: Record<string, unknown>) => ({ ...body, signature: undefined }),
    (body: Record<string, unknown>) => ({ ...body, totalAmount: '1.00' }),
  ];
  for (const tamper of tampering) {
    const tamperedFetch: typeof fetch = async (input, init) => {
      const real = await fetch(input, init);
      return new Response(JSON.stringify(tamper(await real.json())), { status: real.status, headers: real.headers });
    };
    const error = await client({ fetch: tamperedFetch }).query({ oriTransactionNo: outTradeNo }).catch((e: unknown) => e);
    assert.ok(error instanceof TBankError, 'tampered answer accepted');
    assert.equal(error.code, 'BAD_SIGNATURE');
    assertNoKey(error);
  }
});

/** A fetch that keeps the last JSON answer it saw, as a man in the middle could. */
function recordingFetch() {
  const seen: { last?: Record<string, unknown> } = {};
  const recording: typeof fetch = async (input, init) => {
    const real = await fetch(input, init);
    seen.last = await real.clone().json();
    return real;
  };
  return { seen, recording };
}

test('a validly signed answer replayed for another operation or terminal is rejected', async () => {
  const { seen, recording } = recordingFetch();
  const c0 = client({ fetch: recording });
  const unpaid = await c0.createQr({ outTransactionNo: 11, totalAmount: 10, currency: 'RUB' });
  const other = await c0.createQr({ outTransactionNo: 12, totalAmount: 10, currency: 'RUB' });
  mock.controls.pay(other.outTradeNo, { callback: false });
  assert.equal((await c0.query({ oriTransactionNo: other.outTradeNo })).status, 'PAID');
  const paidAnswer = seen.last!;

  const replay: typeof fetch = async () => Response.json(paidAnswer);
  const error = await client({ fetch: replay }).query({ oriTransactionNo: unpaid.outTradeNo }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError, 'replayed PAID accepted');
  assert.equal(error.code, 'BAD_RESPONSE');

  // Same key, another terminal's answer.
  const foreign = createTBankMock({ ...terminal, terId: '99999999', signKey: SIGN_KEY, baseUrl: 'https://foreign.test' });
  server.use(...foreign.handlers);
  const foreignClient = new TBankQrPayClient({ ...terminal, terId: '99999999', signKey: SIGN_KEY, baseUrl: 'https://foreign.test', fetch: recording });
  const created = await foreignClient.createQr({ outTransactionNo: 1, totalAmount: 1, currency: 'RUB' });
  foreign.controls.pay(created.outTradeNo, { callback: false });
  await foreignClient.query({ oriTransactionNo: created.outTradeNo });
  const foreignAnswer = seen.last!;
  const crossError = await client({ fetch: async () => Response.json(foreignAnswer) })
    .query({ oriTransactionNo: created.outTradeNo })
    .catch((e: unknown) => e);
  assert.ok(crossError instanceof TBankError);
  assert.equal(crossError.code, 'BAD_RESPONSE');
  assert.match(crossError.msg, /terId/);
});

test('QUERY retries network errors and 5xx, then answers', async () => {
  const c = client();
  const { outTradeNo } = await c.createQr({ outTransactionNo: 21, totalAmount: 3, currency: 'RUB' });
  mock.controls.failNext('QUERY', { network: true });
  mock.controls.failNext('QUERY', { status: 503 });
  const result = await c.query({ oriTransactionNo: outTradeNo });
  assert.equal(result.status, 'PENDING');
  assert.deepEqual(
    mock.controls.calls.filter((call) => call.operation === 'QUERY').map((call) => call.code),
    ['NETWORK_ERROR', 'HTTP_503', 'SUCCESS'],
  );
});

test('QUERY retries are bounded: the last failure is reported', async () => {
  const c = client();
  const { outTradeNo } = await c.createQr({ outTransactionNo: 22, totalAmount: 3, currency: 'RUB' });
  mock.controls.failNext('QUERY', { status: 502, times: 5 });
  const error = await c.query({ oriTransactionNo: outTradeNo }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.code, 'SYSTEM_ERROR');
  assert.equal(error.httpStatus, 502);
  assert.equal(mock.controls.calls.filter((call) => call.operation === 'QUERY').length, 3, 'one try and two retries');
});

test('QRPAY is never retried: it creates a payment', async () => {
  mock.controls.failNext('QRPAY', { network: true });
  const error = await client().createQr({ outTransactionNo: 23, totalAmount: 3, currency: 'RUB' }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.code, 'NETWORK_ERROR');
  assert.equal(error.httpStatus, 0);
  assert.equal(mock.controls.calls.length, 1);
  assert.equal(mock.controls.operations().length, 0);
});

test('4xx business answers are not retried', async () => {
  const error = await client().query({ oriTransactionNo: '1' }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(mock.controls.calls.length, 1);
});

test('a hanging TBank is a TIMEOUT error', async () => {
  const hanging: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  const error = await client({ fetch: hanging, timeoutMs: 20, retryDelaysMs: [] })
    .query({ oriTransactionNo: '1' })
    .catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.code, 'TIMEOUT');
});

test('non-JSON and 5xx-without-body answers are clear errors', async () => {
  const html: typeof fetch = async () => new Response('<html>gateway</html>', { status: 200 });
  const e1 = await client({ fetch: html }).createQr({ outTransactionNo: 1, totalAmount: 1, currency: 'RUB' }).catch((e: unknown) => e);
  assert.ok(e1 instanceof TBankError);
  assert.equal(e1.code, 'BAD_RESPONSE');
  const bad: typeof fetch = async () => new Response('', { status: 504, statusText: 'Gateway Timeout' });
  const e2 = await client({ fetch: bad }).createQr({ outTransactionNo: 1, totalAmount: 1, currency: 'RUB' }).catch((e: unknown) => e);
  assert.ok(e2 instanceof TBankError);
  assert.equal(e2.code, 'HTTP_504');
});

test('TBank text that echoes the key is redacted', async () => {
  const echoing: typeof fetch = async () =>
    Response.json({ code: 'FAIL', msg: `bad key ${SIGN_KEY}` }, { status: 400 });
  const error = await client({ fetch: echoing }).createQr({ outTransactionNo: 1, totalAmount: 1, currency: 'RUB' }).catch((e: unknown) => e);
  assert.ok(error instanceof TBankError);
  assert.equal(error.msg, 'bad key [redacted]');
  assertNoKey(error);
});

test('bad createQr input is refused before sending, naming the field', async () => {
  const c = client();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ outTransactionNo: 'ord-1', totalAmount: 1, currency: 'RUB' }, /outTransactionNo/],
    [{ outTransactionNo: -1, totalAmount: 1, currency: 'RUB' }, /outTransactionNo/],
    [{ outTransactionNo: 2 ** 60, totalAmount: 1, currency: 'RUB' }, /outTransactionNo/],
    [{ outTransactionNo: 1, totalAmount: 1.005, currency: 'RUB' }, /totalAmount/],
    [{ outTransactionNo: 1, totalAmount: 0, currency: 'RUB' }, /totalAmount/],
    [{ outTransactionNo: 1, totalAmount: 1, currency: 'rub' }, /currency/],
    [{ outTransactionNo: 1, totalAmount: 1, currency: 'RUB', notifyUrl: 'javascript:alert(1)' }, /notifyUrl/],
    [{ outTransactionNo: 1, totalAmount: 1, currency: 'RUB', terminalOperationId: 'x' }, /terminalOperationId/],
    [{ outTransactionNo: 1, totalAmount: 1, currency: 'RUB', subject: 5 }, /subject/],
  ];
  for (const [params, field] of cases) {
    const error = await c.createQr(params as never).catch((e: unknown) => e);
    assert.ok(error instanceof TBankError, `accepted ${JSON.stringify(params)}`);
    assert.equal(error.code, 'INVALID_PARAMS');
    assert.equal(error.kind, 'invalid-request');
    assert.match(error.msg, field);
  }
  await assert.rejects(c.query({ oriTransactionNo: '' }), /oriTransactionNo/);
  assert.equal(mock.controls.calls.length, 0, 'nothing was sent');
});

test('numeric-string outTransactionNo and terminalOperationId are sent as the document types them', async () => {
  await client().createQr({
    outTransactionNo: '000123',
    totalAmount: '5',
    currency: 'RUB',
    terminalOperationId: '123e4567-e89b-12d3-a456-426655440000',
  });
  const sent = mock.controls.calls[0]?.body as Record<string, unknown>;
  assert.equal(sent.outTransactionNo, 123);
  assert.equal(sent.totalAmount, '5.00');
  assert.equal(sent.terminalOperationId, '123e4567-e89b-12d3-a456-426655440000');
});

test('constructor refuses missing credentials and bad options without echoing the key', () => {
  assert.throws(() => new TBankQrPayClient({ ...terminal, signKey: '' }), /signKey is required/);
  assert.throws(() => new TBankQrPayClient({ ...terminal, agentId: ' ', signKey: SIGN_KEY }), /agentId/);
  assert.throws(() => new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, signType: 'MD5' as never }), /signType/);
  assert.throws(() => new TBankQrPayClient({ ...terminal, signKey: SIGN_KEY, baseUrl: 'ftp://x' }), /baseUrl/);
  assertNoKey(client());
});
