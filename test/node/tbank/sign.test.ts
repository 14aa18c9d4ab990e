import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  formatTBankAmount,
  signTBank,
  tbankCanonicalString,
  verifyTBankSignature,
} from '../../../src/server/providers/tbank-sign.js';

const fixtureText = (name: string): string => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

// Expected values come from node:crypto over canonical strings written out by hand, so the
// implementation under test (Web Crypto) is checked against an independent HMAC.
const hmac = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

const KEY = 'test-sign-key-0123456789';

// The document's QRPAY request example (its printed signature "was not computed for this request").
const documentedRequest = {
  agentId: 'A12345678987',
  currency: 'RUB',
  mchId: '000000000000001',
  outTransactionNo: 22210,
  signType: 'HMAC_SHA256',
  terId: '40051625',
  timeStart: '2021-07-22T17:30:28',
  totalAmount: '10000.05',
  tradeType: 'pay.paxpay.native',
  version: 'V1.0',
  terminalOperationId: '123e4567-e89b-12d3-a456-426655440000',
};

test('documented QRPAY request: exact canonical string and HMAC', async () => {
  const canonical =
    'agentId=A12345678987&currency=RUB&mchId=000000000000001&method=qrpay&outTransactionNo=22210' +
    '&signType=HMAC_SHA256&terId=40051625&timeStart=2021-07-22T17:30:28&totalAmount=10000.05' +
    '&tradeType=pay.paxpay.native&version=V1.0';
  const fields = { ...documentedRequest, method: 'qrpay' };
  assert.equal(tbankCanonicalString(fields), canonical);
  const signature = await signTBank(fields, KEY);
  assert.equal(signature, hmac(KEY, canonical));
  assert.match(signature, /^[0-9a-f]{64}$/);
});

test('documented QRPAY response: unsigned fields (code, outTradeNo, codeUrl, ...) stay out of the string', () => {
  // The documented answer, less its signature (a signature never signs itself).
  const { signature: _printed, ...response } = JSON.parse(fixtureText('tbank-qrpay-response.json'));
  assert.equal(
    tbankCanonicalString(response),
    'agentId=A12345678987&currency=RUB&mchId=000000000000001' +
      '&merchantAddress=353911, Краснодарский край, г Новороссийск, ш Сухумское, 110' +
      '&merchantName=IP AJRAPETYAN G S&method=qrpay&signType=HMAC_SHA256&terId=40051625' +
      '&timeStart=2021-07-22T17:30:28&totalAmount=10000.05&tradeType=pay.paxpay.native&version=V1.0',
  );
});

test('QUERY request: method query, oriTransactionNo in its place, UTF-8 HMAC', async () => {
  const fields = {
    version: 'V1.0',
    oriTransactionNo: '551123123',
    agentId: 'A1',
    mchId: 'M1',
    terId: 'T1',
    signType: 'SOFTPOS_SHA256_HMAC',
    timeStart: '2024-01-02T03:04:05',
    method: 'QUERY',
  };
  const canonical =
    'agentId=A1&mchId=M1&method=query&oriTransactionNo=551123123&signType=SOFTPOS_SHA256_HMAC' +
    '&terId=T1&timeStart=2024-01-02T03:04:05&version=V1.0';
  assert.equal(tbankCanonicalString(fields), canonical);
  assert.equal(await signTBank(fields, 'ключ'), hmac('ключ', canonical));
});

test('every signed field in the fixed order; Cyrillic subject signed as UTF-8', async () => {
  const all = {
    version: 'V1.0', tradeType: 'pay.paxpay.native', totalAmount: 7, timeStart: 't', terId: 'T', subject: 'Заказ №5',
    signType: 'HMAC_SHA256', qrcId: 'Q', outTransactionNo: 5, oriTransactionNo: '9', notifyUrl: 'https://s.test/n?a=1&b=2',
    method: 'qrpay', merchantName: 'N', merchantAddress: 'A', mchId: 'M', currency: 'RUB', body: 'B', agentId: 'G',
  };
  const canonical =
    'agentId=G&body=B&currency=RUB&mchId=M&merchantAddress=A&merchantName=N&method=qrpay' +
    '&notifyUrl=https://s.test/n?a=1&b=2&oriTransactionNo=9&outTransactionNo=5&qrcId=Q&signType=HMAC_SHA256' +
    '&subject=Заказ №5&terId=T&timeStart=t&totalAmount=7.00&tradeType=pay.paxpay.native&version=V1.0';
  assert.equal(tbankCanonicalString(all), canonical);
  assert.equal(await signTBank(all, KEY), hmac(KEY, canonical));
});

