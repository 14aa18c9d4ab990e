// Issue 17 item 5, "Metrics": what a shop on call reads live, through OpenTelemetry. A real handler against the
// QPay mock under msw, read with the SDK's in-memory exporter: invoices created, payments confirmed by source,
// callback -> PAID and PAID -> onPaid done, onPaid attempts and failures, provider HTTP calls and their errors by
// operation, open streams and deliveries due; by name, unit and attributes.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { createQPayCheckoutHandler, type CheckoutOrder, type QPayCheckoutHandlerOptions } from '../../../src/server/index.js';
import { BASE_URL, makeClient, makeMockServer, type Clock } from '../server/qpay-test-kit.js';

let skew = 0;
const clock: Clock = { now: () => Date.now() + skew, advance: (ms) => void (skew += ms) };
const env = makeMockServer(clock);
const { controls } = env;
const SHOP = 'https://shop.example';
const orders = new Map<string, CheckoutOrder>();
const handlers: ReturnType<typeof createQPayCheckoutHandler>[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An SDK meter provider whose metrics a test reads when it wants (cumulative, as Prometheus reads them). */
function sdkMeters() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    /** Every metric of the kit's scope, by name, as a reader collects it now. */
    async read(): Promise<Map<string, MetricData>> {
      await reader.forceFlush();
      const scopes = exporter.getMetrics().at(-1)?.scopeMetrics ?? [];
      exporter.reset();
      const kit = scopes.filter((scope) => scope.scope.name === 'qpay-checkout');
      return new Map(kit.flatMap((scope) => scope.metrics.map((metric) => [metric.descriptor.name, metric] as const)));
    },
    shutdown: () => provider.shutdown(),
  };
}

type Meters = ReturnType<typeof sdkMeters>;
let global: Meters;

/** What kind of instrument made the data, as the SDK's data tells it. */
type Kind = 'counter' | 'up-down counter' | 'gauge' | 'histogram';
function kindOf(data: MetricData): Kind {
  if (data.dataPointType === DataPointType.SUM) return data.isMonotonic ? 'counter' : 'up-down counter';
  return data.dataPointType === DataPointType.GAUGE ? 'gauge' : 'histogram';
}

function metric(read: Map<string, MetricData>, name: string, kind: Kind, unit: string): MetricData {
  const found = read.get(name);
  assert.ok(found, `no metric ${name} among ${[...read.keys()].join(', ')}`);
  assert.deepEqual([kindOf(found), found.descriptor.unit], [kind, unit], `${name}: kind of instrument and unit`);
  return found;
}

/** The value of the data point whose attributes include `attributes` (a histogram's count); 0 when there is none. */
function valueOf(data: MetricData, attributes: Record<string, unknown> = {}): number {
  const point = data.dataPoints.find((p) => Object.entries(attributes).every(([key, value]) => p.attributes[key] === value));
  if (!point) return 0;
  const value = point.value as number | { count: number };
  return typeof value === 'number' ? value : value.count;
}

function shop(extra: Partial<QPayCheckoutHandlerOptions> = {}) {
  const { client } = makeClient(clock);
  const paid: string[] = [];
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: (_request, body) => orders.get((body as { orderId?: string } | undefined)?.orderId ?? ''),
    onPaid: (event) => void paid.push(event.invoiceId),
    now: clock.now,
    logger: { error: () => {} },
    callbackSecret: 'a-shared-callback-secret-of-32+-characters',
    // Only the test's own calls look for due deliveries and sweep, so each look's figures are known.
    deliveryIntervalMs: 3_600_000,
    sweepIntervalMs: 3_600_000,
    ...extra,
  });
  handlers.push(handler);
  const call = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) };
    const response = await handler(new Request(`${SHOP}${path}`, init));
    const text = await response.text();
    return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
  };
  return {
    handler,
    paid,
    createInvoice: async (orderId: string) => (await call('POST', '/qpay/invoice', { orderId })),
    poll: (invoiceId: string) => call('GET', `/qpay/status/${invoiceId}`),
    callback: (url: string) => call('GET', new URL(url).pathname + new URL(url).search),
    /** Opens an event stream and leaves it open; returns its response. */
    openStream: (invoiceId: string) => handler(new Request(`${SHOP}/qpay/events/${invoiceId}`)),
  };
}

