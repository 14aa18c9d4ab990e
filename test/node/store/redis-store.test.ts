// RedisStore against a real redis-server (started here on a free port): the shared contract, retention by key
// lifetimes, and faults (a connection cut mid-request, the server going away and coming back).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/server/stores/redis-store.js';
import { partitionOf } from '../../../src/server/stores/redis-layout.js';
import { startRedis, type TestServer } from '../helpers/servers.js';
import { invoiceRecord, paidRecord, storeContract, unique, serverOutageContract } from './contract.js';
import { outboxContract } from './outbox-contract.js';

let server: TestServer;
/** Where the store keeps `key` of order `orderId` (its partition's hash tag), and an id's index key. */
const inOrder = (prefix: string, orderId: string, key: string) => `{${prefix}${partitionOf(orderId)}}${key}`;
const index = (prefix: string, type: 'where:' | 'refwhere:', id: string) => `{${prefix}${partitionOf(id)}}${type}${id}`;
const opened: RedisStore[] = [];
const errors: Error[] = [];
const warnings: string[] = [];
/** A store with its own connection; connection errors and warnings are collected rather than printed. */
function open(options: ConstructorParameters<typeof RedisStore>[1] = {}): RedisStore {
  const store = new RedisStore(server.url, {
    timeoutMs: 2000,
    onError: (error) => errors.push(error),
    logger: { warn: (message) => warnings.push(message) },
    ...options,
  });
  opened.push(store);
  return store;
}

before(async () => {
  server = await startRedis();
});
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await server?.stop();
});

storeContract('RedisStore', async () => {
  const prefix = `${unique('contract')}:`;
  return { connect: async () => open({ prefix }), closeAll: async () => undefined };
});

outboxContract('RedisStore', async () => {
  const prefix = `${unique('outbox')}:`;
  return {
    connect: async () => open({ prefix }),
    // A Redis restarted without persistence comes back empty.
    wipe: async () => {
      const raw = new Redis(server.url);
      await raw.flushall();
      await raw.quit();
    },
  };
});

describe('RedisStore persistence warning', () => {
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

  it('warns once at first use, through the logger, when the server keeps neither AOF nor RDB snapshots', async () => {
    const heard: string[] = [];
    const store = open({ prefix: `${unique('warn')}:`, logger: { warn: (message) => heard.push(message) } });
    await store.getInvoice('x');
    await store.marker();
    for (let waited = 0; heard.length === 0 && waited < 2000; waited += 20) await sleep(20);
    await sleep(100);
    assert.equal(heard.length, 1, `one warning (got ${JSON.stringify(heard)})`);
    assert.match(heard[0]!, /^RedisStore: this Redis server keeps neither an append-only file nor RDB snapshots/);
    assert.match(heard[0]!, /loses paid-but-undelivered payments/);
    assert.match(heard[0]!, /appendonly yes/);
  });

  it('the default logger is console.warn with the qpay-checkout: prefix', async () => {
    const original = console.warn;
    const heard: string[] = [];
    console.warn = (message: string) => heard.push(message);
    try {
      const store = new RedisStore(server.url, { prefix: `${unique('warn')}:` });
      opened.push(store);
      await store.getInvoice('x');
      for (let waited = 0; heard.length === 0 && waited < 2000; waited += 20) await sleep(20);
    } finally {
      console.warn = original;
    }
    assert.equal(heard.length, 1);
    assert.match(heard[0]!, /^qpay-checkout: RedisStore: this Redis server keeps neither/);
  });

  it('says nothing on a server with an append-only file', async () => {
    const durable = await startRedis({ persistence: true });
    try {
      const heard: string[] = [];
      const store = new RedisStore(durable.url, { logger: { warn: (message) => heard.push(message) } });
      opened.push(store);
      await store.getInvoice('x');
      const raw = new Redis(durable.url);
      assert.deepEqual(await raw.config('GET', 'appendonly'), ['appendonly', 'yes'], 'the server really keeps an AOF');
      await raw.quit();
      await sleep(300);
      assert.deepEqual(heard, []);
    } finally {
      await durable.stop();
    }
  });
});

