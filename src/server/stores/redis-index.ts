// RedisStore's index keys: invoice id -> partition (`where:`) and reference -> partition (`refwhere:`), each in the
// partition of its own id's hash (see ./redis-layout.ts). They are single-key writes made before the records they
// point at and kept at least as long: an open invoice's until its records' end, a paid one's with no end while its
// delivery is not done, a settled one's until the records' end again. A dangling index key reads as "not found".
import { SCRIPTS } from './redis-scripts.js';
import { runScript, type RedisClient } from './redis-connection.js';
import { PartitionCache, readPartition, type KeyLayout } from './redis-layout.js';

type IndexMode = 'open' | 'keep' | 'settle';

export class PartitionIndex {
  readonly #cache = new PartitionCache();

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeyLayout,
    private readonly now: () => number,
  ) {}

  /** Before an invoice is opened in partition `p`: both keys live at least until keepUntil. */
  async open(p: number, invoiceId: string, reference: string, keepUntil: string): Promise<void> {
    await Promise.all([this.#write(this.keys.invoiceIndex(invoiceId), p, 'open', keepUntil), this.#write(this.keys.referenceIndex(reference), p, 'open', keepUntil)]);
    this.#cache.set(invoiceId, p);
  }

  /** Before a payment is written or queued again: the keys lose their end (the reference is read from the invoice). */
  async keep(p: number, invoiceId: string): Promise<void> {
    const [, reference] = await Promise.all([
      this.#write(this.keys.invoiceIndex(invoiceId), p, 'keep'),
      this.client.hget(this.keys.key(p, 'inv:', invoiceId), 'ref'),
    ]);
    if (reference !== null) await this.#write(this.keys.referenceIndex(reference), p, 'keep');
    this.#cache.set(invoiceId, p);
  }

  /** After a payment settled: the keys end with its records (`reference` '' when the invoice record is gone). */
  async settle(p: number, invoiceId: string, reference: string, keepUntil: string): Promise<void> {
    await Promise.all([
      this.#write(this.keys.invoiceIndex(invoiceId), p, 'settle', keepUntil),
      reference === '' ? undefined : this.#write(this.keys.referenceIndex(reference), p, 'settle', keepUntil),
    ]);
  }

  /** The partition of an invoice the store knows (cached: it is the hash of its order id, so it never changes). */
  async ofInvoice(invoiceId: string): Promise<number | undefined> {
    const cached = this.#cache.get(invoiceId);
    if (cached !== undefined) return cached;
    const p = readPartition(await this.client.get(this.keys.invoiceIndex(invoiceId)));
    if (p !== undefined) this.#cache.set(invoiceId, p);
    return p;
  }

  async ofReference(reference: string): Promise<number | undefined> {
    return readPartition(await this.client.get(this.keys.referenceIndex(reference)));
  }

  #write(key: string, p: number, mode: IndexMode, keepUntil = '0'): Promise<unknown> {
    return runScript(this.client, SCRIPTS.index, [key], [String(p), mode, keepUntil, String(this.now())]);
  }
}