test('empty, null and undefined fields are skipped; unknown fields ignored', () => {
  assert.equal(
    tbankCanonicalString({ agentId: 'A', body: '', currency: undefined, mchId: null, method: 'query', extra: 'x', signature: 'abc' }),
    'agentId=A&method=query',
  );
});

test('input order does not matter', async () => {
  const reversed = Object.fromEntries(Object.entries({ ...documentedRequest, method: 'qrpay' }).reverse());
  assert.equal(await signTBank(reversed, KEY), await signTBank({ ...documentedRequest, method: 'qrpay' }, KEY));
});

test('totalAmount is written with two decimals', () => {
  assert.equal(formatTBankAmount(1500.5), '1500.50');
  assert.equal(formatTBankAmount('1500.5'), '1500.50');
  assert.equal(formatTBankAmount(100), '100.00');
  assert.equal(formatTBankAmount('0.1'), '0.10');
  assert.equal(formatTBankAmount('007.10'), '7.10');
  assert.equal(formatTBankAmount(0), '0.00');
  // A number and its string form sign the same.
  assert.equal(
    tbankCanonicalString({ method: 'qrpay', totalAmount: 1500.5 }),
    tbankCanonicalString({ method: 'qrpay', totalAmount: '1500.50' }),
  );
});

test('amounts that cannot be written with two decimals are rejected, not rounded', () => {
  for (const bad of [1.005, '1.005', -1, '-1', NaN, Infinity, 1e21, '1e3', 'abc', '', '1,50', {}]) {
    assert.throws(() => formatTBankAmount(bad), /totalAmount/, `accepted ${String(bad)}`);
  }
});

test('method is required; key must be non-empty', async () => {
  assert.throws(() => tbankCanonicalString({ agentId: 'A' }), /method/);
  assert.throws(() => tbankCanonicalString({ agentId: 'A', method: '  ' }), /method/);
  await assert.rejects(signTBank({ method: 'qrpay' }, ''), /signKey/);
});

test('non-scalar values in signed fields are a clear error', () => {
  assert.throws(() => tbankCanonicalString({ method: 'qrpay', subject: { a: 1 } }), /subject/);
});

test('verifyTBankSignature accepts a correct signature (any hex case) and rejects everything else', async () => {
  const body: Record<string, unknown> = { ...documentedRequest, method: 'qrpay' };
  body.signature = await signTBank(body, KEY);
  assert.equal(await verifyTBankSignature(body, KEY), true);
  assert.equal(await verifyTBankSignature({ ...body, signature: String(body.signature).toUpperCase() }, KEY), true);
  assert.equal(await verifyTBankSignature(body, KEY + 'x'), false, 'other key');
  assert.equal(await verifyTBankSignature({ ...body, totalAmount: '10000.06' }, KEY), false, 'tampered amount');
  assert.equal(await verifyTBankSignature(body, KEY, 'query'), false, 'signed for another operation');
  const { signature: _omit, ...unsigned } = body;
  assert.equal(await verifyTBankSignature(unsigned, KEY), false, 'missing signature');
  assert.equal(await verifyTBankSignature({ ...body, signature: 'abc' }, KEY), false, 'short signature');
  assert.equal(await verifyTBankSignature({ ...body, totalAmount: 'oops' }, KEY), false, 'unsignable body');
  assert.equal(await verifyTBankSignature(null as never, KEY), false);
});

test('method passed to verify overrides the body when the body has none (requests)', async () => {
  const request: Record<string, unknown> = { ...documentedRequest };
  request.signature = await signTBank({ ...request, method: 'qrpay' }, KEY);
  assert.equal(await verifyTBankSignature(request, KEY, 'qrpay'), true);
  assert.equal(await verifyTBankSignature(request, KEY), false);
});

test('signatures have the shape of the document\'s example signature', async () => {
  const doc = fixtureText('tbank-qrpay-operation.ru.txt');
  const printed = /"signature":\s*"([^"]+)"/.exec(doc)?.[1] ?? '';
  const ours = await signTBank({ ...documentedRequest, method: 'qrpay' }, KEY);
  assert.equal(ours.length, printed.length);
  assert.equal(ours.replace(/[0-9a-f]/g, ''), printed.replace(/[0-9a-f]/g, ''), 'both lowercase hex only');
});
