// Link safety for everything a provider hands us to put in an href or src.
// Bank deep links use arbitrary custom schemes (khanbank://, bank100000000111://), so links are
// checked against a blocklist of schemes that run code or read local data, after making sure the
// scheme a browser would see is exactly the scheme we checked. Pure: no DOM, no I/O.

/** Longest href accepted; QPay deep links carry a ~300 character qr_text. */
export const MAX_LINK_LENGTH = 4096;

/**
 * Schemes never rendered. `livescript:` and `mocha:` are old aliases of `javascript:`;
 * `view-source:`, `jar:` and `mhtml:` have been used to smuggle content in older browsers.
 */
const BLOCKED_SCHEMES = new Set([
  'javascript',
  'vbscript',
  'livescript',
  'mocha',
  'data',
  'file',
  'blob',
  'about',
  'filesystem',
  'view-source',
  'jar',
  'mhtml',
]);

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** C0 controls and DEL: browsers strip or act on these, so a link holding one is never shown. */
export const CONTROL_CHARS = /[\u0000-\u001F\u007F]/;
/** Invisible format characters (soft hyphen, zero-width, bidi controls, BOM) that hide a link's real text. */
const INVISIBLE_CHARS = /[\u00AD\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u206A-\u206F\uFEFF]/;
const WHITESPACE_OR_INVISIBLE = /[\s\u0000-\u001F\u007F\u00AD\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u206A-\u206F\uFEFF]/g;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  nbsp: '\u00A0',
  amp: '&',
  lpar: '(',
  rpar: ')',
  sol: '/',
  period: '.',
  plus: '+',
  hyphen: '-',
  dash: '-',
};

function codePointToString(code: number): string {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

/** Decodes HTML character references (with or without the `;`, as browsers do) and %XX escapes. */
function decodeOnce(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => codePointToString(parseInt(hex.slice(0, 8), 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => codePointToString(Number(dec.slice(0, 8))))
    .replace(/&([a-z]+);?/gi, (whole, name: string) => NAMED_ENTITIES[name.toLowerCase()] ?? whole)
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The scheme a lenient reader would find after undoing every encoding trick: entities and
 * percent-escapes decoded (repeatedly, for double encoding), whitespace and invisibles removed,
 * lowercased. Null when no scheme is left.
 */
export function normalisedScheme(href: string): string | null {
  let text = href;
  for (let round = 0; round < 4; round++) {
    const decoded = decodeOnce(text);
    if (decoded === text) break;
    text = decoded;
  }
  const match = SCHEME.exec(text.replace(WHITESPACE_OR_INVISIBLE, ''));
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * Returns `href` exactly as given when it is safe to put in an `<a href>`, else null.
 * Safe means: a non-empty string of at most MAX_LINK_LENGTH characters, with no control or
 * invisible characters, starting with an explicit scheme that is not blocked, and whose scheme is
 * the same when every entity, escape and whitespace trick is undone.
 */
export function safeLink(href: unknown): string | null {
  if (typeof href !== 'string' || href.length === 0 || href.length > MAX_LINK_LENGTH) return null;
  if (CONTROL_CHARS.test(href) || INVISIBLE_CHARS.test(href)) return null;
  const raw = SCHEME.exec(href);
  if (!raw) return null;
  const scheme = raw[1]!.toLowerCase();
  if (BLOCKED_SCHEMES.has(scheme)) return null;
  if (normalisedScheme(href) !== scheme) return null;
  return href;
}

/** Returns `url` as given when it is a well-formed https: URL (for logos), else null. */
export function safeImageUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > MAX_LINK_LENGTH) return null;
  // An authority right after "//": browsers would read "https:///x" as host "x".
  if (!/^https:\/\/[^/\\?#@]/i.test(url)) return null;
  if (CONTROL_CHARS.test(url) || INVISIBLE_CHARS.test(url) || /\s/.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === 'https:' && parsed.hostname !== '' ? url : null;
}

/** True when `url` is a safe link that uses https: (what QPay short URLs and SBP codeUrls are). */
export function isSafeHttpsLink(url: unknown): url is string {
  return safeLink(url) !== null && safeImageUrl(url) !== null;
}

/**
 * NSPK's rule for opening an SBP QR in one bank's app: the `codeUrl` with its `https` scheme
 * replaced by the bank's `schema` (`https://qr.nspk.ru/AD1...` -> `bank100000000111://qr.nspk.ru/AD1...`).
 * Null unless codeUrl is a safe https URL, the schema is a bare scheme name and the result is safe.
 */
export function sbpBankLink(codeUrl: string, schema: string): string | null {
  if (!isSafeHttpsLink(codeUrl)) return null;
  if (typeof schema !== 'string' || !/^[a-z][a-z0-9+.-]*$/i.test(schema) || schema.length > 64) return null;
  return safeLink(schema + codeUrl.slice('https'.length));
}
