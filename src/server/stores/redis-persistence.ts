// RedisStore's start-up check: a Redis that keeps neither an append-only file nor RDB snapshots comes back empty
// after a restart, and with it every payment whose onPaid has not run yet. Said once, through the store's logger.

/** Where a store says something a person should act on. */
export interface StoreLogger {
  warn(message: string): void;
}

export const NO_PERSISTENCE_WARNING =
  'RedisStore: this Redis server keeps neither an append-only file nor RDB snapshots (appendonly no, save ""): ' +
  'a restart empties it and loses paid-but-undelivered payments (their onPaid never runs) along with every open ' +
  'invoice. Turn persistence on: `appendonly yes` in redis.conf (or `CONFIG SET appendonly yes` then ' +
  '`CONFIG REWRITE`), or RDB snapshots such as `save 60 1000`; on a managed Redis, enable its persistence or backups.';

interface ConfigClient {
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
}

/** The value of a CONFIG GET reply (`[name, value]`), or undefined when the server did not name it. */
function configValue(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const at = reply.indexOf(name);
  return at >= 0 && typeof reply[at + 1] === 'string' ? reply[at + 1] : undefined;
}

/**
 * Asks the server (`CONFIG GET appendonly`, `CONFIG GET save`) and warns when both are off. A server that refuses
 * CONFIG (managed Redis often does) or does not answer gets no warning: nothing is known then. Never rejects.
 */
export async function warnWithoutPersistence(client: ConfigClient, logger: StoreLogger): Promise<boolean> {
  try {
    const appendonly = configValue(await client.config('GET', 'appendonly'), 'appendonly');
    const save = configValue(await client.config('GET', 'save'), 'save');
    if (appendonly !== 'no' || save === undefined || save.trim() !== '') return false;
    logger.warn(NO_PERSISTENCE_WARNING);
    return true;
  } catch {
    return false;
  }
}
