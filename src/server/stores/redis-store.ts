// `qpay-checkout/server/redis`: the CheckoutStore on Redis (through `ioredis`, an optional peer dependency), for
// shops that run several processes. Every decision (which invoice is the order's open one, who paid the order first,
// who runs onPaid) is one Lua script, so it is atomic across processes. Records expire on their own (retention);
// a paid invoice's records never expire while its onPaid has not succeeded.
//
// Keys: `${prefix}inv:${invoiceId}` (hash: json, ref, expiresAt, supersededAt), `ref:${reference}` and
// `open:${orderId}` (invoice ids), `paid:${invoiceId}` (hash: json, orderPaidBy, paidAt, orderId),
// `orderpaid:${orderId}`, `onpaid:${invoiceId}` (hash: done, token, leaseUntil, retryAt, attempt), `lock:${name}`,
// `status:${invoiceId}`; pub/sub channels `${prefix}ch:${channel}`. Ids are only ever appended to a fixed key
// type, never used as patterns, so any string is safe. Scripts build keys from the prefix, so a single Redis
// (with replicas, Sentinel) is supported, Redis Cluster is not.
import { createHash, randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { CachedStatus, CheckoutStore, InvoiceRecord, OnPaidClaim, PaidRecord, StoreListener } from './store.js';
import { StoreError, checkId, storeCall, warnOncePerOutage } from './store-error.js';

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
}

/** Redis connection options the store uses when it creates the connection: fail fast instead of queueing forever. */
const CREATED_CLIENT_DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  retryStrategy: (times) => Math.min(times * 100, 2000),
};

const STORE = 'RedisStore';

// Lua scripts. KEYS and ARGV as documented above each; numbers cross as decimal strings.

/** KEYS: open, inv, ref. ARGV: invoiceId, json, reference, expiresAt, keepUntil, now, prefix. */
const OPEN_INVOICE = `
local prev = redis.call('GET', KEYS[1])
if prev and prev ~= ARGV[1] then
  local prevKey = ARGV[7] .. 'inv:' .. prev
  if redis.call('EXISTS', prevKey) == 1 then redis.call('HSETNX', prevKey, 'supersededAt', ARGV[6]) end
end
local pending = redis.call('EXISTS', ARGV[7] .. 'paid:' .. ARGV[1]) == 1
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'json', ARGV[2], 'ref', ARGV[3], 'expiresAt', ARGV[4])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[5])
if not pending then
  redis.call('PEXPIREAT', KEYS[2], ARGV[5])
  redis.call('PEXPIREAT', KEYS[3], ARGV[5])
end
return 1`;

/** KEYS: paid, orderpaid, inv. ARGV: invoiceId, json, paidAt, orderId, prefix. Returns { json, orderPaidBy }. */
const MARK_PAID = `
local known = redis.call('HMGET', KEYS[1], 'json', 'orderPaidBy')
if known[1] then return known end
local first = redis.call('GET', KEYS[2])
if not first then
  first = ARGV[1]
  redis.call('SET', KEYS[2], first)
end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'orderPaidBy', first, 'paidAt', ARGV[3], 'orderId', ARGV[4])
local ref = redis.call('HGET', KEYS[3], 'ref')
redis.call('PERSIST', KEYS[3])
if ref then redis.call('PERSIST', ARGV[5] .. 'ref:' .. ref) end
return { ARGV[2], first }`;

/** KEYS: onpaid. ARGV: now, leaseMs, token. Returns { state, token|retryAt, attempt }. */
const CLAIM_ON_PAID = `
local s = redis.call('HMGET', KEYS[1], 'done', 'leaseUntil', 'retryAt', 'attempt')
if s[1] == '1' then return { 'done' } end
local now = tonumber(ARGV[1])
local busy = math.max(tonumber(s[2] or '0'), tonumber(s[3] or '0'))
if busy > now then return { 'busy', string.format('%.0f', busy) } end
local attempt = tonumber(s[4] or '0') + 1
redis.call('HSET', KEYS[1], 'token', ARGV[3], 'leaseUntil', string.format('%.0f', now + tonumber(ARGV[2])), 'attempt', string.format('%.0f', attempt))
return { 'claimed', ARGV[3], string.format('%.0f', attempt) }`;

