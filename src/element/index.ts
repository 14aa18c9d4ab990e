// The side-effect-free entry: the element class, its events and types. Nothing is registered;
// import `define.js` (or call `defineQPayCheckout`) for that.

export {
  QPayCheckoutElement,
  type QPayCheckoutMode,
  type QPayCheckoutLayout,
  type QPayCheckoutState,
} from './qpay-checkout.js';
export * from './events.js';
export type { Language, Messages } from './i18n/index.js';
export type { BankLink, InvoiceView, PaymentStatus, Provider, QrSource } from '../core/types.js';
