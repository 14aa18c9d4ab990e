// Small helpers every part of the checkout uses: ids, amounts, error text, waiting, and bounded per-process memos.

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** An id that can stand as one path segment at the provider: `.` and `..` would name another path. */
export const isInvoiceId = (id: string) => ID_PATTERN.test(id) && !/^\.{1,2}$/.test(id);

/** How long a request waits for another process that is creating the order's invoice or asking for a status. */
export const WAIT_FOR_OTHERS_MS = 15_000;
export const WAIT_STEP_MS = 50;

/** Entries of each per-process memo, at most (the oldest go first). */
const MEMO_LIMIT = 10_000;

export function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_LIMIT && !memo.has(key)) memo.delete(memo.keys().next().value!);
  memo.set(key, value);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Amounts compared in minor units so 100.1 + 0.2 style sums do not miss by a hair. */
export const cents = (n: number) => Math.round(n * 100);

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
