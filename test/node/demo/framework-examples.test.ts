// The framework examples (demo/react/, demo/vue/) end to end: `npm start`'s dev server in process, each
// app driven in Chromium with playwright-core. Each app buys its cart, its widget gets the invoice from
// the server kit's /qpay/invoice, "Simulate payment" pays the QPay mock, and the app's own UI shows
// Paid from its onPaid (React) or @qpay-paid (Vue) handler, with the invoice id from the event's detail.
// Then `vite build` of the three pages (shop and examples) must succeed and write them, and the Vue
// app's template must type-check with vue-tsc against the `qpay-checkout/jsx/vue` declarations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { ROOT, findChromium, launchChromium, skipWithoutChromium, startDemoServer, type DemoServer } from '../helpers/demo-browser.js';

const WAIT = { timeout: 15_000 };
const chromiumPath = findChromium();

interface Example {
  name: string;
  path: string;
  /** How the app hears of the payment, for the test's name. */
  handler: string;
}

const EXAMPLES: Example[] = [
  { name: 'React', path: '/demo/react/', handler: 'the QPayCheckout wrapper’s onPaid' },
  { name: 'Vue', path: '/demo/vue/', handler: 'its @qpay-paid listener on <qpay-checkout>' },
];

describe('framework examples end to end (npm start in Chromium)', { skip: skipWithoutChromium(chromiumPath), timeout: 60_000 }, () => {
  let demo: DemoServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    demo = await startDemoServer();
    browser = await launchChromium(chromiumPath!);
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${path}: console: ${message.text()}`);
    });
    await page.goto(new URL(path, demo.baseUrl).href);
    return page;
  }

  for (const example of EXAMPLES) {
    it(`${example.name}: buy, see the QR, simulate payment, and the app shows Paid from ${example.handler}`, async () => {
      const page = await open(example.path);
      const invoiceRequests: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/qpay/invoice') invoiceRequests.push(request.method());
      });
      // The cart is priced from the shop's catalogue: 2 × Buuz (9 800) + 1 × Milk tea (4 500).
      const buy = page.getByRole('button', { name: 'Buy ₮24,100 with QPay' });
      await buy.waitFor(WAIT);

      const answered = page.waitForResponse((response) => response.url().endsWith('/qpay/invoice'), WAIT);
      await buy.click();
      const response = await answered;
      assert.equal(response.status(), 201);
      const sent = response.request().postDataJSON() as { cartId: unknown; items: unknown };
      assert.deepEqual(Object.keys(sent).sort(), ['cartId', 'items']);
      assert.deepEqual(sent.items, [
        { id: 'milk-tea', quantity: 1 },
        { id: 'buuz', quantity: 2 },
      ]);
      const invoice = (await response.json()) as { invoice_id: string; amount: number; currency: string };
      assert.equal(invoice.amount, 24_100);
      assert.equal(invoice.currency, 'MNT');

      await page.locator('qpay-checkout [part="qr"]').waitFor({ state: 'visible', ...WAIT });
      assert.match((await page.locator('#order-status').textContent()) ?? '', /Awaiting payment/);

      // Enabled once the app's status handler has the invoice id from the widget's first poll.
      await page.locator('button.simulate:not([disabled])').waitFor(WAIT);
      await page.getByRole('button', { name: 'Simulate payment' }).click();

      // The app's own state, rendered by the app, not the widget's.
      await page.locator('#order-status.paid').waitFor(WAIT);
      assert.match((await page.locator('#order-status').textContent()) ?? '', /^\s*Paid\b/);
      assert.equal(await page.locator('#order-status [data-invoice-id]').textContent(), invoice.invoice_id);
      assert.equal(await page.getByRole('button', { name: 'Simulate payment' }).count(), 0);
      // The widget agrees, and stayed the same element (no new invoice asked for when the app re-rendered).
      assert.equal(await page.locator('qpay-checkout').getAttribute('data-state'), 'paid');
      assert.match((await page.locator('qpay-checkout [part="status"]').textContent()) ?? '', /Payment received/);
      assert.deepEqual(invoiceRequests, ['POST']);
      // The server kit's onPaid ran once for this invoice.
      const onPaid = demo.log.filter((line) => line.includes('onPaid:') && line.includes(`invoice ${invoice.invoice_id} `));
      assert.equal(onPaid.length, 1);
      await page.close();
    });
  }

  it("the shop's footer links to both examples", async () => {
    const page = await open('/');
    await page.getByRole('link', { name: 'React example' }).click();
    await page.getByRole('button', { name: /^Buy / }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, '/demo/react/');
    await page.getByRole('link', { name: 'The Vue example' }).click();
    await page.getByRole('button', { name: /^Buy / }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, '/demo/vue/');
    await page.getByRole('link', { name: 'Back to the demo shop' }).click();
    await page.getByRole('link', { name: 'Vue example' }).waitFor(WAIT);
    await page.close();
  });

  it('left no uncaught error in either app, and Vite never reloaded a page', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(demo.log.filter((line) => /reload/i.test(line)), []);
  });
});

describe('framework examples: production build', { timeout: 60_000 }, () => {
  let outDir: string;

  before(() => {
    outDir = mkdtempSync(join(tmpdir(), 'qpay-demo-build-'));
  });

  after(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('vite build writes the shop and both examples, each page loading a built script that exists', async () => {
    const cacheDir = join(outDir, '.vite-cache');
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      root: ROOT,
      cacheDir,
      logLevel: 'silent',
      build: { outDir: join(outDir, 'site'), emptyOutDir: true },
    });
    const site = join(outDir, 'site');
    for (const page of ['index.html', 'demo/react/index.html', 'demo/vue/index.html']) {
      const file = join(site, page);
      assert.ok(existsSync(file), `${page} was not written`);
      const html = readFileSync(file, 'utf8');
      // Vite rewrites the entry to a hashed module under /assets/; nothing points at the sources any more.
      const scripts = [...html.matchAll(/<script type="module" crossorigin src="([^"]+)"/g)].map((match) => match[1]!);
      assert.equal(scripts.length, 1, `${page} should load one built module`);
      assert.match(scripts[0]!, /^\/assets\/[\w-]+\.js$/);
      assert.ok(existsSync(join(site, scripts[0]!)), `${page}'s ${scripts[0]} is missing`);
      assert.doesNotMatch(html, /\.tsx?"|\.vue"/, `${page} still names a source file`);
      assert.ok(existsSync(dirname(file)));
    }
    // Each example's bundle holds the element and its framework's runtime, compiled for production.
    const bundles = (page: string) => {
      const html = readFileSync(join(site, page), 'utf8');
      const entry = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
      return readFileSync(join(site, entry), 'utf8');
    };
    assert.match(bundles('demo/react/index.html'), /qpay-checkout/);
    assert.match(bundles('demo/vue/index.html'), /qpay-checkout/);
  });
});

describe('framework examples: Vue template types', { timeout: 60_000 }, () => {
  it('App.vue type-checks with vue-tsc: its .order, .pollInterval and @qpay-* bindings match the element', async () => {
    const vueTsc = join(ROOT, 'node_modules/vue-tsc/bin/vue-tsc.js');
    try {
      await promisify(execFile)(process.execPath, [vueTsc, '--noEmit', '-p', 'demo/vue/tsconfig.json'], { cwd: ROOT });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      assert.fail(`vue-tsc found errors:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  });
});
