// Issue 15, "A 5 s store blip doubles onPaid", on real Redis (with its append-only file: a blip, not a wipe) and
// PostgreSQL, three shop processes: three orders paid, the store stopped while their onPaid runs and started again
// 5 s later, then QPay's callbacks and pages' status polls keep coming on every process past the runs' leases.
// onPaid ran exactly once per order. Before the outbox (9f0cf9b), a run that finished during the outage could not
// record it, and the next request after the lease ran it again: 3 of 3 doubled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres, startRedis, type TestServer } from '../helpers/servers.js';
import { serveQPayMock, startCluster, type Cluster } from '../cluster/cluster-kit.js';
import { paidInvoice, runsOf, sleep, until } from './durable-kit.js';

const qpay = await serveQPayMock();
after(() => qpay.close());

const ON_PAID_MS = 1500;
// onPaid's timeout is short so the leases lapse soon (timeout + 15 s) and a double would show within the test.
const HANDLER_OPTIONS = { onPaidTimeoutMs: 3000, deliveryIntervalMs: 500 };
const LEASE_MS = HANDLER_OPTIONS.onPaidTimeoutMs + 15_000;

function blipSuite(name: string, startServer: () => Promise<TestServer>, orderBase: number) {
  describe(`a 5 s outage of ${name} while onPaid runs, three shop processes`, { concurrency: 1 }, () => {
    let server: TestServer;
    let cluster: Cluster;
    before(async () => {
      server = await startServer();
      const options = { size: 3, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl, handlerOptions: HANDLER_OPTIONS, onPaidDelayMs: ON_PAID_MS, logToFile: true };
      cluster = await startCluster(options);
    });
    after(async () => {
      await cluster?.stop();
      await server?.stop();
    });

    it('3 orders: onPaid ran exactly once each, through the outage and callbacks and polls past the leases', async () => {
      const invoices = await Promise.all([0, 1, 2].map((index) => paidInvoice(cluster, qpay.mock, index, `o-${orderBase + index}`)));
      const ids = invoices.map((invoice) => invoice.invoiceId);
      // QPay's callbacks, one per process; not awaited: the old handler answered only after onPaid.
      const answers = invoices.map(({ callback }, index) => cluster.fetch(index, callback).then((r) => r.text(), () => 'no answer'));
      const starts = () => ids.filter((id) => cluster.started().some((line) => line.invoiceId === id)).length;
      await until(() => starts() === 3, 10_000, 'onPaid started for the 3 orders');
      const claimedAt = Date.now();
      await server.crash();
      await sleep(5000);
      await server.restart();
      assert.equal(runsOf(cluster, ids[0]!).length + runsOf(cluster, ids[1]!).length + runsOf(cluster, ids[2]!).length, 3, 'the 3 runs finished during the outage');
      await Promise.all(answers);
      // Traffic as in production until well past the runs' leases: callbacks retried, pages polling, on every process.
      for (let round = 0; Date.now() < claimedAt + LEASE_MS + 4000; round++) {
        await Promise.all(
          invoices.flatMap(({ invoiceId, callback }) =>
            [0, 1, 2].map((index) => cluster.fetch(index, round % 4 === 0 ? callback : `/qpay/status/${invoiceId}`).then((r) => r.text(), () => '')),
          ),
        );
        await sleep(500);
      }
      const counts = ids.map((id) => runsOf(cluster, id).length);
      const started = ids.map((id) => cluster.started().filter((line) => line.invoiceId === id).length);
      console.log(`# ${name}: onPaid runs per order after a 5 s outage: ${counts.join(', ')} (started ${started.join(', ')})`);
      assert.deepEqual(counts, [1, 1, 1]);
      assert.deepEqual(started, [1, 1, 1]);
    });
  });
}

describe('a store blip never doubles onPaid', { concurrency: 2 }, () => {
  blipSuite('Redis', () => startRedis({ persistence: true }), 300);
  blipSuite('PostgreSQL', startPostgres, 400);
});
