// PostgresStore's pub/sub: LISTEN/NOTIFY on the store's one channel (`${tablePrefix}events`), the payload carrying
// the logical channel. One dedicated connection per store (opened on the first subscribe, reopened with back-off
// after it drops while someone listens), shared by every logical channel. Messages sent while that connection is
// down are lost (pub/sub is a wake-up signal; the status route stays the source of truth).
import pg from 'pg';
import type { StoreListener } from './store.js';
import { StoreError } from './store-error.js';

const STORE = 'PostgresStore';
/** NOTIFY refuses payloads of 8000 bytes or more. */
const NOTIFY_LIMIT_BYTES = 7999;

export interface PostgresChannelsOptions {
  pool: pg.Pool;
  /** The one NOTIFY channel every logical channel travels on. */
  channel: string;
  timeoutMs: number;
  /** Hears errors of the listening connection. */
  onError: (error: Error) => void;
  /** Runs a call the way the store runs all of them (closed check, timeout, StoreError). */
  call: <T>(operation: string, work: () => Promise<T>) => Promise<T>;
}

export class PostgresChannels {
  readonly #options: PostgresChannelsOptions;
  readonly #listeners = new Map<string, Set<StoreListener>>();
  #listener: Promise<pg.Client> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectDelay = 250;
  #closed = false;

  constructor(options: PostgresChannelsOptions) {
    this.#options = options;
  }

  /** NOTIFY on the store's one channel; the payload carries the logical channel. Payloads are limited to 7999 bytes. */
  async publish(channel: string, message: string): Promise<void> {
    const payload = JSON.stringify([channel, String(message)]);
    const bytes = Buffer.byteLength(payload);
    if (bytes > NOTIFY_LIMIT_BYTES) {
      throw new StoreError(
        STORE,
        'publish',
        `the message is too large for PostgreSQL NOTIFY: ${bytes} bytes with its channel name, the limit is ${NOTIFY_LIMIT_BYTES}; publish an id and read the rest from the store`,
      );
    }
    const { pool, channel: notifyChannel } = this.#options;
    await this.#options.call('publish', () => pool.query('SELECT pg_notify($1, $2)', [notifyChannel, payload]));
  }

  /** Resolves once LISTEN is in place on the dedicated connection. */
  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    if (this.#closed) throw new StoreError(STORE, 'subscribe', 'the store is closed');
    let set = this.#listeners.get(channel);
    if (!set) this.#listeners.set(channel, (set = new Set()));
    set.add(listener);
    try {
      await this.#options.call('subscribe', () => this.#ensureListener());
    } catch (error) {
      this.#removeListener(channel, listener);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      this.#removeListener(channel, listener);
    };
  }

  /** Forgets every listener and stops reconnecting at once; the returned promise settles when the connection ended. */
  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#listeners.clear();
    const listener = this.#listener;
    this.#listener = undefined;
    return listener ? listener.then((client) => client.end()).catch(() => undefined) : Promise.resolve();
  }

  /** The LISTEN connection, opened once and reopened (with back-off) when it drops while someone listens. */
  #ensureListener(): Promise<pg.Client> {
    if (this.#listener) return this.#listener;
    const { pool, channel, timeoutMs, onError } = this.#options;
    const client = new pg.Client({ ...(pool.options as pg.ClientConfig), connectionTimeoutMillis: timeoutMs });
    const ready = (async () => {
      client.on('notification', (notification) => this.#dispatch(notification.payload));
      client.on('error', (error) => {
        if (!this.#closed) onError(error);
      });
      client.on('end', () => this.#listenerLost(ready));
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      this.#reconnectDelay = 250;
      return client;
    })();
    ready.catch(() => {
      client.end().catch(() => undefined);
      this.#listenerLost(ready);
    });
    this.#listener = ready;
    return ready;
  }

  #listenerLost(lost: Promise<pg.Client>): void {
    if (this.#listener !== lost) return;
    this.#listener = undefined;
    if (this.#closed || this.#listeners.size === 0 || this.#reconnectTimer) return;
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(delay * 2, 5000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closed && this.#listeners.size > 0) this.#ensureListener().catch(() => undefined);
    }, delay);
    this.#reconnectTimer.unref?.();
  }

  #dispatch(payload: string | undefined): void {
    let channel: unknown;
    let message: unknown;
    try {
      [channel, message] = JSON.parse(payload ?? '') as [unknown, unknown];
    } catch {
      return; // Not ours (someone else's NOTIFY on the channel).
    }
    if (typeof channel !== 'string' || typeof message !== 'string') return;
    for (const listener of [...(this.#listeners.get(channel) ?? [])]) {
      try {
        listener(message);
      } catch {
        // One listener's failure is its own; the others still hear the message.
      }
    }
  }

  #removeListener(channel: string, listener: StoreListener): void {
    const set = this.#listeners.get(channel);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.#listeners.delete(channel);
  }
}
