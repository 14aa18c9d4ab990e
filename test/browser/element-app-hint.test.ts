// "Didn't open?": after a tap on a bank tile, a page still visible 2.5 s later means the bank's app did not
// open (not installed), so the phone card says so, politely to screen readers, with the QR one tap away.
// A page that went hidden meanwhile (the app opened) gets no hint, then or when the customer comes back.
// The element's clock is not injectable, so these wait real time (core/app-open's logic runs under fake
// timers in test/node/core/app-open.test.ts).
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { LAST_BANK_KEY } from '../../src/element/bank-list.js';
import { isoIn, loadFixture, qpayInvoice, tbankInvoice, nspkBanks, type QPayInvoice } from './helpers/fixtures.js';
import { useMockServer } from './helpers/msw.js';
import { part, quiet, recordEvents, root, type QPayCheckoutElement } from './helpers/element.js';

useMockServer();

/** Past the element's 2.5 s wait, with room for a busy machine. */
const PAST_WAIT_MS = 2800;
/** Well inside the wait. */
const INSIDE_WAIT_MS = 1500;

const HINTS = {
  en: "Didn't open? Show the QR code or choose another bank",
  ru: 'Приложение не открылось? Покажите QR-код или выберите другой банк',
  mn: 'Апп нээгдээгүй бол QR кодыг харуулах эсвэл өөр банк сонгоно уу',
};

async function qpay23Banks(): Promise<QPayInvoice> {
  const urls = await loadFixture<QPayInvoice['urls']>('qpay-invoice-urls.23banks.json');
  return { ...(await qpayInvoice()), urls, amount: 25000, currency: 'MNT', expires_at: isoIn(10 * 60 * 1000) };
}

const tile = (el: QPayCheckoutElement, name: string): HTMLAnchorElement =>
  [...part(el, 'banks')!.querySelectorAll<HTMLAnchorElement>('a[part~="bank"]')].find((a) => a.textContent!.trim() === name)!;
const hint = (el: QPayCheckoutElement): HTMLElement | null => root(el).querySelector('.hint');
const statusLine = (el: QPayCheckoutElement): string => part(el, 'status')!.textContent!.replace(/\s+/g, ' ').trim();

/**
 * A phone card whose bank links go nowhere: the page stops the browser from following them (its own
 * click listener, after the element's), as when the app is not installed and nothing happens.
 */
async function phoneCard(lang: keyof typeof HINTS, invoice: unknown = qpay23Banks(), banks?: unknown): Promise<QPayCheckoutElement> {
  const el = await fixture<QPayCheckoutElement>(html`<qpay-checkout mode="mobile" lang=${lang} .invoice=${await invoice} .banks=${banks}></qpay-checkout>`);
  el.addEventListener('click', (event) => event.preventDefault());
  return el;
}

/** A tap as the customer makes it: focus lands on the tile, then the click. */
async function tap(el: QPayCheckoutElement, name: string): Promise<HTMLAnchorElement> {
  const target = tile(el, name);
  target.focus();
  target.click();
  await el.updateComplete;
  return target;
}

