// Invoice normalisation: whatever the merchant's server passes through from the payment provider
// (QPay v2 invoice, TBank QRPAY answer, TBank acquiring GetQr answer), plus the merchant's own
// `amount`, `currency`, `merchant_name`, `description` and `expires_at`, becomes one InvoiceView.
// Provider fields are untrusted: links go through core/links, texts are trimmed and capped.
// Pure: no DOM, no I/O.
import { CURRENCY_BY_NUMERIC, parseEmv, type EmvPayload } from './emv.js';
import { utcTime } from './format.js';
import { isSafeHttpsLink, safeImageUrl, safeLink } from './links.js';
import type { BankLink, InvoiceView, Provider, QrSource } from './types.js';
import { isRecord } from './json.js';

export type InvoiceErrorCode =
  /** A string invoice that is not JSON. */
  | 'INVALID_JSON'
  /** Not a JSON object (null, an array, a number...). */
  | 'NOT_AN_OBJECT'
  /** Larger than MAX_INVOICE_JSON_LENGTH. */
  | 'TOO_LARGE'
  /** The provider's error answer (`{error, message}`, `Success: false`, `code` != SUCCESS) was passed on. */
  | 'PROVIDER_ERROR'
  /** Neither a QPay nor a TBank invoice. */
  | 'UNKNOWN_SHAPE'
  /** No `invoice_id` / `outTradeNo` / `PaymentId`. */
  | 'MISSING_ID'
  /** An id that is not a short string or number. */
  | 'INVALID_ID'
  /** No valid `qr_image`, `qr_text` or safe https `codeUrl`. */
  | 'NO_QR'
  /** The merchant's `amount` is not a finite, non-negative number. */
  | 'INVALID_AMOUNT'
  /** The merchant's `currency` is not an ISO 4217 code. */
  | 'INVALID_CURRENCY'
  /** The merchant's `expires_at` is not an ISO 8601 date-time with a time zone. */
  | 'INVALID_EXPIRES_AT'
  /** Another merchant field of the wrong type. */
  | 'INVALID_FIELD';

/** Why an invoice cannot be shown. `field` names the offending field when there is one. */
export class InvoiceError extends Error {
  readonly code: InvoiceErrorCode;
  readonly field: string | undefined;

  constructor(code: InvoiceErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'InvoiceError';
    this.code = code;
    this.field = field;
  }
}

/** A real invoice is ~20 KB (mostly qr_image); anything far larger is not an invoice. */
export const MAX_INVOICE_JSON_LENGTH = 2_000_000;
/** QR version 40 at level L holds 2953 bytes; leave room and refuse anything longer. */
export const MAX_QR_TEXT_LENGTH = 2048;
export const MAX_ID_LENGTH = 256;
export const MAX_BANKS = 200;
/** Longest bank name shown; longer ones are cut. */
export const MAX_NAME_LENGTH = 100;
const MAX_BANK_DESCRIPTION_LENGTH = 200;
const MAX_MERCHANT_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 500;

type Json = Record<string, unknown>;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
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

/**
 * A provider or merchant text made safe to show: strings and finite numbers only, control
 * characters turned into spaces, trimmed, capped at `max` characters (with an ellipsis).
 * Undefined when nothing is left.
 */
export function cleanText(value: unknown, max: number): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/[\u0000-\u001F\u007F]+/g, ' ').trim();
  if (!text) return undefined;
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : text;
}

// ---------------------------------------------------------------------------------------------
// qr_image

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** PNG signature, then the first chunk's 4-byte length and its type, which must be IHDR. */
const PNG_START = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];
/** 24 base64 characters decode to 18 bytes: enough for the signature and the IHDR type. */
const HEAD_CHARS = 24;

/**
 * The base64 PNG with any line breaks and spaces removed (some servers wrap base64 at 76
 * columns), or null unless it is raw base64 (no `data:` prefix) with correct alphabet and
 * padding that decodes to a PNG: signature 89 50 4E 47 0D 0A 1A 0A and an IHDR first chunk.
 * Only the first 18 bytes are decoded; the alphabet is checked over the whole text by one regex.
 */
