import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isSafeHttpsLink, MAX_LINK_LENGTH, safeImageUrl, safeLink, safeSbpUrl } from '../../../src/core/links.js';
import { sbpBankLink } from '../../../src/core/sbp-banks.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));

/** Links a provider, a compromised server or a typo could hand us; none may reach an href. */
const MALICIOUS: [string, string][] = [
  ['javascript:alert(1)', 'plain javascript:'],
  ['JavaScript:alert(1)', 'mixed case'],
  ['JAVASCRIPT:alert(1)', 'upper case'],
  [' javascript:alert(1)', 'leading space'],
  ['\tjavascript:alert(1)', 'leading tab'],
  ['\njavascript:alert(1)', 'leading newline'],
  ['\u0000javascript:alert(1)', 'leading NUL'],
  ['java\tscript:alert(1)', 'embedded tab'],
  ['java\nscript:alert(1)', 'embedded newline'],
  ['java\rscript:alert(1)', 'embedded CR'],
  ['java script:alert(1)', 'embedded space'],
  ['java\u0000script:alert(1)', 'embedded NUL'],
  ['java\u001Fscript:alert(1)', 'embedded unit separator'],
  ['java\u007Fscript:alert(1)', 'embedded DEL'],
  ['java\u200Bscript:alert(1)', 'zero-width space'],
  ['java\u200Cscript:alert(1)', 'zero-width non-joiner'],
  ['java\u200Dscript:alert(1)', 'zero-width joiner'],
  ['\uFEFFjavascript:alert(1)', 'BOM'],
  ['java\u00ADscript:alert(1)', 'soft hyphen'],
  ['\u202Ejavascript:alert(1)', 'right-to-left override'],
  ['java&#115;cript:alert(1)', 'decimal entity'],
  ['java&#0000115;cript:alert(1)', 'zero-padded decimal entity'],
  ['java&#115cript:alert(1)', 'entity without semicolon'],
  ['&#x6A;avascript:alert(1)', 'hex entity'],
  ['&#X6a;avascript:alert(1)', 'upper-case hex entity'],
  ['jav&#x09;ascript:alert(1)', 'tab as entity'],
  ['jav&Tab;ascript:alert(1)', 'named tab entity'],
  ['javascript&colon;alert(1)', 'colon entity'],
  ['%6Aavascript:alert(1)', 'percent-escaped letter'],
  ['%256Aavascript:alert(1)', 'double percent-escaped letter'],
  ['java%09script:alert(1)', 'percent-escaped tab'],
  ['vbscript:msgbox(1)', 'vbscript:'],
  ['VBScript:msgbox(1)', 'vbscript: mixed case'],
  ['livescript:alert(1)', 'old javascript alias'],
  ['data:text/html,<script>alert(1)</script>', 'data: html'],
  ['DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'data: base64, upper case'],
  ['data:image/png;base64,iVBORw0KGgo=', 'data: image'],
  ['file:///etc/passwd', 'file:'],
  ['FILE://C:/Windows/win.ini', 'file: upper case'],
  ['blob:https://example.com/0b9c', 'blob:'],
  ['about:blank', 'about:'],
  ['ABOUT:srcdoc', 'about: upper case'],
  ['filesystem:https://example.com/temporary/x', 'filesystem:'],
  ['view-source:https://example.com', 'view-source:'],
  ['//evil.example/x', 'protocol-relative, no explicit scheme'],
  ['/relative/path', 'relative path'],
  ['q?qPay_QRcode=000201', 'no scheme'],
  [':alert(1)', 'empty scheme'],
  ['1bank://q', 'scheme starting with a digit'],
  ['khanbank://q?qPay_QRcode=0002\u0000', 'control character after a safe scheme'],
  ['khanbank://q?\u200Bx', 'zero-width character after a safe scheme'],
  ['khan\u200Bbank://q', 'zero-width character inside a safe scheme'],
  // Issue 10: a bank button must open a bank app, never the web, the OS or the browser's own pages.
  ['http://evil.example/khanbank', 'http: navigates the page away'],
  ['HTTP://evil.example/', 'http: upper case'],
  ['intent://scan/#Intent;scheme=zxing;package=com.evil;end', 'Android intent:'],
  ['ms-msdt:/id PCWDiagnostic /skip force', 'ms-msdt: (Follina)'],
  ['ms-msdt://id', 'ms-msdt: in the name:// form'],
  ['ms-officecmd://{"id":3}', 'ms-officecmd:'],
  ['ms-settings://privacy', 'ms-settings:'],
  ['search-ms://query=invoice&crumb=location:\\\\evil.example\\share', 'search-ms:'],
  ['search://x', 'search:'],
  ['chrome://settings', 'chrome:'],
  ['chrome-extension://abc/x.html', 'chrome-extension:'],
  ['edge://flags', 'edge:'],
  ['tel:+97699112233', 'tel:'],
  ['tel://+97699112233', 'tel: in the name:// form'],
  ['sms://+97699112233', 'sms:'],
  ['mailto:a@evil.example', 'mailto:'],
  ['mailto://a@evil.example', 'mailto: in the name:// form'],
  ['ftp://evil.example/x', 'ftp:'],
  ['file://host/share/x.exe', 'file: in the name:// form'],
  ['smb://evil.example/share', 'smb:'],
  ['itms-services://?action=download-manifest&url=https://evil.example/m.plist', 'iOS app install'],
  ['shortcuts://run-shortcut?name=x', 'iOS shortcuts:'],
  ['x-apple-systempreferences://x', 'x-apple- family'],
  ['steam://run/1', 'steam:'],
  ['view-source://https://example.com', 'view-source: in the name:// form'],
  ['khanbank:q?qPay_QRcode=0002', 'custom scheme without //'],
  ['web+pay://x', 'web+ protocol handler'],
  ['https://qpay.mn@evil.example/', 'https with a user name'],
  ['https://user:pw@evil.example/', 'https with a password'],
  ['https:///evil.example', 'https without a host'],
];

test('safeLink rejects every malicious link in the table', () => {
  for (const [href, why] of MALICIOUS) assert.equal(safeLink(href), null, why);
});

test('safeLink returns safe links exactly as given', () => {
  const good = [
    'khanbank://q?qPay_QRcode=0002010102121531279404962794049600000000KKTQPAY6304879D',
    'https://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB',
    'bank100000000111://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL',
    'KhanBank://q?x=1',
    'com.example.pay://pay',
    'https://s.qpay.mn/z1lKnIO5T',
    'khanbank://q?qPay_QRcode=5913TEST MERCHANT',
    'socialpay-payment://q?qPay_QRcode=abc&x=%20%6A',
  ];
  for (const href of good) assert.equal(safeLink(href), href, href);
});

test('safeLink accepts every deep link in the real QPay bank lists', () => {
  for (const name of ['qpay-invoice-urls.hitrip.json', 'qpay-invoice-urls.23banks.json']) {
    const urls = fixture(name) as { link: string }[];
    assert.ok(urls.length >= 10);
    for (const u of urls) assert.equal(safeLink(u.link), u.link, u.link);
  }
  const invoice = fixture('invoice-create-response.json') as { urls: { link: string }[] };
  for (const u of invoice.urls) assert.equal(safeLink(u.link), u.link);
});

test('safeLink rejects non-strings, empty and over-long input', () => {
  for (const value of [undefined, null, 0, 1, true, {}, [], ['https://a.example'], { toString: () => 'https://a.example' }, '']) {
    assert.equal(safeLink(value), null, String(value));
  }
  const long = `https://a.example/${'x'.repeat(MAX_LINK_LENGTH)}`;
  assert.equal(safeLink(long), null);
  const justFits = `https://a.example/${'x'.repeat(MAX_LINK_LENGTH - 'https://a.example/'.length)}`;
  assert.equal(safeLink(justFits), justFits);
});

test('safeImageUrl accepts https logo URLs only', () => {
  const ok = [
    'https://qpay.mn/q/logo/khanbank.png',
    'https://s3.qpay.mn/p/e9bbdc69-3544-4c2f-aff0-4c292bc094f6/launcher-icon-ios.jpg',
    'https://qpay.mn/q/logo/ard.png?v=2',
    'https://qr.nspk.ru/proxyapp/logo/bank100000000111.png',
  ];
  for (const url of ok) assert.equal(safeImageUrl(url), url);
  const bad: unknown[] = [
    'http://qpay.mn/q/logo/khanbank.png',
    '//qpay.mn/q/logo/khanbank.png',
    '/q/logo/khanbank.png',
    'javascript:alert(1)',
    'data:image/png;base64,iVBORw0KGgo=',
    'blob:https://qpay.mn/1',
    ' https://qpay.mn/x.png',
    'https://qpay.mn/x.png\n',
    'https://qpay.mn/a b.png',
    'https://',
    'https:///x.png',
    'https://\\evil.example/x.png',
    'https://@evil.example/x.png',
    'https://qpay.mn/\u200Bx.png',
    '',
    null,
    undefined,
    42,
    {},
    `https://a.example/${'x'.repeat(MAX_LINK_LENGTH)}`,
  ];
  for (const url of bad) assert.equal(safeImageUrl(url), null, String(url));
});

test('isSafeHttpsLink tells https links from custom schemes and unsafe input', () => {
  assert.equal(isSafeHttpsLink('https://s.qpay.mn/z1lKnIO5T'), true);
  assert.equal(isSafeHttpsLink('khanbank://q'), false);
  assert.equal(isSafeHttpsLink('http://s.qpay.mn/z1lKnIO5T'), false);
  assert.equal(isSafeHttpsLink(undefined), false);
});

test('sbpBankLink replaces the https scheme by the bank schema, as NSPK specifies', () => {
  const codeUrl = 'https://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB';
  assert.equal(
    sbpBankLink(codeUrl, 'bank100000000111'),
    'bank100000000111://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB',
  );
  assert.equal(sbpBankLink('HTTPS://qr.nspk.ru/AD1', 'bank100000000004'), 'bank100000000004://qr.nspk.ru/AD1');
});

test('sbpBankLink refuses non-https codeUrls, bad schemas and blocked results', () => {
  const codeUrl = 'https://qr.nspk.ru/AD1';
  assert.equal(sbpBankLink('http://qr.nspk.ru/AD1', 'bank100000000111'), null);
  assert.equal(sbpBankLink('bank1://qr.nspk.ru/AD1', 'bank100000000111'), null);
  assert.equal(sbpBankLink('javascript:alert(1)', 'bank100000000111'), null);
  assert.equal(sbpBankLink(codeUrl, 'javascript'), null);
  assert.equal(sbpBankLink(codeUrl, 'DATA'), null);
  assert.equal(sbpBankLink(codeUrl, 'bank1://x'), null);
  assert.equal(sbpBankLink(codeUrl, 'bank 1'), null);
  assert.equal(sbpBankLink(codeUrl, '1bank'), null);
  assert.equal(sbpBankLink(codeUrl, ''), null);
  assert.equal(sbpBankLink(codeUrl, undefined as unknown as string), null);
  assert.equal(sbpBankLink(undefined as unknown as string, 'bank1'), null);
  assert.equal(sbpBankLink('https://qr.nspk.ru@evil.example/AD1', 'bank100000000111'), null, 'user info');
  assert.equal(sbpBankLink('https://evil.example/AD1', 'bank100000000111'), null, 'not an SBP host');
  assert.equal(sbpBankLink(codeUrl, 'tel'), null, 'an OS scheme as the bank schema');
  assert.equal(sbpBankLink(codeUrl, 'intent'), null);
});

test('safeSbpUrl accepts codeUrls on the SBP hosts only, with no user info or port', () => {
  const good = [
    'https://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL?type=02&bank=100000000004&sum=12900&cur=RUB&crc=7DDB',
    'HTTPS://QR.NSPK.RU/AD1',
    'https://qr.spb.ru/ax00856mbmgje4wiau38071',
  ];
  for (const url of good) assert.equal(safeSbpUrl(url), url, url);
  const bad: unknown[] = [
    'https://qr.nspk.ru@evil.example/AD1',
    'https://qr.nspk.ru:pw@evil.example/AD1',
    'https://evil.example@qr.nspk.ru/AD1',
    'https://qr.nspk.ru.evil.example/AD1',
    'https://evil.example/qr.nspk.ru/AD1',
    'https://qr.nspk.ru:8443/AD1',
    'http://qr.nspk.ru/AD1',
    'bank100000000111://qr.nspk.ru/AD1',
    'https://qr.nspk.ru\\@evil.example/AD1',
    'https://qr.nspk.ru/AD1 x',
    '',
    null,
    42,
  ];
  for (const url of bad) assert.equal(safeSbpUrl(url), null, String(url));
});

test('safeLink refuses a custom-scheme link the browser cannot parse (found by the fuzzer)', () => {
  assert.equal(safeLink('A:// !'), null);
  assert.equal(safeLink('khanbank://a b/q'), null);
  assert.equal(safeLink('khanbank://q?qPay_QRcode=5913TEST MERCHANT'), 'khanbank://q?qPay_QRcode=5913TEST MERCHANT');
});
