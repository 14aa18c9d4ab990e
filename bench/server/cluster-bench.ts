// The cluster part of the server benchmark, run by scripts/bench.mjs as `node --import tsx bench/server/cluster-bench.ts
// '<json settings>'`: the status route of one shop process on the default MemoryStore, and of three shop processes
// sharing a real Redis and a real PostgreSQL (started here on free ports, as the tests do), all on 127.0.0.1 against
// the QPay mock served over HTTP. Per setup: requests/s and p50/p99 of paced pollers spread over the processes, QPay
// status calls per invoice per second, and the time from a callback arriving at one process to the status route of
// another answering PAID, and to an event stream that another process holds saying PAID. Prints one JSON line.
import { callbackPath, createInvoice, readEventStream, runLoad, serveQPayMock, startCluster, type Cluster } from '../../test/node/cluster/cluster-kit.js';
import { startPostgres, startRedis, type TestServer } from '../../test/node/helpers/servers.js';

interface Settings {
  pollers: number;
  invoices: number;
  durationMs: number;
  interval: number;
  callbackReps: number;
}
const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
const qpay = await serveQPayMock();
let orderSeq = 0;

async function measure(cluster: Cluster) {
  const size = cluster.shops.length;
  const invoiceIds: string[] = [];
  for (let i = 0; i < settings.invoices; i++) {
    const { status, body } = await createInvoice(cluster, i % size, `o-${++orderSeq}`);
    if (status !== 201) throw new Error(`cluster bench: invoice ${i} answered ${status}`);
    invoiceIds.push(body.invoice_id);
  }
  qpay.mock.controls.calls.clear();
  const load = await runLoad({
    baseUrls: cluster.shops.map((shop) => shop.baseUrl),
    invoiceIds,
    pollers: settings.pollers,
    durationMs: settings.durationMs,
    interval: settings.interval,
  });
  const checks = qpay.mock.controls.calls.count('payment/check');
  const callsPerInvoicePerSecond = Math.round((checks / settings.invoices / (load.elapsedMs / 1000)) * 100) / 100;

  // A callback on the last process, then the status route of the first polled until it says PAID.
  const waits: number[] = [];
  for (let i = 0; i < settings.callbackReps; i++) {
    const { body } = await createInvoice(cluster, 0, `o-${++orderSeq}`);
    const { callbackUrl } = qpay.mock.controls.pay(body.invoice_id, undefined, { callback: false });
    const started = performance.now();
    await (await cluster.fetch(size - 1, callbackPath(callbackUrl!))).text();
    for (;;) {
      const answer = (await (await cluster.fetch(0, `/qpay/status/${body.invoice_id}`)).json()) as { status: string };
      if (answer.status === 'PAID') break;
      if (performance.now() - started > 10_000) throw new Error('cluster bench: PAID never reached the other process');
    }
    waits.push(performance.now() - started);
  }
  waits.sort((a, b) => a - b);

  // The same callback, seen through an event stream held by the first process (what a page with events-url hears).
  const pushes: number[] = [];
  for (let i = 0; i < settings.callbackReps; i++) {
    const { body } = await createInvoice(cluster, 0, `o-${++orderSeq}`);
    const stream = readEventStream(await cluster.fetch(0, `/qpay/events/${body.invoice_id}`));
    if (!(await stream.until(/"status":"NEW"/))) throw new Error('cluster bench: the stream ended before NEW');
    const { callbackUrl } = qpay.mock.controls.pay(body.invoice_id, undefined, { callback: false });
    const started = performance.now();
    const [, pushed] = await Promise.all([cluster.fetch(size - 1, callbackPath(callbackUrl!)).then((r) => r.text()), stream.until(/"status":"PAID"/)]);
    if (!pushed) throw new Error('cluster bench: the stream ended before PAID');
    pushes.push(performance.now() - started);
    await stream.cancel();
  }
  pushes.sort((a, b) => a - b);
  const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  return {
    processes: size,
    rps: load.rps,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    failed: load.failed,
    paymentChecks: checks,
    callsPerInvoicePerSecond,
    callbackToPaidMs: { median: round(percentile(waits, 0.5)), p95: round(percentile(waits, 0.95)), max: round(waits.at(-1) ?? null) },
    callbackToStreamMs: { median: round(percentile(pushes, 0.5)), p95: round(percentile(pushes, 0.95)), max: round(pushes.at(-1) ?? null) },
  };
}

async function withServer(start: () => Promise<TestServer>, size: number) {
  const server = await start();
  const cluster = await startCluster({ size, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl });
  try {
    return await measure(cluster);
  } finally {
    await cluster.stop();
    await server.stop();
  }
}

try {
  const single = await startCluster({ size: 1, storeUrl: 'memory', qpayBaseUrl: qpay.baseUrl });
  let memory;
  try {
    memory = await measure(single);
  } finally {
    await single.stop();
  }
  const redis = await withServer(startRedis, 3);
  const postgres = await withServer(startPostgres, 3);
  process.stdout.write(`${JSON.stringify({ ...settings, memory, redis, postgres })}\n`);
} finally {
  await qpay.close();
}
