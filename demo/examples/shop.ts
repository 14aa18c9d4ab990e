// What the React and Vue examples share: the little cart they sell (priced from the shop's catalogue,
// the same one the server prices the order from), the order body the widget POSTs to /qpay/invoice,
// and the dev-only "Simulate payment" call. Framework-free, so each example shows only its framework's code.
import { newCartId, orderBody, type CheckoutOrderBody } from '../cart.js';
import { priceCart, type PricedCart } from '../catalogue.js';

export type { CheckoutOrderBody };

/** The example's cart, shown on the page. The browser sends only ids and quantities; the server prices them. */
export const EXAMPLE_CART: PricedCart = priceCart(
  [
    { id: 'buuz', quantity: 2 },
    { id: 'milk-tea', quantity: 1 },
  ],
  'MNT',
);

/** The QPay checkout routes the demo's server kit mounts (see demo/shop-server.ts); the widget listens to the events stream and polls the status route as its fallback. */
export const QPAY_ROUTES = { invoiceUrl: '/qpay/invoice', statusUrl: '/qpay/status/{id}', eventsUrl: '/qpay/events/{id}' } as const;

const tugrik = new Intl.NumberFormat('en', { style: 'currency', currency: 'MNT', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 });

/** "₮23,100". */
export function formatTugrik(amount: number): string {
  return tugrik.format(amount);
}

/** A new order for the cart: a fresh cart id each time, so each Buy gets its own invoice. */
export function newExampleOrder(): CheckoutOrderBody {
  return orderBody(newCartId(), new Map(EXAMPLE_CART.lines.map((line) => [line.product.id, line.quantity])));
}

/**
 * Dev only: asks the demo server to pay the QPay mock's invoice as a bank app would. Resolves when the
 * mock took the payment (the widget then sees PAID pushed on its event stream); rejects with the server's reason.
 */
export async function simulatePayment(invoiceId: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`/demo-api/pay/qpay/${encodeURIComponent(invoiceId)}`, { method: 'POST' });
  } catch (error) {
    throw new Error(`The demo server did not answer: ${(error as Error).message}`);
  }
  if (response.ok) return;
  const answer = (await response.json().catch(() => ({}))) as { message?: unknown };
  throw new Error(`The mock could not pay: ${typeof answer.message === 'string' ? answer.message : `HTTP ${response.status}`}`);
}
