// Invoice normalisation: whatever the merchant's server passes through from the payment provider
// (QPay v2 invoice or TBank QRPAY answer), plus the merchant's own `amount`, `currency`,
// `merchant_name`, `description` and `expires_at`, becomes one InvoiceView.
// Provider fields are untrusted: links go through core/links, texts are trimmed and capped.
// Pure: no DOM, no I/O.
import { CURRENCY_BY_NUMERIC, parseEmv } from './emv.js';
import { CONTROL_CHARS, safeHttpsUrl, safeLink, safeSbpUrl } from './links.js';
import type { BankLink, InvoiceView } from './types.js';
import { codeWord, isRecord } from './json.js';

export type InvoiceErrorCode =
  /** Not a JSON object (invalid JSON text, null, an array, a number...). */
  | 'INVALID_JSON'
  /** JSON text longer than MAX_INVOICE_JSON_LENGTH: far larger than any invoice, so not read at all. */
  | 'TOO_LARGE'
  /** Neither a QPay nor a TBank invoice, e.g. the provider's error answer passed on (the message quotes it). */
  | 'UNKNOWN_SHAPE'
  /** `invoice_id` / `outTradeNo` missing, or not a short string or number. */
  | 'INVALID_ID'
  /** No valid `qr_image`, `qr_text` or `codeUrl` (an https URL on an SBP host). */
  | 'NO_QR'
  /** A merchant field (`amount`, `currency`, `expires_at`, `merchant_name`, `description`) that cannot be read. */
  | 'INVALID_FIELD';

/** Why an invoice cannot be shown. `field` names the offending field when there is one. */
export class InvoiceError extends Error {
  override name = 'InvoiceError';

  constructor(
    readonly code: InvoiceErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A real invoice is ~20 KB (mostly qr_image); anything far larger is not an invoice, and is not parsed. */
export const MAX_INVOICE_JSON_LENGTH = 2_000_000;
/** QR version 40 at level L holds 2953 bytes; leave room and refuse anything longer. */
const MAX_QR_TEXT_LENGTH = 2048;
const MAX_ID_LENGTH = 256;
const MAX_BANKS = 200;
/** Longest bank name shown; longer ones are cut. */
export const MAX_NAME_LENGTH = 100;
const MAX_TEXT_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 500;

type Json = Record<string, unknown>;

/** The object without its undefined properties, so views carry only what is known. */
function known<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/**
 * A provider or merchant text made safe to show: strings and finite numbers only, control
 * characters turned into spaces, trimmed, capped at `max` characters (with an ellipsis).
 * Undefined when nothing is left.
 */
export function cleanText(value: unknown, max: number): string | undefined {
  if (Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const chars = Array.from(value.replace(/[\u0000-\u001F\u007F]+/g, ' ').trim());
  if (chars.length > max) return `${chars.slice(0, max - 1).join('').trimEnd()}…`;
  return chars.join('') || undefined;
}

/**
 * The base64 PNG with any line breaks and spaces removed (some servers wrap base64 at 76
 * columns), or null unless it is raw base64 (no `data:` prefix) with correct alphabet and
 * padding, starting with the PNG signature (89 50 4E 47 0D 0A 1A 0A) and an IHDR first chunk.
 * Both are checked on the base64 text itself: `iVBORw0KGg[o-r]` is the signature, and after the
 * chunk length `SUhEU[g-v]` is "IHDR".
 */
export function compactBase64Png(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const compact = s.replace(/[\t\n\r ]+/g, '');
  return compact.length % 4 === 0 && /^iVBORw0KGg[o-r][A-Za-z0-9+/]{5}SUhEU[g-v][A-Za-z0-9+/]*={0,2}$/.test(compact) ? compact : null;
}

/** True when `s` is raw base64 of a PNG (see `compactBase64Png`; ASCII whitespace is tolerated). */
export function isBase64Png(s: unknown): boolean {
  return compactBase64Png(s) !== null;
}

/** Non-negative finite amount from a number or a decimal string such as "10000.05"; else undefined. */
function parseAmount(value: unknown): number | undefined {
  const amount = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : -1;
  return amount >= 0 && amount < Infinity ? amount : undefined;
}

/** ISO 4217 alpha code from an alpha code in any case or a numeric code we know; else undefined. */
function parseCurrency(value: unknown): string | undefined {
  const code = codeWord(value);
  return /^[A-Z]{3}$/.test(code) ? code : CURRENCY_BY_NUMERIC[code];
}

/** Date, time (seconds and fraction optional), zone: `Z` or an offset of at most 23:59. */
const ISO_DATE_TIME = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::(\d\d)(?:[.,](\d{1,3})\d*)?)?(?:Z|([+-](?:[01]\d|2[0-3])):?([0-5]\d))$/i;

/**
 * Epoch ms of an ISO 8601 date-time that names its time zone (`Z` or `+08:00`), else null.
 * A zone is required because the countdown must mean the same instant on every customer's clock.
 */
export function parseIsoDateTime(value: string): number | null {
  const m = ISO_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [, date, time, seconds = '00', milliseconds = '', offsetHours, offsetMinutes] = m;
  const wallClock = `${date}T${time}:${seconds}`;
  const utc = Date.parse(`${wallClock}Z`);
  // Date.parse rolls Feb 30 or 24:00 over to the next day; the round trip catches that.
  if (!(Number.isFinite(utc) && new Date(utc).toISOString().startsWith(wallClock))) return null;
  // Now in the exact form every engine reads: milliseconds and a `+08:00` offset (or Z).
  return Date.parse(`${wallClock}.${milliseconds.padEnd(3, '0')}${offsetHours ? `${offsetHours}:${offsetMinutes}` : 'Z'}`);
}

/**
 * Latest `expires_at` accepted, ahead of now: a year. Providers issue QRs for minutes to days; a
 * date beyond this is a bug (year 9999, a timestamp in the wrong unit), not a real deadline.
 */
export const MAX_EXPIRY_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

/** Epoch ms from a Date or an ISO 8601 string with a time zone; else undefined. */
function parseExpiresAt(value: unknown): number | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoDateTime(value) : null;
  return Number.isFinite(time) ? time! : undefined;
}

/** `value` when it is a non-blank string of at most `max` characters without control characters. */
function plainString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.trim() && value.length <= max && !CONTROL_CHARS.test(value) ? value : undefined;
}

