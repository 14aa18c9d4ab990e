// The delivery worker on its own, over a MemoryStore: retries without traffic, timeouts, a lapsed lease taken over
// by another process, outcomes written through a store outage, giving up, and redelivery. The end-to-end cases (the
// handler, real Redis and PostgreSQL, kill -9) are in test/node/checkout/paid-is-durable.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryWorker, type DeliveryRun, type DeliveryWorkerOptions } from '../../../src/server/checkout/delivery-worker.js';
import { MemoryStore } from '../../../src/server/stores/memory-store.js';
import type { CheckoutStore } from '../../../src/server/stores/store.js';
import { paidRecord } from '../store/contract.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

function worker(store: CheckoutStore, run: DeliveryWorkerOptions['run'], extra: Partial<DeliveryWorkerOptions> = {}) {
  const logs: string[] = [];
  const w = new DeliveryWorker({
    store,
    run,
    log: (message) => logs.push(message),
    now: Date.now,
    timeoutMs: 200,
    retryMs: 50,
    retryMaxMs: 200,
    giveUpAfterMs: 60_000,
    intervalMs: 20,
    batchSize: 10,
    ...extra,
  });
  return { worker: w, logs };
}

describe('delivery worker', () => {
  it('retries a failed onPaid by itself, with no request, until it succeeds', async () => {
    const store = new MemoryStore();
    const runs: DeliveryRun[] = [];
    const { worker: w, logs } = worker(store, (run) => {
      runs.push(run);
      if (runs.length === 1) throw new Error('database blip');
    });
    await store.recordPayment(paidRecord('inv', 'order'));
    w.start();
    await until(async () => (await store.getDelivery('inv'))?.state === 'done');
    w.close();
    await w.idle();
    assert.deepEqual(runs.map((run) => [run.claim.attempt, run.claim.redelivery]), [[1, false], [2, false]], 'a thrown error is not a possible earlier run');
    assert.match(logs.join('\n'), /onPaid failed for invoice inv \(order order, attempt 1\); retried in 50 ms: Error: database blip/);
  });

  it('a run past the timeout is aborted and tried again as a redelivery', async () => {
    const store = new MemoryStore();
    const runs: DeliveryRun[] = [];
    const { worker: w } = worker(store, async (run) => {
      runs.push(run);
      if (runs.length === 1) await new Promise(() => {}); // hangs for ever
    });
    await store.recordPayment(paidRecord('inv', 'order'));
    w.start();
    await until(async () => (await store.getDelivery('inv'))?.state === 'done');
    w.close();
    assert.equal(runs[0]!.signal.aborted, true, 'the hung run was told to stop');
    assert.equal(runs[1]!.claim.redelivery, true, 'the hung run may still have done the work');
  });

  it('a process that died mid-run: another worker takes the delivery over once the lease lapses, as a redelivery', async () => {
    const store = new MemoryStore();
    await store.recordPayment(paidRecord('inv', 'order'));
    const [dead] = await store.claimDeliveries(Date.now(), 100, 10); // claimed, then the process is gone
    assert.ok(dead);
    const runs: DeliveryRun[] = [];
    const { worker: w } = worker(store, (run) => void runs.push(run));
    w.start();
    await until(async () => (await store.getDelivery('inv'))?.state === 'done');
    w.close();
    assert.deepEqual(runs.map((run) => [run.claim.attempt, run.claim.redelivery]), [[2, true]]);
  });

  it('writes "done" again through a store outage, so nobody runs onPaid a second time', async () => {
    const memory = new MemoryStore();
    let down = false;
    const flaky: CheckoutStore = new Proxy(memory, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (down) return Promise.reject(Object.assign(new Error('store unreachable'), { name: 'StoreError' }));
          return value.apply(target, args);
        };
      },
    });
    await memory.recordPayment(paidRecord('inv', 'order'));
    let runs = 0;
    const { worker: first } = worker(flaky, () => {
      runs += 1;
      down = true; // the store goes away while onPaid runs
      setTimeout(() => (down = false), 1500);
    }, { timeoutMs: 100 }); // lease = 100 ms + 15 s margin: the outage is shorter
    const { worker: second } = worker(memory, () => void (runs += 1));
    await first.tick();
    await first.idle();
    second.start();
    await sleep(300);
    second.close();
    await second.idle();
    assert.equal(runs, 1, 'onPaid ran once');
    assert.equal((await memory.getDelivery('inv'))?.state, 'done');
  });

  it('gives up after giveUpAfterMs, loudly; redeliver queues it again', async () => {
    const store = new MemoryStore();
    let fail = true;
    const runs: DeliveryRun[] = [];
    const { worker: w, logs } = worker(
      store,
      (run) => {
        runs.push(run);
        if (fail) throw new Error('shop down');
      },
      { giveUpAfterMs: 150 },
    );
    await store.recordPayment(paidRecord('inv', 'order', { paidAt: Date.now() }));
    w.start();
    await until(async () => (await store.getDelivery('inv'))?.state === 'failed');
    const failed = await store.listDeliveries({ state: 'failed' });
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.lastError ?? '', /shop down/);
    assert.ok(failed[0]!.attempts >= 2, `attempts recorded (${failed[0]!.attempts})`);
    assert.match(logs.join('\n'), /GIVING UP on onPaid for invoice inv .*checkout\.redeliver/);
    fail = false;
    assert.equal(await store.redeliver('inv', Date.now()), true);
    w.nudge();
    await until(async () => (await store.getDelivery('inv'))?.state === 'done');
    w.close();
    assert.equal(runs.at(-1)!.claim.redelivery, true, 'a delivery queued again by hand may repeat an earlier run');
  });

  it('tick() runs what is due once and resolves when it ended; close() leaves no timer behind', async () => {
    const store = new MemoryStore();
    const seen: string[] = [];
    const { worker: w } = worker(store, (run) => void seen.push(run.claim.paid.invoiceId));
    for (const id of ['a', 'b', 'c']) await store.recordPayment(paidRecord(id, `order-${id}`));
    assert.equal(await w.tick(), 3);
    assert.deepEqual(seen.sort(), ['a', 'b', 'c']);
    assert.equal(await w.tick(), 0, 'nothing due any more');
    w.close();
  });
});
