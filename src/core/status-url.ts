// Turns the merchant's `status-url` template into the URL the poller GETs. Pure string work, no DOM.

const ID_PLACEHOLDER = /\{id\}|%7Bid%7D/i;
const ALL_ID_PLACEHOLDERS = new RegExp(ID_PLACEHOLDER.source, 'gi');

/**
 * Expands a status URL template for one invoice.
 *
 * - `{id}` (also in its percent-encoded form `%7Bid%7D`, which `new URL()` leaves behind) is replaced
 *   by `encodeURIComponent(invoiceId)` wherever it appears.
 * - Without `{id}`, `invoice_id=<id>` is appended to the query, keeping the existing query and hash as
 *   written (no re-encoding of the merchant's parameters).
 * - With `base`, a relative result is resolved against it (e.g. `document.baseURI`) and returned
 *   absolute; without it, a relative template stays relative.
 *
 * Throws a `TypeError` for an empty template or id, an unusable base, or a scheme other than
 * http(s): the status endpoint is always the merchant's own web server.
 */
export function expandStatusUrl(template: string, invoiceId: string, base?: string): string {
  if (typeof template !== 'string' || template.trim() === '') {
    throw new TypeError('status-url: expected a non-empty URL template');
  }
  if (typeof invoiceId !== 'string' || invoiceId === '') {
    throw new TypeError('status-url: expected a non-empty invoice id');
  }
  const trimmed = template.trim();
  const encodedId = encodeURIComponent(invoiceId);

  let expanded: string;
  if (ID_PLACEHOLDER.test(trimmed)) {
    expanded = trimmed.replace(ALL_ID_PLACEHOLDERS, () => encodedId);
  } else {
    expanded = appendQueryParameter(trimmed, 'invoice_id', encodedId);
  }

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(expanded)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`status-url: only http(s) URLs can be polled, got "${scheme}:"`);
  }
  if (base === undefined) return expanded;

  let resolved: URL;
  try {
    resolved = new URL(expanded, base);
  } catch {
    throw new TypeError(`status-url: cannot resolve "${expanded}" against base "${base}"`);
  }
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') {
    throw new TypeError(`status-url: only http(s) URLs can be polled, got "${resolved.protocol}"`);
  }
  return resolved.href;
}

/** Adds `name=value` (value already encoded) before the hash, after any existing query. */
function appendQueryParameter(url: string, name: string, encodedValue: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : url.slice(hashAt);
  const pair = `${name}=${encodedValue}`;
  let separator: string;
  if (!beforeHash.includes('?')) separator = '?';
  else if (beforeHash.endsWith('?') || beforeHash.endsWith('&')) separator = '';
  else separator = '&';
  return `${beforeHash}${separator}${pair}${hash}`;
}
