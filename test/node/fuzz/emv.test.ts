// Fuzz: the EMV (qr_text) parser. Any text gives null or fields that rebuild the text exactly, a CRC
// verdict that matches crc16, and an amount that is a finite number >= 0; never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { appendCrc, crc16, parseEmv } from '../../../src/core/emv.js';
import { check, hostileString } from './settings.js';

const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/emv-test-vectors.json', import.meta.url), 'utf8')) as { qr_text?: string; text?: string }[] | { vectors: unknown[] });
const realTexts: string[] = JSON.stringify(vectors).match(/000201[0-9A-Za-z_. ]*?6304[0-9A-F]{4}/g) ?? [];

/** A well-formed field with a hostile value: tag, two-digit length, value. */
const field = fc.tuple(fc.stringMatching(/^\d\d$/), hostileString(20)).map(([tag, value]) => (value.length <= 99 ? `${tag}${String(value.length).padStart(2, '0')}${value}` : ''));
const emvText = fc.oneof(
  fc.array(field, { maxLength: 8 }).map((fields) => fields.join('')),
  fc.array(field, { maxLength: 8 }).map((fields) => appendCrc(fields.join(''))),
  realTexts.length ? fc.constantFrom(...realTexts).chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut) + text.slice(cut + 1))) : fc.constant(''),
  hostileString(80),
);

test('parseEmv: null or fields that rebuild the text; CRC and amount consistent; no exception', (t) => {
  assert.ok(realTexts.length >= 5, 'real qr_text vectors are part of the input');
  check(
    t,
    fc.property(emvText, (text) => {
      const emv = parseEmv(text);
      if (emv === null) return;
      const rebuilt = [...emv.tags].map(([tag, value]) => `${tag}${String(value.length).padStart(2, '0')}${value}`).join('');
      assert.equal(rebuilt, text);
      if (emv.crcValid) assert.equal(crc16(text.slice(0, -4)), text.slice(-4).toUpperCase());
      if (emv.amount !== undefined) assert.ok(Number.isFinite(emv.amount) && emv.amount >= 0);
    }),
  );
});
