// The event stream trusts only the store, on real PostgreSQL and real Redis: a PAID forged onto an unpaid invoice's
// channel by anyone who can NOTIFY or PUBLISH (with CR/LF and an `event:` line in it, to forge a second event) puts
// nothing on an open stream; a genuine payment, recorded and then announced, still reaches it at once.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CheckoutStore } from '../../../src/server/index.js';
import { PostgresStore } from '../../../src/server/stores/postgres-store.js';
import { RedisStore } from '../../../src/server/stores/redis-store.js';
import { startPostgres, startRedis, type TestServer } from '../helpers/servers.js';
import { openStream, realClock, shopServers, sleep } from './event-stream-kit.js';
import { makeMockServer } from './qpay-test-kit.js';

const env = makeMockServer(realClock);
const { controls } = env;
const { serve, closeAll } = shopServers();
let postgres: TestServer;
let redis: TestServer;
const stores: { close(): Promise<void> }[] = [];

before(async () => {
  env.listen();
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
});
after(async () => {
  env.close();
  closeAll();
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all([postgres?.stop(), redis?.stop()]);
});
beforeEach(() => controls.reset());

/** A forged status message: PAID, and a status whose CR/LF would start an extra event if it reached the stream. */
function forgeries(invoiceId: string): string[] {
  // The CR/LF one first: on its own it does not end the stream, so what it injects would show.
  return [
    JSON.stringify({
      status: `PAID\r\n\r\nevent: status\r\ndata: {"status":"PAID","paid_amount":15000,"invoice_id":"${invoiceId}"}\r\nid: FORGED`,
      paid_amount: 15000,
      invoice_id: invoiceId,
    }),
    JSON.stringify({ status: 'PAID', paid_amount: 15000, invoice_id: invoiceId }),
  ];
}

/**
 * Opens a stream on an unpaid invoice, sends the forgeries with `inject`, then pays it for real (the callback records the
 * payment, then announces it). The status cache lasts a minute: only the channel can bring news this soon.
 */
async function forgeThenPay(
  store: CheckoutStore,
  listening: (invoiceId: string) => Promise<boolean>,
  inject: (invoiceId: string, message: string) => Promise<void>,
) {
  const shop = await serve({ store, statusCacheMs: 60_000, streamHeartbeatMs: 100 });
  const invoice = await shop.createInvoice();
  const stream = await openStream(`${shop.base}/qpay/events/${invoice.invoice_id}`);
  assert.deepEqual(await stream.nextStatus(), { id: 'NEW.0', body: { status: 'NEW', paid_amount: 0, invoice_id: invoice.invoice_id } });
  // The watcher subscribes as the stream opens: forge only once the shop hears the channel, or the test proves nothing.
  for (let tries = 0; !(await listening(invoice.invoice_id)); tries++) {
    assert.ok(tries < 100, 'the shop never subscribed to the invoice\'s channel');
    await sleep(20);
  }
  for (const message of forgeries(invoice.invoice_id)) await inject(invoice.invoice_id, message);
  await sleep(800);
  const afterForgery = stream.received().filter((event) => !event.comment && event.retry === undefined);
  assert.deepEqual(afterForgery.map((event) => event.id), ['NEW.0'], 'a forged message puts nothing on the stream');
  assert.equal(stream.isEnded(), false, 'a forged PAID does not end the stream');

  const { callbackUrl } = controls.pay(invoice.invoice_id, undefined, { callback: false });
  const paidAt = Date.now();
  assert.equal(await shop.deliverCallback(callbackUrl!), 'SUCCESS');
  assert.deepEqual(await stream.nextStatus(), { id: 'PAID.1500000', body: { status: 'PAID', paid_amount: 15000, invoice_id: invoice.invoice_id } });
  const pushedWithinMs = Date.now() - paidAt;
  await stream.ended;
  const events = stream.received().filter((event) => !event.comment);
  assert.deepEqual(events.map((event) => [event.event, event.id]), [[undefined, undefined], ['status', 'NEW.0'], ['status', 'PAID.1500000']]);
  assert.doesNotMatch(stream.raw(), /FORGED/);
  assert.ok(pushedWithinMs < 3000, `the genuine payment reached the stream ${pushedWithinMs} ms after the callback`);
}

describe('event streams on a shared store trust no channel message', () => {
  it('PostgreSQL: a raw pg_notify of PAID onto an unpaid invoice sends nothing; the real payment arrives at once', async () => {
    const tablePrefix = 'trust_';
    const store = new PostgresStore(postgres.url, { tablePrefix, timeoutMs: 2000, onError: () => {} });
    stores.push(store);
    await store.migrate();
    // Any role that can log in may NOTIFY on any channel: this client is not the store.
    const outsider = new pg.Client(postgres.url);
    await outsider.connect();
    stores.push({ close: () => outsider.end() });
    const listening = async () => {
      const { rows } = await outsider.query("SELECT 1 FROM pg_stat_activity WHERE query = $1", [`LISTEN ${tablePrefix}events`]);
      return rows.length > 0;
    };
    await forgeThenPay(store, listening, async (invoiceId, message) => {
      await outsider.query('SELECT pg_notify($1, $2)', [`${tablePrefix}events`, JSON.stringify([`status:${invoiceId}`, message])]);
    });
  });

  it('Redis: a raw PUBLISH of PAID onto an unpaid invoice sends nothing; the real payment arrives at once', async () => {
    const store = new RedisStore(redis.url, { prefix: 'trust:', timeoutMs: 2000, onError: () => {}, logger: { warn: () => {} } });
    stores.push(store);
    const outsider = new Redis(redis.url);
    stores.push({ close: async () => void outsider.disconnect() });
    const listening = async (invoiceId: string) => {
      const [, subscribers] = (await outsider.pubsub('NUMSUB', `trust:ch:status:${invoiceId}`)) as [string, number];
      return subscribers > 0;
    };
    await forgeThenPay(store, listening, async (invoiceId, message) => {
      const receivers = await outsider.publish(`trust:ch:status:${invoiceId}`, message);
      assert.equal(receivers, 1, 'the forged message reached the shop\'s subscription');
    });
  });
});
