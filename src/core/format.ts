// Money and time formatting, and reading the HTTP headers that carry time (Date, Retry-After).
// Pure: the current time is always passed in.

export type Lang = 'mn' | 'en' | 'ru';

/** Longest wait `parseRetryAfter` returns: a server asking for more is treated as asking for this. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * Formats an amount in major units for the language: `₮15,000`-style for MNT, `10 000,05 ₽` for
 * RUB. MNT shows no fraction digits unless the amount has a fraction. Without a currency the
 * plain number is shown; a code Intl does not accept shows as number + code. Non-finite -> ''.
 */
export function formatMoney(amount: number, currency: string | undefined, lang: Lang): string {
  if (!Number.isFinite(amount)) return '';
  const code = currency?.trim().toUpperCase();
  try {
    // The bare language tags format like mn-MN, en-US and ru-RU (the element resolves any lang to one of them).
    return new Intl.NumberFormat(
      lang,
      code
        ? {
            style: 'currency',
            currency: code,
            currencyDisplay: 'narrowSymbol',
            minimumFractionDigits: code === 'MNT' && Number.isInteger(amount) ? 0 : undefined,
          }
        : { maximumFractionDigits: 2 },
    ).format(amount);
  } catch {
    // RangeError for a malformed code such as "RUBX": still show the money, never throw.
    return `${formatMoney(amount, '', lang)} ${code}`;
  }
}

/**
 * Remaining time as `m:ss`, or `h:mm:ss` from one hour up. Rounds up, so `0:00` shows only once
 * time is really up; negative and non-finite -> `0:00`.
 */
export function formatCountdown(ms: number): string {
  const total = ms > 0 && ms < Infinity ? Math.ceil(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  // "mm:ss" of the part below an hour, as the ISO form of that many seconds after the epoch writes it.
  const minutesAndSeconds = new Date((total % 3600) * 1000).toISOString().slice(14, 19);
  return hours ? `${hours}:${minutesAndSeconds}` : minutesAndSeconds.replace(/^0/, '');
}

/**
 * Reads an HTTP date in RFC 9110's IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, what every
 * current server sends in `Date` and `Retry-After`) into epoch ms; null when absent or invalid.
 * The obsolete RFC 850 and asctime forms are not read. IMF-fixdate is exactly what
 * `toUTCString()` writes, so the round trip rejects impossible dates (Feb 30, 24:00) too.
 */
export function parseHttpDate(value: string | null): number | null {
  const time = Date.parse(value ?? '');
  return Number.isFinite(time) && new Date(time).toUTCString() === value ? time : null;
}

/**
 * How far the server's clock is ahead of the local one (server minus local, ms), from a
 * response's `Date` header read at `localNow`. 0 when the header is missing or invalid.
 *
 * The header counts whole seconds: the server's time was somewhere in [date, date + 1 s) when it
 * answered. The offset is the smallest correction that agrees with that, so a local clock inside
 * that second is taken as right (0). Taking the truncated date as exact would put the server up to
 * a second behind, and a 30-minute invoice would start its countdown at 30:01.
 */
export function clockOffset(serverDateHeader: string | null, localNow: number): number {
  const server = parseHttpDate(serverDateHeader);
  if (server === null || !Number.isFinite(localNow)) return 0;
  if (localNow < server) return server - localNow; // local clock behind
  return Math.min(0, server + 1000 - localNow); // local clock ahead by more than the second
}

/**
 * Largest server-minus-local clock offset believed. A phone's clock is rarely off by more than a
 * minute or two; a server Date hours off is a broken server (or proxy cache), and trusting it would
 * expire an invoice on the first answer. Beyond this the countdown keeps the local clock.
 */
export const MAX_CLOCK_OFFSET_MS = 5 * 60 * 1000;

/** True when a clock offset (ms, see `clockOffset`) is small enough to correct the countdown with. */
export function isPlausibleClockOffset(offset: number): boolean {
  return Math.abs(offset) <= MAX_CLOCK_OFFSET_MS;
}

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (measured
 * against `now`, the server's time when known). Null when invalid; clamped to
 * [0, MAX_RETRY_AFTER_MS].
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  const text = value?.trim() ?? '';
  const date = parseHttpDate(text);
  const wait = /^\d+$/.test(text) ? Number(text) * 1000 : date === null ? null : date - now;
  return wait === null ? null : Math.min(Math.max(wait, 0), MAX_RETRY_AFTER_MS);
}
