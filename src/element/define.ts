// Registers <qpay-checkout> on import: the package's main entry, `qpay-checkout` and `qpay-checkout/define`
// alike (one built file, dist/index.js): the element class, events, types, and the define function.
// Importing it registers the tag once (a no-op when it is already defined); call defineQPayCheckout()
// yourself for another tag name or a scoped registry. `qpay-checkout/element` is the class without it.

import { QPayCheckoutElement } from './index.js';

export * from './index.js';

/**
 * Defines the element as `tag` in `registry`. Does nothing when the tag is already defined there
 * (by this or any other class), so loading the package twice does not throw.
 * Returns the constructor registered under `tag`.
 */
export function defineQPayCheckout(
  tag = 'qpay-checkout',
  registry: CustomElementRegistry = customElements,
): CustomElementConstructor {
  const existing = registry.get(tag);
  if (existing) return existing;
  // A registry takes each constructor once: a second tag needs its own subclass.
  const constructor = registry.getName?.(QPayCheckoutElement) ? class extends QPayCheckoutElement {} : QPayCheckoutElement;
  registry.define(tag, constructor);
  return constructor;
}

defineQPayCheckout();
