// The PostgresStore schema, shipped in the package as this SQL text (the source of truth: read it here, or print it
// with `console.log(postgresSchemaSql())` to review or apply it with your own migration tool). `PostgresStore.migrate()`
// runs it under an advisory lock, so every instance can run it on every start. Every statement is IF NOT EXISTS.
//
// Times are epoch milliseconds in bigint columns. Ids and records are text, exactly as the handler gave them
// (PostgreSQL text cannot hold the NUL character; an id with one is rejected with a clear error).

/** Table names start with this unless `tablePrefix` says otherwise. */
export const DEFAULT_TABLE_PREFIX = 'qpay_';

/** A prefix is pasted into identifiers, so it is restricted to what needs no quoting (and leaves room in 63 bytes). */
export const TABLE_PREFIX_PATTERN = /^[a-z_][a-z0-9_]{0,29}$/;

/** The schema for one table prefix (default `qpay_`). */
export function postgresSchemaSql(prefix: string = DEFAULT_TABLE_PREFIX): string {
  if (!TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`PostgresStore: tablePrefix must match ${TABLE_PREFIX_PATTERN} (got ${JSON.stringify(prefix)})`);
  }
  const p = prefix;
  return `
-- Invoices: one row per provider invoice; superseded_at is set when a newer invoice of the order replaced it.
CREATE TABLE IF NOT EXISTS ${p}invoices (
  invoice_id    text PRIMARY KEY,
  order_id      text NOT NULL,
  reference     text NOT NULL,
  record        text NOT NULL,
  expires_at    bigint NOT NULL,
  created_at    bigint NOT NULL,
  opened_at     bigint NOT NULL,
  superseded_at bigint
);
-- One open invoice per order, enforced by the database.
CREATE UNIQUE INDEX IF NOT EXISTS ${p}invoices_open_per_order ON ${p}invoices (order_id) WHERE superseded_at IS NULL;
CREATE INDEX IF NOT EXISTS ${p}invoices_reference ON ${p}invoices (reference);
CREATE INDEX IF NOT EXISTS ${p}invoices_expires_at ON ${p}invoices (expires_at);

-- Confirmed payments: the first record per invoice wins; order_paid_by is the order's first paid invoice.
CREATE TABLE IF NOT EXISTS ${p}paid (
  invoice_id    text PRIMARY KEY,
  order_id      text NOT NULL,
  record        text NOT NULL,
  paid_at       bigint NOT NULL,
  order_paid_by text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${p}order_paid (
  order_id   text PRIMARY KEY,
  invoice_id text NOT NULL
);

-- Who runs onPaid: a claim holds token until lease_until; a failed run waits until retry_at; done is final.
CREATE TABLE IF NOT EXISTS ${p}on_paid (
  invoice_id  text PRIMARY KEY,
  done        boolean NOT NULL DEFAULT false,
  token       text,
  lease_until bigint NOT NULL DEFAULT 0,
  retry_at    bigint NOT NULL DEFAULT 0,
  attempt     integer NOT NULL DEFAULT 0
);

-- The outbox: one row per paid invoice, its onPaid delivery. A pending one is due at due_at, a running one is held by
-- token until lease_until (then due again), done and failed are final until redelivered. requeued_at: a redeliver
-- during a run (its finish leaves the row pending).
CREATE TABLE IF NOT EXISTS ${p}deliveries (
  invoice_id   text PRIMARY KEY,
  order_id     text NOT NULL,
  state        text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  due_at       bigint NOT NULL,
  lease_until  bigint,
  token        text,
  last_error   text,
  may_have_run boolean NOT NULL DEFAULT false,
  requeued_at  bigint,
  paid_at      bigint NOT NULL,
  done_at      bigint
);
-- Due claims: the time a row may be claimed (due_at, or lease_until while running), the same expression the claim uses.
CREATE INDEX IF NOT EXISTS ${p}deliveries_claimable ON ${p}deliveries ((CASE WHEN state = 'running' THEN lease_until ELSE due_at END))
  WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS ${p}deliveries_by_state ON ${p}deliveries (state, paid_at, invoice_id);

-- The sweeper's schedule: when the provider should next be asked about an open invoice (added in the outbox upgrade).
ALTER TABLE ${p}invoices ADD COLUMN IF NOT EXISTS next_check_at bigint;
CREATE INDEX IF NOT EXISTS ${p}invoices_next_check ON ${p}invoices (next_check_at) WHERE next_check_at IS NOT NULL;

-- Store-wide values; 'marker' is written once at first use, so a new value means the data it was kept with is gone.
CREATE TABLE IF NOT EXISTS ${p}meta (
  name  text PRIMARY KEY,
  value text NOT NULL
);

-- Short-lived rows: losing them in a crash is harmless, so they skip the write-ahead log.
CREATE UNLOGGED TABLE IF NOT EXISTS ${p}locks (
  name       text PRIMARY KEY,
  token      text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE UNLOGGED TABLE IF NOT EXISTS ${p}status_cache (
  invoice_id text PRIMARY KEY,
  entry      text NOT NULL,
  expires_at bigint NOT NULL
);
`;
}
