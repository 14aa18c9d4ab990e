// PostgresStore's outbox and check schedule as SQL over the `deliveries` table and `invoices.next_check_at` (schema in
// ./postgres-schema.ts). Each function is one statement (or a short sequence that stays correct under concurrency), so
// the database decides: claims lock rows with FOR UPDATE SKIP LOCKED, finishes are conditional on the token.
import type pg from 'pg';
import type { DeliveryClaim, DeliveryOutcome, DeliveryRecord, DeliveryState, InvoiceRecord, PaidRecord } from './store.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

/** When a row may be claimed: the expression of the `deliveries_claimable` index, word for word. */
const CLAIMABLE_AT = `(CASE WHEN state = 'running' THEN lease_until ELSE due_at END)`;

/**
 * Adds a pending delivery, due at the payment, for each paid row without one whose old onPaid claim is not done
 * (`invoiceId` undefined: every such row, the upgrade backfill of migrate()). `mayHaveRun` also when the old claim
 * ever started a run.
 */
export async function addMissingDeliveries(db: Queryable, p: string, invoiceId: string | undefined, mayHaveRun: boolean): Promise<void> {
  await db.query(
    `INSERT INTO ${p}deliveries (invoice_id, order_id, state, attempts, due_at, may_have_run, paid_at)
     SELECT pd.invoice_id, pd.order_id, 'pending', 0, pd.paid_at, $2::boolean OR coalesce(o.attempt, 0) > 0, pd.paid_at
     FROM ${p}paid pd LEFT JOIN ${p}on_paid o ON o.invoice_id = pd.invoice_id
     WHERE NOT coalesce(o.done, false) AND ($1::text IS NULL OR pd.invoice_id = $1)
     ON CONFLICT (invoice_id) DO NOTHING`,
    [invoiceId ?? null, mayHaveRun],
  );
}

interface ClaimedRow {
  invoice_id: string;
  token: string;
  attempts: number;
  may_have_run: boolean;
  claimable_at: string;
  record: string;
  order_paid_by: string;
}

export async function claimDeliveries(db: Queryable, p: string, now: number, leaseUntil: number, limit: number): Promise<DeliveryClaim[]> {
  const { rows } = await db.query<ClaimedRow>(
    `WITH picked AS (
       SELECT invoice_id, state AS was, ${CLAIMABLE_AT} AS claimable_at FROM ${p}deliveries
       WHERE state IN ('pending', 'running') AND ${CLAIMABLE_AT} <= $1
       ORDER BY ${CLAIMABLE_AT}, invoice_id LIMIT $3 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE ${p}deliveries d SET state = 'running', attempts = d.attempts + 1, lease_until = $2, token = gen_random_uuid()::text,
         may_have_run = d.may_have_run OR picked.was = 'running', requeued_at = NULL
       FROM picked WHERE d.invoice_id = picked.invoice_id
       RETURNING d.invoice_id, d.token, d.attempts, d.may_have_run, picked.claimable_at
     )
     SELECT c.*, pd.record, pd.order_paid_by FROM claimed c JOIN ${p}paid pd ON pd.invoice_id = c.invoice_id
     ORDER BY c.claimable_at, c.invoice_id`,
    [now, leaseUntil, limit],
  );
  return rows.map((row) => ({
    token: row.token,
    attempt: row.attempts,
    redelivery: row.may_have_run,
    leaseUntil,
    paid: { ...(JSON.parse(row.record) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy: row.order_paid_by },
  }));
}

/** See CheckoutStore.finishDelivery: true when `token` holds the row (and its finish is written) or held it last. */
export async function finishDelivery(db: Queryable, p: string, invoiceId: string, token: string, outcome: DeliveryOutcome): Promise<boolean> {
  const at = outcome.state === 'done' ? outcome.at : outcome.state === 'pending' ? outcome.retryAt : null;
  const error = outcome.state === 'done' ? null : String(outcome.error || 'failed');
  const timedOut = outcome.state === 'pending' && outcome.timedOut === true;
  const { rows } = await db.query<{ held: boolean }>(
    `WITH finished AS (
       UPDATE ${p}deliveries SET
         state = CASE WHEN requeued_at IS NOT NULL THEN 'pending' ELSE $3::text END,
         due_at = CASE WHEN requeued_at IS NOT NULL THEN (CASE WHEN $3::text = 'pending' THEN least(requeued_at, $4::bigint) ELSE requeued_at END)
                       WHEN $3::text = 'pending' THEN $4::bigint ELSE due_at END,
         done_at = CASE WHEN requeued_at IS NULL AND $3::text = 'done' THEN $4::bigint ELSE done_at END,
         last_error = coalesce($5::text, last_error),
         may_have_run = may_have_run OR requeued_at IS NOT NULL OR $6::boolean,
         lease_until = NULL, requeued_at = NULL
       WHERE invoice_id = $1 AND token = $2 AND state = 'running'
       RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM finished)
       OR EXISTS (SELECT 1 FROM ${p}deliveries WHERE invoice_id = $1 AND token = $2 AND state <> 'running') AS held`,
    [invoiceId, token, outcome.state, at === null ? null : Math.ceil(at), error, timedOut],
  );
  return rows[0]?.held === true;
}

const DELIVERY_COLUMNS = 'invoice_id, order_id, state, attempts, due_at, lease_until, last_error, may_have_run, paid_at, done_at';

interface DeliveryRow {
  invoice_id: string;
  order_id: string;
  state: DeliveryState;
  attempts: number;
  due_at: string;
  lease_until: string | null;
  last_error: string | null;
  may_have_run: boolean;
  paid_at: string;
  done_at: string | null;
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  const record: DeliveryRecord = {
    invoiceId: row.invoice_id,
    orderId: row.order_id,
    state: row.state,
    attempts: row.attempts,
    dueAt: Number(row.due_at),
    mayHaveRun: row.may_have_run,
    paidAt: Number(row.paid_at),
  };
  if (row.state === 'running' && row.lease_until !== null) record.leaseUntil = Number(row.lease_until);
  if (row.last_error !== null) record.lastError = row.last_error;
  if (row.state === 'done' && row.done_at !== null) record.doneAt = Number(row.done_at);
  return record;
}

export async function getDelivery(db: Queryable, p: string, invoiceId: string): Promise<DeliveryRecord | undefined> {
  const { rows } = await db.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM ${p}deliveries WHERE invoice_id = $1`, [invoiceId]);
  return rows[0] && toDelivery(rows[0]);
}

export async function listDeliveries(db: Queryable, p: string, state: DeliveryState | undefined, limit: number): Promise<DeliveryRecord[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM ${p}deliveries WHERE ($1::text IS NULL AND state <> 'done') OR state = $1
     ORDER BY paid_at, invoice_id LIMIT $2`,
    [state ?? null, Math.max(0, Math.floor(limit))],
  );
  return rows.map(toDelivery);
}

