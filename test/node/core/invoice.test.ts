import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendCrc } from '../../../src/core/emv.js';
import {
  cleanText,
  compactBase64Png,
  InvoiceError,
  isBase64Png,
  MAX_EXPIRY_AHEAD_MS,
  normalizeInvoice,
  parseIsoDateTime,
  type InvoiceErrorCode,
} from '../../../src/core/invoice.js';
import { parseBankList, sbpBankLinks } from '../../../src/core/sbp-banks.js';

const fixtureText = (name: string): string =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): Record<string, unknown> => JSON.parse(fixtureText(name));

type Json = Record<string, unknown>;
const created = fixture('invoice-create-response.json') as Json & { qr_image: string; qr_text: string; urls: Json[] };
const composed = fixture('qpay-invoice-create-response.composed.json') as Json & { qr_text: string; urls: Json[] };

/** The QRPAY answer from TBank's documentation (tbank-qrpay-operation.ru.txt, "Пример ответа"). */
const qrpay = fixture('tbank-qrpay-response.json');

function assertInvoiceError(fn: () => unknown, code: InvoiceErrorCode, messagePart?: RegExp): InvoiceError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvoiceError, `expected an InvoiceError, got ${String(error)}`);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'InvoiceError');
    assert.equal(error.code, code, error.message);
    if (messagePart) assert.match(error.message, messagePart);
    return error;
  }
  assert.fail(`expected InvoiceError ${code}`);
}

test("the QRPAY answer used here is the one in TBank's documentation", () => {
  assert.ok(fixtureText('tbank-qrpay-operation.ru.txt').includes('"https://qr.spb.ru/ax00856mbmgje4wiau38071"'), 'copied from the doc');
});

test('QPay invoice create response: image QR, banks in order, EMV amount', () => {
  const view = normalizeInvoice(created);
  assert.equal(view.provider, 'qpay');
  assert.equal(view.id, '00f94137-66fd-4d90-b2b2-8225c1b4ed2d');
  assert.deepEqual(view.qr, { kind: 'image', base64Png: created.qr_image, text: created.qr_text });
  assert.equal(view.copyText, created.qr_text);
  assert.equal(view.primaryLink, undefined);
  assert.equal(view.banks.length, created.urls.length);
  assert.deepEqual(view.banks.map((b) => b.name), created.urls.map((u) => u.name));
  assert.deepEqual(view.banks[0], {
    name: 'Khan bank',
    description: 'Хаан банк',
    link: `khanbank://q?qPay_QRcode=${created.qr_text}`,
  });
  // amount, currency and merchant come from the EMV tags, whose CRC checks
  assert.equal(view.amount, 100);
  assert.equal(view.currency, 'MNT');
  assert.equal(view.merchant, 'TEST_MERCHANT');
  assert.equal(view.expiresAt, undefined);
});

test('the same invoice as JSON text gives the same view', () => {
  assert.deepEqual(normalizeInvoice(fixtureText('invoice-create-response.json')), normalizeInvoice(created));
});

test('QPay composed response: truncated qr_image falls back to qr_text; short URL is copied; logos kept', () => {
  const view = normalizeInvoice(composed);
  assert.deepEqual(view.qr, { kind: 'text', text: composed.qr_text });
  assert.equal(view.copyText, 'https://s.qpay.mn/z1lKnIO5T');
  assert.equal(view.banks.length, composed.urls.length);
  assert.deepEqual(view.banks[1], {
    name: 'Khan bank',
    description: 'Хаан банк',
    logo: 'https://qpay.mn/q/logo/khanbank.png',
    link: composed.urls[1]!.link,
  });
  assert.equal(view.amount, 9800);
  assert.equal(view.currency, 'MNT');
  assert.equal(view.merchant, 'TESTMERCHANT');
});

