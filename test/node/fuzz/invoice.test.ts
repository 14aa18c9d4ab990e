// Fuzz: normalizeInvoice. Whatever the merchant's server passes on, the result is an InvoiceError or a
// view in which every link is allowlisted, every text is plain (no control characters) and capped,
// and every number is finite; never another exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { InvoiceError, MAX_EXPIRY_AHEAD_MS, normalizeInvoice } from '../../../src/core/invoice.js';
import { safeHttpsUrl, safeLink, safeSbpUrl } from '../../../src/core/links.js';
import { check, hostileString } from './settings.js';

/** Small JSON values: deep ones only cost time here (the parsers never recurse into them). */
const json = () => fc.jsonValue({ maxDepth: 1 });

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const qpay = fixture('invoice-create-response.json');
const tbank = fixture('tbank-qrpay-response.json');
const hostile = fixture('hostile-corpus.json') as { links: string[]; names: string[] };
const NOW = Date.UTC(2026, 0, 1);

const anyLink = fc.oneof(fc.constantFrom(...hostile.links, ...qpay.urls.map((u: { link: string }) => u.link)), hostileString(40), fc.webUrl());
const anyText = fc.oneof(fc.constantFrom(...hostile.names), hostileString(120), fc.integer(), fc.double(), json());
const bank = fc.record({ name: anyText, description: anyText, logo: anyLink, link: anyLink }, { requiredKeys: [] });
const invoice = fc.record(
  {
    invoice_id: fc.oneof(fc.constantFrom(qpay.invoice_id, '  x  ', '', '../..', 'a\u0000b'), fc.integer(), hostileString(300), json()),
    outTradeNo: fc.oneof(fc.constant(tbank.outTradeNo), hostileString(20)),
    codeUrl: fc.oneof(fc.constant(tbank.codeUrl), anyLink),
    qr_text: fc.oneof(fc.constant(qpay.qr_text), hostileString(60), json()),
    qr_image: fc.oneof(fc.constant(qpay.qr_image), fc.constant(qpay.qr_image.slice(0, 64)), fc.base64String({ maxLength: 64 }), hostileString(20)),
    qPay_shortUrl: anyLink,
    urls: fc.oneof(fc.array(bank, { maxLength: 4 }), json()),
    amount: fc.oneof(fc.double(), fc.constantFrom('100', '1e400', '-1', 'NaN', '25000.50'), json()),
    totalAmount: fc.oneof(fc.constantFrom('10000.05', '-5', 'abc'), fc.double()),
    currency: fc.oneof(fc.constantFrom('MNT', 'rub', '643', 'ṀNT', 'XXXX'), json()),
    merchant_name: anyText,
    merchantName: anyText,
    description: anyText,
    expires_at: fc.oneof(
      fc.constantFrom('9999-12-31T23:59:59Z', '2026-01-01T00:30:00Z', '2026-01-01T00:30:00', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z'),
      fc.date({ noInvalidDate: false }),
      fc.date().map((date) => date.toISOString()),
      json(),
    ),
  },
  { requiredKeys: [] },
);
const input = fc.oneof(invoice, invoice.map((value) => JSON.stringify(value)), json(), hostileString(40));

const CONTROL = /[\u0000-\u001F\u007F]/;

test('normalizeInvoice: an InvoiceError or a view with only safe links, plain capped texts and finite numbers', (t) => {
  check(
    t,
    fc.property(input, (raw) => {
      let view;
      try {
        view = normalizeInvoice(raw, NOW);
      } catch (error) {
        assert.ok(error instanceof InvoiceError, `not an InvoiceError: ${String(error)}`);
        assert.ok(error.message.length > 0 && error.code);
        return;
      }
      assert.ok(typeof view.id === 'string' && view.id.length > 0 && view.id.length <= 256 && !CONTROL.test(view.id));
      for (const b of view.banks) {
        assert.equal(safeLink(b.link), b.link);
        assert.ok(b.name && b.name.length <= 100 && !CONTROL.test(b.name));
        if (b.logo !== undefined) assert.equal(safeHttpsUrl(b.logo), b.logo);
        if (b.description !== undefined) assert.ok(!CONTROL.test(b.description));
      }
      if (view.primaryLink !== undefined) assert.equal(safeSbpUrl(view.primaryLink), view.primaryLink);
      if (view.qr.kind === 'image') assert.match(view.qr.base64Png, /^iVBORw0KGg[A-Za-z0-9+/]*={0,2}$/);
      const text = view.qr.kind === 'text' ? view.qr.text : view.qr.text;
      if (text !== undefined) assert.ok(text.length > 0 && text.length <= 2048 && !CONTROL.test(text));
      for (const shown of [view.merchant, view.description, view.copyText]) {
        if (shown !== undefined) assert.ok(typeof shown === 'string' && shown.length <= 2048 && !CONTROL.test(shown), JSON.stringify(shown));
      }
      if (view.amount !== undefined) assert.ok(Number.isFinite(view.amount) && view.amount >= 0);
      if (view.currency !== undefined) assert.match(view.currency, /^[A-Z]{3}$/);
      if (view.expiresAt !== undefined) assert.ok(Number.isFinite(view.expiresAt) && view.expiresAt - NOW <= MAX_EXPIRY_AHEAD_MS);
    }),
  );
});
