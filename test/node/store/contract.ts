// The one contract every CheckoutStore passes (MemoryStore, RedisStore, PostgresStore): register it with
// `storeContract(name, target)` from a *.test.ts file. `connect()` opens another store on the same state, the way a
// second process would (a new connection for Redis and PostgreSQL; the same instance for MemoryStore), so the
// concurrency tests race several connections against each other.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CachedStatus, CheckoutStore, InvoiceRecord, PaidRecord } from '../../../src/server/stores/store.js';

export interface ContractTarget {
  /** A store on the shared state: another process's view of it. */
  connect(): Promise<CheckoutStore>;
  /** Closes everything `connect()` opened. */
  closeAll(): Promise<void>;
}

/** Ids a shop or a provider could produce that would break a store that builds keys or patterns carelessly. */
export const ODD_IDS = [
  'with space',
  'a:b:c',
  'qpay:inv:x',
  'ünïcødé 支付 🙂',
  '*',
  '?[a]',
  '{tag}',
  'line\nbreak\r\n',
  `quote'"\\`,
  '%_',
  'x'.repeat(128),
];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** Unique per test, so tests share one server without seeing each other's records. */
export const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export function invoiceRecord(invoiceId: string, orderId: string, extra: Partial<InvoiceRecord> = {}): InvoiceRecord {
  const now = Date.now();
  return {
    invoiceId,
    orderId,
    reference: `ref-${invoiceId}`,
    provider: 'qpay',
    amount: 15000.5,
    currency: 'MNT',
    expiresAt: now + 30 * 60_000,
    createdAt: now,
    invoice: {
      invoice_id: invoiceId,
      qr_text: 'qr text ünï',
      amount: 15000.5,
      currency: 'MNT',
      expires_at: new Date(now + 30 * 60_000).toISOString(),
      urls: [],
      nested: { empty: {}, list: [1, 'two', null] },
    },
    ...extra,
  };
}

export function paidRecord(invoiceId: string, orderId: string, extra: Partial<PaidRecord> = {}): Omit<PaidRecord, 'orderPaidBy'> {
  return {
    invoiceId,
    orderId,
    provider: 'qpay',
    paidAmount: 15000.5,
    amount: 15000.5,
    currency: 'MNT',
    paidAt: Date.now(),
    payment: { rows: [{ payment_id: 'p-1', status: 'PAID' }], count: 1 },
    ...extra,
  };
}

/** Collects what a subscription hears, and waits for it. */
function inbox() {
  const messages: string[] = [];
  return {
    messages,
    listener: (message: string) => messages.push(message),
    async waitFor(message: string, timeoutMs = 3000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!messages.includes(message)) {
        if (Date.now() > deadline) assert.fail(`no message ${JSON.stringify(message)} within ${timeoutMs} ms (heard ${JSON.stringify(messages)})`);
        await sleep(5);
      }
    },
  };
}

