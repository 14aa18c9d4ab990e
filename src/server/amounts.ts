// The smallest amount each currency can be paid in, and how many decimals it has. An order the
// provider cannot charge exactly (0.001 RUB, 0.5 MNT) is the shop's bug: refuse it with the figures.

interface CurrencyRule {
  /** Digits after the decimal point the provider accepts. */
  minorDigits: number;
  /** Smallest payable amount, major units. */
  minimum: number;
  /** How the minimum is said in a message. */
  unit: string;
}

/** QPay charges whole tugrik; TBank SBP charges kopecks. Other ISO codes get two decimals. */
export const CURRENCY_RULES: Readonly<Record<string, CurrencyRule>> = {
  MNT: { minorDigits: 0, minimum: 1, unit: 'one whole tugrik' },
  RUB: { minorDigits: 2, minimum: 0.01, unit: 'one kopeck' },
};
const DEFAULT_RULE: CurrencyRule = { minorDigits: 2, minimum: 0.01, unit: 'one minor unit' };

/** Digits after the point in the shortest exact decimal form of `n` (1e-7 counts 7). */
function decimals(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) {
    const mantissa = text.slice(0, text.indexOf('e'));
    const dot = mantissa.indexOf('.');
    return Number(exp[1]) + (dot === -1 ? 0 : mantissa.length - dot - 1);
  }
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

/**
 * Why `amount` cannot be charged in `currency`, or null when it can. MNT: a whole number of
 * tugrik, at least 1. RUB: at least 0.01 with at most two decimals (0.001 is refused).
 */
export function amountProblem(amount: unknown, currency: string): string | null {
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    return `amount must be a finite number, got ${JSON.stringify(amount) ?? String(amount)}`;
  }
  const rule = CURRENCY_RULES[code] ?? DEFAULT_RULE;
  if (amount < rule.minimum) {
    return `amount ${amount} ${code} is below the minimum of ${rule.minimum} ${code} (${rule.unit})`;
  }
  if (decimals(amount) > rule.minorDigits) {
    return rule.minorDigits === 0
      ? `amount ${amount} ${code} must be a whole number (${code} has no minor units)`
      : `amount ${amount} ${code} has more than ${rule.minorDigits} decimals (smallest step ${rule.minimum} ${code})`;
  }
  if (amount > Number.MAX_SAFE_INTEGER / 10 ** rule.minorDigits) {
    return `amount ${amount} ${code} is too large to be charged exactly`;
  }
  return null;
}
