import {benjaminiHochberg, bootstrapDifference, cliffsDelta, hedgesG, holm, mannWhitneyU, welchTTest} from "../stats/index.js";
import type {GroupBy, RunRow} from "./rows.js";
import type {RunValue} from "./common-step.js";
import {groupRunValues, resolveBootstrap, type CompareBootstrapOptions, type ExcludedRun} from "./rank-groups.js";
import {mean} from "./_summary.js";

export type PAdjust = "holm" | "bh";

export interface PairwiseCell {
  a: string;
  b: string;
  nA: number;
  nB: number;
  /** mean(a) − mean(b). */
  difference: number;
  /** Bootstrap CI of the difference of means (null with a reason when n < 2 in a group). */
  lower: number | null;
  upper: number | null;
  /** Hedges' g (exact small-sample correction), positive when a > b. */
  hedgesG: number;
  /** Cliff's delta, positive when a tends to be larger. */
  cliffsDelta: number;
  welchP: number;
  mannWhitneyP: number;
  /** "exact" or "asymptotic" (ties). */
  mannWhitneyMethod: string;
  /** Welch / Mann-Whitney p adjusted over all pairs with a p-value (NaN where the raw p is NaN). */
  welchPAdjusted: number;
  mannWhitneyPAdjusted: number;
  /** Why some entries are NaN/null. */
  reasons: string[];
}

export interface PairwiseResult {
  groups: {key: string; values: Record<string, unknown>; n: number; mean: number; excluded: ExcludedRun[]}[];
  /** One cell per unordered pair (i < j in `groups` order), oriented a = groups[i], b = groups[j]. */
  pairs: PairwiseCell[];
  /** matrix[i][j]: groups[i] vs groups[j] (i ≠ j; the lower triangle is the mirrored cell), null on the diagonal. */
  matrix: (PairwiseCell | null)[][];
  adjust: PAdjust;
  /** Number of pairs with a Welch / Mann-Whitney p entering the adjustment. */
  testsAdjusted: {welch: number; mannWhitney: number};
  bootstrap: Required<CompareBootstrapOptions>;
  unmatched: string[];
}

function mirror(c: PairwiseCell): PairwiseCell {
  return {
    ...c, a: c.b, b: c.a, nA: c.nB, nB: c.nA, difference: -c.difference,
    lower: c.upper === null ? null : -c.upper, upper: c.lower === null ? null : -c.lower,
    hedgesG: -c.hedgesG, cliffsDelta: -c.cliffsDelta
  };
}

/**
 * All pairwise comparisons of the groups' per-run values: difference of means with a bootstrap CI,
 * Hedges' g, Cliff's delta, Welch's t-test and the Mann-Whitney U test (two-sided), with p adjusted
 * across all pairs (Holm by default, or Benjamini-Hochberg), separately for each test. Groups with
 * fewer than 2 values give NaN p / null CI for their pairs (with the reason); they do not count in m.
 */
export function pairwiseComparisons(
  values: readonly RunValue[],
  runs: readonly RunRow[],
  options: {groupBy: GroupBy; adjust?: PAdjust; bootstrap?: CompareBootstrapOptions; order?: readonly string[]}
): PairwiseResult {
  const boot = resolveBootstrap(options.bootstrap);
  const adjust: PAdjust = options.adjust === "bh" ? "bh" : "holm";
  const {groups: grouped, unmatched} = groupRunValues(values, runs, options.groupBy);
  let entries = [...grouped].map(([key, g]) => ({key, values: g.values, xs: g.ok.map((v) => v.value as number), excluded: g.excluded}));
  if (options.order !== undefined) {
    const pos = new Map(options.order.map((k, i) => [k, i]));
    entries = entries.sort((a, b) => (pos.get(a.key) ?? Infinity) - (pos.get(b.key) ?? Infinity));
  }
  const pairs: PairwiseCell[] = [];
  const index: [number, number][] = [];
  let pairNo = 0;
  for (let i = 0; i < entries.length; ++i) {
    for (let j = i + 1; j < entries.length; ++j) {
      const x = entries[i].xs;
      const y = entries[j].xs;
      const reasons: string[] = [];
      const ci = bootstrapDifference(x, y, undefined, {resamples: boot.resamples, confidence: boot.confidence, method: boot.method, seed: boot.seed + pairNo++});
      const ok = Number.isFinite(ci.lower) && Number.isFinite(ci.upper);
      if (!ok) reasons.push(`bootstrap CI: ${ci.reason ?? "not available"}`);
      const g = hedgesG(x, y);
      if (g.reason) reasons.push(`Hedges g: ${g.reason}`);
      const w = welchTTest(x, y);
      if (w.reason) reasons.push(`Welch: ${w.reason}`);
      const mw = mannWhitneyU(x, y);
      if (mw.reason) reasons.push(`Mann-Whitney: ${mw.reason}`);
      const cd = cliffsDelta(x, y);
      if (Number.isNaN(cd)) reasons.push("Cliff's delta: empty group");
      pairs.push({
        a: entries[i].key, b: entries[j].key, nA: x.length, nB: y.length,
        difference: x.length > 0 && y.length > 0 ? mean(x) - mean(y) : NaN,
        lower: ok ? ci.lower : null, upper: ok ? ci.upper : null,
        hedgesG: g.g, cliffsDelta: cd, welchP: w.pValue, mannWhitneyP: mw.pValue, mannWhitneyMethod: mw.method,
        welchPAdjusted: NaN, mannWhitneyPAdjusted: NaN, reasons
      });
      index.push([i, j]);
    }
  }
  const adj = adjust === "bh" ? benjaminiHochberg : holm;
  const wAdj = adj(pairs.map((p) => p.welchP));
  const mAdj = adj(pairs.map((p) => p.mannWhitneyP));
  pairs.forEach((p, k) => {
    p.welchPAdjusted = wAdj[k];
    p.mannWhitneyPAdjusted = mAdj[k];
  });
  const matrix: (PairwiseCell | null)[][] = entries.map(() => entries.map(() => null));
  pairs.forEach((p, k) => {
    const [i, j] = index[k];
    matrix[i][j] = p;
    matrix[j][i] = mirror(p);
  });
  return {
    groups: entries.map((e) => ({key: e.key, values: e.values, n: e.xs.length, mean: e.xs.length > 0 ? mean(e.xs) : NaN, excluded: e.excluded})),
    pairs, matrix, adjust,
    testsAdjusted: {welch: pairs.filter((p) => p.welchP >= 0 && p.welchP <= 1).length, mannWhitney: pairs.filter((p) => p.mannWhitneyP >= 0 && p.mannWhitneyP <= 1).length},
    bootstrap: boot, unmatched
  };
}
