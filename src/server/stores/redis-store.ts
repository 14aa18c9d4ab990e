// `qpay-checkout/server/redis`: the CheckoutStore on Redis (through `ioredis`, an optional peer dependency), for
// shops that run several processes. Every decision (which invoice is the order's open one, who paid the order first,
// who runs onPaid) is one Lua script, so it is atomic across processes. Records expire on their own (retention);
// a paid invoice's records never expire while its onPaid has not succeeded.
//
// Keys: `${prefix}inv:${invoiceId}` (hash: json, ref, expiresAt, supersededAt), `ref:${reference}` and
// `open:${orderId}` (invoice ids), `paid:${invoiceId}` (hash: json, orderPaidBy, paidAt, orderId),
// `orderpaid:${orderId}`, `onpaid:${invoiceId}` (hash: done, token, leaseUntil, retryAt, attempt), `lock:${name}`,
// `status:${invoiceId}`; the outbox (a delivery's fields in its `paid:` hash; sorted sets `due`, `deliveries`,
// `delivered`, `checks`; `marker`: see ./redis-scripts.ts); pub/sub channels `${prefix}ch:${channel}`. Ids are only ever appended to a fixed key
// type, never used as patterns, so any string is safe. Scripts build keys from the prefix, so a single Redis
// (with replicas, Sentinel) is supported, Redis Cluster is not.
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
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
import { DELIVERY_FIELDS, listDeliveriesIn, readDelivery } from './redis-deliveries.js';
import { warnWithoutPersistence, type StoreLogger } from './redis-persistence.js';

export { StoreError } from './store-error.js';

export interface RedisStoreOptions {
  /** Put before every key and channel (default `qpay:`), so several shops or tests can share one Redis. */
  prefix?: string;
  /**
   * How long records are kept after their invoice expires (default 1 day); a paid invoice's records are kept this
   * long after the payment, and never expire while onPaid has not succeeded.
   */
  retentionMs?: number;
  /** A call that gets no answer in this time rejects with a StoreError (default 5000 ms). */
  timeoutMs?: number;
  /** Hears connection errors of the connections this store created (default: a console warning per outage). */
  onError?: (error: Error) => void;
  /** Clock for `supersededAt` and retention (epoch ms); lock and cache lifetimes use the Redis server's clock. */
  now?: () => number;
  /**
   * Hears the one start-up warning about a server without persistence (default: console.warn, prefixed
   * `qpay-checkout:`).
   */
  logger?: StoreLogger;
}

/** Redis connection options the store uses when it creates the connection: fail fast instead of queueing forever. */
const CREATED_CLIENT_DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  retryStrategy: (times) => Math.min(times * 100, 2000),
};

const STORE = 'RedisStore';


const isRedisClient = (value: unknown): value is Redis =>
  typeof value === 'object' && value !== null && typeof (value as Redis).evalsha === 'function' && typeof (value as Redis).duplicate === 'function';

/** Milliseconds as the whole number Redis wants (at least 1). */
const wholeMs = (ms: number) => String(Math.max(1, Math.ceil(ms)));

/**
 * CheckoutStore on Redis. `new RedisStore(redisClient)` shares a connection the shop already has (the store never
 * closes it); `new RedisStore('redis://…')` or `new RedisStore({ host, port })` opens its own, which `close()` ends.
 */
export class RedisStore implements CheckoutStore {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  /** What scripts put before the keys they build themselves: the client's own `keyPrefix`, then ours. */
  readonly #scriptPrefix: string;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onError: (error: Error) => void;
  readonly #logger: StoreLogger;
  #persistenceChecked = false;
  #subscriber: Redis | undefined;
  readonly #listeners = new Map<string, Set<StoreListener>>();
  #closed = false;

