// What <qpay-checkout> shows for each invoice shape, on phones and desktops, and what it never shows.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { nspkBanks, qpayComposedInvoice, qpayInvoice, tbankInvoice } from './helpers/fixtures.js';
import {
  decodeDrawnQr,
  part,
  parts,
  recordEvents,
  root,
  statusText,
  visibleText,
  waitForState,
  type QPayCheckoutElement,
} from './helpers/element.js';
import type { QPayBankSelectEvent, QPayErrorEvent } from '../../src/element/index.js';

/** The PNG's signature and IHDR chunk kept (so it looks like a PNG), everything after replaced by junk. */
function corruptPng(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const junk = new Uint8Array(33 + 300).fill(0xab);
  junk.set(bytes.subarray(0, 33));
  return btoa(String.fromCharCode(...junk));
}

describe('<qpay-checkout> rendering', () => {
  describe('QPay invoice', () => {
    it('shows the provider qr_image as a PNG <img> with alt text on desktop, and no deep links', async () => {
      const invoice = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
      const qr = part(el, 'qr') as HTMLImageElement;
      expect(qr.tagName).to.equal('IMG');
      expect(qr.getAttribute('src')).to.equal(`data:image/png;base64,${invoice.qr_image}`);
      expect(qr.alt).to.equal('Payment QR code');
      await waitUntil(() => qr.complete && qr.naturalWidth > 0, 'the PNG did not load');
      expect(root(el).querySelectorAll('a')).to.have.length(0);
      expect(parts(el, 'bank')).to.have.length(0);
      expect(el.dataset['layout']).to.equal('desktop');
      expect(el.dataset['state']).to.equal('waiting');
    });

    it('on a phone lists the 10 banks in order as plain links with safe hrefs, the QR one tap away', async () => {
      const invoice = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${invoice}></qpay-checkout>`);
      expect(el.dataset['layout']).to.equal('mobile');
      const links = parts(el, 'bank') as HTMLAnchorElement[];
      expect(links).to.have.length(10);
      expect(links.map((a) => a.textContent!.trim())).to.deep.equal(invoice.urls.map((u) => u.name));
      expect(links.map((a) => a.getAttribute('href'))).to.deep.equal(invoice.urls.map((u) => u.link));
      for (const link of links) {
        expect(link.tagName).to.equal('A');
        expect(link.getAttribute('href')).to.match(/^[a-z]+:\/\/q\?qPay_QRcode=/);
      }
      expect(part(el, 'banks')!.tagName).to.equal('UL');

      // The QR is hidden until asked for, for paying from another phone.
      expect(part(el, 'qr')).to.equal(null);
      const toggle = [...root(el).querySelectorAll('button')].find((b) => b.textContent!.includes('Show QR'))!;
      expect(toggle.getAttribute('aria-expanded')).to.equal('false');
      toggle.click();
      await el.updateComplete;
      expect(toggle.getAttribute('aria-expanded')).to.equal('true');
      expect(toggle.textContent!.trim()).to.equal('Hide QR code');
      expect(part(el, 'qr')!.tagName).to.equal('IMG');
    });

    it('draws qr_text when qr_image has a PNG signature but does not decode (issue 10)', async () => {
      const invoice = await qpayInvoice();
      invoice.qr_image = corruptPng(invoice.qr_image);
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
      expect(await decodeDrawnQr(el)).to.equal(invoice.qr_text);
      expect(root(el).querySelector('img[part~="qr"]')).to.equal(null);
      expect(el.state).to.equal('waiting');
      expect(errors, 'nothing to report: the customer has a QR').to.have.length(0);
    });

    it('a corrupt qr_image with no qr_text to fall back on is reported, not left as a broken image (issue 10)', async () => {
      const { qr_text: _, ...invoice } = await qpayInvoice();
      invoice.qr_image = corruptPng(invoice.qr_image);
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
      await waitUntil(() => errors.length === 1, 'no qpay-error');
      expect(errors[0]!.detail.fatal).to.equal(true);
      expect(errors[0]!.detail.error.message).to.match(/qr_image/);
      expect(el.state).to.equal('error');
      expect(root(el).querySelector('img[part~="qr"]')).to.equal(null);
    });

    it('shows bank logos as lazy, referrer-free decorative images', async () => {
      const invoice = await qpayComposedInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const logos = [...part(el, 'banks')!.querySelectorAll('img')];
      expect(logos).to.have.length(invoice.urls.length);
      logos.forEach((img, i) => {
        expect(img.getAttribute('src')).to.equal(invoice.urls[i]!.logo);
        expect(img.getAttribute('alt')).to.equal('');
        expect(img.getAttribute('loading')).to.equal('lazy');
        expect(img.getAttribute('referrerpolicy')).to.equal('no-referrer');
      });
    });

    it('draws the QR from qr_text when qr_image is not a valid PNG, and it decodes to exactly qr_text', async () => {
      const invoice = await qpayComposedInvoice(); // its qr_image is a truncated "iVBOR...T"
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
      expect(await decodeDrawnQr(el)).to.equal(invoice.qr_text);
      const svg = part(el, 'qr')!;
      expect(svg.getAttribute('role')).to.equal('img');
      expect(svg.getAttribute('aria-label')).to.equal('Payment QR code');
      expect(root(el).querySelector('img[part~="qr"]')).to.equal(null);
    });

    it('shows the amount, currency and merchant from the EMV tags of qr_text', async () => {
      const invoice = await qpayInvoice(); // qr_text: 54 = 100, 53 = 496 (MNT), 59 = TEST_MERCHANT
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" .invoice=${invoice}></qpay-checkout>`);
      const amount = part(el, 'amount')!.textContent!;
      expect(amount).to.include('100');
      expect(amount).to.include('₮');
      expect(visibleText(el)).to.include('TEST_MERCHANT');
    });

    it('prefers the merchant amount and description, formatted for the language', async () => {
      const invoice = { ...(await qpayInvoice()), amount: 15000, currency: 'MNT', description: 'Order #42' };
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" .invoice=${invoice}></qpay-checkout>`);
      expect(part(el, 'amount')!.textContent).to.match(/15,000/);
      expect(visibleText(el)).to.include('Order #42');
    });

    it('takes the invoice as a JSON attribute', async () => {
      const invoice = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" invoice=${JSON.stringify(invoice)}></qpay-checkout>`);
      expect(parts(el, 'bank')).to.have.length(10);
    });

    it('offers a copy button for qPay_shortUrl that says when it copied', async () => {
      const invoice = await qpayComposedInvoice();
      const copied: string[] = [];
      const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard');
      Object.defineProperty(navigator, 'clipboard', {
        configurable: true,
        value: { writeText: async (text: string) => void copied.push(text) },
      });
      try {
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${invoice}></qpay-checkout>`);
        const button = [...root(el).querySelectorAll('button')].find((b) => b.textContent!.includes('Copy payment link'))!;
        expect(button).to.exist;
        button.click();
        await waitUntil(() => visibleText(el).includes('Copied'), 'no "Copied" feedback');
        expect(copied).to.deep.equal([invoice.qPay_shortUrl]);
        const feedback = [...root(el).querySelectorAll('[role="status"]')].find((n) => n.textContent!.includes('Copied'));
        expect(feedback, 'the feedback is announced').to.exist;
      } finally {
        delete (navigator as { clipboard?: unknown }).clipboard;
        if (original) Object.defineProperty(Navigator.prototype, 'clipboard', original);
      }
    });

    it('has no copy button where the clipboard is unavailable', async () => {
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: undefined });
      try {
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang="en" .invoice=${await qpayInvoice()}></qpay-checkout>`);
        expect(visibleText(el)).to.include('Scan the QR code');
        expect(root(el).querySelectorAll('button')).to.have.length(0);
      } finally {
        delete (navigator as { clipboard?: unknown }).clipboard;
      }
    });
  });

  describe('TBank SBP invoice', () => {
    it('draws the codeUrl QR on desktop, with the amount and merchant, and no deep links', async () => {
      const invoice = await tbankInvoice();
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout mode="desktop" lang="ru" .invoice=${invoice} .banks=${await nspkBanks()}></qpay-checkout>`,
      );
      expect(await decodeDrawnQr(el)).to.equal(invoice.codeUrl);
      expect(root(el).querySelectorAll('a')).to.have.length(0);
      expect(part(el, 'amount')!.textContent).to.include('₽');
      expect(part(el, 'amount')!.textContent!.replace(/\s/g, '')).to.include('10000,05');
      expect(visibleText(el)).to.include(invoice.merchantName);
    });

    it('on a phone opens the default bank with codeUrl, then one schema link per NSPK bank', async () => {
      const invoice = await tbankInvoice();
      const banks = await nspkBanks();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="ru" .invoice=${invoice} .banks=${banks}></qpay-checkout>`);
      const links = parts(el, 'bank') as HTMLAnchorElement[];
      const [primary, ...bankLinks] = links;
      expect(primary!.getAttribute('href')).to.equal(invoice.codeUrl);
      expect(primary!.textContent!.trim()).to.equal('Открыть в приложении банка');
      expect(bankLinks.length).to.be.greaterThan(100);
      const first = banks.dictionary[0]!;
      expect(bankLinks[0]!.textContent!.trim()).to.equal(first.bankName);
      expect(bankLinks[0]!.getAttribute('href')).to.equal(invoice.codeUrl.replace(/^https/, first.schema));
      for (const link of bankLinks) {
        expect(link.getAttribute('href')).to.match(/^bank\d+:\/\/qr\.spb\.ru\/ax00856mbmgje4wiau38071$/);
      }
      // Order as given.
      const names = bankLinks.map((a) => a.textContent!.trim());
      const given = banks.dictionary.map((b) => b.bankName).filter((name) => names.includes(name));
      expect(names).to.deep.equal(given);
    });

    it('filters a long bank list by name, case-insensitively', async () => {
      const el = await fixture<QPayCheckoutElement>(
        html`<qpay-checkout mode="mobile" lang="en" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`,
      );
      const input = root(el).querySelector<HTMLInputElement>('input[type="search"]')!;
      expect(input, 'a search box for a long list').to.exist;
      expect(input.labels![0]!.textContent).to.include('Search banks');
      input.value = 'СБЕР';
      input.dispatchEvent(new Event('input'));
      await el.updateComplete;
      const names = parts(el, 'bank').slice(1).map((a) => a.textContent!.trim());
      expect(names).to.include('Сбербанк');
      expect(names.length).to.be.lessThan(5);
      for (const name of names) expect(name.toLowerCase()).to.include('сбер');
      // The primary link stays.
      expect(parts(el, 'bank')[0]!.getAttribute('href')).to.match(/^https:/);

      input.value = 'no such bank';
      input.dispatchEvent(new Event('input'));
      await el.updateComplete;
      expect(parts(el, 'bank')).to.have.length(1);
      expect(visibleText(el)).to.include('No bank found');
    });

    it('has no search box for a short bank list', async () => {
      const banks = await nspkBanks();
      banks.dictionary = banks.dictionary.slice(0, 5);
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${await tbankInvoice()} .banks=${banks}></qpay-checkout>`);
      expect(root(el).querySelector('input')).to.equal(null);
      expect(parts(el, 'bank')).to.have.length(6);
    });

    it('without banks shows only the primary link, and the QR on request', async () => {
      const invoice = await tbankInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${invoice}></qpay-checkout>`);
      expect(parts(el, 'bank').map((a) => a.getAttribute('href'))).to.deep.equal([invoice.codeUrl]);
      expect(part(el, 'banks')).to.equal(null);
      root(el).querySelector<HTMLButtonElement>('button[aria-controls="qr-panel"]')!.click();
      expect(await decodeDrawnQr(el)).to.equal(invoice.codeUrl);
    });
  });

  describe('safety', () => {
    const evil = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\u0000script:alert(1)',
      '&#106;avascript:alert(1)',
      'javascript&colon;alert(1)',
      '&#x6A;avascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'blob:https://evil.example/1234',
    ];

    it('never renders javascript:, data:, vbscript:, file: or blob: links, in any disguise', async () => {
      const invoice = await qpayInvoice();
      const good = invoice.urls[0]!;
      invoice.urls = [good, ...evil.map((link, i) => ({ name: `Evil ${i}`, description: '', logo: '', link }))];
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const hrefs = [...root(el).querySelectorAll('a')].map((a) => a.getAttribute('href'));
      expect(hrefs).to.deep.equal([good.link]);
      expect(visibleText(el)).not.to.include('Evil');
    });

    it('shows provider strings with markup as text only', async () => {
      const invoice = await qpayComposedInvoice();
      const markup = '<img src=x onerror="window.__pwned = 1">';
      invoice.urls[0]!.name = markup;
      invoice.description = '<b>bold</b><script>window.__pwned = 1</script>';
      invoice.merchant_name = '<svg onload="window.__pwned = 1">';
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      expect(parts(el, 'bank')[0]!.textContent!.trim()).to.equal(markup);
      expect(visibleText(el)).to.include('<b>bold</b><script>');
      expect(visibleText(el)).to.include('<svg onload=');
      expect(root(el).querySelector('img[src="x"], script, b, svg[onload]')).to.equal(null);
      expect((window as { __pwned?: unknown }).__pwned).to.equal(undefined);
    });

    it('drops a logo that is not https', async () => {
      const invoice = await qpayComposedInvoice();
      invoice.urls[0]!.logo = 'javascript:alert(1)';
      invoice.urls[1]!.logo = 'http://insecure.example/logo.png';
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const [first, second, third] = parts(el, 'bank');
      expect(first!.querySelector('img')).to.equal(null);
      expect(second!.querySelector('img')).to.equal(null);
      expect(third!.querySelector('img')!.getAttribute('src')).to.match(/^https:/);
    });

    it('reports an unusable invoice as a fatal qpay-error and shows the error state', async () => {
      const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout lang="en" invoice="{not json"></qpay-checkout>`);
      await waitForState(el, 'error');
      expect(errors).to.have.length(1);
      expect(errors[0]!.detail.fatal).to.equal(true);
      expect((errors[0]!.detail.error as Error & { code?: string }).code).to.equal('INVALID_JSON');
      expect(statusText(el)).to.equal('The payment could not be started.');
      expect(part(el, 'qr')).to.equal(null);

      el.invoice = { qr_text: 'no id here' };
      await waitUntil(() => errors.length === 2);
      expect(errors[1]!.detail.fatal).to.equal(true);
    });

    it('recovers when a good invoice replaces a bad one', async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" invoice="[]"></qpay-checkout>`);
      await waitForState(el, 'error');
      el.invoice = await qpayInvoice();
      await waitForState(el, 'waiting');
      expect(part(el, 'qr')!.tagName).to.equal('IMG');
    });
  });

  describe('bank selection', () => {
    it('fires a cancelable qpay-bank-select; preventDefault() stops the navigation', async () => {
      const invoice = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const selected: QPayBankSelectEvent[] = [];
      el.addEventListener('qpay-bank-select', (event) => {
        selected.push(event);
        event.preventDefault();
      });
      const link = parts(el, 'bank')[2] as HTMLAnchorElement;
      const click = new MouseEvent('click', { bubbles: true, cancelable: true, composed: true });
      link.dispatchEvent(click);
      expect(selected).to.have.length(1);
      expect(selected[0]!.detail).to.deep.equal({ name: invoice.urls[2]!.name, link: invoice.urls[2]!.link });
      expect(selected[0]!.bubbles && selected[0]!.composed && selected[0]!.cancelable).to.equal(true);
      expect(click.defaultPrevented, 'navigation stopped').to.equal(true);
    });

    it('lets the link navigate when the event is not canceled', async () => {
      const invoice = await qpayInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const selected = recordEvents<QPayBankSelectEvent>(el, 'qpay-bank-select');
      let preventedByElement: boolean | undefined;
      // Runs after the element's own handler; stops the real navigation so the test page stays.
      const observe = (event: Event) => {
        preventedByElement = event.defaultPrevented;
        event.preventDefault();
      };
      window.addEventListener('click', observe);
      try {
        parts(el, 'bank')[0]!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true }));
      } finally {
        window.removeEventListener('click', observe);
      }
      expect(selected).to.have.length(1);
      expect(preventedByElement).to.equal(false);
    });

    it('fires for the SBP primary link too, with an empty name', async () => {
      const invoice = await tbankInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const selected: QPayBankSelectEvent[] = [];
      el.addEventListener('qpay-bank-select', (event) => {
        selected.push(event);
        event.preventDefault();
      });
      parts(el, 'bank')[0]!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true }));
      expect(selected.map((e) => e.detail)).to.deep.equal([{ name: '', link: invoice.codeUrl }]);
    });
  });

  describe('languages and layout', () => {
    const expected = {
      mn: { waiting: 'Төлбөр хүлээж байна…', scan: 'Банкны аппаараа QR кодыг уншуулна уу' },
      en: { waiting: 'Waiting for payment…', scan: 'Scan the QR code with your bank app' },
      ru: { waiting: 'Ожидаем оплату…', scan: 'Отсканируйте QR-код в приложении банка' },
    } as const;

    for (const [lang, text] of Object.entries(expected)) {
      it(`speaks ${lang}`, async () => {
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" lang=${lang} .invoice=${await qpayInvoice()}></qpay-checkout>`);
        expect(statusText(el)).to.equal(text.waiting);
        expect(visibleText(el)).to.include(text.scan);
        expect(root(el).querySelector('.card')!.getAttribute('lang')).to.equal(lang);
        expect((part(el, 'qr') as HTMLImageElement).alt).to.equal(
          { mn: 'Төлбөрийн QR код', en: 'Payment QR code', ru: 'QR-код для оплаты' }[lang],
        );
      });
    }

    it('falls back to Mongolian without lang or for an unknown one, and follows lang changes', async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="desktop" .invoice=${await qpayInvoice()}></qpay-checkout>`);
      expect(statusText(el)).to.equal(expected.mn.waiting);
      el.setAttribute('lang', 'de');
      await el.updateComplete;
      expect(statusText(el)).to.equal(expected.mn.waiting);
      el.lang = 'en-GB';
      await el.updateComplete;
      expect(statusText(el)).to.equal(expected.en.waiting);
    });

    it('in auto mode picks the phone layout for a mobile user agent', async () => {
      const invoice = await qpayInvoice();
      const desktop = await fixture<QPayCheckoutElement>(html`<qpay-checkout .invoice=${invoice}></qpay-checkout>`);
      expect(desktop.dataset['layout']).to.equal('desktop'); // headless Chromium: fine pointer, desktop UA
      Object.defineProperty(navigator, 'userAgent', {
        configurable: true,
        value: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
      });
      try {
        const phone = await fixture<QPayCheckoutElement>(html`<qpay-checkout .invoice=${invoice}></qpay-checkout>`);
        expect(phone.dataset['layout']).to.equal('mobile');
        expect(parts(phone, 'bank')).to.have.length(10);
      } finally {
        delete (navigator as { userAgent?: unknown }).userAgent;
      }
    });
  });
});
