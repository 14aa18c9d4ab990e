// The phone layout's bank list is a lazily loaded module. When it cannot be loaded (a flaky network),
// the customer can still pay with the QR: it shows instead, and the page hears a non-fatal qpay-error.
// Its own test file: the module cache is per page, so a test that loaded the module would hide the failure.
import { expect, fixture, html } from '@open-wc/testing';
import { http, HttpResponse } from 'msw';
import { qpayInvoice } from './helpers/fixtures.js';
import { useMockServer, worker } from './helpers/msw.js';
import { part, parts, recordEvents, statusText, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent } from '../../src/element/index.js';

useMockServer();

describe('<qpay-checkout> bank list that fails to load', () => {
  it('shows the QR instead and reports a non-fatal qpay-error', async () => {
    worker.use(http.get(/\/bank-list\.[jt]s/, () => HttpResponse.error()));
    const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
    const invoice = await qpayInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${invoice}></qpay-checkout>`);
    expect(errors.map((e) => e.detail.fatal)).to.deep.equal([false]);
    expect(el.dataset['state']).to.equal('waiting');
    expect(statusText(el)).to.equal('Waiting for payment…');
    expect(part(el, 'qr')!.getAttribute('src')).to.equal(`data:image/png;base64,${invoice.qr_image}`);
    expect(parts(el, 'bank')).to.have.length(0);
  });
});
