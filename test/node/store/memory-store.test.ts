// MemoryStore against the shared store contract (one process: every "connection" is the same instance), and its
// retention.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/server/stores/store.js';
import { invoiceRecord, paidRecord, storeContract } from './contract.js';
import { outboxContract } from './outbox-contract.js';

storeContract('MemoryStore', async () => {
  const store = new MemoryStore();
  return { connect: async () => store, closeAll: async () => undefined };
});

describe('MemoryStore retention', () => {
  it('drops an invoice retentionMs after it expired, but keeps a paid one until its onPaid succeeded', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ retentionMs: 10_000, now: () => now });
    store.openInvoice(invoiceRecord('unpaid', 'o1', { expiresAt: now + 1000 }));
    store.openInvoice(invoiceRecord('paid', 'o2', { expiresAt: now + 1000 }));
    store.recordPayment(paidRecord('paid', 'o2', { paidAt: now }));
    const [claim] = store.claimDeliveries(now, 1000, 1);
    now += 1000 + 10_000 + 60_001;
    store.prune();
    assert.equal(store.getInvoice('unpaid'), undefined, 'past retention');
    assert.ok(store.getInvoice('paid'), 'onPaid has not succeeded: kept');
    assert.ok(store.getPaid('paid'));
    store.finishDelivery('paid', claim!.token, { state: 'done', at: now });
    now += 60_001;
    store.prune();
    assert.equal(store.getInvoice('paid'), undefined);
    assert.equal(store.getPaid('paid'), undefined);
  });
});

outboxContract('MemoryStore', async () => {
  let store = new MemoryStore();
  return {
    connect: async () => store,
    // A restarted process: a new, empty MemoryStore.
    wipe: async () => {
      store = new MemoryStore();
    },
  };
});

describe('MemoryStore retention of the outbox', () => {
  it('keeps a paid invoice while its delivery is pending or failed, and drops it once done and past retention', () => {
    let now = 1_000_000;
    const store = new MemoryStore({ retentionMs: 10_000, now: () => now });
    for (const id of ['pending', 'failed', 'done']) {
      store.openInvoice(invoiceRecord(id, `order-${id}`, { expiresAt: now + 1000 }));
      store.recordPayment(paidRecord(id, `order-${id}`, { paidAt: now }));
    }
    const claims = store.claimDeliveries(now, 60_000, 10);
    const tokenOf = (id: string) => claims.find((c) => c.paid.invoiceId === id)!.token;
    store.finishDelivery('failed', tokenOf('failed'), { state: 'failed', error: 'gave up' });
    store.finishDelivery('done', tokenOf('done'), { state: 'done', at: now });
    store.finishDelivery('pending', tokenOf('pending'), { state: 'pending', retryAt: now + 1000, error: 'blip' });
    now += 1000 + 10_000 + 60_001;
    store.prune();
    for (const id of ['pending', 'failed']) {
      assert.ok(store.getPaid(id), `${id}: the payment is kept`);
      assert.equal(store.getDelivery(id)?.state, id);
    }
    assert.equal(store.getPaid('done'), undefined);
    assert.equal(store.getDelivery('done'), undefined);
    assert.deepEqual(store.listDeliveries().map((d) => d.invoiceId), ['failed', 'pending']);
  });
});
