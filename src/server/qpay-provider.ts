// QPay behind the CheckoutProvider seam: simple-form invoices (or the shop's own full form), the
// payment check as the source of truth, and QPay's GET callback answered with plain `SUCCESS`.
import { parseStatus } from '../core/status.js';
import { QPayError } from './errors.js';
import type { QPayClient } from './qpay-client.js';
import type { QPayInvoiceRequest } from './qpay-types.js';
import { ProviderError, type CheckoutOrder, type CheckoutProvider, type CreatedInvoice, type StatusResult } from './provider.js';

/** What `buildInvoice` gives: the full form minus the fields the provider owns; receiver and description default. */
export type QPayInvoiceExtras = Omit<
  QPayInvoiceRequest,
  'invoice_code' | 'sender_invoice_no' | 'callback_url' | 'invoice_receiver_code' | 'invoice_description'
> &
  Partial<Pick<QPayInvoiceRequest, 'invoice_receiver_code' | 'invoice_description'>>;

export interface QPayProviderOptions {
  client: QPayClient;
  /** The `invoice_code` QPay gave the merchant (sandbox: TEST_INVOICE). */
  invoiceCode: string;
  /** `invoice_receiver_code` for every invoice (default `terminal`, as in QPay's examples). */
  invoiceReceiverCode?: string;
  /** How long an invoice is handed out again for the same order (default 30 minutes). */
  invoiceTtlMs?: number;
  /**
   * Builds the full-form request instead of the simple form, e.g. to send `lines` or receiver
   * data. `sender_invoice_no`, `invoice_code` and `callback_url` are set by the provider afterwards.
   */
  buildInvoice?: (order: CheckoutOrder) => QPayInvoiceExtras;
  now?: () => number;
}

export class QPayProvider implements CheckoutProvider {
  readonly name = 'qpay' as const;
  readonly #client: QPayClient;
  readonly #invoiceCode: string;
  readonly #receiverCode: string;
  readonly #ttlMs: number;
  readonly #build: QPayProviderOptions['buildInvoice'];
  readonly #now: () => number;

  constructor(options: QPayProviderOptions) {
    if (!options?.client) throw new TypeError('QPayProvider: client is required');
    if (typeof options.invoiceCode !== 'string' || !options.invoiceCode.trim()) {
      throw new TypeError('QPayProvider: invoiceCode is required');
    }
    this.#client = options.client;
    this.#invoiceCode = options.invoiceCode;
    this.#receiverCode = options.invoiceReceiverCode ?? 'terminal';
    this.#ttlMs = options.invoiceTtlMs ?? 30 * 60_000;
    this.#build = options.buildInvoice;
    this.#now = options.now ?? Date.now;
  }

  async createInvoice(order: CheckoutOrder, callbackUrl: string): Promise<CreatedInvoice> {
    const currency = (order.currency ?? 'MNT').toUpperCase();
    if (currency !== 'MNT') {
      throw new ProviderError(`QPay invoices are in MNT; the order is in ${currency}`, 'UNSUPPORTED_CURRENCY', 'invalid-request');
    }
    const description = order.description?.trim() || `Order ${order.orderId}`;
    const answer = this.#build
      ? await this.#client.createInvoice({
          amount: order.amount,
          invoice_receiver_code: this.#receiverCode,
          invoice_description: description,
          ...this.#build(order),
          invoice_code: this.#invoiceCode,
          sender_invoice_no: order.orderId,
          callback_url: callbackUrl,
        })
      : await this.#client.createSimpleInvoice({
          invoice_code: this.#invoiceCode,
          sender_invoice_no: order.orderId,
          invoice_receiver_code: this.#receiverCode,
          invoice_description: description,
          amount: order.amount,
          callback_url: callbackUrl,
        });
    if (!answer || typeof answer.invoice_id !== 'string' || !answer.invoice_id) {
      throw new QPayError({ status: 200, code: 'INVALID_RESPONSE', message: 'QPay invoice create answered without invoice_id' });
    }
    const expiresAt = this.#now() + this.#ttlMs;
    return {
      invoiceId: answer.invoice_id,
      invoice: { ...answer, amount: order.amount, currency, expires_at: new Date(expiresAt).toISOString() },
      expiresAt,
    };
  }

  /** All payment rows of the invoice (every page); any PAID row makes it PAID. */
  async checkStatus(invoiceId: string): Promise<StatusResult> {
    const answer = await this.#client.checkInvoicePayments(invoiceId);
    const status = parseStatus(answer);
    if (!status) {
      throw new QPayError({ status: 200, code: 'INVALID_RESPONSE', message: 'QPay payment check answered rows with an unknown payment_status' });
    }
    return { status, paidAmount: typeof answer.paid_amount === 'number' ? answer.paid_amount : 0, raw: answer };
  }

  /**
   * Fallback for callbacks without the handler's own `order` parameter: QPay appends
   * `qpay_payment_id`, and the payment names its invoice in `object_id`.
   */
  async invoiceIdFromCallback(request: Request): Promise<string | null> {
    const paymentId = new URL(request.url).searchParams.get('qpay_payment_id');
    if (!paymentId || paymentId.length > 128) return null;
    let payment;
    try {
      payment = await this.#client.getPayment(paymentId);
    } catch (error) {
      if (error instanceof QPayError && error.status === 404) return null; // a made-up payment id
      throw error;
    }
    return payment.object_type === 'INVOICE' && typeof payment.object_id === 'string' ? payment.object_id : null;
  }

  callbackResponse(): Response {
    return new Response('SUCCESS', { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
}
