// The seam between the checkout handler and a payment provider (QPay, TBank, ...).
// The handler owns routing, idempotency, coalescing and exactly-once onPaid; a provider
// only knows how to talk to its own API.
import type { PaymentStatus } from '../core/types.js';

/** What the merchant's `getOrder(request)` tells the handler. Never taken from the browser. */
export interface CheckoutOrder {
  /** The shop's own order id; QPay's `sender_invoice_no`, TBank's `outTransactionNo`. */
  orderId: string;
  /** Major units, e.g. 15000 (MNT) or 1500.5 (RUB). */
  amount: number;
  description?: string;
  /** ISO 4217 code; defaults to the provider's (MNT for QPay, RUB for TBank). */
  currency?: string;
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

export interface CheckoutProvider {
  readonly name: 'qpay' | 'tbank';
  /** Creates an invoice for the order; `callbackUrl` is where the provider notifies the shop. */
  createInvoice(order: CheckoutOrder, callbackUrl: string): Promise<CreatedInvoice>;
  /** Asks the provider for the invoice's status (the source of truth; callbacks are only hints). */
  checkStatus(invoiceId: string): Promise<StatusResult>;
  /**
   * Reads a provider callback/notification request and returns the invoice id it claims to be
   * about (or null when it names none). The handler then confirms with `checkStatus`.
   * The handler first looks at its own query parameters (it appends `order=<orderId>` to
   * `callbackUrl`), so this is only the fallback for callbacks that do not carry them.
   */
  invoiceIdFromCallback(request: Request): Promise<string | null>;
  /** The body the provider expects back from a handled callback (QPay: plain `SUCCESS`). */
  callbackResponse(): Response;
}

/**
 * What providers throw. The handler answers `kind: 'upstream'` (the provider failed or refused)
 * with 502 and `code`, and `kind: 'invalid-request'` (the request was rejected locally, before
 * sending, e.g. a description over the provider's length limit) with 500, since the order data
 * comes from the merchant's own `getOrder`. Messages never contain credentials or tokens.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    /** The provider's error code (e.g. `INVOICE_NOTFOUND`), or ours (`NETWORK_ERROR`, `TIMEOUT`, `INVALID_FIELD`). */
    readonly code: string,
    readonly kind: 'upstream' | 'invalid-request' = 'upstream',
  ) {
    super(message);
  }
}
