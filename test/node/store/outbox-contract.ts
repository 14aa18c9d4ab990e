// The outbox part of the CheckoutStore contract (recordPayment, delivery claims, the check schedule, the marker),
// run against every store from its *.test.ts file. Each test gets a fresh, empty store namespace from `fresh()`
// (claims take any due delivery, so tests must not see each other's), with several instances on it, the way
// several processes share one Redis or PostgreSQL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckoutStore, DeliveryClaim } from '../../../src/server/stores/store.js';
import { invoiceRecord, paidRecord } from './contract.js';

export interface OutboxTarget {
  /** An empty namespace; `connect()` opens another instance on it. */
  connect(): Promise<CheckoutStore>;
  /** Loses the namespace's data the way a server can (Redis FLUSHALL, PostgreSQL tables truncated). */
  wipe(): Promise<void>;
}

const ids = (claims: DeliveryClaim[]) => claims.map((claim) => claim.paid.invoiceId);

export function outboxContract(name: string, fresh: () => Promise<OutboxTarget>): void {
  describe(`${name}: the outbox contract`, () => {
    async function instances(count: number): Promise<[OutboxTarget, ...CheckoutStore[]]> {
      const target = await fresh();
      return [target, ...(await Promise.all(Array.from({ length: count }, () => target.connect())))];
    }

    it('recordPayment: the first record wins, with its delivery pending, due at paidAt; a later call leaves the delivery as it is', async () => {
      const [, a, b] = await instances(2);
      const t0 = Date.now();
      const first = await a!.recordPayment(paidRecord('inv', 'order', { paidAt: t0, paidAmount: 100 }));
      assert.deepEqual(first, { ...paidRecord('inv', 'order', { paidAt: t0, paidAmount: 100 }), orderPaidBy: 'inv' });
      assert.deepEqual(await b!.getDelivery('inv'), { invoiceId: 'inv', orderId: 'order', state: 'pending', attempts: 0, dueAt: t0, mayHaveRun: false, paidAt: t0 });
      const [claim] = await b!.claimDeliveries(t0, 60_000, 10);
      assert.equal(claim?.paid.paidAmount, 100);
      const again = await b!.recordPayment(paidRecord('inv', 'order', { paidAt: t0 + 5, paidAmount: 999 }), { redelivery: true });
      assert.deepEqual(again, first, 'the stored record');
      assert.equal((await a!.getDelivery('inv'))?.state, 'running', 'the delivery was not reset by the later call');
      const second = await a!.recordPayment(paidRecord('inv2', 'order', { paidAt: t0 }), { redelivery: true });
      assert.equal(second.orderPaidBy, 'inv', 'a second payment of the order names the first');
      assert.equal((await a!.getDelivery('inv2'))?.mayHaveRun, true, 'redelivery: true is kept as mayHaveRun');
      assert.equal(await a!.getDelivery('never-paid'), undefined);
    });

    it('100 concurrent claimDeliveries from 4 instances claim each of 60 due deliveries exactly once', async () => {
      const [, ...stores] = await instances(4);
      const t0 = Date.now();
      for (let i = 0; i < 60; i++) await stores[i % 4]!.recordPayment(paidRecord(`inv-${i}`, `order-${i}`, { paidAt: t0 - 60 + i }));
      const batches = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 4]!.claimDeliveries(t0, 60_000, 2)));
      const claimed = batches.flatMap(ids);
      assert.equal(claimed.length, 60, `60 claims in all (got ${claimed.length})`);
      assert.equal(new Set(claimed).size, 60, 'no delivery claimed twice');
      assert.deepEqual(await stores[0]!.claimDeliveries(t0, 60_000, 100), [], 'nothing left to claim while the leases hold');
      assert.ok(
        batches.flat().every((claim) => claim.attempt === 1 && !claim.redelivery && claim.leaseUntil === t0 + 60_000),
        'first attempts, not redeliveries, leased until now + leaseMs',
      );
    });

    it('claims oldest due first, at most limit; a delivery due later is not claimed', async () => {
      const [, a] = await instances(1);
      const t0 = Date.now();
      await a!.recordPayment(paidRecord('late', 'o1', { paidAt: t0 + 1000 }));
      await a!.recordPayment(paidRecord('second', 'o2', { paidAt: t0 - 10 }));
      await a!.recordPayment(paidRecord('first', 'o3', { paidAt: t0 - 20 }));
      assert.deepEqual(ids(await a!.claimDeliveries(t0, 60_000, 1)), ['first']);
      assert.deepEqual(ids(await a!.claimDeliveries(t0, 60_000, 10)), ['second']);
      assert.deepEqual(ids(await a!.claimDeliveries(t0 + 1000, 5000, 10)), ['late']);
    });

    it('a lapsed lease: claimed again with redelivery and attempt 2; the stale token finishes nothing; the holder may repeat its finish', async () => {
      const [, a, b] = await instances(2);
      const t0 = Date.now();
      await a!.recordPayment(paidRecord('inv', 'order', { paidAt: t0 }));
      const [first] = await a!.claimDeliveries(t0, 1000, 10);
      assert.deepEqual(await b!.claimDeliveries(t0 + 999, 1000, 10), [], 'the lease holds until leaseUntil');
      const [second] = await b!.claimDeliveries(t0 + 1000, 1000, 10);
      assert.ok(first && second);
      assert.equal(second.attempt, 2);
      assert.equal(second.redelivery, true, 'the first run may have done the work');
      assert.notEqual(second.token, first.token);
      const held = await a!.getDelivery('inv');
      assert.equal(await a!.finishDelivery('inv', first.token, { state: 'done', at: t0 + 1100 }), false, 'the stale token');
      assert.equal(await a!.finishDelivery('inv', 'not a token', { state: 'failed', error: 'x' }), false);
      assert.deepEqual(await a!.getDelivery('inv'), held, 'and nothing changed');
      assert.deepEqual(held, { invoiceId: 'inv', orderId: 'order', state: 'running', attempts: 2, dueAt: t0, leaseUntil: t0 + 2000, mayHaveRun: true, paidAt: t0 });
      assert.equal(await b!.finishDelivery('inv', second.token, { state: 'done', at: t0 + 1200 }), true);
      assert.equal(await a!.finishDelivery('inv', second.token, { state: 'done', at: t0 + 1300 }), true, 'a repeat by the holder (a lost answer) is acknowledged');
      const done = await a!.getDelivery('inv');
      assert.equal(done?.state, 'done');
      assert.equal(done?.doneAt, t0 + 1200, 'the first finish stands');
      assert.deepEqual(await a!.claimDeliveries(t0 + 10_000_000, 1000, 10), [], 'done is not claimed again');
    });

    it('a failed run waits for retryAt: not claimable before, then attempt 2; a timed-out run makes the next one a redelivery', async () => {
      const [, a, b] = await instances(2);
      const t0 = Date.now();
      await a!.recordPayment(paidRecord('inv', 'order', { paidAt: t0 }));
      const [first] = await a!.claimDeliveries(t0, 60_000, 10);
      assert.equal(await a!.finishDelivery('inv', first!.token, { state: 'pending', retryAt: t0 + 5000, error: 'database blip' }), true);
      const waiting = await b!.getDelivery('inv');
      assert.deepEqual(waiting, { invoiceId: 'inv', orderId: 'order', state: 'pending', attempts: 1, dueAt: t0 + 5000, lastError: 'database blip', mayHaveRun: false, paidAt: t0 });
      assert.deepEqual(await b!.claimDeliveries(t0 + 4999, 60_000, 10), [], 'not before retryAt');
      const [retry] = await b!.claimDeliveries(t0 + 5000, 60_000, 10);
      assert.equal(retry?.attempt, 2);
      assert.equal(retry?.redelivery, false, 'a run that threw did not do the work');
      await b!.finishDelivery('inv', retry!.token, { state: 'pending', retryAt: t0 + 6000, error: 'onPaid timed out after 30000 ms', timedOut: true });
      const [third] = await a!.claimDeliveries(t0 + 6000, 60_000, 10);
      assert.equal(third?.attempt, 3);
      assert.equal(third?.redelivery, true, 'a run that timed out may still finish its work');
    });

    it('a failed delivery stays listed; redeliver queues it again with mayHaveRun; redeliver during a run leaves it pending after the run', async () => {
      const [, a, b] = await instances(2);
      const t0 = Date.now();
      await a!.recordPayment(paidRecord('inv', 'order', { paidAt: t0 }));
      const [claim] = await a!.claimDeliveries(t0, 60_000, 10);
      await a!.finishDelivery('inv', claim!.token, { state: 'failed', error: 'gave up after 3 days' });
      assert.deepEqual(await b!.listDeliveries(), [
        { invoiceId: 'inv', orderId: 'order', state: 'failed', attempts: 1, dueAt: t0, lastError: 'gave up after 3 days', mayHaveRun: false, paidAt: t0 },
      ]);
      assert.deepEqual(await b!.claimDeliveries(t0 + 10_000_000, 60_000, 10), [], 'failed is not claimed');
      assert.equal(await b!.redeliver('inv', t0 + 100), true);
      assert.equal(await b!.redeliver('never-paid', t0 + 100), false);
      const queued = await a!.getDelivery('inv');
      assert.equal(queued?.state, 'pending');
      assert.equal(queued?.dueAt, t0 + 100);
      assert.equal(queued?.mayHaveRun, true);
      const [again] = await a!.claimDeliveries(t0 + 100, 60_000, 10);
      assert.equal(again?.attempt, 2);
      assert.equal(again?.redelivery, true);
      assert.equal(await b!.redeliver('inv', t0 + 200), true, 'during the run');
      assert.equal((await b!.getDelivery('inv'))?.state, 'running', 'the run keeps its lease');
      assert.equal(await a!.finishDelivery('inv', again!.token, { state: 'done', at: t0 + 300 }), true);
      const after = await b!.getDelivery('inv');
      assert.equal(after?.state, 'pending', 'queued again by the redeliver');
      assert.equal(after?.dueAt, t0 + 200);
      assert.equal((await b!.claimDeliveries(t0 + 200, 60_000, 10))[0]?.attempt, 3);
    });

    it('listDeliveries filters by state (default: all but done), oldest payment first, at most limit', async () => {
      const [, a, b] = await instances(2);
      const t0 = Date.now();
      const paidAt = { p1: t0 - 50, r1: t0 - 40, f1: t0 - 30, d1: t0 - 20, p2: t0 - 60 };
      for (const [id, at] of Object.entries(paidAt)) await a!.recordPayment(paidRecord(id, `order-${id}`, { paidAt: at }));
      const claims = await a!.claimDeliveries(t0, 60_000, 10);
      const tokenOf = (id: string) => claims.find((claim) => claim.paid.invoiceId === id)!.token;
      await a!.finishDelivery('p1', tokenOf('p1'), { state: 'pending', retryAt: t0 + 1000, error: 'e' });
      await a!.finishDelivery('p2', tokenOf('p2'), { state: 'pending', retryAt: t0 + 1000, error: 'e' });
      await a!.finishDelivery('f1', tokenOf('f1'), { state: 'failed', error: 'e' });
      await a!.finishDelivery('d1', tokenOf('d1'), { state: 'done', at: t0 });
      const listed = async (filter?: Parameters<CheckoutStore['listDeliveries']>[0]) => (await b!.listDeliveries(filter)).map((d) => `${d.invoiceId}:${d.state}`);
      assert.deepEqual(await listed(), ['p2:pending', 'p1:pending', 'r1:running', 'f1:failed']);
      assert.deepEqual(await listed({ state: 'pending' }), ['p2:pending', 'p1:pending']);
      assert.deepEqual(await listed({ state: 'running' }), ['r1:running']);
      assert.deepEqual(await listed({ state: 'failed' }), ['f1:failed']);
      assert.deepEqual(await listed({ state: 'done' }), ['d1:done']);
      assert.deepEqual(await listed({ limit: 2 }), ['p2:pending', 'p1:pending']);
    });

    it('claimDueChecks shares due invoices across instances, moves their due time by leaseMs, drops paid and unknown ones', async () => {
      const [, ...stores] = await instances(4);
      const t0 = Date.now();
      const open = Array.from({ length: 20 }, (_, i) => `open-${String(i).padStart(2, '0')}`);
      for (const [i, id] of open.entries()) {
        await stores[0]!.openInvoice(invoiceRecord(id, `order-${id}`));
        await stores[1]!.scheduleCheck(id, t0 - 100 + i);
      }
      await stores[0]!.openInvoice(invoiceRecord('paid', 'order-paid'));
      await stores[0]!.recordPayment(paidRecord('paid', 'order-paid'));
      await stores[0]!.scheduleCheck('paid', t0 - 1000);
      await stores[0]!.scheduleCheck('unknown', t0 - 1000);
      await stores[0]!.openInvoice(invoiceRecord('later', 'order-later'));
      await stores[0]!.scheduleCheck('later', t0 + 6000);
      await stores[0]!.openInvoice(invoiceRecord('unscheduled', 'order-unscheduled'));
      await stores[0]!.scheduleCheck('unscheduled', t0 - 1000);
      await stores[0]!.scheduleCheck('unscheduled', undefined);
      // Drain what is due from every instance at once, as many sweepers would.
      const taken: string[] = [];
      for (let round = 0; round < 10; round++) {
        const batches = await Promise.all(stores.map((store) => store.claimDueChecks(t0, 5000, 3)));
        taken.push(...batches.flat().map((record) => record.invoiceId));
        if (batches.every((batch) => batch.length === 0)) break;
      }
      assert.equal(taken.length, 20, `each due open invoice once (got ${taken.length}: ${taken.join(', ')})`);
      assert.deepEqual([...taken].sort(), open, 'exactly the open ones: not the paid, unknown, later or unscheduled ones');
      assert.deepEqual(await stores[0]!.claimDueChecks(t0 + 4999, 5000, 100), [], 'each moved to now + leaseMs');
      const back = await stores[2]!.claimDueChecks(t0 + 5000, 5000, 100);
      assert.deepEqual(back.map((record) => record.invoiceId), open, 'due again at now + leaseMs, earliest first (ties by id)');
      const one = back.find((record) => record.invoiceId === open[0])!;
      assert.deepEqual(one, invoiceRecord(open[0]!, `order-${open[0]}`, { createdAt: one.createdAt, expiresAt: one.expiresAt, invoice: one.invoice }), 'the whole record');
      const last = await stores[3]!.claimDueChecks(t0 + 10_000_000, 5000, 100);
      assert.deepEqual(last.map((record) => record.invoiceId).sort(), ['later', ...open].sort(), 'the paid and unknown entries are gone for good');
    });

    it('marker: the same value on every call and every instance; a new one after the data is lost', async () => {
      const [target, a, b] = await instances(2);
      const first = await a!.marker();
      assert.equal(typeof first, 'string');
      assert.ok(first.length >= 16, `a random marker (${first})`);
      assert.equal(await a!.marker(), first);
      const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a! : b!).marker()));
      assert.deepEqual(new Set(concurrent), new Set([first]));
      await target.wipe();
      const fresh = await (await target.connect()).marker();
      assert.notEqual(fresh, first, 'the data is gone: a new marker');
      assert.equal(await (await target.connect()).marker(), fresh);
    });
  });
}
