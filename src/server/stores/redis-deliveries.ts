// Reading RedisStore's outbox: a delivery's fields in its `paid:` hash, and listing them through the sorted sets
// that index them by payment time (`deliveries`: not done; `delivered`: done). Writes are the scripts in
// ./redis-scripts.ts.
import type { RedisClient } from './redis-connection.js';
import type { DeliveryClaim, DeliveryRecord, DeliveryState, PaidRecord } from './store.js';
import type { Claimed } from './redis-layout.js';

export const DELIVERY_FIELDS = ['state', 'attempts', 'dueAt', 'leaseUntil', 'lastError', 'mayHaveRun', 'paidAt', 'doneAt', 'orderId'] as const;

const STATES: readonly string[] = ['pending', 'running', 'done', 'failed'];

/** The delivery from HMGET of DELIVERY_FIELDS; undefined when the payment has none (or there is no payment). */
export function readDelivery(invoiceId: string, values: (string | null)[]): DeliveryRecord | undefined {
  const [state, attempts, dueAt, leaseUntil, lastError, mayHaveRun, paidAt, doneAt, orderId] = values;
  if (state == null || !STATES.includes(state)) return undefined;
  const record: DeliveryRecord = {
    invoiceId,
    orderId: orderId ?? '',
    state: state as DeliveryState,
    attempts: Number(attempts ?? 0),
    dueAt: Number(dueAt ?? 0),
    mayHaveRun: mayHaveRun === '1',
    paidAt: Number(paidAt ?? 0),
  };
  if (state === 'running' && leaseUntil != null) record.leaseUntil = Number(leaseUntil);
  if (lastError != null) record.lastError = lastError;
  if (state === 'done' && doneAt != null) record.doneAt = Number(doneAt);
  return record;
}

const BATCH = 200;

/**
 * Walks `index` (oldest payment first) in batches, reading each delivery, until `limit` of them are in `state`
 * (undefined: any state but done). Entries whose record is gone (retention) are skipped.
 */
export async function listDeliveriesIn(
  client: RedisClient,
  index: string,
  paidKey: (invoiceId: string) => string,
  state: DeliveryState | undefined,
  limit: number,
): Promise<DeliveryRecord[]> {
  const found: DeliveryRecord[] = [];
  const wanted = Math.max(0, Math.floor(limit));
  for (let offset = 0; found.length < wanted; offset += BATCH) {
    const ids = await client.zrange(index, offset, offset + BATCH - 1);
    if (ids.length === 0) break;
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.hmget(paidKey(id), ...DELIVERY_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, id] of ids.entries()) {
      const [error, values] = replies[i] ?? [];
      if (error) throw error;
      const record = readDelivery(id, values as (string | null)[]);
      if (record && (state === undefined ? record.state !== 'done' : record.state === state)) found.push(record);
      if (found.length >= wanted) break;
    }
  }
  return found;
}

/** The partitions' lists merged: oldest payment first, ties by invoice id, at most `limit`. */
export function mergeByPayment(lists: DeliveryRecord[][], limit: number): DeliveryRecord[] {
  const byPayment = (a: DeliveryRecord, b: DeliveryRecord) => a.paidAt - b.paidAt || (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0);
  return lists.flat().sort(byPayment).slice(0, limit);
}

/** One row of the claimDeliveries script ({ invoiceId, token, attempt, redelivery, json, orderPaidBy, due score }). */
export function readClaim([id, token, attempt, again, json, orderPaidBy, score]: string[], leaseUntil: number): Claimed<DeliveryClaim> {
  const paid = { ...(JSON.parse(json!) as Omit<PaidRecord, 'orderPaidBy'>), orderPaidBy: orderPaidBy! };
  return { id: id!, score: Number(score), value: { token: token!, attempt: Number(attempt), redelivery: again === '1', leaseUntil, paid } };
}
