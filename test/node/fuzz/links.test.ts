// Fuzz: the link checks. Whatever a provider sends, a link that passes is exactly what was given,
// and the browser's own URL parser reads it as https: (with a host and no user info) or as a bare
// custom scheme that is not an OS, browser or web scheme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isBlockedScheme, safeHttpsUrl, safeLink, safeSbpUrl, SBP_HOSTS } from '../../../src/core/links.js';
import { check, hostileString } from './settings.js';

const SCHEMES = ['https', 'http', 'khanbank', 'bank100000000111', 'javascript', 'data', 'intent', 'ms-msdt', 'search-ms', 'tel', 'mailto', 'chrome', 'file', 'blob', 'about', 'view-source', 'itms-services', 'socialpay-payment', 'com.example.pay', 'web+pay'];

/** A scheme, dressed up the ways attackers dress them: case, spaces, controls, entities, escapes. */
const scheme = fc.oneof(
  fc.constantFrom(...SCHEMES),
  fc.constantFrom(...SCHEMES).chain((name) =>
    fc.mapToConstant(
      { num: 1, build: () => name.toUpperCase() },
      { num: 1, build: () => ` ${name}` },
      { num: 1, build: () => `${name.slice(0, 2)}\t${name.slice(2)}` },
      { num: 1, build: () => `${name.slice(0, 2)}&#${name.charCodeAt(2)};${name.slice(3)}` },
      { num: 1, build: () => `%${name.charCodeAt(0).toString(16)}${name.slice(1)}` },
      { num: 1, build: () => `${name}\u200B` },
    ),
  ),
  fc.stringMatching(/^[a-z][a-z0-9+.-]{0,12}$/),
  hostileString(12),
);
const authority = fc.oneof(
  fc.constantFrom('qr.nspk.ru', 'qr.spb.ru', 'qpay.mn', 'evil.example', 'q', ''),
  fc.tuple(fc.constantFrom('qr.nspk.ru', 'user', 'a:b', ''), fc.constantFrom('evil.example', 'qr.nspk.ru')).map(([user, host]) => `${user}@${host}`),
  fc.constantFrom('qr.nspk.ru:8443', 'qr.nspk.ru.evil.example', '[::1]', '127.0.0.1', 'QR.NSPK.RU', 'qr.nspk.ru\\@evil.example'),
  hostileString(16),
);
const link = fc.oneof(
  fc.tuple(scheme, fc.constantFrom(':', '://', ':/', ':///', '//'), authority, fc.constantFrom('', '/', '/AD1?type=02', '/q?qPay_QRcode=0002'), hostileString(20)).map((parts) => parts.join('')),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  hostileString(60),
);

test('safeLink: what passes is the input itself, and the browser reads it as https or an allowed app scheme', (t) => {
  check(
    t,
    fc.property(link, (href) => {
      const safe = safeLink(href);
      if (safe === null) return;
      assert.equal(safe, href);
      assert.doesNotMatch(href, /[\u0000-\u001F\u007F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/);
      const parsed = new URL(href); // never throws for a passing link
      const protocol = parsed.protocol.slice(0, -1);
      assert.ok(!isBlockedScheme(protocol) || protocol === 'https', `blocked scheme ${protocol} passed: ${href}`);
      assert.equal(href.slice(0, protocol.length).toLowerCase(), protocol, 'the scheme is written plainly at the start');
      if (protocol === 'https') {
        assert.ok(parsed.hostname, 'https has a host');
        assert.equal(parsed.username + parsed.password, '', 'no user info');
      } else {
        assert.match(href, /^[a-z][a-z0-9.-]*:\/\//i, 'a bare name:// scheme');
      }
    }),
  );
});

test('safeHttpsUrl and safeSbpUrl: only https with a host and no user info; SBP only on its hosts', (t) => {
  check(
    t,
    fc.property(link, (url) => {
      const https = safeHttpsUrl(url);
      const sbp = safeSbpUrl(url);
      if (sbp !== null) assert.equal(https, url, 'every SBP URL is a safe https URL');
      if (https === null) return;
      assert.equal(https, url);
      const parsed = new URL(url);
      assert.equal(parsed.protocol, 'https:');
      assert.equal(parsed.username + parsed.password, '');
      assert.ok(parsed.hostname);
      if (sbp !== null) {
        assert.ok(SBP_HOSTS.includes(parsed.hostname), parsed.hostname);
        assert.equal(parsed.port, '');
      }
    }),
  );
});
