// Lazily loaded parts that fail to load (a flaky network) must not cost the customer the payment:
// without the phone bank list the QR shows instead; without the English texts Mongolian shows.
// Both report a non-fatal qpay-error. Its own test file: the module cache is per page, so a test
// that loaded these modules would hide the failures.
import { expect, fixture, html } from '@open-wc/testing';
import { http, HttpResponse } from 'msw';
import { qpayInvoice } from './helpers/fixtures.js';
import { useMockServer, worker } from './helpers/msw.js';
import { part, parts, recordEvents, statusText, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent } from '../../src/element/index.js';

useMockServer();

describe('<qpay-checkout> lazy modules that fail to load', () => {
  it('without the bank list module a phone shows the QR and reports a non-fatal qpay-error', async () => {
    worker.use(http.get(/\/bank-list\.[jt]s/, () => HttpResponse.error()));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const invoice = await qpayInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
    expect(errors.map((e) => e.detail.fatal)).to.deep.equal([false]);
    expect(el.dataset['state']).to.equal('waiting');
    expect(statusText(el)).to.equal('Төлбөр хүлээж байна…');
    expect(part(el, 'qr')!.getAttribute('src')).to.equal(`data:image/png;base64,${invoice.qr_image}`);
    expect(parts(el, 'bank')).to.have.length(0);
  });

  it('without the English texts shows Mongolian and reports a non-fatal qpay-error', async () => {
    worker.use(http.get(/\/i18n\/en\.[jt]s/, () => HttpResponse.error()));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${await qpayInvoice()}></qpay-checkout>`);
    expect(errors.map((e) => e.detail.fatal)).to.deep.equal([false]);
    expect(statusText(el)).to.equal('Төлбөр хүлээж байна…');
    expect(part(el, 'qr')!.tagName).to.equal('IMG');
  });
});
