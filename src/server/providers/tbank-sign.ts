// TBank QRPAY request/response signature, as public code quotes TBank's TACAP document:
// HMAC-SHA256 with the sign key over `key=value` pairs joined by `&`, in a fixed field order,
// empty fields skipped, `method` always present (the operation's name in lower case),
// `totalAmount` with two decimals, lowercase hex out.
//
// Browser-safe on purpose (Web Crypto only, no node:crypto): the msw mock in `src/mock/tbank.ts`
// imports it and must also run under msw's `setupWorker`.

/** The fields the signature covers, in the order they are written. Everything else is ignored. */
export const TBANK_SIGNED_FIELDS = [
  'agentId',
  'body',
  'currency',
  'mchId',
  'merchantAddress',
  'merchantName',
  'method',
  'notifyUrl',
  'oriTransactionNo',
  'outTransactionNo',
  'qrcId',
  'signType',
  'subject',
  'terId',
  'timeStart',
  'totalAmount',
  'tradeType',
  'version',
] as const;

export type TBankSignedField = (typeof TBANK_SIGNED_FIELDS)[number];

/** `1500.5` / `'1500.5'` -> `'1500.50'`. Rejects what is not a plain non-negative amount with at most 2 decimals. */
export function formatTBankAmount(amount: unknown): string {
  const text = typeof amount === 'number' ? String(amount) : typeof amount === 'string' ? amount.trim() : '';
  // String(number) gives exponent notation for huge/tiny numbers; the regex rejects those too.
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match || (typeof amount === 'number' && !Number.isFinite(amount))) {
    throw new TypeError(
      `TBank totalAmount must be a non-negative amount with at most two decimals, got ${JSON.stringify(amount)}`,
    );
  }
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  return `${whole}.${(match[2] ?? '').padEnd(2, '0')}`;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function fieldText(name: TBankSignedField, value: unknown): string {
  if (name === 'totalAmount') return formatTBankAmount(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`TBank field ${name} must be a string or a number to be signed`);
}

/**
 * The exact text that gets signed, e.g.
 * `agentId=A1&currency=RUB&mchId=M1&method=qrpay&outTransactionNo=22210&...&version=V1.0`.
 * `fields.method` is required (lower-cased here: `QRPAY` and `qrpay` sign the same).
 */
export function tbankCanonicalString(fields: Record<string, unknown>): string {
  if (typeof fields.method !== 'string' || fields.method.trim() === '') {
    throw new TypeError('TBank signature needs `method`: the operation name, e.g. "qrpay" or "query"');
  }
  const pairs: string[] = [];
  for (const name of TBANK_SIGNED_FIELDS) {
    const value = name === 'method' ? fields.method.trim().toLowerCase() : fields[name];
    if (isEmpty(value)) continue;
    pairs.push(`${name}=${fieldText(name, value)}`);
  }
  return pairs.join('&');
}

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Error('Web Crypto (crypto.subtle) is not available: TBank signing needs Node 20+ or a secure browser context');
  return api;
}

const encoder = new TextEncoder();

async function hmacSha256Hex(key: string, text: string): Promise<string> {
  const cryptoKey = await subtle().importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await subtle().sign('HMAC', cryptoKey, encoder.encode(text)));
  let hex = '';
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** HMAC-SHA256 signature of `fields` (see `tbankCanonicalString`), 64 lowercase hex characters. */
export async function signTBank(fields: Record<string, unknown>, signKey: string): Promise<string> {
  if (typeof signKey !== 'string' || signKey.length === 0) throw new TypeError('TBank signKey must be a non-empty string');
  return hmacSha256Hex(signKey, tbankCanonicalString(fields));
}

/** Compares two strings in time that depends only on their length (no early exit on the first difference). */
function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/**
 * Checks `body.signature` against the body's own fields. `method` is the operation the caller
 * expects (`qrpay`, `query`, ...); it takes precedence over `body.method`, so an answer signed for
 * another operation does not verify. Never throws on malformed input: answers false.
 */
export async function verifyTBankSignature(
  body: Record<string, unknown>,
  signKey: string,
  method?: string,
): Promise<boolean> {
  if (body === null || typeof body !== 'object') return false;
  const given = body.signature;
  if (typeof given !== 'string' || !/^[0-9a-fA-F]{64}$/.test(given)) return false;
  let expected: string;
  try {
    expected = await signTBank({ ...body, method: method ?? body.method }, signKey);
  } catch {
    return false;
  }
  return constantTimeEqual(expected, given.toLowerCase());
}
