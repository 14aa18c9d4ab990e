// `qpay-checkout/server/redis`: the CheckoutStore on Redis or a Redis Cluster (through `ioredis`, an optional peer
// dependency), for shops that run several processes. Every decision (which invoice is the order's open one, who paid
// the order first, who runs onPaid) is one Lua script in one hash slot, so it is atomic across processes on one Redis
// and on a cluster alike. Records expire on their own (retention); a paid invoice's records never expire while its
// delivery is not done.
//
// Keys (see ./redis-layout.ts for the partitions): in the order's partition `{<prefix><n>}`: `inv:${invoiceId}`
// (hash: json, ref, expiresAt, supersededAt), `ref:${reference}` and `open:${orderId}` (invoice ids),
// `paid:${invoiceId}` (hash: json, orderPaidBy, paidAt, orderId, and the delivery's fields), `orderpaid:${orderId}`,
// the outbox's sorted sets `due`, `deliveries`, `delivered`, `checks` and the `marker` (see ./redis-scripts.ts); index
// keys `where:${invoiceId}` and `refwhere:${reference}` (-> partition) in their own id's partition; outside the
// partitions `${prefix}lock:${name}`, `${prefix}status:${invoiceId}` and pub/sub channels `${prefix}ch:${channel}`.
// Ids are only ever appended to a fixed key type, never used as patterns, so any string is safe.
import { randomUUID } from 'node:crypto';
import type {
  CachedStatus,
  CheckoutStore,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryRecord,
  DeliveryState,
  InvoiceRecord,
  PaidRecord,
  StoreListener,
} from './store.js';
import { StoreError, checkId, storeCall, warnOncePerOutage } from './store-error.js';
import { SCRIPTS, type Script } from './redis-scripts.js';
import { DELIVERY_FIELDS, listDeliveriesIn, mergeByPayment, readClaim, readDelivery } from './redis-deliveries.js';
import type { StoreLogger } from './redis-persistence.js';
import { checkPersistence, clientKeyPrefix, openClient, runScript, type RedisClient, type RedisConnection } from './redis-connection.js';
import { ALL_PARTITIONS, KeyLayout, claimAcrossPartitions, combineMarkers, partitionOf, readDue } from './redis-layout.js';
import { PartitionIndex } from './redis-index.js';
import { RedisChannels } from './redis-pubsub.js';

export { StoreError } from './store-error.js';
export type { RedisClusterConnection, RedisConnection } from './redis-connection.js';

export interface RedisStoreOptions {
  /**
   * Put before every key and channel (default `qpay:`), so several shops or tests can share one Redis. It also names
   * the partitions' hash tags (`{qpay:0}`…`{qpay:15}`), so it must not contain `{` or `}`.
   */
  prefix?: string;
  /**
   * How long records are kept after their invoice expires (default 1 day); a paid invoice's records are kept this
   * long after the payment, and never expire while its delivery (onPaid) is not done.
   */
  retentionMs?: number;
  /** A call that gets no answer in this time rejects with a StoreError (default 5000 ms). */
  timeoutMs?: number;
  /** Hears connection errors of the connections this store created (default: a console warning per outage). */
  onError?: (error: Error) => void;
  /** Clock for `supersededAt` and retention (epoch ms); lock and cache lifetimes use the Redis server's clock. */
  now?: () => number;
  /**
   * Hears the one start-up warning about a server (or a cluster master) without persistence (default: console.warn,
   * prefixed `qpay-checkout:`).
   */
  logger?: StoreLogger;
}

const STORE = 'RedisStore';

/** Milliseconds as the whole number Redis wants (at least 1). */
const wholeMs = (ms: number) => String(Math.max(1, Math.ceil(ms)));

type PaidFields = Omit<PaidRecord, 'orderPaidBy'>;

/**
 * CheckoutStore on Redis or a Redis Cluster. `new RedisStore(client)` shares a connection the shop already has, an
 * ioredis `Redis` or `Cluster` (the store never closes it); `new RedisStore('redis://…')`, `new RedisStore({ host,
 * port })` or `new RedisStore({ cluster: [{ host, port }, …] })` opens its own, which `close()` ends.
 */
