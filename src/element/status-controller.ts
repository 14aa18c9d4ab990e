// Watches the status of the invoice <qpay-checkout> shows, from up to two sources: the merchant's event
// stream (`events-url`, pushed the moment the shop learns of the payment) and the status endpoint
// (`status-url`, polled; a slow safety net while the stream delivers, the normal pace when it does not, or
// when the stream was closed past its byte caps). Both answers pass the same checks (core/poller's `readStatusAnswer`).
// Also owns what the page tells it: visibility, return to the page (`pageshow`, `focus`, `online`: check at
// once), and the server's clock from the Date headers of the merchant's answers. Non-fatal errors of one kind
// reach the element at most once per ERROR_SPAN (the sources keep recovering silently meanwhile).
// Imports run one way: this file -> lazy-modules -> status-sources (whose types it uses); never back.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isFinal, type InvoiceView, type PaymentStatus } from '../core/types.js';
import { clockOffset, isPlausibleClockOffset } from '../core/format.js';
import { RateLimit } from '../core/rate-limit.js';
import type { StatusSettings, StatusSources } from './status-sources.js';
import type { LazyModules } from './lazy-modules.js';

/** The span during which further non-fatal errors of a kind already reported are held back, in ms. */
const ERROR_SPAN = 5000;

export interface StatusCallbacks {
  /** A believed status of `view` (after a final one, everything is already stopped). */
  onStatus(view: InvoiceView, status: PaymentStatus, body: unknown): void;
  /** A non-fatal problem (a setup problem, a failed check, an answer not believed), at most one per kind per 5 s. */
  onError(error: Error): void;
  /**
   * A check failed or an answer was not believed: the customer may want to know the connection is poor (also
   * while the error itself is held back; setup problems such as an unusable URL or no event stream are not trouble).
   */
  onTrouble(): void;
  /** The customer may be back (or the clock offset changed): re-check the countdown. */
  onWake(): void;
}

export class StatusController implements ReactiveController {
  /** Server clock minus local clock, from the Date headers of the merchant's answers (0 while unknown or implausible). */
  clockOffset = 0;
  /** The server's clock was reported as implausible and is not used (until it is plausible again). */
  #clockDistrusted = false;
  /** When this invoice's status was last asked (epoch ms): a re-attached element waits an interval from it. */
  #lastCheckAt: number | undefined;
  /** When each kind of non-fatal error was last reported. */
  #errorLimit = new RateLimit(ERROR_SPAN);
  /** The poller and event stream of the invoice watched (see status-sources.ts, loaded on first use). */
  #sources: StatusSources | undefined;
  /** The invoice and settings being watched (also while the status code loads). */
  #watching: { view: InvoiceView; settings: StatusSettings } | undefined;

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    private readonly modules: LazyModules,
    private readonly callbacks: StatusCallbacks,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#listen('addEventListener');
  }

  hostDisconnected(): void {
    this.#listen('removeEventListener');
    this.stop();
  }

  /** A new invoice: a re-attached element no longer waits for the previous one's last check. */
  forgetInvoice(): void {
    this.#lastCheckAt = undefined;
  }

  /**
   * Watches `view` (no-op when already watching it). The poller and stream code load first; whatever invoice
   * is being watched by then is the one asked about.
   */
  watch(view: InvoiceView, settings: StatusSettings): void {
    if (this.#watching) return;
    const { statusUrl, eventsUrl } = settings;
    if (!statusUrl && !eventsUrl) return;
    this.#watching = { view, settings };
    this.#start();
  }

  /** Stops both sources; nothing they started calls back after this. */
  stop(): void {
    this.#watching = undefined;
    this.#sources?.stop();
    this.#sources = undefined;
  }

  /** Asks the status endpoint now (no-op unless polling, or while a request is in flight). */
  checkNow(): void {
    this.#sources?.checkNow();
  }

  noteServerDate(header: string | null, receivedAt: number): void {
    if (!header) return;
    const offset = clockOffset(header, receivedAt);
    const plausible = isPlausibleClockOffset(offset);
    if (!plausible && !this.#clockDistrusted) {
      const minutes = Math.round(offset / 60000);
      this.#report(new Error(`The server clock is ${minutes} min off this device's (Date: ${header}); the countdown uses this device's clock`), false);
    }
    this.#clockDistrusted = !plausible;
    this.clockOffset = plausible ? offset : 0;
    this.callbacks.onWake();
  }

  #start(): void {
    const watching = this.#watching;
    if (!watching || this.#sources) return;
    const module = this.modules.statusSources;
    // Once loaded, start again: whatever invoice is being watched by then is the one asked about.
    if (!module) return this.modules.loadStatusSources(() => this.#start());
    const { view } = watching;
    const { callbacks } = this;
    // Both sources are stopped whenever this invoice is replaced or ends, and call nothing after that.
    this.#sources = module.openStatusSources(view, watching.settings, {
      onStatus: (status, body) => {
        if (isFinal(status)) this.stop();
        callbacks.onStatus(view, status, body);
      },
      onError: (error, trouble) => this.#report(error, trouble),
      onServerDate: (header, receivedAt) => this.noteServerDate(header, receivedAt),
      fetch: (input, init) => ((this.#lastCheckAt = Date.now()), fetch(input, init)),
      lastCheckAt: this.#lastCheckAt,
    });
    if (!this.#sources) this.#watching = undefined;
  }

  /** Passes a non-fatal error on unless one of its kind (a PollError's `kind`, else its message) went out lately. */
  #report(error: Error, trouble: boolean): void {
    if (trouble) this.callbacks.onTrouble();
    if (this.#errorLimit.allow((error as { kind?: string }).kind ?? error.message)) this.callbacks.onError(error);
  }

  #listen(method: 'addEventListener' | 'removeEventListener'): void {
    document[method]('visibilitychange', this.#onVisibilityChange);
    for (const type of ['pageshow', 'focus', 'online']) window[method](type, this.#onReturn);
  }

  #onVisibilityChange = (): void => {
    const hidden = document.visibilityState === 'hidden';
    this.#sources?.setHidden(hidden);
    if (!hidden) this.#onReturn();
  };

  /** The customer may be back from the bank app (or back online): check at once. */
  #onReturn = (): void => {
    // Timers may have been frozen (back-forward cache, sleeping tab): the countdown re-checks the clock first.
    this.callbacks.onWake();
    this.#sources?.checkNow();
  };
}
