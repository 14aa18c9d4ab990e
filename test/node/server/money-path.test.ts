// The order / invoice / onPaid state machine under the faults and races that lost or doubled money before:
// superseded invoices, hung and failing onPaid, two processes on one store, and a restart that empties the store.
// onPaid runs in the handler's delivery worker: the helpers wait for it (`idle()`) after each request.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  MemoryStore,
  createQPayCheckoutHandler,
  type CheckoutOrder,
  type CheckoutStore,
  type PaidEvent,
  type QPayCheckoutHandlerOptions,
} from '../../../src/server/index.js';
import { makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const { controls } = env;
const SHOP = 'https://shop.example';
const orders = new Map<string, CheckoutOrder>();

function shop(extra: Partial<QPayCheckoutHandlerOptions> = {}) {
  const { client } = makeClient(clock);
  const paid: PaidEvent[] = [];
  const logs: string[] = [];
  const handler = createQPayCheckoutHandler({
    client,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: `${SHOP}/qpay/callback`,
    getOrder: (_request, body) => orders.get((body as { orderId?: string } | undefined)?.orderId ?? ''),
    onPaid: (event) => void paid.push(event),
    now: clock.now,
    logger: { error: (m) => logs.push(m) },
    ...extra,
  });
  async function call(method: string, path: string, body?: unknown) {
    const init: RequestInit = { method };
    if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const response = await handler(new Request(`${SHOP}${path}`, init));
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }
  return {
    handler,
    paid,
    logs,
    createInvoice: (orderId: string) => call('POST', '/qpay/invoice', { orderId }),
    poll: (invoiceId: string) => settled(call('GET', `/qpay/status/${encodeURIComponent(invoiceId)}`)),
    /** QPay's callback: the invoice's callback_url with qpay_payment_id, as the mock reports it. */
    callback: (callbackUrl: string) => settled(call('GET', new URL(callbackUrl).pathname + new URL(callbackUrl).search)),
    /** The answer alone, without waiting for the onPaid runs it started. */
    callbackNow: (callbackUrl: string) => call('GET', new URL(callbackUrl).pathname + new URL(callbackUrl).search),
  };
  /** The answer, once the onPaid runs the request started have ended. */
  async function settled<T>(answer: Promise<T>): Promise<T> {
    const result = await answer;
    await handler.idle();
    return result;
  }
}

before(() => env.listen());
after(() => env.close());
beforeEach(() => {
  controls.reset();
  orders.clear();
  orders.set('o-1', { orderId: 'o-1', amount: 15000 });
});

describe('superseded invoices', () => {
  it('cancels the old invoice at QPay before issuing a new one for a changed price', async () => {
    const s = shop();
    const first = await s.createInvoice('o-1');
    orders.set('o-1', { orderId: 'o-1', amount: 17000 });
    const second = await s.createInvoice('o-1');
    assert.equal(second.status, 201);
    assert.notEqual(second.json.invoice_id, first.json.invoice_id);
    assert.equal(controls.invoice(first.json.invoice_id)!.status, 'CANCELED');
    assert.equal(controls.calls.count('invoice/cancel'), 1);
  });

  it('reports the payment of a superseded invoice that could not be cancelled, with its own id and amount', async () => {
    const s = shop();
    const first = await s.createInvoice('o-1');
    controls.failNext('invoice/cancel', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 3);
    orders.set('o-1', { orderId: 'o-1', amount: 17000 });
    const second = await s.createInvoice('o-1');
    assert.match(s.logs.join('\n'), /could not cancel superseded invoice/);
    // The customer pays the old QR (an old tab, a screenshot); QPay calls the old invoice's callback URL.
    const { callbackUrl } = controls.pay(first.json.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    const answer = await s.callback(callbackUrl!);
    assert.equal(answer.text, 'SUCCESS');
    assert.equal(s.paid.length, 1);
    assert.deepEqual([s.paid[0]!.invoiceId, s.paid[0]!.orderId, s.paid[0]!.amount, s.paid[0]!.paidAmount], [first.json.invoice_id, 'o-1', 15000, 15000]);
    assert.equal(s.paid[0]!.alreadyPaidBy, undefined);
    // The newer invoice is not reported paid, and the order now refuses a third invoice.
    assert.equal((await s.poll(second.json.invoice_id)).json.status, 'NEW');
    assert.deepEqual([(await s.createInvoice('o-1')).status], [409]);
  });

  it('reports a second paid invoice of an already paid order as such', async () => {
    const s = shop();
    const first = await s.createInvoice('o-1');
    controls.failNext('invoice/cancel', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 3);
    orders.set('o-1', { orderId: 'o-1', amount: 17000 });
    const second = await s.createInvoice('o-1');
    const paySecond = controls.pay(second.json.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    assert.equal((await s.callback(paySecond.callbackUrl!)).text, 'SUCCESS');
    const payFirst = controls.pay(first.json.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    assert.equal((await s.callback(payFirst.callbackUrl!)).text, 'SUCCESS');
    assert.deepEqual(
      s.paid.map((event) => [event.invoiceId, event.amount, event.alreadyPaidBy]),
      [
        [second.json.invoice_id, 17000, undefined],
        [first.json.invoice_id, 15000, second.json.invoice_id],
      ],
    );
  });

  it('never resolves a callback to the order\'s latest invoice: a payment of the old one is not acknowledged as the new one', async () => {
    const s = shop();
    const first = await s.createInvoice('o-1');
    controls.failNext('invoice/cancel', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 3);
    orders.set('o-1', { orderId: 'o-1', amount: 17000 });
    await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(first.json.invoice_id, undefined, { callback: false });
    // Even with only the order in the URL (an old-style callback), the payment id decides the invoice.
    clock.advance(1000);
    const url = new URL(callbackUrl!);
    url.searchParams.delete('ref');
    assert.equal((await s.callback(url.href)).text, 'SUCCESS');
    assert.deepEqual(s.paid.map((event) => event.invoiceId), [first.json.invoice_id]);
  });
});

describe('onPaid that hangs or fails', () => {
  it('answers PAID to the browser and SUCCESS to QPay without waiting for a hung onPaid, gives up on it after its timeout, and retries', async () => {
    const runs: PaidEvent[] = [];
    const s = shop({
      onPaidTimeoutMs: 50,
      onPaidRetryMs: 1000,
      onPaid: (event) => {
        runs.push(event);
        return runs.length === 1 ? new Promise<void>(() => {}) : undefined;
      },
    });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const answer = await s.poll(invoice.json.invoice_id);
    assert.equal(answer.json.status, 'PAID');
    assert.match(s.logs.join('\n'), /onPaid failed .*did not settle within 50 ms/);
    // The payment is recorded: QPay hears SUCCESS whatever onPaid does.
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    assert.equal(runs.length, 1);
    clock.advance(1000);
    await s.handler.tick();
    assert.deepEqual(runs.map((run) => [run.attempt, run.redelivery]), [[1, false], [2, true]]);
  });

  it('backs off a failing onPaid: 200 status requests do not run it, the worker retries it with doubling delays', async () => {
    let runs = 0;
    const s = shop({
      onPaid: () => {
        runs += 1;
        throw new Error('db down');
      },
    });
    const invoice = await s.createInvoice('o-1');
    controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    for (let i = 0; i < 200; i++) {
      assert.equal((await s.poll(invoice.json.invoice_id)).json.status, 'PAID');
      await s.handler.idle();
    }
    assert.equal(runs, 1);
    // No request needed: the worker runs what is due.
    clock.advance(5000);
    await s.handler.tick();
    assert.equal(runs, 2);
    // Then 10 s, 20 s, ...: the delays double.
    clock.advance(5000);
    await s.handler.tick();
    assert.equal(runs, 2);
    clock.advance(5000);
    await s.handler.tick();
    assert.equal(runs, 3);
  });

  it('with two processes on one store: while A runs onPaid, a callback on B answers SUCCESS and runs nothing; after A fails, B runs it', async () => {
    const store = new MemoryStore({ now: clock.now });
    let release!: (ok: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (release = resolve));
    const ran: string[] = [];
    const a = shop({
      store,
      onPaid: async () => {
        ran.push('a');
        if (!(await gate)) throw new Error('A lost its database connection');
      },
    });
    const b = shop({ store, onPaid: () => void ran.push('b') });
    const invoice = await a.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    assert.equal((await a.poll(invoice.json.invoice_id)).json.status, 'PAID');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await b.callbackNow(callbackUrl!)).text, 'SUCCESS');
    await b.handler.tick();
    assert.deepEqual(ran, ['a']);
    release(false);
    await a.handler.idle();
    clock.advance(5000);
    await b.handler.tick();
    assert.deepEqual(ran, ['a', 'b']);
  });
});

describe('a restart that empties the store', () => {
  it('confirms a paid callback from QPay and runs onPaid with the right order and amount', async () => {
    const before = shop();
    const invoice = await before.createInvoice('o-1');
    // Deploy: a new process with an empty MemoryStore.
    const after = shop();
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    assert.equal((await after.poll(invoice.json.invoice_id)).json.status, 'PAID');
    const answer = await after.callback(callbackUrl!);
    assert.equal(answer.text, 'SUCCESS');
    assert.deepEqual(
      after.paid.map((e) => [e.invoiceId, e.orderId, e.amount, e.paidAmount, e.currency]),
      [[invoice.json.invoice_id, 'o-1', 15000, 15000, 'MNT']],
    );
    assert.equal((await after.callback(callbackUrl!)).text, 'SUCCESS');
    assert.equal(after.paid.length, 1);
  });

  it('answers a status poll with the real status', async () => {
    const invoice = await shop().createInvoice('o-1');
    const after = shop();
    assert.equal((await after.poll(invoice.json.invoice_id)).json.status, 'NEW');
    controls.pay(invoice.json.invoice_id, 5000, { callback: false });
    clock.advance(1000);
    assert.deepEqual((await after.poll(invoice.json.invoice_id)).json, { status: 'NEW', paid_amount: 5000, invoice_id: invoice.json.invoice_id });
  });

  it('pays nothing for a forged callback: another order named with a real payment, or a made-up reference', async () => {
    orders.set('cheap', { orderId: 'cheap', amount: 100 });
    const attacker = await shop().createInvoice('cheap');
    const after = shop();
    const { callbackUrl } = controls.pay(attacker.json.invoice_id, undefined, { callback: false });
    const forged = new URL(callbackUrl!);
    forged.searchParams.set('order', 'o-1');
    assert.equal((await after.callback(forged.href)).status, 404);
    forged.searchParams.set('ref', `r${'A'.repeat(28)}`);
    assert.equal((await after.callback(forged.href)).status, 404);
    forged.searchParams.delete('ref');
    assert.equal((await after.callback(forged.href)).status, 404);
    assert.equal(after.paid.length, 0);
    // The genuine callback still works.
    assert.equal((await after.callback(callbackUrl!)).text, 'SUCCESS');
    assert.deepEqual(after.paid.map((e) => [e.orderId, e.amount]), [['cheap', 100]]);
  });

  it('answers non-success when QPay cannot be asked, so QPay retries, and succeeds when it can', async () => {
    const invoice = await shop().createInvoice('o-1');
    const after = shop();
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    controls.failNext('invoice/get', { status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'down' } }, 3);
    const failed = await after.callback(callbackUrl!);
    assert.equal(failed.status, 502);
    assert.equal(after.paid.length, 0);
    assert.equal((await after.callback(callbackUrl!)).text, 'SUCCESS');
    assert.equal(after.paid.length, 1);
  });
});

describe('the store failing', () => {
  it('answers 503 STORE_UNAVAILABLE when the store throws a StoreError, and loses nothing once it is back', async () => {
    const real = new MemoryStore({ now: clock.now });
    let down = false;
    const flaky = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (down) throw Object.assign(new Error(`MemoryStore: ${String(name)} failed: connection lost`), { name: 'StoreError' });
          return value.apply(target, args);
        };
      },
    }) as CheckoutStore;
    const s = shop({ store: flaky });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    down = true;
    const during = await s.callback(callbackUrl!);
    assert.deepEqual([during.status, during.json.error], [503, 'STORE_UNAVAILABLE']);
    assert.equal((await s.poll(invoice.json.invoice_id)).status, 503);
    assert.equal(s.paid.length, 0);
    down = false;
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    assert.equal(s.paid.length, 1);
  });
});

describe('log lines', () => {
  it('never carries a CR, LF or NUL from an order id into the log: one event, one line', async () => {
    orders.set('o-1', { orderId: 'o-1\r\n[qpay-checkout] onPaid ran for order 999\u0000', amount: 15000 });
    const s = shop({
      onPaid: () => {
        throw new Error('orders table locked');
      },
    });
    const invoice = await s.createInvoice('o-1');
    controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    assert.equal((await s.poll(invoice.json.invoice_id)).json.status, 'PAID');
    await s.handler.idle();
    assert.match(s.logs.join(' '), /onPaid failed .*o-1\\r\\n/);
    for (const line of s.logs) assert.doesNotMatch(line, /[\r\n\u0000]/);
  });
});
