// NSPK's SBP bank list (`c2bmembers.json`) turned into one deep link per bank for an SBP `codeUrl`.
// Only phones show bank links, so the element loads this (with element/bank-list.ts) on demand.
// The SBP scheme swap lives here too (only this file uses it). Pure: no DOM, no I/O.
import { cleanText, MAX_NAME_LENGTH } from './invoice.js';
import { isRecord } from './json.js';
import { safeHttpsUrl, safeLink, safeSbpUrl } from './links.js';
import type { BankLink } from './types.js';

/** A bank from NSPK's SBP list (`c2bmembers.json`), reduced to what a bank link needs. */
export interface SbpBank {
  name: string;
  /** https: logo URL. */
  logo?: string;
  /** The bank app's URL scheme, e.g. `bank100000000111`. */
  schema: string;
}

/**
 * NSPK's rule for opening an SBP QR in one bank's app: the `codeUrl` with its `https` scheme
 * replaced by the bank's `schema` (`https://qr.nspk.ru/AD1...` -> `bank100000000111://qr.nspk.ru/AD1...`).
 * Null unless codeUrl is an SBP link (see `safeSbpUrl`), the schema is a bare scheme name and the result is safe.
 */
export function sbpBankLink(codeUrl: string, schema: string): string | null {
  const bare = typeof schema === 'string' && /^[a-z][a-z0-9+.-]{0,63}$/i.test(schema);
  return bare && safeSbpUrl(codeUrl) !== null ? safeLink(schema + codeUrl.slice(5)) : null;
}

/**
 * Reads NSPK's SBP bank list (`c2bmembers.json`: `{version, dictionary: [{bankName, logoURL,
 * schema, package_name}]}`, or the bare array) into banks. Entries without a name or with a
 * schema that is not a plain, allowed URL scheme are dropped; a repeated schema keeps its first.
 */
export function parseBankList(c2bmembers: unknown): SbpBank[] {
  const list = Array.isArray(c2bmembers) ? c2bmembers : isRecord(c2bmembers) ? c2bmembers.dictionary : undefined;
  if (!Array.isArray(list)) return [];
  const banks: SbpBank[] = [];
  const seen = new Set<string>();
  for (const entry of list) {
    if (!isRecord(entry)) continue;
    const name = cleanText(entry.bankName, MAX_NAME_LENGTH);
    const schema = typeof entry.schema === 'string' ? entry.schema.trim() : '';
    // The test sbpBankLink applies (a bare, allowed scheme name), so every listed bank can produce a link.
    if (!name || seen.has(schema.toLowerCase()) || !sbpBankLink('https://qr.nspk.ru/', schema)) continue;
    seen.add(schema.toLowerCase());
    const bank: SbpBank = { name, schema };
    const logo = safeHttpsUrl(entry.logoURL);
    if (logo) bank.logo = logo;
    banks.push(bank);
  }
  return banks;
}

/** One bank link per SBP bank for an SBP `codeUrl` (NSPK's scheme swap); banks that fail are skipped. */
export function sbpBankLinks(codeUrl: string, banks: readonly SbpBank[]): BankLink[] {
  const links: BankLink[] = [];
  for (const bank of banks) {
    const link = sbpBankLink(codeUrl, bank.schema);
    if (!link) continue;
    links.push(bank.logo ? { name: bank.name, logo: bank.logo, link } : { name: bank.name, link });
  }
  return links;
}
