// A shop page that declares no charset, for the charset test, served by the test runner itself:
//   GET /charset-test/page.html?lang=xx        no <meta charset>, `Content-Type: text/html` without a charset,
//       so the browser guesses the page's encoding (windows-1252 in Chromium), and a script it loads without
//       a charset of its own is read in that encoding too. The page loads the built <script> file, takes an
//       invoice by postMessage and answers with what its element shows (and the encoding it was read in).
//   GET /charset-test/qpay-checkout.min.js     the built dist/qpay-checkout.min.js, as plain
//       `application/javascript` without a charset (run `node scripts/build.mjs` first); likewise the parts it
//       loads from next to it, /charset-test/qpay-checkout.<part>.min.js (the ru texts here).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../../../dist/', import.meta.url);

// Pure ASCII on purpose: this page must not depend on its encoding either.
const page = (lang) => `<!doctype html>
<title>charset test</title>
<qpay-checkout mode="desktop" lang="${lang}"></qpay-checkout>
<script src="/charset-test/qpay-checkout.min.js"></script>
<script>
  const text = (root, selector) => (root.querySelector(selector)?.textContent ?? '').replace(/\\s+/g, ' ').trim();
  addEventListener('message', async (event) => {
    const el = document.querySelector('qpay-checkout');
    el.invoice = event.data;
    await el.updateComplete;
    const shown = { status: text(el.shadowRoot, '[part~="status"]'), heading: text(el.shadowRoot, '.heading') };
    parent.postMessage({ charset: document.characterSet, defined: !!customElements.get('qpay-checkout'), ...shown }, '*');
  });
  parent.postMessage('ready', '*');
</script>
`;

export function charsetTestPage(context, next) {
  if (!context.path.startsWith('/charset-test/')) return next();
  context.set('Cache-Control', 'no-store');
  if (context.path === '/charset-test/page.html') {
    const lang = /^[a-z]{2}$/.test(context.query.lang ?? '') ? context.query.lang : 'mn';
    // Set as a header before the body, so Koa adds no charset of its own.
    context.set('Content-Type', 'text/html');
    context.body = Buffer.from(page(lang), 'ascii');
    return undefined;
  }
  const name = context.path.match(/^\/charset-test\/(qpay-checkout(?:\.[a-z-]+)?\.min\.js)$/)?.[1];
  if (name) {
    const scriptFile = fileURLToPath(new URL(name, dist));
    if (!existsSync(scriptFile)) {
      context.status = 404;
      context.set('Content-Type', 'text/plain');
      context.body = Buffer.from(`dist/${name} is missing: run \`node scripts/build.mjs\` before the browser tests`);
      return undefined;
    }
    context.set('Content-Type', 'application/javascript');
    context.body = readFileSync(scriptFile);
    return undefined;
  }
  return next();
}