before(() => env.listen());
after(() => env.close());
beforeEach(() => {
  // Each test its own global provider: the kit follows a new registration.
  global = sdkMeters();
  metrics.setGlobalMeterProvider(global.provider);
  orders.clear();
  orders.set('o-1', { orderId: 'o-1', amount: 15000 });
});
afterEach(async () => {
  for (const handler of handlers.splice(0)) {
    handler.close();
    await handler.idle();
  }
  controls.reset();
  metrics.disable();
  await global.shutdown();
});

describe('a payment through its life, in the metrics', () => {
  it('counts the invoice, the open stream and the payment its callback confirmed, with callback -> PAID in seconds', async () => {
    const s = shop();
    const invoice = await s.createInvoice('o-1');
    assert.equal(invoice.status, 201);
    const invoiceId = invoice.json.invoice_id as string;
    assert.equal((await s.openStream(invoiceId)).status, 200);
    let read = await global.read();
    assert.equal(valueOf(metric(read, 'qpay_checkout.invoice.created', 'counter', '{invoice}'), { 'qpay_checkout.provider': 'qpay' }), 1);
    assert.equal(valueOf(metric(read, 'qpay_checkout.active_streams', 'up-down counter', '{stream}')), 1);

    const { callbackUrl } = controls.pay(invoiceId, undefined, { callback: false });
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    // QPay calls again: the payment is counted once.
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    await s.handler.idle();
    read = await global.read();
    const confirmed = metric(read, 'qpay_checkout.payment.confirmed', 'counter', '{payment}');
    assert.equal(valueOf(confirmed, { 'qpay_checkout.payment.source': 'callback', 'qpay_checkout.provider': 'qpay' }), 1);
    assert.equal(confirmed.dataPoints.length, 1);
    const callbackToPaid = metric(read, 'qpay_checkout.callback.duration', 'histogram', 's');
    assert.equal(valueOf(callbackToPaid, { 'qpay_checkout.provider': 'qpay' }), 1, 'the repeated callback found the payment recorded before it came');
    assert.ok((callbackToPaid.dataPoints[0]!.value as { sum: number }).sum < 5, 'seconds, not milliseconds');
    // PAID ended the stream.
    assert.equal(valueOf(metric(read, 'qpay_checkout.active_streams', 'up-down counter', '{stream}')), 0);
  });

  it('counts onPaid attempts and failures by error type, the deliveries due at each look, and PAID -> onPaid done', async () => {
    class ShopDatabaseDown extends Error {
      override name = 'ShopDatabaseDown';
    }
    let runs = 0;
    const s = shop({
      onPaidRetryMs: 50,
      onPaid: () => {
        runs += 1;
        if (runs === 1) throw new ShopDatabaseDown('orders table locked');
      },
    });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    await s.handler.idle();
    let read = await global.read();
    assert.equal(runs, 1);
    assert.equal(valueOf(metric(read, 'qpay_checkout.on_paid.attempts', 'counter', '{attempt}')), 1);
    assert.equal(valueOf(metric(read, 'qpay_checkout.on_paid.failures', 'counter', '{failure}'), { 'error.type': 'ShopDatabaseDown' }), 1);
    // The nudged look found the new payment due.
    assert.equal(valueOf(metric(read, 'qpay_checkout.delivery.due', 'gauge', '{delivery}')), 1);
    assert.equal(read.has('qpay_checkout.payment.delivery.duration'), false, 'no onPaid done yet');

    await sleep(80);
    await s.handler.tick();
    read = await global.read();
    assert.equal(runs, 2);
    assert.equal(valueOf(metric(read, 'qpay_checkout.on_paid.attempts', 'counter', '{attempt}')), 2);
    assert.equal(valueOf(metric(read, 'qpay_checkout.on_paid.failures', 'counter', '{failure}')), 1);
    const delivered = metric(read, 'qpay_checkout.payment.delivery.duration', 'histogram', 's');
    assert.equal(valueOf(delivered, { 'qpay_checkout.provider': 'qpay' }), 1);
    const seconds = (delivered.dataPoints[0]!.value as { sum: number }).sum;
    assert.ok(seconds >= 0.05 && seconds < 5, `PAID -> onPaid done took the retry's wait, in seconds: ${seconds}`);

    await s.handler.tick();
    assert.equal(valueOf(metric(await global.read(), 'qpay_checkout.delivery.due', 'gauge', '{delivery}')), 0);
  });

});

