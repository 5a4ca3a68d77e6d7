import {anyNaN, meanOf} from "./_moments.js";

/**
 * Trimmed mean, as scipy.stats.trim_mean(values, proportion): sort, drop floor(proportion * n) values
 * from each end, average the rest.
 *
 * Total: NaN for an empty input, for any NaN in the input (scipy would sort NaN to the end and return
 * a number that silently depends on it), and for a proportion outside [0, 0.5] or one that trims
 * everything (0.5 with even n; 0.5 with odd n gives the median). ±Infinity is allowed: it is either
 * trimmed away or makes the result infinite (NaN when both +Infinity and -Infinity remain), as scipy.
 */
export function trimMean(values: ArrayLike<number>, proportion: number): number {
  const n = values.length;
  if (n === 0 || anyNaN(values) || !(proportion >= 0 && proportion <= 0.5)) return NaN;
  const cut = Math.floor(proportion * n);
  if (n - 2 * cut <= 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return meanOf(sorted.subarray(cut, n - cut));
}
