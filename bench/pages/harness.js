// The bench harness on element.html and baseline.html: mounts one widget (the <qpay-checkout>
// element or the naive baseline) and measures it. Node drives it through window.bench.
// Every time is performance.now() in this page.
const widget = document.documentElement.dataset.widget;
const stage = document.getElementById('stage');
const { whenPresent, qrPainted, elementQr } = window.benchPaint;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const STATUS_URL = '/api/status/{id}';

// ---- page visibility, emulated ------------------------------------------------------------------
// Headless Chromium reports every page as visible whatever Playwright or CDP does (tab switching,
// bringToFront, minimising the window, focus emulation, lifecycle freezing: none changes
// document.visibilityState here), so the page's visibility is emulated: visibilityState and hidden
// are overridden on the document and a real `visibilitychange` event is dispatched, which is
// exactly what the widget listens to. Timers are not throttled by this emulation.
const nativeVisibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState').get;
let emulatedVisibility = null;
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => emulatedVisibility ?? nativeVisibility.call(document) });
Object.defineProperty(document, 'hidden', { configurable: true, get: () => document.visibilityState === 'hidden' });
function setVisibility(state) {
  emulatedVisibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

// ---- status answers seen by the page --------------------------------------------------------------
// Wraps fetch to learn when a status request of an invoice has been answered (both widgets use fetch).
const answered = new Map(); // invoice id -> [resolve]
const pageFetch = window.fetch;
window.fetch = async function (input, init) {
  const response = await pageFetch.call(window, input, init);
  const match = /\/api\/status\/([^/?#]+)/.exec(String(input instanceof Request ? input.url : input));
  if (match) {
    const id = decodeURIComponent(match[1]);
    for (const resolve of answered.get(id) ?? []) resolve(performance.now());
    answered.delete(id);
  }
  return response;
};
const nextStatusAnswer = (id) =>
  new Promise((resolve) => {
    const list = answered.get(id) ?? [];
    list.push(resolve);
    answered.set(id, list);
  });

// ---- one widget -----------------------------------------------------------------------------------
/** Mounts a widget for `invoice` (with status polling); `paid` resolves with the time of its paid event. */
async function mount(invoice, { invoiceNow = true } = {}) {
  if (widget === 'element') {
    const el = document.createElement('qpay-checkout');
    el.setAttribute('lang', 'en');
    el.mode = 'desktop';
    el.statusUrl = STATUS_URL;
    const paid = new Promise((resolve) => el.addEventListener('qpay-paid', () => resolve(performance.now()), { once: true }));
    if (invoiceNow) el.invoice = invoice;
    stage.append(el);
    await el.updateComplete;
    return {
      paid,
      setInvoice: () => (el.invoice = invoice),
      findQr: () => elementQr(el),
      root: el.shadowRoot,
      settled: () => el.updateComplete,
      unmount: () => el.remove(),
    };
  }
  const holder = document.createElement('div');
  stage.append(holder);
  const paid = new Promise((resolve) => holder.addEventListener('naive-paid', () => resolve(performance.now()), { once: true }));
  let handle;
  const setInvoice = () => (handle = window.NaiveCheckout.mountNaiveCheckout(holder, { invoice, statusUrl: STATUS_URL }));
  if (invoiceNow) setInvoice();
  return {
    paid,
    setInvoice,
    findQr: () => holder.querySelector('img[src]'),
    root: holder,
    settled: async () => {},
    unmount: () => {
      handle?.unmount();
      holder.remove();
    },
  };
}

async function ready() {
  if (widget === 'element') await customElements.whenDefined('qpay-checkout');
  else while (!window.NaiveCheckout) await sleep(5);
}

/** From the invoice being set to its QR in the DOM and painted (see paint.js). */
async function timeToQr(invoice) {
  const w = await mount(invoice, { invoiceNow: false });
  const present = whenPresent(w.root, w.findQr);
  const start = performance.now();
  w.setInvoice();
  const qr = await present;
  const domAt = performance.now();
  const paintAt = await qrPainted(qr);
  w.unmount();
  return { domMs: domAt - start, paintMs: paintAt - start };
}

/**
 * With the page visible: waits for the first status answer, then `offsetMs`, then turns the
 * endpoint PAID; measures from the switch being requested to the paid event.
 */
async function timeToPaid(invoice, offsetMs) {
  const first = nextStatusAnswer(invoice.invoice_id);
  const w = await mount(invoice);
  await first;
  await sleep(offsetMs);
  const start = performance.now();
  await pageFetch(`/api/pay/${encodeURIComponent(invoice.invoice_id)}`, { method: 'POST' });
  const paidAt = await w.paid;
  w.unmount();
  return { ms: paidAt - start, offsetMs };
}

/**
 * The customer back from the bank app: after the first answer the page is hidden for `hiddenMs`,
 * the endpoint turns PAID, and the page becomes visible; measures from visible to the paid event.
 */
async function hiddenToPaid(invoice, hiddenMs) {
  const first = nextStatusAnswer(invoice.invoice_id);
  const w = await mount(invoice);
  await first;
  setVisibility('hidden');
  await sleep(hiddenMs);
  let paidWhileHidden = false;
  w.paid.then(() => (paidWhileHidden = document.visibilityState === 'hidden'));
  await pageFetch(`/api/pay/${encodeURIComponent(invoice.invoice_id)}`, { method: 'POST' });
  await sleep(0);
  const start = performance.now();
  setVisibility('visible');
  const paidAt = await w.paid;
  w.unmount();
  return paidWhileHidden ? { ms: null, paidWhileHidden } : { ms: paidAt - start, hiddenMs };
}

/**
 * `cycles` mounts and unmounts with polling active: each widget is removed after its first render
 * and once its first status request has had a chance to start; each gets `invoice` under its own id.
 */
async function mountCycles(invoice, cycles, firstIndex = 0) {
  for (let i = 0; i < cycles; i++) {
    const w = await mount({ ...invoice, invoice_id: `${invoice.invoice_id}-${firstIndex + i}` });
    await w.settled();
    await sleep(0);
    w.unmount();
  }
  await sleep(300); // aborted fetches and pending renders settle
  // The resource timing buffer (up to 250 entries, one per fetch) is the browser's, not a widget's.
  performance.clearResourceTimings();
  return window.benchInstrument?.live() ?? null;
}

window.bench = { ready, timeToQr, timeToPaid, hiddenToPaid, mountCycles, setVisibility };
