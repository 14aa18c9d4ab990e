import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isFinal, paidMismatch, parseStatus, statusFromWord } from '../../../src/core/status.js';
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

test('status words are plain ASCII: look-alikes that upper-case to a known word are unknown (issue 10)', () => {
  // "paıd" (dotless i), "pаid" (Cyrillic а), "ſtatus"-style long s, fullwidth letters.
  for (const word of ['pa\u0131d', 'p\u0430id', 'PAI\u0307D', '\uFF30\uFF21\uFF29\uFF24', 'ne\u017F', 'fa\u0131led']) {
    assert.equal(statusFromWord(word), null, JSON.stringify(word));
    assert.equal(parseStatus({ status: word }), null, JSON.stringify(word));
    assert.equal(parseStatus({ count: 1, rows: [{ payment_status: word, payment_amount: '100' }] }), null, JSON.stringify(word));
  }
  assert.equal(statusFromWord('paid'), 'PAID');
});

test('paidMismatch: a PAID counts only for this invoice and for the full amount (issue 10)', () => {
  const expected = { invoiceId: 'INV-1', amount: 25000 };
  // Believed.
  assert.equal(paidMismatch({ status: 'PAID' }, expected), null, 'no id, no amount: nothing to compare');
  assert.equal(paidMismatch({ status: 'PAID', invoice_id: 'INV-1', paid_amount: 25000 }, expected), null);
  assert.equal(paidMismatch({ status: 'PAID', paid_amount: '25000.00' }, expected), null);
  assert.equal(paidMismatch({ status: 'PAID', paid_amount: 24999.999999 }, expected), null, 'float rounding is not underpayment');
  assert.equal(paidMismatch({ status: 'PAID', outTradeNo: 'INV-1' }, expected), null);
  assert.equal(paidMismatch({ status: 'PAID', invoice_id: 7 }, { invoiceId: '7' }), null, 'numeric ids compare as text');
  assert.equal(paidMismatch({ status: 'PAID', paid_amount: 1 }, { invoiceId: 'INV-1' }), null, 'the invoice has no amount');
  const paidCheck = fixture('payment-check-response.paid.json');
  assert.equal(paidMismatch(paidCheck, { invoiceId: 'x', amount: 100 }), null);
  // Not believed, each with a message that names the figures.
  assert.match(paidMismatch({ status: 'PAID', invoice_id: 'INV-2' }, expected)!, /INV-2.*INV-1/);
  assert.match(paidMismatch({ status: 'PAID', outTradeNo: 'other' }, expected)!, /other/);
  assert.match(paidMismatch({ status: 'PAID', paid_amount: 1 }, expected)!, /1 of 25000/);
  assert.match(paidMismatch({ status: 'PAID', paid_amount: '24999.98' }, expected)!, /24999\.98 of 25000/);
  assert.match(paidMismatch({ status: 'PAID', paid_amount: 'lots' }, expected)!, /paid_amount/);
  // A raw QPay payment check whose PAID rows add up to 100 of a 25,000 invoice, with or without paid_amount.
  const rows = [
    { payment_id: '1', payment_status: 'PAID', payment_amount: '60.00' },
    { payment_id: '2', payment_status: 'FAILED', payment_amount: '25000.00' },
    { payment_id: '3', payment_status: 'PAID', payment_amount: '40.00' },
  ];
  assert.match(paidMismatch({ count: 3, rows }, expected)!, /100 of 25000/);
  assert.match(paidMismatch({ count: 3, paid_amount: 25000, rows }, expected)!, /100 of 25000/);
  assert.match(paidMismatch(paidCheck, expected)!, /100 of 25000/);
});
