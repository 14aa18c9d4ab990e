// The hostile corpus (test/fixtures/hostile-corpus.json) against the pure core: every link refused,
// every hostile invoice refused with its code, every hostile status answer refused as a PAID.
// test/browser/hostile-corpus.test.ts renders the same corpus in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InvoiceError, normalizeInvoice } from '../../../src/core/invoice.js';
import { safeHttpsUrl, safeLink, safeSbpUrl } from '../../../src/core/links.js';
import { paidMismatch, parseStatus } from '../../../src/core/status.js';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const corpus = read('hostile-corpus.json') as {
  links: string[];
  names: string[];
  invoices: { why: string; code: string; invoice: Record<string, unknown> }[];
  statuses: { why: string; kind: string; answer?: unknown; text?: string; padTo?: number }[];
};
const qrText = (read('invoice-create-response.json') as { qr_text: string }).qr_text;

test('no hostile link passes any link check', () => {
  assert.ok(corpus.links.length >= 40);
  for (const link of corpus.links) {
    assert.equal(safeLink(link), null, link);
    assert.equal(safeSbpUrl(link), null, link);
    if (!/^https:/i.test(link)) assert.equal(safeHttpsUrl(link), null, link);
  }
});

test('hostile links and names in a QPay invoice: no link kept, names shown as plain capped text', () => {
  const urls = corpus.links.map((link, i) => ({ name: corpus.names[i % corpus.names.length], link, logo: link }));
  const view = normalizeInvoice({ invoice_id: 'hostile', qr_text: qrText, urls, merchant_name: corpus.names[0] });
  assert.deepEqual(view.banks, []);
  const named = normalizeInvoice({ invoice_id: 'hostile', qr_text: qrText, urls: corpus.names.map((name) => ({ name, link: 'khanbank://q' })) });
  for (const bank of named.banks) assert.ok(bank.name.length <= 100 && !/[\u0000-\u001F]/.test(bank.name), bank.name);
});

test('every hostile invoice is an InvoiceError with its code', () => {
  for (const { why, code, invoice } of corpus.invoices) {
    const raw = JSON.parse(JSON.stringify(invoice).replaceAll('PLACEHOLDER_QR_TEXT', qrText));
    assert.throws(() => normalizeInvoice(raw), (error) => error instanceof InvoiceError && error.code === code, why);
  }
});

test('no hostile status answer counts as a PAID of invoice hostile-invoice for 100', () => {
  for (const { why, kind, answer, text } of corpus.statuses) {
    if (kind === 'too-large') continue; // the poller's cap (test/node/core/poller.test.ts); the browser test sends it
    const body = answer ?? text;
    const status = parseStatus(body);
    const believed = status === 'PAID' && paidMismatch(body, { invoiceId: 'hostile-invoice', amount: 100 }) === null;
    assert.equal(believed, false, why);
    assert.equal(status === null, kind === 'malformed', `${why}: ${status}`);
  }
});
