// What an event stream may cost, through the Node adapter on a real http server: a stream for an invoice the store
// does not know is refused at once with no provider call and no share of the unknown-id budget that status polls
// need; one client holds at most `maxStreamsPerClient` streams (by remote address, or the shop's own key); a
// stream ends at its invoice's expiry even when nothing else would tell it.
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MemoryStore, createQPayCheckoutHandler } from '../../../src/server/index.js';
import { openStream, realClock, shopServers } from './event-stream-kit.js';
import { makeClient, makeMockServer } from './qpay-test-kit.js';

const env = makeMockServer(realClock);
const { controls } = env;
const { serve, closeAll } = shopServers();
const opened: { close(): void }[] = [];

before(() => env.listen());
after(() => {
  for (const stream of opened) stream.close();
  env.close();
  closeAll();
});
beforeEach(() => controls.reset());

/** Opens a stream over a fresh socket from `localAddress` (127.0.0.2 is another client on the same machine). */
function streamFrom(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = get(url, { localAddress, agent: false, headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      opened.push({ close: () => request.destroy() });
      resolve(response);
    });
    request.on('error', reject);
  });
}

async function bodyOf(response: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of response) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

const randomId = () => `00000000-0000-4000-8000-${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`;

describe('event streams for invoices the store does not know', () => {
  it('are answered 404 at once, with no provider call (a forgotten invoice costs nothing)', async () => {
    const before = await serve();
    const invoice = await before.createInvoice();
    // The same provider account, a store that never saw the invoice (a MemoryStore after a restart).
    const restarted = await serve({ store: new MemoryStore() });
    controls.calls.clear();
    const answer = await fetch(`${restarted.base}/qpay/events/${invoice.invoice_id}`, { headers: { accept: 'text/event-stream' } });
    assert.equal(answer.status, 404);
    assert.match(answer.headers.get('content-type')!, /application\/json/);
    assert.equal(((await answer.json()) as { error: string }).error, 'INVOICE_NOT_FOUND');
    assert.equal(controls.calls.count(), 0, 'no provider call for a stream of an unknown invoice');
  });

  it('do not use the unknown-id budget: after 12 of them a status poll of an unknown id is still answered', async () => {
    const known = await serve();
    const invoice = await known.createInvoice();
    // One clock second for the whole test: the budget (10 unknown lookups per second) cannot refill meanwhile.
    const second = Date.now();
    const restarted = await serve({ store: new MemoryStore(), now: () => second });
    const streams = await Promise.all(Array.from({ length: 12 }, () => fetch(`${restarted.base}/qpay/events/${randomId()}`)));
    const poll = await fetch(`${restarted.base}/qpay/status/${invoice.invoice_id}`);
    assert.equal(poll.status, 200, `the poll was answered ${poll.status}: ${await poll.clone().text()}`);
    assert.deepEqual(await poll.json(), { status: 'NEW', paid_amount: 0, invoice_id: invoice.invoice_id });
    assert.deepEqual(streams.map((answer) => answer.status), Array(12).fill(404));
  });
});