test('QPay bank lists from real responses map one to one, in order, with https logos', () => {
  for (const name of ['qpay-invoice-urls.hitrip.json', 'qpay-invoice-urls.23banks.json']) {
    const urls = JSON.parse(fixtureText(name)) as Json[];
    const view = normalizeInvoice({ invoice_id: 'inv-1', qr_text: composed.qr_text, urls });
    assert.equal(view.banks.length, urls.length, name);
    view.banks.forEach((bank, i) => {
      assert.equal(bank.name, urls[i]!.name);
      assert.equal(bank.link, urls[i]!.link);
      assert.equal(bank.logo, urls[i]!.logo);
    });
  }
  assert.equal(JSON.parse(fixtureText('qpay-invoice-urls.23banks.json')).length, 23);
});

test('unsafe, nameless and malformed bank entries are dropped; the rest keep their order', () => {
  const view = normalizeInvoice({
    invoice_id: 'inv-1',
    qr_text: 'hello',
    urls: [
      { name: 'Khan bank', link: 'khanbank://q?x=1', logo: 'https://qpay.mn/q/logo/khanbank.png' },
      { name: 'Evil', link: 'javascript:alert(1)' },
      { name: 'Evil 2', link: 'java&#115;cript:alert(1)' },
      { name: 'Evil 3', link: ' data:text/html,x' },
      { name: '   ', link: 'xacbank://q' },
      { link: 'tdbbank://q' },
      { name: 'No link' },
      null,
      'statebank://q',
      { name: { first: 'x' }, link: 'x://q' },
      { name: '  Most money  ', link: 'most://q', logo: 'http://insecure.example/most.png', description: 7 },
      { name: 42, link: 'num://q', logo: 'javascript:alert(1)' },
    ],
  });
  assert.deepEqual(view.banks, [
    { name: 'Khan bank', link: 'khanbank://q?x=1', logo: 'https://qpay.mn/q/logo/khanbank.png' },
    { name: 'Most money', description: '7', link: 'most://q' },
    { name: '42', link: 'num://q' },
  ]);
});

test('urls that are not an array give no banks, not an error', () => {
  assert.deepEqual(normalizeInvoice({ invoice_id: 'a', qr_text: 'x', urls: 'khanbank://q' }).banks, []);
  assert.deepEqual(normalizeInvoice({ invoice_id: 'a', qr_text: 'x', urls: null }).banks, []);
});

test('provider texts are trimmed, stripped of control characters and capped', () => {
  const view = normalizeInvoice({
    invoice_id: 'a',
    qr_text: 'x',
    urls: [{ name: `\tKhan\u0000bank${'!'.repeat(300)}`, description: 'd'.repeat(1000), link: 'khanbank://q' }],
  });
  const bank = view.banks[0]!;
  assert.ok(bank.name.startsWith('Khan bank!'));
  assert.equal(Array.from(bank.name).length, 100);
  assert.ok(bank.name.endsWith('…'));
  assert.equal(Array.from(bank.description!).length, 200);
  assert.equal(cleanText('😀'.repeat(10), 5), '😀😀😀😀…', 'never splits a surrogate pair');
  assert.equal(cleanText('  ', 5), undefined);
  assert.equal(cleanText({}, 5), undefined);
});

test('TBank QRPAY answer: codeUrl QR, primary link, totalAmount, RUB, merchantName', () => {
  const view = normalizeInvoice(qrpay);
  assert.equal(view.provider, 'tbank');
  assert.equal(view.id, '551123123');
  assert.deepEqual(view.qr, { kind: 'text', text: 'https://qr.spb.ru/ax00856mbmgje4wiau38071' });
  assert.equal(view.primaryLink, 'https://qr.spb.ru/ax00856mbmgje4wiau38071');
  assert.equal(view.copyText, 'https://qr.spb.ru/ax00856mbmgje4wiau38071');
  assert.deepEqual(view.banks, []);
  assert.equal(view.amount, 10000.05);
  assert.equal(view.currency, 'RUB');
  assert.equal(view.merchant, 'IP AJRAPETYAN G S');
});

