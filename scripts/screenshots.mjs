#!/usr/bin/env node
// `npm run screenshots`: the phone views as a customer sees them, saved as PNGs in screenshots/
// (generated, gitignored). QPay (23 banks) and TBank SBP (NSPK's list), light and dark, on an iPhone 13's
// visible area (390 x 664 CSS px, 2x), plus QPay on a small Android (360 x 640) and the SBP search for "sber",
// and the "Didn't open?" hint on the small Android (mn QPay, ru SBP): a bank tile tapped, its link kept from
// going anywhere (as when the app is not installed), and the page left visible past the element's 2.5 s wait.
// Drives headless Chromium (playwright-core; CHROMIUM_PATH or /usr/bin/chromium) on the built <script>
// file, so run `npm run build` first (the npm script does). Every request is answered here: the page,
// the script and the fixtures from this repository, and the banks' logo hosts are cut off, as they
// are offline or under a CSP without them, so the tiles show the initials fallback.
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'screenshots');
const script = join(root, 'dist', 'qpay-checkout.min.js');
const SHOP = 'https://shop.example';

const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => {
  try {
    return path && (accessSync(path, constants.X_OK), true);
  } catch {
    return false;
  }
});
if (!executablePath) {
  console.error('screenshots: no Chromium found; set CHROMIUM_PATH (Debian: apt-get install chromium).');
  process.exit(1);
}
if (!existsSync(script)) {
  console.error(`screenshots: ${relative(root, script)} does not exist; run \`npm run build\` first.`);
  process.exit(1);
}

const fixture = (name) => JSON.parse(readFileSync(join(root, 'test', 'fixtures', name), 'utf8'));
const inTenMinutes = () => new Date(Date.now() + 10 * 60 * 1000).toISOString();

/** The invoices as a shop's server would pass them on: the provider's answer plus amount and expiry. */
const qpayInvoice = () => ({
  ...fixture('invoice-create-response.json'),
  urls: fixture('qpay-invoice-urls.23banks.json'),
  amount: 25000,
  currency: 'MNT',
  expires_at: inTenMinutes(),
});
const tbankInvoice = () => ({ ...fixture('tbank-qrpay-response.json'), expires_at: inTenMinutes() });

const PHONES = {
  iphone13: { viewport: { width: 390, height: 664 }, deviceScaleFactor: 2 },
  android: { viewport: { width: 360, height: 640 }, deviceScaleFactor: 2 },
};

const VIEWS = [
  { file: 'qpay-light.png', phone: 'iphone13', scheme: 'light', lang: 'en', invoice: qpayInvoice },
  { file: 'qpay-dark.png', phone: 'iphone13', scheme: 'dark', lang: 'en', invoice: qpayInvoice },
  { file: 'qpay-android-light.png', phone: 'android', scheme: 'light', lang: 'mn', invoice: qpayInvoice },
  { file: 'tbank-light.png', phone: 'iphone13', scheme: 'light', lang: 'ru', invoice: tbankInvoice, banks: true },
  { file: 'tbank-dark.png', phone: 'iphone13', scheme: 'dark', lang: 'ru', invoice: tbankInvoice, banks: true },
  { file: 'tbank-search-light.png', phone: 'iphone13', scheme: 'light', lang: 'ru', invoice: tbankInvoice, banks: true, search: 'sber' },
  { file: 'qpay-android-hint-light.png', phone: 'android', scheme: 'light', lang: 'mn', invoice: qpayInvoice, tap: 'Khan bank' },
  { file: 'tbank-android-hint-light.png', phone: 'android', scheme: 'light', lang: 'ru', invoice: tbankInvoice, banks: true, tap: 'Сбербанк' },
  { file: 'tbank-android-hint-dark.png', phone: 'android', scheme: 'dark', lang: 'ru', invoice: tbankInvoice, banks: true, tap: 'Сбербанк' },
];
/** Past the element's wait after a bank tap (APP_OPEN_WAIT_MS in src/core/app-open.ts) before the hint shows. */
const HINT_WAIT_MS = 2800;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/page.css">
<script src="/qpay-checkout.min.js"></script></head>
<body><qpay-checkout mode="mobile"></qpay-checkout></body></html>`;
const PAGE_CSS = 'body { margin: 0; background: Canvas; color-scheme: light dark; }';

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
mkdirSync(outDir, { recursive: true });
try {
  for (const view of VIEWS) {
    const context = await browser.newContext({ ...PHONES[view.phone], isMobile: true, hasTouch: true, colorScheme: view.scheme });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== SHOP) return route.abort('internetdisconnected');
      const files = {
        '/': ['text/html', PAGE],
        '/page.css': ['text/css', PAGE_CSS],
        '/qpay-checkout.min.js': ['text/javascript', readFileSync(script)],
      };
      // The script file's sibling parts (the bank list, the en and ru texts), loaded from next to it.
      const part = /^\/(qpay-checkout\.[a-z-]+\.min\.js)$/.exec(url.pathname)?.[1];
      if (part && existsSync(join(root, 'dist', part))) files[url.pathname] = ['text/javascript', readFileSync(join(root, 'dist', part))];
      const file = files[url.pathname];
      return file ? route.fulfill({ contentType: file[0], body: file[1] }) : route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${SHOP}/`);
    await page.evaluate(
      async ({ invoice, banks, lang }) => {
        const el = document.querySelector('qpay-checkout');
        el.lang = lang;
        if (banks) el.banks = banks;
        el.invoice = invoice;
        await el.updateComplete;
      },
      { invoice: view.invoice(), banks: view.banks ? fixture('nspk-c2bmembers.sample.json') : undefined, lang: view.lang },
    );
    if (view.search) {
      await page.locator('qpay-checkout input[type="search"]').fill(view.search);
      await page.evaluate(() => document.querySelector('qpay-checkout').updateComplete);
    }
    if (view.tap) {
      // The tile's link goes nowhere: the page stops the browser from following it, after the element saw the tap.
      await page.evaluate(() => document.querySelector('qpay-checkout').addEventListener('click', (event) => event.preventDefault()));
      await page.locator('qpay-checkout a[part~="bank"]', { hasText: view.tap }).first().tap();
      await page.waitForTimeout(HINT_WAIT_MS);
      if ((await page.locator('qpay-checkout .hint').count()) !== 1) throw new Error(`${view.file}: no hint ${HINT_WAIT_MS} ms after the tap`);
    }
    // The initials show after their moment of grace, once the logos failed.
    await page.waitForTimeout(800);
    if (errors.length > 0) throw new Error(`${view.file}: page errors: ${errors.join('; ')}`);
    const path = join(outDir, view.file);
    await page.screenshot({ path });
    console.log(`  ${relative(root, path)}  (${view.phone} ${PHONES[view.phone].viewport.width}x${PHONES[view.phone].viewport.height}, ${view.scheme}, lang=${view.lang})`);
    await context.close();
  }
} finally {
  await browser.close();
}
