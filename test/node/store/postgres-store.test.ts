// PostgresStore against a real PostgreSQL (started here on a free port, data in a temporary folder): the shared
// contract, migrate() on every start, cleanup() for retention, and faults (connections cut mid-request, the server
// going away and coming back).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore, StoreError, postgresSchemaSql } from '../../../src/server/stores/postgres-store.js';
import { startPostgres, type TestServer } from '../helpers/servers.js';
import { invoiceRecord, paidRecord, storeContract, serverOutageContract } from './contract.js';
import { outboxContract } from './outbox-contract.js';

let server: TestServer;
const opened: PostgresStore[] = [];
const errors: Error[] = [];
let prefixCount = 0;
/** A fresh table prefix, so a test sees only its own rows. */
const freshPrefix = () => `t${++prefixCount}_${process.pid}_`;
/** A store with its own pool; connection errors are collected rather than printed. */
function open(options: ConstructorParameters<typeof PostgresStore>[1] = {}): PostgresStore {
  const store = new PostgresStore(server.url, { timeoutMs: 2000, onError: (error) => errors.push(error), ...options });
  opened.push(store);
  return store;
}

before(async () => {
  server = await startPostgres();
});
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await server?.stop();
});

storeContract('PostgresStore', async () => {
  const tablePrefix = freshPrefix();
  await open({ tablePrefix }).migrate();
  return { connect: async () => open({ tablePrefix }), closeAll: async () => undefined };
});

