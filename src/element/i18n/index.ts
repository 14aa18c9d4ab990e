// Picks the translation for the element's `lang`. Mongolian is the default and the fallback.

import type { Lang } from '../../core/format.js';
import type { Messages } from './messages.js';
import { en } from './en.js';
import { mn } from './mn.js';
import { ru } from './ru.js';

export type { Messages } from './messages.js';

/** The languages the element speaks; the same set `core/format` formats money for. */
export type Language = Lang;

export const DEFAULT_LANGUAGE: Language = 'mn';

const MESSAGES: Readonly<Record<Language, Messages>> = { mn, en, ru };

/**
 * The supported language for a BCP 47 tag: its primary subtag, case-insensitive
 * (`en-GB` -> `en`, `RU` -> `ru`); anything else, or nothing, gives Mongolian.
 */
export function resolveLanguage(tag: string | null | undefined): Language {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'en' || primary === 'ru' || primary === 'mn' ? primary : DEFAULT_LANGUAGE;
}

export function messagesFor(language: Language): Messages {
  return MESSAGES[language];
}