test('TBank acquiring answers (GetQr, its errors) are not invoices the element takes: UNKNOWN_SHAPE', () => {
  assertInvoiceError(() => normalizeInvoice(fixture('tbank-getqr-response.json')), 'UNKNOWN_SHAPE');
  assertInvoiceError(() => normalizeInvoice(fixture('tbank-error-response.json').body), 'UNKNOWN_SHAPE');
});

test('TBank: numeric outTradeNo, numeric currency, merchant fields win', () => {
  const view = normalizeInvoice({
    ...qrpay,
    outTradeNo: 551123123,
    amount: 99.5,
    currency: '643',
    merchant_name: 'Shop',
    description: 'Order #12',
  });
  assert.equal(view.id, '551123123');
  assert.equal(view.amount, 99.5);
  assert.equal(view.currency, 'RUB');
  assert.equal(view.merchant, 'Shop');
  assert.equal(view.description, 'Order #12');
});

test('TBank: an unsafe or non-https codeUrl is never used', () => {
  for (const codeUrl of [
    'javascript:alert(1)',
    'http://qr.nspk.ru/AD1',
    'bank100000000111://qr.nspk.ru/AD1',
    ' https://qr.nspk.ru/AD1',
    42,
    // Issue 10: not an SBP host, however it is dressed up.
    'https://qr.nspk.ru@evil.example/AD1',
    'https://evil.example/AD1',
    'https://qr.nspk.ru.evil.example/AD1',
  ]) {
    assertInvoiceError(() => normalizeInvoice({ ...qrpay, codeUrl }), 'NO_QR', /codeUrl/);
  }
});

test('TBank: a bad totalAmount is ignored, not shown', () => {
  for (const totalAmount of ['-5', 'abc', '1e400', Number.NaN, -1, {}]) {
    assert.equal(normalizeInvoice({ ...qrpay, totalAmount }).amount, undefined, String(totalAmount));
  }
});

test('QR choice: image only when qr_image is a real base64 PNG, then qr_text, then codeUrl', () => {
  const text = composed.qr_text;
  assert.equal(normalizeInvoice({ invoice_id: 'a', qr_image: created.qr_image, qr_text: text }).qr.kind, 'image');
  assert.deepEqual(normalizeInvoice({ invoice_id: 'a', qr_image: `data:image/png;base64,${created.qr_image}`, qr_text: text }).qr, { kind: 'text', text });
  assert.deepEqual(normalizeInvoice({ invoice_id: 'a', qr_image: 'R0lGODlhAQABAAAAACw=', qr_text: text }).qr, { kind: 'text', text }, 'a GIF');
  assert.deepEqual(normalizeInvoice({ invoice_id: 'a', qr_image: '', qr_text: text }).qr, { kind: 'text', text });
  assert.deepEqual(
    normalizeInvoice({ invoice_id: 'a', qr_text: '', codeUrl: 'https://qr.nspk.ru/AD1' }).qr,
    { kind: 'text', text: 'https://qr.nspk.ru/AD1' },
  );
});

test('qr_text is kept exactly, including spaces the EMV CRC covers', () => {
  const withSpace = appendCrc('000201010212530349654031005802MN5908MY SHOP ');
  const view = normalizeInvoice({ invoice_id: 'a', qr_text: withSpace });
  assert.deepEqual(view.qr, { kind: 'text', text: withSpace });
  assert.equal(view.merchant, 'MY SHOP');
  assert.equal(view.amount, 100);
});

test('no usable QR is NO_QR', () => {
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a' }), 'NO_QR', /qr_image/);
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a', qr_text: '   ' }), 'NO_QR');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a', qr_text: 42 }), 'NO_QR');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a', qr_text: 'x'.repeat(5000) }), 'NO_QR');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a', qr_text: 'abc\u0000' }), 'NO_QR');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a', qr_image: 'not base64!' }), 'NO_QR');
});

