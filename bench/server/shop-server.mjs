// The shop of the push benchmark, run as a child process with an IPC channel: the real QPay checkout handler
// (dist/server.js, MemoryStore) behind toNodeHandler on 127.0.0.1 (port 0), its QPayClient talking to the QPay
// mock through msw/node in this process, and the bench pages and bundles as static files, so the pages and the
// shop share one origin. A payment is made in the mock, whose callback is handed to the handler in process: the
// moment it is handed over is "the provider's callback arrives at the shop".
//   argv[2]: the bench bundles folder
// GET /qpay/status/:id, /qpay/events/:id (the handler's routes); /bundles/**, /pages/** static files.
// Messages (each answered with the same `type`):
//   {type:'invoice', amount}       -> {invoice}            a new invoice through POST /qpay/invoice
//   {type:'pay', invoiceId}        -> {callbackAt}         paid in the mock; its callback handed to the handler at callbackAt (epoch ms)
//   {type:'outage', until}         -> {at}                 an outage from now: every /qpay connection is cut, and each request is cut
//                                                          (a network error) until `until[page]` (epoch ms; `?page=` of the request)
//   {type:'traffic'}               -> {byTag}              per `?bench=` tag: /qpay requests and bytes on the wire (both ways) so far
//   {type:'counts'}                -> {qpayCalls, cpuMs, heapUsed, rss, streams}  (after a GC; `reset` first)
//   {type:'reset'}                 -> {}                   zeroes the QPay call count and the CPU mark
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupServer } from 'msw/node';

const { MemoryStore, QPayClient, createQPayCheckoutHandler, toNodeHandler } = await import(new URL('../../dist/server.js', import.meta.url).href);
const { createQPayMock, QPAY_MOCK_SANDBOX_URL } = await import(new URL('../../dist/mock.js', import.meta.url).href);

