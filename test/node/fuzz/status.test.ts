// Fuzz: the status parser and the PAID checks. Whatever the status endpoint answers, the result is
// one of the six known statuses or null (a fault), never an exception; a status word counts only
// when it is written in plain ASCII; a PAID short of the amount or for another invoice is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { paidMismatch, parseStatus, statusFromWord } from '../../../src/core/status.js';
import { check, hostileString } from './settings.js';

const KNOWN = ['NEW', 'PAID', 'FAILED', 'REFUNDED', 'EXPIRED', 'CANCELLED'];
const WORDS = ['NEW', 'PAID', 'paid', 'Paid', 'FAIL', 'FAILED', 'CANCEL', 'CANCELED', 'REFUNDED', 'PARTIAL_REFUNDED', 'EXPIRED', 'NOTPAY', 'USERPAYING'];

/** A status word, or a look-alike: other cases, spaces, Unicode letters that upper-case to ASCII. */
const word = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...WORDS).map((w) => w.replace(/i/i, '\u0131')),
  fc.constantFrom(...WORDS).map((w) => w.replace(/a/i, '\u0430')),
  fc.constantFrom(...WORDS).map((w) => ` ${w.toLowerCase()}\n`),
  hostileString(12),
);
const amount = fc.oneof(fc.double(), fc.integer({ min: -10, max: 100000 }), fc.constantFrom('100.00', '25000', '1e9', 'abc', '', '-1', ' 99.99 '), fc.constant(null));
const row = fc.record({ payment_status: fc.oneof(word, fc.jsonValue()), payment_amount: amount }, { requiredKeys: [] });
const body = fc.oneof(
  fc.record({ status: fc.oneof(word, fc.jsonValue()), invoice_id: fc.oneof(fc.constantFrom('INV-1', 'INV-2', 7), fc.jsonValue()), paid_amount: amount }, { requiredKeys: [] }),
  fc.record({ count: fc.oneof(fc.nat(5), fc.jsonValue()), paid_amount: amount, rows: fc.oneof(fc.array(row, { maxLength: 5 }), fc.jsonValue()) }, { requiredKeys: [] }),
  fc.record({ payment_status: word, outTradeNo: fc.constantFrom('INV-1', 'x') }),
  fc.jsonValue(),
  word,
  word.map((w) => JSON.stringify({ status: w })),
);

test('parseStatus: a known status or null, never an exception; words only in plain ASCII', (t) => {
  check(
    t,
    fc.property(body, (answer) => {
      const status = parseStatus(answer);
      assert.ok(status === null || KNOWN.includes(status), String(status));
      if (typeof answer === 'object' && answer !== null && 'status' in answer && typeof answer.status === 'string') {
        const raw = answer.status.trim();
        assert.equal(status, /^[\x21-\x7E]+$/.test(raw) ? statusFromWord(raw) : null);
      }
    }),
  );
});

test('paidMismatch: never throws; a PAID passes only for this invoice and at least its amount', (t) => {
  const expected = { invoiceId: 'INV-1', amount: 100 };
  check(
    t,
    fc.property(body, (answer) => {
      const why = paidMismatch(answer, expected);
      assert.ok(why === null || (typeof why === 'string' && why.length > 0));
      if (why !== null || typeof answer !== 'object' || answer === null || Array.isArray(answer)) return;
      const record = answer as Record<string, unknown>;
      if (record.invoice_id != null) assert.equal(String(record.invoice_id), 'INV-1');
      if (record.paid_amount != null) assert.ok(Number(record.paid_amount) >= 99.995, `paid_amount ${String(record.paid_amount)} passed`);
    }),
  );
});