/** The page goes hidden (the bank's app came to the front) or visible again, as the browser tells it. */
function pageVisibility(state: DocumentVisibilityState): void {
  if (state === 'visible') delete (document as { visibilityState?: unknown }).visibilityState;
  else Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Each test on a 360 px phone, with nothing left behind: page visible again, scrolled to the top. */
function onSmallPhone(suite: Mocha.Suite): void {
  suite.timeout(15000);
  before(() => setViewport({ width: 360, height: 640 }));
  after(() => setViewport({ width: 800, height: 600 }));
  beforeEach(() => {
    localStorage.removeItem(LAST_BANK_KEY);
    document.body.style.margin = '0';
  });
  afterEach(() => {
    if (Object.hasOwn(document, 'visibilityState')) pageVisibility('visible');
    window.scrollTo(0, 0);
  });
}

describe('<qpay-checkout> "Didn\'t open?" hint after a bank tap (360 px phone)', function () {
  onSmallPhone(this);

  it('shows after ~2.5 s on a visible page, in sight, announced in the status line, without taking focus; its button shows the QR', async () => {
    const el = await phoneCard('en');
    const tapped = await tap(el, 'Khan bank');
    await quiet(INSIDE_WAIT_MS);
    await el.updateComplete;
    expect(hint(el), 'no hint inside the wait').to.equal(null);
    expect(statusLine(el)).to.equal('Waiting for payment…');

    await quiet(PAST_WAIT_MS - INSIDE_WAIT_MS);
    await el.updateComplete;
    expect(hint(el)?.textContent!.replace(/\s+/g, ' ').trim()).to.equal(`${HINTS.en} Show QR code`);
    // In sight at the bottom of the screen, though the 23 tiles fill it.
    const box = hint(el)!.getBoundingClientRect();
    expect(box.top >= 0 && box.bottom <= window.innerHeight, `hint at ${box.top}..${box.bottom}`).to.equal(true);
    // Screen readers hear it from the status line (a polite live region that was already there).
    expect(part(el, 'status')!.getAttribute('role')).to.equal('status');
    expect(statusLine(el)).to.equal(`Waiting for payment… ${HINTS.en}`);
    expect(root(el).activeElement, 'focus stays on the tapped tile').to.equal(tapped);
    await expect(el).to.be.accessible();

    const panel = root(el).querySelector<HTMLElement>('#qr-panel')!;
    expect(panel.hidden).to.equal(true);
    hint(el)!.querySelector('button')!.click();
    await el.updateComplete;
    expect(panel.hidden).to.equal(false);
    expect(panel.querySelector('[part~="qr"]'), 'the QR').to.exist;
    expect(root(el).querySelector('button[aria-controls="qr-panel"][aria-expanded]')!.getAttribute('aria-expanded')).to.equal('true');
    const qr = panel.getBoundingClientRect();
    expect(qr.top >= 0 && qr.bottom <= window.innerHeight + 1, `QR brought into view: ${qr.top}..${qr.bottom}`).to.equal(true);
  });

  it('says it in Mongolian and Russian too, on a QPay and an SBP list', async () => {
    const mn = await phoneCard('mn');
    const ru = await phoneCard('ru', tbankInvoice(), await nspkBanks());
    await tap(mn, 'Xac bank');
    await tap(ru, 'Сбербанк');
    await quiet(PAST_WAIT_MS);
    for (const [el, lang] of [[mn, 'mn'], [ru, 'ru']] as const) {
      await el.updateComplete;
      expect(hint(el)?.querySelector('p')!.textContent, lang).to.equal(HINTS[lang]);
      expect(statusLine(el), lang).to.contain(HINTS[lang]);
    }
  });

  it('a second tap on another bank restarts the wait and takes the shown hint away', async () => {
    const el = await phoneCard('en');
    await tap(el, 'Khan bank');
    await quiet(INSIDE_WAIT_MS);
    await tap(el, 'Xac bank');
    // 2.8 s after the first tap, 1.3 s after the second: still waiting.
    await quiet(PAST_WAIT_MS - INSIDE_WAIT_MS);
    await el.updateComplete;
    expect(hint(el), 'the first wait was restarted').to.equal(null);
    await quiet(INSIDE_WAIT_MS); // 2.8 s after the second tap
    await el.updateComplete;
    expect(hint(el)).to.exist;

    // A tap while the hint shows: it goes at once, and comes back only if this app does not open either.
    await tap(el, 'Social Pay');
    expect(hint(el)).to.equal(null);
    expect(statusLine(el)).to.equal('Waiting for payment…');
  });

});

describe('<qpay-checkout> no "Didn\'t open?" hint when the app opened or nobody waits (360 px phone)', function () {
  onSmallPhone(this);

  it('shows nothing when the page went hidden right after the tap (the app opened), nor when the customer comes back', async () => {
    const el = await phoneCard('en');
    await tap(el, 'Khan bank');
    pageVisibility('hidden');
    await quiet(INSIDE_WAIT_MS);
    pageVisibility('visible'); // back from the bank's app before the wait would have ended
    await quiet(PAST_WAIT_MS);
    await el.updateComplete;
    expect(hint(el)).to.equal(null);
    expect(statusLine(el)).to.equal('Waiting for payment…');
    // The same tap on a page that stays visible does show it: the hidden page is what kept it away.
    await tap(el, 'Khan bank');
    await quiet(PAST_WAIT_MS);
    await el.updateComplete;
    expect(hint(el)).to.exist;
  });

  it('shows nothing when the shop takes the navigation over (qpay-bank-select cancelled)', async () => {
    const el = await phoneCard('en');
    const selects = recordEvents(el, 'qpay-bank-select');
    el.addEventListener('qpay-bank-select', (event) => event.preventDefault());
    await tap(el, 'Khan bank');
    expect(selects).to.have.length(1);
    await quiet(PAST_WAIT_MS);
    await el.updateComplete;
    expect(hint(el)).to.equal(null);
  });

  it('stops waiting when the element leaves the page: no hint when it comes back', async () => {
    const el = await phoneCard('en');
    await tap(el, 'Khan bank');
    const parent = el.parentNode!;
    el.remove();
    await quiet(PAST_WAIT_MS);
    parent.appendChild(el);
    await el.updateComplete;
    expect(hint(el)).to.equal(null);
    // Back on the page, a tap is watched again.
    await tap(el, 'Khan bank');
    await quiet(PAST_WAIT_MS);
    await el.updateComplete;
    expect(hint(el)).to.exist;
  });
});
