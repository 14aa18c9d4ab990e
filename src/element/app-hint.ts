// The "Didn't open?" hint of the phone layout: after a tap on a bank link, when the page is still visible a
// moment later (core/app-open decides), the bank's app is most likely not installed, so the card says so
// and offers the QR. Part of the lazily loaded bank list: the element only passes itself in.

import { html, nothing, type LitElement, type ReactiveController, type TemplateResult } from 'lit';
import { AppOpenWatch } from '../core/app-open.js';
import type { InvoiceView } from '../core/types.js';
import type { Language } from './i18n/index.js';
import { phoneMessages, type PhoneMessages } from './i18n/phone.js';

/** One hint per element, made on its first bank tap. */
const hints = new WeakMap<LitElement, AppNotOpenedHint>();

/** The hint's state for one element: which invoice's tap went unanswered; the wait is stopped when the element leaves the page. */
class AppNotOpenedHint implements ReactiveController {
  /** The invoice whose last bank tap did not open an app: the hint shows while that invoice is shown. */
  #unansweredId: string | undefined;
  #tappedId: string | undefined;
  readonly #watch = new AppOpenWatch(() => {
    this.#unansweredId = this.#tappedId;
    this.host.requestUpdate();
  });

  constructor(private readonly host: LitElement) {
    host.addController(this);
  }

  /** A bank link of `view` was followed: any hint goes, and the wait starts again. */
  tapped(view: InvoiceView): void {
    this.#tappedId = view.id;
    this.#unansweredId = undefined;
    this.#watch.tapped();
    this.host.requestUpdate();
  }

  shownFor(view: InvoiceView): boolean {
    return this.#unansweredId === view.id;
  }

  hostDisconnected(): void {
    this.#watch.stop();
  }
}

/** The element's hint, made on first use. */
export function appHint(host: LitElement): AppNotOpenedHint {
  let hint = hints.get(host);
  if (!hint) hints.set(host, (hint = new AppNotOpenedHint(host)));
  return hint;
}

/**
 * The hint's text for the element's status line, a polite live region that is on the page before the hint
 * appears, so screen readers announce it (a region inserted along with its text is often not announced).
 */
export function spokenAppHint(host: LitElement, view: InvoiceView, language: Language): TemplateResult | typeof nothing {
  return hints.get(host)?.shownFor(view) ? html`<span class="sr"> ${phoneMessages[language].appNotOpened}</span>` : nothing;
}

/**
 * The visible hint, kept in sight at the bottom of the screen while the card is (the tapped tile may be far
 * down a long list). Its text is hidden from screen readers, which hear it from the status line instead.
 * Its button shows the QR and brings it into view; focus stays where the customer left it.
 */
export function renderAppHint(host: LitElement, view: InvoiceView, t: PhoneMessages, showQr: () => void): TemplateResult | typeof nothing {
  if (!hints.get(host)?.shownFor(view)) return nothing;
  const show = async (): Promise<void> => {
    showQr();
    await host.updateComplete;
    host.renderRoot.querySelector('#qr-panel')?.scrollIntoView({ block: 'nearest' });
  };
  return html`<div class="hint">
    <p aria-hidden="true">${t.appNotOpened}</p>
    <button type="button" class="button" aria-controls="qr-panel" @click=${show}>${t.showQr}</button>
  </div>`;
}
