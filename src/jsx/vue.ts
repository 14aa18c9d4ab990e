// `<qpay-checkout>` in Vue templates (type-checked by vue-tsc / Vue - Official), registered as a global
// component type the way Vue's guide describes for custom elements: `$props` for bindings, `$emit`
// for `@qpay-paid` and the other events. Opt in with one type-only import (say in env.d.ts or main.ts):
//   import type {} from 'qpay-checkout/jsx/vue';
// Vue must still be told the tag is a custom element: compilerOptions.isCustomElement (see the README).

import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { QPayCheckoutElement, QPayCheckoutEventMap, QPayCheckoutProperties } from './shared.js';

type QPayCheckoutEmit = EmitFn<{ [Name in keyof QPayCheckoutEventMap]: (event: QPayCheckoutEventMap[Name]) => void }>;

/** The component type Vue's template checker sees for `<qpay-checkout>`. */
export type QPayCheckoutVueComponent = new () => QPayCheckoutElement & {
  /** @deprecated For template type checking only: the element has no `$props`. */
  $props: HTMLAttributes & QPayCheckoutProperties & PublicProps;
  /** @deprecated For template type checking only: the element has no `$emit`. */
  $emit: QPayCheckoutEmit;
};

declare module 'vue' {
  interface GlobalComponents {
    'qpay-checkout': QPayCheckoutVueComponent;
  }
}
