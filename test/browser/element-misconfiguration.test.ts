// Misconfiguration is loud: the element warns the shop's developer once, in the console, naming the attribute.
import { expect, fixture, html } from '@open-wc/testing';
import { qpayInvoice } from './helpers/fixtures.js';
import { quiet, waitForState, type QPayCheckoutElement } from './helpers/element.js';

/** Records console.warn calls about `el` (the element is the warning's second argument) while the test runs. */
function recordWarnings(): { about(el: Element): string[]; restore(): void } {
  const calls: unknown[][] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void calls.push(args);
  return {
    about: (el) => calls.filter((args) => args[1] === el).map((args) => String(args[0])),
    restore: () => void (console.warn = original),
  };
}

describe('<qpay-checkout> misconfiguration warnings', () => {
  let warnings: ReturnType<typeof recordWarnings>;
  beforeEach(() => (warnings = recordWarnings()));
  afterEach(() => warnings.restore());

  it('no invoice and no invoice-url a moment after the page loaded: one warning naming both; not for an invoice set late', async function () {
    this.timeout(8000);
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en"></qpay-checkout>`);
    const late = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" mode="desktop"></qpay-checkout>`);
    await quiet(500);
    // A framework that sets the invoice property half a second in makes no mistake.
    late.invoice = await qpayInvoice();
    await quiet(200);
    expect(warnings.about(el), 'not before the grace time').to.deep.equal([]);
    await quiet(1300);
    const said = warnings.about(el);
    expect(said).to.have.length(1);
    expect(said[0]).to.match(/^qpay-checkout: neither invoice nor invoice-url is set/);
    expect(warnings.about(late)).to.deep.equal([]);
    // Moved in the page (connected again): still said once.
    el.parentElement!.append(el);
    await quiet(1700);
    expect(warnings.about(el)).to.have.length(1);
  });

  describe('phone layout', () => {
    let removed: Element[] = [];
    beforeEach(() => {
      removed = [...document.querySelectorAll('meta[name="viewport"]')];
      removed.forEach((meta) => meta.remove());
    });
    afterEach(() => {
      document.querySelectorAll('meta[data-test-viewport]').forEach((meta) => meta.remove());
      document.head.append(...removed);
    });

    it('on a page without a viewport meta: one warning naming the viewport meta and mode; none on a desktop or with the meta', async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" mode="mobile" .invoice=${await qpayInvoice()}></qpay-checkout>`);
      const desktop = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" mode="desktop" .invoice=${await qpayInvoice()}></qpay-checkout>`);
      await waitForState(el, 'waiting');
      el.setAttribute('lang', 'ru');
      await el.updateComplete;
      const said = warnings.about(el);
      expect(said).to.have.length(1);
      expect(said[0]).to.match(/^qpay-checkout: the phone layout \(mode="mobile"/);
      expect(said[0]).to.contain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(warnings.about(desktop)).to.deep.equal([]);

      const meta = Object.assign(document.createElement('meta'), { name: 'viewport', content: 'width=device-width, initial-scale=1' });
      meta.dataset['testViewport'] = '';
      document.head.append(meta);
      const phone = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" mode="mobile" .invoice=${await qpayInvoice()}></qpay-checkout>`);
      await waitForState(phone, 'waiting');
      expect(warnings.about(phone)).to.deep.equal([]);
    });
  });
});
