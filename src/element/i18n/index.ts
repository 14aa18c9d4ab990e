// Picks the translation for the element's `lang`. Mongolian is the default and the fallback, and
// ships with the element; English and Russian load on first use (as their own small chunks in the
// npm build), since a page needs one language and most need Mongolian.

import type { Lang } from '../../core/format.js';
import type { Messages } from './messages.js';
import { mn } from './mn.js';

export type { Messages } from './messages.js';

/** The languages the element speaks; the same set `core/format` formats money for. */
export type Language = Lang;

export const DEFAULT_LANGUAGE: Language = 'mn';

const loaded: Partial<Record<Language, Messages>> = { mn };
const loading: Partial<Record<Language, Promise<void>>> = {};

/**
 * The supported language for a BCP 47 tag: its primary subtag, case-insensitive
 * (`en-GB` -> `en`, `RU` -> `ru`); anything else, or nothing, gives Mongolian.
 */
export function resolveLanguage(tag: string | null | undefined): Language {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'en' || primary === 'ru' ? primary : DEFAULT_LANGUAGE;
}

/** The language's messages when they are loaded (Mongolian always is); else undefined, see `loadMessages`. */
export function messagesFor(language: Language): Messages | undefined {
  return loaded[language];
}

/** Loads a language's messages once (callers share one request). When that fails, the language shows Mongolian. */
export function loadMessages(language: Language): Promise<void> {
  return (loading[language] ??= (language === 'en' ? import('./en.js') : import('./ru.js')).then(
    (module) => void (loaded[language] = module.default),
    (error: unknown) => {
      loaded[language] = mn;
      throw error;
    },
  ));
}
