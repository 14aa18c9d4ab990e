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
  QPayCheckoutEventMap,
  QPayErrorEvent,
  QPayExpiredEvent,
  QPayPaidEvent,
  QPayStatusEvent,
} from '../element/events.js';
import type { QPayCheckoutProperties } from '../jsx/shared.js';

/**
 * Callback prop name -> the event it listens to (a name of the element's one event map); the props' types
 * derive from it. onPaid: `qpay-paid`, once per invoice, `detail` `{invoiceId, status: 'PAID', response}`;
 * onStatus: every change, `{invoiceId, status, previous}`; onExpired; onError: `{error, fatal}`; onBankSelect:
 * cancelable, `event.preventDefault()` keeps the page from following the bank link.
 */
const EVENT_PROPS = {
  onPaid: 'qpay-paid',
  onStatus: 'qpay-status',
  onExpired: 'qpay-expired',
  onError: 'qpay-error',
  onBankSelect: 'qpay-bank-select',
} as const satisfies Record<string, keyof QPayCheckoutEventMap>;
type EventProps = typeof EVENT_PROPS;

/** The wrapper's event callbacks, each typed with its event's detail. */
export type QPayCheckoutEventProps = { [Prop in keyof EventProps]?: (event: QPayCheckoutEventMap[EventProps[Prop]]) => void };

const events = EVENT_PROPS as { [Prop in keyof EventProps]: EventName<QPayCheckoutEventMap[EventProps[Prop]]> };

/**
 * Props of `<QPayCheckout>`: React's HTML props (className, style, id, lang, ...), the element's
 * inputs as properties (`invoice`, `invoiceUrl`, `statusUrl`, `eventsUrl`, `pollInterval`, `mode`, `order`,
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
