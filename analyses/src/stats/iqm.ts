import {trimMean} from "./trimMean.js";

/**
 * Interquartile mean as in rliable (Agarwal et al. 2021, `metrics.aggregate_iqm`): the mean of the
 * middle 50% of the values, i.e. scipy.stats.trim_mean(values, 0.25), which drops floor(n / 4)
 * values from each end. For n < 4 nothing is trimmed (plain mean). NaN for an empty input or any NaN.
 */
export function iqm(values: ArrayLike<number>): number {
  return trimMean(values, 0.25);
}
