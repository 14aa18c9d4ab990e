// The handler's per-invoice reference: sent to the provider (QPay keeps it as `sender_invoice_no`) and put in the
// callback URL beside the order id. Its first part is a digest of the order id, so a callback whose `order` and
// `ref` do not belong together is refused even when the store has forgotten the invoice; the rest is random, so
// every invoice of an order has its own.

const DIGEST_CHARS = 16;
const RANDOM_BYTES = 9;
/** `r` + 16 digest characters + 12 random ones: 29 URL-safe characters, inside QPay's 45 for `sender_invoice_no`. */
export const REFERENCE_PATTERN = /^r[A-Za-z0-9_-]{28}$/;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function orderDigest(orderId: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`qpay-checkout:order:${orderId}`));
  return base64url(new Uint8Array(digest)).slice(0, DIGEST_CHARS);
}

/** A fresh reference for a new invoice of `orderId`. */
export async function newInvoiceReference(orderId: string): Promise<string> {
  return `r${await orderDigest(orderId)}${base64url(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES)))}`;
}

/** True when `reference` was made by `newInvoiceReference(orderId)`. */
export async function referenceBelongsToOrder(reference: string, orderId: string): Promise<boolean> {
  if (!REFERENCE_PATTERN.test(reference)) return false;
  return reference.slice(1, 1 + DIGEST_CHARS) === (await orderDigest(orderId));
}
