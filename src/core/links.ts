// Link safety for everything a provider hands us to put in an href or src.
// Bank deep links use arbitrary custom schemes (khanbank://, bank100000000111://), so links are
// checked against a blocklist of schemes that run code or read local data. The scheme must be
// written plainly (letters, digits, `+.-` up to the first colon, as RFC 3986 spells it), so no
// entity, percent-escape, space or invisible character can disguise it: `java&#115;cript:` or
// `%6Aavascript:` has no plain scheme and is refused. Pure: no DOM, no I/O.

/** Longest href accepted; QPay deep links carry a ~300 character qr_text. */
export const MAX_LINK_LENGTH = 4096;

/**
 * Schemes never rendered. `livescript:` and `mocha:` are old aliases of `javascript:`;
 * `view-source:`, `jar:` and `mhtml:` have been used to smuggle content in older browsers.
 */
const BLOCKED_SCHEME = /^(javascript|vbscript|livescript|mocha|data|file|blob|about|filesystem|view-source|jar|mhtml)$/;

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** C0 controls and DEL: browsers strip or act on these. */
export const CONTROL_CHARS = /[\u0000-\u001F\u007F]/;
/** Controls, and invisible format characters (soft hyphen, zero-width, bidi controls, BOM) that hide a link's real text. */
const HIDDEN_CHARS = /[\u0000-\u001F\u007F\u00AD\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u206A-\u206F\uFEFF]/;

/**
 * Returns `href` exactly as given when it is safe to put in an `<a href>`, else null.
 * Safe means: a non-empty string of at most MAX_LINK_LENGTH characters, with no control or
 * invisible characters, starting with a plainly written scheme that is not blocked.
 */
export function safeLink(href: unknown): string | null {
  if (typeof href !== 'string' || href.length > MAX_LINK_LENGTH || HIDDEN_CHARS.test(href)) return null;
  const scheme = SCHEME.exec(href)?.[1]!.toLowerCase();
  return scheme && !BLOCKED_SCHEME.test(scheme) ? href : null;
}

/** Returns `url` as given when it is a well-formed, safe https: URL (a logo, a QPay short URL, an SBP codeUrl), else null. */
export function safeHttpsUrl(url: unknown): string | null {
  // An authority right after "//": browsers would read "https:///x" as host "x".
  if (typeof url !== 'string' || !/^https:\/\/[^/\\?#@]/i.test(url) || safeLink(url) === null || /\s/.test(url)) return null;
  try {
    new URL(url);
    return url;
  } catch {
    return null;
  }
}

/** Bank logos must be safe https: URLs. */
export const safeImageUrl = safeHttpsUrl;

/** True when `url` is a safe link that uses https: (what QPay short URLs and SBP codeUrls are). */
export function isSafeHttpsLink(url: unknown): url is string {
  return safeHttpsUrl(url) !== null;
}
