// Tiny guards for parsed JSON, shared by the invoice and status readers. Pure.

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A provider's code word (status, currency) made comparable: trimmed, upper case; '' when not a string. */
export function codeWord(value: unknown): string {
  return typeof value === 'string' ? value.trim().toUpperCase() : '';
}
