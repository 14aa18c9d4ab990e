// Issue 15, "Amnesia pays twice": a store that lost its data must not make the shop fulfil an order twice without
// telling it. A Redis without persistence restarted empty under three running shop processes: QPay's callbacks and
// pages' status polls for 20 paid and delivered invoices run onPaid again only with `redelivery: true`. A MemoryStore
// shop restarted: getOrder says the order is paid (the shop's own database), so no new payable QR is made.
// Before (9f0cf9b): 20 of 20 ran again as attempt 1 with nothing to tell; 100 of 100 paid orders got a new QR (201).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startRedis } from '../helpers/servers.js';
import { createInvoice, serveQPayMock, startCluster } from '../cluster/cluster-kit.js';
import { paidInvoice, runsOf, sleep, until } from './durable-kit.js';

const qpay = await serveQPayMock();
after(() => qpay.close());

describe('amnesia', { concurrency: 1 }, () => {
  it('Redis without persistence restarted empty: 20 delivered invoices run onPaid again only as redeliveries', async () => {
    const server = await startRedis({ persistence: false });
    const cluster = await startCluster({ size: 3, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl, handlerOptions: { deliveryIntervalMs: 500 }, logToFile: true });
    try {
      const invoices: { invoiceId: string; callback: string }[] = [];
      for (let i = 0; i < 20; i++) invoices.push(await paidInvoice(cluster, qpay.mock, i % 3, `o-${500 + i}`));
      for (const [i, { callback }] of invoices.entries()) assert.equal(await (await cluster.fetch(i % 3, callback)).text(), 'SUCCESS');
      await until(() => invoices.every(({ invoiceId }) => runsOf(cluster, invoiceId).length === 1), 20_000, 'onPaid for the 20 invoices');
      const before = cluster.paid().length;

      await server.crash();
      await server.restart();
      // What a shop sees after the wipe, on every process: pages polling, QPay calling each callback again.
      for (let round = 0; round < 3; round++) {
        for (const { invoiceId, callback } of invoices) {
          await Promise.all([0, 1, 2].map((index) => cluster.fetch(index, round === 1 ? callback : `/qpay/status/${invoiceId}`).then((r) => r.text(), () => '')));
        }
        await sleep(500);
      }
      await sleep(3000);
      const again = cluster.paid().slice(before);
      const perInvoice = invoices.map(({ invoiceId }) => again.filter((line) => line.invoiceId === invoiceId).length);
      console.log(
        `# Redis wiped: ${again.length} onPaid runs again for 20 delivered invoices, ${again.filter((line) => line.redelivery).length} with redelivery: true`,
      );
      assert.deepEqual(
        again.filter((line) => line.redelivery !== true).map((line) => [line.invoiceId, line.attempt]),
        [],
        'an onPaid after the wipe without redelivery: true',
      );
      assert.ok(perInvoice.every((count) => count <= 1), `runs again per invoice: ${perInvoice.join(', ')}`);
      assert.match(cluster.logs(), /DATA LOSS: the checkout store lost its data/);
    } finally {
      await cluster.stop();
      await server.stop();
    }
  });

  it('MemoryStore restarted: getOrder says paid, so 100 of 100 paid orders get 409 ORDER_ALREADY_PAID and no new QR', async () => {
    const cluster = await startCluster({ size: 1, storeUrl: 'memory', qpayBaseUrl: qpay.baseUrl, handlerOptions: { deliveryIntervalMs: 500 } });
    try {
      const orders = Array.from({ length: 100 }, (_, i) => `o-${600 + i}`);
      for (const orderId of orders) {
        const { callback } = await paidInvoice(cluster, qpay.mock, 0, orderId);
        assert.equal(await (await cluster.fetch(0, callback)).text(), 'SUCCESS');
      }
      await until(() => cluster.paid().length >= 100, 30_000, 'onPaid for the 100 orders');
      await cluster.kill(0);
      await cluster.start(0);
      const created = qpay.mock.controls.calls.count('invoice/create');
      const answers = await Promise.all(orders.map((orderId) => createInvoice(cluster, 0, orderId)));
      const refused = answers.filter(({ status, body }) => status === 409 && body.error === 'ORDER_ALREADY_PAID').length;
      console.log(`# MemoryStore restarted: ${refused} of 100 paid orders refused a new invoice`);
      assert.equal(refused, 100);
      assert.equal(qpay.mock.controls.calls.count('invoice/create'), created);
    } finally {
      await cluster.stop();
    }
  });
});
