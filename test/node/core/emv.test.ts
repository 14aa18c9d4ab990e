import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendCrc, crc16, parseEmv } from '../../../src/core/emv.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));

interface Vector { label: string; qr_text: string; crc_given: string; tags: [string, string][] }
const vectors = (fixture('emv-test-vectors.json') as { vectors: Vector[] }).vectors;

test('crc16 is CRC-16/CCITT-FALSE: the standard check value and an empty input', () => {
  assert.equal(crc16('123456789'), '29B1');
  assert.equal(crc16(''), 'FFFF');
  assert.match(crc16('A'), /^[0-9A-F]{4}$/);
});

test('crc16 matches the CRC of every real QPay vector', () => {
  assert.equal(vectors.length, 10);
  for (const v of vectors) {
    const head = v.qr_text.slice(0, -4);
    assert.ok(head.endsWith('6304'), v.label);
    assert.equal(crc16(head), v.crc_given, v.label);
  }
});

test('parseEmv reads every real vector into exactly its tags, in order, with a valid CRC', () => {
  for (const v of vectors) {
    const p = parseEmv(v.qr_text);
    assert.ok(p, v.label);
    assert.deepEqual([...p.tags], v.tags, v.label);
    assert.equal(p.crcValid, true, v.label);
    assert.equal(p.tags.get('53'), '496');
    assert.equal(p.currency, 'MNT');
  }
});

test('parseEmv exposes amount and merchant name, keeps the city tag, and passes unknown tags through', () => {
  const hitrip = vectors.find((v) => v.label === 'hitrip_TESTMERCHANT')!;
  const p = parseEmv(hitrip.qr_text)!;
  assert.equal(p.amount, 9800);
  assert.equal(p.merchantName, 'TESTMERCHANT');
  assert.equal(p.tags.get('60'), 'Ulaanbaatar');
  assert.equal(p.tags.get('71'), 'QPP_QR');
  assert.equal(p.tags.get('78'), '820049046391391');
  assert.equal(p.tags.get('27'), '0014A00000084300010108CAXBMNUB02105003398216');
});

test('parseEmv reads the qr_text of the documented invoice response', () => {
  const inv = fixture('invoice-create-response.json') as { qr_text: string };
  const p = parseEmv(inv.qr_text)!;
  assert.equal(p.crcValid, true);
  assert.equal(p.amount, 100);
  assert.equal(p.currency, 'MNT');
  assert.equal(p.merchantName, 'TEST_MERCHANT');
});

test('a changed character makes the CRC invalid but keeps the structure readable', () => {
  const text = vectors[0]!.qr_text.replace('54049800', '54049900');
  const p = parseEmv(text)!;
  assert.equal(p.amount, 9900);
  assert.equal(p.crcValid, false);
});

test('crcValid needs tag 63 present, last and four characters', () => {
  const base = '000201010212530349654031005802MN5904SHOP';
  assert.equal(parseEmv(appendCrc(base))!.crcValid, true);
  assert.equal(parseEmv(base)!.crcValid, false, 'no tag 63');
  // 63 not last: a valid CRC followed by another field
  assert.equal(parseEmv(`${appendCrc(base)}9902ab`)!.crcValid, false);
  // 63 with a wrong length
  assert.equal(parseEmv(`${base}6303ABC`)!.crcValid, false);
  // the CRC digits in lowercase still describe the same checksum
  const withCrc = appendCrc(base);
  assert.match(withCrc.slice(-4), /[A-F]/, 'this CRC has letters, so lowercasing changes it');
  assert.equal(parseEmv(withCrc.slice(0, -4) + withCrc.slice(-4).toLowerCase())!.crcValid, true);
});

test('appendCrc produces payloads with a valid CRC', () => {
  const text = appendCrc('00020101021254041000');
  assert.match(text, /6304[0-9A-F]{4}$/);
  assert.equal(parseEmv(text)!.crcValid, true);
});

test('parseEmv returns null for malformed TLV structure', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['000', 'truncated header'],
    ['0002010', 'truncated second header'],
    ['000501', 'length runs past the end'],
    ['0A0201', 'non-digit tag'],
    ['00x201', 'non-digit length'],
    ['00 201', 'space in length'],
    ['000201000202', 'repeated tag'],
    ['https://qr.nspk.ru/AD10006LB9KMLJJ582RB4QCOBJJ8QISL', 'a URL, not EMV'],
  ];
  for (const [text, why] of cases) assert.equal(parseEmv(text), null, why);
  assert.equal(parseEmv(undefined as unknown as string), null);
});

test('parseEmv ignores amounts and currencies that are not well formed', () => {
  const p = parseEmv(appendCrc('0002015404-1005303ABC'))!;
  assert.equal(p.amount, undefined);
  assert.equal(p.currency, undefined);
  const q = parseEmv(appendCrc('00020154061000.55303999'))!;
  assert.equal(q.amount, 1000.5);
  assert.equal(q.tags.get('53'), '999');
  assert.equal(q.currency, undefined, 'unknown numeric code stays unmapped');
});

test('parseEmv maps the currencies of its ISO 4217 table', () => {
  const expected: Record<string, string> = {
    '496': 'MNT', '643': 'RUB', '840': 'USD', '156': 'CNY',
  };
  for (const [numeric, alpha] of Object.entries(expected)) {
    assert.equal(parseEmv(appendCrc(`0002015303${numeric}`))!.currency, alpha);
  }
});

test('an empty value and a zero-length field are structurally fine', () => {
  const p = parseEmv('00020159000102ab')!;
  assert.equal(p.tags.get('59'), '');
  assert.equal(p.merchantName, undefined);
  assert.equal(p.tags.get('01'), 'ab');
});
