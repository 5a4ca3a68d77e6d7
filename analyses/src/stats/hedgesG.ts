import {allFinite, meanOf, varianceOf} from "./_moments.js";
import {lgamma} from "./_lgamma.js";

export type HedgesCorrection = "exact" | "approximate" | "none";

export interface HedgesGResult {
  /** Bias-corrected standardized mean difference g = J · d (positive when mean(x) > mean(y)). */
  g: number;
  /** Cohen's d with the pooled standard deviation: (mean(x) − mean(y)) / s_p,
   *  s_p² = ((n1 − 1) s1² + (n2 − 1) s2²) / (n1 + n2 − 2), s² with ddof = 1. */
  d: number;
  /** The small-sample correction factor that was applied (1 for correction "none"). */
  j: number;
  /** Degrees of freedom n1 + n2 − 2. */
  df: number;
  correction: HedgesCorrection;
  n1: number;
  n2: number;
  /** Why g is not a finite number, when it is not. */
  reason?: string;
}

/**
 * Hedges' small-sample correction J(df) for the standardized mean difference (Hedges 1981;
 * Hedges & Olkin 1985, "c(m)"):
 *   "exact":       J = Γ(df/2) / (√(df/2) · Γ((df − 1)/2)), evaluated with log-gamma;
 *   "approximate": J = 1 − 3 / (4·df − 1) = 1 − 3 / (4(n1 + n2) − 9);
 *   "none":        J = 1.
 * NaN for df < 2 (at df = 1 both forms give J = 0: d then has no finite mean, so no unbiased g exists).
 */
export function hedgesJ(df: number, correction: HedgesCorrection = "exact"): number {
  if (!(df >= 2)) return NaN;
  if (correction === "none") return 1;
  if (correction === "approximate") return 1 - 3 / (4 * df - 1);
  return Math.exp(lgamma(df / 2) - lgamma((df - 1) / 2) - 0.5 * Math.log(df / 2));
}

/**
 * Hedges' g for two independent samples: the pooled-SD standardized mean difference d times the
 * small-sample correction J (default: the exact gamma-function J; see hedgesJ).
 *
 * Total: returns NaN g with a `reason` for an empty sample, non-finite values, n1 + n2 < 4
 * (df < 2), and ±Infinity/NaN with a reason when the pooled variance is 0.
 */
export function hedgesG(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: {correction?: HedgesCorrection} = {}
): HedgesGResult {
  const correction = options.correction ?? "exact";
  const n1 = x.length;
  const n2 = y.length;
  const df = n1 + n2 - 2;
  const base = {n1, n2, df, correction};
  if (n1 === 0 || n2 === 0) return {...base, g: NaN, d: NaN, j: NaN, reason: "empty sample"};
  if (!allFinite(x) || !allFinite(y)) return {...base, g: NaN, d: NaN, j: NaN, reason: "non-finite input"};
  const v1 = n1 > 1 ? varianceOf(x, 1) : 0;
  const v2 = n2 > 1 ? varianceOf(y, 1) : 0;
  const diff = meanOf(x) - meanOf(y);
  const sp = df > 0 ? Math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df) : NaN;
  const d = diff / sp;
  const j = hedgesJ(df, correction);
  if (!(df >= 2)) return {...base, g: NaN, d, j, reason: "n1 + n2 < 4: the small-sample correction is undefined"};
  const g = j * d;
  if (sp === 0) return {...base, g, d, j, reason: "zero pooled variance"};
  return {...base, g, d, j};
}
