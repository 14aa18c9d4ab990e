// The phone layout's bank list: one deep link per bank, with a search box for long SBP lists, and
// the SBP links derived from NSPK's list. Desktops never show it, so the element loads this module
// only for the mobile layout (the card shows a spinner in its place for that moment).
import { html, nothing, type TemplateResult } from 'lit';
import { parseBankList, sbpBankLinks } from '../core/sbp-banks.js';
import type { BankLink } from '../core/types.js';
import type { Messages } from './i18n/index.js';

/** One link per bank for an SBP `codeUrl`, from the `banks` property (NSPK's `c2bmembers.json`). */
export function sbpLinksFor(codeUrl: string, c2bmembers: unknown): BankLink[] {
  return sbpBankLinks(codeUrl, parseBankList(c2bmembers));
}

export interface BankListOptions {
  /** Show the search box and filter by `filter`. */
  searchable: boolean;
  filter: string;
  onFilter(value: string): void;
  /** A bank link was activated (before the browser follows it). */
  onSelect(event: MouseEvent, bank: BankLink): void;
}

export function renderBankList(banks: BankLink[], t: Messages, options: BankListOptions): TemplateResult {
  const { searchable, onSelect } = options;
  const filter = options.filter.trim().toLocaleLowerCase();
  const shown = searchable && filter ? banks.filter((bank) => bank.name.toLocaleLowerCase().includes(filter)) : banks;
  return html`
    ${searchable
      ? html`<label class="search">
          <span>${t.searchBanks}</span>
          <input
            type="search"
            autocomplete="off"
            .value=${options.filter}
            @input=${(event: Event) => options.onFilter((event.target as HTMLInputElement).value)}
          />
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
