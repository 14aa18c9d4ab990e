// The phone bank picker on phone-sized screens: the grid of tiles fits the first screen, names wrap
// between words, a logo that fails leaves the bank's initials, the last used bank comes first, and
// the SBP search forgives Cyrillic or Latin input.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { http, HttpResponse } from 'msw';
import { LAST_BANK_KEY } from '../../src/element/bank-list.js';
import { isoIn, loadFixture, nspkBanks, qpayInvoice, tbankInvoice, type QPayInvoice } from './helpers/fixtures.js';
import { useMockServer, worker } from './helpers/msw.js';
import { decodeDrawnQr, part, parts, root, statusText, type QPayCheckoutElement } from './helpers/element.js';

useMockServer();

const PHONES = [
  { name: 'iPhone 13', width: 390, height: 664 },
  { name: 'small Android', width: 360, height: 640 },
];

/** QPay's invoice with the 23 banks of a real invoice, an amount and an expiry, as a shop passes it. */
async function qpay23Banks(): Promise<QPayInvoice> {
  const urls = await loadFixture<QPayInvoice['urls']>('qpay-invoice-urls.23banks.json');
  return { ...(await qpayInvoice()), urls, amount: 25000, currency: 'MNT', expires_at: isoIn(10 * 60 * 1000) };
}

const tiles = (el: QPayCheckoutElement): HTMLAnchorElement[] => [...part(el, 'banks')!.querySelectorAll<HTMLAnchorElement>('a[part~="bank"]')];
const tileNames = (el: QPayCheckoutElement): string[] => tiles(el).map((tile) => tile.textContent!.trim());
const tileNamed = (el: QPayCheckoutElement, name: string): HTMLAnchorElement => tiles(el).find((tile) => tile.textContent!.trim() === name)!;

/** Words of a tile's name laid out on more than one line, or past the tile's edges. */
function brokenWords(tile: HTMLElement): string[] {
  const name = tile.querySelector('.name')!;
  const text = [...name.childNodes].find((node): node is Text => node instanceof Text && node.data.trim() !== '')!;
  const box = tile.getBoundingClientRect();
  const broken: string[] = [];
  // Words as a reader sees them: a line may end after a hyphen ("Азиатско-" / "Тихоокеанский").
  for (const match of text.data.matchAll(/[^\s-]+-?/g)) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    const rect = range.getBoundingClientRect();
    if (lines.size !== 1 || rect.left < box.left - 0.5 || rect.right > box.right + 0.5) broken.push(match[0]);
  }
  return broken;
}

async function searchFor(el: QPayCheckoutElement, query: string): Promise<void> {
  const input = root(el).querySelector<HTMLInputElement>('input[type="search"]')!;
  input.value = query;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
}

/** A 1x1 PNG the mocked logo host answers with. */
async function pngBytes(): Promise<ArrayBuffer> {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((png) => resolve(png!), 'image/png'));
  return blob.arrayBuffer();
}

