// Where RedisStore keeps things, so that it works the same on one Redis and on a Redis Cluster. The store's data is
// split into PARTITIONS partitions, each a hash tag (`{qpay:7}`): every key of a partition is in one hash slot, so a
// Lua script that touches several keys of one partition never spans slots. An order's partition is a hash of its
// id; its invoices, their references, payments and deliveries live there too, which keeps each decision (the open
// invoice, the first payment, a delivery's claim) one script. Each partition has its own outbox sets (`due`,
// `deliveries`, `delivered`, `checks`) and data-loss marker. Lookups by invoice id or reference go through an index
// key (`where:<id>`, `refwhere:<reference>`, in the partition of the id's own hash) that names the partition.
// Locks, cached statuses and pub/sub channels are single keys: no tag. A single Redis simply has every slot.
import { createHash, randomInt } from 'node:crypto';

/**
 * Fixed for good: changing it moves orders to other partitions (their data would look lost). 16 spreads the load
 * over up to 16 masters and keeps the per-call fan-out (claims, listing, the marker) at 16 small commands.
 */
export const PARTITIONS = 16;

/** 0..PARTITIONS-1 from the id's SHA-1 (any string; stable across processes and versions). */
export function partitionOf(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % PARTITIONS;
}

export const ALL_PARTITIONS: readonly number[] = Array.from({ length: PARTITIONS }, (_, p) => p);

export class KeyLayout {
  readonly #prefix: string;
  readonly #clientKeyPrefix: string;

  /** `clientKeyPrefix`: what the ioredis client itself puts before every key (its `keyPrefix` option). */
  constructor(prefix: string, clientKeyPrefix: string) {
    if (/[{}]/.test(prefix)) throw new TypeError(`RedisStore: prefix must not contain { or } (got ${JSON.stringify(prefix)}): the store puts it in hash tags`);
    this.#prefix = prefix;
    this.#clientKeyPrefix = clientKeyPrefix;
  }

  /** A key of partition `p`: `{<prefix><p>}<type><id>`. */
  key(p: number, type: string, id = ''): string {
    return `{${this.#prefix}${p}}${type}${id}`;
  }

  /** What a script of partition `p` puts before the keys it builds itself (the client's keyPrefix included). */
  scriptPrefix(p: number): string {
    return `${this.#clientKeyPrefix}{${this.#prefix}${p}}`;
  }

  /** A key outside the partitions (locks, cached statuses, channels). */
  plain(type: string, id: string): string {
    return `${this.#prefix}${type}${id}`;
  }

  /** The index key that names the partition of `invoiceId`. */
  invoiceIndex(invoiceId: string): string {
    return this.key(partitionOf(invoiceId), 'where:', invoiceId);
  }

  /** The index key that names the partition of the invoice with `reference`. */
  referenceIndex(reference: string): string {
    return this.key(partitionOf(reference), 'refwhere:', reference);
  }
}

/** A bounded map of invoice id -> partition (the mapping never changes: it is the hash of the invoice's order id). */
export class PartitionCache {
  readonly #entries = new Map<string, number>();
  constructor(private readonly max = 50_000) {}

  get(invoiceId: string): number | undefined {
    return this.#entries.get(invoiceId);
  }

  set(invoiceId: string, partition: number): void {
    if (this.#entries.size >= this.max && !this.#entries.has(invoiceId)) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(invoiceId, partition);
  }
}

/** Reads an index key's value as a partition; anything else (missing, garbage) is no partition. */
export function readPartition(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const partition = Number(value);
  return partition < PARTITIONS ? partition : undefined;
}

export interface Due {
  id: string;
  score: number;
}
export interface Claimed<T> extends Due {
  value: T;
}

const earlier = (a: Due, b: Due) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Claims up to `limit` due entries across the partitions, oldest first as if they were one set. `peek` reads a
 * partition's earliest due entries (no change); `claim` takes up to n of them atomically in one partition. First
 * the globally earliest `limit` are planned and claimed per partition, in parallel; when another process took some
 * meanwhile, the partitions that had due entries are tried in turn from a random one (so processes spread out).
 */
export async function claimAcrossPartitions<T>(
  limit: number,
  peek: (p: number, n: number) => Promise<Due[]>,
  claim: (p: number, n: number) => Promise<Claimed<T>[]>,
): Promise<T[]> {
  const wanted = Math.max(0, Math.floor(limit));
  if (wanted === 0) return [];
  const peeked = await Promise.all(ALL_PARTITIONS.map(async (p) => (await peek(p, wanted)).map((due) => ({ ...due, p }))));
  const plan = new Map<number, number>();
  for (const due of peeked.flat().sort(earlier).slice(0, wanted)) plan.set(due.p, (plan.get(due.p) ?? 0) + 1);
  const got = (await Promise.all([...plan].map(([p, n]) => claim(p, n)))).flat();
  const withDue = ALL_PARTITIONS.filter((p) => peeked[p]!.length > 0);
  const start = randomInt(Math.max(1, withDue.length));
  for (let i = 0; i < withDue.length && got.length < wanted; i++) {
    got.push(...(await claim(withDue[(start + i) % withDue.length]!, wanted - got.length)));
  }
  return got.sort(earlier).map((entry) => entry.value);
}

/** The earliest `n` entries of a sorted set due at `now`, from ZRANGEBYSCORE … WITHSCORES (id, score, id, score…). */
export function readDue(flat: string[]): Due[] {
  const due: Due[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) due.push({ id: flat[i]!, score: Number(flat[i + 1]) });
  return due;
}

/** One marker for the whole store from the partitions' own: a wipe of any partition (any master) changes it. */
export function combineMarkers(markers: string[]): string {
  return createHash('sha256').update(markers.join('\n')).digest('hex').slice(0, 32);
}
