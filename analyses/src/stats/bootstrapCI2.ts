import {bootstrapSamples, type BootstrapOptions, type BootstrapResult} from "./_bootstrap.js";

export interface BootstrapCI2Options extends BootstrapOptions {
  /** Stratum key per observation of x (resampling within strata). */
  strataX?: ArrayLike<unknown>;
  /** Stratum key per observation of y (resampling within strata). */
  strataY?: ArrayLike<unknown>;
}

export interface BootstrapResult2 extends BootstrapResult {
  nX: number;
  nY: number;
}

/**
 * Bootstrap confidence interval for a statistic of two independent samples, e.g. a difference or
 * ratio of means (see bootstrapDifference, bootstrapRatio): x and y are resampled independently (each
 * within its strata, if given), as scipy.stats.bootstrap((x, y), statistic, paired=False). BCa uses
 * the two-sample jackknife acceleration of scipy (each sample, and each stratum, left-one-out in turn).
 * Otherwise as bootstrapCI; `n` is nX + nY and "n < 2" applies to each sample.
 */
export function bootstrapCI2(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  statistic: (x: Float64Array, y: Float64Array) => number,
  options: BootstrapCI2Options = {}
): BootstrapResult2 {
  const result = bootstrapSamples(
    [x, y],
    statistic as (...s: Float64Array[]) => number,
    [options.strataX, options.strataY],
    options
  );
  return {...result, nX: x.length, nY: y.length};
}
