// RedisStore's Lua scripts: one per decision, so each is atomic across processes. KEYS and ARGV as documented above
// each; numbers cross as decimal strings. Scripts also build keys from the prefix (ARGV) for records whose names they
// only learn inside the script (an order's previous invoice, a delivery taken from the due set).
//
// Redis Cluster: every script touches one hash slot only. KEYS are a partition's keys (`{<prefix><n>}…`, see
// ./redis-layout.ts) and the prefix in ARGV is that partition's, so the keys a script builds itself (an order's
// previous invoice, a delivery taken from the due set) are in the same slot: an order, its invoices, their payments
// and deliveries all live in the order's partition, and each partition has its own `due`, `deliveries`, `delivered`,
// `checks` and `marker`. The index keys (invoice id or reference -> partition) are single-key writes.
//
// A delivery lives in its invoice's `paid:` hash: state, attempts, dueAt, leaseUntil, token, lastError, mayHaveRun,
// doneAt, requeuedAt (a redeliver during a run). `due` (sorted set) holds pending deliveries at dueAt and running
// ones at leaseUntil; `deliveries` holds every delivery not done (at paidAt), `delivered` the done ones (at paidAt,
// trimmed of expired records as new ones arrive); `checks` is the sweeper's schedule.
import { createHash } from 'node:crypto';

/** Lua: the first payment of the order (KEYS 1-3 and ARGV 1-5 as in MARK_PAID); writes the paid hash, returns orderPaidBy. */
const WRITE_FIRST_PAYMENT = `
local function writeFirstPayment()
  local first = redis.call('GET', KEYS[2])
  if not first then
    first = ARGV[1]
    redis.call('SET', KEYS[2], first)
  end
  redis.call('HSET', KEYS[1], 'json', ARGV[2], 'orderPaidBy', first, 'paidAt', ARGV[3], 'orderId', ARGV[4])
  local ref = redis.call('HGET', KEYS[3], 'ref')
  redis.call('PERSIST', KEYS[3])
  if ref then redis.call('PERSIST', ARGV[5] .. 'ref:' .. ref) end
  return first
end
`;

/**
 * Lua: gives a settled payment (onPaid done) its end of life: retentionMs after the later of the payment, the
 * invoice's expiry and now, for the paid hash, the invoice, its reference, the order's first-payer key (when it
 * names this invoice) and the old onPaid claim key.
 */
const KEEP_SETTLED_UNTIL = `
local function keepSettled(paidKey, invKey, prefix, invoiceId, retentionMs, now)
  local paid = redis.call('HMGET', paidKey, 'paidAt', 'orderId')
  local inv = redis.call('HMGET', invKey, 'expiresAt', 'ref')
  local keepUntil = string.format('%.0f', math.max(tonumber(paid[1] or '0'), tonumber(inv[1] or '0'), tonumber(now)) + tonumber(retentionMs))
  redis.call('PEXPIREAT', paidKey, keepUntil)
  redis.call('PEXPIREAT', invKey, keepUntil)
  if inv[2] then redis.call('PEXPIREAT', prefix .. 'ref:' .. inv[2], keepUntil) end
  if paid[2] then
    local orderKey = prefix .. 'orderpaid:' .. paid[2]
    if redis.call('GET', orderKey) == invoiceId then redis.call('PEXPIREAT', orderKey, keepUntil) end
  end
  return { keepUntil, inv[2] or '' }
end
`;

/** Lua: a paid invoice that is not settled any more (redelivered) keeps its records without an end. */
const KEEP_FOREVER = `
local function keepForever(paidKey, invKey, prefix, invoiceId, orderId)
  redis.call('PERSIST', paidKey)
  redis.call('PERSIST', invKey)
  local ref = redis.call('HGET', invKey, 'ref')
  if ref then redis.call('PERSIST', prefix .. 'ref:' .. ref) end
  if orderId then
    local orderKey = prefix .. 'orderpaid:' .. orderId
    if redis.call('GET', orderKey) == invoiceId then redis.call('PERSIST', orderKey) end
  end
end
`;

