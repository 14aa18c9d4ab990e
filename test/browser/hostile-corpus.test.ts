// The hostile corpus (test/fixtures/hostile-corpus.json) rendered in Chromium, at a desktop and a
// phone viewport (with the layout each gets): no hostile link becomes an href, no hostile name becomes
// markup or runs script, every hostile invoice is a fatal InvoiceError with its code, and no hostile
// status answer is a PAID (each is the poll fault the corpus names). Every bug found adds its input
// to the corpus, so this file grows with it.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { loadFixture, qpayInvoice } from './helpers/fixtures.js';
import { statusEndpoint, useMockServer, HttpResponse } from './helpers/msw.js';
import { recordEvents, root, type QPayCheckoutElement } from './helpers/element.js';
import type { QPayErrorEvent, QPayPaidEvent } from '../../src/element/index.js';
import type { InvoiceError } from '../../src/core/invoice.js';
import type { PollError } from '../../src/core/poller.js';

useMockServer();

interface Corpus {
  links: string[];
  names: string[];
  invoices: { why: string; code: string; invoice: Record<string, unknown> }[];
  statuses: { why: string; kind: string; answer?: unknown; text?: string; padTo?: number }[];
}

declare global {
  interface Window {
    __pwned?: unknown;
  }
}

/** Elements and attributes that would mean hostile text became markup. */
const UNSAFE = 'script, iframe, object, embed, img[src="x"], svg[onload], [onerror], [onload], [onclick], b';
const ALLOWED_HREF = /^(https:\/\/[^@\s]+|[a-z][a-z0-9.-]*:\/\/.*)$/i;

const VIEWPORTS = [
  { name: 'desktop', mode: 'desktop', width: 1280, height: 800 },
  { name: 'phone', mode: 'mobile', width: 390, height: 844 },
] as const;

describe('<qpay-checkout> hostile corpus', () => {
  let corpus: Corpus;
  let qrText: string;
  let qrImage: string;
  before(async () => {
    corpus = await loadFixture<Corpus>('hostile-corpus.json');
    ({ qr_text: qrText, qr_image: qrImage } = await qpayInvoice());
  });
  after(() => setViewport({ width: 800, height: 600 }));

  for (const viewport of VIEWPORTS) {
    describe(viewport.name, () => {
      beforeEach(() => setViewport({ width: viewport.width, height: viewport.height }));

      it('renders hostile bank links and names: no hostile href, no markup, no script, one safe bank left', async () => {
        const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
        const urls = corpus.links.map((link, i) => ({ name: corpus.names[i % corpus.names.length], description: corpus.names[(i + 1) % corpus.names.length], logo: link, link }));
        urls.push({ name: corpus.names[0]!, description: corpus.names[1]!, logo: 'https://qpay.mn/q/logo/khanbank.png', link: 'khanbank://q?qPay_QRcode=1' });
        const invoice = { invoice_id: 'hostile-links', qr_text: qrText, qr_image: qrImage, urls, merchant_name: corpus.names[0], description: corpus.names[2] };
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${viewport.mode} lang="en" .invoice=${invoice}></qpay-checkout>`);
        await el.updateComplete;
        expect(el.state).to.equal('waiting');
        const hrefs = [...root(el).querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
        for (const href of hrefs) {
          expect(href).to.match(ALLOWED_HREF);
          expect(corpus.links).not.to.include(href);
        }
        if (viewport.mode === 'mobile') expect(hrefs).to.deep.equal(['khanbank://q?qPay_QRcode=1']);
        expect(root(el).querySelector(UNSAFE)).to.equal(null);
        const logos = [...root(el).querySelectorAll('img')].map((img) => img.getAttribute('src') ?? '');
        for (const src of logos) expect(src).to.match(/^(https:\/\/qpay\.mn\/|data:image\/png;base64,)/);
        // Names are text: the merchant's markup shows as its characters.
        expect(root(el).textContent).to.include('<img src=x onerror=');
        expect(window.__pwned).to.equal(undefined);
        expect(errors.filter((e) => e.detail.fatal)).to.have.length(0);
        // The card stays within the viewport's width, however long a name is.
        expect(el.getBoundingClientRect().width).to.be.at.most(viewport.width);
      });

      it('refuses every hostile invoice with a fatal InvoiceError carrying its code', async () => {
        for (const { why, code, invoice } of corpus.invoices) {
          const raw = JSON.parse(JSON.stringify(invoice).replaceAll('PLACEHOLDER_QR_TEXT', qrText));
          const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
          const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode=${viewport.mode} lang="en" .invoice=${raw}></qpay-checkout>`);
          await el.updateComplete;
          expect(el.state, why).to.equal('error');
          expect(errors, why).to.have.length(1);
          const error = errors[0]!.detail.error as InvoiceError;
          expect(errors[0]!.detail.fatal, why).to.equal(true);
          expect([error.name, error.code], why).to.deep.equal(['InvoiceError', code]);
          expect(root(el).querySelector(`a, ${UNSAFE}`), why).to.equal(null);
          expect(window.__pwned, why).to.equal(undefined);
        }
      });

      it('never takes a hostile status answer for a PAID: each is the poll fault the corpus names', async () => {
        for (const { why, kind, answer, text, padTo } of corpus.statuses) {
          const body = text ?? JSON.stringify(answer);
          const padded = padTo ? body.padEnd(padTo, ' ') : body;
          const endpoint = statusEndpoint(() => new HttpResponse(padded, { headers: { 'content-type': 'application/json' } }));
          const errors = recordEvents<QPayErrorEvent>(document, 'qpay-error');
          const paid = recordEvents<QPayPaidEvent>(document, 'qpay-paid');
          const invoice = await qpayInvoice(); // 100 MNT by its qr_text
          const el = await fixture<QPayCheckoutElement>(
            html`<qpay-checkout mode=${viewport.mode} lang="en" poll-interval="60000" status-url=${endpoint.url} .invoice=${invoice}></qpay-checkout>`,
          );
          await waitUntil(() => errors.length === 1, `${why}: no qpay-error`);
          expect((errors[0]!.detail.error as PollError).kind, why).to.equal(kind);
          expect(errors[0]!.detail.fatal, why).to.equal(false);
          expect(paid, why).to.have.length(0);
          expect(el.state, why).to.equal('waiting');
          expect(window.__pwned, why).to.equal(undefined);
          el.remove();
        }
      });
    });
  }
});
