// `<qpay-checkout>` in Solid JSX: Solid sets props on custom elements as properties (`status-url` becomes
// `statusUrl`), so objects pass as they are. Listeners are native: `on:qpay-paid={fn}`. Opt in with
// one type-only import anywhere in the app:
//   import type {} from 'qpay-checkout/jsx/solid';

import type { JSX } from 'solid-js';
import type { QPayCheckoutAttributes, QPayCheckoutElement, QPayCheckoutEventMap, QPayCheckoutProperties } from './shared.js';

type SolidListeners = {
  [Name in keyof QPayCheckoutEventMap as `on:${Name}`]?: JSX.EventHandlerWithOptionsUnion<QPayCheckoutElement, QPayCheckoutEventMap[Name]>;
};

/** Attributes of `<qpay-checkout>` in Solid JSX. */
export type QPayCheckoutSolidAttributes = JSX.HTMLAttributes<QPayCheckoutElement> &
  QPayCheckoutProperties &
  Omit<QPayCheckoutAttributes, keyof QPayCheckoutProperties | 'lang'> &
  SolidListeners;

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements {
      'qpay-checkout': QPayCheckoutSolidAttributes;
    }
  }
}
