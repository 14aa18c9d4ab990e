// Money and time formatting, and reading the HTTP headers that carry time (Date, Retry-After).
// Pure: the current time is always passed in.

export type Lang = 'mn' | 'en' | 'ru';

const LOCALES: Readonly<Record<Lang, string>> = { mn: 'mn-MN', en: 'en-US', ru: 'ru-RU' };

/** Longest wait `parseRetryAfter` returns: a server asking for more is treated as asking for this. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

const formatters = new Map<string, Intl.NumberFormat>();

/** Intl.NumberFormat is slow to build and the countdown re-renders every second, so cache them. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Formats an amount in major units for the language: `₮15,000`-style for MNT, `10 000,05 ₽` for
 * RUB. MNT shows no fraction digits unless the amount has a fraction. Without a currency the
 * plain number is shown; a code Intl does not accept shows as number + code. Non-finite -> ''.
 */
export function formatMoney(amount: number, currency: string | undefined, lang: Lang): string {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '';
  const locale = LOCALES[lang] ?? LOCALES.mn;
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  const hasFraction = !Number.isInteger(amount);
  if (!code) return numberFormat(locale, { maximumFractionDigits: 2 }).format(amount);
  const options: Intl.NumberFormatOptions = { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol' };
  if (code === 'MNT') {
    options.minimumFractionDigits = hasFraction ? 2 : 0;
    options.maximumFractionDigits = 2;
  }
  try {
    return numberFormat(locale, options).format(amount);
  } catch {
    // RangeError for a malformed code such as "RUBX": still show the money, never throw.
    return `${numberFormat(locale, { maximumFractionDigits: 2 }).format(amount)} ${code}`;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Remaining time as `m:ss`, or `h:mm:ss` from one hour up. Rounds up, so `0:00` shows only once
 * time is really up; negative and non-finite -> `0:00`.
 */
export function formatCountdown(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad2(minutes)}:${pad2(seconds)}` : `${minutes}:${pad2(seconds)}`;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/** RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
/** Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`, 'i');
/** Obsolete asctime: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d\\d) ${TIME} (\\d{4})$`, 'i');

/** Epoch ms for a UTC date-time, or null when a field is out of range (Feb 30, 25:00, ...). */
export function utcTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (":60") is read as the next second, like Date does.
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(Date.UTC(year, month - 1, day));
  return check.getUTCDate() === day && check.getUTCMonth() === month - 1 ? time : null;
}

/**
 * Reads an HTTP date (the `Date` and `Retry-After` header formats of RFC 9110: IMF-fixdate and
 * the two obsolete forms recipients must accept) into epoch ms; null when absent or invalid.
 */
export function parseHttpDate(value: string | null): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m) return utcTime(Number(m[3]), monthNumber(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850_DATE.exec(text);
  if (m) {
    const yy = Number(m[3]);
    // RFC 9110 reads a two-digit year more than 50 years ahead as last century; this pure
    // reader has no clock, so it fixes the pivot: 00-69 are 2000s, 70-99 are 1900s.
    const year = yy < 70 ? 2000 + yy : 1900 + yy;
    return utcTime(year, monthNumber(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return utcTime(Number(m[6]), monthNumber(m[1]!), Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return null;
}

function monthNumber(name: string): number {
  return MONTHS.indexOf(name.toLowerCase()) + 1;
}

/**
 * How far the server's clock is ahead of the local one (server minus local, ms), from a
 * response's `Date` header read at `localNow`. 0 when the header is missing or invalid.
 */
export function clockOffset(serverDateHeader: string | null, localNow: number): number {
  const server = parseHttpDate(serverDateHeader);
  return server === null || !Number.isFinite(localNow) ? 0 : server - localNow;
}

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (measured
 * against `now`, which should be server-corrected). Null when invalid; clamped to
 * [0, MAX_RETRY_AFTER_MS].
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let wait: number;
  if (/^\d+$/.test(text)) {
    wait = Number(text) * 1000;
  } else {
    const date = parseHttpDate(text);
    if (date === null || !Number.isFinite(now)) return null;
    wait = date - now;
  }
  return Math.min(Math.max(wait, 0), MAX_RETRY_AFTER_MS);
}