  constructor(client: Redis | string | RedisOptions, options: RedisStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'qpay:';
    if (typeof this.#prefix !== 'string') throw new TypeError('RedisStore: prefix must be a string');
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? warnOncePerOutage(STORE);
    this.#logger = options.logger ?? { warn: (message) => console.warn(`qpay-checkout: ${message}`) };
    if (isRedisClient(client)) {
      this.#client = client;
      this.#ownsClient = false;
    } else {
      this.#client =
        typeof client === 'string' ? new Redis(client, CREATED_CLIENT_DEFAULTS) : new Redis({ ...CREATED_CLIENT_DEFAULTS, ...client });
      this.#ownsClient = true;
      this.#watch(this.#client);
    }
    this.#scriptPrefix = `${this.#client.options?.keyPrefix ?? ''}${this.#prefix}`;
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
    const keepUntil = record.expiresAt + this.#retentionMs;
    await this.#script('openInvoice', SCRIPTS.openInvoice, [this.#key('open:', record.orderId), this.#key('inv:', record.invoiceId), this.#key('ref:', record.reference)], [
      record.invoiceId,
      JSON.stringify(fresh),
      record.reference,
      String(record.expiresAt),
      wholeMs(keepUntil),
      String(this.#now()),
      this.#scriptPrefix,
    ]);
  }

