// EMVCo merchant-presented QR payloads, as QPay returns them in `qr_text`.
// A payload is a run of tag(2 digits) + length(2 digits) + value fields, ending in tag 63:
// a CRC-16/CCITT-FALSE over everything up to and including "6304".
// Pure: no DOM, no I/O.

/** The top-level fields of an EMV payload, plus the few the widget shows. */
export interface EmvPayload {
  /** Every top-level tag in payload order; unknown tags (27, 71, 78-80, ...) pass through. */
  tags: Map<string, string>;
  /** Tag 63 is present, last, and matches the CRC of the text before it. */
  crcValid: boolean;
  /** Tag 54, in major units. */
  amount?: number;
  /** Tag 53 as ISO 4217 alpha code, when the numeric code is in `CURRENCY_BY_NUMERIC`. */
  currency?: string;
  /** Tag 59. */
  merchantName?: string;
}

/** ISO 4217 numeric -> alpha: MNT and RUB (what QPay and TBank QRs carry), USD and CNY. */
export const CURRENCY_BY_NUMERIC: Readonly<Record<string, string>> = {
  '496': 'MNT',
  '643': 'RUB',
  '840': 'USD',
  '156': 'CNY',
};

const encoder = new TextEncoder();

/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) of the text's
 * UTF-8 bytes, as 4 uppercase hex digits. `crc16('123456789') === '29B1'`.
 */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of encoder.encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = ((crc << 1) ^ (crc & 0x8000 ? 0x1021 : 0)) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** Appends tag 63 (the CRC) to a payload that ends just before it. Handy for mocks and tests. */
export function appendCrc(payloadWithoutCrc: string): string {
  const head = `${payloadWithoutCrc}6304`;
  return head + crc16(head);
}

/**
 * Reads the top-level TLV fields of an EMV payload. Returns null when the structure is
 * malformed: a tag or length that is not two digits, a value running past the end, a repeated
 * tag (which would make the shown amount ambiguous), or an empty text.
 * Lengths count UTF-16 code units; QPay payloads are ASCII, where that equals bytes.
 */
export function parseEmv(text: string): EmvPayload | null {
  if (typeof text !== 'string' || !text) return null;
  const tags = new Map<string, string>();
  let lastField = 0;
  for (let pos = 0; pos < text.length; ) {
    const head = text.slice(pos, pos + 4);
    const tag = head.slice(0, 2);
    const end = pos + 4 + Number(head.slice(2));
    if (!/^\d{4}$/.test(head) || end > text.length || tags.has(tag)) return null;
    tags.set(tag, text.slice(pos + 4, end));
    lastField = pos;
    pos = end;
  }
  // The CRC field "6304XXXX" must come last and cover everything before its value.
  const crcValid = text.startsWith('6304', lastField) && text.slice(lastField + 4).toUpperCase() === crc16(text.slice(0, lastField + 4));
  const amount = tags.get('54') ?? '';
  const currency = tags.get('53') ?? '';
  return {
    tags,
    crcValid,
    // Tag 54: up to 13 characters, digits with an optional decimal point.
    amount: amount.length <= 13 && /^(\d+\.?\d*|\.\d+)$/.test(amount) ? Number(amount) : undefined,
    currency: /^\d{3}$/.test(currency) ? CURRENCY_BY_NUMERIC[currency] : undefined,
    merchantName: tags.get('59')?.trim() || undefined,
  };
}
