import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockOffset, formatCountdown, formatMoney, MAX_RETRY_AFTER_MS, parseHttpDate, parseRetryAfter } from '../../../src/core/format.js';

/** Intl puts no-break and narrow no-break spaces in money; compare with plain spaces. */
const plain = (s: string) => s.replace(/[\u00A0\u202F]/g, ' ');

test('formatMoney: MNT shows ₮ and no fraction digits for whole amounts, in each language', () => {
  assert.equal(plain(formatMoney(15000, 'MNT', 'en')), '₮15,000');
  assert.equal(plain(formatMoney(15000, 'MNT', 'mn')), '₮ 15,000');
  assert.equal(plain(formatMoney(15000, 'MNT', 'ru')), '15 000 ₮');
});

test('formatMoney: MNT with a fraction shows two fraction digits', () => {
  assert.equal(plain(formatMoney(15000.5, 'MNT', 'en')), '₮15,000.50');
  assert.equal(plain(formatMoney(0.25, 'MNT', 'ru')), '0,25 ₮');
});

test('formatMoney: RUB shows ₽ with kopecks, in the Russian way for ru', () => {
  assert.equal(plain(formatMoney(10000.05, 'RUB', 'ru')), '10 000,05 ₽');
  assert.equal(plain(formatMoney(10000.05, 'RUB', 'en')), '₽10,000.05');
  assert.equal(plain(formatMoney(100, 'rub', 'ru')), '100,00 ₽', 'lower-case code');
});

test('formatMoney: no currency gives the plain number', () => {
  assert.equal(plain(formatMoney(1234.5, undefined, 'en')), '1,234.5');
  assert.equal(plain(formatMoney(1234.5, undefined, 'ru')), '1 234,5');
  assert.equal(plain(formatMoney(1234, '', 'en')), '1,234');
});

test('formatMoney: unknown or malformed currency codes never throw', () => {
  assert.equal(plain(formatMoney(100, 'RUBX', 'en')), '100 RUBX');
  assert.equal(plain(formatMoney(100, '₮', 'en')), '100 ₮');
  assert.match(plain(formatMoney(100, 'XYZ', 'en')), /XYZ/);
  assert.match(plain(formatMoney(100, 'XYZ', 'en')), /100/);
});

test('formatMoney: non-finite amounts give an empty string', () => {
  assert.equal(formatMoney(Number.NaN, 'MNT', 'en'), '');
  assert.equal(formatMoney(Number.POSITIVE_INFINITY, 'MNT', 'en'), '');
});

test('formatCountdown: m:ss below an hour, h:mm:ss from an hour, rounding up', () => {
  assert.equal(formatCountdown(0), '0:00');
  assert.equal(formatCountdown(1), '0:01', 'a millisecond left is not yet 0:00');
  assert.equal(formatCountdown(999), '0:01');
  assert.equal(formatCountdown(1000), '0:01');
  assert.equal(formatCountdown(59_001), '1:00');
  assert.equal(formatCountdown(65_000), '1:05');
  assert.equal(formatCountdown(10 * 60_000), '10:00');
  assert.equal(formatCountdown(3_599_000), '59:59');
  assert.equal(formatCountdown(3_600_000), '1:00:00');
  assert.equal(formatCountdown(3_661_000), '1:01:01');
  assert.equal(formatCountdown(25 * 3_600_000), '25:00:00');
});

test('formatCountdown: negative and non-finite give 0:00', () => {
  assert.equal(formatCountdown(-1), '0:00');
  assert.equal(formatCountdown(-3_600_000), '0:00');
  assert.equal(formatCountdown(Number.NaN), '0:00');
  assert.equal(formatCountdown(Number.POSITIVE_INFINITY), '0:00');
});

const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

test('parseHttpDate reads IMF-fixdate, the HTTP date form servers send', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), NOV_6_1994);
  assert.equal(parseHttpDate('Thu, 29 Jan 2026 07:02:05 GMT'), Date.UTC(2026, 0, 29, 7, 2, 5));
  assert.equal(parseHttpDate(new Date(NOV_6_1994).toUTCString()), NOV_6_1994);
});

test('parseHttpDate rejects missing, loose and impossible dates', () => {
  const bad = [
    null,
    '',
    'yesterday',
    '1994-11-06T08:49:37Z',
    '784111777',
    'Sun, 06 Nov 1994 08:49:37',
    'Sun, 06 Nov 1994 08:49:37 PST',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 30 Feb 2024 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:61:00 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Xyz, 06 Nov 1994 08:49:37 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT', // obsolete RFC 850 form
    'Sun Nov  6 08:49:37 1994', // obsolete asctime form
    'Invalid Date',
  ];
  for (const value of bad) assert.equal(parseHttpDate(value), null, String(value));
  assert.equal(parseHttpDate('Thu, 29 Feb 2024 00:00:00 GMT'), Date.UTC(2024, 1, 29), 'a leap day is fine');
});

test('clockOffset is server minus local time, 0 when the header is unusable', () => {
  const server = Date.UTC(2026, 0, 29, 7, 2, 5);
  assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', server - 90_000), 90_000, 'local clock 90 s behind');
  assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', server + 5_000), -4_000, 'local clock 5 s past the whole second: at least 4 s ahead');
  // The header counts whole seconds: a local time within that second agrees with it.
  for (const within of [0, 1, 400, 999]) assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', server + within), 0, `+${within} ms`);
  assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', server + 1_250), -250);
  assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', server - 1), 1);
  assert.equal(clockOffset(null, server), 0);
  assert.equal(clockOffset('garbage', server), 0);
  assert.equal(clockOffset('Thu, 29 Jan 2026 07:02:05 GMT', Number.NaN), 0);
});

test('parseRetryAfter: delta-seconds', () => {
  assert.equal(parseRetryAfter('0', 0), 0);
  assert.equal(parseRetryAfter('5', 0), 5_000);
  assert.equal(parseRetryAfter(' 120 ', 0), 120_000);
  assert.equal(parseRetryAfter('86400', 0), MAX_RETRY_AFTER_MS, 'clamped to 10 minutes');
  assert.equal(parseRetryAfter('99999999999999999999999', 0), MAX_RETRY_AFTER_MS);
});

test('parseRetryAfter: an HTTP date, measured from now and clamped', () => {
  const now = Date.UTC(2026, 0, 29, 7, 2, 5);
  assert.equal(parseRetryAfter('Thu, 29 Jan 2026 07:02:35 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Thu, 29 Jan 2026 07:00:00 GMT', now), 0, 'a past date means now');
  assert.equal(parseRetryAfter('Fri, 30 Jan 2026 07:02:05 GMT', now), MAX_RETRY_AFTER_MS);
});

test('parseRetryAfter: invalid values are null', () => {
  for (const value of [null, '', '-5', '1.5', '5s', 'soon', '0x10', 'Thu, 29 Feb 2026 07:02:35 GMT']) {
    assert.equal(parseRetryAfter(value, 0), null, String(value));
  }
});
