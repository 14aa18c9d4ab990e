// Median, 95th percentile, min and max of repeated measurements (null entries are runs that measured nothing).

/** @param {(number | null | undefined)[]} values */
export function summarize(values, digits = 1) {
  const list = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (list.length === 0) return { median: null, p95: null, min: null, max: null, runs: 0 };
  const middle = list.length >> 1;
  const median = list.length % 2 ? list[middle] : (list[middle - 1] + list[middle]) / 2;
  const round = (n) => Math.round(n * 10 ** digits) / 10 ** digits;
  // Nearest rank: the smallest value with at least 95% of the runs at or below it.
  const p95 = list[Math.ceil(list.length * 0.95) - 1];
  return { median: round(median), p95: round(p95), min: round(list[0]), max: round(list.at(-1)), runs: list.length };
}
