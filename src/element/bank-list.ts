// The phone layout's bank picker: a grid of bank tiles (logo above a short name; the bank's initials
// on a colour of its own when the logo does not load), the customer's last used bank first, and for
// long SBP lists a search that forgives Cyrillic or Latin input. Desktops never show it, so the
// element loads this module only for the mobile layout (the card shows a spinner in its place for
// that moment), together with its texts and styles.
import { css, html, nothing, type LitElement, type TemplateResult } from 'lit';
import { bankColour, bankInitials, findBanks, lastUsedFirst } from '../core/bank-picker.js';
import { parseBankList, sbpBankLinks } from '../core/sbp-banks.js';
import type { BankLink, InvoiceView } from '../core/types.js';
import type { Language } from './i18n/index.js';
import { phoneMessages } from './i18n/phone.js';
import { appHint, renderAppHint, spokenAppHint } from './app-hint.js';

export { spokenAppHint };

/** Above this many SBP banks a search box helps the customer find theirs. */
export const BANK_SEARCH_THRESHOLD = 12;

/** Where the last used bank's name is kept, on the shop's origin. */
export const LAST_BANK_KEY = 'qpay-checkout:last-bank';

/** The SBP links last derived, kept while the codeUrl and the bank list stay the same (the card re-renders every second). */
let sbp: { codeUrl: string; c2bmembers: unknown; links: BankLink[] } | undefined;

/**
 * The last used bank, read once per invoice shown: tapping a bank saves it for next time (the next
 * invoice, or this one after a reload) but does not move the tiles under the customer's finger.
 */
const lastUsed = new WeakMap<InvoiceView, string | null>();

/** Storage may be missing or refuse (blocked cookies, a sandboxed frame, a full quota): then nothing is remembered. */
function readLastBank(): string | null {
  try {
    return localStorage.getItem(LAST_BANK_KEY);
  } catch {
    return null;
  }
}

function saveLastBank(name: string): void {
  try {
    localStorage.setItem(LAST_BANK_KEY, name);
  } catch {
    // Not remembered this time; the payment goes on.
  }
}

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
  /** The element: its "Didn't open?" hint re-renders it (see app-hint.ts). */
  host: LitElement;
  /** The search box's text. */
  filter: string;
  onFilter(value: string): void;
  /** Whether to put the last used bank first and remember the one tapped (the element's `rememberBank`). */
  remember: boolean;
  /** A bank link was activated (before the browser follows it); `name` is empty for the SBP "open in bank app" link. */
  onSelect(event: MouseEvent, name: string, link: string): void;
  qrShown: boolean;
  onToggleQr(): void;
  /** The QR, rendered by the element when `qrShown`. */
  qr: TemplateResult | typeof nothing;
  /** The copy button, if any. */
  copy: TemplateResult | undefined;
}

/** A logo shows once it has loaded; one that fails stays hidden over the initials (no broken-image icon). */
const logoSettled = (event: Event): void => {
  (event.target as HTMLElement).toggleAttribute('data-loaded', event.type === 'load');
};

/**
 * One bank tile. Its colour is set through the CSSOM (a property binding), which a CSP without
 * 'unsafe-inline' allows, unlike a style attribute. The initials (drawn by CSS from `data-initials`, so they are not part of the link's
 * text) sit under the logo in the same box: a logo that fails or is slow leaves them showing and
 * nothing moves. The tile's accessible name is the bank's name.
 */
function renderTile({ name, logo, link }: BankLink, onSelect: (event: MouseEvent) => void): TemplateResult {
  return html`<li>
    <a part="bank" class="button bank" href=${link} @click=${onSelect}>
      <span class="logo" .style=${`background:${bankColour(name)}`} data-initials=${bankInitials(name)} aria-hidden="true">
        ${logo
          ? html`<img src=${logo} alt="" width="32" height="32" loading="lazy" referrerpolicy="no-referrer" @load=${logoSettled} @error=${logoSettled} />`
          : nothing}
      </span>
      <span class="name">${name}</span>
    </a>
  </li>`;
}

/**
 * The phone layout's payment block: for SBP the "open in bank app" link, then the bank tiles (the
 * last used first; a search box when an SBP list is long), and the QR one tap away for paying from
 * another phone (or when the search finds nothing).
 */
