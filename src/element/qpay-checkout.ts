// The `<qpay-checkout>` element: wires the inputs to the pure core (invoice normalisation, links,
// status polling, formatting) and renders the result. No side effects on import: registering the
// tag is `define.ts`'s job.

import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { BankLink, InvoiceView, PaymentStatus } from '../core/types.js';
import { normalizeInvoice } from '../core/invoice.js';
import { isFinal } from '../core/status.js';
import { clockOffset, formatCountdown, formatMoney } from '../core/format.js';
import { createPoller, type Poller, type PollError } from '../core/poller.js';
import { expandStatusUrl } from '../core/status-url.js';
import {
  QPayBankSelectEvent,
  QPayErrorEvent,
  QPayExpiredEvent,
  QPayLoadError,
  QPayPaidEvent,
  QPayStatusEvent,
} from './events.js';
import { DEFAULT_LANGUAGE, loadMessages, messagesFor, resolveLanguage, type Language, type Messages } from './i18n/index.js';
import { spokenRemaining, type SpokenRemaining } from './countdown.js';
import { styles } from './styles.js';
import type { LoadedInvoice } from './invoice-load.js';

/** How the element lays itself out: `auto` decides from the device. */
export type QPayCheckoutMode = 'auto' | 'mobile' | 'desktop';
/** The layout in effect, reflected as the host's `data-layout` attribute. */
export type QPayCheckoutLayout = 'mobile' | 'desktop';
/**
 * Where the element is: `idle` (no invoice yet), `loading` (`invoice-url` pending), `waiting` (for
 * the payment), `paid`, `expired`, `failed` (a final status other than PAID: FAILED, CANCELLED,
 * REFUNDED), `error` (fatal: unusable invoice or failed `invoice-url`). Reflected as `data-state`.
 */
export type QPayCheckoutState = 'idle' | 'loading' | 'waiting' | 'paid' | 'expired' | 'failed' | 'error';

type QrModule = typeof import('./qr-draw.js');
type BankListModule = typeof import('./bank-list.js');

/** Above this many SBP banks a search box helps the customer find theirs. */
export const BANK_SEARCH_THRESHOLD = 8;
/** How long the "copied" feedback stays. */
const COPY_FEEDBACK_MS = 2500;
/** setTimeout's largest delay; longer expiries re-arm when it fires. */
const MAX_TIMER_MS = 0x7fffffff;
const MOBILE_USER_AGENT = /Android|iPhone|iPad|iPod|Mobile|IEMobile|Windows Phone|Opera Mini/i;

