// Three shop processes (the Node adapter) sharing one real store, requests spread over them, against the QPay mock
// served over HTTP: provider calls stay coalesced across processes, onPaid runs once, one invoice per order, and a
// payment survives `kill -9` of the process that created the invoice and a full restart. Then the default
// MemoryStore in one process that restarts: what the store forgot is rebuilt from QPay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres, startRedis, type TestServer } from '../helpers/servers.js';
import { callbackPath, createInvoice, readEventStream, runLoad, serveQPayMock, startCluster, type Cluster } from './cluster-kit.js';

const qpay = await serveQPayMock();
after(() => qpay.close());

function clusterSuite(name: string, startServer: () => Promise<TestServer>) {
  describe(`three shop processes on ${name}`, () => {
    let server: TestServer;
    let cluster: Cluster;
    before(async () => {
      server = await startServer();
      cluster = await startCluster({ size: 3, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl });
    });
    after(async () => {
      await cluster?.stop();
      await server?.stop();
    });

    it('1,000 pollers over 100 invoices for 10 s: at most one QPay status call per invoice per second in total', async () => {
      const invoiceIds: string[] = [];
      for (let i = 0; i < 100; i++) {
        const { status, body } = await createInvoice(cluster, i % 3, `o-${i}`);
        assert.equal(status, 201);
        invoiceIds.push(body.invoice_id);
      }
      qpay.mock.controls.calls.clear();
      const started = Date.now();
      const load = await runLoad({ baseUrls: cluster.shops.map((shop) => shop.baseUrl), invoiceIds, pollers: 1000, durationMs: 10_000, interval: 2000 });
      const seconds = Math.ceil((Date.now() - started) / 1000);
      const checks = qpay.mock.controls.calls.count('payment/check');
      console.log(`# ${name}: ${load.requests} polls (${load.rps}/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms), ${checks} QPay status calls for 100 invoices in ${seconds} s`);
      assert.equal(load.failed, 0);
      // Throughput is the bench's business; here every poller must have been answered, none refused.
      assert.ok(load.requests >= 1000, `only ${load.requests} polls were answered`);
      assert.ok(checks <= 100 * seconds, `${checks} QPay status calls for 100 invoices in ${seconds} s`);
    });

    it('100 concurrent identical callbacks spread over the processes: onPaid exactly once', async () => {
      const { body: invoice } = await createInvoice(cluster, 0, 'o-500');
      const { callbackUrl } = qpay.mock.controls.pay(invoice.invoice_id, undefined, { callback: false });
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => cluster.fetch(i % 3, callbackPath(callbackUrl!)).then(async (r) => [r.status, await r.text()] as const)),
      );
      assert.ok(answers.some(([status, text]) => status === 200 && text === 'SUCCESS'));
      // Retries of the non-success answers (what QPay does) all end in SUCCESS, and still one onPaid.
      for (let i = 0; i < 3; i++) assert.equal(await (await cluster.fetch(i, callbackPath(callbackUrl!))).text(), 'SUCCESS');
      // onPaid runs in one process's delivery worker, beside the answers: wait for it, then a while longer for a double.
      await deliveredAll(cluster, [invoice.invoice_id]);
      assert.equal(cluster.paid().filter((line) => line.invoiceId === invoice.invoice_id).length, 1);
    });

    it('concurrent POST /invoice for one order on all three processes: one invoice', async () => {
      const created = qpay.mock.controls.calls.count('invoice/create');
      const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => createInvoice(cluster, i % 3, 'o-600')));
      assert.equal(new Set(answers.map((answer) => answer.body.invoice_id)).size, 1);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 201]);
      assert.equal(qpay.mock.controls.calls.count('invoice/create'), created + 1);
    });

    it('a callback that lands on one process reaches the event stream another process holds, at once', async () => {
      const { body: invoice } = await createInvoice(cluster, 0, 'o-650');
      const response = await cluster.fetch(0, `/qpay/events/${invoice.invoice_id}`);
      assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
      const stream = readEventStream(response);
      assert.ok(await stream.until(/"status":"NEW"/));
      const { callbackUrl } = qpay.mock.controls.pay(invoice.invoice_id, undefined, { callback: false });
      const started = performance.now();
      const [answer, pushed] = await Promise.all([cluster.fetch(2, callbackPath(callbackUrl!)).then((r) => r.text()), stream.until(/"status":"PAID"/)]);
      console.log(`# ${name}: callback on process 3 -> PAID in the stream of process 1 after ${Math.round(performance.now() - started)} ms`);
      assert.equal(answer, 'SUCCESS');
      assert.ok(pushed, 'the stream never said PAID');
      await stream.cancel();
    });

    it('kill -9 of the process that made the invoice, then a full restart: onPaid once, status PAID', async () => {
      const { body: first } = await createInvoice(cluster, 0, 'o-700');
      const { body: second } = await createInvoice(cluster, 0, 'o-701');
      await cluster.kill(0);
      const paidFirst = qpay.mock.controls.pay(first.invoice_id, undefined, { callback: false });
      assert.equal(await (await cluster.fetch(1, callbackPath(paidFirst.callbackUrl!))).text(), 'SUCCESS');
      assert.equal((await (await cluster.fetch(2, `/qpay/status/${first.invoice_id}`)).json()).status, 'PAID');
      // onPaid runs in the delivery worker after the answer: killed mid-run, it would wait out its 45 s lease.
      await deliveredAll(cluster, [first.invoice_id]);

      await Promise.all([cluster.kill(1), cluster.kill(2)]);
      await Promise.all([0, 1, 2].map((index) => cluster.start(index)));
      const paidSecond = qpay.mock.controls.pay(second.invoice_id, undefined, { callback: false });
      assert.equal(await (await cluster.fetch(2, callbackPath(paidSecond.callbackUrl!))).text(), 'SUCCESS');
      assert.equal(await (await cluster.fetch(0, callbackPath(paidFirst.callbackUrl!))).text(), 'SUCCESS');
      for (const index of [0, 1, 2]) {
        assert.equal((await (await cluster.fetch(index, `/qpay/status/${second.invoice_id}`)).json()).status, 'PAID');
      }
      await deliveredAll(cluster, [first.invoice_id, second.invoice_id]);
      const lines = cluster.paid();
      assert.deepEqual(
        [first.invoice_id, second.invoice_id].map((id) => lines.filter((line) => line.invoiceId === id).map((line) => [line.orderId, line.amount])),
        [[['o-700', 1700]], [['o-701', 1701]]],
      );
    });
  });
}