test('EMV tags are trusted only when the CRC checks', () => {
  const tampered = composed.qr_text.replace('54049800', '54041000');
  const view = normalizeInvoice({ invoice_id: 'a', qr_text: tampered });
  assert.deepEqual(view.qr, { kind: 'text', text: tampered }, 'still drawn: the bank app checks it too');
  assert.equal(view.amount, undefined);
  assert.equal(view.currency, undefined);
  assert.equal(view.merchant, undefined);
  // The merchant's own fields are used whatever the QR says.
  const withMerchantFields = normalizeInvoice({ invoice_id: 'a', qr_text: tampered, amount: '9800', currency: 'mnt' });
  assert.equal(withMerchantFields.amount, 9800);
  assert.equal(withMerchantFields.currency, 'MNT');
});

test('merchant fields override EMV tags', () => {
  const view = normalizeInvoice({ ...composed, amount: 0, currency: 'USD', merchant_name: ' My shop ', description: ' Two coffees ' });
  assert.equal(view.amount, 0);
  assert.equal(view.currency, 'USD');
  assert.equal(view.merchant, 'My shop');
  assert.equal(view.description, 'Two coffees');
});

test("the merchant's bad amount, currency or description is an error naming the field", () => {
  const bad: [Json, InvoiceErrorCode, string][] = [
    [{ amount: -1 }, 'INVALID_FIELD', 'amount'],
    [{ amount: Number.NaN }, 'INVALID_FIELD', 'amount'],
    [{ amount: Number.POSITIVE_INFINITY }, 'INVALID_FIELD', 'amount'],
    [{ amount: '12,50' }, 'INVALID_FIELD', 'amount'],
    [{ amount: '' }, 'INVALID_FIELD', 'amount'],
    [{ amount: true }, 'INVALID_FIELD', 'amount'],
    [{ currency: 'rubles' }, 'INVALID_FIELD', 'currency'],
    [{ currency: '999' }, 'INVALID_FIELD', 'currency'],
    [{ currency: 496 }, 'INVALID_FIELD', 'currency'],
    [{ description: { text: 'x' } }, 'INVALID_FIELD', 'description'],
    [{ merchant_name: ['x'] }, 'INVALID_FIELD', 'merchant_name'],
  ];
  for (const [extra, code, field] of bad) {
    const error = assertInvoiceError(() => normalizeInvoice({ ...composed, ...extra }), code, new RegExp(field));
    assert.equal(error.field, field);
  }
  // null means "not given"
  assert.equal(normalizeInvoice({ ...composed, amount: null, currency: null }).amount, 9800);
});

test('expires_at: ISO 8601 with a zone becomes epoch ms', () => {
  const at = (expires_at: unknown) => normalizeInvoice({ ...composed, expires_at }).expiresAt;
  assert.equal(at('2026-05-01T12:30:00Z'), Date.UTC(2026, 4, 1, 12, 30));
  assert.equal(at('2026-05-01T20:30:00+08:00'), Date.UTC(2026, 4, 1, 12, 30));
  assert.equal(at('2026-05-01T20:30:00+0800'), Date.UTC(2026, 4, 1, 12, 30));
  assert.equal(at('2026-05-01T09:30-03:00'), Date.UTC(2026, 4, 1, 12, 30));
  assert.equal(at('2026-05-01 12:30:00.250z'), Date.UTC(2026, 4, 1, 12, 30, 0, 250));
  assert.equal(at('2026-05-01T12:30:00.123456Z'), Date.UTC(2026, 4, 1, 12, 30, 0, 123));
  assert.equal(at(new Date(Date.UTC(2026, 4, 1))), Date.UTC(2026, 4, 1));
  assert.equal(at(null), undefined);
  assert.equal(at(undefined), undefined);
});