/** Lua: adds a pending delivery to the paid hash and the due and open sets. */
const ADD_DELIVERY = `
local function addDelivery(paidKey, dueKey, openKey, invoiceId, dueAt, paidAt, mayHaveRun)
  redis.call('HSET', paidKey, 'state', 'pending', 'attempts', '0', 'dueAt', dueAt, 'mayHaveRun', mayHaveRun)
  redis.call('ZADD', dueKey, dueAt, invoiceId)
  redis.call('ZADD', openKey, paidAt, invoiceId)
end
`;

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
const MARK_PAID = `${WRITE_FIRST_PAYMENT}
local known = redis.call('HMGET', KEYS[1], 'json', 'orderPaidBy')
if known[1] then return known end
return { ARGV[2], writeFirstPayment() }`;

/**
 * KEYS: paid, orderpaid, inv, due, deliveries. ARGV: invoiceId, json, paidAt, orderId, prefix, mayHaveRun ('1'|'0').
 * Returns { json, orderPaidBy }. A payment from markPaid without a delivery gets one.
 */
const RECORD_PAYMENT = `${WRITE_FIRST_PAYMENT}${ADD_DELIVERY}
local known = redis.call('HMGET', KEYS[1], 'json', 'orderPaidBy', 'state', 'paidAt')
if known[1] then
  if not known[3] then addDelivery(KEYS[1], KEYS[4], KEYS[5], ARGV[1], known[4], known[4], ARGV[6]) end
  return { known[1], known[2] }
end
local first = writeFirstPayment()
addDelivery(KEYS[1], KEYS[4], KEYS[5], ARGV[1], ARGV[3], ARGV[3], ARGV[6])
return { ARGV[2], first }`;

/**
 * KEYS: due. ARGV: now, leaseMs, limit, prefix, tokenBase. Returns one { invoiceId, token, attempt, redelivery
 * ('1'|'0'), json, orderPaidBy, due score } per claimed delivery, oldest due first.
 */
const CLAIM_DELIVERIES = `
local leaseUntil = string.format('%.0f', tonumber(ARGV[1]) + tonumber(ARGV[2]))
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for i = 1, #due, 2 do
  local id = due[i]
  local key = ARGV[4] .. 'paid:' .. id
  local d = redis.call('HMGET', key, 'state', 'attempts', 'mayHaveRun', 'json', 'orderPaidBy')
  if d[4] and (d[1] == 'pending' or d[1] == 'running') then
    local attempt = string.format('%.0f', tonumber(d[2] or '0') + 1)
    local again = (d[3] == '1' or d[1] == 'running') and '1' or '0'
    local token = ARGV[5] .. '.' .. i
    redis.call('HSET', key, 'state', 'running', 'attempts', attempt, 'leaseUntil', leaseUntil, 'token', token, 'mayHaveRun', again)
    redis.call('HDEL', key, 'requeuedAt')
    redis.call('ZADD', KEYS[1], leaseUntil, id)
    claimed[#claimed + 1] = { id, token, attempt, again, d[4], d[5], due[i + 1] }
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed`;

/**
 * KEYS: paid, due, deliveries, delivered, inv. ARGV: token, outcome (done|pending|failed), at (doneAt or retryAt),
 * error, timedOut ('1'|'0'), retentionMs, prefix, invoiceId, now. Returns 0 when the token does not hold it, else
 * 1, or { keepUntil, reference } when the payment is settled (done).
 */