describe('<qpay-checkout> phone bank picker', () => {
  beforeEach(() => {
    localStorage.removeItem(LAST_BANK_KEY);
    document.body.style.margin = '0';
  });
  after(() => setViewport({ width: 800, height: 600 }));

  for (const phone of PHONES) {
    describe(`${phone.name} (${phone.width} x ${phone.height})`, () => {
      beforeEach(() => setViewport({ width: phone.width, height: phone.height }));

      it('shows all 23 QPay tiles in the first screen with the amount, the status line and the QR and copy actions', async () => {
        const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${await qpay23Banks()}></qpay-checkout>`);
        expect(tiles(el)).to.have.length(23);
        const screen = window.innerHeight;
        expect(screen).to.equal(phone.height);
        const below = (element: Element) => element.getBoundingClientRect().bottom > screen;
        expect(tiles(el).filter(below).map((tile) => tile.textContent!.trim()), 'tiles below the first screen').to.deep.equal([]);
        expect(below(part(el, 'amount')!), 'amount').to.equal(false);
        expect(statusText(el)).to.equal('Waiting for payment…');
        expect(below(part(el, 'status')!), 'status line').to.equal(false);
        const actions = [...root(el).querySelectorAll('.actions button')];
        expect(actions.map((button) => button.textContent!.trim())).to.deep.equal(['Show QR code', 'Copy payment code']);
        for (const button of actions) expect(below(button), button.textContent!).to.equal(false);
        // 4 tiles a row, each a touch target of at least 44 x 44 CSS px.
        const firstRowTop = tiles(el)[0]!.getBoundingClientRect().top;
        expect(tiles(el).filter((tile) => tile.getBoundingClientRect().top === firstRowTop)).to.have.length(4);
        for (const tile of tiles(el)) {
          const { width, height } = tile.getBoundingClientRect();
          expect(width >= 44 && height >= 44, `${tile.textContent!.trim()}: ${width} x ${height}`).to.equal(true);
        }
      });

      it('breaks no tile name inside a word, QPay and SBP', async () => {
        const qpay = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${await qpay23Banks()}></qpay-checkout>`);
        const broken = tiles(qpay).flatMap(brokenWords);
        expect(broken, 'QPay words broken or sticking out').to.deep.equal([]);
        // A two-line name really wraps (so the check above sees wrapped names, not one long line).
        expect(tileNamed(qpay, 'Trade and Development bank').querySelector('.name')!.getClientRects().length).to.be.greaterThan(0);
        const tdb = tileNamed(qpay, 'Trade and Development bank').querySelector('.name')!.getBoundingClientRect();
        expect(tdb.height).to.be.greaterThan(20);

        const sbp = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="ru" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`);
        expect(tiles(sbp).length).to.be.greaterThan(100);
        expect(tiles(sbp).flatMap(brokenWords), 'SBP words broken or sticking out').to.deep.equal([]);
      });
    });
  }

  describe('logos', () => {
    it('a logo that fails leaves the bank initials on its colour in the same box; loaded logos cover theirs', async () => {
      const png = await pngBytes();
      worker.use(
        http.get('https://qpay.mn/q/logo/khanbank.png', () => new HttpResponse(null, { status: 404 })),
        // A copy each time: the body's buffer is handed over to the service worker.
        http.get('https://qpay.mn/q/logo/:file', () => HttpResponse.arrayBuffer(png.slice(0), { headers: { 'content-type': 'image/png' } })),
      );
      await setViewport({ width: 390, height: 664 });
      // Fresh logo URLs: the browser keeps what earlier test files got for the same URLs (unmocked, so failed).
      const invoice = await qpay23Banks();
      const stamp = `fresh=${Date.now()}`;
      for (const bank of invoice.urls) bank.logo = `${bank.logo}${bank.logo!.includes('?') ? '&' : '?'}${stamp}`;
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${invoice}></qpay-checkout>`);
      const khan = tileNamed(el, 'Khan bank').querySelector<HTMLElement>('.logo')!;
      const xac = tileNamed(el, 'Xac bank').querySelector<HTMLElement>('.logo')!;
      const img = xac.querySelector('img')!;
      await waitUntil(() => img.hasAttribute('data-loaded'), 'the Xac bank logo never loaded', { timeout: 3000 });
      // The initials show after their moment of grace.
      await waitUntil(() => getComputedStyle(khan, '::before').visibility === 'visible', 'no initials for Khan bank', { timeout: 2000 });

      const failed = khan.querySelector('img')!;
      expect(failed.hasAttribute('data-loaded')).to.equal(false);
      expect(getComputedStyle(failed).opacity, 'the failed logo is not shown').to.equal('0');
      expect(getComputedStyle(khan, '::before').content).to.equal('"K"');
      expect(getComputedStyle(khan).color).to.equal('rgb(255, 255, 255)');
      expect(getComputedStyle(khan).backgroundColor).to.match(/^rgb\(/);
      expect(getComputedStyle(khan).backgroundColor).to.not.equal(getComputedStyle(tileNamed(el, 'Trade and Development bank').querySelector('.logo')!).backgroundColor);
      expect(getComputedStyle(tileNamed(el, 'Trade and Development bank').querySelector('.logo')!, '::before').content).to.equal('"TD"');

      const loaded = xac.querySelector('img')!;
      expect(getComputedStyle(loaded).opacity).to.equal('1');
      const size = (element: Element) => [element.getBoundingClientRect().width, element.getBoundingClientRect().height];
      expect(size(khan)).to.deep.equal(size(xac));
      expect(size(loaded)).to.deep.equal(size(xac));
      // The initials are drawn by CSS: the tile's text and accessible name stay the bank's name.
      expect(khan.getAttribute('aria-hidden')).to.equal('true');
      expect(tileNamed(el, 'Khan bank').textContent!.trim()).to.equal('Khan bank');
    });

    it('a bank without a logo shows its initials too', async () => {
      const invoice = await qpayInvoice(); // the document's 10 banks have no logos
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      const logo = tiles(el)[0]!.querySelector<HTMLElement>('.logo')!;
      expect(logo.querySelector('img')).to.equal(null);
      await waitUntil(() => getComputedStyle(logo, '::before').visibility === 'visible', 'no initials', { timeout: 2000 });
      expect(getComputedStyle(logo, '::before').content).to.not.equal('none');
    });
  });

  describe('the last used bank', () => {
    it('comes first after a tap and a reload; the tiles do not move under the finger', async () => {
      const invoice = await qpay23Banks();
      const providerOrder = invoice.urls.map((bank) => bank.name);
      const first = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${invoice}></qpay-checkout>`);
      expect(tileNames(first)).to.deep.equal(providerOrder);
      // The shop stops the navigation (a test page cannot open khanbank://).
      first.addEventListener('qpay-bank-select', (event) => event.preventDefault());
      tileNamed(first, 'Xac bank').click();
      await first.updateComplete;
      expect(localStorage.getItem(LAST_BANK_KEY)).to.equal('Xac bank');
      expect(tileNames(first), 'same order right after the tap').to.deep.equal(providerOrder);

      // A reload: a new element for the same invoice.
      first.remove();
      const again = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .invoice=${structuredClone(invoice)}></qpay-checkout>`);
      expect(tileNames(again)).to.deep.equal(['Xac bank', ...providerOrder.filter((name) => name !== 'Xac bank')]);
    });

    it('comes first in the SBP list too, before the search narrows it', async () => {
      localStorage.setItem(LAST_BANK_KEY, 'Газпромбанк');
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="ru" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`);
      expect(tileNames(el).slice(0, 3)).to.deep.equal(['Газпромбанк', 'Сбербанк', 'Т-Банк']);
    });

    it('rememberBank = false neither puts it first nor remembers a tap', async () => {
      localStorage.setItem(LAST_BANK_KEY, 'Xac bank');
      const invoice = await qpay23Banks();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" .rememberBank=${false} .invoice=${invoice}></qpay-checkout>`);
      expect(tileNames(el)[0]).to.equal('qPay wallet');
      el.addEventListener('qpay-bank-select', (event) => event.preventDefault());
      tileNamed(el, 'Khan bank').click();
      expect(localStorage.getItem(LAST_BANK_KEY)).to.equal('Xac bank');
    });
  });

  describe('SBP search', () => {
    it('finds Сбербанк by "сбер", "sber" and "СБЕР", updating as the customer types', async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="ru" .invoice=${await tbankInvoice()} .banks=${await nspkBanks()}></qpay-checkout>`);
      for (const query of ['сбер', 'sber', 'СБЕР']) {
        await searchFor(el, query);
        expect(tileNames(el), query).to.include('Сбербанк');
        expect(tileNames(el).length, query).to.be.lessThan(5);
      }
      await searchFor(el, 'bank vtb');
      expect(tileNames(el)).to.deep.equal(['Банк ВТБ']);
      await searchFor(el, '');
      expect(tileNames(el).length).to.be.greaterThan(100);
    });

    it('finding nothing says so and offers the QR, one tap away above the list, which scans to the codeUrl', async () => {
      await setViewport({ width: 390, height: 664 });
      const invoice = await tbankInvoice();
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="en" .invoice=${invoice} .banks=${await nspkBanks()}></qpay-checkout>`);
      const toggle = root(el).querySelector<HTMLButtonElement>('button[aria-controls="qr-panel"]')!;
      // With ~200 banks the QR and copy actions sit above the list, in the first screen.
      expect(toggle.getBoundingClientRect().bottom).to.be.at.most(window.innerHeight);
      await searchFor(el, 'no such bank');
      expect(part(el, 'banks')).to.equal(null);
      const note = root(el).querySelector('p.note[role="status"]')!;
      expect(note.textContent).to.equal('No bank found. Scan the QR code instead.');
      expect(parts(el, 'bank')).to.have.length(1); // the "open in bank app" link stays
      toggle.click();
      expect(await decodeDrawnQr(el)).to.equal(invoice.codeUrl);
    });
  });
});

