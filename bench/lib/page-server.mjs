// The bench's web server on 127.0.0.1 (port 0): the built package (dist/), the bench bundles, the
// bench pages, a plain page that uses the <script> file, and a merchant status endpoint whose
// answer flips to PAID on request. Nothing here is reachable from outside the machine.
//   GET  /dist/**, /bundles/**, /pages/**     static files
//   GET  /script-page.html?path=image|drawn  plain page: <script src=/dist/qpay-checkout.min.js defer> + the tag
//   GET  /api/status/:id                     {"status":"NEW"} until paid, then {"status":"PAID"}
//   POST /api/pay/:id                        turns that invoice PAID (204)
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pagesDir = fileURLToPath(new URL('../pages', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** `file` under `dir`, or null when the path would leave it. */
function within(dir, path) {
  const file = normalize(join(dir, decodeURIComponent(path)));
  return file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? file : null;
}

/** Escapes text for a double-quoted HTML attribute value. */
function attribute(text) {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * @param {{ bundlesDir: string, invoices: { image: object, drawn: object } }} options
 *   invoices: the QPay invoices the plain <script> page embeds (its id is made unique per request).
 */
export function startPageServer({ bundlesDir, invoices }) {
  const paid = new Set();
  /** Status requests answered, per invoice id. */
  const statusRequests = new Map();
  const mounts = [
    ['/dist/', join(root, 'dist')],
    ['/bundles/', bundlesDir],
    ['/pages/', pagesDir],
  ];
  let pageCounter = 0;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const send = (status, body, type = 'text/plain; charset=utf-8', headers = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };

    const status = /^\/api\/status\/([^/]+)$/.exec(path);
    if (status && req.method === 'GET') {
      const id = decodeURIComponent(status[1]);
      statusRequests.set(id, (statusRequests.get(id) ?? 0) + 1);
      return send(200, JSON.stringify({ status: paid.has(id) ? 'PAID' : 'NEW' }), 'application/json');
    }
    const pay = /^\/api\/pay\/([^/]+)$/.exec(path);
    if (pay && req.method === 'POST') {
      paid.add(decodeURIComponent(pay[1]));
      res.writeHead(204, { 'cache-control': 'no-store' });
      return res.end();
    }
    if (path === '/script-page.html') {
      const kind = url.searchParams.get('path') === 'drawn' ? 'drawn' : 'image';
      const invoice = { ...invoices[kind], invoice_id: `script-page-${kind}-${++pageCounter}` };
      return send(
        200,
        `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout</title>
<script src="/dist/qpay-checkout.min.js" defer></script>
<script src="/pages/paint.js" defer></script>
<script src="/pages/script-probe.js" defer></script>
</head>
<body>
<h1>Pay for your order</h1>
<qpay-checkout lang="en" mode="desktop" status-url="/api/status/{id}" invoice="${attribute(JSON.stringify(invoice))}"></qpay-checkout>
</body>
</html>`,
        'text/html; charset=utf-8',
      );
    }
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = within(dir, path.slice(prefix.length));
      if (!file || !existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
    send(404, 'Not found');
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        statusRequests,
        /** The file a served URL path maps to (for sizing what a page loaded), or null. */
        fileFor(urlPath) {
          for (const [prefix, dir] of mounts) if (urlPath.startsWith(prefix)) return within(dir, urlPath.slice(prefix.length));
          return null;
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
