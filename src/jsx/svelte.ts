// `<qpay-checkout>` in Svelte markup (svelte-check): Svelte sets a prop as a property when the element
// has one, so `invoice={object}` works. Listeners: `onqpay-paid={fn}` (Svelte 5) or `on:qpay-paid={fn}`
// (Svelte 4 syntax). Opt in with one type-only import (say in src/app.d.ts):
//   import type {} from 'qpay-checkout/jsx/svelte';

import type { HTMLAttributes } from 'svelte/elements';
import type { QPayCheckoutAttributes, QPayCheckoutElement, QPayCheckoutListeners, QPayCheckoutProperties } from './shared.js';

/** Attributes of `<qpay-checkout>` in Svelte markup. */
export type QPayCheckoutSvelteAttributes = HTMLAttributes<QPayCheckoutElement> &
  QPayCheckoutProperties &
  Omit<QPayCheckoutAttributes, keyof QPayCheckoutProperties | 'lang'> &
  QPayCheckoutListeners<'on'> &
  QPayCheckoutListeners<'on:'>;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'qpay-checkout': QPayCheckoutSvelteAttributes;
  }
}
