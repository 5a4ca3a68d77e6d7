import {groupPositions} from "./_groups.js";

/**
 * BCa acceleration â from the jackknife (Efron & Tibshirani 1993, eq. 14.15), generalized to several
 * independent samples — and to strata within a sample — the way scipy.stats.bootstrap does for
 * several samples (scipy's `_bca_interval`): for each group g (a sample, or a stratum of a sample) of
 * size n_g, θ_(gi) is the statistic with observation i of g left out (everything else kept),
 * U_gi = (n_g − 1)(θ̄_g − θ_(gi)), and
 *   â = Σ_g Σ_i U_gi³ / n_g³  /  (6 · (Σ_g Σ_i U_gi² / n_g²)^{3/2}).
 * For one unstratified sample this is Σ(θ̄ − θ_(i))³ / (6 (Σ(θ̄ − θ_(i))²)^{3/2}).
 *
 * Groups of size 1, and groups whose jackknife values are all identical, contribute nothing; when no
 * group contributes the result is 0 (scipy gives NaN there: 0/0). NaN when a jackknife value is not
 * finite.
 */
export function jackknifeAcceleration(
  samples: readonly ArrayLike<number>[],
  statistic: (...samples: Float64Array[]) => number,
  strata?: readonly (ArrayLike<unknown> | undefined)[]
): number {
  const data = samples.map((s) => Float64Array.from(s));
  let num = 0;
  let den = 0;
  for (let j = 0; j < data.length; ++j) {
    const n = data[j].length;
    const groups = groupPositions(n, strata?.[j]);
    const scratch = new Float64Array(Math.max(0, n - 1));
    for (const group of groups) {
      const ng = group.length;
      if (ng < 2) continue;
      const theta = new Float64Array(ng);
      for (let k = 0; k < ng; ++k) {
        const leave = group[k];
        for (let i = 0, o = 0; i < n; ++i) if (i !== leave) scratch[o++] = data[j][i];
        // Fresh copies each call: the statistic may reorder its arguments.
        theta[k] = statistic(...data.map((s, jj) => (jj === j ? scratch.slice() : s.slice())));
        if (!Number.isFinite(theta[k])) return NaN;
      }
      // Identical jackknife values carry no skewness; skip them exactly (their mean can differ from
      // them by rounding, which would turn 0/0 into a spurious ±1/(6√n_g)).
      if (theta.every((t) => t === theta[0])) continue;
      let mean = 0;
      for (let k = 0; k < ng; ++k) mean += theta[k];
      mean /= ng;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < ng; ++k) {
        const u = (ng - 1) * (mean - theta[k]);
        s2 += u * u;
        s3 += u * u * u;
      }
      num += s3 / ng ** 3;
      den += s2 / ng ** 2;
    }
  }
  if (den === 0) return 0;
  return num / (6 * den ** 1.5);
}
