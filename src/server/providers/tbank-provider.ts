// TBank QRPAY behind the checkout handler's provider seam: an order becomes a QRPAY operation
// (the element shows its SBP `codeUrl`), status comes from QUERY, and TBank's notification to
// `notifyUrl` only names the operation, which the handler then confirms with QUERY.
import { statusFromWord } from '../../core/status.js';
import type { CallbackClaim, CheckoutOrder, CheckoutProvider, CreatedInvoice, InvoiceTarget, ProviderInvoice, StatusResult } from './provider.js';
import { TBankError, type TBankQrPayClient } from './tbank-client.js';

export interface TBankProviderOptions {
  client: TBankQrPayClient;
  /** Used when the order names none. Default RUB. */
  currency?: string;
  /**
   * How long the element treats the QR as payable (its `expires_at`). TBank decides the real
   * lifetime and QUERY then answers EXPIRED; this only has to be no longer than it. Default 30 min.
   */
  invoiceTtlMs?: number;
  /**
   * QRPAY's `outTransactionNo` for a new operation: a non-negative safe integer, unique per
   * terminal (the document types it Number, "the operation's sequence number on the POS"). Shop
   * order ids are often not numeric, and an order may need a second QR after the first expires,
   * so the default is a fresh number per operation: epoch milliseconds times 1000 plus a counter
   * that starts at a random point, increasing within a process. Shops running several processes
   * on one terminal should pass a sequence from their own database.
   */
  transactionNo?: (order: CheckoutOrder) => number | Promise<number>;
  now?: () => number;
}

/** Fresh, increasing, numeric `outTransactionNo`s (see `TBankProviderOptions.transactionNo`). */
export function createTransactionNumbers(now: () => number = Date.now): () => number {
  let counter = Math.floor(Math.random() * 1000);
  let last = 0;
  return () => {
    counter = (counter + 1) % 1000;
    // Date.now() * 1000 stays below Number.MAX_SAFE_INTEGER until the year 2255.
    last = Math.max(last + 1, now() * 1000 + counter);
    return last;
  };
}

/** TBank types `outTradeNo` Number; it is asked about as its digits. */
const OUT_TRADE_NO = /^\d{1,30}$/;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** The TBank QRPAY `CheckoutProvider`: pass it to `createCheckoutHandler` in place of QPay's. */
export class TBankProvider implements CheckoutProvider {
  readonly name = 'tbank';
  /** The currency of orders that name none (`options.currency`, default RUB). */
  readonly defaultCurrency: string;
  readonly #client: TBankQrPayClient;
  readonly #ttlMs: number;
  readonly #nextTransactionNo: (order: CheckoutOrder) => number | Promise<number>;
  readonly #now: () => number;

  constructor(options: TBankProviderOptions) {
    const client = options?.client;
    if (!client || typeof client.createQr !== 'function' || typeof client.query !== 'function') {
      throw new TypeError('TBankProvider: client must be a TBankQrPayClient');
    }
    const ttlMs = options.invoiceTtlMs ?? 30 * 60 * 1000;
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new TypeError('TBankProvider: invoiceTtlMs must be a positive number');
    this.#client = client;
    const currency = options.currency ?? 'RUB';
    if (!/^[A-Za-z]{3}$/.test(currency)) throw new TypeError(`TBankProvider: currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
    this.defaultCurrency = currency.toUpperCase();
    this.#ttlMs = ttlMs;
    this.#now = options.now ?? Date.now;
    this.#nextTransactionNo = options.transactionNo ?? createTransactionNumbers(this.#now);
  }

  async createInvoice(order: CheckoutOrder, { callbackUrl }: InvoiceTarget): Promise<CreatedInvoice> {
    if (!order || text(order.orderId) === '') {
      throw new TBankError('INVALID_PARAMS', 'order.orderId is required', 0, 'QRPAY');
    }
    if (typeof order.amount !== 'number' || !Number.isFinite(order.amount) || order.amount <= 0) {
      throw new TBankError('INVALID_PARAMS', `order.amount must be a positive number, got ${JSON.stringify(order.amount)}`, 0, 'QRPAY');
    }
    const currency = (order.currency ?? this.defaultCurrency).toUpperCase();
    const outTransactionNo = await this.#nextTransactionNo(order);
    const answer = await this.#client.createQr({
      outTransactionNo,
      totalAmount: order.amount,
      currency,
      ...(order.description ? { subject: order.description } : {}),
      ...(callbackUrl ? { notifyUrl: callbackUrl } : {}),
    });
    const expiresAt = this.#now() + this.#ttlMs;
    // The signature is TBank's business with us, not the browser's.
    const { signature: _signature, ...visible } = answer;
    return {
      invoiceId: answer.outTradeNo,
      expiresAt,
      invoice: {
        ...visible,
        outTransactionNo,
        amount: order.amount,
        currency: answer.currency || currency,
        expires_at: new Date(expiresAt).toISOString(),
      },
    };
  }

  async checkStatus(invoiceId: string): Promise<StatusResult> {
    const result = await this.#client.query({ oriTransactionNo: invoiceId });
    // core/status knows TBank's words (FAIL, CANCEL, PARTIAL_REFUNDED, ...); PENDING is NEW.
    const status = statusFromWord(result.status) ?? 'NEW';
    return {
      status,
      ...(status === 'PAID' && result.totalAmount !== undefined ? { paidAmount: result.totalAmount } : {}),
      raw: result.response,
    };
  }

  /**
   * QRPAY has no cancel in TBank's public pages: a superseded operation stays payable until TBank expires it, and
   * its payment is still confirmed and reported. QUERY gives back the operation's amount (not our reference).
   */
  async lookupInvoice(invoiceId: string): Promise<ProviderInvoice | null> {
    // TBank's outTradeNo is a number: anything else was not made by TBank, and is not asked about.
    if (!OUT_TRADE_NO.test(invoiceId)) return null;
    let result;
    try {
      result = await this.#client.query({ oriTransactionNo: invoiceId });
    } catch (error) {
      if (error instanceof TBankError && /NOT_?FOUND|NOT_EXIST/i.test(error.code)) return null;
      throw error;
    }
    const amount = result.totalAmount;
    if (amount === undefined) return null;
    const currency = text(result.response.currency).toUpperCase() || this.defaultCurrency;
    return { invoiceId, amount, currency };
  }

  /** A notification POSTed to `notifyUrl`: authentic only when its signature checks. */
  async readCallback(request: Request): Promise<CallbackClaim> {
    if (request.method !== 'POST') return { invoiceId: null, authentic: false };
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return { invoiceId: null, authentic: false };
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { invoiceId: null, authentic: false };
    const record = body as Record<string, unknown>;
    const authentic = record.signature !== undefined && (await this.#client.verifyNotification(record));
    // Unsigned notifications still name an operation worth a QUERY; a bad signature names nothing.
    if (record.signature !== undefined && !authentic) return { invoiceId: null, authentic: false };
    const id = text(record.outTradeNo) || text(record.oriTransactionNo);
    return { invoiceId: OUT_TRADE_NO.test(id) ? id : null, authentic };
  }

  callbackResponse(): Response {
    // TBank's notification answer is not in the public document; a plain JSON SUCCESS in the
    // envelope of its own answers, with HTTP 200, acknowledges it.
    return Response.json({ code: 'SUCCESS', msg: 'OK' });
  }
}
