import type {Alternative} from "./welchTTest.js";

export interface FisherExactResult {
  /** Sample (unconditional) odds ratio a·d / (b·c) as scipy: Infinity when b = 0 or c = 0. */
  oddsRatio: number;
  pValue: number;
  alternative: Alternative;
  reason?: string;
}

/**
 * Fisher's exact test for a 2×2 table [[a, b], [c, d]], as scipy.stats.fisher_exact(table,
 * alternative=...). The p-value conditions on the margins (hypergeometric distribution of the top-left
 * cell): "less" = P(X <= a), "greater" = P(X >= a), "two-sided" = the total probability of all tables
 * no more probable than the observed one (relative tolerance 1e-7, as R's fisher.test; scipy uses
 * 1e-14 on its own pmf evaluation — they differ only for distinct tables whose probabilities agree to
 * 7 digits). The odds ratio follows scipy: a·d/(b·c) when b > 0 and c > 0, else Infinity.
 *
 * Total: a row or column summing to 0 gives p = 1 and odds ratio NaN (as scipy) with a reason; cells
 * that are not non-negative integers give NaN with a reason.
 */
export function fisherExact(
  table: readonly (readonly number[])[],
  options: {alternative?: Alternative} = {}
): FisherExactResult {
  const alternative = options.alternative ?? "two-sided";
  if (table.length !== 2 || table[0]?.length !== 2 || table[1]?.length !== 2) {
    return {oddsRatio: NaN, pValue: NaN, alternative, reason: "table must be 2×2"};
  }
  const [[a, b], [c, d]] = table;
  for (const v of [a, b, c, d]) {
    if (!(Number.isInteger(v) && v >= 0)) return {oddsRatio: NaN, pValue: NaN, alternative, reason: "cells must be non-negative integers"};
  }
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const c2 = b + d;
  if (r1 === 0 || r2 === 0 || c1 === 0 || c2 === 0) {
    return {oddsRatio: NaN, pValue: 1, alternative, reason: "a row or column sums to zero"};
  }
  const oddsRatio = b > 0 && c > 0 ? (a * d) / (b * c) : Infinity;
  // Hypergeometric weights of X = top-left cell over its support, relative to the mode (= 1 there).
  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(c1, r1);
  const mode = Math.min(hi, Math.max(lo, Math.floor(((c1 + 1) * (r1 + 1)) / (r1 + r2 + 2))));
  const w = new Float64Array(hi - lo + 1);
  w[mode - lo] = 1;
  for (let x = mode; x < hi; ++x) w[x + 1 - lo] = (w[x - lo] * (r1 - x) * (c1 - x)) / ((x + 1) * (r2 - c1 + x + 1));
  for (let x = mode; x > lo; --x) w[x - 1 - lo] = (w[x - lo] * x * (r2 - c1 + x)) / ((r1 - x + 1) * (c1 - x + 1));
  let total = 0;
  for (let i = 0; i < w.length; ++i) total += w[i];
  let sum = 0;
  if (alternative === "less") {
    for (let x = lo; x <= a; ++x) sum += w[x - lo];
  } else if (alternative === "greater") {
    for (let x = a; x <= hi; ++x) sum += w[x - lo];
  } else {
    const cutoff = w[a - lo] * (1 + 1e-7);
    for (let i = 0; i < w.length; ++i) if (w[i] <= cutoff) sum += w[i];
  }
  return {oddsRatio, pValue: Math.min(1, sum / total), alternative};
}
