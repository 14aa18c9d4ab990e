// One shop process of the cluster tests and bench: the QPay checkout handler on node:http, its QPayClient talking to
// the QPay mock served over HTTP by the parent, its store chosen by STORE_URL (`memory`, `redis://…`,
// `postgres://…`), and every onPaid appended as a JSON line to ONPAID_LOG (O_APPEND: lines from several processes
// never interleave). Prints `READY <port>` once listening.
// For the fault tests: ONPAID_STARTED_LOG gets a line as each onPaid run starts; ONPAID_CONTROL names a JSON file read
// at each run ({"mode":"block"} never settles, {"mode":"throw-first-attempt"} throws on attempt 1, anything else runs
// normally); HANDLER_LOG gets the handler's log lines; HANDLER_OPTIONS is JSON merged into the handler's options (timeouts, intervals). The shop's own database
// is the onPaid log: getOrder answers `paid: true` for an order it holds.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, QPayClient, createQPayCheckoutHandler, toNodeHandler, type CheckoutStore } from '../../../src/server/index.js';

const { STORE_URL = 'memory', QPAY_BASE_URL, ONPAID_LOG, ONPAID_STARTED_LOG, ONPAID_CONTROL, HANDLER_LOG, HANDLER_OPTIONS = '{}', PORT = '0', ON_PAID_DELAY_MS = '0' } =
  process.env;
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

/** How onPaid behaves on this run, from the file the test writes (read at each run, so a test can switch it). */
function onPaidMode(): string | undefined {
  if (!ONPAID_CONTROL || !existsSync(ONPAID_CONTROL)) return undefined;
  return (JSON.parse(readFileSync(ONPAID_CONTROL, 'utf8') || '{}') as { mode?: string }).mode;
}

/** The orders the shop fulfilled: those onPaid recorded (the shop's own database, which survives the store). */
function fulfilled(orderId: string): boolean {
  return readFileSync(ONPAID_LOG!, 'utf8').includes(`"orderId":${JSON.stringify(orderId)}`);
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
    if (!match) return null;
    return { orderId: orderId as string, amount: 1000 + Number(match[1]), ...(fulfilled(orderId as string) ? { paid: true } : {}) };
  },
  onPaid: async (event) => {
    const { invoiceId, orderId, amount, paidAmount, alreadyPaidBy, attempt, redelivery } = event;
    if (ONPAID_STARTED_LOG) appendFileSync(ONPAID_STARTED_LOG, `${JSON.stringify({ pid: process.pid, invoiceId, orderId, attempt, redelivery, at: Date.now() })}\n`);
    const mode = onPaidMode();
    if (mode === 'block') await new Promise(() => {});
    if (mode === 'throw-first-attempt' && attempt === 1) throw new Error(`orders database blip for ${orderId}`);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    appendFileSync(ONPAID_LOG, `${JSON.stringify({ pid: process.pid, invoiceId, orderId, amount, paidAmount, alreadyPaidBy, attempt, redelivery, at: Date.now() })}\n`);
  },
  // The handler's log lines in a file the test can read (DATA LOSS, retries), rather than on the test's stderr.
  ...(HANDLER_LOG ? { logger: { error: (message: string) => appendFileSync(HANDLER_LOG, `${process.pid} ${message}\n`) } } : {}),
  ...(JSON.parse(HANDLER_OPTIONS) as object),
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
