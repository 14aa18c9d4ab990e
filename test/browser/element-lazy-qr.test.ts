// The QR encoder is a separate module loaded only when a QR has to be drawn. This file must stay
// its own test file: the module cache is per page, so another test drawing a QR would hide a leak.
import { expect, fixture, html } from '@open-wc/testing';
import { qpayComposedInvoice, qpayInvoice } from './helpers/fixtures.js';
import { decodeDrawnQr, part, type QPayCheckoutElement } from './helpers/element.js';

function loadedModules(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname)
    .filter((path) => /qr-draw|\/qrcode\//.test(path));
}

describe('<qpay-checkout> lazy QR encoder', () => {
  it('an invoice with a usable qr_image, on desktop and phone, never loads the encoder', async () => {
    const invoice = await qpayInvoice();
    const desktop = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" .invoice=${invoice}></qpay-checkout>`);
    expect(part(desktop, 'qr')!.tagName).to.equal('IMG');
    const phone = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
    phone.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-controls="qr-panel"]')!.click();
    await phone.updateComplete;
    expect(part(phone, 'qr')!.tagName).to.equal('IMG');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(loadedModules()).to.deep.equal([]);
  });

  it('an invoice that needs a drawn QR loads it (so the check above can see it)', async () => {
    const invoice = await qpayComposedInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" .invoice=${invoice}></qpay-checkout>`);
    expect(await decodeDrawnQr(el)).to.equal(invoice.qr_text);
    expect(loadedModules().some((path) => path.includes('qr-draw'))).to.equal(true);
  });
});
