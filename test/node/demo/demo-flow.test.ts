// End to end: `npm start`'s dev server (Vite with the project's vite.config.ts and its demo shop
// plugin, the QPay and TBank mocks under msw/node) driven in a real Chromium with playwright-core.
// The page's cart goes through the real checkout handlers, "Simulate payment" pays the mock,
// and the widget reaches PAID pushed on its event stream (events-url), for QPay and for TBank on desktop (QR) and a phone
// (open-in-bank link to the codeUrl). Playwright's CSS locators pierce the widget's shadow root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findChromium, launchChromium, skipWithoutChromium, startDemoServer, type DemoServer } from '../helpers/demo-browser.js';

const WAIT = { timeout: 15_000 };

const chromiumPath = findChromium();
const skip = skipWithoutChromium(chromiumPath);

interface InvoiceAnswer {
  invoice_id?: string;
  outTradeNo?: string;
  codeUrl?: string;
  amount: number;
  currency: string;
}

describe('demo shop end to end (npm start in Chromium)', { skip, timeout: 90_000 }, () => {
  let demo: DemoServer;
  let browser: Browser;
  let baseUrl: string;
  // Vite's own log lines, kept so the test can see onPaid on the server.
  let serverLog: string[];
  const pageErrors: string[] = [];
  /** Per page: the event streams it opened and what the status route answered it. */
  interface StatusTraffic {
    streams: string[];
    polledStatuses: Promise<unknown>[];
  }
  const statusTraffic = new WeakMap<Page, StatusTraffic>();

  before(async () => {
    demo = await startDemoServer();
    ({ baseUrl, log: serverLog } = demo);
    browser = await launchChromium(chromiumPath!);
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function openShop(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const traffic: StatusTraffic = { streams: [], polledStatuses: [] };
    statusTraffic.set(page, traffic);
    page.on('request', (request) => /\/events\/[^/]+$/.test(new URL(request.url()).pathname) && traffic.streams.push(request.url()));
    page.on('response', (response) => {
      if (/\/status\/[^/]+$/.test(new URL(response.url()).pathname)) traffic.polledStatuses.push(response.json().then((body) => body.status, () => null));
    });
    await page.goto(baseUrl);
    // /demo-api/config answered: the footer names each provider's mode.
    await page.getByText('TBank SBP: mock').waitFor(WAIT);
    return page;
  }

  /** Presses Pay and returns what the checkout handler answered the widget, and what the widget sent. */
  async function pay(page: Page, basePath: '/qpay' | '/tbank'): Promise<{ invoice: InvoiceAnswer; sent: Record<string, unknown> }> {
    const answered = page.waitForResponse((response) => response.url().endsWith(`${basePath}/invoice`), WAIT);
    await page.getByRole('button', { name: /^Pay / }).click();
    const response = await answered;
    assert.equal(response.status(), 201);
    return { invoice: (await response.json()) as InvoiceAnswer, sent: response.request().postDataJSON() as Record<string, unknown> };
  }

  /** Simulates the payment and sees PAID, pushed on the widget's event stream (no status poll said PAID). */
  async function simulateAndSeePaid(page: Page): Promise<void> {
    const simulate = page.getByRole('button', { name: 'Simulate payment' });
    const { streams, polledStatuses } = statusTraffic.get(page)!;
    // Enabled once the widget's first status poll named the invoice.
    await page.locator('button.simulate:not([disabled])').waitFor(WAIT);
    await simulate.click();
    await page.locator('qpay-checkout[data-state="paid"]').waitFor(WAIT);
    assert.ok(streams.length >= 1, 'the widget opened no event stream');
    assert.ok(!(await Promise.all(polledStatuses)).includes('PAID'), 'PAID came from a status poll, not the stream');
    const widgetStatus = await page.locator('qpay-checkout [part="status"]').textContent();
    assert.match(widgetStatus ?? '', /Payment received/);
    await page.locator('#order-status.paid').waitFor(WAIT);
    assert.match((await page.locator('#order-status').textContent()) ?? '', /PAID/);
  }

  function onPaidLines(invoiceId: string): string[] {
    return serverLog.filter((line) => line.includes(`onPaid:`) && line.includes(`invoice ${invoiceId} `));
  }

  it('QPay: pick items, pay, see the QR, simulate payment, reach PAID (onPaid once on the server)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openShop(context);
    await page.getByRole('button', { name: 'Add Khuushuur' }).click();
    // The starting cart (2 milk tea, 1 buuz) plus one khuushuur: 9 000 + 9 800 + 3 500.
    assert.equal(await page.locator('[data-total]').textContent(), '₮22,300');

    const { invoice, sent } = await pay(page, '/qpay');
    assert.deepEqual(Object.keys(sent).sort(), ['cartId', 'items']);
    assert.deepEqual(sent.items, [
      { id: 'milk-tea', quantity: 2 },
      { id: 'buuz', quantity: 1 },
      { id: 'khuushuur', quantity: 1 },
    ]);
    assert.equal(invoice.amount, 22_300);
    assert.equal(invoice.currency, 'MNT');

    await page.locator('qpay-checkout [part="qr"]').waitFor({ state: 'visible', ...WAIT });
    assert.equal(await page.locator('qpay-checkout').getAttribute('data-layout'), 'desktop');
    await simulateAndSeePaid(page);
    assert.equal(onPaidLines(invoice.invoice_id!).length, 1);
    await context.close();
  });

  it('TBank on desktop: roubles, the SBP QR (no bank links), the phone view from the layout select, then PAID', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openShop(context);
    await page.getByLabel('TBank SBP').check();
    await page.getByRole('button', { name: 'Add Felt slippers' }).click();
    // 2 × 120 + 290 + 1 350.50
    assert.equal(await page.locator('[data-total]').textContent(), '₽1,880.50');

    const { invoice } = await pay(page, '/tbank');
    assert.equal(invoice.amount, 1880.5);
    assert.equal(invoice.currency, 'RUB');
    assert.match(invoice.codeUrl ?? '', /^https:\/\/qr\.nspk\.ru\/AD[0-9A-Z]{30}\?type=02&bank=\d+&sum=188050&cur=RUB/);

    await page.locator('qpay-checkout [part="qr"]').waitFor({ state: 'visible', ...WAIT });
    assert.equal(await page.locator('qpay-checkout a.primary').count(), 0);

    // A desktop visitor can look at the phone view: the open-in-bank link is the codeUrl itself.
    await page.locator('#layout').selectOption('mobile');
    const openInBank = page.locator('qpay-checkout a.primary');
    await openInBank.waitFor({ state: 'visible', ...WAIT });
    assert.equal(await openInBank.getAttribute('href'), invoice.codeUrl);
    await page.locator('#layout').selectOption('desktop');
    await page.locator('qpay-checkout [part="qr"]').waitFor({ state: 'visible', ...WAIT });

    await simulateAndSeePaid(page);
    assert.equal(onPaidLines(invoice.outTradeNo!).length, 1);
    await context.close();
  });

  it('TBank on a phone: auto layout shows the open-in-bank link and NSPK bank links, then PAID', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await openShop(context);
    await page.getByLabel('TBank SBP').check();
    const { invoice } = await pay(page, '/tbank');
    const codeUrl = invoice.codeUrl!;

    const openInBank = page.locator('qpay-checkout a.primary');
    await openInBank.waitFor({ state: 'visible', ...WAIT });
    assert.equal(await openInBank.getAttribute('href'), codeUrl);
    assert.equal(await page.locator('qpay-checkout').getAttribute('data-layout'), 'mobile');
    // One link per bank of the demo's NSPK list: the codeUrl with https swapped for the bank's scheme.
    const bankLinks = page.locator('qpay-checkout [part="banks"] a[part="bank"]');
    assert.equal(await bankLinks.count(), 12);
    assert.equal(await bankLinks.first().getAttribute('href'), codeUrl.replace(/^https/, 'bank100000000111'));

    await simulateAndSeePaid(page);
    assert.equal(onPaidLines(invoice.outTradeNo!).length, 1);
    await context.close();
  });

  it('left no uncaught error in any page, and Vite never reloaded a page mid-checkout', () => {
    assert.deepEqual(pageErrors, []);
    // A dependency the optimizer found late (say the lazily imported QR encoder) reloads the page.
    assert.deepEqual(serverLog.filter((line) => /reload/i.test(line)), []);
  });
});
