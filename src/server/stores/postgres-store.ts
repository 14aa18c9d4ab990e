// `qpay-checkout/server/postgres`: the CheckoutStore on PostgreSQL (through `pg`, an optional peer dependency), for
// shops that run several processes. The schema is ./postgres-schema.ts (`migrate()` applies it). Decisions are the
// database's: a unique partial index keeps one open invoice per order, the first payment of an order is an
// INSERT … ON CONFLICT DO NOTHING, onPaid claims and locks are conditional upserts with RETURNING; the outbox
// (./postgres-outbox.ts) claims deliveries and due checks with FOR UPDATE SKIP LOCKED. Retention is a
// `cleanup()` call (say once an hour). Pub/sub is LISTEN/NOTIFY on one channel, `${tablePrefix}events`.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
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
import { DEFAULT_TABLE_PREFIX, postgresSchemaSql } from './postgres-schema.js';
import * as outbox from './postgres-outbox.js';
import { PostgresChannels } from './postgres-pubsub.js';

export { StoreError } from './store-error.js';
export { postgresSchemaSql, DEFAULT_TABLE_PREFIX } from './postgres-schema.js';

export interface PostgresStoreOptions {
  /** Table (and NOTIFY channel) names start with this (default `qpay_`); lower-case letters, digits, `_`. */
  tablePrefix?: string;
  /**
   * How long records are kept after their invoice expires (default 1 day); a paid invoice's records are kept this
   * long after the payment, and never while onPaid has not succeeded. `cleanup()` deletes what is past it.
   */
  retentionMs?: number;
  /** A call that gets no answer in this time rejects with a StoreError (default 5000 ms). */
  timeoutMs?: number;
  /** Hears errors of idle and listening connections (default: a console warning per outage). */
  onError?: (error: Error) => void;
  /** Clock for `supersededAt` and retention (epoch ms); lock and cache lifetimes use the database's clock. */
  now?: () => number;
}

const STORE = 'PostgresStore';
/** The database's clock in epoch ms, so every instance agrees on when a lock or cache entry ends. */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
/** Advisory lock key for migrate(): 'qpay' in ASCII, so it is recognisable in pg_locks. */
const MIGRATE_LOCK = 0x71706179;

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * CheckoutStore on PostgreSQL. `new PostgresStore(pool)` shares a `pg.Pool` the shop already has (the store never
 * ends it); `new PostgresStore('postgres://…')` opens its own pool, which `close()` ends. Call `await migrate()`
 * once on start.
 */
export class PostgresStore implements CheckoutStore {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #p: string;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onError: (error: Error) => void;
  readonly #channels: PostgresChannels;
  #closed = false;