/**
 * A QR payment checkout: shows the invoice's QR (and, on phones, bank-app links), polls the
 * merchant's status endpoint until the payment is final, and tells the page with events.
 *
 * @summary QR payment checkout for QPay (Mongolia) and TBank SBP (Russia) invoices.
 * @tag qpay-checkout
 *
 * @attr {string} invoice - The provider's invoice as JSON (QPay v2 invoice response or TBank QRPAY response, plus optional `amount`, `currency`, `description`, `expires_at`). The `invoice` property also takes the object itself.
 * @attr {string} invoice-url - Instead of `invoice`: a merchant URL the element POSTs to (JSON body: the `order` property) and whose JSON answer is the invoice.
 * @attr {string} status-url - The merchant's status endpoint, polled with GET. `{id}` is replaced by the URL-encoded invoice id; without it `invoice_id=<id>` is added to the query.
 * @attr {number} poll-interval - Milliseconds between status checks (default 2000, at least 500).
 * @attr {string} lang - `mn` (default), `en` or `ru`.
 * @attr {'auto' | 'mobile' | 'desktop'} mode - Layout: `auto` (default) picks `mobile` for a coarse pointer or a mobile user agent.
 * @attr {'mobile' | 'desktop'} data-layout - Set by the element: the layout in effect, for styling.
 * @attr {string} data-state - Set by the element: idle, loading, waiting, paid, expired, failed or error.
 *
 * @prop {unknown} invoice - The provider's invoice object (or its JSON text).
 * @prop {unknown} order - Sent as the JSON body of the `invoice-url` POST.
 * @prop {unknown} banks - For SBP `codeUrl` invoices: NSPK's `c2bmembers.json` (`{dictionary: [{bankName, logoURL, schema}]}`), shown as one link per bank on phones.
 *
 * @event {QPayPaidEvent} qpay-paid - Once per invoice when the status endpoint says PAID. `detail: {invoiceId, status: 'PAID', response}`.
 * @event {QPayStatusEvent} qpay-status - On every status change. `detail: {invoiceId, status, previous}`.
 * @event {QPayExpiredEvent} qpay-expired - The invoice expired unpaid; polling has stopped. `detail: {invoiceId, expiresAt}`.
 * @event {QPayErrorEvent} qpay-error - `detail: {error, fatal}`. Fatal: unusable invoice or failed `invoice-url`. Not fatal: a polling fault (polling goes on).
 * @event {QPayBankSelectEvent} qpay-bank-select - A bank link was activated. `detail: {name, link}`. Cancelable: `preventDefault()` stops the navigation.
 *
 * @csspart qr - The QR code (an `<img>` of the provider's PNG, or a drawn `<svg>`).
 * @csspart banks - The list of bank-app links.
 * @csspart bank - One bank-app link (also the SBP "open in bank app" link).
 * @csspart status - The status line (a polite live region).
 * @csspart amount - The amount to pay.
 * @csspart timer - The countdown to the invoice's expiry.
 *
 * @cssproperty --qpay-font-family - Font of all text (default: the system UI font).
 * @cssproperty --qpay-font-size - Base font size (default 1rem).
 * @cssproperty --qpay-color-text - Text colour.
 * @cssproperty --qpay-color-muted - Secondary text (merchant, description, timer, hints).
 * @cssproperty --qpay-color-background - Card background.
 * @cssproperty --qpay-color-surface - Background of bank links and buttons.
 * @cssproperty --qpay-color-border - Borders of the card, bank links, buttons and inputs.
 * @cssproperty --qpay-color-accent - Primary link background and the spinner.
 * @cssproperty --qpay-color-on-accent - Text on the accent colour.
 * @cssproperty --qpay-color-success - The paid status line.
 * @cssproperty --qpay-color-error - The expired, failed and error status lines.
 * @cssproperty --qpay-color-focus - Keyboard focus outline.
 * @cssproperty --qpay-radius - Corner radius of the card, links and buttons (default 12px).
 * @cssproperty --qpay-qr-size - Width and height of the QR (default 240px). The QR itself always stays dark on white.
 */
export class QPayCheckoutElement extends LitElement {
  static override styles = styles;

  /** Lit's reactive properties: the public inputs with their attributes, then internal state (no attribute). */
  static override properties: PropertyDeclarations = {
    invoice: { attribute: 'invoice' },
    invoiceUrl: { attribute: 'invoice-url' },
    statusUrl: { attribute: 'status-url' },
    pollInterval: { attribute: 'poll-interval', type: Number },
    mode: {},
    order: { attribute: false },
    banks: { attribute: false },
    langAttribute: { attribute: 'lang' },
    phase: { state: true },
    view: { state: true },
    status: { state: true },
    pollTrouble: { state: true },
    qrShown: { state: true },
    bankFilter: { state: true },
    copyFeedback: { state: true },
    spoken: { state: true },
    coarsePointer: { state: true },
    tick: { state: true },
    qrModule: { state: true },
    bankListModule: { state: true },
  };

  /** The provider's invoice: an object, or JSON text (the `invoice` attribute). Takes precedence over `invoiceUrl`. */
  invoice: unknown = undefined;

  /** Merchant URL to POST `order` to; its JSON answer is the invoice. Used when `invoice` is not set. */
  invoiceUrl: string | undefined = undefined;

  /** Merchant status endpoint, polled with GET; `{id}` is replaced by the invoice id. */
  statusUrl: string | undefined = undefined;

  /** Milliseconds between status checks. */
  pollInterval = 2000;

  /** Layout: `auto`, `mobile` or `desktop`. */
  mode: QPayCheckoutMode = 'auto';

  /** JSON body of the `invoice-url` POST. Changing it does not re-post (that would make a second invoice). */
  order: unknown = undefined;

  /** NSPK `c2bmembers.json`-shaped bank list for SBP `codeUrl` invoices. */
  banks: unknown = undefined;

