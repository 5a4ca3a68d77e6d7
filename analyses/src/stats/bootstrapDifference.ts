import {meanOf} from "./_moments.js";
import {bootstrapCI2, type BootstrapCI2Options, type BootstrapResult2} from "./bootstrapCI2.js";

/**
 * Bootstrap CI for statistic(x) − statistic(y) of two independent samples (default statistic: the
 * mean). See bootstrapCI2.
 */
export function bootstrapDifference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  statistic: (sample: Float64Array) => number = meanOf,
  options: BootstrapCI2Options = {}
): BootstrapResult2 {
  return bootstrapCI2(x, y, (a, b) => statistic(a) - statistic(b), options);
}
