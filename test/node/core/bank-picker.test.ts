import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bankColour, bankInitials, findBanks, lastUsedFirst, searchKey } from '../../../src/core/bank-picker.js';

const nspk = JSON.parse(readFileSync(new URL('../../fixtures/nspk-c2bmembers.sample.json', import.meta.url), 'utf8')) as {
  dictionary: { bankName: string }[];
};
const sbpBanks = nspk.dictionary.map((bank) => ({ name: bank.bankName }));
const found = (query: string): string[] => findBanks(sbpBanks, query).map((bank) => bank.name);

test('finds Сбербанк from Cyrillic in any case and from Latin', () => {
  for (const query of ['сбер', 'СБЕР', 'Сбер', 'sber', 'SBER', 'Sberbank', ' сбер ']) {
    assert.ok(found(query).includes('Сбербанк'), `"${query}" should find Сбербанк, found ${JSON.stringify(found(query))}`);
  }
});

test('spellings customers type in Latin find the Russian names', () => {
  const cases: [string, string][] = [
    ['alfa', 'АЛЬФА-БАНК'],
    ['alpha', 'АЛЬФА-БАНК'],
    ['alfa bank', 'АЛЬФА-БАНК'],
    ['альфа банк', 'АЛЬФА-БАНК'],
    ['vtb', 'Банк ВТБ'],
    ['gazprom', 'Газпромбанк'],
    ['rosselkhoz', 'Россельхозбанк'],
    ['sovcombank', 'Совкомбанк'],
    ['yandex', 'Яндекс'],
    ['pochta', 'Почта Банк'],
    ['uralsib', 'БАНК УРАЛСИБ'],
    ['ozon', 'Озон Банк (Ozon)'],
    ['tsifra', 'Цифра банк'],
    ['poidem', 'КБ Пойдём!'],
    ['пойдем', 'КБ Пойдём!'],
  ];
  for (const [query, name] of cases) assert.ok(found(query).includes(name), `"${query}" should find ${name}, found ${JSON.stringify(found(query))}`);
});

test('a leading "банк"/"bank" in the query is ignored, a bare "bank" is not', () => {
  assert.deepEqual(found('bank vtb'), ['Банк ВТБ']);
  assert.deepEqual(found('Банк ВТБ'), ['Банк ВТБ']);
  assert.ok(found('bank').length > 50);
});

test('an empty query keeps every bank in order; a query nothing matches finds nothing', () => {
  assert.deepEqual(found(''), sbpBanks.map((bank) => bank.name));
  assert.deepEqual(found('   '), sbpBanks.map((bank) => bank.name));
  assert.deepEqual(found('zzzz'), []);
});

test('searchKey folds case, ё, punctuation and the Latin spellings that vary', () => {
  assert.equal(searchKey('Альфа-Банк'), searchKey('alfa bank'));
  assert.equal(searchKey('Пойдём'), searchKey('пойдем'));
  assert.equal(searchKey('Khan'), searchKey('Хан'));
  assert.equal(searchKey('Yandex'), searchKey('Яндекс'));
});

test('the last used bank comes first, the rest keep the provider order', () => {
  const banks = [{ name: 'A' }, { name: 'B' }, { name: 'C' }];
  assert.deepEqual(lastUsedFirst(banks, 'C').map((bank) => bank.name), ['C', 'A', 'B']);
  assert.deepEqual(lastUsedFirst(banks, 'A').map((bank) => bank.name), ['A', 'B', 'C']);
  assert.deepEqual(lastUsedFirst(banks, 'Gone').map((bank) => bank.name), ['A', 'B', 'C']);
  assert.deepEqual(lastUsedFirst(banks, null).map((bank) => bank.name), ['A', 'B', 'C']);
});

test('initials skip "bank" and legal forms and take two telling words at most', () => {
  assert.equal(bankInitials('Trade and Development bank'), 'TD');
  assert.equal(bankInitials('Khan bank'), 'K');
  assert.equal(bankInitials('Most money'), 'MM');
  assert.equal(bankInitials('Сбербанк'), 'С');
  assert.equal(bankInitials('Банк ВТБ'), 'В');
  assert.equal(bankInitials('АЛЬФА-БАНК'), 'А');
  assert.equal(bankInitials('«Тинькофф» Банк'), 'Т');
  assert.equal(bankInitials('Bank'), 'B');
  assert.equal(bankInitials('Банк 131'), '1');
});

test('a bank always gets the same colour; names spread over the hues, each dark enough for white initials', () => {
  assert.equal(bankColour('Khan bank'), bankColour('Khan bank'));
  const colours = new Set(sbpBanks.map((bank) => bankColour(bank.name)));
  assert.ok(colours.size > 100, `${colours.size} colours for ${sbpBanks.length} banks`);
  // WCAG contrast of white on hsl(h 60% 28%) at every hue.
  for (let hue = 0; hue < 360; hue++) assert.ok(contrastWithWhite(hue) >= 4.5, `hue ${hue}: ${contrastWithWhite(hue).toFixed(2)}`);
  assert.match(bankColour('Сбербанк'), /^hsl\(\d{1,3} 60% 28%\)$/);
});

function contrastWithWhite(hue: number): number {
  const saturation = 0.6;
  const lightness = 0.28;
  // CSS Color 4's hsl-to-rgb, then WCAG's relative luminance.
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): number => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(8) + 0.0722 * channel(4);
  return 1.05 / (luminance + 0.05);
}
