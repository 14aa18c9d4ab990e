// Where the demo shop keeps its checkout state: the in-memory default (nothing to install), or a real store when
// STORE_URL names one (`redis://…` or `postgres://…`), as a shop running several instances would. Each provider
// gets its own key or table prefix, since the demo's order ids are the same for QPay and TBank carts.
import type { CheckoutStore } from '../src/server/index.js';

export interface DemoStores {
  /** The store for `provider`, or undefined for the handler's default MemoryStore. */
  forProvider(provider: 'qpay' | 'tbank'): CheckoutStore | undefined;
  close(): Promise<void>;
}

type ClosableStore = CheckoutStore & { close(): Promise<void> };

/** What the demo prints on start about its store (the password masked). */
export function describeDemoStore(storeUrl: string | undefined): string {
  const url = storeUrl?.trim();
  if (!url) return 'Store: in memory (a restart forgets open invoices; STORE_URL=redis://… or postgres://… for a real one)';
  try {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    return `Store: ${shown.href} (STORE_URL)`;
  } catch {
    return 'Store: STORE_URL is not a URL';
  }
}

export async function openDemoStores(storeUrl: string | undefined): Promise<DemoStores> {
  const url = storeUrl?.trim();
  if (!url) {
    return { forProvider: () => undefined, close: async () => {} };
  }
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    // reported below
  }
  const stores = new Map<string, ClosableStore>();
  if (scheme === 'redis:' || scheme === 'rediss:') {
    const { RedisStore } = await import('../src/server/stores/redis-store.js');
    for (const provider of ['qpay', 'tbank']) stores.set(provider, new RedisStore(url, { prefix: `qpay-demo:${provider}:` }));
  } else if (scheme === 'postgres:' || scheme === 'postgresql:') {
    const { PostgresStore } = await import('../src/server/stores/postgres-store.js');
    for (const provider of ['qpay', 'tbank']) {
      const store = new PostgresStore(url, { tablePrefix: `demo_${provider}_` });
      await store.migrate();
      stores.set(provider, store);
    }
  } else {
    throw new Error('STORE_URL must be a redis://… or postgres://… URL');
  }
  return {
    forProvider: (provider) => stores.get(provider),
    close: async () => {
      await Promise.all([...stores.values()].map((store) => store.close()));
    },
  };
}
