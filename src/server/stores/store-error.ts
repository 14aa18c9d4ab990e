// The one error the shipped multi-process stores (RedisStore, PostgresStore) reject with: it names the store and the
// operation, and keeps the driver's error as `cause`, so a log line says what failed where.

export type StoreName = 'RedisStore' | 'PostgresStore';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly store: StoreName;
  /** The CheckoutStore method (or `migrate`, `cleanup`, `subscribe`…) that failed. */
  readonly operation: string;

  constructor(store: StoreName, operation: string, detail: string, cause?: unknown) {
    super(`${store}: ${operation} failed: ${detail}`, cause === undefined ? undefined : { cause });
    this.store = store;
    this.operation = operation;
  }
}

/** Runs `work`, turning a driver failure into a StoreError and giving up after `timeoutMs` (the work is not cancelled). */
export async function storeCall<T>(store: StoreName, operation: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreError(store, operation, `no answer within ${timeoutMs} ms (is the server reachable?); the outcome is unknown`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(store, operation, error instanceof Error ? error.message || error.name : String(error), error);
  } finally {
    clearTimeout(timer);
  }
}

/** Ids are opaque strings (see CheckoutStore); a non-string or empty id is a caller bug, said clearly. */
export function checkId(store: StoreName, operation: string, what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreError(store, operation, `${what} must be a non-empty string (got ${value === '' ? 'an empty string' : typeof value})`);
  }
  return value;
}

/** The default onError of the stores: one warning when connections start failing, quiet for a minute after the last error. */
export function warnOncePerOutage(store: StoreName): (error: Error) => void {
  let warned = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (error) => {
    clearTimeout(timer);
    timer = setTimeout(() => (warned = false), 60_000);
    timer.unref?.();
    if (warned) return;
    warned = true;
    console.warn(`${store}: connection error (retrying): ${error.message}`);
  };
}