describe('<qpay-checkout> phone tiles and buttons at 360 px', () => {
  before(() => setViewport({ width: 360, height: 640 }));
  after(() => setViewport({ width: 800, height: 600 }));
  beforeEach(() => {
    localStorage.removeItem(LAST_BANK_KEY);
    document.body.style.margin = '0';
  });

  it('no bank name of up to 30 characters, Cyrillic or Mongolian, sticks out of its tile', async () => {
    const names = [
      'Райффайзенбанк',
      'Нацинвестпромбанк',
      'Хаан банк',
      'Худалдаа хөгжлийн банк',
      'Үндэсний хөрөнгө оруулалтын банк'.slice(0, 30),
      'Азиатско-Тихоокеанский Банк',
      'Төрийнсанхүүжилтийнхөгжлийнбанк'.slice(0, 30),
      'Trade and Development bank',
    ];
    const invoice = await qpayInvoice();
    const urls = names.map((name, index) => ({ name, description: name, link: `khanbank://q?qPay_QRcode=${index}` }));
    const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang="mn" .invoice=${{ ...invoice, urls }}></qpay-checkout>`);
    expect(tiles(el)).to.have.length(names.length);
    const outside = tiles(el).flatMap((tile) => {
      const box = tile.getBoundingClientRect();
      const name = tile.querySelector('.name')!.getBoundingClientRect();
      return name.left < box.left - 0.5 || name.right > box.right + 0.5 || name.bottom > box.bottom + 0.5
        ? [`${tile.textContent!.trim()}: name ${name.left.toFixed(1)}..${name.right.toFixed(1)} in tile ${box.left.toFixed(1)}..${box.right.toFixed(1)}`]
        : [];
    });
    expect(outside).to.deep.equal([]);
  });

  for (const lang of ['en', 'ru', 'mn']) {
    it(`"Show QR code" and "Copy payment link" share height and top (${lang})`, async () => {
      const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang=${lang} .invoice=${await qpay23Banks()}></qpay-checkout>`);
      // A link to copy (qPay_shortUrl) makes the longer label, "Copy payment link".
      el.invoice = { ...(await qpay23Banks()), qPay_shortUrl: 'https://s.qpay.mn/abc' };
      await el.updateComplete;
      const buttons = [...root(el).querySelectorAll('.actions button')].map((button) => button.getBoundingClientRect());
      expect(buttons).to.have.length(2);
      const [show, copy] = buttons as [DOMRect, DOMRect];
      expect([copy.top, copy.height], `copy vs show ${show.top},${show.height}`).to.deep.equal([show.top, show.height]);
    });
  }
});
