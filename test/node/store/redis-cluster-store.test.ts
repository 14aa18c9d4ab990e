// RedisStore on a real 3-master Redis Cluster (started here with redis-server --cluster-enabled and redis-cli
// --cluster create): the same contract as a single Redis, each order's keys in one hash slot, pub/sub across masters,
// and one master killed: its partitions fail with a clear StoreError, the others keep working, nothing is lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { RedisStore } from '../../../src/server/stores/redis-store.js';
import { partitionOf, PARTITIONS } from '../../../src/server/stores/redis-layout.js';
import { startRedisCluster, type TestCluster } from '../helpers/servers.js';
import { eventually, invoiceRecord, paidRecord, storeContract, unique } from './contract.js';
import { outboxContract } from './outbox-contract.js';

let cluster: TestCluster;
const opened: RedisStore[] = [];
const warnings: string[] = [];
function open(options: ConstructorParameters<typeof RedisStore>[1] = {}, nodes = cluster.nodes): RedisStore {
  const store = new RedisStore({ cluster: nodes }, { timeoutMs: 3000, onError: () => undefined, logger: { warn: (m) => warnings.push(m) }, ...options });
  opened.push(store);
  return store;
}
/** Runs `work` on each master's own connection. */
async function onMasters<T>(work: (master: Redis) => Promise<T>): Promise<T[]> {
  return Promise.all(
    cluster.nodes.map(async ({ port }) => {
      const master = new Redis(port, '127.0.0.1');
      try {
        return await work(master);
      } finally {
        master.disconnect();
      }
    }),
  );
}

before(async () => {
  cluster = await startRedisCluster(3);
});
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await cluster?.stop();
});

storeContract('RedisStore on a Redis Cluster', async () => {
  const prefix = `${unique('contract')}:`;
  return { connect: async () => open({ prefix }), closeAll: async () => undefined };
});

outboxContract('RedisStore on a Redis Cluster', async () => {
  const prefix = `${unique('outbox')}:`;
  return {
    connect: async () => open({ prefix }),
    // A master restarted without persistence comes back empty: every master here.
    wipe: async () => void (await onMasters((master) => master.flushall())),
  };
});

describe('RedisStore on a Redis Cluster: layout, pub/sub, a master down', () => {
  it('accepts an ioredis Cluster the shop made, and leaves it open on close', async () => {
    const client = new Cluster(cluster.nodes);
    try {
      const store = new RedisStore(client, { prefix: `${unique('shared')}:` });
      await store.openInvoice(invoiceRecord('inv', 'order'));
      assert.equal((await store.getInvoice('inv'))?.orderId, 'order');
      await store.close();
      assert.equal(client.status, 'ready');
    } finally {
      client.disconnect();
    }
  });

  it("every key the store wrote for an order (invoices, payments, deliveries) is in the order's hash slot", async () => {
    const prefix = `${unique('slots')}:`;
    const store = open({ prefix });
    for (const order of ['o-1', 'o-2', 'o-3']) {
      await store.openInvoice(invoiceRecord(`${order}-a`, order, { reference: `ref-${order}-a` }));
      await store.openInvoice(invoiceRecord(`${order}-b`, order, { reference: `ref-${order}-b` }));
      await store.recordPayment(paidRecord(`${order}-b`, order));
      await store.scheduleCheck(`${order}-a`, Date.now());
    }
    const keys = (await onMasters((master) => master.keys(`{${prefix}*`))).flat();
    const admin = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
    try {
      for (const order of ['o-1', 'o-2', 'o-3']) {
        const tag = `{${prefix}${partitionOf(order)}}`;
        const mine = keys.filter((key) => key.startsWith(tag) && !/}(where|refwhere):/.test(key));
        for (const name of ['inv:', 'ref:ref-', 'paid:', 'orderpaid:', 'open:', 'due', 'deliveries', 'checks']) {
          assert.ok(mine.some((key) => key.includes(`}${name}`)), `${order}: a ${name} key under ${tag} (got ${mine.join(', ')})`);
        }
        const slots = new Set(await Promise.all(mine.map((key) => admin.cluster('KEYSLOT', key))));
        assert.equal(slots.size, 1, `${order}: one slot for ${mine.length} keys (${[...slots].join(', ')})`);
        assert.equal(await admin.cluster('KEYSLOT', `${tag}x`), [...slots][0]);
      }
      const masters = await onMasters(async (master) => (await master.keys(`{${prefix}*`)).length);
      assert.ok(masters.filter((count) => count > 0).length >= 2, `the data is spread over the masters (${masters.join(', ')} keys)`);
    } finally {
      admin.disconnect();
    }
  });

  it('a message published through one master reaches a subscriber connected through another', async () => {
    const prefix = `${unique('pubsub')}:`;
    const [first, second] = cluster.nodes;
    const publisher = open({ prefix }, [first!]);
    const subscriber = open({ prefix }, [second!]);
    const heard: string[] = [];
    await subscriber.subscribe('paid', (message) => heard.push(message));
    // Each store sends its commands through whichever master ioredis picks: check on every master.
    for (const node of cluster.nodes) {
      const raw = new Redis(node.port, '127.0.0.1');
      await raw.publish(`${prefix}ch:paid`, `via ${node.port}`);
      raw.disconnect();
    }
    await publisher.publish('paid', 'from the store');
    await eventually(async () => assert.equal(heard.length, 4, `heard ${JSON.stringify(heard)}`), 5000);
    assert.deepEqual(heard.sort(), ['from the store', ...cluster.nodes.map((node) => `via ${node.port}`)].sort());
  });

  it('one master killed: its partitions answer StoreError quickly, the others work; after its restart nothing is lost', masterKilled);

  it('says nothing about persistence when every master keeps an append-only file', () => {
    // The test masters keep an append-only file: no warning is due.
    assert.deepEqual(warnings, []);
  });
});