  /**
   * Mirrors the native `lang` attribute so a change re-renders; the native `lang` property keeps
   * working (and reflecting) because this field has another name.
   */
  protected langAttribute: string | null = null;

  private phase: QPayCheckoutState = 'idle';
  private view: InvoiceView | undefined = undefined;
  private status: PaymentStatus | undefined = undefined;
  private pollTrouble = false;
  private qrShown = false;
  private bankFilter = '';
  private copyFeedback: '' | 'copied' | 'failed' = '';
  /** The remaining time screen readers were last told (spoken in the current language at render). */
  private spoken: SpokenRemaining | undefined = undefined;
  private coarsePointer = false;
  /** Bumped every second while a countdown runs, to re-render the timer. */
  private tick = 0;
  private qrModule: QrModule | undefined = undefined;
  /** The phone layout's bank list code, loaded when the layout is mobile. */
  private bankListModule: BankListModule | undefined = undefined;

  #poller: Poller | undefined;
  /** Server clock minus local clock, from the Date headers of the merchant's answers. */
  #clockOffset = 0;
  #paidInvoiceIds = new Set<string>();
  #expiredInvoiceIds = new Set<string>();
  #lastSpokenKey = '';
  #tickTimer: ReturnType<typeof setTimeout> | undefined;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #copyTimer: ReturnType<typeof setTimeout> | undefined;
  #loadController: AbortController | undefined;
  /** The invoice-url load was cut short (say by removal) and should run again on connect. */
  #loadPending = false;
  #qrModuleLoading = false;
  /** The bank list module being fetched, if any; `updateComplete` waits for it like a language pack. */
  #bankListLoad: Promise<void> | undefined;
  /** The language pack being fetched, if any; `updateComplete` waits for it and the render after it. */
  #languageLoad: Promise<void> | undefined;
  #languageLoading: Language | undefined;
  /** Languages whose pack could not be loaded: Mongolian is shown instead. */
  #languagesFailed = new Set<Language>();
  #pointerQuery: MediaQueryList | undefined;
  /** SBP bank links, derived from `banks` and the invoice's codeUrl; cleared when either changes. */
  #sbpLinks: BankLink[] | undefined;

  /** The layout in effect: `mode`, or for `auto` what the device suggests. */
  get layout(): QPayCheckoutLayout {
    if (this.mode === 'mobile' || this.mode === 'desktop') return this.mode;
    const userAgent = typeof navigator === 'undefined' ? '' : navigator.userAgent;
    return this.coarsePointer || MOBILE_USER_AGENT.test(userAgent) ? 'mobile' : 'desktop';
  }

  /** Where the element is; also reflected as the host's `data-state` attribute. */
  get state(): QPayCheckoutState {
    return this.phase;
  }

