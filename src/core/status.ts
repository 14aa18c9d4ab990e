// Status answers from the merchant's status endpoint, mapped onto the widget's PaymentStatus.
// Three shapes are understood: the plain `{"status": "PAID"}`, QPay's raw /v2/payment/check
// answer, and TBank's QRPAY QUERY / acquiring GetState statuses. Pure: no DOM, no I/O.
import { FINAL_STATUSES, type PaymentStatus } from './types.js';
import { isRecord } from './json.js';

/**
 * Provider status words (upper case) -> PaymentStatus. Pending words map to NEW: the customer
 * may still pay. Anything not listed is unknown and makes `parseStatus` return null.
 */
const STATUS_WORDS: Readonly<Record<string, PaymentStatus>> = Object.freeze({
  // The widget's own words (and QPay's payment statuses).
  NEW: 'NEW',
  PAID: 'PAID',
  FAILED: 'FAILED',
  REFUNDED: 'REFUNDED',
  EXPIRED: 'EXPIRED',
  CANCELLED: 'CANCELLED',
  CANCELED: 'CANCELLED',
  // TBank QRPAY QUERY.
  FAIL: 'FAILED',
  CANCEL: 'CANCELLED',
  PARTIAL_REFUNDED: 'REFUNDED',
  NOTPAY: 'NEW',
  USERPAYING: 'NEW',
  PROCESSING: 'NEW',
  PENDING: 'NEW',
  CREATED: 'NEW',
  // TBank acquiring GetState. AUTHORIZED is a hold the merchant has not confirmed yet, so it is
  // still pending; CONFIRMED is the paid state.
  FORM_SHOWED: 'NEW',
  AUTHORIZING: 'NEW',
  '3DS_CHECKING': 'NEW',
  '3DS_CHECKED': 'NEW',
  AUTHORIZED: 'NEW',
  CONFIRMING: 'NEW',
  CONFIRMED: 'PAID',
  REJECTED: 'FAILED',
  AUTH_FAIL: 'FAILED',
  DEADLINE_EXPIRED: 'EXPIRED',
  REVERSING: 'CANCELLED',
  REVERSED: 'CANCELLED',
  PARTIAL_REVERSED: 'CANCELLED',
  REFUNDING: 'REFUNDED',
});

/** Maps one status word (any case, surrounding spaces ignored) to a PaymentStatus, or null. */
export function statusFromWord(word: unknown): PaymentStatus | null {
  if (typeof word !== 'string') return null;
  const key = word.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(STATUS_WORDS, key) ? STATUS_WORDS[key]! : null;
}

/**
 * QPay /v2/payment/check: any PAID row pays the invoice; refunded rows with no attempt still
 * pending mean REFUNDED; otherwise (no rows, NEW or FAILED attempts) the customer can still pay,
 * since a failed attempt lets them retry. An unknown row status makes the answer malformed.
 */
function statusFromPaymentCheck(body: Record<string, unknown>): PaymentStatus | null {
  const { rows, count } = body;
  if (rows === undefined || rows === null) {
    return count === 0 ? 'NEW' : null;
  }
  if (!Array.isArray(rows)) return null;
  const statuses: string[] = [];
  for (const row of rows) {
    if (!isRecord(row) || typeof row.payment_status !== 'string') return null;
    const status = row.payment_status.trim().toUpperCase();
    if (status !== 'NEW' && status !== 'PAID' && status !== 'FAILED' && status !== 'REFUNDED') return null;
    statuses.push(status);
  }
  if (statuses.includes('PAID')) return 'PAID';
  if (statuses.includes('REFUNDED') && !statuses.includes('NEW')) return 'REFUNDED';
  return 'NEW';
}

/**
 * Reads a status answer (a parsed JSON value, or its JSON text) into a PaymentStatus.
 * Null means malformed or unknown; the poller treats that as a fault, never as a status.
 */
export function parseStatus(body: unknown): PaymentStatus | null {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // A bare word body such as `PAID`.
      return /^\s*[A-Za-z0-9_]+\s*$/.test(body as string) ? statusFromWord(body) : null;
    }
    if (typeof body === 'string') return statusFromWord(body);
  }
  if (!isRecord(body)) return null;

  // Plain answers and TBank QUERY put the word in `status`; some gateways use other names.
  for (const field of ['status', 'tradeStatus', 'orderStatus', 'Status', 'payment_status'] as const) {
    const value = body[field];
    if (typeof value === 'string') return statusFromWord(value);
  }
  if ('rows' in body || 'count' in body) return statusFromPaymentCheck(body);
  return null;
}

/** True for statuses after which polling stops for good. */
export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