export function compactBase64Png(s: unknown): string | null {
  if (typeof s !== 'string' || s.length > MAX_INVOICE_JSON_LENGTH) return null;
  const compact = /[\t\n\r ]/.test(s) ? s.replace(/[\t\n\r ]+/g, '') : s;
  if (compact.length < HEAD_CHARS || compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  // atob is safe here: the alphabet was just checked. Its "binary string" holds one byte per char.
  const head = Array.from(atob(compact.slice(0, HEAD_CHARS)), (char) => char.charCodeAt(0));
  const isPng = PNG_START.every((byte, i) => head[i] === byte) && IHDR.every((byte, i) => head[12 + i] === byte);
  return isPng ? compact : null;
}

/** True when `s` is raw base64 of a PNG (see `compactBase64Png`; ASCII whitespace is tolerated). */
export function isBase64Png(s: unknown): boolean {
  return compactBase64Png(s) !== null;
}

// ---------------------------------------------------------------------------------------------
// Field readers

/** Non-negative finite amount from a number or a decimal string such as "10000.05"; else undefined. */
function parseAmount(value: unknown): number | undefined {
  let amount: number;
  if (typeof value === 'number') amount = value;
  else if (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value)) amount = Number(value);
  else return undefined;
  return Number.isFinite(amount) && amount >= 0 ? amount : undefined;
}

/** ISO 4217 alpha code from an alpha code in any case or a numeric code we know; else undefined. */
function parseCurrency(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value.trim();
  if (/^[A-Za-z]{3}$/.test(code)) return code.toUpperCase();
  if (/^\d{3}$/.test(code)) return CURRENCY_BY_NUMERIC[code];
  return undefined;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * Epoch ms of an ISO 8601 date-time that names its time zone (`Z` or `+08:00`), else null.
 * A zone is required because the countdown must mean the same instant on every customer's clock.
 */
export function parseIsoDateTime(value: string): number | null {
  const m = ISO_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zulu, sign, oh = '0', om = '0'] = m;
  const local = utcTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (local === null || Number(oh) > 23 || Number(om) > 59) return null;
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  const offset = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return local + ms - offset;
}

/** Epoch ms from a Date or an ISO 8601 string with a time zone; else undefined. */
function parseExpiresAt(value: unknown): number | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoDateTime(value) : null;
  return time !== null && Number.isFinite(time) ? time : undefined;
}

function readId(value: unknown, field: string): string {
  if (!isPresent(value) || value === '') {
    throw new InvoiceError('MISSING_ID', `The invoice has no ${field}; it is needed to ask for the payment status.`, field);
  }
  const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof id !== 'string' || !id.trim() || id.length > MAX_ID_LENGTH || /[\u0000-\u001F\u007F]/.test(id)) {
    throw new InvoiceError(
      'INVALID_ID',
      `${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters without control characters; got ${describe(value)}.`,
      field,
    );
  }
  return id.trim();
}

/** qr_text as given (never trimmed: the EMV CRC covers every character), when drawable. */
function readQrText(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim() || value.length > MAX_QR_TEXT_LENGTH) return undefined;
  return /[\u0000-\u001F\u007F]/.test(value) ? undefined : value;
}

