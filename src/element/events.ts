// The events `<qpay-checkout>` dispatches: one typed `CustomEvent` subclass each, all bubbling and
// composed so a listener on the page (outside the shadow root) hears them. Names are the public
// contract; they are also registered in `GlobalEventHandlersEventMap` for typed `addEventListener`.

import type { PaymentStatus } from '../core/types.js';

export interface QPayPaidDetail {
  invoiceId: string;
  status: 'PAID';
  /** The status endpoint's answer that said PAID, parsed from JSON, as is (with `alreadyPaid`: the `invoice-url` answer). */
  response: unknown;
  /**
   * True when `invoice-url` answered `409 ORDER_ALREADY_PAID` (say the page of a paid order was reloaded):
   * no invoice was shown, and `invoiceId` is the answer's `invoice_id` (empty when it has none).
   */
  alreadyPaid?: true;
}

export interface QPayStatusDetail {
  invoiceId: string;
  status: PaymentStatus;
  /** The status before this change; undefined for the first status of an invoice. */
  previous: PaymentStatus | undefined;
}

export interface QPayExpiredDetail {
  invoiceId: string;
  /** Epoch ms of the invoice's `expires_at`, when the expiry came from it. */
  expiresAt: number | undefined;
}

export interface QPayErrorDetail {
  /**
   * What went wrong. Fatal errors: an `InvoiceError` (unusable invoice, `.code` says why), a
   * `QPayLoadError` (the `invoice-url` request failed), or a QR that cannot be drawn. Non-fatal: a
   * `PollError` (`.kind`, `.status`, `.retryInMs`) from polling or the event stream, which go on (`stream`: the
   * `events-url` answer is not an event stream, reported once, polling carries on; `untrusted`: a PAID
   * for another invoice or a smaller amount, or an answer redirected to another origin; `too-large`: an
   * answer over 64 KB); a server clock over 5 minutes off (the countdown keeps the device's clock); a
   * `status-url` that cannot be used; or a lazily loaded part that failed to load (the phone bank list: the QR shows
   * instead; the English or Russian texts: Mongolian shows instead).
   */
  error: Error;
  /** True when the element cannot go on with this invoice; false when the customer can still pay. */
  fatal: boolean;
}

export interface QPayBankSelectDetail {
  /** The bank's name as the provider gave it; empty for the "open in bank app" link of SBP invoices. */
  name: string;
  /** The deep link about to be opened. */
  link: string;
}

/**
 * THE map of the element's events: name -> detail type. Everything else derives from it: the event classes
 * below, `QPayCheckoutEventMap` (and so `GlobalEventHandlersEventMap`), the JSX listener props
 * (src/jsx/shared.ts) and the React wrapper's callbacks (src/react).
 */
export interface QPayCheckoutEventDetails {
  /** Once per invoice when the merchant says PAID (by stream or poll). */
  'qpay-paid': QPayPaidDetail;
  /** On every status change. */
  'qpay-status': QPayStatusDetail;
  /** The invoice expired unpaid; status watching has stopped. */
  'qpay-expired': QPayExpiredDetail;
  /** Fatal or not; see QPayErrorDetail. */
  'qpay-error': QPayErrorDetail;
  /** A bank link was activated; cancelable. */
  'qpay-bank-select': QPayBankSelectDetail;
}

export type QPayCheckoutEventName = keyof QPayCheckoutEventDetails;

/** A bubbling, composed `CustomEvent` class for one event name, with that name's detail type. */
function eventClass<Name extends QPayCheckoutEventName>(type: Name, cancelable = false) {
  return class extends CustomEvent<QPayCheckoutEventDetails[Name]> {
    constructor(detail: QPayCheckoutEventDetails[Name]) {
      super(type, { bubbles: true, composed: true, cancelable, detail });
    }
  };
}

export const QPayPaidEvent = eventClass('qpay-paid');
export type QPayPaidEvent = InstanceType<typeof QPayPaidEvent>;
export const QPayStatusEvent = eventClass('qpay-status');
export type QPayStatusEvent = InstanceType<typeof QPayStatusEvent>;
export const QPayExpiredEvent = eventClass('qpay-expired');
export type QPayExpiredEvent = InstanceType<typeof QPayExpiredEvent>;
export const QPayErrorEvent = eventClass('qpay-error');
export type QPayErrorEvent = InstanceType<typeof QPayErrorEvent>;
/** Cancelable: `preventDefault()` keeps the browser from following the bank link. */
export const QPayBankSelectEvent = eventClass('qpay-bank-select', true);
export type QPayBankSelectEvent = InstanceType<typeof QPayBankSelectEvent>;

/** The element's events by name, as dispatched: what `addEventListener` and the framework bindings are typed with. */
export type QPayCheckoutEventMap = { [Name in QPayCheckoutEventName]: CustomEvent<QPayCheckoutEventDetails[Name]> };

/**
 * The `invoice-url` request failed: network, timeout, HTTP status, an answer that is not JSON, or an `order`
 * attribute that is not JSON. The message says which, with the server's code and words when it sent them
 * (`invoice-url: the server answered HTTP 404 ORDER_NOT_FOUND: No order matches this request`).
 */
export class QPayLoadError extends Error {
  override name = 'QPayLoadError';
  /** HTTP status when the server answered with an error status. */
  readonly status: number | undefined;
  /** The `error` code of the server's JSON error answer (the server kit's `ORDER_NOT_FOUND`, `BAD_JSON`, …). */
  readonly code: string | undefined;
  /** The `message` of the server's JSON error answer, as the server wrote it. */
  readonly serverMessage: string | undefined;
  /** The server's whole JSON error answer, parsed (undefined when it was not JSON). */
  readonly answer: unknown;

  constructor(message: string, status?: number, cause?: unknown, code?: string, serverMessage?: string, answer?: unknown) {
    super(message, { cause });
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
    this.answer = answer;
  }
}

declare global {
  /** The element's events, merged into the DOM's map so `addEventListener('qpay-paid', …)` knows its `detail`. */
  interface GlobalEventHandlersEventMap extends QPayCheckoutEventMap {}
}
