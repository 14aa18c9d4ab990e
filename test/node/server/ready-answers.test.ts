// Status answers kept ready to send (no store round trip, no provider call, and on the Node adapter no Request or
// Response built): never sent past the moment the route would answer differently. Through the Node adapter on a
// real http server, with the handler's clock under the test's control.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MemoryStore, createQPayCheckoutHandler, toNodeHandler, type QPayCheckoutHandlerOptions } from '../../../src/server/index.js';
import { makeClient, makeClock, makeMockServer } from './qpay-test-kit.js';

const clock = makeClock();
const env = makeMockServer(clock);
const { controls } = env;
const servers: Server[] = [];
const handlers: { close(): void }[] = [];

/** A MemoryStore that counts the reads a status poll could make. */
class CountingStore extends MemoryStore {
  reads = 0;
  override getInvoice(...args: Parameters<MemoryStore['getInvoice']>) {
    this.reads++;
    return super.getInvoice(...args);
  }
  override getPaid(...args: Parameters<MemoryStore['getPaid']>) {
    this.reads++;
    return super.getPaid(...args);
  }
  override getCachedStatus(...args: Parameters<MemoryStore['getCachedStatus']>) {
    this.reads++;
    return super.getCachedStatus(...args);
  }
}

async function shop(options: Partial<QPayCheckoutHandlerOptions> = {}) {
  const { client } = makeClient(clock);
  const store = new CountingStore({ now: clock.now });
  const handler = createQPayCheckoutHandler({
    client,
    store,
    invoiceCode: 'TEST_INVOICE',
    callbackUrl: 'http://shop.test/qpay/callback',
    getOrder: () => ({ orderId: 'o-1', amount: 15000 }),
    onPaid: () => {},
    now: clock.now,
    logger: { error: () => {} },
    ...options,
  });
  handlers.push(handler);
  const server = createServer(toNodeHandler(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const invoice = (await (await fetch(`${base}/qpay/invoice`, { method: 'POST' })).json()) as { invoice_id: string; expires_at: string };
  const poll = async (method = 'GET') => {
    const response = await fetch(`${base}/qpay/status/${invoice.invoice_id}`, { method });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
  };
  const checks = () => controls.calls.count('payment/check');
  return { base, handler, store, invoice, poll, checks };
}

before(() => env.listen());
after(() => {
  env.close();
  for (const handler of handlers) handler.close();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});
beforeEach(() => controls.reset());

describe('ready status answers', () => {
  it('answers repeat polls with no store read and no provider call, and never past the status cache', async () => {
    const { store, handler, invoice, poll, checks } = await shop({ statusCacheMs: 1000 });
    assert.equal((await poll()).body.status, 'NEW');
    const [reads, asked] = [store.reads, checks()];
    controls.pay(invoice.invoice_id, undefined, { callback: false });
    clock.advance(999);
    for (let i = 0; i < 5; i++) assert.deepEqual((await poll()).body, { status: 'NEW', paid_amount: 0, invoice_id: invoice.invoice_id });
    assert.equal(store.reads, reads, 'a ready answer reads nothing from the store');
    assert.equal(checks(), asked);
    clock.advance(1);
    await handler.tick(); // the check schedule asks the provider (polls read its latest check)
    assert.deepEqual((await poll()).body, { status: 'PAID', paid_amount: 15000, invoice_id: invoice.invoice_id });
    assert.equal(checks(), asked + 1);
  });

  it('keeps the same headers and answers HEAD without a body', async () => {
    const { poll } = await shop();
    const first = await poll();
    const again = await poll();
    for (const name of ['content-type', 'cache-control', 'content-length']) assert.equal(again.headers.get(name), first.headers.get(name), name);
    assert.equal(again.headers.get('cache-control'), 'no-store');
    const head = await poll('HEAD');
    assert.deepEqual([head.status, head.text, head.headers.get('content-length')], [200, '', first.headers.get('content-length')]);
  });

  it('never keeps NEW past the invoice expiry, however long the status cache', async () => {
    const { invoice, poll, checks } = await shop({ statusCacheMs: 3_600_000 });
    clock.advance(Date.parse(invoice.expires_at) - clock.now() - 1000);
    assert.equal((await poll()).body.status, 'NEW');
    const asked = checks();
    clock.advance(999);
    assert.equal((await poll()).body.status, 'NEW');
    clock.advance(1);
    assert.equal((await poll()).body.status, 'EXPIRED');
    assert.equal(checks(), asked, 'expiry needs no provider call');
  });

  it('keeps a partial payment NEW with its amount, and says PAID only once the full amount is paid', async () => {
    const { handler, invoice, poll } = await shop({ statusCacheMs: 1000 });
    controls.pay(invoice.invoice_id, 5000, { callback: false });
    clock.advance(1000);
    await handler.tick();
    for (let i = 0; i < 3; i++) assert.deepEqual((await poll()).body, { status: 'NEW', paid_amount: 5000, invoice_id: invoice.invoice_id });
    clock.advance(1000);
    await handler.tick();
    assert.deepEqual((await poll()).body, { status: 'NEW', paid_amount: 5000, invoice_id: invoice.invoice_id });
    controls.pay(invoice.invoice_id, undefined, { callback: false });
    clock.advance(1000);
    await handler.tick();
    assert.deepEqual((await poll()).body, { status: 'PAID', paid_amount: 15000, invoice_id: invoice.invoice_id });
  });

  it('says PAID at once after this process confirmed a callback, though a NEW answer was still fresh', async () => {
    const { base, handler, invoice, poll } = await shop({ statusCacheMs: 60_000 });
    assert.equal((await poll()).body.status, 'NEW');
    const { callbackUrl } = controls.pay(invoice.invoice_id, undefined, { callback: false });
    const url = new URL(callbackUrl!);
    clock.advance(10);
    assert.equal(await (await fetch(`${base}${url.pathname}${url.search}`)).text(), 'SUCCESS');
    assert.equal((await poll()).body.status, 'PAID');
    await handler.idle();
  });
});
