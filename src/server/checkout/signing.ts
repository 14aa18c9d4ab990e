// Signed callback URLs. The handler puts `order`, `ref` and `sig` in every callback URL it gives the provider, where
// `sig` is an HMAC-SHA256 of the order id and the invoice reference under the shop's `callbackSecret`. A callback
// whose signature checks out was made by this shop, so it is confirmed with the provider even when the store has
// forgotten the invoice, with no budget; one whose signature is missing or wrong costs no provider call at all.
// Web Crypto only (no node:crypto), so the handler keeps running on Workers and other Fetch hosts.

/** A shorter secret is refused: HMAC-SHA256 wants at least 256 bits of key. */
export const MIN_CALLBACK_SECRET_LENGTH = 32;
/** The `sig` parameter: 43 base64url characters (a whole SHA-256). */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** What is signed: both values, in a form where no two pairs give the same bytes (ids cannot hold a newline). */
const signedText = (orderId: string, reference: string) => encoder.encode(`qpay-checkout:callback:v1\n${orderId}\n${reference}`);

export class CallbackSigner {
  readonly #key: Promise<CryptoKey>;
  /** False when the secret was made up at start-up (no `callbackSecret`): signatures die with the process. */
  readonly shared: boolean;

  /**
   * `secret` undefined: a random per-process secret (fine for one process that never restarts; the handler warns).
   * Throws a TypeError for a secret shorter than 32 characters.
   */
  constructor(secret: string | undefined) {
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < MIN_CALLBACK_SECRET_LENGTH)) {
      const length = typeof secret === 'string' ? `${secret.length} characters` : `a ${typeof secret}`;
      throw new TypeError(
        `createCheckoutHandler: callbackSecret must be a string of at least ${MIN_CALLBACK_SECRET_LENGTH} characters (got ${length}); ` +
          'generate one with `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"` and give every instance the same',
      );
    }
    this.shared = secret !== undefined;
    const bytes = secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : encoder.encode(secret);
    this.#key = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async sign(orderId: string, reference: string): Promise<string> {
    const signature = await crypto.subtle.sign('HMAC', await this.#key, signedText(orderId, reference));
    return base64url(new Uint8Array(signature));
  }

  /** True when `signature` is this secret's signature of the pair (compared in constant time by Web Crypto). */
  async verify(orderId: string, reference: string, signature: string): Promise<boolean> {
    if (!SIGNATURE_PATTERN.test(signature)) return false;
    return crypto.subtle.verify('HMAC', await this.#key, fromBase64url(signature), signedText(orderId, reference));
  }
}

/** The one start-up warning when the shop gave no `callbackSecret`: what breaks, and how to fix it. */
export const NO_SECRET_WARNING =
  'no callbackSecret: callback URLs are signed with a random secret of this process only. After a restart, or on ' +
  'another instance, callbacks of invoices created before it cannot be verified and fall back to a budgeted lookup ' +
  '(a few per second), so a burst of payments right after a restart is confirmed late. Set callbackSecret (32+ ' +
  'characters, the same on every instance).';
