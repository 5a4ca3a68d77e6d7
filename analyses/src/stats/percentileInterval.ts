import {quantileSorted} from "./_quantileSorted.js";

/**
 * Percentile bootstrap interval from bootstrap replicates: the α and 1 − α quantiles
 * (α = (1 − confidence)/2) by linear interpolation, as numpy.percentile (and
 * scipy.stats.bootstrap(method="percentile")). `replicates` need not be sorted; it is not modified.
 * NaN bounds if there are no replicates or any is NaN. Throws RangeError for confidence outside (0, 1).
 */
export function percentileInterval(replicates: ArrayLike<number>, confidence: number = 0.95): {lower: number; upper: number} {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const sorted = Float64Array.from(replicates).sort();
  if (sorted.length === 0 || Number.isNaN(sorted[sorted.length - 1])) return {lower: NaN, upper: NaN};
  const alpha = (1 - confidence) / 2;
  return {lower: quantileSorted(sorted, alpha), upper: quantileSorted(sorted, 1 - alpha)};
}
