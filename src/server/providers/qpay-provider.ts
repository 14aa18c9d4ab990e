// QPay behind the CheckoutProvider seam: simple-form invoices (or the shop's own full form), the
// payment check as the source of truth, and QPay's GET callback answered with plain `SUCCESS`.
import { parseStatus } from '../../core/status.js';
import { QPayError } from '../errors.js';
import type { QPayClient } from './qpay-client.js';
import type { QPayInvoiceRequest } from './qpay-types.js';
import {
  ProviderError,
  type CallbackClaim,
  type CheckoutOrder,
  type CheckoutProvider,
  type CreatedInvoice,
  type InvoiceTarget,
  type ProviderInvoice,
  type StatusResult,
} from './provider.js';

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
   * data. `sender_invoice_no` (the handler's per-invoice reference), `invoice_code` and `callback_url` are set
   * by the provider afterwards.
   */
  buildInvoice?: (order: CheckoutOrder) => QPayInvoiceExtras;
  now?: () => number;
}

export class QPayProvider implements CheckoutProvider {
  readonly name = 'qpay';
  readonly defaultCurrency = 'MNT';
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

  async createInvoice(order: CheckoutOrder, { callbackUrl, reference }: InvoiceTarget): Promise<CreatedInvoice> {
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
          sender_invoice_no: reference,
          callback_url: callbackUrl,
        })
      : await this.#client.createSimpleInvoice({
          invoice_code: this.#invoiceCode,
          sender_invoice_no: reference,
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

  /** Cancels a superseded invoice (`DELETE /v2/invoice/{id}`); an already cancelled one counts as done. */
  async cancelInvoice(invoiceId: string): Promise<void> {
    try {
      await this.#client.cancelInvoice(invoiceId);
    } catch (error) {
      if (error instanceof QPayError && error.code === 'INVOICE_ALREADY_CANCELED') return;
      throw error;
    }
  }

  /** `GET /v2/invoice/{id}`: its `sender_invoice_no` (our reference) and total; null for an id QPay does not know. */
  async lookupInvoice(invoiceId: string): Promise<ProviderInvoice | null> {
    let invoice;
    try {
      invoice = await this.#client.getInvoice(invoiceId);
    } catch (error) {
      if (error instanceof QPayError && (error.status === 404 || error.code === 'INVOICE_NOTFOUND')) return null;
      throw error;
    }
    const amount = Number(invoice.total_amount ?? invoice.gross_amount);
    if (!Number.isFinite(amount)) {
      throw new QPayError({ status: 200, code: 'INVALID_RESPONSE', message: 'QPay invoice get answered without a total_amount' });
    }
    return {
      invoiceId,
      amount,
      currency: this.defaultCurrency,
      ...(typeof invoice.sender_invoice_no === 'string' && invoice.sender_invoice_no ? { reference: invoice.sender_invoice_no } : {}),
    };
  }

  /** QPay appends `qpay_payment_id` to the callback URL; the payment names its invoice in `object_id`. Unsigned. */
  async readCallback(request: Request): Promise<CallbackClaim> {
    const paymentId = new URL(request.url).searchParams.get('qpay_payment_id');
    if (!paymentId || !/^[A-Za-z0-9_-]{1,128}$/.test(paymentId)) return { invoiceId: null, authentic: false };
    let payment;
    try {
      payment = await this.#client.getPayment(paymentId);
    } catch (error) {
      if (error instanceof QPayError && (error.status === 404 || error.code === 'PAYMENT_NOTFOUND')) return { invoiceId: null, authentic: false };
      throw error;
    }
    const invoiceId = payment.object_type === 'INVOICE' && typeof payment.object_id === 'string' ? payment.object_id : null;
    return { invoiceId, authentic: false };
  }

  callbackResponse(): Response {
    return new Response('SUCCESS', { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
}
