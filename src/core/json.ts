// Tiny guards for parsed JSON, shared by the invoice and status readers. Pure.

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A provider's code word (status, currency) made comparable: trimmed, upper case; '' when not a
 * string or not plain printable ASCII. Upper-casing other letters makes look-alikes of real words
 * ("paıd" with a dotless i becomes "PAID"), so they never become one.
 */
export function codeWord(value: unknown): string {
  const word = typeof value === 'string' ? value.trim() : '';
  return /^[\x21-\x7E]*$/.test(word) ? word.toUpperCase() : '';
}
