// Noticing that the store lost its data (an emptied Redis, a new database, a MemoryStore swapped out): the store keeps
// a random marker written at first use; a marker that differs from the one this process saw means everything the
// store held before is gone. From then on, what this process remembered from the store is dropped, and every payment
// it records is marked as a possible redelivery: the shop may have delivered it already, and the store cannot say.
import type { CheckoutStore } from '../stores/store.js';
import { describe } from './shared.js';

export class DataLossWatch {
  #seen: string | undefined;
  #lost = false;
  #reading: Promise<boolean> | undefined;

  constructor(
    private readonly settings: { store: CheckoutStore; logger: { error(message: string): void } },
    /** Drops what this process remembered from the store (called once, when the loss is noticed). */
    private readonly forget: () => void,
  ) {}

  /** True once a loss was noticed: payments recorded from then on may repeat an earlier onPaid. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Reads the store's marker and compares it with the first one seen; resolves with `lost`. Concurrent calls share
   * one read. A store that cannot be read throws (the caller's own write would fail too).
   */
  check(): Promise<boolean> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** Like `check`, for timers: a failure is logged, not thrown. */
  async checkQuietly(): Promise<void> {
    try {
      await this.check();
    } catch (error) {
      this.settings.logger.error(`could not read the store's data-loss marker: ${describe(error)}`);
    }
  }

  async #read(): Promise<boolean> {
    const marker = await this.settings.store.marker();
    if (this.#seen === undefined) this.#seen = marker;
    else if (marker !== this.#seen) {
      this.#seen = marker;
      if (!this.#lost) {
        this.#lost = true;
        this.settings.logger.error(
          'DATA LOSS: the checkout store lost its data (its marker changed: an emptied Redis, a new database or dropped ' +
            'tables, or another store object). Invoices and payments recorded before are gone; payments recorded from now ' +
            'on reach onPaid with redelivery: true (check your own records by invoiceId). Give the store persistence.',
        );
      }
      this.forget();
    }
    return this.#lost;
  }
}