/** JSON-ish rendering of a bad value for error messages, kept short. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The InvoiceError for a field that is present but unreadable: the field, what it must be (with examples), what it is. */
function fieldError(code: InvoiceErrorCode, field: string, expected: string, value: unknown): InvoiceError {
  return new InvoiceError(code, `The invoice's ${field} must be ${expected}; got ${describe(value)}`, field);
}

function readId(value: unknown, field: string): string {
  const id = plainString(Number.isFinite(value) ? String(value) : value, MAX_ID_LENGTH)?.trim();
  if (value == null) throw new InvoiceError('INVALID_ID', `The invoice has no ${field}; it is needed to ask for the payment status`, field);
  // "." and ".." survive encodeURIComponent and would make `/status/{id}` point at another path.
  if (!id || /^\.{1,2}$/.test(id)) {
    throw fieldError('INVALID_ID', field, `a non-empty string (or number) of at most ${MAX_ID_LENGTH} characters without control characters, not "." or ".."`, value);
  }
  return id;
}

/** QPay `urls[]` -> bank links; entries without a usable name or safe link are dropped. */
function readBankLinks(urls: unknown): BankLink[] {
  const banks: BankLink[] = [];
  for (const entry of Array.isArray(urls) ? urls.slice(0, MAX_BANKS) : []) {
    if (!isRecord(entry)) continue;
    const name = cleanText(entry.name, MAX_NAME_LENGTH);
    const link = safeLink(entry.link);
    const description = cleanText(entry.description, MAX_TEXT_LENGTH);
    if (name && link) banks.push(known({ name, link, description, logo: safeHttpsUrl(entry.logo) ?? undefined }));
  }
  return banks;
}

/**
 * The merchant's own field: undefined when absent, an InvoiceError naming it when present but
 * unreadable (the merchant can fix it), else what `read` made of it.
 */
function merchantField<T>(raw: Json, field: string, read: (value: unknown) => T | undefined, expected: string): T | undefined {
  const value = raw[field];
  if (value == null) return undefined;
  const result = read(value);
  if (result === undefined) throw fieldError('INVALID_FIELD', field, expected, value);
  return result;
}

/** A merchant text field: a string (or a finite number), shown cleaned; undefined when nothing is left. */
function merchantText(raw: Json, field: string, max: number): string | undefined {
  const read = (value: unknown) => (typeof value === 'string' ? (cleanText(value, max) ?? '') : cleanText(value, max));
  return merchantField(raw, field, read, 'a string') || undefined;
}

/** The merchant's `expires_at`, refused when it is absurdly far ahead of `now`. */
function readExpiry(raw: Json, now: number): number | undefined {
  const expiresAt = merchantField(raw, 'expires_at', parseExpiresAt, 'an ISO 8601 date-time with a time zone, such as "2026-05-01T12:30:00Z" or "2026-05-01T20:30:00+08:00"');
  if (expiresAt !== undefined && expiresAt - now > MAX_EXPIRY_AHEAD_MS) {
    const days = MAX_EXPIRY_AHEAD_MS / 86_400_000;
    throw fieldError('INVALID_FIELD', 'expires_at', `a time at most ${days} days ahead (providers issue invoices for minutes or hours)`, raw.expires_at);
  }
  return expiresAt;
}

