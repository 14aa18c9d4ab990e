// `qpay-checkout/react`: <qpay-checkout> as a React component, made with @lit/react. Properties pass as
// properties (an invoice object stays an object), and the element's events arrive as typed callback
// props: onPaid, onStatus, onExpired, onError, onBankSelect. Importing this module registers the tag.
//
//   import { QPayCheckout } from 'qpay-checkout/react';
//   <QPayCheckout invoice={invoice} statusUrl="/api/status/{id}" onPaid={(e) => go(e.detail.invoiceId)} />

import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import '../element/define.js';
import { QPayCheckoutElement } from '../element/qpay-checkout.js';
import type {
  QPayBankSelectEvent,
  QPayErrorEvent,
  QPayExpiredEvent,
  QPayPaidEvent,
  QPayStatusEvent,
} from '../element/events.js';
import type { QPayCheckoutProperties } from '../jsx/shared.js';

/** Callback prop name -> the event it listens to, typed with the event's class. */
const events = {
  onPaid: 'qpay-paid' as EventName<QPayPaidEvent>,
  onStatus: 'qpay-status' as EventName<QPayStatusEvent>,
  onExpired: 'qpay-expired' as EventName<QPayExpiredEvent>,
  onError: 'qpay-error' as EventName<QPayErrorEvent>,
  onBankSelect: 'qpay-bank-select' as EventName<QPayBankSelectEvent>,
};

/** The wrapper's event callbacks. */
export interface QPayCheckoutEventProps {
  /** `qpay-paid`: once per invoice; `event.detail` is `{invoiceId, status: 'PAID', response}`. */
  onPaid?: (event: QPayPaidEvent) => void;
  /** `qpay-status`: every status change; `event.detail` is `{invoiceId, status, previous}`. */
  onStatus?: (event: QPayStatusEvent) => void;
  /** `qpay-expired`: the invoice expired unpaid. */
  onExpired?: (event: QPayExpiredEvent) => void;
  /** `qpay-error`: `event.detail` is `{error, fatal}`. */
  onError?: (event: QPayErrorEvent) => void;
  /** `qpay-bank-select`: cancelable; `event.preventDefault()` keeps the page from following the bank link. */
  onBankSelect?: (event: QPayBankSelectEvent) => void;
}

/**
 * Props of `<QPayCheckout>`: React's HTML props (className, style, id, lang, ...), the element's
 * inputs as properties (`invoice`, `invoiceUrl`, `statusUrl`, `pollInterval`, `mode`, `order`,
 * `banks`, `rememberBank`), the event callbacks, and a ref to the element (for `check()`).
 */
export type QPayCheckoutProps = Omit<React.HTMLAttributes<QPayCheckoutElement>, keyof QPayCheckoutEventProps | keyof QPayCheckoutProperties> &
  QPayCheckoutProperties &
  QPayCheckoutEventProps &
  React.RefAttributes<QPayCheckoutElement>;

/**
 * `<qpay-checkout>` for React. The component @lit/react makes accepts every public member of the
 * element as a prop; its type is narrowed here to the element's documented inputs.
 */
export const QPayCheckout: React.ForwardRefExoticComponent<QPayCheckoutProps> = /* @__PURE__ */ createComponent({
  react: React,
  tagName: 'qpay-checkout',
  elementClass: QPayCheckoutElement,
  events,
  displayName: 'QPayCheckout',
});

export { QPayCheckoutElement };
export type {
  QPayBankSelectEvent,
  QPayErrorEvent,
  QPayExpiredEvent,
  QPayPaidEvent,
  QPayStatusEvent,
  QPayCheckoutProperties,
};
