// The phone layout's bank list: one deep link per bank, with a search box for long SBP lists, and
// the SBP links derived from NSPK's list. Desktops never show it, so the element loads this module
// only for the mobile layout (the card shows a spinner in its place for that moment).
import { html, nothing, type TemplateResult } from 'lit';
import { parseBankList, sbpBankLinks } from '../core/sbp-banks.js';
import type { BankLink, InvoiceView } from '../core/types.js';
import type { Messages } from './i18n/index.js';

/** Above this many SBP banks a search box helps the customer find theirs. */
export const BANK_SEARCH_THRESHOLD = 8;

/** The SBP links last derived, kept while the codeUrl and the bank list stay the same (the card re-renders every second). */
let sbp: { codeUrl: string; c2bmembers: unknown; links: BankLink[] } | undefined;

/** QPay's own bank links, or for an SBP `codeUrl` one link per bank of `c2bmembers` (NSPK's `c2bmembers.json`). */
function bankLinks(view: InvoiceView, c2bmembers: unknown): BankLink[] {
  const codeUrl = view.primaryLink;
  if (view.banks.length > 0 || !codeUrl) return view.banks;
  if (sbp?.codeUrl !== codeUrl || sbp.c2bmembers !== c2bmembers) {
    sbp = { codeUrl, c2bmembers, links: sbpBankLinks(codeUrl, parseBankList(c2bmembers)) };
  }
  return sbp.links;
}

export interface PhonePaymentOptions {
  /** The search box's text. */
  filter: string;
  onFilter(value: string): void;
  /** A bank link was activated (before the browser follows it); `name` is empty for the SBP "open in bank app" link. */
  onSelect(event: MouseEvent, name: string, link: string): void;
  qrShown: boolean;
  onToggleQr(): void;
  /** The QR, rendered by the element when `qrShown`. */
  qr: TemplateResult | typeof nothing;
  /** The copy button, if any. */
  copy: TemplateResult | undefined;
}

/**
 * The phone layout's payment block: for SBP the "open in bank app" link, then the invoice's bank
 * links (a search box when an SBP list is long), and the QR one tap away for paying from another phone.
 */
export function renderPhonePayment(view: InvoiceView, c2bmembers: unknown, t: Messages, options: PhonePaymentOptions): TemplateResult {
  const { filter, onSelect, qrShown } = options;
  const primary = view.primaryLink;
  const banks = bankLinks(view, c2bmembers);
  const searchable = banks !== view.banks && banks.length > BANK_SEARCH_THRESHOLD;
  const query = searchable ? filter.trim().toLocaleLowerCase() : '';
  const shown = banks.filter((bank) => bank.name.toLocaleLowerCase().includes(query));
  return html`<p class="heading">${t.chooseBank}</p>
    ${primary
      ? html`<a part="bank" class="primary" href=${primary} @click=${(event: MouseEvent) => onSelect(event, '', primary)}>${t.openInBankApp}</a>`
      : nothing}
    ${searchable
      ? html`<label class="search">
          <span>${t.searchBanks}</span>
          <input type="search" autocomplete="off" .value=${filter} @input=${(event: Event) => options.onFilter((event.target as HTMLInputElement).value)} />
        </label>`
      : nothing}
    ${shown.length > 0
      ? html`<ul part="banks" class="banks" aria-label=${t.bankList}>
          ${shown.map(
            ({ name, logo, link }) => html`<li>
              <a part="bank" class="bank" href=${link} @click=${(event: MouseEvent) => onSelect(event, name, link)}>
                ${logo ? html`<img src=${logo} alt="" width="32" height="32" loading="lazy" referrerpolicy="no-referrer" />` : nothing}
                <span>${name}</span>
              </a>
            </li>`,
          )}
        </ul>`
      : banks.length > 0
        ? html`<p class="note">${t.noBanksFound}</p>`
        : nothing}
    <div class="actions">
      <button type="button" class="button" aria-expanded=${qrShown} aria-controls="qr-panel" @click=${options.onToggleQr}>
        ${qrShown ? t.hideQr : t.showQr}
      </button>
      ${options.copy}
    </div>
    <div id="qr-panel" ?hidden=${!qrShown}>${options.qr}</div>`;
}
