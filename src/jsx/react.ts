// `<qpay-checkout>` in React 19 JSX. React 19 sets a prop as a property when the element has one
// (so `invoice={object}` works) and turns `onqpay-paid={fn}` into addEventListener('qpay-paid', fn).
// Opt in with one type-only import anywhere in the app:
//   import type {} from 'qpay-checkout/jsx/react';
// (The `qpay-checkout/react` wrapper, with `onPaid`-style props, needs none of this.)

import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { QPayCheckoutAttributes, QPayCheckoutElement, QPayCheckoutListeners, QPayCheckoutProperties } from './shared.js';

/** Props of `<qpay-checkout>` in React JSX: HTML props, the element's properties, its attributes, `onqpay-*` listeners. */
export type QPayCheckoutReactJSXProps = DetailedHTMLProps<HTMLAttributes<QPayCheckoutElement>, QPayCheckoutElement> &
  QPayCheckoutProperties &
  Omit<QPayCheckoutAttributes, keyof QPayCheckoutProperties | 'lang'> &
  QPayCheckoutListeners<'on'>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'qpay-checkout': QPayCheckoutReactJSXProps;
    }
  }
}
