import {chiSquareSf} from "./_chiSquareSf.js";

export interface ChiSquareContingencyResult {
  /** Pearson's X² (after Yates' correction when it was applied). */
  statistic: number;
  pValue: number;
  /** (r − 1)(c − 1). */
  df: number;
  /** Expected counts under independence, row_i · col_j / total. */
  expected: number[][];
  /** Whether Yates' continuity correction was applied (only when df = 1 and `correction`). */
  corrected: boolean;
  reason?: string;
}

/**
 * Chi-square test of independence for an r×c contingency table, as
 * scipy.stats.chi2_contingency(table, correction=True): Pearson's X² against expected counts under
 * independence, df = (r − 1)(c − 1); when df = 1 (a 2×2 table) and `correction` (default true), Yates'
 * correction moves each observed count toward its expected count by min(0.5, |o − e|). df = 0 (one row
 * or one column) gives X² = 0, p = 1, as scipy. The upper tail is computed from the closed form for
 * integer df (accurate for very small p, unlike 1 − cdf).
 *
 * Total: NaN with a reason where scipy raises — an empty or ragged table, negative or non-finite
 * counts, or a row or column summing to 0 (a zero expected count).
 */
export function chiSquareContingency(
  table: readonly (readonly number[])[],
  options: {correction?: boolean} = {}
): ChiSquareContingencyResult {
  const correction = options.correction ?? true;
  const r = table.length;
  const c = r > 0 ? table[0].length : 0;
  const fail = (reason: string, df = NaN, expected: number[][] = []): ChiSquareContingencyResult => ({
    statistic: NaN, pValue: NaN, df, expected, corrected: false, reason
  });
  if (r === 0 || c === 0) return fail("empty table");
  for (const row of table) if (row.length !== c) return fail("ragged table");
  for (const row of table) for (const v of row) if (!(Number.isFinite(v) && v >= 0)) return fail("counts must be finite and non-negative");
  const rowSums = table.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = Array.from({length: c}, (_, j) => table.reduce((s, row) => s + row[j], 0));
  const total = rowSums.reduce((s, v) => s + v, 0);
  const expected = table.map((_, i) => colSums.map((cs) => (rowSums[i] * cs) / total));
  const df = (r - 1) * (c - 1);
  if (total === 0 || rowSums.includes(0) || colSums.includes(0)) {
    return fail("a row or column sums to zero (zero expected count)", df, expected);
  }
  if (df === 0) return {statistic: 0, pValue: 1, df, expected, corrected: false};
  const corrected = df === 1 && correction;
  let statistic = 0;
  for (let i = 0; i < r; ++i) {
    for (let j = 0; j < c; ++j) {
      const e = expected[i][j];
      let o = table[i][j];
      if (corrected) o += Math.sign(e - o) * Math.min(0.5, Math.abs(e - o));
      statistic += ((o - e) * (o - e)) / e;
    }
  }
  return {statistic, pValue: chiSquareSf(statistic, df), df, expected, corrected};
}