export class RedisStore implements CheckoutStore {
  readonly #client: RedisClient;
  readonly #ownsClient: boolean;
  readonly #keys: KeyLayout;
  readonly #index: PartitionIndex;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onError: (error: Error) => void;
  readonly #logger: StoreLogger;
  readonly #channels: RedisChannels;
  #persistenceChecked = false;
  #closed = false;

  constructor(connection: RedisConnection, options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? 'qpay:';
    if (typeof prefix !== 'string') throw new TypeError('RedisStore: prefix must be a string');
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? warnOncePerOutage(STORE);
    this.#logger = options.logger ?? { warn: (message) => console.warn(`qpay-checkout: ${message}`) };
    const { client, owned } = openClient(connection);
    this.#client = client;
    this.#ownsClient = owned;
    if (owned) this.#watch(client);
    this.#keys = new KeyLayout(prefix, clientKeyPrefix(client));
    this.#index = new PartitionIndex(client, this.#keys, this.#now);
    this.#channels = new RedisChannels(client, (connection) => this.#watch(connection), (operation, work) => this.#call(operation, work));
  }

  /** Nothing to create in Redis; here so Redis and Postgres wire up the same way (`await store.migrate()`). */
  async migrate(): Promise<void> {
    await this.#call('migrate', () => this.#client.ping());
  }

