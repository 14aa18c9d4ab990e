// Shared shapes of the data path: provider invoice -> InvoiceView -> element, and
// status answer -> PaymentStatus -> poller -> element. Pure types, plus the one status rule the
// element needs before the poller (and the status parser with it) has loaded: which statuses are final.

/** Statuses the widget knows. Provider statuses are mapped onto these by `core/status`. */
export type PaymentStatus = 'NEW' | 'PAID' | 'FAILED' | 'REFUNDED' | 'EXPIRED' | 'CANCELLED';

/** Statuses after which polling stops for good. */
export const FINAL_STATUSES: readonly PaymentStatus[] = ['PAID', 'FAILED', 'REFUNDED', 'EXPIRED', 'CANCELLED'];

/** True for statuses after which polling stops for good. */
export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export type Provider = 'qpay' | 'tbank';

/** Where the QR comes from: a ready PNG (raw base64, no `data:` prefix), or text to draw. */
export type QrSource =
  /** `text`: what to draw instead when the PNG does not decode (qr_text or codeUrl), if there is any. */
  | { kind: 'image'; base64Png: string; text?: string }
  | { kind: 'text'; text: string };

/** A bank-app deep link that already passed `core/links` safety checks. */
export interface BankLink {
  name: string;
  description?: string;
  /** https: logo URL, or undefined when the provider gave none or an unsafe one. */
  logo?: string;
  /** The href to navigate to (custom scheme or https), already checked safe. */
  link: string;
}

/** One view of any supported invoice, made by `normalizeInvoice` in `core/invoice`. */
export interface InvoiceView {
  provider: Provider;
  /** `invoice_id` (QPay) or `outTradeNo` (TBank). Non-empty. */
  id: string;
  qr: QrSource;
  /** Text the customer can copy (qPay_shortUrl, qr_text or codeUrl), if any. */
  copyText?: string;
  /** For SBP invoices: the codeUrl that opens the customer's default bank app. */
  primaryLink?: string;
  /** Bank deep links in the order the provider gave them (QPay `urls`). */
  banks: BankLink[];
  /** Amount in major units (e.g. 100.5), when known from merchant fields, TBank or EMV tag 54. */
  amount?: number;
  /** ISO 4217 alphabetic code (MNT, RUB, ...), when known. */
  currency?: string;
  merchant?: string;
  description?: string;
  /** Epoch milliseconds, from the merchant's `expires_at`. */
  expiresAt?: number;
}
