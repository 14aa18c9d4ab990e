// The seam between the checkout handler and a payment provider (QPay, TBank, ...).
// The handler owns routing, idempotency, coalescing and exactly-once onPaid; a provider
// only knows how to talk to its own API.
import type { PaymentStatus } from '../../core/types.js';

/** What the merchant's `getOrder(request)` tells the handler. Never taken from the browser. */
export interface CheckoutOrder {
  /** The shop's own order id; QPay's `sender_invoice_no`, TBank's `outTransactionNo`. */
  orderId: string;
  /** Major units, e.g. 15000 (MNT) or 1500.5 (RUB). */
  amount: number;
  description?: string;
  /** ISO 4217 code; defaults to the provider's `defaultCurrency` (MNT for QPay, RUB for TBank unless configured). */
  currency?: string;
  /**
   * True when the shop's own records say the order is paid: the invoice route then answers 409 ORDER_ALREADY_PAID
   * and creates nothing, whatever the store remembers (the shop's database is the truth after any restart).
   */
  paid?: boolean;
}

/** An invoice as the element expects it: the provider's answer plus `amount`, `currency`, `expires_at`. */
export type ElementInvoice = Record<string, unknown> & {
  amount: number;
  currency: string;
  /** ISO 8601. */
  expires_at: string;
};

export interface CreatedInvoice {
  /** QPay `invoice_id` or TBank `outTradeNo`: the id the element polls with. */
  invoiceId: string;
  invoice: ElementInvoice;
  /** Epoch ms after which the invoice is no longer payable. */
  expiresAt: number;
}

export interface StatusResult {
  status: PaymentStatus;
  /** Amount paid so far in major units, when the provider says. */
  paidAmount?: number;
  /** The provider's raw answer, for onPaid. */
  raw?: unknown;
}

/** Where the provider should notify the shop, and the handler's own reference for the new invoice. */
export interface InvoiceTarget {
  /** The callback URL, already naming the order and `reference`. */
  callbackUrl: string;
  /**
   * The handler's per-invoice reference (up to 32 URL-safe characters). Providers that keep a merchant reference
   * on the invoice store it there (QPay: `sender_invoice_no`), so that it can be read back after a restart.
   */
  reference: string;
}

/** What the provider itself knows of an invoice: enough to rebuild a record the store lost. */
export interface ProviderInvoice {
  invoiceId: string;
  /** The merchant reference the provider kept (QPay `sender_invoice_no`), when it keeps one. */
  reference?: string;
  /** Major units. */
  amount: number;
  currency: string;
}

/** What a callback request claims to be about. */
export interface CallbackClaim {
  /** The provider's invoice id the callback names, or null when it names none. */
  invoiceId: string | null;
  /** True when the provider signed the request and the signature checked (TBank); QPay callbacks are unsigned. */
  authentic: boolean;
}

export interface CheckoutProvider {
  /** Recorded on each invoice and reported in onPaid (`qpay`, `tbank`, ...). */
  readonly name: string;
  /** ISO 4217 code used when the order names none (QPay: MNT; TBank: its configured currency). */
  readonly defaultCurrency: string;
  /** Creates an invoice for the order. */
  createInvoice(order: CheckoutOrder, target: InvoiceTarget): Promise<CreatedInvoice>;
  /** Asks the provider for the invoice's status (the source of truth; callbacks are only hints). */
  checkStatus(invoiceId: string): Promise<StatusResult>;
  /**
   * Cancels an invoice that a newer one of the same order replaces, so the customer cannot pay both. Providers
   * without a cancel leave it out; the superseded invoice then stays payable and its payment is still reported.
   * Throws a ProviderError (e.g. code `INVOICE_PAID`) when it cannot.
   */
  cancelInvoice?(invoiceId: string): Promise<void>;
  /** The provider's own record of an invoice, or null when it has none (a made-up or foreign id). */
  lookupInvoice(invoiceId: string): Promise<ProviderInvoice | null>;
  /** Reads a callback/notification request: which invoice it names, and whether it is signed. */
  readCallback(request: Request): Promise<CallbackClaim>;
  /** The body the provider expects back from a handled callback (QPay: plain `SUCCESS`). */
  callbackResponse(): Response;
}

/**
 * What providers throw. The handler answers `kind: 'upstream'` (the provider failed or refused)
 * with 502 and `code`, and `kind: 'invalid-request'` (the request was rejected locally, before
 * sending, e.g. a description over the provider's length limit) with 500, since the order data
 * comes from the merchant's own `getOrder`; `kind: 'not-found'` (the provider has no such invoice) with 404. Messages never contain credentials or tokens.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    /** The provider's error code (e.g. `INVOICE_NOTFOUND`), or ours (`NETWORK_ERROR`, `TIMEOUT`, `INVALID_FIELD`). */
    readonly code: string,
    readonly kind: 'upstream' | 'invalid-request' | 'not-found' = 'upstream',
  ) {
    super(message);
  }
}