/** Runs SQL as an outside client (the way an operator or a restore would). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client(server.url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const tablesOf = (prefix: string) => ['invoices', 'paid', 'order_paid', 'on_paid', 'deliveries', 'meta', 'locks', 'status_cache'].map((t) => prefix + t).join(', ');

outboxContract('PostgresStore', async () => {
  const tablePrefix = freshPrefix();
  await open({ tablePrefix }).migrate();
  return {
    connect: async () => open({ tablePrefix }),
    wipe: () => admin(`TRUNCATE ${tablesOf(tablePrefix)}`),
  };
});

describe('PostgresStore outbox upgrade and retention', () => {
  it('a new marker after the tables are dropped and migrate() creates them again', async () => {
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix });
    await store.migrate();
    const before = await store.marker();
    await admin(`DROP TABLE ${tablesOf(tablePrefix)}`);
    await store.migrate();
    assert.notEqual(await store.marker(), before);
  });

  it('migrate() gives payments from before the outbox a delivery unless their old onPaid is done', async () => {
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix });
    await store.migrate();
    const t0 = Date.now();
    for (const id of ['waiting', 'ran', 'delivered']) await store.markPaid(paidRecord(id, `order-${id}`, { paidAt: t0 }));
    // What the version before the outbox left: a run started for one, a run that succeeded for another.
    await admin(
      `INSERT INTO ${tablePrefix}on_paid (invoice_id, done, token, lease_until, retry_at, attempt)
       VALUES ('ran', false, 'old-token', ${t0 + 1000}, 0, 1), ('delivered', true, NULL, 0, 0, 1)`,
    );
    await admin(`DELETE FROM ${tablePrefix}deliveries`);
    await store.migrate();
    const listed = (await store.listDeliveries()).map((d) => `${d.invoiceId}:${d.state}:${d.mayHaveRun}`);
    assert.deepEqual(listed.sort(), ['ran:pending:true', 'waiting:pending:false']);
    assert.equal(await store.getDelivery('delivered'), undefined, 'onPaid already succeeded: no delivery');
  });

  it('cleanup() keeps a payment whose delivery is pending or failed, and drops it once done and past retention', async () => {
    let now = Date.now();
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix, retentionMs: 10_000, now: () => now });
    await store.migrate();
    for (const id of ['pending', 'failed', 'done']) {
      await store.openInvoice(invoiceRecord(id, `order-${id}`, { expiresAt: now + 1000 }));
      await store.recordPayment(paidRecord(id, `order-${id}`, { paidAt: now }));
    }
    const claims = await store.claimDeliveries(now, 60_000, 10);
    const tokenOf = (id: string) => claims.find((c) => c.paid.invoiceId === id)!.token;
    await store.finishDelivery('failed', tokenOf('failed'), { state: 'failed', error: 'gave up' });
    await store.finishDelivery('done', tokenOf('done'), { state: 'done', at: now });
    await store.finishDelivery('pending', tokenOf('pending'), { state: 'pending', retryAt: now + 1000, error: 'blip' });
    now += 12_000;
    await store.cleanup();
    for (const id of ['pending', 'failed']) {
      assert.ok(await store.getPaid(id), `${id}: the payment is kept`);
      assert.ok(await store.getInvoice(id), `${id}: the invoice is kept`);
      assert.equal((await store.getDelivery(id))?.state, id);
    }
    assert.equal(await store.getPaid('done'), undefined, 'delivered and past retention: gone');
    assert.equal(await store.getDelivery('done'), undefined);
    assert.deepEqual((await store.listDeliveries()).map((d) => d.invoiceId), ['failed', 'pending']);
  });
});

describe('PostgresStore schema', () => {
  it('migrate() is safe on every start, also from 5 instances starting at once', async () => {
    const tablePrefix = freshPrefix();
    const stores = Array.from({ length: 5 }, () => open({ tablePrefix }));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]!.migrate();
    await stores[1]!.openInvoice(invoiceRecord('inv', 'order'));
    assert.equal((await stores[2]!.getOpenInvoice('order'))?.invoiceId, 'inv');
  });

  it('the database itself refuses a second open invoice for an order (unique partial index)', async () => {
    const tablePrefix = freshPrefix();
    await open({ tablePrefix }).migrate();
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      const insert = (id: string) =>
        client.query(`INSERT INTO ${tablePrefix}invoices VALUES ($1, 'order', $1, '{}', 0, 0, 0, NULL)`, [id]);
      await insert('one');
      await assert.rejects(insert('two'), /duplicate key value violates unique constraint "t\d+_\d+_invoices_open_per_order"/);
    } finally {
      await client.end();
    }
  });

  it('rejects a table prefix that is not a plain identifier, and shows the schema for it', () => {
    assert.throws(() => new PostgresStore(server.url, { tablePrefix: 'qpay; DROP TABLE x; --' }), /tablePrefix must match/);
    assert.match(postgresSchemaSql('shop_'), /CREATE TABLE IF NOT EXISTS shop_invoices/);
    assert.throws(() => new PostgresStore({} as pg.Pool), /pass a pg.Pool or a connection string/);
  });
});

describe('PostgresStore retention and limits', () => {
  it('cleanup() deletes what is past retention, keeps paid invoices until onPaid succeeded, and says how many rows went', async () => {
    let now = Date.now();
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix, retentionMs: 10_000, now: () => now });
    await store.migrate();
    await store.openInvoice(invoiceRecord('unpaid', 'o1', { expiresAt: now + 1000 }));
    await store.openInvoice(invoiceRecord('paid', 'o2', { expiresAt: now + 1000 }));
    await store.openInvoice(invoiceRecord('fresh', 'o3', { expiresAt: now + 60_000 }));
    await store.recordPayment(paidRecord('paid', 'o2', { paidAt: now }));
    const [claim] = await store.claimDeliveries(now, 1000, 1);
    assert.equal(await store.cleanup(), 0, 'nothing is past retention yet');
    now += 12_000;
    assert.equal(await store.cleanup(), 1, 'the unpaid invoice went');
    assert.equal(await store.getInvoice('unpaid'), undefined);
    assert.ok(await store.getInvoice('paid'), 'onPaid has not succeeded: kept');
    assert.ok(await store.getInvoice('fresh'));
    await store.finishDelivery('paid', claim!.token, { state: 'done', at: now });
    assert.equal(await store.cleanup(), 4, 'the paid invoice with its payment, delivery and order_paid rows');
    assert.equal(await store.getPaid('paid'), undefined);
    assert.equal(await store.getOrderPaidBy('o2'), undefined);
    assert.ok(await store.getInvoice('fresh'));
  });

  it('publish refuses a message over the NOTIFY limit with a clear error; ids with NUL are refused clearly', async () => {
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix });
    await store.migrate();
    await assert.rejects(store.publish('c', 'x'.repeat(8000)), {
      name: 'StoreError',
      message: /PostgresStore: publish failed: the message is too large for PostgreSQL NOTIFY: 8008 bytes .* limit is 7999/,
    });
    await assert.rejects(store.getInvoice('a\u0000b'), /PostgresStore: getInvoice failed: .*0x00/);
    await assert.rejects(store.getInvoice(''), /PostgresStore: getInvoice failed: invoiceId must be a non-empty string/);
  });
});

describe('PostgresStore faults', () => {
  it('connections cut mid-request (an openInvoice waiting on a lock): clear error, no half-written state, works on', async () => {
    const tablePrefix = freshPrefix();
    const store = open({ tablePrefix, timeoutMs: 5000 });
    await store.migrate();
    const admin = new pg.Client(server.url);
    await admin.connect();
    try {
      await store.openInvoice(invoiceRecord('inv1', 'order'));
      // Hold the order's opening lock from outside, so the store's openInvoice is mid-transaction when the cut comes.
      await admin.query('BEGIN');
      await admin.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [`${tablePrefix}open`, 'order']);
      const pending = store.openInvoice(invoiceRecord('inv2', 'order'));
      const settled = pending.then(
        () => undefined,
        (error: unknown) => error,
      );
      await new Promise((done) => setTimeout(done, 200));
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'`);
      await admin.query('ROLLBACK');
      const error = await settled;
      assert.ok(error instanceof StoreError, `rejected with a StoreError (got ${error})`);
      assert.match(error.message, /^PostgresStore: openInvoice failed: .*(terminat|Connection)/i);
      assert.equal((await store.getOpenInvoice('order'))?.invoiceId, 'inv1', 'the cut transaction left nothing behind');
      assert.equal((await store.getInvoice('inv1'))?.supersededAt, undefined);
      await store.openInvoice(invoiceRecord('inv2', 'order'));
      assert.equal((await store.getOpenInvoice('order'))?.invoiceId, 'inv2');
    } finally {
      await admin.end().catch(() => undefined);
    }
  });

  serverOutageContract('PostgresStore', {
    server: () => server,
    open: async () => {
      const tablePrefix = freshPrefix();
      const stores: [PostgresStore, PostgresStore] = [open({ tablePrefix, timeoutMs: 1500 }), open({ tablePrefix, timeoutMs: 1500 })];
      await stores[0].migrate();
      return stores;
    },
    keepsData: true,
  });

  it('connection errors go to onError, never to an unhandled error event', () => {
    assert.ok(errors.length > 0, 'the outage above was reported to onError');
  });
});
