import {lgamma} from "./_lgamma.js";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";

/**
 * Upper tail P(X >= x) of the chi-square distribution with an integer number k >= 1 of degrees of
 * freedom, from the closed forms (sums of positive terms, so accurate in the far tail where
 * 1 - cdf underflows to 0):
 *   k even: Q = sum_{i=0}^{k/2-1} e^{-x/2} (x/2)^i / i!
 *   k odd:  Q = 2 Φ(-√x) + sum_{i=1}^{(k-1)/2} e^{-x/2} (x/2)^{i-1/2} / Γ(i + 1/2)
 * Terms are evaluated in log space, so there is no overflow for large x or k. Internal helper.
 */
export function chiSquareSf(x: number, k: number): number {
  if (Number.isNaN(x) || !(k >= 1) || !Number.isInteger(k)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const h = x / 2;
  const logH = Math.log(h);
  let q = 0;
  if (k % 2 === 0) {
    for (let i = 0; i < k / 2; ++i) q += Math.exp(-h + i * logH - lgamma(i + 1));
  } else {
    q = 2 * normalCdf(-Math.sqrt(x), 0, 1);
    for (let i = 1; i <= (k - 1) / 2; ++i) q += Math.exp(-h + (i - 0.5) * logH - lgamma(i + 0.5));
  }
  return Math.min(1, q);
}
