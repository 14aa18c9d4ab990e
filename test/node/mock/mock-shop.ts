// One shop process for the standalone mock's test: a QPay handler under /qpay and a TBank handler under /tbank, each
// with its own MemoryStore, both talking over HTTP to the mock at MOCK_URL; callbacks come back to this process's own
// port. Prints `READY <port>` once listening and `PAID <provider> <invoiceId> <orderId> <paidAmount>` for each onPaid.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MemoryStore,
  QPayClient,
  TBankProvider,
  TBankQrPayClient,
  createCheckoutHandler,
  createQPayCheckoutHandler,
  toNodeHandler,
  type CheckoutHandler,
} from '../../../src/server/index.js';

const { MOCK_URL } = process.env;
if (!MOCK_URL) throw new Error('mock-shop: MOCK_URL is required');

// The test's orders: `o-<n>` costs 1000 + n.
const getOrder = (_request: Request, body: unknown) => {
  const orderId = (body as { orderId?: unknown } | undefined)?.orderId;
  const match = typeof orderId === 'string' ? /^o-(\d{1,6})$/.exec(orderId) : null;
  return match ? { orderId: orderId as string, amount: 1000 + Number(match[1]) } : null;
};
const onPaid = (provider: string) => (event: { invoiceId: string; orderId: string; paidAmount: number }) => {
  process.stdout.write(`PAID ${provider} ${event.invoiceId} ${event.orderId} ${event.paidAmount}\n`);
};

let handlers: { qpay: CheckoutHandler; tbank: CheckoutHandler } | undefined;
const server = createServer((req, res) => {
  const next = () => toNodeHandler(handlers!.tbank)(req, res);
  toNodeHandler(handlers!.qpay)(req, res, next);
});
server.listen(0, '127.0.0.1', () => {
  const shop = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handlers = {
    qpay: createQPayCheckoutHandler({
      client: new QPayClient({ clientId: 'TEST_MERCHANT', clientSecret: '123456', baseUrl: `${MOCK_URL}/qpay` }),
      invoiceCode: 'TEST_INVOICE',
      basePath: '/qpay',
      callbackUrl: `${shop}/qpay/callback`,
      store: new MemoryStore(),
      getOrder,
      onPaid: onPaid('qpay'),
    }),
    tbank: createCheckoutHandler({
      provider: new TBankProvider({
        client: new TBankQrPayClient({ agentId: 'MOCK_AGENT', mchId: 'MOCK_MCH', terId: 'MOCK_TER', signKey: 'mock-sign-key', baseUrl: `${MOCK_URL}/tbank` }),
      }),
      basePath: '/tbank',
      callbackUrl: `${shop}/tbank/callback`,
      store: new MemoryStore(),
      getOrder,
      onPaid: onPaid('tbank'),
    }),
  };
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
