// Link safety for everything a provider hands us to put in an href or src.
// Bank deep links use arbitrary custom schemes (khanbank://, bank100000000111://), so bank links
// are checked against an allowlist of forms: `https://` with a real host, or a bare custom scheme
// written `name://...`. Schemes the operating system or the browser handle themselves (http, tel:,
// intent:, ms-msdt:, search-ms:, chrome:, file:, ...) are refused even in that form: a "bank"
// button must open a bank app, never the dialler, a Windows tool or another web page.
// The scheme must be written plainly (letters, digits, `.-`), so no entity, percent-escape, space or
// invisible character can disguise it: `java&#115;cript:` or `%6Aavascript:` is refused.
// Pure: no DOM, no I/O.

/** Longest href accepted; QPay deep links carry a ~300 character qr_text. */
export const MAX_LINK_LENGTH = 4096;

/**
 * Schemes that are not a bank app's: the web (http, ftp, ws), OS handlers (tel, mailto, intent,
 * itms-services, shortcuts, search-ms, smb...), browser-internal pages (chrome, about, view-source)
 * and script or content carriers (javascript and its old aliases, data, blob, file, jar, mhtml).
 */
const BLOCKED_SCHEMES = new Set(
  (
    'http https ftp ftps sftp tftp ws wss gopher wais ' +
    'javascript vbscript livescript mocha data file blob filesystem jar mhtml wyciwyg cid mid urn ' +
    'about view-source chrome edge brave opera vivaldi firefox safari webkit moz resource res ie ' +
    'intent market content geo maps shortcuts workflow prefs app-prefs settings shell hcp help its mk ' +
    'tel sms smsto mms mmsto mailto callto facetime facetime-audio sip sips skype ' +
    'smb cifs nfs afp ssh telnet rlogin ldap ldaps vnc rdp jnlp jnlps ' +
    'irc ircs news nntp snews feed webcal magnet steam git svn search search-ms'
  ).split(' '),
);
/** Whole families of OS and browser schemes: ms-msdt, ms-officecmd, ms-settings, x-apple-..., chrome-extension, itms-apps, android-app... */
const BLOCKED_SCHEME_FAMILY = /^(ms|x|chrome|microsoft|edge|moz|opera|brave|safari|itms|android|windows|search|web|ios)[-.]/;

/** A bare custom scheme name: a letter, then letters, digits, dots (reverse-domain names) and hyphens. */
const CUSTOM_SCHEME = /^([a-z][a-z0-9.-]{0,63}):\/\//i;
/** Controls, and invisible format characters (soft hyphen, zero-width, bidi controls, BOM) that hide a link's real text. */
const HIDDEN_CHARS = /[\u0000-\u001F\u007F\u00AD\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u206A-\u206F\uFEFF]/;
/** C0 controls and DEL: browsers strip or act on these. */
export const CONTROL_CHARS = /[\u0000-\u001F\u007F]/;

/** SBP QR hosts: NSPK's `qr.nspk.ru` (what TBank issues) and `qr.spb.ru` (in TBank's QRPAY example). */
export const SBP_HOSTS: readonly string[] = ['qr.nspk.ru', 'qr.spb.ru'];

/** True when a scheme name (any case) is an OS, browser or web scheme rather than an app's own. */
export function isBlockedScheme(scheme: string): boolean {
  const name = scheme.toLowerCase();
  return BLOCKED_SCHEMES.has(name) || BLOCKED_SCHEME_FAMILY.test(name);
}

/**
 * Returns `href` exactly as given when it may be a bank button's `<a href>`, else null: a string of
 * at most MAX_LINK_LENGTH characters with no control or invisible characters that is either a safe
 * https: URL (see `safeHttpsUrl`) or a bare custom scheme `name://...` whose name is not blocked,
 * and that the browser's URL parser reads (`khanbank:// x` is not a link any app opens).
 */
export function safeLink(href: unknown): string | null {
  if (typeof href !== 'string' || href.length > MAX_LINK_LENGTH || HIDDEN_CHARS.test(href)) return null;
  if (/^https:/i.test(href)) return safeHttpsUrl(href);
  const scheme = CUSTOM_SCHEME.exec(href)?.[1];
  return scheme && !isBlockedScheme(scheme) && parseUrl(href) ? href : null;
}

/** The URL as the browser's parser reads it, or null (URL.canParse is too new for the phones we serve). */
function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The URL parsed when `url` is a well-formed https: URL with a host and no user name or password, else null. */
function parseHttps(url: unknown): URL | null {
  // An authority right after "//": browsers would read "https:///x" as host "x". No "@": a user
  // name makes `https://qr.nspk.ru@evil.example/` look like the host it is not. No white space, and
  // no backslash (which browsers read as "/" in some places and apps may read otherwise).
  if (typeof url !== 'string' || url.length > MAX_LINK_LENGTH || !/^https:\/\/[^/?#@]/i.test(url) || HIDDEN_CHARS.test(url) || /[\s\\]/.test(url)) {
    return null;
  }
  const parsed = parseUrl(url);
  return parsed && !parsed.username && !parsed.password ? parsed : null;
}

/** Returns `url` as given when it is a well-formed, safe https: URL (a logo, a QPay short URL) with no user info, else null. */
export function safeHttpsUrl(url: unknown): string | null {
  return parseHttps(url) ? (url as string) : null;
}

/** Returns `url` as given when it is an SBP QR link: a safe https URL on an SBP host (SBP_HOSTS), default port; else null. */
export function safeSbpUrl(url: unknown): string | null {
  const parsed = parseHttps(url);
  return parsed && !parsed.port && SBP_HOSTS.includes(parsed.hostname) ? (url as string) : null;
}

/** Bank logos must be safe https: URLs. */
export const safeImageUrl = safeHttpsUrl;

/** True when `url` is a safe link that uses https: (what QPay short URLs and SBP codeUrls are). */
export function isSafeHttpsLink(url: unknown): url is string {
  return safeHttpsUrl(url) !== null;
}