/** QPay `urls[]` -> bank links; entries without a usable name or safe link are dropped. */
function readBankLinks(urls: unknown): BankLink[] {
  if (!Array.isArray(urls)) return [];
  const banks: BankLink[] = [];
  for (const entry of urls) {
    if (banks.length >= MAX_BANKS) break;
    if (!isRecord(entry)) continue;
    const name = cleanText(entry.name, MAX_NAME_LENGTH);
    const link = safeLink(entry.link);
    if (!name || !link) continue;
    const bank: BankLink = { name, link };
    const description = cleanText(entry.description, MAX_BANK_DESCRIPTION_LENGTH);
    if (description) bank.description = description;
    const logo = safeImageUrl(entry.logo);
    if (logo) bank.logo = logo;
    banks.push(bank);
  }
  return banks;
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** Provider error answers passed on by mistake: say what the provider said instead of "no QR". */
function rejectProviderError(raw: Json): void {
  const qpayCode = raw.error ?? raw.error_code;
  const [code, detail]: [string?, unknown?] =
    isPresent(qpayCode) && !isPresent(raw.invoice_id)
      ? [describe(qpayCode), raw.message] // QPay: {error, message}
      : raw.Success === false
        ? [`ErrorCode ${describe(raw.ErrorCode)}`, raw.Message ?? raw.Details] // TBank acquiring
        : typeof raw.code === 'string' && raw.code.toUpperCase() !== 'SUCCESS' && !isPresent(raw.codeUrl)
          ? [`code ${describe(raw.code)}, no codeUrl`, raw.msg] // TBank QRPAY
          : [];
  if (code === undefined) return;
  const text = cleanText(detail, 200);
  throw new InvoiceError('PROVIDER_ERROR', `The payment provider answered with an error (${code})${text ? `: ${text}` : ''}.`);
}

interface Shape {
  provider: Provider;
  id: string;
  /** The SBP link: `codeUrl` (QRPAY, or added to any invoice) or GetQr `Data`. */
  codeUrl?: unknown;
}

function detectShape(raw: Json): Shape {
  if (isPresent(raw.invoice_id)) return { provider: 'qpay', id: readId(raw.invoice_id, 'invoice_id'), codeUrl: raw.codeUrl };
  if (isPresent(raw.codeUrl) || isPresent(raw.outTradeNo)) {
    return { provider: 'tbank', id: readId(raw.outTradeNo, 'outTradeNo'), codeUrl: raw.codeUrl };
  }
  if (isPresent(raw.qr_text) || isPresent(raw.qr_image) || isPresent(raw.urls)) {
    throw new InvoiceError('MISSING_ID', 'The QPay invoice has no invoice_id; it is needed to ask for the payment status.', 'invoice_id');
  }
  // TBank acquiring GetQr (DataType PAYLOAD): the link is in `Data`; GetState asks by PaymentId.
  if (isPresent(raw.Data) && (isPresent(raw.PaymentId) || isPresent(raw.OrderId))) {
    const field = isPresent(raw.PaymentId) ? 'PaymentId' : 'OrderId';
    return { provider: 'tbank', id: readId(raw[field], field), codeUrl: raw.Data };
  }
  throw new InvoiceError(
    'UNKNOWN_SHAPE',
    'The invoice is neither a QPay invoice (invoice_id, qr_text, qr_image, urls) nor a TBank one (codeUrl, outTradeNo).',
  );
}

function readQr(raw: Json, qrText: string | undefined, codeUrl: string | undefined, shape: Shape): QrSource {
  const png = compactBase64Png(raw.qr_image);
  if (png) return { kind: 'image', base64Png: png };
  if (qrText) return { kind: 'text', text: qrText };
  if (codeUrl) return { kind: 'text', text: codeUrl };
  const why = isPresent(shape.codeUrl)
    ? `its ${isPresent(raw.codeUrl) ? 'codeUrl' : 'Data'} ${describe(shape.codeUrl)} is not a safe https URL`
    : 'it has no valid qr_image (base64 PNG), no qr_text and no https codeUrl';
  throw new InvoiceError('NO_QR', `The invoice has no usable QR code: ${why}.`, 'qr_text');
}

/**
 * The merchant's own field: undefined when absent, an InvoiceError when present but unreadable (the
 * merchant can fix it), else what `read` made of it.
 */
function readMerchantField<T>(
  raw: Json,
  field: string,
  read: (value: unknown) => T | undefined,
  code: InvoiceErrorCode,
  expected: string,
): T | undefined {
  const value = raw[field];
  if (!isPresent(value)) return undefined;
  const result = read(value);
  if (result === undefined) throw new InvoiceError(code, `${field} must be ${expected}; got ${describe(value)}.`, field);
  return result;
}

/** A merchant text field: a string (or a finite number), shown cleaned; '' when nothing is left. */
function readMerchantText(raw: Json, field: string, max: number): string | undefined {
  const read = (value: unknown) =>
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? (cleanText(value, max) ?? '') : undefined;
  return readMerchantField(raw, field, read, 'INVALID_FIELD', 'a string') || undefined;
}

/** Accepts an object or its JSON text; anything else is an InvoiceError. */
function toRecord(raw: unknown): Json {
  if (typeof raw === 'string') {
    if (raw.length > MAX_INVOICE_JSON_LENGTH) {
      throw new InvoiceError('TOO_LARGE', `The invoice JSON is ${raw.length} characters; at most ${MAX_INVOICE_JSON_LENGTH} are accepted.`);
    }
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new InvoiceError('INVALID_JSON', `The invoice is not valid JSON (${(error as Error).message}).`);
    }
  }
  if (!isRecord(raw)) {
    throw new InvoiceError('NOT_AN_OBJECT', `The invoice must be a JSON object; got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}.`);
  }
  return raw;
}

