import {meanOf} from "./_moments.js";
import {bootstrapCI2, type BootstrapCI2Options, type BootstrapResult2} from "./bootstrapCI2.js";

/**
 * Bootstrap CI for statistic(x) / statistic(y) of two independent samples (default statistic: the
 * mean). A resample whose denominator is 0 gives ±Infinity (kept, sorts to the ends) or NaN for 0/0
 * (then the interval is NaN with a reason). See bootstrapCI2.
 */
export function bootstrapRatio(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  statistic: (sample: Float64Array) => number = meanOf,
  options: BootstrapCI2Options = {}
): BootstrapResult2 {
  return bootstrapCI2(x, y, (a, b) => statistic(a) / statistic(b), options);
}
