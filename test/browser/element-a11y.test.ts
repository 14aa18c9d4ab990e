// axe finds no violations in any state, on desktop and on phones; controls work from the keyboard.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { isoIn, nspkBanks, qpayComposedInvoice, qpayInvoice, tbankInvoice } from './helpers/fixtures.js';
import { HttpResponse, invoiceEndpoint, never, statusEndpoint, statusSequence, useMockServer } from './helpers/msw.js';
import { emulateMedia } from '@web/test-runner-commands';
import { decodeDrawnQr, part, parts, root, waitForState, type QPayCheckoutElement } from './helpers/element.js';

useMockServer();

for (const mode of ['desktop', 'mobile'] as const) {
  describe(`<qpay-checkout> accessibility (${mode})`, () => {
    it('loading', async () => {
      const invoices = invoiceEndpoint(() => never());
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${mode} invoice-url=${invoices.url}></qpay-checkout>`);
      await waitForState(el, 'loading');
      await expect(el).to.be.accessible();
    });

    it('waiting, QPay with logos, timer and amount', async () => {
      const invoice = { ...(await qpayComposedInvoice()), expires_at: isoIn(10 * 60 * 1000), amount: 100, currency: 'MNT' };
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${mode} lang="en" .invoice=${invoice}></qpay-checkout>`);
      await waitForState(el, 'waiting');
      expect(part(el, 'timer')).to.exist;
      if (mode === 'mobile') {
        root(el).querySelector<HTMLButtonElement>('button[aria-controls="qr-panel"]')!.click();
        await el.updateComplete;
      }
      // Its qr_image is unusable: wait for the drawn QR, so axe checks it too.
      await waitUntil(() => root(el).querySelector('svg[part~="qr"]'), 'the QR was not drawn');
      await expect(el).to.be.accessible();
    });

    it('waiting, TBank SBP with the bank search', async () => {
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout mode=${mode} lang="ru" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`,
      );
      await waitForState(el, 'waiting');
      await expect(el).to.be.accessible();
    });

    it('paid', async () => {
      const status = statusEndpoint(statusSequence('PAID'));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout mode=${mode} status-url=${status.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitForState(el, 'paid');
      await expect(el).to.be.accessible();
    });

    it('expired', async () => {
      const invoice = { ...(await qpayInvoice()), expires_at: isoIn(-1) };
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${mode} .invoice=${invoice}></qpay-checkout>`);
      await waitForState(el, 'expired');
      await expect(el).to.be.accessible();
    });

    it('failed', async () => {
      const status = statusEndpoint(statusSequence('FAILED'));
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout mode=${mode} status-url=${status.url} .invoice=${await qpayInvoice()}></qpay-checkout>`,
      );
      await waitForState(el, 'failed');
      await expect(el).to.be.accessible();
    });

    it('error, with the retry button', async () => {
      const invoices = invoiceEndpoint(() => new HttpResponse(null, { status: 500 }));
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${mode} invoice-url=${invoices.url}></qpay-checkout>`);
      await waitForState(el, 'error');
      expect(root(el).querySelector('button')).to.exist;
      await expect(el).to.be.accessible();
    });
  });
}

describe('<qpay-checkout> keyboard', () => {
  it('reaches bank links, the QR toggle and the copy button with Tab order; Enter/Space work on buttons', async () => {
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${await qpayInvoice()}></qpay-checkout>`);
    const focusable = [...root(el).querySelectorAll<HTMLElement>('a[href], button, input')];
    expect(focusable.length).to.be.greaterThan(10);
    for (const control of focusable) {
      expect(control.tabIndex, control.outerHTML).to.equal(0);
      control.focus();
      expect(root(el).activeElement).to.equal(control);
    }
    const toggle = root(el).querySelector<HTMLButtonElement>('button[aria-controls="qr-panel"]')!;
    expect(toggle.type).to.equal('button');
  });
});

describe('<qpay-checkout> user preferences', () => {
  afterEach(() => emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' }));

  it('dark colour scheme: dark card, the QR still dark on white, and axe passes', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const invoice = await qpayComposedInvoice();
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
    await waitUntil(() => root(el).querySelector('svg[part~="qr"]'), 'the QR was not drawn');
    const card = root(el).querySelector('.card')!;
    expect(getComputedStyle(card).backgroundColor).to.equal('rgb(27, 27, 31)');
    const frame = root(el).querySelector('.qr-frame')!;
    expect(getComputedStyle(frame).backgroundColor).to.equal('rgb(255, 255, 255)');
    expect(await decodeDrawnQr(el)).to.equal(invoice.qr_text);
    await expect(el).to.be.accessible();
  });

  it('merchant colours through --qpay-* custom properties', async () => {
    const el = await fixture<QPayCheckoutElement>(
      html`<qpay-checkout style="--qpay-color-background: rgb(1, 2, 3); --qpay-qr-size: 123px" .invoice=${await qpayInvoice()}></qpay-checkout>`,
    );
    expect(getComputedStyle(root(el).querySelector('.card')!).backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(root(el).querySelector('.qr-frame')!.getBoundingClientRect().width).to.equal(123);
    const qr = part(el, 'qr')!.getBoundingClientRect();
    expect([qr.width, qr.height]).to.deep.equal([123, 123]);
  });

  it('the phone layout is styled once its module loads: the SBP link on the accent colour, bank tiles', async () => {
    const el = await fixture<QPayCheckoutElement>(
      html`<qpay-checkout mode="mobile" style="--qpay-color-accent: rgb(4, 5, 6)" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`,
    );
    const [primary, firstBank] = parts(el, 'bank');
    expect(getComputedStyle(primary!).backgroundColor).to.equal('rgb(4, 5, 6)');
    expect(getComputedStyle(primary!).textDecorationLine).to.equal('none');
    // A tile: the logo above the name.
    expect(getComputedStyle(firstBank!).flexDirection).to.equal('column');
    expect(getComputedStyle(firstBank!).textDecorationLine).to.equal('none');
    expect(getComputedStyle(firstBank!.querySelector('img')!).objectFit).to.equal('contain');
  });

  it('dark colour scheme on a phone: tiles on the dark surface, axe passes with logos and initials', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="mn" .invoice=${await qpayComposedInvoice()}></qpay-checkout>`);
    const [tile] = parts(el, 'bank');
    expect(getComputedStyle(tile!).backgroundColor).to.equal('rgb(42, 43, 49)');
    expect(getComputedStyle(tile!).color).to.equal('rgb(230, 230, 235)');
    await waitUntil(() => getComputedStyle(tile!.querySelector('.logo')!, '::before').visibility === 'visible', 'no initials');
    await expect(el).to.be.accessible();
  });

  it('reduced motion: the spinner does not spin', async () => {
    const invoices = invoiceEndpoint(() => never());
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout invoice-url=${invoices.url}></qpay-checkout>`);
    await waitForState(el, 'loading');
    const spinner = root(el).querySelector('.spinner')!;
    expect(getComputedStyle(spinner).animationName).to.equal('qpay-spin');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(getComputedStyle(spinner).animationName).to.equal('none');
  });
});