test('expires_at that cannot be read is an error, never silently ignored', () => {
  const bad: unknown[] = [
    'tomorrow',
    '',
    '2026-05-01',
    '2026-05-01T12:30:00',
    '2026-02-30T12:00:00Z',
    '2026-13-01T12:00:00Z',
    '2026-05-01T24:00:00Z',
    '2026-05-01T12:00:00+25:00',
    'Fri, 01 May 2026 12:30:00 GMT',
    1777638600000,
    new Date(Number.NaN),
    {},
  ];
  for (const expires_at of bad) {
    const error = assertInvoiceError(() => normalizeInvoice({ ...composed, expires_at }), 'INVALID_FIELD', /expires_at/);
    assert.equal(error.field, 'expires_at');
  }
  assert.equal(parseIsoDateTime('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
});

test('expires_at far beyond what providers issue is an InvoiceError, not a 69890625-hour countdown (issue 10)', () => {
  const now = Date.UTC(2026, 0, 1);
  const DAY = 86_400_000;
  const at = (expires_at: unknown) => normalizeInvoice({ ...composed, expires_at }, now).expiresAt;
  assert.equal(at('2026-01-01T00:30:00Z'), now + 30 * 60_000);
  assert.equal(at(new Date(now + MAX_EXPIRY_AHEAD_MS)), now + MAX_EXPIRY_AHEAD_MS, 'the limit itself is fine');
  assert.equal(at('2020-01-01T00:00:00Z'), Date.UTC(2020, 0, 1), 'the past is read (the invoice shows as expired)');
  assert.equal(MAX_EXPIRY_AHEAD_MS, 366 * DAY);
  for (const expires_at of ['9999-12-31T23:59:59Z', '2028-01-01T00:00:00Z', new Date(8.64e15), new Date(now + MAX_EXPIRY_AHEAD_MS + 1)]) {
    const error = assertInvoiceError(() => normalizeInvoice({ ...composed, expires_at }, now), 'INVALID_FIELD', /expires_at.*at most 366 days ahead/);
    assert.equal(error.field, 'expires_at');
  }
});

test('unusable input: clear error codes', () => {
  assertInvoiceError(() => normalizeInvoice('{"invoice_id":'), 'INVALID_JSON', /JSON/);
  assertInvoiceError(() => normalizeInvoice(''), 'INVALID_JSON');
  assertInvoiceError(() => normalizeInvoice('null'), 'INVALID_JSON', /null/);
  assertInvoiceError(() => normalizeInvoice('[1]'), 'INVALID_JSON', /array/);
  assertInvoiceError(() => normalizeInvoice(null), 'INVALID_JSON');
  assertInvoiceError(() => normalizeInvoice(undefined), 'INVALID_JSON');
  assertInvoiceError(() => normalizeInvoice(42), 'INVALID_JSON', /number/);
  // The size guard: far larger than any invoice, refused before parsing, with the figures.
  assertInvoiceError(() => normalizeInvoice(' '.repeat(2_000_001)), 'TOO_LARGE', /^The invoice JSON is 2000001 characters; at most 2000000 are accepted$/);
  assertInvoiceError(() => normalizeInvoice('{"invoice_id":'), 'INVALID_JSON', /^The invoice is not valid JSON \(.+\)$/);
  assertInvoiceError(() => normalizeInvoice({ foo: 1 }), 'UNKNOWN_SHAPE', /invoice_id.*codeUrl/);
  assertInvoiceError(() => normalizeInvoice({}), 'UNKNOWN_SHAPE');
});

test('missing or bad ids name their field', () => {
  assert.equal(assertInvoiceError(() => normalizeInvoice({ qr_text: 'x' }), 'INVALID_ID', /invoice_id/).field, 'invoice_id');
  assert.equal(assertInvoiceError(() => normalizeInvoice({ invoice_id: '', qr_text: 'x' }), 'INVALID_ID').field, 'invoice_id');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: '   ', qr_text: 'x' }), 'INVALID_ID');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: { id: 1 }, qr_text: 'x' }), 'INVALID_ID', /invoice_id/);
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a'.repeat(257), qr_text: 'x' }), 'INVALID_ID');
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a\nb', qr_text: 'x' }), 'INVALID_ID');
  const noTradeNo = { ...qrpay };
  delete noTradeNo.outTradeNo;
  assert.equal(assertInvoiceError(() => normalizeInvoice(noTradeNo), 'INVALID_ID', /outTradeNo/).field, 'outTradeNo');
  assert.equal(normalizeInvoice({ invoice_id: ' abc ', qr_text: 'x' }).id, 'abc');
});