/** See CheckoutStore.redeliver; a paid row without a delivery gets one. */
export async function redeliver(db: Queryable, p: string, invoiceId: string, now: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO ${p}deliveries AS d (invoice_id, order_id, state, attempts, due_at, may_have_run, paid_at)
     SELECT invoice_id, order_id, 'pending', 0, $2, true, paid_at FROM ${p}paid WHERE invoice_id = $1
     ON CONFLICT (invoice_id) DO UPDATE SET
       state = CASE WHEN d.state = 'running' THEN 'running' ELSE 'pending' END,
       due_at = CASE WHEN d.state = 'running' THEN d.due_at ELSE excluded.due_at END,
       requeued_at = CASE WHEN d.state = 'running' THEN excluded.due_at ELSE NULL END,
       done_at = NULL,
       may_have_run = true`,
    [invoiceId, now],
  );
  return rowCount === 1;
}

export async function scheduleCheck(db: Queryable, p: string, invoiceId: string, at: number | undefined): Promise<void> {
  await db.query(`UPDATE ${p}invoices SET next_check_at = $2 WHERE invoice_id = $1`, [invoiceId, at === undefined ? null : Math.floor(at)]);
}

export async function claimDueChecks(db: Queryable, p: string, now: number, nextAt: number, limit: number): Promise<InvoiceRecord[]> {
  const { rows } = await db.query<{ record: string; superseded_at: string | null; paid: boolean; was: string; invoice_id: string }>(
    `WITH due AS (
       SELECT i.invoice_id, i.next_check_at AS was, EXISTS (SELECT 1 FROM ${p}paid pd WHERE pd.invoice_id = i.invoice_id) AS paid
       FROM ${p}invoices i WHERE i.next_check_at <= $1
       ORDER BY i.next_check_at, i.invoice_id LIMIT $3 FOR UPDATE OF i SKIP LOCKED
     )
     UPDATE ${p}invoices i SET next_check_at = CASE WHEN due.paid THEN NULL ELSE $2::bigint END
     FROM due WHERE i.invoice_id = due.invoice_id
     RETURNING i.invoice_id, i.record, i.superseded_at, due.paid, due.was`,
    [now, nextAt, Math.max(0, Math.floor(limit))],
  );
  return rows
    .filter((row) => !row.paid)
    .sort((a, b) => Number(a.was) - Number(b.was) || (a.invoice_id < b.invoice_id ? -1 : 1))
    .map((row) => {
      const record = JSON.parse(row.record) as InvoiceRecord;
      return row.superseded_at === null ? record : { ...record, supersededAt: Number(row.superseded_at) };
    });
}

/** The marker, written first when missing; the INSERT waits for a concurrent one, so the SELECT then sees it. */
export async function marker(db: Queryable, p: string, candidate: string): Promise<string> {
  await db.query(`INSERT INTO ${p}meta (name, value) VALUES ('marker', $1) ON CONFLICT (name) DO NOTHING`, [candidate]);
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM ${p}meta WHERE name = 'marker'`);
  if (!rows[0]) throw new Error('the marker row vanished right after it was written (are the tables being dropped?)');
  return rows[0].value;
}
