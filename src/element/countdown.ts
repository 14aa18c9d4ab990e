// When screen readers hear the remaining time. The visible timer changes every second, but saying it
// every second would drown everything else, so the spoken text changes only at a few points:
// every minute in the last 5 minutes, every 5 minutes up to an hour, every 30 minutes beyond, and
// once when 30 seconds are left. Pure: the element compares keys and speaks when the key changes.

import type { Messages } from './i18n/messages.js';

export interface SpokenRemaining {
  /** Changes exactly when the remaining time should be spoken again. */
  key: string;
  /** The remaining time (whole minutes, or seconds in the last 30), rounded up, in the language of `t`. */
  say(t: Messages): string;
}

/** What to say for `remainingMs` (> 0) left. */
export function spokenRemaining(remainingMs: number): SpokenRemaining {
  const seconds = Math.ceil(remainingMs / 1000);
  if (seconds <= 30) return { key: 's', say: (t) => t.secondsLeft(seconds) };
  const minutes = Math.ceil(seconds / 60);
  const step = minutes <= 5 ? 1 : minutes <= 60 ? 5 : 30;
  return { key: `m${Math.ceil(minutes / step) * step}`, say: (t) => t.minutesLeft(minutes) };
}