const bundlesDir = process.argv[2];
/** See `fastWindowMs` below; the streams part waits this long after creating its invoices. */
const STEADY_AFTER_MS = 3000;
const pagesDir = fileURLToPath(new URL('../pages', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const within = (dir, path) => {
  const file = normalize(join(dir, decodeURIComponent(path)));
  return file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? file : null;
};

const mock = createQPayMock({ invoiceCode: 'TEST_INVOICE', drawQrImage: false });
const msw = setupServer(...mock.handlers);
// Anything not meant for the mock is an error, so the benchmark can never reach the real QPay.
msw.listen({ onUnhandledRequest: 'error' });

/**
 * Open sockets -> the `bench` tag of the last /qpay request on them (each page has its own browser context, so its
 * own sockets) and their byte count when they got it: a socket's bytes count for the tag it had when they passed.
 */
const sockets = new Map();
/** Per tag: /qpay requests, requests cut by an outage, and the bytes its sockets carried while they had it (closed or retagged). */
const traffic = new Map();
const tagged = (tag) => {
  let entry = traffic.get(tag);
  if (!entry) traffic.set(tag, (entry = { requests: 0, cut: 0, settledBytes: 0 }));
  return entry;
};
const bytesOf = (socket) => socket.bytesRead + socket.bytesWritten;
/** Books the socket's bytes so far to its current tag, and gives it `tag` from now on. */
function retag(socket, tag) {
  const entry = sockets.get(socket);
  if (entry) tagged(entry.tag).settledBytes += bytesOf(socket) - entry.from;
  if (tag === undefined) sockets.delete(socket);
  else sockets.set(socket, { tag, from: bytesOf(socket) });
}
/** During an outage: page -> epoch ms when its requests are answered again. */
let downUntil = null;
const server = createServer({ keepAliveTimeout: 30_000 });
server.on('connection', (socket) => {
  retag(socket, '');
  socket.on('close', () => retag(socket, undefined));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const orders = new Map();
const handler = createQPayCheckoutHandler({
  client: new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: QPAY_MOCK_SANDBOX_URL }),
  store: new MemoryStore(),
  invoiceCode: 'TEST_INVOICE',
  callbackUrl: `${origin}/qpay/callback`,
  getOrder: (_request, body) => orders.get(body?.orderId),
  onPaid: () => {},
  // Every bench page and stream comes from 127.0.0.1: the per-client cap (20 by default) would refuse the bench's own.
  maxStreamsPerClient: 100_000,
  // The fast window of provider checks after an invoice is shown (60 s by default) is cut to 3 s, so the open-streams
  // part measures the steady pace (one check per invoice per `sweepIntervalMs`) without waiting a minute. The other
  // parts do not depend on it: a callback records the payment whatever the pace.
  fastWindowMs: STEADY_AFTER_MS,
});
const nodeHandler = toNodeHandler(handler);

server.on('request', (req, res) => {
  const url = new URL(req.url ?? '/', origin);
  const path = url.pathname;
  if (path.startsWith('/qpay/')) {
    const tag = url.searchParams.get('bench') ?? '';
    if (downUntil && now() < (downUntil[url.searchParams.get('page')] ?? 0)) {
      tagged(tag).cut += 1;
      return req.socket.destroy();
    }
    if (sockets.get(req.socket)?.tag !== tag) retag(req.socket, tag);
    tagged(tag).requests += 1;
    return void nodeHandler(req, res);
  }
  for (const [prefix, dir] of [['/bundles/', bundlesDir], ['/pages/', pagesDir]]) {
    if (!path.startsWith(prefix)) continue;
    const file = within(dir, path.slice(prefix.length));
    if (!file || !existsSync(file) || !statSync(file).isFile()) break;
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    return void createReadStream(file).pipe(res);
  }
  res.writeHead(404).end();
});

let orderCounter = 0;
let cpuMark = process.cpuUsage();
const now = () => performance.timeOrigin + performance.now();

async function answer(message) {
  switch (message.type) {
    case 'invoice': {
      const orderId = `push-${++orderCounter}`;
      orders.set(orderId, { orderId, amount: message.amount ?? 15000, description: `Push bench order ${orderCounter}` });
      const response = await handler(new Request(`${origin}/qpay/invoice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId }) }));
      if (!response.ok) throw new Error(`invoice failed: HTTP ${response.status} ${await response.text()}`);
      return { invoice: await response.json() };
    }
    case 'pay': {
      let callbackAt;
      // QPay's callback, handed to the shop's handler in process (what the shop's web server would do).
      const deliver = (input, init) => ((callbackAt = now()), handler(new Request(input, init)));
      const { delivery } = mock.controls.pay(message.invoiceId, undefined, { fetch: deliver });
      const response = await delivery;
      if (!response?.ok) throw new Error(`the callback was answered HTTP ${response?.status}`);
      return { callbackAt };
    }
    case 'outage':
      downUntil = message.until;
      for (const socket of sockets.keys()) socket.destroy();
      return { at: now() };
    case 'traffic': {
      const byTag = {};
      for (const [tag, { requests, cut, settledBytes }] of traffic) byTag[tag] = { requests, cut, bytes: settledBytes };
      for (const [socket, { tag, from }] of sockets) {
        byTag[tag] ??= { requests: 0, cut: 0, bytes: 0 };
        byTag[tag].bytes += bytesOf(socket) - from;
      }
      return { byTag };
    }
    case 'reset':
      mock.controls.calls.clear();
      cpuMark = process.cpuUsage();
      return {};
    case 'counts': {
      globalThis.gc?.();
      const cpu = process.cpuUsage(cpuMark);
      const memory = process.memoryUsage();
      return { qpayCalls: mock.controls.calls.count(), cpuMs: (cpu.user + cpu.system) / 1000, heapUsed: memory.heapUsed, rss: memory.rss, sockets: sockets.size };
    }
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}

process.on('message', (message) => {
  if (message === 'close') {
    server.closeAllConnections?.();
    server.close(() => {
      msw.close();
      process.exit(0);
    });
    return;
  }
  answer(message).then(
    (result) => process.send({ type: message.type, ...result }),
    (error) => process.send({ type: message.type, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', origin });