test('field errors say what the field must be, with examples, and what it was', () => {
  const base = { invoice_id: 'inv-1', qr_text: 'x' };
  assertInvoiceError(() => normalizeInvoice({ ...base, amount: -5 }), 'INVALID_FIELD', /^The invoice's amount must be a finite number >= 0 in major units, such as 15000 or 1500\.5; got -5$/);
  assertInvoiceError(() => normalizeInvoice({ ...base, currency: 'rubles' }), 'INVALID_FIELD', /such as "MNT" or "RUB"; got "rubles"$/);
  assertInvoiceError(() => normalizeInvoice({ ...base, expires_at: '2026-05-01 12:30' }), 'INVALID_FIELD', /such as "2026-05-01T12:30:00Z" .*; got "2026-05-01 12:30"$/);
  assertInvoiceError(() => normalizeInvoice({ qr_text: 'x' }), 'INVALID_ID', /^The invoice has no invoice_id; it is needed to ask for the payment status$/);
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'a'.repeat(257), qr_text: 'x' }), 'INVALID_ID', /at most 256 characters .*; got "a{50,}\.\.\.$/);
  assertInvoiceError(() => normalizeInvoice({ invoice_id: 'inv-1' , qr_image: 'nope' }), 'NO_QR', /qr_text an EMV text of at most 2048 characters/);
});

test('provider error answers passed on as invoices are UNKNOWN_SHAPE and quote the provider', () => {
  const samples = Object.values(fixture('qpay-error-responses.json') as Record<string, { body?: Json }>)
    .map((entry) => entry.body)
    .filter((body): body is Json => body !== undefined);
  assert.equal(samples.length, 6);
  for (const body of samples) {
    const error = assertInvoiceError(() => normalizeInvoice(body), 'UNKNOWN_SHAPE');
    if (typeof body.error === 'string') assert.ok(error.message.includes(body.error), error.message);
  }
  assertInvoiceError(() => normalizeInvoice({ error: 'INVOICE_NOTFOUND', message: 'Invoice not found' }), 'UNKNOWN_SHAPE', /provider said: INVOICE_NOTFOUND: Invoice not found/);
  assertInvoiceError(() => normalizeInvoice({ code: 'FAIL', msg: 'bad sign' }), 'UNKNOWN_SHAPE', /provider said: FAIL: bad sign/);
});

test('copyText: a non-https or unsafe short URL falls back to qr_text', () => {
  assert.equal(normalizeInvoice({ ...composed, qPay_shortUrl: 'http://s.qpay.mn/x' }).copyText, composed.qr_text);
  assert.equal(normalizeInvoice({ ...composed, qPay_shortUrl: 'javascript:alert(1)' }).copyText, composed.qr_text);
  assert.equal(normalizeInvoice({ ...composed, qPay_shortUrl: 7 }).copyText, composed.qr_text);
});

test('isBase64Png: the real qr_image and its wrapped form', () => {
  assert.equal(isBase64Png(created.qr_image), true);
  const wrapped = created.qr_image.replace(/(.{76})/g, '$1\r\n');
  assert.equal(isBase64Png(wrapped), true, 'MIME-style line breaks are tolerated');
  assert.equal(compactBase64Png(wrapped), created.qr_image, 'and removed');
  // A 30 KB image: the whole text is checked, not just its head.
  assert.equal(created.qr_image.length % 4, 0);
  const big = created.qr_image + 'AAAA'.repeat(5_000);
  assert.ok(big.length > 29_000);
  assert.equal(isBase64Png(big), true);
  assert.equal(isBase64Png(`${big.slice(0, 20_000)}!${big.slice(20_001)}`), false, 'a bad character deep inside');
  assert.equal(isBase64Png(`${big.slice(0, 20_000)}=${big.slice(20_001)}`), false, 'padding in the middle');
});