  async getInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoice', 'invoiceId', invoiceId);
    return this.#call('getInvoice', () => this.#readInvoice(invoiceId));
  }

  async getInvoiceByReference(reference: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoiceByReference', 'reference', reference);
    return this.#call('getInvoiceByReference', async () => {
      const invoiceId = await this.#client.get(this.#key('ref:', reference));
      return invoiceId === null ? undefined : this.#readInvoice(invoiceId);
    });
  }

  async getOpenInvoice(orderId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getOpenInvoice', 'orderId', orderId);
    return this.#call('getOpenInvoice', async () => {
      const invoiceId = await this.#client.get(this.#key('open:', orderId));
      return invoiceId === null ? undefined : this.#readInvoice(invoiceId);
    });
  }

  async markPaid(record: Omit<PaidRecord, 'orderPaidBy'>): Promise<PaidRecord> {
    checkId(STORE, 'markPaid', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'markPaid', 'record.orderId', record.orderId);
    const { orderPaidBy: _ignored, ...fresh } = record as PaidRecord;
    const [json, orderPaidBy] = (await this.#script(
      'markPaid',
      SCRIPTS.markPaid,
      [this.#key('paid:', record.invoiceId), this.#key('orderpaid:', record.orderId), this.#key('inv:', record.invoiceId)],
      [record.invoiceId, JSON.stringify(fresh), String(record.paidAt), record.orderId, this.#scriptPrefix],
    )) as [string, string];
    return { ...(JSON.parse(json) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy };
  }

  async getPaid(invoiceId: string): Promise<PaidRecord | undefined> {
    checkId(STORE, 'getPaid', 'invoiceId', invoiceId);
    const [json, orderPaidBy] = await this.#call('getPaid', () => this.#client.hmget(this.#key('paid:', invoiceId), 'json', 'orderPaidBy'));
    return json == null || orderPaidBy == null ? undefined : { ...(JSON.parse(json) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy };
  }

  async getOrderPaidBy(orderId: string): Promise<string | undefined> {
    checkId(STORE, 'getOrderPaidBy', 'orderId', orderId);
    return (await this.#call('getOrderPaidBy', () => this.#client.get(this.#key('orderpaid:', orderId)))) ?? undefined;
  }

  async recordPayment(record: Omit<PaidRecord, 'orderPaidBy'>, options: { redelivery?: boolean } = {}): Promise<PaidRecord> {
    checkId(STORE, 'recordPayment', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'recordPayment', 'record.orderId', record.orderId);
    const { orderPaidBy: _ignored, ...fresh } = record as PaidRecord;
    const [json, orderPaidBy] = (await this.#script(
      'recordPayment',
      SCRIPTS.recordPayment,
      [this.#key('paid:', record.invoiceId), this.#key('orderpaid:', record.orderId), this.#key('inv:', record.invoiceId), this.#key('due', ''), this.#key('deliveries', '')],
      [record.invoiceId, JSON.stringify(fresh), String(Math.round(record.paidAt)), record.orderId, this.#scriptPrefix, options.redelivery ? '1' : '0'],
    )) as [string, string];
    return { ...(JSON.parse(json) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy };
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryClaim[]> {
    const at = Math.floor(now);
    const lease = wholeMs(leaseMs);
    const rows = (await this.#script('claimDeliveries', SCRIPTS.claimDeliveries, [this.#key('due', '')], [
      String(at),
      lease,
      String(Math.max(0, Math.floor(limit))),
      this.#scriptPrefix,
      randomUUID(),
    ])) as [string, string, string, string, string, string][];
    return rows.map(([, token, attempt, again, json, orderPaidBy]) => ({
      token,
      attempt: Number(attempt),
      redelivery: again === '1',
      leaseUntil: at + Number(lease),
      paid: { ...(JSON.parse(json) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy },
    }));
  }

  async finishDelivery(invoiceId: string, token: string, outcome: DeliveryOutcome): Promise<boolean> {
    checkId(STORE, 'finishDelivery', 'invoiceId', invoiceId);
    checkId(STORE, 'finishDelivery', 'token', token);
    const at = outcome.state === 'done' ? outcome.at : outcome.state === 'pending' ? outcome.retryAt : 0;
    const reply = await this.#script('finishDelivery', SCRIPTS.finishDelivery, this.#deliveryKeys(invoiceId), [
      token,
      outcome.state,
      String(Math.ceil(at)),
      outcome.state === 'done' ? '' : String(outcome.error || 'failed'),
      outcome.state === 'pending' && outcome.timedOut ? '1' : '0',
      String(this.#retentionMs),
      this.#scriptPrefix,
      invoiceId,
      String(this.#now()),
    ]);
    return reply === 1;
  }

  async getDelivery(invoiceId: string): Promise<DeliveryRecord | undefined> {
    checkId(STORE, 'getDelivery', 'invoiceId', invoiceId);
    const values = await this.#call('getDelivery', () => this.#client.hmget(this.#key('paid:', invoiceId), ...DELIVERY_FIELDS));
    return readDelivery(invoiceId, values);
  }

  async listDeliveries(filter: { state?: DeliveryState; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const index = this.#key(filter.state === 'done' ? 'delivered' : 'deliveries', '');
    return this.#call('listDeliveries', () =>
      listDeliveriesIn(this.#client, index, (id) => this.#key('paid:', id), filter.state, filter.limit ?? 100),
    );
  }

  async redeliver(invoiceId: string, now: number): Promise<boolean> {
    checkId(STORE, 'redeliver', 'invoiceId', invoiceId);
    const reply = await this.#script('redeliver', SCRIPTS.redeliver, this.#deliveryKeys(invoiceId), [String(Math.floor(now)), this.#scriptPrefix, invoiceId]);
    return reply === 1;
  }

  async scheduleCheck(invoiceId: string, at: number | undefined): Promise<void> {
    checkId(STORE, 'scheduleCheck', 'invoiceId', invoiceId);
    const checks = this.#key('checks', '');
    await this.#call('scheduleCheck', () =>
      at === undefined ? this.#client.zrem(checks, invoiceId) : this.#client.zadd(checks, String(Math.floor(at)), invoiceId),
    );
  }

  async claimDueChecks(now: number, leaseMs: number, limit: number): Promise<InvoiceRecord[]> {
    const rows = (await this.#script('claimDueChecks', SCRIPTS.claimDueChecks, [this.#key('checks', '')], [
      String(Math.floor(now)),
      wholeMs(leaseMs),
      String(Math.max(0, Math.floor(limit))),
      this.#scriptPrefix,
    ])) as [string, string][];
    return rows.map(([json, supersededAt]) => {
      const record = JSON.parse(json) as InvoiceRecord;
      return supersededAt === '' ? record : { ...record, supersededAt: Number(supersededAt) };
    });
  }

  async marker(): Promise<string> {
    return (await this.#script('marker', SCRIPTS.marker, [this.#key('marker', '')], [randomUUID()])) as string;
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    checkId(STORE, 'acquireLock', 'name', name);
    const token = randomUUID();
    const reply = await this.#call('acquireLock', () => this.#client.set(this.#key('lock:', name), token, 'PX', wholeMs(ttlMs), 'NX'));
    return reply === 'OK' ? token : null;
  }

  async releaseLock(name: string, token: string): Promise<void> {
    checkId(STORE, 'releaseLock', 'name', name);
    await this.#script('releaseLock', SCRIPTS.releaseLock, [this.#key('lock:', name)], [String(token)]);
  }

  async getCachedStatus(invoiceId: string): Promise<CachedStatus | undefined> {
    checkId(STORE, 'getCachedStatus', 'invoiceId', invoiceId);
    const json = await this.#call('getCachedStatus', () => this.#client.get(this.#key('status:', invoiceId)));
    return json === null ? undefined : (JSON.parse(json) as CachedStatus);
  }

  async setCachedStatus(invoiceId: string, entry: CachedStatus, ttlMs: number): Promise<void> {
    checkId(STORE, 'setCachedStatus', 'invoiceId', invoiceId);
    await this.#call('setCachedStatus', () => this.#client.set(this.#key('status:', invoiceId), JSON.stringify(entry), 'PX', wholeMs(ttlMs)));
  }

  async publish(channel: string, message: string): Promise<void> {
    checkId(STORE, 'publish', 'channel', channel);
    await this.#call('publish', () => this.#client.publish(this.#key('ch:', channel), String(message)));
  }

  /**
   * Listens on a second connection (`duplicate()` of the first, opened on the first subscribe). Resolves once Redis
   * confirmed the subscription, so a message published after that reaches the listener. Messages published while
   * that connection is down are lost (pub/sub is a wake-up signal; the status route stays the source of truth).
   */
  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    checkId(STORE, 'subscribe', 'channel', channel);
    if (typeof listener !== 'function') throw new StoreError(STORE, 'subscribe', 'listener must be a function');
    if (this.#closed) throw new StoreError(STORE, 'subscribe', 'the store is closed');
    const subscriber = this.#ensureSubscriber();
    const key = this.#key('ch:', channel);
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    try {
      await this.#call('subscribe', () => subscriber.subscribe(key));
    } catch (error) {
      this.#removeListener(key, listener);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      if (this.#removeListener(key, listener) && subscriber.status !== 'end') {
        await this.#call('unsubscribe', () => subscriber.unsubscribe(key));
      }
    };
  }

  /** Ends the subscriber connection, and the main one if this store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    const ends = [this.#subscriber, this.#ownsClient ? this.#client : undefined].filter((c): c is Redis => c !== undefined);
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

  #key(type: string, id: string): string {
    return `${this.#prefix}${type}${id}`;
  }

  /** KEYS of finishDelivery and redeliver: the paid hash, the due, open and done sets, the invoice. */
  #deliveryKeys(invoiceId: string): string[] {
    return [this.#key('paid:', invoiceId), this.#key('due', ''), this.#key('deliveries', ''), this.#key('delivered', ''), this.#key('inv:', invoiceId)];
  }

  async #readInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
    const [json, supersededAt] = await this.#client.hmget(this.#key('inv:', invoiceId), 'json', 'supersededAt');
    if (json == null) return undefined;
    const record = JSON.parse(json) as InvoiceRecord;
    return supersededAt == null ? record : { ...record, supersededAt: Number(supersededAt) };
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(STORE, operation, 'the store is closed'));
    if (!this.#persistenceChecked) {
      this.#persistenceChecked = true;
      void warnWithoutPersistence(this.#client, this.#logger);
    }
    return storeCall(STORE, operation, this.#timeoutMs, work);
  }

  /** EVALSHA, loading the script with EVAL when the server does not know it (first use, or after a restart). */
  #script(operation: string, { source, sha }: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.#call(operation, async () => {
      try {
        return await this.#client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return this.#client.eval(source, keys.length, ...keys, ...args);
      }
    });
  }

  #ensureSubscriber(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#client.duplicate(CREATED_CLIENT_DEFAULTS);
    this.#watch(subscriber);
    subscriber.on('message', (key: string, message: string) => {
      for (const listener of [...(this.#listeners.get(key) ?? [])]) {
        try {
          listener(message);
        } catch {
          // One listener's failure is its own; the others still hear the message.
        }
      }
    });
    this.#subscriber = subscriber;
    return subscriber;
  }

  /** True when that was the channel's last listener. */
  #removeListener(key: string, listener: StoreListener): boolean {
    const set = this.#listeners.get(key);
    if (!set) return false;
    set.delete(listener);
    if (set.size > 0) return false;
    this.#listeners.delete(key);
    return true;
  }

  /** A connection of ours without an 'error' listener would make ioredis print unhandled errors: route them. */
  #watch(connection: Redis): void {
    connection.on('error', (error: Error) => {
      if (!this.#closed) this.#onError(error);
    });
  }
}