  async openInvoice(record: InvoiceRecord): Promise<void> {
    checkId(STORE, 'openInvoice', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'openInvoice', 'record.orderId', record.orderId);
    checkId(STORE, 'openInvoice', 'record.reference', record.reference);
    const { supersededAt: _ignored, ...fresh } = record;
    const keepUntil = wholeMs(record.expiresAt + this.#retentionMs);
    const p = partitionOf(record.orderId);
    await this.#call('openInvoice', () => this.#index.open(p, record.invoiceId, record.reference, keepUntil));
    const keys = [this.#keys.key(p, 'open:', record.orderId), this.#keys.key(p, 'inv:', record.invoiceId), this.#keys.key(p, 'ref:', record.reference)];
    await this.#script('openInvoice', SCRIPTS.openInvoice, keys, [
      record.invoiceId,
      JSON.stringify(fresh),
      record.reference,
      String(record.expiresAt),
      keepUntil,
      String(this.#now()),
      this.#keys.scriptPrefix(p),
    ]);
  }

  async getInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoice', 'invoiceId', invoiceId);
    return this.#call('getInvoice', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      return p === undefined ? undefined : this.#readInvoice(p, invoiceId);
    });
  }

  async getInvoiceByReference(reference: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoiceByReference', 'reference', reference);
    return this.#call('getInvoiceByReference', async () => {
      const p = await this.#index.ofReference(reference);
      if (p === undefined) return undefined;
      const invoiceId = await this.#client.get(this.#keys.key(p, 'ref:', reference));
      return invoiceId === null ? undefined : this.#readInvoice(p, invoiceId);
    });
  }

  async getOpenInvoice(orderId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getOpenInvoice', 'orderId', orderId);
    const p = partitionOf(orderId);
    return this.#call('getOpenInvoice', async () => {
      const invoiceId = await this.#client.get(this.#keys.key(p, 'open:', orderId));
      return invoiceId === null ? undefined : this.#readInvoice(p, invoiceId);
    });
  }

  async markPaid(record: PaidFields): Promise<PaidRecord> {
    checkId(STORE, 'markPaid', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'markPaid', 'record.orderId', record.orderId);
    return this.#writePayment('markPaid', SCRIPTS.markPaid, record, []);
  }

  async recordPayment(record: PaidFields, options: { redelivery?: boolean } = {}): Promise<PaidRecord> {
    checkId(STORE, 'recordPayment', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'recordPayment', 'record.orderId', record.orderId);
    const p = partitionOf(record.orderId);
    return this.#writePayment('recordPayment', SCRIPTS.recordPayment, record, [this.#keys.key(p, 'due'), this.#keys.key(p, 'deliveries')], options.redelivery ? '1' : '0');
  }

  async getPaid(invoiceId: string): Promise<PaidRecord | undefined> {
    checkId(STORE, 'getPaid', 'invoiceId', invoiceId);
    const [json, orderPaidBy] = await this.#call('getPaid', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      return p === undefined ? [null, null] : this.#client.hmget(this.#keys.key(p, 'paid:', invoiceId), 'json', 'orderPaidBy');
    });
    return json == null || orderPaidBy == null ? undefined : { ...(JSON.parse(json) as PaidFields), orderPaidBy };
  }

  async getOrderPaidBy(orderId: string): Promise<string | undefined> {
    checkId(STORE, 'getOrderPaidBy', 'orderId', orderId);
    const key = this.#keys.key(partitionOf(orderId), 'orderpaid:', orderId);
    return (await this.#call('getOrderPaidBy', () => this.#client.get(key))) ?? undefined;
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryClaim[]> {
    const at = Math.floor(now);
    const lease = wholeMs(leaseMs);
    const tokenBase = randomUUID();
    return this.#call('claimDeliveries', () =>
      claimAcrossPartitions(
        limit,
        (p, n) => this.#peekDue(this.#keys.key(p, 'due'), at, n),
        async (p, n) => {
          const rows = (await this.#eval(SCRIPTS.claimDeliveries, [this.#keys.key(p, 'due')], [String(at), lease, String(n), this.#keys.scriptPrefix(p), `${tokenBase}.${p}`])) as string[][];
          return rows.map((row) => readClaim(row, at + Number(lease)));
        },
      ),
    );
  }

  async finishDelivery(invoiceId: string, token: string, outcome: DeliveryOutcome): Promise<boolean> {
    checkId(STORE, 'finishDelivery', 'invoiceId', invoiceId);
    checkId(STORE, 'finishDelivery', 'token', token);
    const at = outcome.state === 'done' ? outcome.at : outcome.state === 'pending' ? outcome.retryAt : 0;
    const reply = await this.#call('finishDelivery', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      if (p === undefined) return 0;
      const answer = await this.#eval(SCRIPTS.finishDelivery, this.#deliveryKeys(p, invoiceId), [
        token,
        outcome.state,
        String(Math.ceil(at)),
        outcome.state === 'done' ? '' : String(outcome.error || 'failed'),
        outcome.state === 'pending' && outcome.timedOut ? '1' : '0',
        String(this.#retentionMs),
        this.#keys.scriptPrefix(p),
        invoiceId,
        String(this.#now()),
      ]);
      // A failure to end the index keys only keeps them longer: reported, not thrown (the finish is written).
      if (Array.isArray(answer)) await this.#index.settle(p, invoiceId, String(answer[1]), String(answer[0])).catch((error: Error) => this.#onError(error));
      return answer === 0 ? 0 : 1;
    });
    return reply === 1;
  }

  async getDelivery(invoiceId: string): Promise<DeliveryRecord | undefined> {
    checkId(STORE, 'getDelivery', 'invoiceId', invoiceId);
    const values = await this.#call('getDelivery', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      return p === undefined ? [] : this.#client.hmget(this.#keys.key(p, 'paid:', invoiceId), ...DELIVERY_FIELDS);
    });
    return readDelivery(invoiceId, values);
  }

  /** Each partition's oldest matches, merged: oldest payment first, ties by invoice id. */
  async listDeliveries(filter: { state?: DeliveryState; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const index = filter.state === 'done' ? 'delivered' : 'deliveries';
    const limit = Math.max(0, Math.floor(filter.limit ?? 100));
    return this.#call('listDeliveries', async () =>
      mergeByPayment(
        await Promise.all(ALL_PARTITIONS.map((p) => listDeliveriesIn(this.#client, this.#keys.key(p, index), (id) => this.#keys.key(p, 'paid:', id), filter.state, limit))),
        limit,
      ),
    );
  }

  async redeliver(invoiceId: string, now: number): Promise<boolean> {
    checkId(STORE, 'redeliver', 'invoiceId', invoiceId);
    const reply = await this.#call('redeliver', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      if (p === undefined) return 0;
      await this.#index.keep(p, invoiceId);
      return this.#eval(SCRIPTS.redeliver, this.#deliveryKeys(p, invoiceId), [String(Math.floor(now)), this.#keys.scriptPrefix(p), invoiceId]);
    });
    return reply === 1;
  }

  /** An invoice the store does not know has no partition: nothing is scheduled (claimDueChecks would drop it). */
  async scheduleCheck(invoiceId: string, at: number | undefined): Promise<void> {
    checkId(STORE, 'scheduleCheck', 'invoiceId', invoiceId);
    await this.#call('scheduleCheck', async () => {
      const p = await this.#index.ofInvoice(invoiceId);
      if (p === undefined) return;
      const checks = this.#keys.key(p, 'checks');
      await (at === undefined ? this.#client.zrem(checks, invoiceId) : this.#client.zadd(checks, String(Math.floor(at)), invoiceId));
    });
  }

  async claimDueChecks(now: number, leaseMs: number, limit: number): Promise<InvoiceRecord[]> {
    const at = Math.floor(now);
    return this.#call('claimDueChecks', () =>
      claimAcrossPartitions(
        limit,
        (p, n) => this.#peekDue(this.#keys.key(p, 'checks'), at, n),
        async (p, n) => {
          const rows = (await this.#eval(SCRIPTS.claimDueChecks, [this.#keys.key(p, 'checks')], [String(at), wholeMs(leaseMs), String(n), this.#keys.scriptPrefix(p)])) as string[][];
          return rows.map(([json, supersededAt, id, score]) => {
            const record = JSON.parse(json!) as InvoiceRecord;
            return { id: id!, score: Number(score), value: supersededAt === '' ? record : { ...record, supersededAt: Number(supersededAt) } };
          });
        },
      ),
    );
  }

  /** One marker per partition (so per master on a cluster), combined: a wipe of any of them gives a new value. */
  async marker(): Promise<string> {
    const markers = await this.#call('marker', () =>
      Promise.all(ALL_PARTITIONS.map(async (p) => String(await this.#eval(SCRIPTS.marker, [this.#keys.key(p, 'marker')], [randomUUID()])))),
    );
    return combineMarkers(markers);
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    checkId(STORE, 'acquireLock', 'name', name);
    const token = randomUUID();
    const reply = await this.#call('acquireLock', () => this.#client.set(this.#keys.plain('lock:', name), token, 'PX', wholeMs(ttlMs), 'NX'));
    return reply === 'OK' ? token : null;
  }

  async releaseLock(name: string, token: string): Promise<void> {
    checkId(STORE, 'releaseLock', 'name', name);
    await this.#script('releaseLock', SCRIPTS.releaseLock, [this.#keys.plain('lock:', name)], [String(token)]);
  }

  async getCachedStatus(invoiceId: string): Promise<CachedStatus | undefined> {
    checkId(STORE, 'getCachedStatus', 'invoiceId', invoiceId);
    const json = await this.#call('getCachedStatus', () => this.#client.get(this.#keys.plain('status:', invoiceId)));
    return json === null ? undefined : (JSON.parse(json) as CachedStatus);
  }

  async setCachedStatus(invoiceId: string, entry: CachedStatus, ttlMs: number): Promise<void> {
    checkId(STORE, 'setCachedStatus', 'invoiceId', invoiceId);
    await this.#call('setCachedStatus', () => this.#client.set(this.#keys.plain('status:', invoiceId), JSON.stringify(entry), 'PX', wholeMs(ttlMs)));
  }

  /** On a cluster, Redis forwards the message to every node, so subscribers connected anywhere hear it. */
  async publish(channel: string, message: string): Promise<void> {
    checkId(STORE, 'publish', 'channel', channel);
    await this.#call('publish', () => this.#client.publish(this.#keys.plain('ch:', channel), String(message)));
  }

  /** Listens on a second connection (see ./redis-pubsub.ts); resolves once Redis confirmed the subscription. */
  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    checkId(STORE, 'subscribe', 'channel', channel);
    if (typeof listener !== 'function') throw new StoreError(STORE, 'subscribe', 'listener must be a function');
    if (this.#closed) throw new StoreError(STORE, 'subscribe', 'the store is closed');
    return this.#channels.subscribe(this.#keys.plain('ch:', channel), listener);
  }

  /** Ends the subscriber connection, and the main one if this store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscriber = this.#channels.close();
    const ends = [subscriber, this.#ownsClient ? this.#client : undefined].filter((c): c is RedisClient => c !== undefined);
    await Promise.all(
      ends.map(async (connection) => {
        try {
          await Promise.race([connection.quit(), new Promise((done) => setTimeout(done, 1000))]);
        } catch {
          // Already gone: nothing left to close.
        }
        connection.disconnect();
      }),
    );
  }

  /**
   * markPaid and recordPayment: the index keys first (they must outlive the records: a payment's never end while
   * it is not delivered), then the script in the order's partition.
   */
  async #writePayment(operation: string, script: Script, record: PaidFields, extraKeys: string[], ...extraArgs: string[]): Promise<PaidRecord> {
    const { orderPaidBy: _ignored, ...fresh } = record as PaidRecord;
    const p = partitionOf(record.orderId);
    const [json, orderPaidBy] = (await this.#call(operation, async () => {
      await this.#index.keep(p, record.invoiceId);
      const keys = [this.#keys.key(p, 'paid:', record.invoiceId), this.#keys.key(p, 'orderpaid:', record.orderId), this.#keys.key(p, 'inv:', record.invoiceId), ...extraKeys];
      const args = [record.invoiceId, JSON.stringify(fresh), String(Math.round(record.paidAt)), record.orderId, this.#keys.scriptPrefix(p), ...extraArgs];
      return this.#eval(script, keys, args);
    })) as [string, string];
    return { ...(JSON.parse(json) as PaidFields), orderPaidBy };
  }

  async #peekDue(key: string, at: number, n: number) {
    return readDue(await this.#client.zrangebyscore(key, '-inf', String(at), 'WITHSCORES', 'LIMIT', 0, n));
  }

  /** KEYS of finishDelivery and redeliver: the paid hash, the due, open and done sets, the invoice. */
  #deliveryKeys(p: number, invoiceId: string): string[] {
    const key = (type: string, id?: string) => this.#keys.key(p, type, id);
    return [key('paid:', invoiceId), key('due'), key('deliveries'), key('delivered'), key('inv:', invoiceId)];
  }

  async #readInvoice(p: number, invoiceId: string): Promise<InvoiceRecord | undefined> {
    const [json, supersededAt] = await this.#client.hmget(this.#keys.key(p, 'inv:', invoiceId), 'json', 'supersededAt');
    if (json == null) return undefined;
    const record = JSON.parse(json) as InvoiceRecord;
    return supersededAt == null ? record : { ...record, supersededAt: Number(supersededAt) };
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(STORE, operation, 'the store is closed'));
    if (!this.#persistenceChecked) {
      this.#persistenceChecked = true;
      void checkPersistence(this.#client, this.#logger).catch(() => undefined);
    }
    return storeCall(STORE, operation, this.#timeoutMs, work);
  }

  #script(operation: string, script: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.#call(operation, () => this.#eval(script, keys, args));
  }

  #eval(script: Script, keys: string[], args: string[]): Promise<unknown> {
    return runScript(this.#client, script, keys, args);
  }

  /** A connection of ours without an 'error' listener would make ioredis print unhandled errors: route them. */
  #watch(connection: RedisClient): void {
    connection.on('error', (error: Error) => {
      if (!this.#closed) this.#onError(error);
    });
  }
}