/** Accepts an object or its JSON text; anything else is an InvoiceError. */
function toRecord(raw: unknown): Json {
  if (typeof raw === 'string') {
    if (raw.length > MAX_INVOICE_JSON_LENGTH) {
      throw new InvoiceError('TOO_LARGE', `The invoice JSON is ${raw.length} characters; at most ${MAX_INVOICE_JSON_LENGTH} are accepted`);
    }
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new InvoiceError('INVALID_JSON', `The invoice is not valid JSON (${(error as Error).message})`);
    }
  }
  if (isRecord(raw)) return raw;
  const got = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
  throw new InvoiceError('INVALID_JSON', `The invoice must be a JSON object, such as the provider's invoice answer; got ${got}`);
}

/**
 * Turns a provider invoice (object or JSON text) into the widget's InvoiceView, or throws an
 * InvoiceError saying which field is wrong.
 *
 * Amount, currency and merchant come from the merchant's own fields (`amount`, `currency`,
 * `merchant_name`) first, then TBank's `totalAmount` / `currency` / `merchantName`, then the EMV
 * tags of `qr_text` only when its CRC checks. A malformed merchant field is an error (the
 * merchant can fix it); a malformed provider field is ignored (the next source is used).
 * `now` (epoch ms) bounds `expires_at`: at most MAX_EXPIRY_AHEAD_MS ahead.
 */
export function normalizeInvoice(input: unknown, now: number = Date.now()): InvoiceView {
  const raw = toRecord(input);
  const tbank = raw.invoice_id == null && (raw.codeUrl != null || raw.outTradeNo != null);
  if (!tbank && [raw.invoice_id, raw.qr_text, raw.qr_image, raw.urls].every((value) => value == null)) {
    // Often the provider's error answer passed on by mistake (QPay `{error, message}`, TBank
    // `{code, msg}`): say what it said.
    const said = [raw.error ?? raw.error_code ?? raw.code, raw.message ?? raw.msg]
      .map((text) => cleanText(text, MAX_TEXT_LENGTH))
      .filter(Boolean)
      .join(': ');
    throw new InvoiceError('UNKNOWN_SHAPE', `Not a QPay (invoice_id, qr_text) or TBank (codeUrl, outTradeNo) invoice${said ? `; the provider said: ${said}` : ''}`);
  }
  const idField = tbank ? 'outTradeNo' : 'invoice_id';
  const id = readId(raw[idField], idField);

  // qr_text as given, never trimmed: the EMV CRC covers every character.
  const qrText = plainString(raw.qr_text, MAX_QR_TEXT_LENGTH);
  // An SBP link only: it is offered as "open in bank app" and drawn as the QR.
  const codeUrl = safeSbpUrl(raw.codeUrl) ?? undefined;
  const text = qrText ?? codeUrl;
  const png = compactBase64Png(raw.qr_image);
  if (!png && !text) {
    throw new InvoiceError('NO_QR', `The invoice has no usable QR: qr_image must be a base64 PNG, qr_text an EMV text of at most ${MAX_QR_TEXT_LENGTH} characters, or codeUrl an https link such as "https://qr.nspk.ru/AD10..."`, 'qr_text');
  }
  const emv = qrText ? parseEmv(qrText) : null;
  const trusted = emv?.crcValid ? emv : undefined;

  return known<InvoiceView>({
    provider: tbank ? 'tbank' : 'qpay',
    id,
    // The text stays with the image: a PNG that looks right may still fail to decode in the browser.
    qr: png ? known({ kind: 'image', base64Png: png, text }) : { kind: 'text', text: text! },
    banks: readBankLinks(raw.urls),
    copyText: safeHttpsUrl(raw.qPay_shortUrl) ?? text,
    primaryLink: tbank ? codeUrl : undefined,
    amount: merchantField(raw, 'amount', parseAmount, 'a finite number >= 0 in major units, such as 15000 or 1500.5') ?? parseAmount(raw.totalAmount) ?? trusted?.amount,
    // `currency` is both the merchant's field and TBank's, so one reader covers both.
    currency: merchantField(raw, 'currency', parseCurrency, 'an ISO 4217 code such as "MNT" or "RUB"') ?? trusted?.currency,
    merchant:
      merchantText(raw, 'merchant_name', MAX_TEXT_LENGTH) ??
      cleanText(raw.merchantName, MAX_TEXT_LENGTH) ??
      cleanText(trusted?.merchantName, MAX_TEXT_LENGTH),
    description: merchantText(raw, 'description', MAX_DESCRIPTION_LENGTH),
    expiresAt: readExpiry(raw, now),
  });
}
