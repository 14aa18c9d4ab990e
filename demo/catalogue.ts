// The demo shop's products and the one function that prices a cart. The page imports it to show
// prices; the dev server imports its own copy to price the order it sends to QPay or TBank, so a
// cart from the browser is only ever item ids and quantities (an amount from the browser is ignored).

export type ShopCurrency = 'MNT' | 'RUB';

export interface Product {
  id: string;
  name: string;
  blurb: string;
  /** Major units per currency: tögrög for QPay, roubles (two decimals at most) for TBank SBP. */
  price: Record<ShopCurrency, number>;
  /** Tile colour on the page (products have no photos in the demo). */
  colour: string;
}

export const CATALOGUE: readonly Product[] = [
  { id: 'milk-tea', name: 'Milk tea', blurb: 'Süütei tsai, a thermos for two', price: { MNT: 4_500, RUB: 120 }, colour: '#c9a46a' },
  { id: 'buuz', name: 'Buuz', blurb: 'Six steamed dumplings', price: { MNT: 9_800, RUB: 290 }, colour: '#d9826b' },
  { id: 'khuushuur', name: 'Khuushuur', blurb: 'Fried meat pastry', price: { MNT: 3_500, RUB: 150 }, colour: '#b5651d' },
  { id: 'felt-slippers', name: 'Felt slippers', blurb: 'Hand-felted wool, size 38–44', price: { MNT: 45_000, RUB: 1_350.5 }, colour: '#5b8c7a' },
  { id: 'cashmere-scarf', name: 'Cashmere scarf', blurb: 'Gobi cashmere, 180 × 30 cm', price: { MNT: 185_000, RUB: 4_900 }, colour: '#6c6f9c' },
];

/** At most this many of one product, and this many different lines, in one order. */
export const MAX_QUANTITY = 20;
export const MAX_LINES = CATALOGUE.length;

export interface CartItem {
  id: string;
  quantity: number;
}

export interface PricedLine {
  product: Product;
  quantity: number;
  /** quantity × unit price, major units. */
  total: number;
}

export interface PricedCart {
  currency: ShopCurrency;
  lines: PricedLine[];
  /** Major units, rounded to whole minor units. */
  total: number;
  /** Short text for the invoice, e.g. "2 × Buuz, 1 × Milk tea". */
  description: string;
}

/** A cart the shop refuses: unknown product, bad quantity, empty, or not a list. */
export class CartError extends Error {
  override name = 'CartError';
}

export function findProduct(id: string): Product | undefined {
  return CATALOGUE.find((product) => product.id === id);
}

/** Sums in minor units so 1350.5 × 3 does not drift by a hair. */
const toMinor = (amount: number) => Math.round(amount * 100);

/**
 * Prices `items` (untrusted: straight from a request body) from the catalogue. Throws CartError
 * with a reason a customer could act on; never returns an empty or zero-priced cart.
 */
export function priceCart(items: unknown, currency: ShopCurrency): PricedCart {
  if (!Array.isArray(items)) throw new CartError('The cart must be a list of items');
  if (items.length === 0) throw new CartError('The cart is empty');
  if (items.length > MAX_LINES) throw new CartError(`The cart has more than ${MAX_LINES} lines`);
  const seen = new Set<string>();
  const lines: PricedLine[] = [];
  let totalMinor = 0;
  for (const item of items) {
    const { id, quantity } = (item ?? {}) as Partial<Record<keyof CartItem, unknown>>;
    if (typeof id !== 'string') throw new CartError('Each cart item needs a product id');
    const product = findProduct(id);
    if (!product) throw new CartError(`There is no product "${id.slice(0, 40)}"`);
    if (seen.has(id)) throw new CartError(`"${product.name}" is in the cart twice`);
    seen.add(id);
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new CartError(`The quantity of "${product.name}" must be a whole number from 1 to ${MAX_QUANTITY}`);
    }
    const lineMinor = toMinor(product.price[currency]) * quantity;
    totalMinor += lineMinor;
    lines.push({ product, quantity, total: lineMinor / 100 });
  }
  const description = lines.map((line) => `${line.quantity} × ${line.product.name}`).join(', ');
  return { currency, lines, total: totalMinor / 100, description };
}