  constructor(pool: pg.Pool | string, options: PostgresStoreOptions = {}) {
    this.#p = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
    postgresSchemaSql(this.#p); // validates the prefix now rather than on the first query
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? warnOncePerOutage(STORE);
    if (typeof pool === 'string') {
      this.#pool = new pg.Pool({ connectionString: pool, connectionTimeoutMillis: this.#timeoutMs, max: 10 });
      this.#ownsPool = true;
    } else if (pool && typeof pool.query === 'function' && typeof pool.connect === 'function') {
      this.#pool = pool;
      this.#ownsPool = false;
    } else {
      throw new TypeError('PostgresStore: pass a pg.Pool or a connection string (postgres://user:password@host:5432/db)');
    }
    this.#channels = new PostgresChannels({
      pool: this.#pool,
      channel: `${this.#p}events`,
      timeoutMs: this.#timeoutMs,
      onError: this.#onError,
      call: (operation, work) => this.#call(operation, work),
    });
    // An idle pooled connection that the server drops is reported here; without a listener it would crash the process.
    this.#pool.on('error', (error) => {
      if (!this.#closed) this.#onError(error);
    });
  }

  /**
   * Creates the tables and indexes when missing. Safe on every start, from several instances at once. Upgrade path:
   * a payment whose old onPaid claim is not done gets its outbox delivery (with `mayHaveRun` when a run started).
   */
  async migrate(): Promise<void> {
    await this.#transaction('migrate', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
      await client.query(postgresSchemaSql(this.#p));
      await outbox.addMissingDeliveries(client, this.#p, undefined, false);
    });
  }

  async openInvoice(record: InvoiceRecord): Promise<void> {
    checkId(STORE, 'openInvoice', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'openInvoice', 'record.orderId', record.orderId);
    checkId(STORE, 'openInvoice', 'record.reference', record.reference);
    const { supersededAt: _ignored, ...fresh } = record;
    const now = this.#now();
    await this.#transaction('openInvoice', async (client) => {
      // Openings of one order queue up here, so the supersede and the insert below see each other's result.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [`${this.#p}open`, record.orderId]);
      await client.query(
        `UPDATE ${this.#p}invoices SET superseded_at = $3 WHERE order_id = $1 AND superseded_at IS NULL AND invoice_id <> $2`,
        [record.orderId, record.invoiceId, now],
      );
      await client.query(
        `INSERT INTO ${this.#p}invoices (invoice_id, order_id, reference, record, expires_at, created_at, opened_at, superseded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
         ON CONFLICT (invoice_id) DO UPDATE SET order_id = excluded.order_id, reference = excluded.reference, record = excluded.record,
           expires_at = excluded.expires_at, created_at = excluded.created_at, opened_at = excluded.opened_at, superseded_at = NULL`,
        [record.invoiceId, record.orderId, record.reference, JSON.stringify(fresh), Math.round(record.expiresAt), Math.round(record.createdAt), now],
      );
    });
  }

  async getInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoice', 'invoiceId', invoiceId);
    return this.#invoiceWhere('getInvoice', 'invoice_id = $1', invoiceId);
  }

  async getInvoiceByReference(reference: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getInvoiceByReference', 'reference', reference);
    return this.#invoiceWhere('getInvoiceByReference', 'reference = $1 ORDER BY opened_at DESC, invoice_id LIMIT 1', reference);
  }

  async getOpenInvoice(orderId: string): Promise<InvoiceRecord | undefined> {
    checkId(STORE, 'getOpenInvoice', 'orderId', orderId);
    return this.#invoiceWhere('getOpenInvoice', 'order_id = $1 AND superseded_at IS NULL', orderId);
  }

  async markPaid(record: Omit<PaidRecord, 'orderPaidBy'>): Promise<PaidRecord> {
    checkId(STORE, 'markPaid', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'markPaid', 'record.orderId', record.orderId);
    return this.#transaction('markPaid', (client) => this.#markPaidIn(client, record));
  }

  async recordPayment(record: Omit<PaidRecord, 'orderPaidBy'>, options: { redelivery?: boolean } = {}): Promise<PaidRecord> {
    checkId(STORE, 'recordPayment', 'record.invoiceId', record?.invoiceId);
    checkId(STORE, 'recordPayment', 'record.orderId', record.orderId);
    return this.#transaction('recordPayment', async (client) => {
      const stored = await this.#markPaidIn(client, record);
      await outbox.addMissingDeliveries(client, this.#p, stored.invoiceId, options.redelivery === true);
      return stored;
    });
  }

  async getPaid(invoiceId: string): Promise<PaidRecord | undefined> {
    checkId(STORE, 'getPaid', 'invoiceId', invoiceId);
    const { rows } = await this.#query<{ record: string; order_paid_by: string }>(
      'getPaid',
      `SELECT record, order_paid_by FROM ${this.#p}paid WHERE invoice_id = $1`,
      [invoiceId],
    );
    return rows[0] && { ...(JSON.parse(rows[0].record) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy: rows[0].order_paid_by };
  }

  async getOrderPaidBy(orderId: string): Promise<string | undefined> {
    checkId(STORE, 'getOrderPaidBy', 'orderId', orderId);
    const { rows } = await this.#query<{ invoice_id: string }>('getOrderPaidBy', `SELECT invoice_id FROM ${this.#p}order_paid WHERE order_id = $1`, [orderId]);
    return rows[0]?.invoice_id;
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryClaim[]> {
    const at = Math.floor(now);
    const leaseUntil = at + Math.max(1, Math.ceil(leaseMs));
    return this.#call('claimDeliveries', () => outbox.claimDeliveries(this.#pool, this.#p, at, leaseUntil, Math.max(0, Math.floor(limit))));
  }

  async finishDelivery(invoiceId: string, token: string, outcome: DeliveryOutcome): Promise<boolean> {
    checkId(STORE, 'finishDelivery', 'invoiceId', invoiceId);
    checkId(STORE, 'finishDelivery', 'token', token);
    return this.#call('finishDelivery', () => outbox.finishDelivery(this.#pool, this.#p, invoiceId, token, outcome));
  }

  async getDelivery(invoiceId: string): Promise<DeliveryRecord | undefined> {
    checkId(STORE, 'getDelivery', 'invoiceId', invoiceId);
    return this.#call('getDelivery', () => outbox.getDelivery(this.#pool, this.#p, invoiceId));
  }

  async listDeliveries(filter: { state?: DeliveryState; limit?: number } = {}): Promise<DeliveryRecord[]> {
    return this.#call('listDeliveries', () => outbox.listDeliveries(this.#pool, this.#p, filter.state, filter.limit ?? 100));
  }

  async redeliver(invoiceId: string, now: number): Promise<boolean> {
    checkId(STORE, 'redeliver', 'invoiceId', invoiceId);
    return this.#call('redeliver', () => outbox.redeliver(this.#pool, this.#p, invoiceId, Math.floor(now)));
  }

  async scheduleCheck(invoiceId: string, at: number | undefined): Promise<void> {
    checkId(STORE, 'scheduleCheck', 'invoiceId', invoiceId);
    await this.#call('scheduleCheck', () => outbox.scheduleCheck(this.#pool, this.#p, invoiceId, at));
  }

  async claimDueChecks(now: number, leaseMs: number, limit: number): Promise<InvoiceRecord[]> {
    const at = Math.floor(now);
    return this.#call('claimDueChecks', () => outbox.claimDueChecks(this.#pool, this.#p, at, at + Math.max(1, Math.ceil(leaseMs)), limit));
  }

  async marker(): Promise<string> {
    return this.#call('marker', () => outbox.marker(this.#pool, this.#p, randomUUID()));
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    checkId(STORE, 'acquireLock', 'name', name);
    const token = randomUUID();
    const { rows } = await this.#query(
      'acquireLock',
      `INSERT INTO ${this.#p}locks AS l (name, token, expires_at) VALUES ($1, $2, ${DB_NOW} + $3)
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at WHERE l.expires_at <= ${DB_NOW}
       RETURNING token`,
      [name, token, Math.max(1, Math.ceil(ttlMs))],
    );
    return rows.length === 1 ? token : null;
  }

  async releaseLock(name: string, token: string): Promise<void> {
    checkId(STORE, 'releaseLock', 'name', name);
    await this.#query('releaseLock', `DELETE FROM ${this.#p}locks WHERE name = $1 AND token = $2`, [name, String(token)]);
  }

  async getCachedStatus(invoiceId: string): Promise<CachedStatus | undefined> {
    checkId(STORE, 'getCachedStatus', 'invoiceId', invoiceId);
    const { rows } = await this.#query<{ entry: string }>(
      'getCachedStatus',
      `SELECT entry FROM ${this.#p}status_cache WHERE invoice_id = $1 AND expires_at > ${DB_NOW}`,
      [invoiceId],
    );
    return rows[0] && (JSON.parse(rows[0].entry) as CachedStatus);
  }

  async setCachedStatus(invoiceId: string, entry: CachedStatus, ttlMs: number): Promise<void> {
    checkId(STORE, 'setCachedStatus', 'invoiceId', invoiceId);
    await this.#query(
      'setCachedStatus',
      `INSERT INTO ${this.#p}status_cache (invoice_id, entry, expires_at) VALUES ($1, $2, ${DB_NOW} + $3)
       ON CONFLICT (invoice_id) DO UPDATE SET entry = excluded.entry, expires_at = excluded.expires_at`,
      [invoiceId, JSON.stringify(entry), Math.max(1, Math.ceil(ttlMs))],
    );
  }

  /** NOTIFY on the store's one channel (see ./postgres-pubsub.ts). Payloads are limited to 7999 bytes. */
  async publish(channel: string, message: string): Promise<void> {
    checkId(STORE, 'publish', 'channel', channel);
    await this.#channels.publish(channel, message);
  }

  /**
   * Listens on a dedicated connection (opened on the first subscribe, reopened after it drops). Resolves once LISTEN
   * is in place. Messages sent while that connection is down are lost (pub/sub is a wake-up signal; the status
   * route stays the source of truth).
   */
  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    checkId(STORE, 'subscribe', 'channel', channel);
    if (typeof listener !== 'function') throw new StoreError(STORE, 'subscribe', 'listener must be a function');
    if (this.#closed) throw new StoreError(STORE, 'subscribe', 'the store is closed');
    return this.#channels.subscribe(channel, listener);
  }

  /**
   * Deletes what is past retention: invoices `retentionMs` after they expired (paid ones after the payment too, and
   * only once onPaid succeeded: a pending, running or failed delivery keeps them), with their payment, delivery and onPaid rows, plus ended locks and cache entries. Returns how
   * many rows went. Run it now and then (an hourly timer in one instance is plenty).
   */
  async cleanup(): Promise<number> {
    const cutoff = this.#now() - this.#retentionMs;
    const p = this.#p;
    // Delivered: the outbox delivery is done, or (a payment from before the outbox) the old onPaid claim is.
    const onPaidDone = `(NOT EXISTS (SELECT 1 FROM ${p}deliveries d WHERE d.invoice_id = pd.invoice_id AND d.state <> 'done')
      AND (EXISTS (SELECT 1 FROM ${p}deliveries d WHERE d.invoice_id = pd.invoice_id)
        OR EXISTS (SELECT 1 FROM ${p}on_paid o WHERE o.invoice_id = pd.invoice_id AND o.done)))`;
    // [statement, uses the cutoff]: the last four clean up after the first two, or by the database's clock.
    const statements: [string, boolean][] = [
      [
        `DELETE FROM ${p}invoices i WHERE i.expires_at < $1 AND NOT EXISTS (
           SELECT 1 FROM ${p}paid pd WHERE pd.invoice_id = i.invoice_id AND (pd.paid_at >= $1 OR NOT ${onPaidDone}))`,
        true,
      ],
      [
        `DELETE FROM ${p}paid pd WHERE pd.paid_at < $1 AND ${onPaidDone}
           AND NOT EXISTS (SELECT 1 FROM ${p}invoices i WHERE i.invoice_id = pd.invoice_id)`,
        true,
      ],
      [
        `DELETE FROM ${p}on_paid o WHERE NOT EXISTS (SELECT 1 FROM ${p}paid pd WHERE pd.invoice_id = o.invoice_id)
           AND NOT EXISTS (SELECT 1 FROM ${p}invoices i WHERE i.invoice_id = o.invoice_id)`,
        false,
      ],
      [
        `DELETE FROM ${p}deliveries d WHERE NOT EXISTS (SELECT 1 FROM ${p}paid pd WHERE pd.invoice_id = d.invoice_id)`,
        false,
      ],
      [
        `DELETE FROM ${p}order_paid op WHERE NOT EXISTS (SELECT 1 FROM ${p}paid pd WHERE pd.invoice_id = op.invoice_id)
           AND NOT EXISTS (SELECT 1 FROM ${p}invoices i WHERE i.invoice_id = op.invoice_id)`,
        false,
      ],
      [`DELETE FROM ${p}locks WHERE expires_at <= ${DB_NOW}`, false],
      [`DELETE FROM ${p}status_cache WHERE expires_at <= ${DB_NOW}`, false],
    ];
    return this.#transaction('cleanup', async (client) => {
      let removed = 0;
      for (const [sql, usesCutoff] of statements) removed += (await client.query(sql, usesCutoff ? [cutoff] : [])).rowCount ?? 0;
      return removed;
    });
  }

  /** Ends the listening connection, and the pool if this store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([
      this.#channels.close(),
      this.#ownsPool ? this.#pool.end().catch(() => undefined) : undefined,
    ]);
  }

  async #invoiceWhere(operation: string, where: string, value: string): Promise<InvoiceRecord | undefined> {
    const { rows } = await this.#query<{ record: string; superseded_at: string | null }>(
      operation,
      `SELECT record, superseded_at FROM ${this.#p}invoices WHERE ${where}`,
      [value],
    );
    const row = rows[0];
    if (!row) return undefined;
    const record = JSON.parse(row.record) as InvoiceRecord;
    return row.superseded_at === null ? record : { ...record, supersededAt: Number(row.superseded_at) };
  }

  /** The first payment wins (markPaid's decision), inside the caller's transaction. */
  async #markPaidIn(client: Queryable, record: Omit<PaidRecord, 'orderPaidBy'>): Promise<PaidRecord> {
    const { orderPaidBy: _ignored, ...fresh } = record as PaidRecord;
    const readPaid = async () => {
      const { rows } = await client.query<{ record: string; order_paid_by: string }>(
        `SELECT record, order_paid_by FROM ${this.#p}paid WHERE invoice_id = $1`,
        [record.invoiceId],
      );
      return rows[0] && { ...(JSON.parse(rows[0].record) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy: rows[0].order_paid_by };
    };
    const known = await readPaid();
    if (known) return known;
    // The first invoice of the order to get here owns order_paid; a concurrent one waits on the row, then reads it.
    await client.query(`INSERT INTO ${this.#p}order_paid (order_id, invoice_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`, [
      record.orderId,
      record.invoiceId,
    ]);
    const { rows } = await client.query<{ invoice_id: string }>(`SELECT invoice_id FROM ${this.#p}order_paid WHERE order_id = $1`, [record.orderId]);
    const orderPaidBy = rows[0]?.invoice_id ?? record.invoiceId;
    const inserted = await client.query(
      `INSERT INTO ${this.#p}paid (invoice_id, order_id, record, paid_at, order_paid_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (invoice_id) DO NOTHING`,
      [record.invoiceId, record.orderId, JSON.stringify(fresh), Math.round(record.paidAt), orderPaidBy],
    );
    if (inserted.rowCount === 1) return { ...fresh, orderPaidBy };
    const stored = await readPaid();
    if (!stored) throw new Error('the paid record vanished while it was being written');
    return stored;
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(STORE, operation, 'the store is closed'));
    return storeCall(STORE, operation, this.#timeoutMs, work);
  }

  #query<R extends pg.QueryResultRow = pg.QueryResultRow>(operation: string, sql: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#call(operation, () => this.#pool.query<R>(sql, values));
  }

  /** BEGIN … COMMIT on one pooled connection; a connection that failed is destroyed rather than reused. */
  #transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#call(operation, async () => {
      const client = await this.#pool.connect();
      // A checked-out connection reports a drop as an 'error' event (the query rejects too); unheard, it would crash.
      const onError = () => undefined;
      client.on('error', onError);
      const release = (error?: Error) => {
        client.off('error', onError);
        client.release(error);
      };
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        release();
        return result;
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        release(rolledBack ? undefined : (error as Error));
        throw error;
      }
    });
  }
}