export function storeContract(name: string, makeTarget: () => Promise<ContractTarget>): void {
  describe(`${name}: the CheckoutStore contract`, () => {
    let target: ContractTarget;
    let a: CheckoutStore;
    let b: CheckoutStore;
    let pool: CheckoutStore[];

    before(async () => {
      target = await makeTarget();
      pool = await Promise.all(Array.from({ length: 4 }, () => target.connect()));
      [a, b] = pool as [CheckoutStore, CheckoutStore];
    });
    after(async () => {
      await target?.closeAll();
    });

    describe('invoices', () => {
      it('reads back an opened invoice by id, by reference and as the order\'s open one; unknown ids read as undefined', async () => {
        const record = invoiceRecord(unique('inv'), unique('order'));
        await a.openInvoice(record);
        assert.deepEqual(await b.getInvoice(record.invoiceId), record);
        assert.deepEqual(await b.getInvoiceByReference(record.reference), record);
        assert.deepEqual(await b.getOpenInvoice(record.orderId), record);
        assert.equal(await b.getInvoice(unique('missing')), undefined);
        assert.equal(await b.getInvoiceByReference(unique('missing')), undefined);
        assert.equal(await b.getOpenInvoice(unique('missing')), undefined);
      });

      it('a new invoice for the order supersedes the open one, which stays readable by id and reference', async () => {
        const orderId = unique('order');
        const first = invoiceRecord(unique('inv1'), orderId);
        const second = invoiceRecord(unique('inv2'), orderId, { amount: 16000 });
        const other = invoiceRecord(unique('inv3'), unique('other-order'));
        await a.openInvoice(first);
        await a.openInvoice(other);
        const before = Date.now();
        await b.openInvoice(second);
        const old = await a.getInvoice(first.invoiceId);
        assert.ok(old, 'the superseded invoice is still readable by id');
        assert.equal(typeof old.supersededAt, 'number');
        assert.ok(old.supersededAt! >= before - 1000 && old.supersededAt! <= Date.now() + 1000, `supersededAt ${old.supersededAt} is about now`);
        assert.deepEqual({ ...old, supersededAt: undefined }, { ...first, supersededAt: undefined });
        assert.equal((await a.getInvoiceByReference(first.reference))?.supersededAt, old.supersededAt, 'and by reference');
        assert.deepEqual(await a.getOpenInvoice(orderId), second);
        assert.equal((await a.getInvoice(second.invoiceId))?.supersededAt, undefined);
        assert.deepEqual(await a.getOpenInvoice(other.orderId), other, 'another order is not touched');
      });

      it('opening the open invoice again keeps it open and not superseded', async () => {
        const record = invoiceRecord(unique('inv'), unique('order'));
        await a.openInvoice(record);
        await b.openInvoice(record);
        assert.deepEqual(await a.getOpenInvoice(record.orderId), record);
        assert.equal((await a.getInvoice(record.invoiceId))?.supersededAt, undefined);
      });

      it('one open invoice per order when 20 invoices of one order are opened at once from several connections', async () => {
        const orderId = unique('order');
        const records = Array.from({ length: 20 }, (_, i) => invoiceRecord(unique(`inv${i}`), orderId));
        await Promise.all(records.map((record, i) => pool[i % pool.length]!.openInvoice(record)));
        const open = await a.getOpenInvoice(orderId);
        assert.ok(open, 'the order has an open invoice');
        const stored = await Promise.all(records.map((record) => b.getInvoice(record.invoiceId)));
        const notSuperseded = stored.filter((record) => record && record.supersededAt === undefined);
        assert.equal(notSuperseded.length, 1, 'exactly one invoice is not superseded');
        assert.equal(notSuperseded[0]!.invoiceId, open.invoiceId, 'and it is the open one');
        assert.ok(stored.every(Boolean), 'every invoice stays readable');
      });
    });

    describe('payments', () => {
      it('the first markPaid of an invoice wins; getPaid and getOrderPaidBy read it from another connection', async () => {
        const orderId = unique('order');
        const invoiceId = unique('inv');
        const first = await a.markPaid(paidRecord(invoiceId, orderId, { paidAmount: 100 }));
        assert.deepEqual(first, { ...paidRecord(invoiceId, orderId, { paidAmount: 100, paidAt: first.paidAt }), orderPaidBy: invoiceId });
        const again = await b.markPaid(paidRecord(invoiceId, orderId, { paidAmount: 999 }));
        assert.deepEqual(again, first, 'a later call returns the stored record');
        assert.deepEqual(await b.getPaid(invoiceId), first);
        assert.equal(await b.getOrderPaidBy(orderId), invoiceId);
        assert.equal(await b.getPaid(unique('missing')), undefined);
        assert.equal(await b.getOrderPaidBy(unique('missing')), undefined);
      });

      it('a second paid invoice of a paid order is recorded with orderPaidBy naming the first', async () => {
        const orderId = unique('order');
        const [one, two] = [unique('inv1'), unique('inv2')];
        await a.markPaid(paidRecord(one, orderId));
        const second = await b.markPaid(paidRecord(two, orderId));
        assert.equal(second.invoiceId, two);
        assert.equal(second.orderPaidBy, one);
        assert.equal((await a.getPaid(two))?.orderPaidBy, one);
        assert.equal(await a.getOrderPaidBy(orderId), one);
      });

      it('50 concurrent markPaid for two invoices of one order from several connections: one orderPaidBy for all', async () => {
        const orderId = unique('order');
        const ids = [unique('inv1'), unique('inv2')];
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => pool[i % pool.length]!.markPaid(paidRecord(ids[i % 2]!, orderId, { paidAmount: i }))),
        );
        const firstPayer = await a.getOrderPaidBy(orderId);
        assert.ok(firstPayer && ids.includes(firstPayer));
        assert.deepEqual(new Set(results.map((r) => r.orderPaidBy)), new Set([firstPayer]), 'every answer names the same first payer');
        for (const id of ids) {
          const stored = await a.getPaid(id);
          assert.ok(stored);
          const answers = results.filter((r) => r.invoiceId === id);
          assert.ok(answers.every((r) => r.paidAmount === stored.paidAmount), 'one record per invoice, the same in every answer');
        }
      });
    });

    describe('locks', () => {
      it('one holder: a second acquire gets null until the holder releases; a wrong token releases nothing', async () => {
        const name = unique('lock');
        const token = await a.acquireLock(name, 30_000);
        assert.equal(typeof token, 'string');
        assert.equal(await b.acquireLock(name, 30_000), null);
        await b.releaseLock(name, 'not the token');
        assert.equal(await b.acquireLock(name, 30_000), null, 'still held after a wrong-token release');
        await a.releaseLock(name, token!);
        const next = await b.acquireLock(name, 30_000);
        assert.equal(typeof next, 'string');
        assert.notEqual(next, token);
        await a.releaseLock(name, token!);
        assert.equal(await a.acquireLock(name, 30_000), null, 'the old token does not release the new holder');
      });

      it('exactly one of 20 concurrent acquires from several connections holds the lock', async () => {
        const name = unique('lock');
        const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => pool[i % pool.length]!.acquireLock(name, 30_000)));
        assert.equal(tokens.filter((t) => t !== null).length, 1);
      });

      it('a lock ends by itself after its time limit', async () => {
        const name = unique('lock');
        assert.notEqual(await a.acquireLock(name, 150), null);
        assert.equal(await b.acquireLock(name, 150), null);
        await sleep(250);
        assert.notEqual(await b.acquireLock(name, 150), null);
      });
    });

    describe('status cache', () => {
      it('an entry set on one connection is read on another until its time limit', async () => {
        const invoiceId = unique('inv');
        const entry: CachedStatus = { at: Date.now(), result: { status: 'PAID', paidAmount: 15000.5, raw: { rows: [], note: 'ünï' } } };
        await a.setCachedStatus(invoiceId, entry, 200);
        assert.deepEqual(await b.getCachedStatus(invoiceId), entry);
        assert.equal(await b.getCachedStatus(unique('other')), undefined);
        await sleep(300);
        assert.equal(await b.getCachedStatus(invoiceId), undefined);
        const newer: CachedStatus = { at: Date.now(), result: { status: 'NEW' } };
        await b.setCachedStatus(invoiceId, newer, 10_000);
        assert.deepEqual(await a.getCachedStatus(invoiceId), newer);
      });
    });

    describe('publish and subscribe', () => {
      it('a message published on one store reaches the subscribers of another; unsubscribe stops it; channels stay apart', async () => {
        const channel = unique('paid');
        const other = unique('other');
        const heard = inbox();
        const heardToo = inbox();
        const heardOther = inbox();
        const stop = await b.subscribe(channel, heard.listener);
        const stopToo = await pool[2]!.subscribe(channel, heardToo.listener);
        const stopOther = await b.subscribe(other, heardOther.listener);
        const message = JSON.stringify({ status: 'PAID', note: 'ünï 🙂\nline' });
        await a.publish(channel, message);
        await heard.waitFor(message);
        await heardToo.waitFor(message);
        await stop();
        await a.publish(channel, 'after unsubscribe');
        await a.publish(other, 'marker');
        await heardOther.waitFor('marker');
        await heardToo.waitFor('after unsubscribe');
        assert.deepEqual(heard.messages, [message], 'nothing after unsubscribe');
        assert.deepEqual(heardOther.messages, ['marker'], 'the other channel heard only its own message');
        await stopToo();
        await stopOther();
      });

      it('two listeners on one channel of one store both hear it; removing one keeps the other', async () => {
        const channel = unique('paid');
        const one = inbox();
        const two = inbox();
        const stopOne = await b.subscribe(channel, one.listener);
        const stopTwo = await b.subscribe(channel, two.listener);
        await a.publish(channel, 'first');
        await one.waitFor('first');
        await two.waitFor('first');
        await stopOne();
        await a.publish(channel, 'second');
        await two.waitFor('second');
        assert.deepEqual(one.messages, ['first']);
        await stopTwo();
      });
    });

    describe('ids with odd characters', () => {
      it('work as ids, references, lock names and channels, and never match each other', async () => {
        const tag = unique('');
        for (const odd of ODD_IDS) {
          const id = `${odd}${tag}`;
          const record = invoiceRecord(id, `order ${id}`, { reference: `ref ${id}` });
          await a.openInvoice(record);
          assert.deepEqual(await b.getInvoice(id), record, JSON.stringify(odd));
          assert.deepEqual(await b.getInvoiceByReference(`ref ${id}`), record);
          assert.deepEqual(await b.getOpenInvoice(`order ${id}`), record);
          assert.equal((await b.markPaid(paidRecord(id, `order ${id}`))).orderPaidBy, id);
          assert.notEqual(await a.acquireLock(id, 30_000), null);
          await a.setCachedStatus(id, { at: 1, result: { status: 'PAID' } }, 30_000);
          assert.deepEqual(await b.getCachedStatus(id), { at: 1, result: { status: 'PAID' } });
        }
        // Each odd id saw only its own state: a pattern-like id (`*`, `?[a]`) matched nothing else.
        for (const odd of ODD_IDS) {
          const id = `${odd}${tag}`;
          assert.equal((await b.getInvoice(id))?.invoiceId, id);
          assert.equal(await b.getOrderPaidBy(`order ${id}`), id);
        }
        assert.equal(await a.getInvoice(`*`), undefined);
        assert.equal(await a.getInvoice(tag), undefined);
        const heard = inbox();
        const channel = `${ODD_IDS[4]}${ODD_IDS[7]}${tag}`;
        const stop = await b.subscribe(channel, heard.listener);
        await a.publish(channel, 'odd channel');
        await heard.waitFor('odd channel');
        await stop();
      });
    });
  });
}