describe('open streams per client', () => {
  it('the 21st stream of one address gets 429 with Retry-After; another address still gets a stream; a closed one frees its slot', async () => {
    const shop = await serve({ statusCacheMs: 60_000 });
    const invoice = await shop.createInvoice();
    const url = `${shop.base}/qpay/events/${invoice.invoice_id}`;
    const mine = await Promise.all(Array.from({ length: 20 }, () => openStream(url)));
    opened.push(...mine);
    assert.deepEqual(mine.map((stream) => stream.response.status), Array(20).fill(200));
    const refused = await streamFrom(url, '127.0.0.1');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '30');
    const body = await bodyOf(refused);
    assert.equal(body.error, 'TOO_MANY_STREAMS_FOR_CLIENT');
    assert.match(String(body.message), /20/);
    const other = await streamFrom(url, '127.0.0.2');
    assert.equal(other.statusCode, 200);
    assert.match(String(other.headers['content-type']), /^text\/event-stream/);
    mine[0]!.close();
    await mine[0]!.ended;
    let again: IncomingMessage | undefined;
    // The server notices the closed connection a moment later.
    for (let tries = 0; tries < 50 && again?.statusCode !== 200; tries++) {
      if (again) await new Promise((resolve) => setTimeout(resolve, 20));
      again = await streamFrom(url, '127.0.0.1');
    }
    assert.equal(again?.statusCode, 200, 'a closed stream gives its slot back');
  });

  it('with one heartbeat timer for all streams: every stream gets keep-alives, the cap holds, and a stream opened after all closed still gets them', async () => {
    const shop = await serve({ statusCacheMs: 60_000, streamHeartbeatMs: 40 });
    const [a, b] = [await shop.createInvoice(), await shop.createInvoice()];
    const urls = [a, b].map((invoice) => `${shop.base}/qpay/events/${invoice.invoice_id}`);
    const streams = await Promise.all(Array.from({ length: 20 }, (_, i) => openStream(urls[i % 2]!)));
    opened.push(...streams);
    const refused = await streamFrom(urls[0]!, '127.0.0.1');
    assert.equal(refused.statusCode, 429, 'the per-client cap holds');
    await bodyOf(refused);
    const beaten = async (stream: (typeof streams)[number]) => {
      for (let tries = 0; tries < 100 && !stream.raw().includes(': keep-alive\n\n'); tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      return stream.raw().includes(': keep-alive\n\n');
    };
    assert.deepEqual(await Promise.all(streams.map(beaten)), Array(20).fill(true));
    for (const stream of streams) stream.close();
    await Promise.all(streams.map((stream) => stream.ended));
    let later: Awaited<ReturnType<typeof openStream>> | undefined;
    // The server notices the closed connections a moment later.
    for (let tries = 0; tries < 50 && later?.response.status !== 200; tries++) {
      if (later) await new Promise((resolve) => setTimeout(resolve, 20));
      later = await openStream(urls[1]!);
    }
    opened.push(later!);
    assert.equal(later?.response.status, 200);
    assert.equal(await beaten(later!), true, 'the heartbeat starts again for a new stream');
  });

  it('behind a trusted proxy, counts the address the proxy appended, whatever the client put before it', async () => {
    const shop = await serve({ statusCacheMs: 60_000, maxStreamsPerClient: 3 }, { trustProxy: true });
    const invoice = await shop.createInvoice();
    const url = `${shop.base}/qpay/events/${invoice.invoice_id}`;
    const viaProxy = (client: string, n: number) => streamFrom(url, '127.0.0.1', { 'x-forwarded-for': `10.9.9.${n}, ${client}` });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await viaProxy('203.0.113.5', n)).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 429], 'made-up X-Forwarded-For entries do not make a new client');
    assert.equal((await viaProxy('203.0.113.6', 9)).statusCode, 200);
  });

  it('uses the shop\'s streamClientKey; requests without a key meet only the per-process cap', async () => {
    const shop = await serve({ statusCacheMs: 60_000, maxStreamsPerClient: 2, streamClientKey: (request) => request.headers.get('x-shop-client') ?? undefined });
    const invoice = await shop.createInvoice();
    const url = `${shop.base}/qpay/events/${invoice.invoice_id}`;
    const as = async (client?: string) => (await streamFrom(url, '127.0.0.1', client ? { 'x-shop-client': client } : {})).statusCode;
    assert.deepEqual([await as('a'), await as('a'), await as('a'), await as('b')], [200, 200, 429, 200]);
    const keyless = [];
    for (let n = 0; n < 4; n++) keyless.push(await as());
    assert.deepEqual(keyless, [200, 200, 200, 200]);
  });

  it('refuses a maxStreamsPerClient that is not a whole number of at least 1, naming it', () => {
    const { client } = makeClient(realClock);
    const options = { client, invoiceCode: 'TEST_INVOICE', callbackUrl: 'http://shop.test/qpay/callback', getOrder: () => null, onPaid: () => {} };
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => createQPayCheckoutHandler({ ...options, maxStreamsPerClient: bad }), /maxStreamsPerClient must be a whole number of at least 1, got/);
    }
    assert.throws(() => createQPayCheckoutHandler({ ...options, streamClientKey: 'ip' as never }), /streamClientKey must be a function/);
  });
});

describe('a stream and its invoice\'s expiry', () => {
  it('tells EXPIRED and ends at the expiry (plus its margin) even when no status check is due', async () => {
    // A minute-long status cache: the watcher would not look again before the invoice expired long ago.
    const shop = await serve({ statusCacheMs: 60_000, invoiceTtlMs: 1500 });
    const invoice = await shop.createInvoice();
    const openedAt = Date.now();
    const stream = await openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`);
    opened.push(stream);
    assert.equal((await stream.nextStatus())!.body.status, 'NEW');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 8000).unref());
    const last = await Promise.race([stream.nextStatus(), timeout]);
    assert.notEqual(last, 'timeout', 'the stream was still open 8 s after opening, with an invoice 1.5 s long');
    assert.deepEqual(last, { id: 'EXPIRED.0', body: { status: 'EXPIRED', paid_amount: 0, invoice_id: invoice.invoice_id } });
    assert.equal(await Promise.race([stream.next(), timeout]), null, 'the stream ends after the final status');
    const endedAfterMs = Date.now() - openedAt;
    assert.ok(endedAfterMs >= 1400, `ended ${endedAfterMs} ms after opening, before the invoice expired`);
  });
});
