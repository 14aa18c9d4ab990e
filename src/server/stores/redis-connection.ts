// RedisStore's connections: a shop's own client (`Redis` or `Cluster`), or one the store opens from a URL, from
// options for a single node, or from `{ cluster: [{ host, port }, …] }`. Both kinds speak the same commands, so the
// store has one code path (see ./redis-layout.ts for why every script stays in one hash slot).
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { warnWithoutPersistence, type StoreLogger } from './redis-persistence.js';
import type { Script } from './redis-scripts.js';

export type RedisClient = Redis | Cluster;

/** A Redis Cluster the store connects to itself: its startup nodes, and ioredis Cluster options if needed. */
export interface RedisClusterConnection {
  cluster: ClusterNode[];
  clusterOptions?: ClusterOptions;
}

/** What `new RedisStore(…)` takes: a client to share, a `redis://` URL, single-node options, or a cluster's nodes. */
export type RedisConnection = Redis | Cluster | string | RedisOptions | RedisClusterConnection;

/** Redis connection options the store uses when it creates the connection: fail fast instead of queueing forever. */
export const CREATED_CLIENT_DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  retryStrategy: (times) => Math.min(times * 100, 2000),
};

const CREATED_CLUSTER_DEFAULTS: ClusterOptions = {
  redisOptions: CREATED_CLIENT_DEFAULTS,
  clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
};

const isClient = (value: unknown): value is RedisClient =>
  typeof value === 'object' && value !== null && typeof (value as Redis).evalsha === 'function' && typeof (value as Redis).duplicate === 'function';

export const isCluster = (client: RedisClient): client is Cluster => (client as Cluster).isCluster === true;

/** The client to use and whether the store opened it (and so closes it). */
export function openClient(connection: RedisConnection): { client: RedisClient; owned: boolean } {
  if (isClient(connection)) return { client: connection, owned: false };
  if (typeof connection === 'string') return { client: new Redis(connection, CREATED_CLIENT_DEFAULTS), owned: true };
  if (typeof connection === 'object' && connection !== null && 'cluster' in connection) {
    if (!Array.isArray(connection.cluster) || connection.cluster.length === 0) {
      throw new TypeError('RedisStore: cluster must be a non-empty array of startup nodes ({ host, port })');
    }
    return { client: new Cluster(connection.cluster, { ...CREATED_CLUSTER_DEFAULTS, ...connection.clusterOptions }), owned: true };
  }
  return { client: new Redis({ ...CREATED_CLIENT_DEFAULTS, ...connection }), owned: true };
}

/** What the client itself puts before every key. */
export function clientKeyPrefix(client: RedisClient): string {
  return (isCluster(client) ? client.options?.keyPrefix : client.options?.keyPrefix) ?? '';
}

/**
 * A second connection for subscriptions. On a cluster, ioredis subscribes through one node; Redis Cluster forwards
 * every PUBLISH to every node (classic pub/sub is cluster-wide), so it hears what any process publishes anywhere.
 */
export function duplicateForSubscriptions(client: RedisClient): RedisClient {
  return isCluster(client) ? client.duplicate() : client.duplicate(CREATED_CLIENT_DEFAULTS);
}

/** The persistence check on the server, or on every master of a cluster (each keeps its own share of the data). */
export async function checkPersistence(client: RedisClient, logger: StoreLogger): Promise<void> {
  if (!isCluster(client)) {
    await warnWithoutPersistence(client, logger);
    return;
  }
  let warned = false;
  const once: StoreLogger = {
    warn: (message) => {
      if (warned) return;
      warned = true;
      logger.warn(`${message} (on a Redis Cluster, every master needs it: a master that restarts empty loses its share)`);
    },
  };
  // The cluster may still be discovering its nodes at first use.
  for (let tries = 0; tries < 20 && client.nodes('master').length === 0; tries++) await new Promise((done) => setTimeout(done, 100));
  await Promise.all(client.nodes('master').map((node) => warnWithoutPersistence(node, once)));
}

/** EVALSHA, loading the script with EVAL when the server does not know it (first use, or after a restart). */
export async function runScript(client: RedisClient, { source, sha }: Script, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(source, keys.length, ...keys, ...args);
  }
}