/**
 * onPaid runs in a process's delivery worker, beside the callback's answer: waits until every invoice in `ids` shows in
 * the onPaid log (5 s at most), then a little longer so a double run would show too.
 */
async function deliveredAll(cluster: Cluster, ids: string[]): Promise<void> {
  const missing = () => ids.filter((id) => !cluster.paid().some((line) => line.invoiceId === id));
  for (let waited = 0; missing().length > 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 300));
}

clusterSuite('Redis', startRedis);
clusterSuite('PostgreSQL', startPostgres);

describe('one shop process on the default MemoryStore, restarted', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ size: 1, storeUrl: 'memory', qpayBaseUrl: qpay.baseUrl });
  });
  after(() => cluster?.stop());

  it('kill -9 after the invoice was made: the new process confirms the paid callback, runs onPaid once, answers PAID', async () => {
    const { body: invoice } = await createInvoice(cluster, 0, 'o-800');
    await cluster.kill(0);
    await cluster.start(0);
    assert.equal((await (await cluster.fetch(0, `/qpay/status/${invoice.invoice_id}`)).json()).status, 'NEW');
    const { callbackUrl } = qpay.mock.controls.pay(invoice.invoice_id, undefined, { callback: false });
    const answers = await Promise.all([0, 1, 2].map(() => cluster.fetch(0, callbackPath(callbackUrl!)).then((r) => r.text())));
    assert.ok(answers.includes('SUCCESS'));
    assert.equal(await (await cluster.fetch(0, callbackPath(callbackUrl!))).text(), 'SUCCESS');
    assert.equal((await (await cluster.fetch(0, `/qpay/status/${invoice.invoice_id}`)).json()).status, 'PAID');
    await deliveredAll(cluster, [invoice.invoice_id]);
    assert.deepEqual(
      cluster.paid().filter((line) => line.invoiceId === invoice.invoice_id).map((line) => [line.orderId, line.amount, line.paidAmount]),
      [['o-800', 1800, 1800]],
    );
  });
});
