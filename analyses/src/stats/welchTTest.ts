import tCdf from "@stdlib/stats-base-dists-t-cdf";
import {allFinite, meanOf, varianceOf} from "./_moments.js";

export type Alternative = "two-sided" | "less" | "greater";

export interface WelchTTestResult {
  /** t = (mean(x) − mean(y)) / √(s1²/n1 + s2²/n2). */
  statistic: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** p-value for `alternative` ("less": mean(x) < mean(y); "greater": mean(x) > mean(y)). */
  pValue: number;
  alternative: Alternative;
  /** mean(x) − mean(y). */
  meanDifference: number;
  /** Standard error of the difference √(s1²/n1 + s2²/n2). */
  standardError: number;
  n1: number;
  n2: number;
  reason?: string;
}

/**
 * Welch's unequal-variance t-test for two independent samples; agrees with
 * scipy.stats.ttest_ind(x, y, equal_var=False, alternative=...). The p-value uses the t CDF of
 * @stdlib/stats-base-dists-t-cdf in the tail that does not cancel (no 1 − cdf).
 *
 * Total (no throw): NaN statistic/df/p with a `reason` when a sample has fewer than 2 values or holds
 * non-finite values. When both variances are 0 the statistic is ±Infinity (p = 0, or 1 for the
 * opposite one-sided alternative) or NaN for equal means, as scipy; df is then reported as NaN
 * (scipy substitutes df = 1, which does not affect p for an infinite t).
 */
export function welchTTest(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: {alternative?: Alternative} = {}
): WelchTTestResult {
  const alternative = options.alternative ?? "two-sided";
  const n1 = x.length;
  const n2 = y.length;
  const base = {alternative, n1, n2};
  const nan = {statistic: NaN, df: NaN, pValue: NaN};
  if (n1 < 2 || n2 < 2) {
    return {...base, ...nan, meanDifference: meanOf(x) - meanOf(y), standardError: NaN, reason: "n < 2 in a sample"};
  }
  if (!allFinite(x) || !allFinite(y)) {
    return {...base, ...nan, meanDifference: NaN, standardError: NaN, reason: "non-finite input"};
  }
  const v1 = varianceOf(x, 1) / n1;
  const v2 = varianceOf(y, 1) / n2;
  const meanDifference = meanOf(x) - meanOf(y);
  const standardError = Math.sqrt(v1 + v2);
  const statistic = meanDifference / standardError;
  const df = (v1 + v2) ** 2 / ((v1 * v1) / (n1 - 1) + (v2 * v2) / (n2 - 1));
  let pValue: number;
  if (Number.isNaN(statistic)) pValue = NaN;
  else if (!Number.isFinite(statistic)) {
    pValue = alternative === "two-sided" ? 0 : (alternative === "greater") === statistic > 0 ? 0 : 1;
  } else if (alternative === "less") pValue = tCdf(statistic, df);
  else if (alternative === "greater") pValue = tCdf(-statistic, df);
  else pValue = Math.min(1, 2 * tCdf(-Math.abs(statistic), df));
  const out: WelchTTestResult = {...base, statistic, df: standardError === 0 ? NaN : df, pValue, meanDifference, standardError};
  if (standardError === 0) out.reason = "both samples have zero variance";
  return out;
}
