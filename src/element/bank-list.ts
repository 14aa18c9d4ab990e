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

export interface BankListOptions {
  /** The search box's text. */
  filter: string;
  onFilter(value: string): void;
  /** A bank link was activated (before the browser follows it). */
  onSelect(event: MouseEvent, bank: BankLink): void;
}

/** The invoice's bank links (nothing when there are none), with a search box when an SBP list is long. */
export function renderBankList(
  view: InvoiceView,
  c2bmembers: unknown,
  t: Messages,
  { filter, onFilter, onSelect }: BankListOptions,
): TemplateResult | typeof nothing {
  const banks = bankLinks(view, c2bmembers);
  if (banks.length === 0) return nothing;
  const searchable = banks !== view.banks && banks.length > BANK_SEARCH_THRESHOLD;
  const query = searchable ? filter.trim().toLocaleLowerCase() : '';
  const shown = banks.filter((bank) => bank.name.toLocaleLowerCase().includes(query));
  return html`
    ${searchable
      ? html`<label class="search">
          <span>${t.searchBanks}</span>
          <input type="search" autocomplete="off" .value=${filter} @input=${(event: Event) => onFilter((event.target as HTMLInputElement).value)} />
        </label>`
      : nothing}
    ${shown.length > 0
      ? html`<ul part="banks" class="banks" aria-label=${t.bankList}>
          ${shown.map(
            (bank) => html`<li>
              <a part="bank" class="bank" href=${bank.link} @click=${(event: MouseEvent) => onSelect(event, bank)}>
                ${bank.logo
                  ? html`<img src=${bank.logo} alt="" width="32" height="32" loading="lazy" referrerpolicy="no-referrer" />`
                  : nothing}
                <span>${bank.name}</span>
              </a>
            </li>`,
          )}
        </ul>`
      : html`<p class="note">${t.noBanksFound}</p>`}
  `;
}
