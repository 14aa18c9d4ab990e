// Status answers from the merchant's status endpoint, mapped onto the widget's PaymentStatus.
// Three shapes are understood: the plain `{"status": "PAID"}`, QPay's raw /v2/payment/check
// answer, and TBank's QRPAY QUERY statuses. Pure: no DOM, no I/O.
import type { PaymentStatus } from './types.js';
import { codeWord, isRecord } from './json.js';

/**
 * Provider status words (upper case), by the PaymentStatus they mean: the widget's own words (and
 * QPay's), then TBank QRPAY QUERY's. Pending words mean NEW: the customer may still pay. Anything
 * not listed is unknown and makes `parseStatus` return null. (TBank's acquiring API, whose GetQr
 * invoices the element does not take, has its own words; they are not read here.)
 */
const STATUS_WORDS: Readonly<Record<PaymentStatus, string>> = {
  NEW: 'NEW NOTPAY USERPAYING PROCESSING PENDING CREATED',
  PAID: 'PAID',
  FAILED: 'FAILED FAIL',
  REFUNDED: 'REFUNDED PARTIAL_REFUNDED',
  EXPIRED: 'EXPIRED',
  CANCELLED: 'CANCELLED CANCELED CANCEL',
};

/** Maps one status word (any case, surrounding spaces ignored) to a PaymentStatus, or null. */
export function statusFromWord(word: unknown): PaymentStatus | null {
  const key = codeWord(word);
  const entry = Object.entries(STATUS_WORDS).find(([, words]) => key && words.split(' ').includes(key));
  return entry ? (entry[0] as PaymentStatus) : null;
}

/**
 * Reads a status answer (a parsed JSON value, or its JSON text, or a bare word such as `PAID`)
 * into a PaymentStatus. Null means malformed or unknown; the poller treats that as a fault,
 * never as a status.
 */
export function parseStatus(body: unknown): PaymentStatus | null {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // a bare word, read below
    }
  }
  if (typeof body === 'string') return statusFromWord(body);
  if (!isRecord(body)) return null;

  // Plain answers and TBank QUERY put the word in `status`, a QPay payment in `payment_status`.
  for (const field of ['status', 'payment_status']) {
    if (typeof body[field] === 'string') return statusFromWord(body[field]);
  }

  // QPay /v2/payment/check: any PAID row pays the invoice; refunded rows with no attempt still
  // pending mean REFUNDED; otherwise (no rows, NEW or FAILED attempts) the customer can still pay,
  // since a failed attempt lets them retry. An unknown row status makes the answer malformed.
  const { rows, count } = body;
  if (rows == null) return count === 0 ? 'NEW' : null;
  if (!Array.isArray(rows)) return null;
  const statuses = rows.map((row) => codeWord((row as Record<string, unknown> | null)?.payment_status));
  if (!statuses.every((status) => /^(NEW|PAID|FAILED|REFUNDED)$/.test(status))) return null;
  if (statuses.includes('PAID')) return 'PAID';
  return statuses.includes('REFUNDED') && !statuses.includes('NEW') ? 'REFUNDED' : 'NEW';
}

/** What a PAID answer must agree with before it counts: the invoice shown and its amount (major units). */
export interface PaidExpectation {
  invoiceId: string;
  amount?: number;
}

/** Fields by which answers name their invoice: plain and QPay (`invoice_id`, `object_id`), TBank (`outTradeNo`). */
const INVOICE_ID_FIELDS = ['invoice_id', 'invoiceId', 'object_id', 'outTradeNo'];

/** A number, or a decimal string such as "100.00"; NaN otherwise. */
const amountOf = (value: unknown): number =>
  typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;

/**
 * Why a PAID answer does not pay `expected`, or null when nothing in it says otherwise:
 * - it names another invoice (any of INVOICE_ID_FIELDS, compared as text);
 * - it carries amounts and the invoice has one: `paid_amount`, and for a raw QPay payment check
 *   the sum of its PAID rows' `payment_amount`, must each reach the invoice's amount (to half a
 *   minor unit, for float rounding). An amount field that cannot be read is itself a reason.
 */
export function paidMismatch(body: unknown, expected: PaidExpectation): string | null {
  if (!isRecord(body)) return null;
  for (const field of INVOICE_ID_FIELDS) {
    const named = body[field];
    if (named != null && String(named) !== expected.invoiceId) {
      return `PAID names invoice ${field}=${JSON.stringify(named).slice(0, 80)}, not ${expected.invoiceId}`;
    }
  }
  const amount = expected.amount;
  if (amount === undefined) return null;
  const paid: [string, number][] = [];
  if (body.paid_amount != null) paid.push(['paid_amount', amountOf(body.paid_amount)]);
  if (Array.isArray(body.rows)) {
    const paidRows = body.rows.filter((row) => isRecord(row) && codeWord(row.payment_status) === 'PAID') as Record<string, unknown>[];
    if (paidRows.length > 0) paid.push(['PAID rows', paidRows.reduce((sum, row) => sum + amountOf(row.payment_amount), 0)]);
  }
  for (const [what, sum] of paid) {
    if (!(sum >= 0)) return `PAID with an unreadable ${what}`;
    if (sum + 0.005 < amount) return `PAID for ${Math.round(sum * 100) / 100} of ${amount} (${what})`;
  }
  return null;
}

// Defined with the status type, so the element can use it without loading this parser.
export { isFinal } from './types.js';