/** [start, end] slot ranges of the shard whose master listens on `port`, from CLUSTER SHARDS. */
function victimRanges(shards: unknown[], port: number): [number, number][] {
  for (const shard of shards as unknown[][]) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < shard.length; i += 2) fields.set(String(shard[i]), shard[i + 1]);
    const nodes = fields.get('nodes') as unknown[][];
    const ports = nodes.map((node) => node[node.indexOf('port') + 1]);
    if (!ports.includes(port)) continue;
    const slots = (fields.get('slots') as number[]).map(Number);
    const ranges: [number, number][] = [];
    for (let i = 0; i + 1 < slots.length; i += 2) ranges.push([slots[i]!, slots[i + 1]!]);
    return ranges;
  }
  throw new Error(`no shard with port ${port}`);
}
const inRanges = (slot: number, ranges: [number, number][]) => ranges.some(([start, end]) => slot >= start && slot <= end);

/** One master killed and restarted (the it() above). */
async function masterKilled(): Promise<void> {
  const prefix = `${unique('down')}:`;
  const store = open({ prefix, timeoutMs: 2000 });
  const admin = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
  const victim = cluster.masters[2]!;
  // Which partitions the victim serves: the slots of their hash tags.
  const shards = (await admin.cluster('SHARDS')) as unknown[];
  const partitionSlots = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => admin.cluster('KEYSLOT', `{${prefix}${p}}`)));
  admin.disconnect();
  const victimSlots = victimRanges(shards, victim.port);
  const onVictim = (id: string) => inRanges(Number(partitionSlots[partitionOf(id)]), victimSlots);
  const orders = Array.from({ length: 40 }, (_, i) => `order-${i}`);
  // An invoice's calls need its order's partition and the partition of its id's index key (where:<id>).
  const liveIds = Array.from({ length: 200 }, (_, i) => `late-${i}`).filter((id) => !onVictim(id));
  const t0 = Date.now();
  for (const [i, order] of orders.entries()) await store.recordPayment(paidRecord(`inv-${i}`, order, { paidAt: t0 }));
  const down = orders.filter(onVictim);
  const up = orders.filter((order) => !onVictim(order));
  assert.ok(down.length > 0 && up.length > 0, `orders on both sides (${down.length} down, ${up.length} up)`);

  await victim.crash();
  const started = Date.now();
  await assert.rejects(store.getOrderPaidBy(down[0]!), (error: Error & { store?: string }) => {
    assert.equal(error.name, 'StoreError');
    assert.match(error.message, /^RedisStore: getOrderPaidBy failed: /);
    return true;
  });
  assert.ok(Date.now() - started < 2500, `gave up in ${Date.now() - started} ms`);
  for (const [i, order] of up.entries()) {
    assert.equal(await store.getOrderPaidBy(order), `inv-${orders.indexOf(order)}`, `${order} is readable while another master is down`);
    const fresh = liveIds[i]!;
    await store.recordPayment(paidRecord(fresh, order, { paidAt: t0 }));
    assert.equal((await store.getPaid(fresh))?.orderPaidBy, `inv-${orders.indexOf(order)}`, 'and takes payments');
  }
  await assert.rejects(store.marker(), /RedisStore: marker failed: /, 'the marker cannot be read without every partition');

  await victim.restart();
  const all = await eventually(async () => store.listDeliveries({ limit: 1000 }), 20_000);
  assert.equal(all.length, orders.length + up.length, 'every payment is still there, with its delivery');
  for (const [i, order] of orders.entries()) assert.equal(await store.getOrderPaidBy(order), `inv-${i}`);
  const claimed = await store.claimDeliveries(Date.now(), 60_000, 1000);
  assert.equal(claimed.length, orders.length + up.length, 'and every delivery can be claimed');
  }
