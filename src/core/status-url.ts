// Turns the merchant's `status-url` template into the URL the poller GETs. Pure string work, no DOM.

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
  const trimmed = typeof template === 'string' ? template.trim() : '';
  if (!trimmed || typeof invoiceId !== 'string' || !invoiceId) {
    throw new TypeError('status-url: expected a non-empty URL template (such as "/qpay/status/{id}") and invoice id');
  }
  const id = encodeURIComponent(invoiceId);
  // The encoded id holds no `$`, so it is inserted literally.
  let expanded = trimmed.replace(/\{id\}|%7Bid%7D/gi, id);
  if (expanded === trimmed) {
    // No placeholder: add the id to the query, before any hash.
    expanded = trimmed.replace(/^[^#]*/, (beforeHash) => {
      const separator = !beforeHash.includes('?') ? '?' : /[?&]$/.test(beforeHash) ? '' : '&';
      return `${beforeHash}${separator}invoice_id=${id}`;
    });
  }

  let resolved: URL;
  try {
    // Without a base, a stand-in one lets relative templates pass the scheme check below.
    resolved = new URL(expanded, base ?? 'http://relative.invalid/');
  } catch {
    throw new TypeError(`status-url: cannot resolve "${expanded}" against "${base}"`);
  }
  if (!/^https?:$/.test(resolved.protocol)) {
    throw new TypeError(`status-url: only http(s) URLs can be polled, got "${resolved.protocol}" in "${expanded}"`);
  }
  return base === undefined ? expanded : resolved.href;
}
