// The phone bank picker's pure logic: forgiving search over bank names (Cyrillic or Latin input),
// the remembered bank first, and the initials and colour a tile shows when its logo does not load.
// No DOM, no storage: element/bank-list.ts renders and remembers.

/** Russian letters and their Latin spelling, so "sber" finds "Сбербанк" (ё is е, the hard and soft signs are silent). */
const CYRILLIC = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя';
const LATIN = ['a', 'b', 'v', 'g', 'd', 'e', 'e', 'zh', 'z', 'i', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't', 'u', 'f', 'h', 'ts', 'ch', 'sh', 'sch', '', 'i', '', 'e', 'iu', 'ia'];

/**
 * A name or a query reduced to what a customer may type either way: lower case, Russian letters
 * spelled in Latin, the Latin spellings that vary folded into one (kh/h, x/ks, w/v, ph/f, c/k, y/j/i),
 * and no spaces or punctuation ("Альфа-Банк", "alfa bank" and "АЛЬФА" all start "alfabank").
 */
export function searchKey(text: string): string {
  let latin = '';
  for (const char of text.toLowerCase()) {
    const at = CYRILLIC.indexOf(char);
    latin += at === -1 ? char : LATIN[at];
  }
  return latin
    .replace(/kh/g, 'h')
    .replace(/ph/g, 'f')
    .replace(/x/g, 'ks')
    .replace(/w/g, 'v')
    .replace(/c(?!h)/g, 'k')
    .replace(/[yj]/g, 'i')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The banks whose names match what the customer typed, in the given order. A leading "банк"/"bank"
 * in the query is ignored ("bank vtb" finds "ВТБ"); an empty query keeps every bank.
 */
export function findBanks<T extends { name: string }>(banks: readonly T[], query: string): T[] {
  const wanted = searchKey(query).replace(/^bank(?=.)/, '');
  return wanted ? banks.filter((bank) => searchKey(bank.name).includes(wanted)) : [...banks];
}

/** The customer's last used bank (by name) first, the others in the provider's order. */
export function lastUsedFirst<T extends { name: string }>(banks: readonly T[], lastUsed: string | null): T[] {
  const last = banks.find((bank) => bank.name === lastUsed);
  return last ? [last, ...banks.filter((bank) => bank !== last)] : [...banks];
}

/** Words that say what every tile is ("bank", "and", Russian legal forms), skipped when picking initials. */
const GENERIC_WORDS = /^(bank|банк|and|и|ао|пао|кб|акб)$/;

/** The initials a tile shows without its logo: the first letter of its first two telling words ("Trade and Development bank" -> "TD"). */
export function bankInitials(name: string): string {
  const words = name.toLowerCase().split(/[\s\-–—]+/).filter((word) => word && !GENERIC_WORDS.test(word));
  const letters = (words.length > 0 ? words : [name]).map((word) => word.match(/[\p{L}\p{N}]/u)?.[0] ?? '').join('');
  return letters.slice(0, 2).toUpperCase();
}

/**
 * The background behind a tile's initials, derived from its name so a bank always gets the same one:
 * a hue from the name on a dark tone (60% saturation, 28% lightness), where white initials read at
 * 5:1 or more for every hue.
 */
export function bankColour(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return `hsl(${hash % 360} 60% 28%)`;
}
