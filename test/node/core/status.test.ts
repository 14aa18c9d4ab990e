import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isFinal, parseStatus, statusFromWord } from '../../../src/core/status.js';
import type { PaymentStatus } from '../../../src/core/types.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));

test('plain answers: every widget status, any case, with extra fields', () => {
  const all: PaymentStatus[] = ['NEW', 'PAID', 'FAILED', 'REFUNDED', 'EXPIRED', 'CANCELLED'];
  for (const s of all) {
    assert.equal(parseStatus({ status: s }), s);
    assert.equal(parseStatus({ status: s.toLowerCase(), invoice_id: 'x', paid_amount: 10 }), s);
  }
  assert.equal(parseStatus({ status: 'Canceled' }), 'CANCELLED');
  assert.equal(parseStatus({ status: ' paid ' }), 'PAID');
});

test('plain answers as JSON text or a bare word', () => {
  assert.equal(parseStatus('{"status":"PAID"}'), 'PAID');
  assert.equal(parseStatus('"expired"'), 'EXPIRED');
  assert.equal(parseStatus('PAID\n'), 'PAID');
  assert.equal(parseStatus('<html>502 Bad Gateway</html>'), null);
  assert.equal(parseStatus('{"status":'), null);
  assert.equal(parseStatus(''), null);
});

test('QPay payment check: the documented and real answers', () => {
  assert.equal(parseStatus(fixture('payment-check-response.paid.json')), 'PAID');
  assert.equal(parseStatus(fixture('qpay-payment-check-response.card.json')), 'PAID');
  assert.equal(parseStatus(fixture('qpay-payment-check-response.unpaid.json')), 'NEW');
  assert.equal(parseStatus(fixture('qpay-payment-get-response.p2p.json')), 'PAID', 'a payment get answer carries payment_status');
});

test('QPay payment check: row combinations', () => {
  const check = (...statuses: string[]) =>
    parseStatus({ count: statuses.length, paid_amount: 0, rows: statuses.map((payment_status, i) => ({ payment_id: String(i), payment_status, payment_amount: '100.00' })) });
  assert.equal(check(), 'NEW');
  assert.equal(check('NEW'), 'NEW');
  assert.equal(check('FAILED'), 'NEW', 'a failed attempt lets the customer retry');
  assert.equal(check('FAILED', 'NEW'), 'NEW');
  assert.equal(check('FAILED', 'PAID'), 'PAID');
  assert.equal(check('paid'), 'PAID');
  assert.equal(check('REFUNDED'), 'REFUNDED');
  assert.equal(check('REFUNDED', 'REFUNDED'), 'REFUNDED');
  assert.equal(check('REFUNDED', 'FAILED'), 'REFUNDED');
  assert.equal(check('REFUNDED', 'NEW'), 'NEW', 'a new attempt after a refund is still pending');
  assert.equal(check('REFUNDED', 'PAID'), 'PAID');
  assert.equal(parseStatus({ count: 0 }), 'NEW', 'count 0 without rows');
  assert.equal(parseStatus({ count: 0, rows: null }), 'NEW');
});

test('QPay payment check: malformed answers are null', () => {
  assert.equal(parseStatus({ count: 1 }), null, 'a count without rows');
  assert.equal(parseStatus({ count: 1, rows: {} }), null);
  assert.equal(parseStatus({ count: 1, rows: [null] }), null);
  assert.equal(parseStatus({ count: 1, rows: [{ payment_id: '1' }] }), null);
  assert.equal(parseStatus({ count: 1, rows: [{ payment_status: 'SETTLED' }] }), null);
  assert.equal(parseStatus({ count: 1, rows: [{ payment_status: 1 }] }), null);
});

test('TBank QUERY statuses, in status', () => {
  const cases: [string, PaymentStatus][] = [
    ['PAID', 'PAID'],
    ['FAIL', 'FAILED'],
    ['CANCEL', 'CANCELLED'],
    ['EXPIRED', 'EXPIRED'],
    ['REFUNDED', 'REFUNDED'],
    ['PARTIAL_REFUNDED', 'REFUNDED'],
    ['NEW', 'NEW'],
    ['NOTPAY', 'NEW'],
    ['USERPAYING', 'NEW'],
    ['PROCESSING', 'NEW'],
    ['PENDING', 'NEW'],
    ['CREATED', 'NEW'],
  ];
  for (const [word, expected] of cases) {
    assert.equal(parseStatus({ code: 'SUCCESS', status: word, outTradeNo: '551123123' }), expected, word);
    assert.equal(parseStatus({ status: word.toLowerCase() }), expected, word);
  }
});

test("TBank acquiring words are not QRPAY's: unknown, so never read as a payment", () => {
  assert.equal(parseStatus({ Success: true, ErrorCode: '0', Status: 'CONFIRMED', PaymentId: '13660' }), null);
  assert.equal(parseStatus({ status: 'AUTHORIZED' }), null);
});

test('unknown words and shapes are null, never a guess', () => {
  const bad: unknown[] = [
    { status: 'SUCCESS' },
    { status: 'OK' },
    { status: 'toString' },
    { status: '__proto__' },
    { status: '' },
    { ok: true },
    {},
    [],
    ['PAID'],
    null,
    undefined,
    42,
    true,
    { error: 'INVOICE_NOTFOUND', message: 'Invoice not found' },
  ];
  for (const body of bad) assert.equal(parseStatus(body), null, JSON.stringify(body));
  assert.equal(statusFromWord(7), null);
});

test('a non-string status field does not hide the other shapes', () => {
  assert.equal(parseStatus({ status: 200, count: 1, rows: [{ payment_status: 'PAID' }] }), 'PAID');
  assert.equal(parseStatus({ status: 200 }), null);
});

test('isFinal: every status but NEW stops polling', () => {
  assert.equal(isFinal('NEW'), false);
  for (const s of ['PAID', 'FAILED', 'REFUNDED', 'EXPIRED', 'CANCELLED'] as const) assert.equal(isFinal(s), true, s);
});
