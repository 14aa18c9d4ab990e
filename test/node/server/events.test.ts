// GET {basePath}/events/:invoiceId through the Node adapter on a real http server: an event stream that says the
// status at once, pushes a confirmed payment to every open stream (also from another handler sharing the store),
// finds the payment by itself when no callback comes, honours Last-Event-ID, and lets go of everything when the
// client leaves.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MemoryStore } from '../../../src/server/index.js';
import { openStream, realClock, shopServers } from './event-stream-kit.js';
import { makeMockServer } from './qpay-test-kit.js';

const env = makeMockServer(realClock);
const { controls } = env;
const { serve, closeAll } = shopServers();

before(() => env.listen());
after(async () => {
  env.close();
  closeAll();
});
beforeEach(() => controls.reset());

describe('GET /qpay/events/:invoiceId', () => {
  it('streams the status at once with retry advice, pushes a paid callback at once, then ends', async () => {
    const shop = await serve({ statusCacheMs: 60_000 });
    const invoice = await shop.createInvoice();
    const stream = await openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type')!, /^text\/event-stream/);
    assert.equal(stream.response.headers.get('x-accel-buffering'), 'no');
    assert.match(stream.response.headers.get('cache-control')!, /no-transform/);
    assert.deepEqual(await stream.next(), { retry: '3000' });
    const first = await stream.nextStatus();
    assert.deepEqual(first, { id: 'NEW.0', body: { status: 'NEW', paid_amount: 0, invoice_id: invoice.invoice_id } });

    const { callbackUrl } = controls.pay(invoice.invoice_id, undefined, { callback: false });
    const url = new URL(callbackUrl!);
    const pushed = stream.nextStatus();
    // The status cache lasts a minute here: only the callback's announcement can bring PAID this soon.
    assert.equal(await (await fetch(`${shop.base}${url.pathname}${url.search}`)).text(), 'SUCCESS');
    assert.deepEqual(await pushed, { id: 'PAID.1500000', body: { status: 'PAID', paid_amount: 15000, invoice_id: invoice.invoice_id } });
    assert.equal(await stream.next(), null, 'the stream ends after a final status');
  });

  it('finds the payment by itself when no callback comes, at the status route\'s pace', async () => {
    const shop = await serve({ statusCacheMs: 200 });
    const invoice = await shop.createInvoice();
    const streams = await Promise.all([1, 2, 3].map(() => openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`)));
    for (const stream of streams) assert.equal((await stream.nextStatus())!.body.status, 'NEW');
    controls.calls.clear();
    controls.pay(invoice.invoice_id, undefined, { callback: false });
    for (const stream of streams) assert.equal((await stream.nextStatus())!.body.status, 'PAID');
    // Three streams, one watcher: the provider was asked about once per 200 ms, not three times.
    assert.ok(controls.calls.count('payment/check') <= 3, `${controls.calls.count('payment/check')} checks`);
    await shop.handler.idle();
    assert.equal(shop.paid.length, 1);
  });

  it('reaches a stream held by another handler sharing the store, at once', async () => {
    const store = new MemoryStore();
    const a = await serve({ store, statusCacheMs: 60_000 });
    const b = await serve({ store, statusCacheMs: 60_000 });
    const invoice = await a.createInvoice();
    const stream = await openStream(`${a.base}/qpay/events/${invoice.invoice_id}`);
    assert.equal((await stream.nextStatus())!.body.status, 'NEW');
    const { callbackUrl } = controls.pay(invoice.invoice_id, undefined, { callback: false });
    const url = new URL(callbackUrl!);
    const pushed = stream.nextStatus();
    assert.equal(await (await fetch(`${b.base}${url.pathname}${url.search}`)).text(), 'SUCCESS');
    assert.equal((await pushed)!.body.status, 'PAID');
  });

  it('honours Last-Event-ID: a reconnecting page is not told the same status again', async () => {
    const shop = await serve({ statusCacheMs: 100, streamHeartbeatMs: 50 });
    const invoice = await shop.createInvoice();
    const stream = await openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`, { 'last-event-id': 'NEW.0' });
    assert.deepEqual(await stream.next(), { retry: '3000' });
    // Nothing new to say: the first thing after the retry advice is a heartbeat comment, not a NEW event.
    assert.deepEqual(await stream.next(), { comment: true });
    controls.pay(invoice.invoice_id, undefined, { callback: false });
    assert.equal((await stream.nextStatus())!.body.status, 'PAID');
  });

  it('answers an unknown or malformed invoice with a JSON error, not a stream', async () => {
    const shop = await serve();
    const unknown = await fetch(`${shop.base}/qpay/events/0d4fa2a4-7d55-4b55-9a43-3ad3b1f9c0de`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type')!, /application\/json/);
    const malformed = await fetch(`${shop.base}/qpay/events/${encodeURIComponent('../x')}`);
    assert.equal(malformed.status, 400);
    assert.equal((await fetch(`${shop.base}/qpay/events/abc`, { method: 'POST' })).status, 405);
  });

  it('asks the provider nothing itself: with the check schedule stopped, an open stream makes no provider check', async () => {
    const shop = await serve({ statusCacheMs: 100 });
    shop.handler.close(); // only the schedule asks the provider about a known invoice
    const invoice = await shop.createInvoice();
    const stream = await openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`);
    assert.equal((await stream.nextStatus())?.body.status, 'NEW');
    const before = controls.calls.count('payment/check');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(controls.calls.count('payment/check'), before, 'five watcher turns, no provider check');
    stream.close();
  });
});
