// Untrusted values (order ids, callback parameters, provider texts) made safe for one log line:
// control characters (CR, LF, NUL, ESC, ...) are escaped so nobody can forge a second line or
// colour a terminal, and the length is bounded so one request cannot flood the log.

/** Longest text `logSafe` keeps by default (characters, before the "…(N more)" note). */
export const DEFAULT_LOG_VALUE_LENGTH = 200;

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\0':
      return '\\0';
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * `value` as one safe log line fragment: strings as they are (escaped), anything else through
 * `String()` (objects as JSON). At most `maxLength` characters, then `…(N more)`.
 */
export function logSafe(value: unknown, maxLength = DEFAULT_LOG_VALUE_LENGTH): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else if (value !== null && typeof value === 'object') {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  } else text = String(value);
  // Cut first (on code points, never half a surrogate pair), then escape what is kept.
  const points = Array.from(text);
  const kept = points.length > maxLength ? points.slice(0, maxLength).join('') : text;
  const more = points.length > maxLength ? `…(${points.length - maxLength} more)` : '';
  return kept.replace(UNSAFE, escape) + more;
}
