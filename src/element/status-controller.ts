// Watches the status of the invoice <qpay-checkout> shows, from up to two sources: the merchant's event
// stream (`events-url`, pushed the moment the shop learns of the payment) and the status endpoint
// (`status-url`, polled; a slow safety net while the stream delivers, the normal pace when it does not or
// the browser has no EventSource). Both answers pass the same checks (core/poller's `readStatusAnswer`).
// Also owns what the page tells it: visibility, return to the page (`pageshow`, `focus`, `online`: check at
// once), and the server's clock from the Date headers of the merchant's answers.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isFinal, type InvoiceView, type PaymentStatus } from '../core/types.js';
import { clockOffset, isPlausibleClockOffset } from '../core/format.js';
import type { Poller } from '../core/poller.js';
import type { StatusStream } from '../core/status-stream.js';
import { expandStatusUrl } from '../core/status-url.js';
import type { LazyModules } from './lazy-modules.js';

/** Where and how often to ask about one invoice. */
export interface StatusSettings {
  statusUrl: string | undefined;
  eventsUrl: string | undefined;
  pollInterval: number;
}

export interface StatusCallbacks {
  /** A believed status of `view` (after a final one, everything is already stopped). */
  onStatus(view: InvoiceView, status: PaymentStatus, body: unknown): void;
  /** A non-fatal problem: a check failed, an answer was not believed, a URL cannot be used, the server clock is off. */
  onError(error: Error): void;
  /** The last check failed (true) or an answer came (false). */
  onTrouble(trouble: boolean): void;
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
  #poller: Poller | undefined;
  #stream: StatusStream | undefined;
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
    this.#poller?.stop();
    this.#stream?.stop();
    this.#poller = this.#stream = undefined;
  }

  /** Asks the status endpoint now (no-op unless polling, or while a request is in flight). */
  checkNow(): void {
    this.#poller?.checkNow();
  }

  noteServerDate(header: string | null, receivedAt: number): void {
    if (!header) return;
    const offset = clockOffset(header, receivedAt);
    const plausible = isPlausibleClockOffset(offset);
    if (!plausible && !this.#clockDistrusted) {
      const minutes = Math.round(offset / 60000);
      this.callbacks.onError(new Error(`The server clock is ${minutes} min off this device's (Date: ${header}); the countdown uses this device's clock`));
    }
    this.#clockDistrusted = !plausible;
    this.clockOffset = plausible ? offset : 0;
    this.callbacks.onWake();
  }

  #start(): void {
    const watching = this.#watching;
    if (!watching || this.#poller || this.#stream) return;
    const { view, settings } = watching;
    const { callbacks } = this;
    const base = document.baseURI;
    // An unusable URL is not fatal for the customer: the QR still works, and the other source may.
    const expand = (template: string | undefined): string | undefined => {
      if (!template) return undefined;
      try {
        return expandStatusUrl(template, view.id, base);
      } catch (error) {
        callbacks.onError(error as Error);
        return undefined;
      }
    };
    const statusUrl = expand(settings.statusUrl);
    // Browsers without EventSource (and pages that set no events-url) poll at the normal pace.
    const eventsUrl = typeof EventSource === 'function' ? expand(settings.eventsUrl) : undefined;
    if (!statusUrl && !eventsUrl) return void (this.#watching = undefined);
    const modules = this.modules.statusSources;
    if (!modules || (eventsUrl && !modules[1])) return this.modules.loadStatusSources(!!eventsUrl, () => this.#start());

    const [{ createPoller }, streamModule] = modules;
    // A PAID naming another invoice or a smaller amount is not this invoice's payment.
    const expect = { invoiceId: view.id, amount: view.amount };
    // Both sources are stopped whenever this invoice is replaced or ends, and call nothing after that.
    const onStatus = (status: PaymentStatus, body: unknown): void => {
      if (this.#watching !== watching) return;
      if (isFinal(status)) this.stop();
      callbacks.onTrouble(false);
      callbacks.onStatus(view, status, body);
    };
    const onError = (error: Error): void => {
      if (this.#watching !== watching) return;
      callbacks.onTrouble(true);
      callbacks.onError(error);
    };
    if (statusUrl) {
      const poller = (this.#poller = createPoller({
        url: statusUrl,
        fetch: (input, init) => ((this.#lastCheckAt = Date.now()), fetch(input, init)),
        interval: settings.pollInterval,
        lastCheckAt: this.#lastCheckAt,
        expect,
        onStatus,
        onError,
        onServerDate: (header, receivedAt) => this.noteServerDate(header, receivedAt),
      }));
      if (document.visibilityState === 'hidden') poller.setHidden(true);
    }
    if (eventsUrl && streamModule) {
      this.#stream = streamModule.createStatusStream({
        url: eventsUrl,
        EventSource,
        expect,
        onStatus,
        onError: (error) => {
          if (this.#watching !== watching) return;
          // A stream that never opened is a setup problem, not a connection one: polling goes on unbothered.
          if (error.kind !== 'stream') callbacks.onTrouble(true);
          callbacks.onError(error);
        },
        // While statuses flow on the stream, polling is only a safety net.
        onHealth: (healthy) => this.#poller?.setRelaxed(healthy),
      });
    }
    // The stream's first event may already have ended everything.
    if (this.#watching === watching) this.#poller?.start();
  }

  #listen(method: 'addEventListener' | 'removeEventListener'): void {
    document[method]('visibilitychange', this.#onVisibilityChange);
    for (const type of ['pageshow', 'focus', 'online']) window[method](type, this.#onReturn);
  }

  #onVisibilityChange = (): void => {
    const hidden = document.visibilityState === 'hidden';
    this.#poller?.setHidden(hidden);
    if (!hidden) this.#onReturn();
  };

  /** The customer may be back from the bank app (or back online): check at once. */
  #onReturn = (): void => {
    // Timers may have been frozen (back-forward cache, sleeping tab): the countdown re-checks the clock first.
    this.callbacks.onWake();
    if (this.#watching) this.#poller?.checkNow();
  };
}
