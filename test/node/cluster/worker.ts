// One shop process of the cluster tests and bench: the QPay checkout handler on node:http, its QPayClient talking to
// the QPay mock served over HTTP by the parent, its store chosen by STORE_URL (`memory`, `redis://…`,
// `postgres://…`), and every onPaid appended as a JSON line to ONPAID_LOG (O_APPEND: lines from several processes
// never interleave). Prints `READY <port>` once listening.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, QPayClient, createQPayCheckoutHandler, toNodeHandler, type CheckoutStore } from '../../../src/server/index.js';

const { STORE_URL = 'memory', QPAY_BASE_URL, ONPAID_LOG, PORT = '0', ON_PAID_DELAY_MS = '0' } = process.env;
if (!QPAY_BASE_URL || !ONPAID_LOG) throw new Error('worker: QPAY_BASE_URL and ONPAID_LOG are required');

async function openStore(): Promise<CheckoutStore & { close?: () => Promise<void> }> {
  if (STORE_URL === 'memory') return new MemoryStore();
  if (STORE_URL.startsWith('redis://')) {
    const { RedisStore } = await import('../../../src/server/stores/redis-store.js');
    return new RedisStore(STORE_URL);
  }
  if (STORE_URL.startsWith('postgres://')) {
    const { PostgresStore } = await import('../../../src/server/stores/postgres-store.js');
    const store = new PostgresStore(STORE_URL);
    await store.migrate();
    return store;
  }
  throw new Error(`worker: unknown STORE_URL ${STORE_URL}`);
}

const store = await openStore();
const delay = Number(ON_PAID_DELAY_MS);
const handler = createQPayCheckoutHandler({
  client: new QPayClient({ clientId: 'CLUSTER_SHOP', clientSecret: 'cluster-secret', baseUrl: QPAY_BASE_URL }),
  invoiceCode: 'TEST_INVOICE',
  callbackUrl: 'http://shop.test/qpay/callback',
  // Several instances of one shop share the secret, so any of them can check any callback's signature.
  callbackSecret: 'cluster-test-callback-secret-0123456789',
  store,
  // The test's orders: `o-<n>` costs 1000 + n; anything else is not an order.
  getOrder: (_request, body) => {
    const orderId = (body as { orderId?: unknown } | undefined)?.orderId;
    const match = typeof orderId === 'string' ? /^o-(\d{1,6})$/.exec(orderId) : null;
    return match ? { orderId: orderId as string, amount: 1000 + Number(match[1]) } : null;
  },
  onPaid: async (event) => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const { invoiceId, orderId, amount, paidAmount, alreadyPaidBy, redelivery } = event;
    appendFileSync(ONPAID_LOG, `${JSON.stringify({ pid: process.pid, invoiceId, orderId, amount, paidAmount, alreadyPaidBy, redelivery })}\n`);
  },
});

const server = createServer({ keepAliveTimeout: 30_000 }, toNodeHandler(handler));
server.listen(Number(PORT), '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});

async function shutdown() {
  server.closeAllConnections();
  server.close();
  await handler.idle();
  await store.close?.();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
