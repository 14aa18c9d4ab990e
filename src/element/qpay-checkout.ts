// The `<qpay-checkout>` element: wires the inputs to the pure core (invoice normalisation, links,
// status polling, formatting) and renders the result. No side effects on import: registering the
// tag is `define.ts`'s job.

import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { isFinal, type InvoiceView, type PaymentStatus } from '../core/types.js';
import { normalizeInvoice } from '../core/invoice.js';
import { formatCountdown, formatMoney } from '../core/format.js';
import { QPayBankSelectEvent, QPayErrorEvent, QPayExpiredEvent, QPayLoadError, QPayPaidEvent, QPayStatusEvent } from './events.js';
import { messagesFor, resolveLanguage, type Language, type Messages } from './i18n/index.js';
import { LazyModules } from './lazy-modules.js';
import { StatusController } from './status-controller.js';
import { spokenRemaining, type SpokenRemaining } from './countdown.js';
import { styles } from './styles.js';
import { MISSING_SOURCE, MISSING_SOURCE_GRACE_MS, NO_VIEWPORT, afterPageLoad, pageLacksViewport, warnOnce } from './misconfiguration.js';

/** How the element lays itself out: `auto` decides from the device. */
export type QPayCheckoutMode = 'auto' | 'mobile' | 'desktop';
/** The layout in effect, reflected as the host's `data-layout` attribute. */
export type QPayCheckoutLayout = 'mobile' | 'desktop';
/**
 * Where the element is: `idle` (no invoice yet), `loading` (`invoice-url` pending), `waiting` (for
 * the payment), `paid`, `expired`, `failed` (a final status other than PAID: FAILED, CANCELLED,
 * REFUNDED; also `invoice-url` answering `409 ORDER_ALREADY_PAID`), `error` (fatal: unusable invoice or failed
 * `invoice-url`). Reflected as `data-state`.
 */
export type QPayCheckoutState = 'idle' | 'loading' | 'waiting' | 'paid' | 'expired' | 'failed' | 'error';

type InvoiceLoadModule = typeof import('./invoice-load.js');
type LoadedInvoice = import('./invoice-load.js').LoadedInvoice;
type InvoiceUrlOutcome = import('./invoice-load.js').InvoiceUrlOutcome;

/** How long the "copied" feedback stays. */
const COPY_FEEDBACK_MS = 2500;
/** Phones' and iPhone-family browsers' user agents say "Mobi" ("Mobile", "Mobile Safari"); Android tablets say Android. */
const MOBILE_USER_AGENT = /Mobi|Android/i;

const SPINNER = html`<span class="spinner" aria-hidden="true"></span>`;
const button = (label: string, onClick: () => void) => html`<button type="button" class="button" @click=${onClick}>${label}</button>`;
/** A value with a label only screen readers hear ("Amount: ₮100"). */
const labelled = (label: string, value: string) => html`<span class="sr">${label}: </span>${value}`;

