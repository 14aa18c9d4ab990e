// The delivery part of the server benchmark (issue 15), run by scripts/bench.mjs as
// `node --import tsx bench/server/delivery-bench.ts '<json settings>'`: shop processes on a real Redis (with its
// append-only file) against the QPay mock served over HTTP, as the cluster tests run them. Measures:
// - the callback's answer time while onPaid hangs (it is answered once the payment is recorded);
// - paid -> onPaid start through the outbox: a callback sent -> the delivery worker's onPaid starting (median, p99);
// - kill -9 of the process running onPaid with no request after -> onPaid run by another process (the run's lease,
//   onPaidTimeoutMs + 15 s, lapses first; measured with onPaidTimeoutMs `crashTimeoutMs`);
// - the sweeper with its default interval: provider status calls per open invoice per second with no page open, and
//   a payment whose callback never comes -> onPaid.
// Two clusters, each with its own QPay mock (so the sweeper's calls are counted alone), run side by side: most of
// the time is spent waiting. Prints one JSON line.
import { callbackPath, createInvoice, serveQPayMock, startCluster, type Cluster } from '../../test/node/cluster/cluster-kit.js';
import { startRedis } from '../../test/node/helpers/servers.js';

interface Settings {
  /** Callbacks answered while onPaid hangs. */
  hungReps: number;
  /** Payments timed from callback to onPaid start. */
  outboxReps: number;
  /** kill -9 runs. */
  crashReps: number;
  crashTimeoutMs: number;
  /** Open invoices left to the sweeper, and how long its calls are counted (after the first round is due). */
  sweepInvoices: number;
  sweepWindowMs: number;
}
const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { runs: sorted.length, median: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), min: round(sorted[0]), max: round(sorted.at(-1)) };
};
const DEFAULT_SWEEP_MS = 12_000;
let orderSeq = 0;

async function waitFor<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`delivery bench: ${what} did not happen within ${ms} ms`);
    await sleep(10);
  }
}

/** A new invoice on shop 0, paid at the mock with no callback sent: its id and callback path. */
async function paid(cluster: Cluster, qpay: Awaited<ReturnType<typeof serveQPayMock>>) {
  const { status, body } = await createInvoice(cluster, 0, `o-${++orderSeq}`);
  if (status !== 201) throw new Error(`delivery bench: POST /qpay/invoice answered ${status}`);
  const { callbackUrl } = qpay.mock.controls.pay(body.invoice_id, undefined, { callback: false });
  return { invoiceId: body.invoice_id as string, callback: callbackPath(callbackUrl!) };
}

/** Callback answer with onPaid hung, callback -> onPaid start, and kill -9 -> onPaid elsewhere. */
async function deliveryFigures() {
  const qpay = await serveQPayMock();
  const server = await startRedis({ persistence: true });
  const handlerOptions = { onPaidTimeoutMs: settings.crashTimeoutMs };
  const cluster = await startCluster({ size: 3, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl, handlerOptions, logToFile: true });
  try {
    const startOf = (invoiceId: string) => cluster.started().find((line) => line.invoiceId === invoiceId);
    const outbox: number[] = [];
    for (let i = 0; i < settings.outboxReps; i++) {
      const { invoiceId, callback } = await paid(cluster, qpay);
      const sent = Date.now();
      await cluster.fetch(i % 3, callback).then((r) => r.text());
      outbox.push((await waitFor(() => startOf(invoiceId), 10_000, 'onPaid start')).at - sent);
    }
    cluster.setOnPaidMode('block');
    const hung: number[] = [];
    for (let i = 0; i < settings.hungReps; i++) {
      const { callback } = await paid(cluster, qpay);
      const sent = performance.now();
      const answer = await (await cluster.fetch(i % 3, callback)).text();
      if (answer !== 'SUCCESS') throw new Error(`delivery bench: the callback answered ${answer} while onPaid hung`);
      hung.push(performance.now() - sent);
    }
    const crash: number[] = [];
    for (let i = 0; i < settings.crashReps; i++) {
      cluster.setOnPaidMode('block');
      const { invoiceId, callback } = await paid(cluster, qpay);
      await cluster.fetch(0, callback).then((r) => r.text());
      const run = await waitFor(() => startOf(invoiceId), 10_000, 'onPaid start');
      const index = cluster.shops.findIndex((shop) => shop.child.pid === run.pid);
      await cluster.kill(index);
      const killedAt = Date.now();
      cluster.setOnPaidMode('normal');
      const leaseMs = settings.crashTimeoutMs + 15_000;
      const done = await waitFor(() => cluster.paid().find((line) => line.invoiceId === invoiceId), leaseMs + 30_000, 'onPaid after kill -9');
      crash.push(done.at - killedAt);
      await cluster.start(index);
    }
    return { callbackAnswerWhileOnPaidHangsMs: summary(hung), paidToOnPaidStartMs: summary(outbox), crashToOnPaidMs: summary(crash), crashOnPaidTimeoutMs: settings.crashTimeoutMs };
  } finally {
    await cluster.stop();
    await server.stop();
    await qpay.close();
  }
}

/** The sweeper at its default interval: provider calls per open invoice per second, and a lost callback -> onPaid. */
async function sweepFigures() {
  const qpay = await serveQPayMock();
  const server = await startRedis({ persistence: true });
  const cluster = await startCluster({ size: 3, storeUrl: server.url, qpayBaseUrl: qpay.baseUrl, logToFile: true });
  try {
    for (let i = 0; i < settings.sweepInvoices; i++) {
      const { status } = await createInvoice(cluster, i % 3, `o-${++orderSeq}`);
      if (status !== 201) throw new Error(`delivery bench: POST /qpay/invoice answered ${status}`);
    }
    const { body } = await createInvoice(cluster, 0, `o-${++orderSeq}`);
    // Counted from the first round due on: one interval after the invoices were made.
    await sleep(DEFAULT_SWEEP_MS);
    qpay.mock.controls.calls.clear();
    const paidAt = Date.now();
    qpay.mock.controls.pay(body.invoice_id, undefined, { callback: false });
    const started = performance.now();
    await sleep(settings.sweepWindowMs);
    const seconds = (performance.now() - started) / 1000;
    const checks = qpay.mock.controls.calls.count('payment/check');
    const delivered = await waitFor(() => cluster.paid().find((line) => line.invoiceId === body.invoice_id), 90_000, 'onPaid through the sweeper');
    return {
      sweepIntervalMs: DEFAULT_SWEEP_MS,
      openInvoices: settings.sweepInvoices + 1,
      windowMs: Math.round(seconds * 1000),
      paymentChecks: checks,
      callsPerOpenInvoicePerSecond: Math.round((checks / (settings.sweepInvoices + 1) / seconds) * 1000) / 1000,
      lostCallbackToOnPaidMs: delivered.at - paidAt,
    };
  } finally {
    await cluster.stop();
    await server.stop();
    await qpay.close();
  }
}

const [delivery, sweeper] = await Promise.all([deliveryFigures(), sweepFigures()]);
process.stdout.write(`${JSON.stringify({ settings, processes: 3, store: 'Redis (append-only file)', ...delivery, sweeper })}\n`);