/**
 * Turns a provider invoice (object or JSON text) into the widget's InvoiceView, or throws an
 * InvoiceError saying which field is wrong.
 *
 * Amount, currency and merchant come from the merchant's own fields (`amount`, `currency`,
 * `merchant_name`) first, then TBank's `totalAmount` / `currency` / `merchantName`, then the EMV
 * tags of `qr_text` only when its CRC checks. A malformed merchant field is an error (the
 * merchant can fix it); a malformed provider field is ignored (the next source is used).
 */
export function normalizeInvoice(raw: unknown): InvoiceView {
  const invoice = toRecord(raw);
  rejectProviderError(invoice);
  const shape = detectShape(invoice);

  const qrText = readQrText(invoice.qr_text);
  const codeUrl = isSafeHttpsLink(shape.codeUrl) ? shape.codeUrl : undefined;
  const qr = readQr(invoice, qrText, codeUrl, shape);
  const emv: EmvPayload | null = qrText ? parseEmv(qrText) : null;
  const trustedEmv = emv?.crcValid ? emv : undefined;

  const view: InvoiceView = { provider: shape.provider, id: shape.id, qr, banks: readBankLinks(invoice.urls) };

  const shortUrl = isSafeHttpsLink(invoice.qPay_shortUrl) ? invoice.qPay_shortUrl : undefined;
  const copyText = shortUrl ?? qrText ?? codeUrl;
  if (copyText) view.copyText = copyText;
  if (shape.provider === 'tbank' && codeUrl) view.primaryLink = codeUrl;

  const amount =
    readMerchantField(invoice, 'amount', parseAmount, 'INVALID_AMOUNT', 'a finite, non-negative number') ??
    parseAmount(invoice.totalAmount) ??
    trustedEmv?.amount;
  if (amount !== undefined) view.amount = amount;
  // `currency` is both the merchant's field and TBank's, so one reader covers both.
  const currency =
    readMerchantField(invoice, 'currency', parseCurrency, 'INVALID_CURRENCY', 'an ISO 4217 code such as "MNT" or "RUB"') ??
    trustedEmv?.currency;
  if (currency !== undefined) view.currency = currency;
  const merchant =
    readMerchantText(invoice, 'merchant_name', MAX_MERCHANT_LENGTH) ??
    cleanText(invoice.merchantName, MAX_MERCHANT_LENGTH) ??
    cleanText(trustedEmv?.merchantName, MAX_MERCHANT_LENGTH);
  if (merchant) view.merchant = merchant;
  const description = readMerchantText(invoice, 'description', MAX_DESCRIPTION_LENGTH);
  if (description) view.description = description;
  const expiresAt = readMerchantField(
    invoice,
    'expires_at',
    parseExpiresAt,
    'INVALID_EXPIRES_AT',
    'an ISO 8601 date-time with a time zone, such as "2026-05-01T12:30:00Z"',
  );
  if (expiresAt !== undefined) view.expiresAt = expiresAt;
  return view;
}