/**
 * A QR payment checkout: shows the invoice's QR (and, on phones, bank-app links), listens to the
 * merchant's status stream and/or polls its status endpoint until the payment is final, and tells the
 * page with events.
 *
 * @summary QR payment checkout for QPay (Mongolia) and TBank SBP (Russia) invoices.
 * @tag qpay-checkout
 *
 * @attr {string} invoice - The provider's invoice as JSON (QPay v2 invoice response or TBank QRPAY response, plus optional `amount`, `currency`, `description`, `expires_at`). The `invoice` property also takes the object itself.
 * @attr {string} invoice-url - Instead of `invoice`: a merchant URL the element POSTs to (JSON body: the `order` property, or the `order` attribute) and whose JSON answer is the invoice. Posted once the document has parsed and its deferred scripts have run, then one more task.
 * @attr {string} order - The order as JSON text, POSTed to `invoice-url`, for pages without scripts of their own. The `order` property takes precedence.
 * @attr {string} status-url - The merchant's status endpoint, polled with GET. `{id}` is replaced by the URL-encoded invoice id; without it `invoice_id=<id>` is added to the query.
 * @attr {string} events-url - The merchant's status event stream (`text/event-stream`, the server kit's `GET {basePath}/events/{id}`), same `{id}` rules as `status-url`. The element reads it with `fetch` (64 KB per event, 1 MB per connection at most) and polls `status-url` only every 15 s while statuses flow; when the stream fails or passes a cap it polls at the normal pace again.
 * @attr {number} poll-interval - Milliseconds between status checks (default 2000, at least 500).
 * @attr {string} lang - `mn` (default), `en` or `ru`.
 * @attr {'auto' | 'mobile' | 'desktop'} mode - Layout: `auto` (default) picks `mobile` for a coarse pointer or a mobile user agent.
 * @attr {'mobile' | 'desktop'} data-layout - Set by the element: the layout in effect, for styling.
 * @attr {string} data-state - Set by the element: idle, loading, waiting, paid, expired, failed or error.
 *
 * @prop {unknown} invoice - The provider's invoice object (or its JSON text).
 * @prop {unknown} order - Sent as the JSON body of the `invoice-url` POST.
 * @prop {string | undefined} invoiceId - Read-only: the id of the invoice shown (given or loaded), as in every event's `detail.invoiceId`.
 * @prop {unknown} banks - For SBP `codeUrl` invoices: NSPK's `c2bmembers.json` (`{dictionary: [{bankName, logoURL, schema}]}`), shown as one link per bank on phones.
 * @prop {boolean} rememberBank - Phones: the customer's last used bank first, remembered in `localStorage` (key `qpay-checkout:last-bank`) when they tap one (default true; `false` neither reads nor writes it).
 *
 * @event {QPayPaidEvent} qpay-paid - Once per invoice when the status endpoint says PAID. `detail: {invoiceId, status: 'PAID', response}`. Also when `invoice-url` answers `409 ORDER_ALREADY_PAID` (the page of a paid order, reloaded), with `alreadyPaid: true`; the element shows its paid state.
 * @event {QPayStatusEvent} qpay-status - On every status change. `detail: {invoiceId, status, previous}`.
 * @event {QPayExpiredEvent} qpay-expired - The invoice expired unpaid; polling has stopped. `detail: {invoiceId, expiresAt}`.
 * @event {QPayErrorEvent} qpay-error - `detail: {error, fatal}`. Fatal: unusable invoice or failed `invoice-url`. Not fatal: a polling fault (polling goes on), an `events-url` answer that is not an event stream (once; polling goes on), or a lazily loaded part that failed (the phone bank list: the QR shows instead; a language pack: Mongolian shows).
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

  /** Lit's reactive properties, each declared as a field below. */
  static override properties: PropertyDeclarations = {
    invoice: {},
    invoiceUrl: { attribute: 'invoice-url' },
    statusUrl: { attribute: 'status-url' },
    eventsUrl: { attribute: 'events-url' },
    pollInterval: { attribute: 'poll-interval', type: Number },
    mode: {},
    order: { attribute: false },
    orderAttribute: { attribute: 'order' },
    banks: { attribute: false },
    rememberBank: { attribute: false },
    langAttribute: { attribute: 'lang' },
    view: { state: true },
    status: { state: true },
    blocked: { state: true },
    trouble: { state: true },
    qrShown: { state: true },
    bankFilter: { state: true },
    copyNote: { state: true },
    remaining: { state: true },
  };

  /** The provider's invoice: an object, or JSON text (the `invoice` attribute). Takes precedence over `invoiceUrl`. */
  declare invoice: unknown;

  /** Merchant URL to POST `order` to; its JSON answer is the invoice. Used when `invoice` is not set. */
  declare invoiceUrl: string | undefined;

  /** Merchant status endpoint, polled with GET; `{id}` is replaced by the invoice id. */
  declare statusUrl: string | undefined;

  /** Merchant status event stream (`text/event-stream`); `{id}` is replaced by the invoice id. Polling slows to a safety net while it delivers. */
  declare eventsUrl: string | undefined;

  /** Milliseconds between status checks. */
  pollInterval = 2000;

  /** Layout: `auto`, `mobile` or `desktop`. */
  mode: QPayCheckoutMode = 'auto';

  /**
   * JSON body of the `invoice-url` POST (the `order` attribute, as JSON text, is used when this is unset).
   * Changing it after the POST does not re-post (that would make a second invoice).
   */
  declare order: unknown;

  /** The `order` attribute: the order as JSON text, for pages without scripts of their own. */
  protected declare orderAttribute: string | null | undefined;

  /** NSPK `c2bmembers.json`-shaped bank list for SBP `codeUrl` invoices. */
  declare banks: unknown;

  /** Phones: put the customer's last used bank first, remembered in this origin's `localStorage` when they tap one. `false` neither reads nor writes it. */
  rememberBank = true;

  /**
   * Mirrors the native `lang` attribute so a change re-renders; the native `lang` property keeps
   * working (and reflecting) because this field has another name.
   */
  protected declare langAttribute: string | null | undefined;

  /** The invoice shown; undefined while idle, loading or after a fatal error. */
  private declare view: InvoiceView | undefined;
  /** Its last known status; the state derives from it. */
  private declare status: PaymentStatus | undefined;
  /** Why there is no invoice to show: `invoice-url` is loading, a fatal error, or it said the order is already paid. */
  private declare blocked: 'loading' | 'error' | 'paid' | undefined;
  /** The last status check failed (checking goes on). */
  private declare trouble: boolean | undefined;
  private declare qrShown: boolean | undefined;
  private bankFilter = '';
  private declare copyNote: '' | 'copied' | 'copyFailed' | undefined;
  /** Milliseconds to expires_at, on the server's clock; updated every second. */
  private remaining = 0;

  /** Invoices that ended here: shown as paid or expired again when passed again. */
  #ended = new Map<string, 'PAID' | 'EXPIRED'>();
  /** The remaining time screen readers were last told (changes only with `remaining`). */
  #spoken: SpokenRemaining | undefined;
  #tickTimer: ReturnType<typeof setTimeout> | undefined;
  #copyTimer: ReturnType<typeof setTimeout> | undefined;
  #loadController: AbortController | undefined;
  /** The invoice-url code, once loaded: its texts say what a failed request means. */
  #invoiceLoad: InvoiceLoadModule | undefined;
  /** What the last `invoice-url` failure means for the shopper (the status line says it); undefined: the generic text. */
  #outcome: Exclude<InvoiceUrlOutcome, 'error'> | undefined;
  #modules = new LazyModules(this, (error) => this.#report(error, false));
  #status = new StatusController(this, this.#modules, {
    onStatus: (view, status, body) => this.#onStatus(view, status, body),
    onError: (error) => this.#report(error, false),
    onTrouble: () => (this.trouble = true),
    onWake: () => this.#tick(),
  });

  /** The layout in effect: `mode`, or for `auto` what the device suggests. */
  get layout(): QPayCheckoutLayout {
    if (this.mode === 'mobile' || this.mode === 'desktop') return this.mode;
    return matchMedia('(pointer: coarse)').matches || MOBILE_USER_AGENT.test(navigator.userAgent) ? 'mobile' : 'desktop';
  }

  /** The id of the invoice shown (given, or loaded from `invoice-url`); undefined while there is none. */
  get invoiceId(): string | undefined {
    return this.view?.id;
  }

  /** Where the element is; also reflected as the host's `data-state` attribute. */
  get state(): QPayCheckoutState {
    const status = this.status;
    if (!this.view) return this.blocked ?? 'idle';
    if (!status || !isFinal(status)) return 'waiting';
    return status === 'PAID' ? 'paid' : status === 'EXPIRED' ? 'expired' : 'failed';
  }

  /** Asks the status endpoint now (no-op unless polling, or while a request is in flight). */
  check(): void {
    this.#status.checkNow();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A page's first number format loads the browser's locale data (tens of ms): load it now, while no
    // invoice is waiting to be shown, rather than inside the render that shows the QR.
    setTimeout(() => formatMoney(0, '', this.#language()));
    // A load cut short by removal runs again.
    if (this.blocked === 'loading' && !this.#loadController) void this.#loadInvoice();
    this.#resume();
    // An element still without invoice and invoice-url a moment after the page loaded is a mistake: say so.
    void afterPageLoad(MISSING_SOURCE_GRACE_MS).then(() => {
      if (this.isConnected && (this.invoice ?? '') === '' && !this.invoiceUrl) warnOnce(this, 'source', MISSING_SOURCE);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#cancelLoad();
    this.#stop();
    this.#setCopyNote('');
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('invoice') || changed.has('invoiceUrl')) {
      this.#applySource();
    } else if ((changed.has('order') || changed.has('orderAttribute')) && this.blocked === 'error' && this.invoiceUrl && !this.invoice) {
      // An order set after a POST that failed (say it went out before the page's script set it): no invoice was
      // made, so posting again makes no second one.
      void this.#loadInvoice();
    } else if (changed.has('statusUrl') || changed.has('eventsUrl') || changed.has('pollInterval')) {
      // Same invoice, new endpoints or pace: start over with sources built for them.
      this.#stop();
      this.#resume();
    }
    this.#modules.language(this.#language());
    const view = this.view;
    if (view && this.state === 'waiting') {
      // Phones with bank links to show: fetch the bank list code now (it arrives before updateComplete resolves).
      if (!this.#qrIsMain(view)) this.#modules.loadBankList();
      if (view.qr.kind === 'text' && (this.#qrIsMain(view) || this.qrShown)) this.#modules.loadQr((error) => this.#fail(error));
    }
    this.dataset['layout'] = this.layout;
    this.dataset['state'] = this.state;
    if (this.layout === 'mobile' && pageLacksViewport()) warnOnce(this, 'viewport', NO_VIEWPORT);
  }

  /** Also waits for the lazy modules and language packs still loading, and the render that shows them. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let complete = await super.getUpdateComplete();
    while (await this.#modules.settled()) complete = await super.getUpdateComplete();
    return complete;
  }

  /** `error` is always an Error: ours, the core's, or the platform's (fetch, import, URL). */
  #report(error: unknown, fatal: boolean): void {
    this.dispatchEvent(new QPayErrorEvent({ error: error as Error, fatal }));
  }

  // ---- inputs -> state ------------------------------------------------------------------------

  #applySource(): void {
    this.#cancelLoad();
    if ((this.invoice ?? '') !== '') this.#useInvoice(this.invoice);
    else if (this.invoiceUrl) void this.#loadInvoice();
    else this.#reset();
  }

  #useInvoice(raw: unknown): void {
    let view: InvoiceView;
    try {
      // Takes the object or its JSON text (the attribute); throws an InvoiceError with a code.
      view = normalizeInvoice(raw);
    } catch (error) {
      this.#fail(error);
      return;
    }
    // The same invoice again (say a re-render of the page) keeps its status.
    if (this.view?.id === view.id) this.view = view;
    else {
      this.#reset(view);
      this.status = this.#ended.get(view.id);
    }
    this.#resume();
  }

  /** Forgets everything about the previous invoice. */
  #reset(view?: InvoiceView): void {
    this.#stop();
    this.#setCopyNote('');
    this.view = view;
    this.status = undefined;
    this.blocked = undefined;
    this.trouble = false;
    this.qrShown = false;
    this.bankFilter = '';
    this.#spoken = undefined;
    this.#outcome = undefined;
    this.#status.forgetInvoice();
  }

  /** A fatal problem: this invoice cannot be used. `outcome` picks the shopper's text for an invoice-url failure. */
  #fail(error: unknown, outcome: InvoiceUrlOutcome = 'error'): void {
    this.#reset();
    this.blocked = 'error';
    if (outcome !== 'error') this.#outcome = outcome;
    this.#report(error, true);
  }

  /** Starts whatever should run now: the countdown and status watching, when connected and waiting. */
  #resume(): void {
    this.#tick();
    const view = this.view;
    if (!view || !this.isConnected || this.state !== 'waiting') return;
    this.#status.watch(view, { statusUrl: this.statusUrl, eventsUrl: this.eventsUrl, pollInterval: this.pollInterval });
  }

  /** Stops status watching and the countdown. */
  #stop(): void {
    this.#status.stop();
    clearTimeout(this.#tickTimer);
  }

  // ---- invoice-url ----------------------------------------------------------------------------

  async #loadInvoice(): Promise<void> {
    this.#cancelLoad();
    if (!this.invoiceUrl) return;
    this.#reset();
    this.blocked = 'loading';
    if (!this.isConnected) return; // connectedCallback starts it
    const controller = new AbortController();
    this.#loadController = controller;
    let loaded: LoadedInvoice | undefined;
    let failure: unknown;
    try {
      this.#invoiceLoad = await import('./invoice-load.js');
      const { fetchInvoice, pageScriptsRan, orderFromAttribute } = this.#invoiceLoad;
      // The page's deferred and end-of-body scripts set `order`: post only once they have run.
      await pageScriptsRan();
      if (this.#loadController !== controller) return; // superseded or removed meanwhile
      const order = this.order === undefined ? orderFromAttribute(this.orderAttribute) : this.order;
      loaded = await fetchInvoice(this.invoiceUrl!, order, controller);
    } catch (error) {
      failure = error;
    }
    if (this.#loadController !== controller) return; // superseded or removed meanwhile
    this.#loadController = undefined;
    if (!loaded) {
      const error = failure instanceof QPayLoadError ? failure : new QPayLoadError(String(failure), undefined, failure);
      const outcome = this.#invoiceLoad?.invoiceUrlOutcome(error) ?? 'error';
      return outcome === 'alreadyPaid' ? this.#alreadyPaid(error) : this.#fail(error, outcome);
    }
    this.#status.noteServerDate(loaded.dateHeader, loaded.receivedAt);
    this.#useInvoice(loaded.invoice);
  }

  /** `409 ORDER_ALREADY_PAID` (the page of a paid order, reloaded): the paid state, not an error. */
  #alreadyPaid(error: QPayLoadError): void {
    this.#reset();
    this.blocked = 'paid';
    this.#outcome = 'alreadyPaid';
    const { invoice_id: id } = (error.answer ?? {}) as { invoice_id?: unknown };
    this.dispatchEvent(new QPayPaidEvent({ invoiceId: typeof id === 'string' ? id : '', status: 'PAID', response: error.answer, alreadyPaid: true }));
  }

  #cancelLoad(): void {
    this.#loadController?.abort();
    this.#loadController = undefined;
  }

  // ---- status ----------------------------------------------------------------------------------

  #onStatus(view: InvoiceView, status: PaymentStatus, body: unknown): void {
    this.trouble = false;
    if (status === 'EXPIRED') return this.#expire(view);
    if (!this.#setStatus(view, status) || !isFinal(status)) return;
    this.#stop();
    if (status !== 'PAID') return;
    this.#ended.set(view.id, 'PAID');
    this.dispatchEvent(new QPayPaidEvent({ invoiceId: view.id, status, response: body }));
  }

  /** Records a status and tells the page when it changed. False when a listener moved on to another invoice. */
  #setStatus(view: InvoiceView, status: PaymentStatus): boolean {
    const previous = this.status;
    if (status === previous) return true;
    this.status = status;
    this.dispatchEvent(new QPayStatusEvent({ invoiceId: view.id, status, previous }));
    return this.view?.id === view.id;
  }

  #expire(view: InvoiceView): void {
    this.#stop();
    this.#ended.set(view.id, 'EXPIRED');
    if (this.#setStatus(view, 'EXPIRED')) this.dispatchEvent(new QPayExpiredEvent({ invoiceId: view.id, expiresAt: view.expiresAt }));
  }

  /**
   * While waiting on an invoice with an expiry: updates the countdown and what screen readers hear,
   * expires the invoice when its time is up, and wakes again just after the shown second changes.
   */
  #tick(): void {
    clearTimeout(this.#tickTimer);
    const view = this.view;
    if (view?.expiresAt === undefined || !this.isConnected || this.state !== 'waiting') return;
    const remaining = view.expiresAt - Date.now() - this.#status.clockOffset;
    if (remaining <= 0) return this.#expire(view);
    const spoken = spokenRemaining(remaining);
    if (spoken.key !== this.#spoken?.key) this.#spoken = spoken;
    this.remaining = remaining;
    this.#tickTimer = setTimeout(() => this.#tick(), (remaining % 1000 || 1000) + 5);
  }

  // ---- rendering -------------------------------------------------------------------------------

  #language(): Language {
    return resolveLanguage(this.getAttribute('lang'));
  }

  /** Desktop, a phone with no bank links, or a bank list that failed to load: the QR is what the customer uses. */
  #qrIsMain(view: InvoiceView): boolean {
    return this.layout === 'desktop' || this.#modules.bankList === null || (view.banks.length === 0 && !view.primaryLink);
  }

  protected override render(): TemplateResult {
    const language = this.#language();
    const t = messagesFor(language);
    // The language pack is on its way (a moment, from cache): a busy card rather than the wrong language.
    if (!t) return html`<div class="card" aria-busy="true"><p part="status" class="status" role="status">${SPINNER}</p></div>`;
    const { view, state, status } = this;
    const waiting = view && state === 'waiting';
    const outcome = this.#outcome && this.#invoiceLoad?.invoiceUrlMessages[language][this.#outcome];
    const text = state === 'idle' ? '' : state === 'failed' ? t[status!.toLowerCase() as 'failed' | 'cancelled' | 'refunded'] : (outcome ?? t[state]);
    return html`<div class="card" lang=${language}>
      ${view ? this.#renderSummary(view, t, language) : nothing}
      ${waiting ? this.#renderPayment(view, t, language) : nothing}
      <p part="status" class="status" role="status">${waiting || state === 'loading' ? SPINNER : nothing}<span>${text}</span>${waiting ? this.#modules.bankList?.spokenAppHint(this, view, language) : nothing}</p>
      ${waiting && this.trouble ? html`<p class="note">${t.connectionProblem}</p>` : nothing}
      ${waiting && view.expiresAt !== undefined
        ? html`<p part="timer" class="note timer">${t.timeLeft(formatCountdown(this.remaining))}</p>
            <p class="sr" aria-live="polite" aria-atomic="true">${this.#spoken?.say(t)}</p>`
        : nothing}
      ${state === 'error' && this.invoiceUrl && !this.invoice
        ? html`<div class="actions">${button(t.retry, () => void this.#loadInvoice())}</div>`
        : nothing}
    </div>`;
  }

  #renderSummary(view: InvoiceView, t: Messages, language: Language): TemplateResult {
    return html`<div class="summary">
      ${view.merchant ? html`<p class="note">${labelled(t.merchant, view.merchant)}</p>` : nothing}
      ${view.description ? html`<p class="note">${view.description}</p>` : nothing}
      ${view.amount !== undefined
        ? html`<p part="amount" class="amount">${labelled(t.amount, formatMoney(view.amount, view.currency, language))}</p>`
        : nothing}
    </div>`;
  }

  #renderPayment(view: InvoiceView, t: Messages, language: Language): TemplateResult {
    const copy = this.#renderCopy(view, t);
    if (this.#qrIsMain(view)) {
      return html`<p class="heading">${t.scanQr}</p>
        ${this.#renderQr(view, t)} ${copy ? html`<div class="actions">${copy}</div>` : nothing}`;
    }
    const module = this.#modules.bankList;
    // The phone layout's code is on its way (a moment): a spinner holds its place.
    if (!module) return html`<p class="status" aria-busy="true">${SPINNER}</p>`;
    return module.renderPhonePayment(view, this.banks, language, {
      host: this,
      filter: this.bankFilter,
      onFilter: (value) => (this.bankFilter = value),
      remember: this.rememberBank,
      onSelect: (event, name, link) => {
        if (!this.dispatchEvent(new QPayBankSelectEvent({ name, link }))) event.preventDefault();
      },
      qrShown: !!this.qrShown,
      onToggleQr: () => (this.qrShown = !this.qrShown),
      qr: this.qrShown ? this.#renderQr(view, t) : nothing,
      copy,
    });
  }

  #renderQr(view: InvoiceView, t: Messages): TemplateResult {
    const qr = view.qr;
    let drawn: TemplateResult | undefined;
    if (qr.kind === 'image') {
      drawn = html`<img part="qr" class="qr" src=${`data:image/png;base64,${qr.base64Png}`} alt=${t.qrAlt} @error=${() => this.#qrImageFailed(view)} />`;
    } else if (this.#modules.qr) {
      try {
        drawn = this.#modules.qr.drawQr(qr.text, t.qrAlt);
      } catch (error) {
        // Text too long for any QR version: the invoice cannot be shown. Report after this render.
        queueMicrotask(() => this.view === view && this.#fail(new Error(`The QR text (${qr.text.length} characters) is too long for a QR code`, { cause: error })));
      }
    }
    // Until the encoder arrives, a spinner holds the QR's place.
    return html`<div class="qr-frame" aria-busy=${!drawn}>${drawn ?? SPINNER}</div>`;
  }

  /** The provider's PNG did not decode: draw its text instead, or, without one, the invoice cannot be paid here. */
  #qrImageFailed(view: InvoiceView): void {
    if (this.view !== view || view.qr.kind !== 'image') return;
    const text = view.qr.text;
    if (text) this.view = { ...view, qr: { kind: 'text', text } };
    else this.#fail(new Error('The invoice qr_image does not decode as a PNG, and there is no qr_text to draw instead'));
  }

  /** The copy button and its feedback, where the clipboard is available. */
  #renderCopy(view: InvoiceView, t: Messages): TemplateResult | undefined {
    const text = view.copyText;
    if (!text || !navigator.clipboard) return undefined;
    return html`${button(/^https?:\/\//i.test(text) ? t.copyLink : t.copy, () => void this.#copy(text))}
      <span class="note" role="status">${this.copyNote && t[this.copyNote]}</span>`;
  }

  async #copy(text: string): Promise<void> {
    let note: 'copied' | 'copyFailed' = 'copied';
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      note = 'copyFailed';
    }
    if (this.isConnected) this.#setCopyNote(note);
  }

  /** Shows the copy feedback for a moment ('' clears it). */
  #setCopyNote(note: '' | 'copied' | 'copyFailed'): void {
    clearTimeout(this.#copyTimer);
    this.copyNote = note;
    if (note) this.#copyTimer = setTimeout(() => (this.copyNote = ''), COPY_FEEDBACK_MS);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'qpay-checkout': QPayCheckoutElement;
  }
}