/** Calls `attempt` until it resolves (the server is back), failing after `timeoutMs` with its last error. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

export interface OutageTarget {
  /** The server under the stores: crash() and restart() it. */
  server: () => { crash(): Promise<void>; restart(): Promise<void> };
  /** Two stores on the same state, on their own connections, with a short timeoutMs (under 2 s). */
  open: () => Promise<[CheckoutStore, CheckoutStore]>;
  /** Whether records written before the crash are there after the restart (a Redis without persistence forgets). */
  keepsData: boolean;
}

/**
 * The server going away and coming back: calls reject with a StoreError naming the store and the call, in bounded
 * time (never a hang, never a crash), and work again once the server is back, subscriptions included.
 */
export function serverOutageContract(storeName: 'RedisStore' | 'PostgresStore', target: OutageTarget): void {
  it('the server going away: calls reject with a clear StoreError in bounded time, calls and subscriptions work again after it is back', async () => {
    const [writer, reader] = await target.open();
    const orderId = unique('order');
    const invoiceId = unique('inv');
    const heard = inbox();
    await reader.subscribe('events', heard.listener);
    await writer.openInvoice(invoiceRecord(invoiceId, orderId));
    await writer.markPaid(paidRecord(invoiceId, orderId));
    await target.server().crash();
    const started = Date.now();
    const failures = await Promise.allSettled([
      writer.getInvoice(invoiceId),
      writer.openInvoice(invoiceRecord(unique('inv'), orderId)),
      writer.markPaid(paidRecord(unique('inv'), orderId)),
      writer.acquireLock('lock', 1000),
      writer.publish('events', 'while down'),
    ]);
    assert.ok(Date.now() - started < 4000, `calls gave up in ${Date.now() - started} ms`);
    for (const failure of failures) {
      assert.equal(failure.status, 'rejected');
      const reason = (failure as PromiseRejectedResult).reason as Error & { store?: string };
      assert.equal(reason.name, 'StoreError', String(reason));
      assert.equal(reason.store, storeName);
      assert.match(reason.message, new RegExp(`^${storeName}: (getInvoice|openInvoice|markPaid|acquireLock|publish) failed: .+`));
    }
    await target.server().restart();
    const lock = unique('lock');
    assert.notEqual(await eventually(async () => writer.acquireLock(lock, 30_000)), null);
    assert.equal(await reader.acquireLock(lock, 30_000), null, 'locks are atomic again');
    if (target.keepsData) assert.equal((await reader.getPaid(invoiceId))?.orderPaidBy, invoiceId, 'the records survived the crash');
    const next = invoiceRecord(unique('inv'), orderId);
    await writer.openInvoice(next);
    assert.equal((await reader.getOpenInvoice(orderId))?.invoiceId, next.invoiceId);
    // The subscriber's connection comes back and listens again by itself.
    await eventually(async () => {
      await writer.publish('events', 'after restart');
      await heard.waitFor('after restart', 200);
    });
  });
}
