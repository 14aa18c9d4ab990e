// The page's cart: quantities per product id, and what the page sends as the widget's `order`
// (ids and quantities only; the server prices them).
import { CATALOGUE, MAX_QUANTITY, type CartItem } from './catalogue.js';

export type Quantities = ReadonlyMap<string, number>;

/** A copy of `quantities` with `id` set to `quantity`, clamped to 0..MAX_QUANTITY (0 removes it). */
export function withQuantity(quantities: Quantities, id: string, quantity: number): Quantities {
  const next = new Map(quantities);
  const clamped = Number.isFinite(quantity) ? Math.min(MAX_QUANTITY, Math.max(0, Math.trunc(quantity))) : 0;
  if (clamped === 0) next.delete(id);
  else next.set(id, clamped);
  return next;
}

/** The cart's items in catalogue order (stable, so the same cart always reads the same). */
export function cartItems(quantities: Quantities): CartItem[] {
  return CATALOGUE.filter((product) => (quantities.get(product.id) ?? 0) > 0).map((product) => ({
    id: product.id,
    quantity: quantities.get(product.id)!,
  }));
}

/** The body the widget POSTs to `invoice-url`: the cart's id and its items, no prices. */
export interface CheckoutOrderBody {
  cartId: string;
  items: CartItem[];
}

export function orderBody(cartId: string, quantities: Quantities): CheckoutOrderBody {
  return { cartId, items: cartItems(quantities) };
}

/** A fresh cart id: one per order, so paying twice for one cart is impossible and a new order gets a new invoice. */
export function newCartId(): string {
  return crypto.randomUUID();
}
