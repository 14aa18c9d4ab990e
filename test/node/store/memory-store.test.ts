// MemoryStore against the shared store contract (one process: every "connection" is the same instance), and its
// retention.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/server/stores/store.js';
import { invoiceRecord, paidRecord, storeContract } from './contract.js';

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
    store.markPaid(paidRecord('paid', 'o2', { paidAt: now }));
    const claim = store.claimOnPaid('paid', 1000, now);
    now += 1000 + 10_000 + 60_001;
    store.prune();
    assert.equal(store.getInvoice('unpaid'), undefined, 'past retention');
    assert.ok(store.getInvoice('paid'), 'onPaid has not succeeded: kept');
    assert.ok(store.getPaid('paid'));
    store.finishOnPaid('paid', claim.state === 'claimed' ? claim.token : '');
    now += 60_001;
    store.prune();
    assert.equal(store.getInvoice('paid'), undefined);
    assert.equal(store.getPaid('paid'), undefined);
  });
});
