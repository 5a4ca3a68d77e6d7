import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import {quantileSorted} from "./_quantileSorted.js";

export interface BcaIntervalResult {
  lower: number;
  upper: number;
  /** Bias correction z0 = Φ⁻¹((#{θ*_b < θ̂} + 0.5 #{θ*_b = θ̂}) / B). */
  z0: number;
  /** The acceleration that was used (as given). */
  acceleration: number;
  /** The adjusted quantile levels α1, α2 at which the replicates were read. */
  levels: [number, number];
  reason?: string;
}

/**
 * BCa (bias-corrected and accelerated) interval from bootstrap replicates, an estimate θ̂ and an
 * acceleration â (Efron & Tibshirani 1993, §14.3, eqs. 14.9–14.10):
 *   α1 = Φ(z0 + (z0 + z_α)/(1 − â(z0 + z_α))),  α2 = Φ(z0 + (z0 + z_{1−α})/(1 − â(z0 + z_{1−α}))),
 * bounds = the α1 and α2 quantiles of the replicates (linear interpolation, numpy.percentile).
 * z0 counts replicates equal to θ̂ as half below, as scipy.stats.bootstrap does (for a continuous
 * statistic this is Efron's "proportion of replicates below θ̂").
 *
 * Total: NaN bounds with a reason when there are no replicates, a replicate or θ̂ is NaN, â is not
 * finite, or θ̂ lies outside the bootstrap distribution (z0 = ±∞). `replicates` is not modified.
 * Throws RangeError for confidence outside (0, 1).
 */
export function bcaInterval(
  replicates: ArrayLike<number>,
  estimate: number,
  acceleration: number,
  confidence: number = 0.95
): BcaIntervalResult {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const fail = (reason: string, z0 = NaN): BcaIntervalResult => ({
    lower: NaN, upper: NaN, z0, acceleration, levels: [NaN, NaN], reason
  });
  const sorted = Float64Array.from(replicates).sort();
  const B = sorted.length;
  if (B === 0) return fail("no bootstrap replicates");
  if (Number.isNaN(sorted[B - 1])) return fail("NaN among the bootstrap replicates");
  if (Number.isNaN(estimate)) return fail("estimate is NaN");
  if (!Number.isFinite(acceleration)) return fail("acceleration is not finite");
  let below = 0;
  while (below < B && sorted[below] < estimate) ++below;
  let atOrBelow = below;
  while (atOrBelow < B && sorted[atOrBelow] <= estimate) ++atOrBelow;
  const z0 = normalQuantile((below + atOrBelow) / (2 * B), 0, 1);
  if (!Number.isFinite(z0)) return fail("estimate lies outside the bootstrap distribution (z0 infinite)", z0);
  const alpha = (1 - confidence) / 2;
  const level = (zq: number): number => {
    const num = z0 + zq;
    return normalCdf(z0 + num / (1 - acceleration * num), 0, 1);
  };
  const a1 = level(normalQuantile(alpha, 0, 1));
  const a2 = level(-normalQuantile(alpha, 0, 1));
  return {lower: quantileSorted(sorted, a1), upper: quantileSorted(sorted, a2), z0, acceleration, levels: [a1, a2]};
}
