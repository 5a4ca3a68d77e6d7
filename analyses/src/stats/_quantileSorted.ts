/**
 * Quantile of ascending-sorted values by linear interpolation between order statistics
 * (Hyndman & Fan type 7; numpy.percentile's default "linear" method; d3.quantileSorted).
 * Handles infinite values (no Inf - Inf). NaN for an empty input or p outside [0, 1]. Internal helper.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0 || !(p >= 0 && p <= 1)) return NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * p;
  const i = Math.floor(h);
  const lo = sorted[i];
  if (i >= n - 1) return sorted[n - 1];
  const hi = sorted[i + 1];
  const f = h - i;
  if (f === 0 || lo === hi) return lo;
  return lo + (hi - lo) * f;
}