describe('provider HTTP calls, in the metrics', () => {
  it('records every HTTP call to QPay under the HTTP client convention, by operation', async () => {
    const s = shop();
    const invoice = await s.createInvoice('o-1');
    controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    assert.equal((await s.poll(invoice.json.invoice_id)).json.status, 'PAID');
    const http = metric(await global.read(), 'http.client.request.duration', 'histogram', 's');
    const host = new URL(BASE_URL).hostname;
    for (const [operation, method] of [['login', 'POST'], ['invoice create', 'POST'], ['payment check', 'POST']]) {
      const attributes = {
        'qpay_checkout.provider.operation': operation,
        'http.request.method': method,
        'server.address': host,
        'server.port': 443,
        'http.response.status_code': 200,
        'qpay_checkout.provider': 'qpay',
      };
      assert.equal(valueOf(http, attributes), 1, `one ${operation} request: ${JSON.stringify(http.dataPoints.map((p) => p.attributes))}`);
    }
    assert.ok(http.dataPoints.every((point) => point.attributes['error.type'] === undefined));
  });

  it('shows provider errors by operation: each failed attempt with its error type and status', async () => {
    const s = shop();
    controls.failNext('invoice/create', { status: 500, body: { error: 'INTERNAL_ERROR' } });
    assert.equal((await s.createInvoice('o-1')).status, 502);
    const invoice = await s.createInvoice('o-1');
    // A read is retried: 2 attempts without an answer, then one that gets through.
    controls.failNext('payment/check', 'network', 2);
    assert.equal((await s.poll(invoice.json.invoice_id)).json.status, 'NEW');
    const http = metric(await global.read(), 'http.client.request.duration', 'histogram', 's');
    assert.equal(valueOf(http, { 'qpay_checkout.provider.operation': 'invoice create', 'error.type': 'INTERNAL_ERROR', 'http.response.status_code': 500 }), 1);
    assert.equal(valueOf(http, { 'qpay_checkout.provider.operation': 'invoice create', 'http.response.status_code': 200 }), 1);
    const network = http.dataPoints.find((p) => p.attributes['error.type'] === 'NETWORK_ERROR');
    assert.ok(network, 'the failed payment checks');
    assert.equal(network.attributes['qpay_checkout.provider.operation'], 'payment check');
    assert.equal(network.attributes['http.response.status_code'], undefined, 'no answer, no status');
    assert.equal((network.value as { count: number }).count, 2);
  });
});

describe('payments by how they were found', () => {
  it('tells poll, superseded and sweeper apart', async () => {
    for (const id of ['poll', 'superseded', 'sweeper']) orders.set(id, { orderId: id, amount: 1000 });
    const s = shop({ sweepIntervalMs: 60_000 });
    const ids = new Map<string, string>();
    for (const id of ['poll', 'superseded', 'sweeper']) ids.set(id, (await s.createInvoice(id)).json.invoice_id);
    for (const id of ids.values()) controls.pay(id, undefined, { callback: false });
    assert.equal((await s.poll(ids.get('poll')!)).json.status, 'PAID');
    // The order changed: its paid invoice is settled, not replaced.
    orders.set('superseded', { orderId: 'superseded', amount: 2000 });
    assert.equal((await s.createInvoice('superseded')).json.error, 'ORDER_ALREADY_PAID');
    // No page, no callback: the background check finds it once it is due.
    clock.advance(2 * 60_000);
    await s.handler.tick();
    assert.deepEqual(new Set(s.paid), new Set(ids.values()));
    const confirmed = metric(await global.read(), 'qpay_checkout.payment.confirmed', 'counter', '{payment}');
    for (const source of ['poll', 'superseded', 'sweeper']) {
      assert.equal(valueOf(confirmed, { 'qpay_checkout.payment.source': source }), 1, source);
    }
    assert.equal(confirmed.dataPoints.length, 3);
  });
});

describe('opting in', () => {
  it('records into the meterProvider given to the handler, not the global one', async () => {
    const own = sdkMeters();
    try {
      const s = shop({ meterProvider: own.provider });
      assert.equal((await s.createInvoice('o-1')).status, 201);
      const read = await own.read();
      assert.equal(valueOf(metric(read, 'qpay_checkout.invoice.created', 'counter', '{invoice}')), 1);
      assert.equal(read.has('http.client.request.duration'), false, "the client's HTTP calls go where the client says");
      assert.equal((await global.read()).has('qpay_checkout.invoice.created'), false);
    } finally {
      await own.shutdown();
    }
  });

  it('refuses a meterProvider that is not one, naming the option', () => {
    assert.throws(() => shop({ meterProvider: {} as never }), /createCheckoutHandler: meterProvider must be an OpenTelemetry MeterProvider \(an object with getMeter\), got object/);
  });
});
