import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";

export interface WilsonIntervalResult {
  /** successes / n (NaN for n = 0). */
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  successes: number;
  n: number;
  reason?: string;
}

/**
 * Wilson score interval for a binomial proportion, as
 * statsmodels.stats.proportion.proportion_confint(successes, n, alpha=1 − confidence, method="wilson"):
 *   z = Φ⁻¹(1 − α/2), center = (p̂ + z²/(2n)) / (1 + z²/n),
 *   half-width = z √(p̂(1 − p̂)/n + z²/(4n²)) / (1 + z²/n).
 * The bound is exactly 0 for 0 successes and exactly 1 for n successes (where the formula leaves
 * rounding noise of ~1e-17), and bounds are clamped to [0, 1].
 *
 * Total: n = 0 gives estimate NaN and the uninformative interval [0, 1] with a reason (statsmodels
 * divides by zero); invalid counts (negative, successes > n, non-finite) give NaN bounds with a reason.
 * Counts need not be integers (as statsmodels). Throws RangeError for a confidence outside (0, 1).
 */
export function wilsonInterval(successes: number, n: number, confidence: number = 0.95): WilsonIntervalResult {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const base = {confidence, successes, n};
  if (!Number.isFinite(successes) || !Number.isFinite(n) || n < 0 || successes < 0 || successes > n) {
    return {...base, estimate: NaN, lower: NaN, upper: NaN, reason: "invalid counts"};
  }
  if (n === 0) return {...base, estimate: NaN, lower: 0, upper: 1, reason: "n = 0"};
  const z = -normalQuantile((1 - confidence) / 2, 0, 1);
  const z2 = z * z;
  const p = successes / n;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  const lower = successes === 0 ? 0 : Math.max(0, center - half);
  const upper = successes === n ? 1 : Math.min(1, center + half);
  return {...base, estimate: p, lower, upper};
}