/** KEYS: onpaid, paid, inv. ARGV: token, retryAt ('' = succeeded), retentionMs, prefix, invoiceId, now. */
const FINISH_ON_PAID = `
local s = redis.call('HMGET', KEYS[1], 'done', 'token')
if s[1] == '1' or s[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'token')
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'retryAt', ARGV[2], 'leaseUntil', '0')
  return 1
end
redis.call('HSET', KEYS[1], 'done', '1', 'leaseUntil', '0')
local paid = redis.call('HMGET', KEYS[2], 'paidAt', 'orderId')
local inv = redis.call('HMGET', KEYS[3], 'expiresAt', 'ref')
-- Kept at least retentionMs from now, so a finished onPaid is remembered even without its invoice record.
local keepUntil = string.format('%.0f', math.max(tonumber(paid[1] or '0'), tonumber(inv[1] or '0'), tonumber(ARGV[6])) + tonumber(ARGV[3]))
redis.call('PEXPIREAT', KEYS[1], keepUntil)
redis.call('PEXPIREAT', KEYS[2], keepUntil)
redis.call('PEXPIREAT', KEYS[3], keepUntil)
if inv[2] then redis.call('PEXPIREAT', ARGV[4] .. 'ref:' .. inv[2], keepUntil) end
if paid[2] then
  local orderKey = ARGV[4] .. 'orderpaid:' .. paid[2]
  if redis.call('GET', orderKey) == ARGV[5] then redis.call('PEXPIREAT', orderKey, keepUntil) end
end
return 1`;

/** KEYS: lock. ARGV: token. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = {
  openInvoice: script(OPEN_INVOICE),
  markPaid: script(MARK_PAID),
  claimOnPaid: script(CLAIM_ON_PAID),
  finishOnPaid: script(FINISH_ON_PAID),
  releaseLock: script(RELEASE_LOCK),
};

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

  async claimOnPaid(invoiceId: string, leaseMs: number, now: number): Promise<OnPaidClaim> {
    checkId(STORE, 'claimOnPaid', 'invoiceId', invoiceId);
    const reply = (await this.#script('claimOnPaid', SCRIPTS.claimOnPaid, [this.#key('onpaid:', invoiceId)], [
      String(Math.floor(now)),
      wholeMs(leaseMs),
      randomUUID(),
    ])) as string[];
    if (reply[0] === 'done') return { state: 'done' };
    if (reply[0] === 'busy') return { state: 'busy', retryAt: Number(reply[1]) };
    return { state: 'claimed', token: reply[1]!, attempt: Number(reply[2]) };
  }

  async finishOnPaid(invoiceId: string, token: string, retryAt?: number): Promise<void> {
    checkId(STORE, 'finishOnPaid', 'invoiceId', invoiceId);
    checkId(STORE, 'finishOnPaid', 'token', token);
    await this.#script(
      'finishOnPaid',
      SCRIPTS.finishOnPaid,
      [this.#key('onpaid:', invoiceId), this.#key('paid:', invoiceId), this.#key('inv:', invoiceId)],
      [token, retryAt === undefined ? '' : String(Math.ceil(retryAt)), String(this.#retentionMs), this.#scriptPrefix, invoiceId, String(this.#now())],
    );
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

  async #readInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
    const [json, supersededAt] = await this.#client.hmget(this.#key('inv:', invoiceId), 'json', 'supersededAt');
    if (json == null) return undefined;
    const record = JSON.parse(json) as InvoiceRecord;
    return supersededAt == null ? record : { ...record, supersededAt: Number(supersededAt) };
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(STORE, operation, 'the store is closed'));
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
