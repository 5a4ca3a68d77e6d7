import {bootstrapSamples, type BootstrapOptions, type BootstrapResult} from "./_bootstrap.js";

export interface BootstrapCIOptions extends BootstrapOptions {
  /** Stratum key per observation (same length as the sample): resampling draws, within each
   *  stratum, as many observations as it holds, with replacement. */
  strata?: ArrayLike<unknown>;
}

/**
 * Bootstrap confidence interval for an arbitrary statistic of one sample: percentile or BCa
 * (Efron & Tibshirani 1993, ch. 13–14; BCa z0 from the replicates, acceleration from the jackknife —
 * see bcaInterval and jackknifeAcceleration), optionally stratified, reproducible from `seed`
 * (sfc32). Comparable to scipy.stats.bootstrap((x,), statistic, method="BCa" | "percentile",
 * confidence_level=..., n_resamples=...), up to Monte-Carlo error (different random streams).
 *
 * `statistic` receives a scratch Float64Array (it may sort it) and returns a number. Cost: B statistic
 * calls, plus n jackknife calls on n − 1 values for BCa (O(n²) copying: prefer "percentile" for n in
 * the tens of thousands).
 *
 * Total for data problems, with NaN bounds and a `reason`: empty sample, non-finite input, n < 2
 * (estimate still computed), statistic NaN on the data or on some resamples, estimate outside the
 * bootstrap distribution (BCa), non-finite jackknife values (BCa). Throws RangeError only for invalid
 * options (resamples, confidence, method, seed, strata length).
 */
export function bootstrapCI(
  sample: ArrayLike<number>,
  statistic: (sample: Float64Array) => number,
  options: BootstrapCIOptions = {}
): BootstrapResult {
  return bootstrapSamples([sample], statistic as (...s: Float64Array[]) => number, [options.strata], options);
}