export function renderPhonePayment(view: InvoiceView, c2bmembers: unknown, language: Language, options: PhonePaymentOptions): TemplateResult {
  const { filter, host, onSelect, qrShown, remember } = options;
  const t = phoneMessages[language];
  const primary = view.primaryLink;
  if (remember && !lastUsed.has(view)) lastUsed.set(view, readLastBank());
  const banks = lastUsedFirst(bankLinks(view, c2bmembers), remember ? (lastUsed.get(view) ?? null) : null);
  const searchable = view.banks.length === 0 && banks.length > BANK_SEARCH_THRESHOLD;
  const shown = searchable ? findBanks(banks, filter) : banks;
  const select = (name: string, link: string) => (event: MouseEvent) => {
    if (remember && name) saveLastBank(name);
    onSelect(event, name, link);
    // The browser follows the link (the shop did not take the navigation over): watch whether the bank's app opens.
    if (!event.defaultPrevented) appHint(host).tapped(view);
  };
  // Show QR and Copy stay in the first screen: under the tiles when they fit there, above a long searchable list.
  const actions = html`<div class="actions">
      <button type="button" class="button" aria-expanded=${qrShown} aria-controls="qr-panel" @click=${options.onToggleQr}>
        ${qrShown ? t.hideQr : t.showQr}
      </button>
      ${options.copy}
    </div>
    <div id="qr-panel" ?hidden=${!qrShown}>${options.qr}</div>`;
  return html`<p class="heading">${t.chooseBank}</p>
    ${primary ? html`<a part="bank" class="button primary" href=${primary} @click=${select('', primary)}>${t.openInBankApp}</a>` : nothing}
    ${searchable
      ? html`${actions}
          <label class="search">
            <span>${t.searchBanks}</span>
            <input type="search" autocomplete="off" .value=${filter} @input=${(event: Event) => options.onFilter((event.target as HTMLInputElement).value)} />
          </label>`
      : nothing}
    ${shown.length > 0
      ? html`<ul part="banks" class="banks${searchable ? ' long' : ''}" aria-label=${t.bankList}>
          ${shown.map((bank) => renderTile(bank, select(bank.name, bank.link)))}
        </ul>`
      : banks.length > 0
        ? html`<p class="note" role="status">${t.noBanksFound}</p>`
        : nothing}
    ${renderAppHint(host, view, t, () => qrShown || options.onToggleQr())}
    ${searchable ? nothing : actions}`;
}

/** Styles of the phone layout, added to the element's own (its `.button`, `.actions`, colours) when this module loads. */
export const phoneStyles = css`
  /* The phone card is mostly tiles: a little less air between its blocks keeps them on one screen. */
  .card {
    gap: 0.5rem;
  }

  /* Show QR and Copy share one row, however long their words in the page's language, so the status line stays
     on the first screen; a label wraps between words inside its own button. */
  .actions {
    flex-wrap: nowrap;
    /* Same height and top for both buttons, however many lines each label takes. */
    align-items: stretch;
  }

  .actions > .button {
    flex: 1 1 0;
    min-width: 0;
    padding-inline: 0.5rem;
    overflow-wrap: normal;
  }

  /* As many tiles of at least 4.5rem as fit: 4 a row on a phone's full width, 3 in a narrow card. */
  .banks {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(4.5rem, 1fr));
    gap: 0.375rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }

  /* SBP's names are longer, with words like "Нацинвестпромбанк": wider tiles, 2 a row on a phone. */
  .long {
    grid-template-columns: repeat(auto-fill, minmax(8rem, 1fr));
  }

  /* A tile: a .button with the logo above the name, the whole cell a touch target. Names wrap between words only. */
  .bank {
    flex-direction: column;
    justify-content: start;
    gap: 0.125rem;
    height: 100%;
    min-height: 2.75rem;
    /* No side padding: at 360 px a tile is ~4.7rem, and "Development" needs all of it. */
    padding: 0.25rem 0;
    border-radius: calc(var(--_radius) / 1.5);
    font-size: 0.6875rem;
    font-weight: 400;
    line-height: 1.15;
    overflow-wrap: break-word;
  }

  /* A name wraps between words; only a word longer than the tile ("Райффайзенбанк" at 360 px) breaks, rather
     than sticking out ("anywhere", unlike "break-word", also lets the name's box shrink to the tile). */
  .name {
    overflow-wrap: anywhere;
  }

  /* The logo's box, which also holds the initials under it: same size whether the logo shows or not. */
  .logo {
    position: relative;
    flex: none;
    display: grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    border-radius: 0.5rem;
    overflow: hidden;
    color: #fff;
    font-size: 0.875rem;
    font-weight: 600;
  }

  /* Initials wait a moment before showing, so a logo that loads at once never flashes them. */
  .logo::before {
    content: attr(data-initials);
    animation: qpay-initials 0s 0.4s both;
  }

  @keyframes qpay-initials {
    from {
      visibility: hidden;
    }
  }

  .logo img {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: contain;
    background: #fff;
  }

  .logo img:not([data-loaded]) {
    opacity: 0;
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

  /* "Didn't open?": stays at the bottom of the screen while the card is there, over the tiles it follows. */
  .hint {
    position: sticky;
    bottom: 0.5rem;
    display: flex;
    flex-direction: column;
    gap: 0.375rem;
    padding: 0.5rem 0.75rem 0.75rem;
    border: 2px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_bg);
    box-shadow: 0 0.25rem 1rem rgb(0 0 0 / 0.25);
    font-size: 0.9375em;
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
