// The sweeper on its own, over a MemoryStore: due invoices are checked and rescheduled, several processes share the
// schedule, and an invoice leaves it once paid, final, or past its expiry plus the grace period.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentStatus } from '../../../src/core/types.js';
import { Sweeper, type SweeperOptions } from '../../../src/server/checkout/sweeper.js';
import { MemoryStore } from '../../../src/server/stores/memory-store.js';
import type { CheckoutStore, InvoiceRecord } from '../../../src/server/stores/store.js';
import { invoiceRecord } from '../store/contract.js';

const PACE = { fastMs: 1000, slowMs: 10_000, windowMs: 60_000 };
/** Long enough ago that the invoice is past its first fast window: checked at the slow pace. */
const OLD = 10 * 60_000;

/** A sweeper whose `status` check finds what it says; each invoice's fast window is its first minute. */
function sweeper(store: CheckoutStore, status: (record: InvoiceRecord) => Promise<PaymentStatus>, now: () => number, extra: Partial<SweeperOptions> = {}) {
  const logs: string[] = [];
  const check: SweeperOptions['check'] = async (record) => ({ status: await status(record), windowEnd: record.createdAt + PACE.windowMs });
  return { sweeper: new Sweeper({ store, check, now, log: (m) => logs.push(m), pace: PACE, graceMs: 60_000, batchSize: 50, ...extra }), logs };
}

async function open(store: MemoryStore, record: InvoiceRecord, at: number) {
  await store.openInvoice(record);
  await store.scheduleCheck(record.invoiceId, at);
}

describe('sweeper', () => {
  it('checks a due invoice and schedules the next check one interval later; not before it is due', async () => {
    let t = 1_000_000;
    const store = new MemoryStore({ now: () => t });
    const checked: string[] = [];
    const { sweeper: s } = sweeper(store, async (record) => (checked.push(record.invoiceId), 'NEW'), () => t);
    await open(store, invoiceRecord('inv', 'order', { createdAt: t - OLD, expiresAt: t + 30 * 60_000 }), t + 10_000);
    assert.equal(await s.tick(), 0, 'not due yet');
    t += 10_000;
    assert.equal(await s.tick(), 1);
    assert.equal(await s.tick(), 0, 'rescheduled one interval ahead');
    t += 10_000;
    assert.equal(await s.tick(), 1);
    assert.deepEqual(checked, ['inv', 'inv']);
  });

  it('two processes share the schedule: each due invoice is checked once per interval in all', async () => {
    let t = 1_000_000;
    const store = new MemoryStore({ now: () => t });
    const checked: string[] = [];
    const check = async (record: InvoiceRecord): Promise<PaymentStatus> => (checked.push(record.invoiceId), 'NEW');
    const a = sweeper(store, check, () => t).sweeper;
    const b = sweeper(store, check, () => t).sweeper;
    for (let i = 0; i < 20; i++) await open(store, invoiceRecord(`inv-${i}`, `order-${i}`, { createdAt: t }), t);
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    assert.equal(checked.length, 20);
    assert.equal(new Set(checked).size, 20);
  });

  it('drops a paid or cancelled invoice, and one past expiry plus grace; keeps checking an expired one inside the grace', async () => {
    let t = 1_000_000;
    const store = new MemoryStore({ now: () => t });
    const statuses: Record<string, PaymentStatus> = { paid: 'PAID', cancelled: 'CANCELLED', late: 'EXPIRED', old: 'EXPIRED' };
    const checked: string[] = [];
    const { sweeper: s } = sweeper(store, async (record) => (checked.push(record.invoiceId), statuses[record.invoiceId]!), () => t);
    await open(store, invoiceRecord('paid', 'o1', { expiresAt: t + 60_000 }), t);
    await open(store, invoiceRecord('cancelled', 'o2', { expiresAt: t + 60_000 }), t);
    await open(store, invoiceRecord('late', 'o3', { expiresAt: t - 1000 }), t);
    await open(store, invoiceRecord('old', 'o4', { expiresAt: t - 61_000 }), t);
    await s.tick();
    t += 10_000;
    checked.length = 0;
    await s.tick();
    assert.deepEqual(checked, ['late'], 'only the invoice inside its grace period is still checked');
  });

  it('backs off an invoice whose check failed, and says so', async () => {
    let t = 1_000_000;
    const store = new MemoryStore({ now: () => t });
    let calls = 0;
    const { sweeper: s, logs } = sweeper(store, async () => {
      calls += 1;
      throw new Error('provider down');
    }, () => t);
    await open(store, invoiceRecord('inv', 'order', { createdAt: t - OLD }), t);
    await s.tick();
    t += 10_000;
    await s.tick();
    t += 10_000;
    await s.tick(); // second failure waits 20 s: not due yet
    assert.equal(calls, 2);
    t += 10_000;
    await s.tick();
    assert.equal(calls, 3);
    assert.match(logs[0]!, /could not check invoice inv \(failure 1\); next check in 10000 ms: Error: provider down/);
  });
});
