// RedisStore's subscriptions: one extra connection per store (`duplicate()` of its client, opened on the first
// subscribe), shared by every channel, with the store's listeners per channel key. Messages published while that
// connection is down are lost (pub/sub is a wake-up signal; the status route stays the source of truth).
import type { StoreListener } from './store.js';
import { duplicateForSubscriptions, type RedisClient } from './redis-connection.js';

export class RedisChannels {
  #subscriber: RedisClient | undefined;
  readonly #listeners = new Map<string, Set<StoreListener>>();

  /** `watch` routes the new connection's errors; `call` runs a command the way the store runs all of them. */
  constructor(
    private readonly client: RedisClient,
    private readonly watch: (connection: RedisClient) => void,
    private readonly call: <T>(operation: string, work: () => Promise<T>) => Promise<T>,
  ) {}

  /** Resolves once Redis confirmed the subscription, so a message published after that reaches the listener. */
  async subscribe(key: string, listener: StoreListener): Promise<() => Promise<void>> {
    const subscriber = this.#ensureSubscriber();
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    try {
      await this.call('subscribe', () => subscriber.subscribe(key));
    } catch (error) {
      this.#removeListener(key, listener);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      if (this.#removeListener(key, listener) && subscriber.status !== 'end') {
        await this.call('unsubscribe', () => subscriber.unsubscribe(key));
      }
    };
  }

  /** Forgets every listener; returns the subscriber connection (if any) for the store to end. */
  close(): RedisClient | undefined {
    this.#listeners.clear();
    return this.#subscriber;
  }

  #ensureSubscriber(): RedisClient {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = duplicateForSubscriptions(this.client);
    this.watch(subscriber);
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
}
