// Builds the `qr_text` a QPay invoice carries: an EMV merchant-presented payload shaped like the
// sandbox's (tags 00, 01, 15, 52, 53, 54, 58, 59, 60, 62, 63) with a valid CRC. Pure.
import { appendCrc } from '../core/emv.js';

function field(tag: string, value: string): string {
  if (value.length > 99) throw new RangeError(`EMV tag ${tag} value is longer than 99 characters`);
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/** EMV names allow a limited ASCII set; anything else becomes a space, then trimmed to `max`. */
function emvText(text: string, max: number): string {
  const ascii = text.replace(/[^\x20-\x7E]/g, ' ').replace(/\s+/g, ' ').trim();
  return (ascii || 'QPAY').slice(0, max);
}

/** 100 -> "100", 100.5 -> "100.50": tag 54 is at most 13 characters. */
export function emvAmount(amount: number): string {
  const text = Number.isInteger(amount) ? String(amount) : amount.toFixed(2);
  if (text.length > 13) throw new RangeError(`amount ${amount} does not fit EMV tag 54`);
  return text;
}

export interface MockQrInput {
  amount: number;
  merchantName: string;
  city: string;
  /** The merchant's account id inside tag 15 (the sandbox shows e.g. `KKTQPAY`). */
  merchantAccount: string;
  /** The shop's `sender_invoice_no`: EMV bill number (62.01). */
  billNumber: string;
  /** A short per-invoice reference (62.05). */
  reference: string;
}

export function buildQPayQrText(input: MockQrInput): string {
  const account = emvText(input.merchantAccount, 15);
  const additional =
    field('01', emvText(input.billNumber, 25)) + field('05', emvText(input.reference, 25)) + field('07', emvText(input.reference, 21));
  const payload =
    field('00', '01') +
    field('01', '12') +
    field('15', `2794049627940496${account}`) +
    field('52', '6010') +
    field('53', '496') +
    field('54', emvAmount(input.amount)) +
    field('58', 'MN') +
    field('59', emvText(input.merchantName, 25)) +
    field('60', emvText(input.city, 15)) +
    field('62', additional);
  return appendCrc(payload);
}