  /** Asks the status endpoint now (no-op unless polling, or while a request is in flight). */
  check(): void {
    if (this.#poller) this.#poller.checkNow();
    else this.#resume();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#onVisibilityChange);
    window.addEventListener('pageshow', this.#onReturn);
    window.addEventListener('focus', this.#onReturn);
    window.addEventListener('online', this.#onReturn);
    if (typeof window.matchMedia === 'function') {
      this.#pointerQuery = window.matchMedia('(pointer: coarse)');
      this.coarsePointer = this.#pointerQuery.matches;
      this.#pointerQuery.addEventListener('change', this.#onPointerChange);
    }
    if (this.#loadPending) void this.#loadInvoice();
    this.#resume();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisibilityChange);
    window.removeEventListener('pageshow', this.#onReturn);
    window.removeEventListener('focus', this.#onReturn);
    window.removeEventListener('online', this.#onReturn);
    this.#pointerQuery?.removeEventListener('change', this.#onPointerChange);
    this.#pointerQuery = undefined;
    if (this.#loadController) {
      this.#loadController.abort();
      this.#loadController = undefined;
      this.#loadPending = true;
    }
    this.#stopPolling();
    this.#stopTimers();
    this.#clearCopyFeedback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('invoice') || changed.has('invoiceUrl')) {
      this.#applySource();
    } else if (changed.has('statusUrl') || changed.has('pollInterval')) {
      // Same invoice, new endpoint or pace: start over with a poller built for it.
      this.#stopPolling();
      this.#resume();
    }
    if (changed.has('banks')) this.#sbpLinks = undefined;
    if (!this.#messages()) this.#loadLanguage(this.#language());
    // Phones with bank links to show: fetch the bank list code now (it arrives before updateComplete resolves).
    if (this.view && this.phase === 'waiting' && !this.#qrIsMain(this.view)) this.#loadBankList();
    this.dataset['layout'] = this.layout;
    this.dataset['state'] = this.phase;
  }

  /** Also waits for a language pack or the bank list module still loading, and the render that shows them. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let complete = await super.getUpdateComplete();
    while (this.#languageLoad || this.#bankListLoad) {
      await (this.#languageLoad ?? this.#bankListLoad);
      complete = await super.getUpdateComplete();
    }
    return complete;
  }

  protected override updated(): void {
    if (this.#qrNeeded()) void this.#loadQrModule();
  }

  // ---- inputs -> state ------------------------------------------------------------------------

  #applySource(): void {
    if (this.invoice !== undefined && this.invoice !== null && this.invoice !== '') {
      this.#cancelLoad();
      this.#useInvoice(this.invoice);
    } else if (this.invoiceUrl) {
      void this.#loadInvoice();
    } else {
      this.#cancelLoad();
      this.#reset(undefined);
      this.phase = 'idle';
    }
  }

  #useInvoice(raw: unknown): void {
    let view: InvoiceView;
    try {
      // Takes the object or its JSON text (the attribute); throws an InvoiceError with a code.
      view = normalizeInvoice(raw);
    } catch (error) {
      this.#fail(toError(error));
      return;
    }
    const sameInvoice = this.view?.id === view.id && this.phase !== 'error' && this.phase !== 'idle';
    if (sameInvoice) {
      // The page passed the same invoice again (say a re-render): keep its status and state.
      if (this.view?.primaryLink !== view.primaryLink) this.#sbpLinks = undefined;
      this.view = view;
    } else {
      this.#reset(view);
      this.phase = this.#paidInvoiceIds.has(view.id)
        ? 'paid'
        : this.#expiredInvoiceIds.has(view.id)
          ? 'expired'
          : 'waiting';
      if (this.phase === 'paid') this.status = 'PAID';
    }
    this.#resume();
  }

  /** Forgets everything about the previous invoice. */
  #reset(view: InvoiceView | undefined): void {
    this.#stopPolling();
    this.#stopTimers();
    this.#clearCopyFeedback();
    this.view = view;
    this.status = undefined;
    this.pollTrouble = false;
    this.qrShown = false;
    this.bankFilter = '';
    this.spoken = undefined;
    this.#lastSpokenKey = '';
    this.#sbpLinks = undefined;
  }

  /** A fatal problem: this invoice cannot be used. */
  #fail(error: Error): void {
    this.#reset(undefined);
    this.phase = 'error';
    this.dispatchEvent(new QPayErrorEvent({ error, fatal: true }));
  }

  /** Starts whatever should run now: the countdown and polling, when connected and waiting. */
  #resume(): void {
    const view = this.view;
    if (!this.isConnected || !view || this.phase !== 'waiting') return;
    if (view.expiresAt !== undefined) {
      if (this.#remainingMs(view) <= 0) {
        this.#expire();
        return;
      }
      this.#scheduleTick();
      this.#scheduleExpiry();
    }
    this.#startPolling(view);
  }

  // ---- invoice-url ----------------------------------------------------------------------------

  async #loadInvoice(): Promise<void> {
    const url = this.invoiceUrl;
    this.#cancelLoad();
    if (!url) return;
    this.#reset(undefined);
    this.phase = 'loading';
    if (!this.isConnected) {
      this.#loadPending = true;
      return;
    }
    this.#loadPending = false;
    const controller = new AbortController();
    this.#loadController = controller;
    let loaded: LoadedInvoice;
    try {
      const { fetchInvoice } = await import('./invoice-load.js');
      loaded = await fetchInvoice(url, this.order, controller);
    } catch (error) {
      if (this.#loadController !== controller) return; // superseded or removed meanwhile
      this.#loadController = undefined;
      this.#fail(error instanceof QPayLoadError ? error : new QPayLoadError(toError(error).message, undefined, error));
      return;
    }
    if (this.#loadController !== controller) return;
    this.#loadController = undefined;
    this.#noteServerDate(loaded.dateHeader, loaded.receivedAt);
    this.#useInvoice(loaded.invoice);
  }

  #cancelLoad(): void {
    this.#loadPending = false;
    if (this.#loadController) {
      const controller = this.#loadController;
      this.#loadController = undefined;
      controller.abort();
    }
  }

  // ---- polling ---------------------------------------------------------------------------------

  #startPolling(view: InvoiceView): void {
    if (this.#poller || !this.statusUrl) return;
    let url: string;
    try {
      url = expandStatusUrl(this.statusUrl, view.id, document.baseURI);
    } catch (error) {
      // The QR still works without status checks, so this is not fatal for the customer.
      this.dispatchEvent(new QPayErrorEvent({ error: toError(error), fatal: false }));
      return;
    }
    const poller = createPoller({
      url,
      fetch: (input, init) => fetch(input, init),
      interval: this.pollInterval,
      onStatus: (status, body) => this.#onStatus(view, status, body),
      onError: (error) => this.#onPollError(view, error),
      onServerDate: (header, receivedAt) => this.#noteServerDate(header, receivedAt),
    });
    this.#poller = poller;
    if (document.visibilityState === 'hidden') poller.setHidden(true);
    poller.start();
  }

  #stopPolling(): void {
    this.#poller?.stop();
    this.#poller = undefined;
  }

  #onStatus(view: InvoiceView, status: PaymentStatus, body: unknown): void {
    if (this.view !== view || this.phase !== 'waiting') return;
    this.pollTrouble = false;
    if (!this.#setStatus(view, status)) return;
    if (status === 'PAID') this.#markPaid(view, body);
    else if (status === 'EXPIRED') this.#expire();
    else if (isFinal(status)) {
      this.#stopPolling();
      this.#stopTimers();
      this.phase = 'failed';
    }
  }

  /** Records a status and tells the page when it changed. False when a listener moved on to another invoice. */
  #setStatus(view: InvoiceView, status: PaymentStatus): boolean {
    const previous = this.status;
    if (status === previous) return true;
    this.status = status;
    this.dispatchEvent(new QPayStatusEvent({ invoiceId: view.id, status, previous }));
    return this.view === view;
  }

  #markPaid(view: InvoiceView, response: unknown): void {
    this.#stopPolling();
    this.#stopTimers();
    this.phase = 'paid';
    if (this.#paidInvoiceIds.has(view.id)) return;
    this.#paidInvoiceIds.add(view.id);
    this.dispatchEvent(new QPayPaidEvent({ invoiceId: view.id, status: 'PAID', response }));
  }

  #onPollError(view: InvoiceView, error: PollError): void {
    if (this.view !== view || this.phase !== 'waiting') return;
    this.pollTrouble = true;
    this.dispatchEvent(new QPayErrorEvent({ error, fatal: false }));
  }

  #noteServerDate(header: string | null, receivedAt: number): void {
    if (!header) return;
    this.#clockOffset = clockOffset(header, receivedAt);
    if (this.phase === 'waiting' && this.view?.expiresAt !== undefined && this.isConnected) this.#scheduleExpiry();
  }

  // ---- countdown and expiry --------------------------------------------------------------------

  #remainingMs(view: InvoiceView): number {
    return view.expiresAt === undefined ? Infinity : view.expiresAt - (Date.now() + this.#clockOffset);
  }

  /** Re-renders the timer when its shown second changes, and updates what screen readers hear. */
  #scheduleTick(): void {
    clearTimeout(this.#tickTimer);
    const view = this.view;
    if (!view || view.expiresAt === undefined || this.phase !== 'waiting') return;
    const remaining = this.#remainingMs(view);
    const spoken = spokenRemaining(remaining);
    if (spoken && spoken.key !== this.#lastSpokenKey) {
      this.#lastSpokenKey = spoken.key;
      this.spoken = spoken;
    }
    this.tick++;
    if (remaining <= 0) return;
    // Wake just after the displayed (rounded-up) second changes.
    const untilNextSecond = remaining % 1000 || 1000;
    this.#tickTimer = setTimeout(() => this.#scheduleTick(), untilNextSecond + 5);
  }

  #scheduleExpiry(): void {
    clearTimeout(this.#expiryTimer);
    const view = this.view;
    if (!view || view.expiresAt === undefined) return;
    const remaining = this.#remainingMs(view);
    if (remaining <= 0) {
      this.#expire();
      return;
    }
    this.#expiryTimer = setTimeout(() => this.#scheduleExpiry(), Math.min(remaining, MAX_TIMER_MS));
  }

  #expire(): void {
    const view = this.view;
    if (!view || this.phase !== 'waiting') return;
    this.#stopPolling();
    this.#stopTimers();
    this.phase = 'expired';
    this.#expiredInvoiceIds.add(view.id);
    if (!this.#setStatus(view, 'EXPIRED')) return;
    this.dispatchEvent(new QPayExpiredEvent({ invoiceId: view.id, expiresAt: view.expiresAt }));
  }

  #stopTimers(): void {
    clearTimeout(this.#tickTimer);
    clearTimeout(this.#expiryTimer);
    this.#tickTimer = undefined;
    this.#expiryTimer = undefined;
  }

  // ---- page events -----------------------------------------------------------------------------

  #onVisibilityChange = (): void => {
    const hidden = document.visibilityState === 'hidden';
    this.#poller?.setHidden(hidden);
    if (!hidden) this.#onReturn();
  };

  /** The customer may be back from the bank app (or back online): check at once. */
  #onReturn = (): void => {
    if (this.phase !== 'waiting') return;
    // Timers may have been frozen (back-forward cache, sleeping tab): re-check the clock first.
    if (this.view?.expiresAt !== undefined) {
      this.#scheduleExpiry();
      if (this.phase !== 'waiting') return;
      this.#scheduleTick();
    }
    this.#poller?.checkNow();
  };

  #onPointerChange = (event: MediaQueryListEvent): void => {
    this.coarsePointer = event.matches;
  };