const FINISH_DELIVERY = `${KEEP_SETTLED_UNTIL}
local d = redis.call('HMGET', KEYS[1], 'state', 'token', 'requeuedAt', 'paidAt')
if not d[2] or d[2] ~= ARGV[1] then return 0 end
if d[1] ~= 'running' then return 1 end
local id = ARGV[8]
redis.call('HDEL', KEYS[1], 'leaseUntil', 'requeuedAt')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'lastError', ARGV[4]) end
if d[3] then
  local due = d[3]
  if ARGV[2] == 'pending' and tonumber(ARGV[3]) < tonumber(due) then due = ARGV[3] end
  redis.call('HSET', KEYS[1], 'state', 'pending', 'dueAt', due, 'mayHaveRun', '1')
  redis.call('ZADD', KEYS[2], due, id)
  return 1
end
if ARGV[2] == 'pending' then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'dueAt', ARGV[3])
  if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'mayHaveRun', '1') end
  redis.call('ZADD', KEYS[2], ARGV[3], id)
  return 1
end
redis.call('ZREM', KEYS[2], id)
if ARGV[2] == 'failed' then
  redis.call('HSET', KEYS[1], 'state', 'failed')
  return 1
end
redis.call('HSET', KEYS[1], 'state', 'done', 'doneAt', ARGV[3])
redis.call('ZREM', KEYS[3], id)
redis.call('ZADD', KEYS[4], d[4], id)
local kept = keepSettled(KEYS[1], KEYS[5], ARGV[7], id, ARGV[6], ARGV[9])
-- The oldest done entries whose records retention already dropped leave the index, a few per finish.
for _, old in ipairs(redis.call('ZRANGE', KEYS[4], 0, 19)) do
  if redis.call('EXISTS', ARGV[7] .. 'paid:' .. old) == 0 then redis.call('ZREM', KEYS[4], old) end
end
return kept`;

/** KEYS: paid, due, deliveries, delivered, inv. ARGV: now, prefix, invoiceId. Returns 0 when nothing was paid. */
const REDELIVER = `${KEEP_FOREVER}
local d = redis.call('HMGET', KEYS[1], 'json', 'state', 'paidAt', 'orderId')
if not d[1] then return 0 end
redis.call('HSET', KEYS[1], 'mayHaveRun', '1')
if d[2] == 'running' then
  redis.call('HSET', KEYS[1], 'requeuedAt', ARGV[1])
  return 1
end
redis.call('HSETNX', KEYS[1], 'attempts', '0')
redis.call('HSET', KEYS[1], 'state', 'pending', 'dueAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'doneAt')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], d[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
keepForever(KEYS[1], KEYS[5], ARGV[2], ARGV[3], d[4])
return 1`;

/**
 * KEYS: checks. ARGV: now, leaseMs, limit, prefix. Returns { json, supersededAt or '', invoiceId, due score } per due
 * open invoice, earliest first; drops the entries of paid and unknown invoices.
 */
const CLAIM_DUE_CHECKS = `
local nextAt = string.format('%.0f', tonumber(ARGV[1]) + tonumber(ARGV[2]))
local taken = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #due, 2 do
  local id = due[i]
  local inv = redis.call('HMGET', ARGV[4] .. 'inv:' .. id, 'json', 'supersededAt')
  if not inv[1] or redis.call('EXISTS', ARGV[4] .. 'paid:' .. id) == 1 then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], nextAt, id)
    taken[#taken + 1] = { inv[1], inv[2] or '', id, due[i + 1] }
  end
end
return taken`;

/** KEYS: marker. ARGV: a new random marker, written when there is none. Returns the marker. */
const MARKER = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/**
 * KEYS: an index key (invoice id or reference -> partition). ARGV: partition, mode, keepUntil, now. Modes: `open`
 * only ever lengthens its life to keepUntil (a key without an end keeps none), `keep` removes its end (a payment
 * whose records never expire), `settle` sets it to keepUntil (the records' own end). Written before the records it
 * points at, so a record is never unreachable; a dangling index just reads as not found.
 */
const INDEX = `
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
if ARGV[2] == 'keep' then
  redis.call('PERSIST', KEYS[1])
elseif ARGV[2] == 'settle' or ttl == -2 or (ttl >= 0 and tonumber(ARGV[4]) + ttl < tonumber(ARGV[3])) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return 1`;

/** KEYS: lock. ARGV: token. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
export const SCRIPTS = {
  openInvoice: script(OPEN_INVOICE),
  markPaid: script(MARK_PAID),
  recordPayment: script(RECORD_PAYMENT),
  claimDeliveries: script(CLAIM_DELIVERIES),
  finishDelivery: script(FINISH_DELIVERY),
  redeliver: script(REDELIVER),
  claimDueChecks: script(CLAIM_DUE_CHECKS),
  marker: script(MARKER),
  releaseLock: script(RELEASE_LOCK),
  index: script(INDEX),
};
