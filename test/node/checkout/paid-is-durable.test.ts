// Issue 15, "Paid is a durable fact": a confirmed payment is recorded first and answered at once; onPaid runs in the
// handler's own delivery worker, with no request needed, across a hung or failing onPaid, a lost callback, a restart
// with forged callbacks flooding in, and a store that lost its data. The provider is the QPay mock under msw; the clock
// runs in real time (with a skew tests can add), so the handler's own timers do the work.
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
import { makeClient, makeMockServer, type Clock } from '../server/qpay-test-kit.js';

let skew = 0;
const clock: Clock = { now: () => Date.now() + skew, advance: (ms) => void (skew += ms) };
const env = makeMockServer(clock);
const { controls } = env;
const SHOP = 'https://shop.example';
const SECRET = 'a-shared-callback-secret-of-32+-characters';
const orders = new Map<string, CheckoutOrder>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition()` holds; fails after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

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
    callbackSecret: SECRET,
    ...extra,
  });
  handlers.push(handler);
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
    poll: (invoiceId: string) => call('GET', `/qpay/status/${encodeURIComponent(invoiceId)}`),
    /** QPay's callback: the invoice's callback_url with qpay_payment_id, as the mock reports it. */
    callback: (callbackUrl: string) => call('GET', new URL(callbackUrl).pathname + new URL(callbackUrl).search),
  };
}

const handlers: ReturnType<typeof createQPayCheckoutHandler>[] = [];

before(() => env.listen());
after(() => env.close());
beforeEach(async () => {
  for (const handler of handlers.splice(0)) {
    handler.close();
    await handler.idle();
  }
  controls.reset();
  orders.clear();
  orders.set('o-1', { orderId: 'o-1', amount: 15000 });
});

describe('the callback answers once the payment is recorded', () => {
  it('answers SUCCESS within 2 s while onPaid hangs, and runs onPaid again later as a redelivery', async () => {
    const runs: PaidEvent[] = [];
    const s = shop({
      onPaidTimeoutMs: 300,
      onPaidRetryMs: 100,
      deliveryIntervalMs: 50,
      onPaid: (event) => {
        runs.push(event);
        if (runs.length === 1) return new Promise<void>(() => {});
      },
    });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const answer = await Promise.race([s.callback(callbackUrl!), sleep(2000).then(() => 'no answer within 2 s')]);
    assert.equal(typeof answer === 'object' && answer.text, 'SUCCESS');
    await until(() => runs.length >= 2, 5000, 'onPaid retried after the hung run');
    assert.deepEqual(runs.map((run) => [run.attempt, run.redelivery]), [[1, false], [2, true]]);
    assert.match(s.logs.join('\n'), /did not settle within 300 ms/);
  });

  it('answers all 3 of QPay\'s retries SUCCESS after onPaid threw once, then runs onPaid again by itself with no traffic', async () => {
    let runs = 0;
    const s = shop({
      onPaidRetryMs: 200,
      deliveryIntervalMs: 50,
      onPaid: () => {
        runs += 1;
        if (runs === 1) throw new Error('database blip');
      },
    });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const answers = [];
    for (let retry = 0; retry < 3; retry++) {
      answers.push((await s.callback(callbackUrl!)).text);
      await sleep(100);
    }
    assert.deepEqual(answers, ['SUCCESS', 'SUCCESS', 'SUCCESS']);
    await until(() => runs === 2, 5000, 'onPaid run again by the worker');
    assert.equal((await s.handler.deliveries()).length, 0);
    assert.equal((await s.handler.deliveries({ state: 'done' }))[0]?.attempts, 2);
  });

  it('answers 503 STORE_UNAVAILABLE only when the payment cannot be recorded', async () => {
    const real = new MemoryStore({ now: clock.now });
    let down = false;
    const store = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (down && name === 'recordPayment') throw Object.assign(new Error('connection lost'), { name: 'StoreError' });
          return value.apply(target, args);
        };
      },
    }) as CheckoutStore;
    const s = shop({ store });
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    down = true;
    const during = await s.callback(callbackUrl!);
    assert.deepEqual([during.status, during.json.error], [503, 'STORE_UNAVAILABLE']);
    down = false;
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    await s.handler.idle();
    assert.equal(s.paid.length, 1);
  });
});

describe('the sweeper', () => {
  it('delivers a payment whose callback never comes, with no page polling, within the sweep interval', async () => {
    const s = shop({ sweepIntervalMs: 300, deliveryIntervalMs: 50 });
    const invoice = await s.createInvoice('o-1');
    controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    await until(() => s.paid.length === 1, 5000, 'onPaid for a payment without callback');
    assert.equal(s.paid[0]!.invoiceId, invoice.json.invoice_id);
    // Paid: no more background checks of it.
    const checks = controls.calls.count('payment/check');
    await sleep(800);
    assert.equal(controls.calls.count('payment/check'), checks);
  });
});

describe('signed callbacks after a restart', () => {
  it('delivers 100 genuine signed callbacks in a burst while forged ones flood in, and the forged cost 0 provider calls', async () => {
    const before = shop();
    const count = 100;
    const invoices: string[] = [];
    for (let i = 0; i < count; i++) {
      orders.set(`o-${i}`, { orderId: `o-${i}`, amount: 1000 + i });
      invoices.push((await before.createInvoice(`o-${i}`)).json.invoice_id);
    }
    // Deploy: the old process stops (its check schedule with it) and a new one starts, with an empty MemoryStore and
    // the same secret.
    before.handler.close();
    await before.handler.idle();
    const after = shop({ sweepIntervalMs: 3_600_000 });
    const genuine = invoices.map((id) => controls.pay(id, undefined, { callback: false }).callbackUrl!);
    const forged = genuine.flatMap((url) => {
      const wrong = new URL(url);
      wrong.searchParams.set('sig', 'A'.repeat(43));
      const other = new URL(url);
      other.searchParams.set('order', 'o-forged');
      return [wrong.href, other.href];
    });
    // Alone, the forged ones cost no provider call at all.
    const callsBefore = controls.calls.count();
    const refused = await Promise.all(forged.map((url) => after.callback(url)));
    assert.deepEqual(new Set(refused.map((answer) => answer.status)), new Set([403]));
    assert.equal(controls.calls.count(), callsBefore);
    // Together: every genuine one gets through.
    const answers = await Promise.all([...genuine.map((url) => after.callback(url)), ...forged.map((url) => after.callback(url))]);
    assert.equal(answers.slice(0, count).filter((answer) => answer.text === 'SUCCESS').length, count);
    assert.equal(answers.slice(count).filter((answer) => answer.status === 403).length, forged.length);
    await after.handler.idle();
    assert.equal(after.paid.length, count);
    // The store had forgotten them: onPaid may have run before, and says so.
    assert.ok(after.paid.every((event) => event.redelivery));
  });

  it('refuses a callback without signature for an invoice created signed, with no provider call', async () => {
    const s = shop();
    const invoice = await s.createInvoice('o-1');
    const { callbackUrl } = controls.pay(invoice.json.invoice_id, undefined, { callback: false });
    const unsigned = new URL(callbackUrl!);
    unsigned.searchParams.delete('sig');
    const calls = controls.calls.count();
    const answer = await s.callback(unsigned.href);
    assert.deepEqual([answer.status, answer.json.error], [403, 'BAD_SIGNATURE']);
    assert.equal(controls.calls.count(), calls);
  });

  it('refuses a callbackSecret shorter than 32 characters at start-up, and warns once without one', () => {
    assert.throws(() => shop({ callbackSecret: 'short' }), /callbackSecret must be a string of at least 32 characters \(got 5 characters\)/);
    const s = shop({ callbackSecret: undefined });
    assert.equal(s.logs.filter((line) => line.includes('no callbackSecret')).length, 1);
  });
});

describe('no amnesia', () => {
  it('answers 409 ORDER_ALREADY_PAID and creates nothing when getOrder says the order is paid', async () => {
    orders.set('o-1', { orderId: 'o-1', amount: 15000, paid: true });
    const s = shop();
    const answer = await s.createInvoice('o-1');
    assert.deepEqual([answer.status, answer.json.error], [409, 'ORDER_ALREADY_PAID']);
    assert.equal(controls.calls.count('invoice/create'), 0);
  });

  it('marks onPaid as a redelivery after the store lost its data', async () => {
    let store: CheckoutStore = new MemoryStore({ now: clock.now });
    // The shop's store object stays; what it holds is gone (an emptied Redis, a new database).
    const swappable = new Proxy({} as CheckoutStore, {
      get: (_target, name) => {
        const value = Reflect.get(store, name);
        return typeof value === 'function' ? value.bind(store) : value;
      },
    });
    orders.set('o-2', { orderId: 'o-2', amount: 2000 });
    const s = shop({ store: swappable, sweepIntervalMs: 3_600_000 });
    const first = await s.createInvoice('o-1');
    const second = await s.createInvoice('o-2');
    assert.equal((await s.poll(second.json.invoice_id)).json.status, 'NEW');
    const { callbackUrl } = controls.pay(first.json.invoice_id, undefined, { callback: false });
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    await s.handler.idle();
    assert.deepEqual(s.paid.map((event) => event.redelivery), [false]);

    store = new MemoryStore({ now: clock.now });
    // An invoice this process still remembers is paid: the marker read before recording it tells.
    controls.pay(second.json.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    assert.equal((await s.poll(second.json.invoice_id)).json.status, 'PAID');
    // QPay calls the delivered invoice's callback again: onPaid runs again, as a redelivery.
    assert.equal((await s.callback(callbackUrl!)).text, 'SUCCESS');
    await s.handler.idle();
    assert.deepEqual(
      s.paid.map((event) => [event.invoiceId, event.redelivery]),
      [
        [first.json.invoice_id, false],
        [second.json.invoice_id, true],
        [first.json.invoice_id, true],
      ],
    );
    assert.equal(s.logs.filter((line) => line.startsWith('DATA LOSS')).length, 1);
  });
});

describe('deliveries() and redeliver()', () => {
  it('lists a failing delivery with its error and attempts, and queues a delivered one again', async () => {
    let failing = true;
    const s = shop({
      onPaidRetryMs: 60_000,
      onPaid: (event) => {
        if (failing) throw new Error(`orders table locked for ${event.orderId}`);
        s.paid.push(event);
      },
    });
    const invoice = await s.createInvoice('o-1');
    const id = invoice.json.invoice_id;
    const { callbackUrl } = controls.pay(id, undefined, { callback: false });
    await s.callback(callbackUrl!);
    await s.handler.idle();
    const [pending] = await s.handler.deliveries();
    assert.deepEqual([pending?.invoiceId, pending?.state, pending?.attempts], [id, 'pending', 1]);
    assert.match(pending!.lastError!, /orders table locked for o-1/);
    failing = false;
    assert.equal(await s.handler.redeliver(id), true);
    await s.handler.tick();
    assert.deepEqual(s.paid.map((event) => [event.attempt, event.redelivery]), [[2, true]]);
    assert.equal((await s.handler.deliveries()).length, 0);
    assert.equal((await s.handler.deliveries({ state: 'done' }))[0]?.invoiceId, id);
    assert.equal(await s.handler.redeliver('no-such-invoice'), false);
  });
});
