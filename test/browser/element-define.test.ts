// Registration: the class entry has no side effects; define.js registers once and tolerates repeats.
import { expect, fixture, html } from '@open-wc/testing';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import { QPayCheckoutElement } from '../../src/element/index.js';
import { qpayInvoice } from './helpers/fixtures.js';

describe('<qpay-checkout> registration', () => {
  it('importing the class entry registers nothing', () => {
    expect(QPayCheckoutElement).to.be.a('function');
    expect(customElements.get('qpay-checkout')).to.equal(undefined);
  });

  it('define.js registers qpay-checkout on import; defining again is a no-op; other tags work too', async () => {
    const { defineQPayCheckout } = await import('../../src/element/define.js');
    expect(customElements.get('qpay-checkout')).to.equal(QPayCheckoutElement);
    expect(defineQPayCheckout()).to.equal(QPayCheckoutElement);

    const ShopCheckout = defineQPayCheckout('shop-checkout');
    expect(customElements.get('shop-checkout')).to.equal(ShopCheckout);
    expect(ShopCheckout.prototype).to.be.instanceOf(QPayCheckoutElement);
    const tag = unsafeStatic('shop-checkout');
    const el = await fixture<QPayCheckoutElement>(staticHtml`<${tag} mode="desktop" .invoice=${await qpayInvoice()}></${tag}>`);
    expect(el.shadowRoot!.querySelector('[part~="qr"]')!.tagName).to.equal('IMG');
  });

  it('the main entry registers and exports the same class', async () => {
    const main = await import('../../src/index.js');
    expect(main.QPayCheckoutElement).to.equal(QPayCheckoutElement);
    expect(customElements.get('qpay-checkout')).to.equal(QPayCheckoutElement);
    const el = await fixture(html`<qpay-checkout></qpay-checkout>`);
    expect(el).to.be.instanceOf(QPayCheckoutElement);
  });
});
