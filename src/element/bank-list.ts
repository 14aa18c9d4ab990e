// The phone layout's bank list: one deep link per bank, with a search box for long SBP lists, and
// the SBP links derived from NSPK's list. Desktops never show it, so the element loads this module
// only for the mobile layout (the card shows a spinner in its place for that moment), together with
// its texts and styles.
import { css, html, nothing, type TemplateResult } from 'lit';
import { parseBankList, sbpBankLinks } from '../core/sbp-banks.js';
import type { BankLink, InvoiceView } from '../core/types.js';
import type { Language } from './i18n/index.js';
import { phoneMessages } from './i18n/phone.js';

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
export function renderPhonePayment(view: InvoiceView, c2bmembers: unknown, language: Language, options: PhonePaymentOptions): TemplateResult {
  const { filter, onSelect, qrShown } = options;
  const t = phoneMessages[language];
  const primary = view.primaryLink;
  const banks = bankLinks(view, c2bmembers);
  const searchable = banks !== view.banks && banks.length > BANK_SEARCH_THRESHOLD;
  const query = searchable ? filter.trim().toLocaleLowerCase() : '';
  const shown = banks.filter((bank) => bank.name.toLocaleLowerCase().includes(query));
  return html`<p class="heading">${t.chooseBank}</p>
    ${primary
      ? html`<a part="bank" class="button primary" href=${primary} @click=${(event: MouseEvent) => onSelect(event, '', primary)}>${t.openInBankApp}</a>`
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
              <a part="bank" class="button bank" href=${link} @click=${(event: MouseEvent) => onSelect(event, name, link)}>
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

/** Styles of the phone layout, added to the element's own (its `.button`, `.actions`, colours) when this module loads. */
export const phoneStyles = css`
  .banks {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr));
    gap: 0.5rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }

  /* A bank link is a .button that reads like a list entry: logo and name from the start. */
  .bank {
    justify-content: start;
    text-align: start;
    font-weight: 400;
  }

  .bank img {
    flex: none;
    width: 2rem;
    height: 2rem;
    border-radius: 0.5rem;
    object-fit: contain;
    background: #fff;
  }

  .primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--qpay-color-on-accent, #fff);
  }

  @media (prefers-color-scheme: dark) {
    .primary {
      color: var(--qpay-color-on-accent, #062e6f);
    }
  }

  .search {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
  }

  input {
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: inherit;
    font: inherit;
  }
`;