  // ---- QR ------------------------------------------------------------------------------------

  /** Whether a drawn QR is on screen now (so the encoder must be loaded). */
  #qrNeeded(): boolean {
    const view = this.view;
    if (!view || view.qr.kind !== 'text' || this.phase !== 'waiting' || this.qrModule) return false;
    return this.#qrIsMain(view) || this.qrShown;
  }

  async #loadQrModule(): Promise<void> {
    if (this.#qrModuleLoading) return;
    this.#qrModuleLoading = true;
    try {
      this.qrModule = await import('./qr-draw.js');
    } catch (error) {
      this.#fail(new Error(`The QR encoder could not be loaded: ${toError(error).message}`, { cause: error }));
    } finally {
      this.#qrModuleLoading = false;
    }
  }

  /** Desktop, or a phone with no bank links: the QR is what the customer uses. */
  #qrIsMain(view: InvoiceView): boolean {
    return this.layout === 'desktop' || (view.banks.length === 0 && !view.primaryLink);
  }

  #renderQr(view: InvoiceView, t: Messages): TemplateResult {
    if (view.qr.kind === 'image') {
      return html`<div class="qr-frame">
        <img part="qr" class="qr" src=${`data:image/png;base64,${view.qr.base64Png}`} alt=${t.qrAlt} />
      </div>`;
    }
    let drawn: TemplateResult | undefined;
    if (this.qrModule) {
      try {
        drawn = this.qrModule.drawQr(view.qr.text, t.qrAlt);
      } catch (error) {
        // Text too long for any QR version: the invoice cannot be shown. Report after this render.
        const text = view.qr.text;
        queueMicrotask(() => {
          if (this.view?.qr.kind === 'text' && this.view.qr.text === text) {
            this.#fail(new Error(`The QR text cannot be encoded: ${toError(error).message}`, { cause: error }));
          }
        });
      }
    }
    return html`<div class="qr-frame">
      ${drawn ?? html`<div class="qr-placeholder" aria-busy="true">${t.qrLoading}</div>`}
    </div>`;
  }

  // ---- banks -----------------------------------------------------------------------------------

  #loadBankList(): void {
    if (this.bankListModule || this.#bankListLoad) return;
    this.#bankListLoad = import('./bank-list.js').then(
      (module) => {
        this.bankListModule = module;
        this.#bankListLoad = undefined;
      },
      (error: unknown) => {
        this.#bankListLoad = undefined;
        this.#fail(new Error(`The bank list could not be loaded: ${toError(error).message}`, { cause: error }));
      },
    );
  }

  #bankLinks(view: InvoiceView, module: BankListModule): BankLink[] {
    if (view.banks.length > 0 || !view.primaryLink) return view.banks;
    if (this.#sbpLinks) return this.#sbpLinks;
    let links: BankLink[] = [];
    if (this.banks !== undefined && this.banks !== null) {
      try {
        links = module.sbpLinksFor(view.primaryLink, this.banks);
      } catch (error) {
        queueMicrotask(() => this.dispatchEvent(new QPayErrorEvent({ error: toError(error), fatal: false })));
      }
    }
    this.#sbpLinks = links;
    return links;
  }

  #onBankClick(event: MouseEvent, name: string, link: string): void {
    const select = new QPayBankSelectEvent({ name, link });
    if (!this.dispatchEvent(select)) event.preventDefault();
  }

  #renderBanks(view: InvoiceView, t: Messages): TemplateResult | typeof nothing {
    const module = this.bankListModule;
    if (!module) return html`<p class="status" aria-busy="true"><span class="spinner" aria-hidden="true"></span></p>`;
    const banks = this.#bankLinks(view, module);
    if (banks.length === 0) return nothing;
    return module.renderBankList(banks, t, {
      searchable: !!view.primaryLink && view.banks.length === 0 && banks.length > BANK_SEARCH_THRESHOLD,
      filter: this.bankFilter,
      onFilter: (value) => (this.bankFilter = value),
      onSelect: (event, bank) => this.#onBankClick(event, bank.name, bank.link),
    });
  }

  // ---- copy ------------------------------------------------------------------------------------

  #renderCopy(view: InvoiceView, t: Messages): TemplateResult | typeof nothing {
    if (!view.copyText || typeof navigator === 'undefined' || typeof navigator.clipboard?.writeText !== 'function') {
      return nothing;
    }
    const isLink = /^https?:\/\//i.test(view.copyText);
    const feedback = this.copyFeedback === 'copied' ? t.copied : this.copyFeedback === 'failed' ? t.copyFailed : '';
    return html`<div class="actions">
      <button type="button" class="button" @click=${() => this.#copy(view.copyText!)}>${isLink ? t.copyLink : t.copy}</button>
      <span class="note" role="status">${feedback}</span>
    </div>`;
  }

  async #copy(text: string): Promise<void> {
    this.#clearCopyFeedback();
    try {
      await navigator.clipboard.writeText(text);
      this.copyFeedback = 'copied';
    } catch {
      this.copyFeedback = 'failed';
    }
    if (!this.isConnected) return;
    clearTimeout(this.#copyTimer);
    this.#copyTimer = setTimeout(() => (this.copyFeedback = ''), COPY_FEEDBACK_MS);
  }

  #clearCopyFeedback(): void {
    clearTimeout(this.#copyTimer);
    this.#copyTimer = undefined;
    this.copyFeedback = '';
  }

  // ---- rendering -------------------------------------------------------------------------------

  #language(): Language {
    return resolveLanguage(this.getAttribute('lang'));
  }

  /** The current language's messages; undefined while its pack loads. */
  #messages(): Messages | undefined {
    const language = this.#language();
    return messagesFor(language) ?? (this.#languagesFailed.has(language) ? messagesFor(DEFAULT_LANGUAGE) : undefined);
  }

  #loadLanguage(language: Language): void {
    if (this.#languageLoading === language) return;
    this.#languageLoading = language;
    const load: Promise<void> = loadMessages(language)
      .then(
        () => {},
        (error: unknown) => {
          this.#languagesFailed.add(language);
          const message = `The "${language}" texts could not be loaded; showing Mongolian`;
          this.dispatchEvent(new QPayErrorEvent({ error: new Error(message, { cause: error }), fatal: false }));
        },
      )
      .then(() => {
        if (this.#languageLoad !== load) return; // another language was asked for meanwhile
        this.#languageLoad = undefined;
        this.#languageLoading = undefined;
        this.requestUpdate();
      });
    this.#languageLoad = load;
  }

  protected override render(): TemplateResult {
    const language = this.#language();
    const t = this.#messages();
    if (!t) {
      // The language pack is on its way (a moment, from cache): a busy card rather than the wrong language.
      return html`<div class="card" data-state="loading" aria-busy="true">
        <p part="status" class="status" role="status"><span class="spinner" aria-hidden="true"></span></p>
      </div>`;
    }
    const view = this.view;
    const showSummary = view && this.phase !== 'error' && this.phase !== 'loading';
    return html`<div class="card" lang=${language} data-state=${this.phase}>
      ${showSummary ? this.#renderSummary(view, t) : nothing}
      ${view && this.phase === 'waiting' ? this.#renderPayment(view, t) : nothing}
      ${this.#renderStatus(t)}
      ${view && this.phase === 'waiting' ? this.#renderTimer(view, t) : nothing}
      ${this.phase === 'error' && this.invoiceUrl && !this.invoice
        ? html`<div class="actions">
            <button type="button" class="button" @click=${() => void this.#loadInvoice()}>${t.retry}</button>
          </div>`
        : nothing}
    </div>`;
  }

  #renderSummary(view: InvoiceView, t: Messages): TemplateResult {
    const amount = view.amount !== undefined ? formatMoney(view.amount, view.currency, this.#language()) : '';
    return html`<div class="summary">
      ${view.merchant
        ? html`<p class="merchant"><span class="visually-hidden">${t.merchant}: </span>${view.merchant}</p>`
        : nothing}
      ${view.description ? html`<p class="description">${view.description}</p>` : nothing}
      ${amount ? html`<p part="amount" class="amount"><span class="visually-hidden">${t.amount}: </span>${amount}</p>` : nothing}
    </div>`;
  }

  #renderPayment(view: InvoiceView, t: Messages): TemplateResult {
    if (this.#qrIsMain(view)) {
      return html`<p class="heading">${t.scanQr}</p>
        ${this.#renderQr(view, t)} ${this.#renderCopy(view, t)}`;
    }
    return html`<p class="heading">${t.chooseBank}</p>
      ${view.primaryLink
        ? html`<a
            part="bank"
            class="primary"
            href=${view.primaryLink}
            @click=${(event: MouseEvent) => this.#onBankClick(event, '', view.primaryLink!)}
            >${t.openInBankApp}</a
          >`
        : nothing}
      ${this.#renderBanks(view, t)}
      <div class="actions">
        <button
          type="button"
          class="button"
          aria-expanded=${this.qrShown ? 'true' : 'false'}
          aria-controls="qr-panel"
          @click=${() => (this.qrShown = !this.qrShown)}
        >
          ${this.qrShown ? t.hideQr : t.showQr}
        </button>
      </div>
      <div id="qr-panel" ?hidden=${!this.qrShown}>${this.qrShown ? this.#renderQr(view, t) : nothing}</div>
      ${this.#renderCopy(view, t)}`;
  }

  #renderStatus(t: Messages): TemplateResult {
    const busy = this.phase === 'loading' || this.phase === 'waiting';
    return html`<p part="status" class="status" role="status">
        ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}<span>${this.#statusText(t)}</span>
      </p>
      ${this.phase === 'waiting' && this.pollTrouble ? html`<p class="note">${t.connectionProblem}</p>` : nothing}`;
  }

  #statusText(t: Messages): string {
    const phase = this.phase;
    if (phase === 'idle') return '';
    if (phase !== 'failed') return t[phase]; // loading, waiting, paid, expired, error: a text each
    return this.status === 'CANCELLED' ? t.cancelled : this.status === 'REFUNDED' ? t.refunded : t.failed;
  }

  #renderTimer(view: InvoiceView, t: Messages): TemplateResult | typeof nothing {
    if (view.expiresAt === undefined) return nothing;
    void this.tick; // re-rendered by the tick
    return html`<p part="timer" class="timer">${t.timeLeft(formatCountdown(this.#remainingMs(view)))}</p>
      <p class="visually-hidden" aria-live="polite" aria-atomic="true">${this.#spokenText(t)}</p>`;
  }

  #spokenText(t: Messages): string {
    const spoken = this.spoken;
    if (!spoken) return '';
    return spoken.unit === 'minutes' ? t.minutesLeft(spoken.value) : t.secondsLeft(spoken.value);
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

declare global {
  interface HTMLElementTagNameMap {
    'qpay-checkout': QPayCheckoutElement;
  }
}