test('isBase64Png rejects prefixes, bad padding, bad alphabet and other formats', () => {
  const png = created.qr_image;
  const bad: unknown[] = [
    `data:image/png;base64,${png}`, // a data: URL, not raw base64
    png.slice(0, -1), // length not a multiple of 4
    `${png}=`, // stray padding
    `${png.slice(0, -4)}A=AA`, // padding before the end
    png.replace(/\+/g, '-').replace(/\//g, '_'), // base64url alphabet
    'iVBORw0KGgo=', // the signature alone
    'iVBORw0KGgoAAAANSUhEUgAA'.slice(0, 20),
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgH', // JPEG
    'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', // GIF
    'iVBORw0KGgoAAAANSUhFUgAA', // PNG signature, first chunk not IHDR
    '',
    null,
    undefined,
    42,
    {},
    ['iVBORw0KGgo'],
  ];
  for (const value of bad) assert.equal(isBase64Png(value), false, String(value).slice(0, 40));
  assert.equal(isBase64Png('iVBORw0KGgoAAAANSUhEUgAA'), true, 'signature + IHDR is the minimum');
});

test('parseBankList reads NSPK c2bmembers.json', () => {
  const raw = fixture('nspk-c2bmembers.sample.json') as { dictionary: Json[] };
  const banks = parseBankList(raw);
  assert.equal(banks.length, raw.dictionary.length);
  assert.deepEqual(banks[0], { name: 'Сбербанк', logo: 'https://qr.nspk.ru/proxyapp/logo/bank100000000111.png', schema: 'bank100000000111' });
  assert.equal(banks[2]!.schema, 'bank110000000005', 'the schema is taken as given, even when the logo number differs');
  assert.deepEqual(parseBankList(raw.dictionary), banks, 'the bare array works too');
});

test('parseBankList drops entries with a bad schema or name and repeated schemas', () => {
  const banks = parseBankList({
    version: '1.0',
    dictionary: [
      { bankName: 'Good', schema: 'bank1', logoURL: 'http://insecure.example/x.png' },
      { bankName: 'Script', schema: 'javascript' },
      { bankName: 'Data', schema: 'DATA' },
      { bankName: 'Spaces', schema: 'bank 2' },
      { bankName: 'Full URL', schema: 'bank3://x' },
      { bankName: 'Digit first', schema: '1bank' },
      { bankName: 'No schema' },
      { bankName: '', schema: 'bank4' },
      { bankName: 'Again', schema: 'BANK1' },
      null,
      'bank5',
      { bankName: 'Last', schema: 'bank6', logoURL: 'https://qr.nspk.ru/proxyapp/logo/bank6.png' },
    ],
  });
  assert.deepEqual(banks, [
    { name: 'Good', schema: 'bank1' },
    { name: 'Last', schema: 'bank6', logo: 'https://qr.nspk.ru/proxyapp/logo/bank6.png' },
  ]);
  for (const value of [null, undefined, 'x', 42, {}, { dictionary: 'x' }]) assert.deepEqual(parseBankList(value), []);
});

test('sbpBankLinks builds one link per bank by NSPK scheme swap', () => {
  const codeUrl = 'https://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB';
  const banks = parseBankList(fixture('nspk-c2bmembers.sample.json'));
  const links = sbpBankLinks(codeUrl, banks);
  assert.equal(links.length, banks.length);
  assert.deepEqual(links[0], {
    name: 'Сбербанк',
    logo: 'https://qr.nspk.ru/proxyapp/logo/bank100000000111.png',
    link: 'bank100000000111://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB',
  });
  assert.deepEqual(sbpBankLinks('javascript:alert(1)', banks), []);
  assert.deepEqual(sbpBankLinks(codeUrl, [{ name: 'x', schema: 'javascript' }]), []);
});
