import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import {ranks} from "./ranks.js";
import {mannWhitneyExactSf} from "./_mannWhitneyExact.js";
import type {Alternative} from "./welchTTest.js";

export interface MannWhitneyUResult {
  /** U of the first sample: #{x_i > y_j} + 0.5 #{x_i = y_j} (scipy's `statistic`). */
  statistic: number;
  pValue: number;
  alternative: Alternative;
  /** The method actually used. */
  method: "exact" | "asymptotic";
  /** Standardized statistic of the normal approximation (asymptotic method only, else NaN). */
  z: number;
  n1: number;
  n2: number;
  /** Why the result is NaN, when it is. */
  reason?: string;
  /** Set when the requested method could not be used. */
  note?: string;
}

export interface MannWhitneyUOptions {
  /** "greater": x tends to be larger than y; "less": smaller. Default "two-sided". */
  alternative?: Alternative;
  /** "auto" (default) follows scipy 1.10: exact when min(n1, n2) <= 8 and there are no ties, else asymptotic. */
  method?: "auto" | "exact" | "asymptotic";
  /** Continuity correction of the normal approximation (default true, as scipy). */
  useContinuity?: boolean;
}

/**
 * Mann-Whitney U test for two independent samples, as scipy.stats.mannwhitneyu(x, y,
 * use_continuity=True, alternative=..., method=...):
 * - exact: p from the exact permutation distribution of U (no ties), two-sided p = min(1, 2·P(U >= max(U1, U2)));
 * - asymptotic: normal approximation with the tie-corrected variance
 *   n1 n2 / 12 · ((n + 1) − Σ(t³ − t) / (n(n − 1))) and continuity correction 0.5.
 * Deviation from scipy: method "exact" with ties falls back to the asymptotic method (reported in
 * `method`); scipy would truncate a half-integer U and use the tie-free distribution.
 *
 * Total: NaN with a `reason` for an empty sample or NaN in the input (±Infinity ranks normally).
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>, options: MannWhitneyUOptions = {}): MannWhitneyUResult {
  const alternative = options.alternative ?? "two-sided";
  const requested = options.method ?? "auto";
  const useContinuity = options.useContinuity ?? true;
  const n1 = x.length;
  const n2 = y.length;
  const base = {alternative, n1, n2, z: NaN};
  const fail = (reason: string): MannWhitneyUResult => ({
    ...base, statistic: NaN, pValue: NaN, method: requested === "exact" ? "exact" : "asymptotic", reason
  });
  if (n1 === 0 || n2 === 0) return fail("empty sample");
  const xy = new Float64Array(n1 + n2);
  for (let i = 0; i < n1; ++i) xy[i] = x[i];
  for (let j = 0; j < n2; ++j) xy[n1 + j] = y[j];
  for (let i = 0; i < xy.length; ++i) if (Number.isNaN(xy[i])) return fail("NaN in input");
  const {ranks: r, tieTerm} = ranks(xy);
  let r1 = 0;
  for (let i = 0; i < n1; ++i) r1 += r[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const [u, f] = alternative === "greater" ? [u1, 1] : alternative === "less" ? [u2, 1] : [Math.max(u1, u2), 2];
  const hasTies = tieTerm > 0;
  const method: "exact" | "asymptotic" =
    requested === "asymptotic" || hasTies ? "asymptotic" : requested === "exact" ? "exact" : n1 > 8 && n2 > 8 ? "asymptotic" : "exact";
  if (method === "exact") {
    return {...base, statistic: u1, pValue: Math.min(1, f * mannWhitneyExactSf(u, n1, n2)), method};
  }
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - mu - (useContinuity ? 0.5 : 0)) / s;
  const pValue = Math.min(1, f * normalCdf(-z, 0, 1));
  const out: MannWhitneyUResult = {...base, statistic: u1, pValue, method, z};
  if (requested === "exact" && hasTies) out.note = "ties: exact distribution unavailable, used the normal approximation";
  return out;
}
