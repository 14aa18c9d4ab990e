// The merchant side of the server benchmark, run as a child process with an IPC channel:
// toNodeHandler(createCheckoutHandler(...)) on 127.0.0.1 (port 0), its QPayClient talking to the
// QPay mock through msw/node in this same process (nothing leaves the machine), using the built
// package (dist/server.js, dist/mock.js) as a shop would install it.
//   argv[2]: number of invoices to open before the load starts
// Messages: -> {type:'ready', port, invoiceIds}; <- 'reset' -> {type:'reset'}; <- 'counts' -> {type:'counts', ...}
import { createServer } from 'node:http';
import { setupServer } from 'msw/node';

const { QPayClient, createQPayCheckoutHandler, toNodeHandler } = await import(new URL('../../dist/server.js', import.meta.url).href);
const { createQPayMock, QPAY_MOCK_SANDBOX_URL } = await import(new URL('../../dist/mock.js', import.meta.url).href);

const invoiceCount = Number(process.argv[2] ?? 100);
if (!Number.isInteger(invoiceCount) || invoiceCount < 1) throw new Error('status-server: expected an invoice count');

const mock = createQPayMock({ invoiceCode: 'TEST_INVOICE', drawQrImage: false });
const msw = setupServer(...mock.handlers);
// Anything not meant for the mock is an error, so the benchmark can never reach the real QPay.
msw.listen({ onUnhandledRequest: 'error' });

const client = new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: QPAY_MOCK_SANDBOX_URL });
const orders = new Map();
const handler = createQPayCheckoutHandler({
  client,
  invoiceCode: 'TEST_INVOICE',
  callbackUrl: 'http://127.0.0.1/qpay/callback',
  getOrder: (_request, body) => orders.get(body?.orderId),
  onPaid: () => {},
});

const invoiceIds = [];
for (let i = 0; i < invoiceCount; i++) {
  const orderId = `bench-order-${i}`;
  orders.set(orderId, { orderId, amount: 1000 + i, description: `Bench order ${i}` });
  const response = await handler(
    new Request('http://127.0.0.1/qpay/invoice', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId }),
    }),
  );
  const body = await response.json();
  if (!response.ok || typeof body.invoice_id !== 'string') throw new Error(`status-server: invoice ${i} failed: HTTP ${response.status}`);
  invoiceIds.push(body.invoice_id);
}

const server = createServer({ keepAliveTimeout: 30_000 }, toNodeHandler(handler));
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port, invoiceIds });
});

let cpuMark = process.cpuUsage();
process.on('message', (message) => {
  if (message === 'reset') {
    mock.controls.calls.clear();
    cpuMark = process.cpuUsage();
    process.send({ type: 'reset' });
  } else if (message === 'counts') {
    const { calls } = mock.controls;
    const cpu = process.cpuUsage(cpuMark);
    process.send({
      type: 'counts',
      qpayCalls: calls.count(),
      paymentChecks: calls.count('payment/check'),
      tokenRequests: calls.count('auth/token'),
      refreshRequests: calls.count('auth/refresh'),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    });
  } else if (message === 'close') {
    server.closeAllConnections?.();
    server.close(() => {
      msw.close();
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