describe('RedisStore keys and retention', () => {
  let raw: Redis;
  before(() => {
    raw = new Redis(server.url);
  });
  after(async () => {
    await raw.quit();
  });

  it('keeps an invoice until expiresAt + retentionMs; a paid one has no end while its delivery is not done, then gets one', async () => {
    const prefix = `${unique('retention')}:`;
    const store = open({ prefix, retentionMs: 60_000 });
    const expiresAt = Date.now() + 30_000;
    await store.openInvoice(invoiceRecord('inv', 'order', { reference: 'ref', expiresAt }));
    const keys = (names: string[]) => [...names.map((key) => inOrder(prefix, 'order', key)), index(prefix, 'where:', 'inv'), index(prefix, 'refwhere:', 'ref')];
    for (const key of keys(['inv:inv', 'ref:ref', 'open:order'])) {
      const ends = await raw.pexpiretime(key);
      assert.ok(Math.abs(ends - (expiresAt + 60_000)) < 5, `${key} ends at expiresAt + retention (${ends})`);
    }
    const paidAt = Date.now();
    await store.recordPayment(paidRecord('inv', 'order', { paidAt }));
    for (const key of keys(['inv:inv', 'ref:ref', 'paid:inv', 'orderpaid:order'])) {
      assert.equal(await raw.pttl(key), -1, `${key} never expires while the delivery is pending`);
    }
    const [claim] = await store.claimDeliveries(paidAt, 1000, 1);
    await store.finishDelivery('inv', claim!.token, { state: 'pending', retryAt: paidAt + 1000, error: 'e' });
    assert.equal(await raw.pttl(inOrder(prefix, 'order', 'paid:inv')), -1, 'a failed onPaid keeps the records');
    const [retry] = await store.claimDeliveries(paidAt + 1000, 1000, 1);
    await store.finishDelivery('inv', retry!.token, { state: 'done', at: Date.now() });
    for (const key of keys(['inv:inv', 'ref:ref', 'paid:inv', 'orderpaid:order'])) {
      const ends = await raw.pexpiretime(key);
      assert.ok(Math.abs(ends - (Math.max(paidAt, expiresAt) + 60_000)) < 5, `${key} ends retention after the payment (${ends} vs ${Math.max(paidAt, expiresAt) + 60_000})`);
    }
  });

  it('an invoice past its retention is gone; what stays is under the prefix', async () => {
    const prefix = `${unique('gone')}:`;
    const store = open({ prefix, retentionMs: 100 });
    await store.openInvoice(invoiceRecord('old', 'order', { expiresAt: Date.now() }));
    assert.ok(await store.getInvoice('old'));
    await new Promise((done) => setTimeout(done, 200));
    assert.equal(await store.getInvoice('old'), undefined);
    assert.equal(await store.getOpenInvoice('order'), undefined);
    await store.openInvoice(invoiceRecord('new', 'order'));
    await store.acquireLock('l', 10_000);
    const keys = [...(await raw.keys(`${prefix}*`)), ...(await raw.keys(`{${prefix}*`))];
    const expected = [
      inOrder(prefix, 'order', 'inv:new'),
      inOrder(prefix, 'order', 'open:order'),
      inOrder(prefix, 'order', 'ref:ref-new'),
      index(prefix, 'where:', 'new'),
      index(prefix, 'refwhere:', 'ref-new'),
      `${prefix}lock:l`,
    ];
    assert.deepEqual(keys.sort(), expected.sort(), 'only the live records and their index keys, under the prefix');
  });

  it('works on a shared ioredis client that has its own keyPrefix (the scripts build keys with it too)', async () => {
    const prefix = `${unique('app')}:`;
    const client = new Redis(server.url, { keyPrefix: prefix });
    try {
      const store = new RedisStore(client, { prefix: 'pay:' });
      await store.openInvoice(invoiceRecord('one', 'order'));
      await store.openInvoice(invoiceRecord('two', 'order'));
      assert.equal(typeof (await store.getInvoice('one'))?.supersededAt, 'number', 'the script found the previous invoice');
      await store.markPaid(paidRecord('one', 'order'));
      assert.equal(await raw.pttl(`${prefix}${inOrder('pay:', 'order', 'inv:one')}`), -1, 'the paid invoice lost its expiry');
      assert.equal(await raw.pttl(`${prefix}${inOrder('pay:', 'order', 'ref:ref-one')}`), -1, 'and so did its reference');
      await store.close();
      assert.equal(client.status, 'ready', 'a shared client stays open');
    } finally {
      client.disconnect();
    }
  });

  it('rejects an empty or non-string id with a clear StoreError', async () => {
    const store = open();
    await assert.rejects(store.getInvoice(''), { name: 'StoreError', message: /RedisStore: getInvoice failed: invoiceId must be a non-empty string/ });
    await assert.rejects(store.markPaid(paidRecord(42 as unknown as string, 'o')), /RedisStore: markPaid failed: record.invoiceId must be a non-empty string \(got number\)/);
  });
});

describe('RedisStore faults', () => {
  it('a connection killed mid-request: the call settles (answer or clear error), nothing is doubled, the store works on', async () => {
    const prefix = `${unique('cut')}:`;
    const store = open({ prefix });
    const admin = new Redis(server.url);
    try {
      await store.getInvoice('warm-up');
      // Hold every client's writes, start a decision, then cut the store's connection while it waits.
      await admin.client('PAUSE', 1000, 'WRITE');
      const pending = store.markPaid(paidRecord('inv', 'order')).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await new Promise((done) => setTimeout(done, 100));
      await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await admin.client('UNPAUSE');
      const outcome = await pending;
      if ('error' in outcome) assert.match(String(outcome.error), /RedisStore: markPaid failed: /);
      else assert.equal(outcome.value.orderPaidBy, 'inv');
      const paid = await store.markPaid(paidRecord('inv', 'order'));
      assert.equal(paid.orderPaidBy, 'inv');
      assert.equal(await store.getOrderPaidBy('order'), 'inv');
    } finally {
      await admin.client('UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
  });

  serverOutageContract('RedisStore', {
    server: () => server,
    open: async () => {
      const prefix = `${unique('down')}:`;
      return [open({ prefix, timeoutMs: 1500 }), open({ prefix, timeoutMs: 1500 })];
    },
    keepsData: false,
  });

  it('connection errors go to onError, never to an unhandled error event', () => {
    assert.ok(errors.length > 0, 'the outage above was reported to onError');
    assert.ok(errors.every((error) => error instanceof Error));
  });
});
