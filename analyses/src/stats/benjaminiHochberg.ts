import {adjustPValues} from "./_adjustPValues.js";

/**
 * Benjamini-Hochberg (1995) false-discovery-rate adjusted p-values ("q-values"), as
 * statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]: p_(i) · m / i, running minimum
 * from the largest, capped at 1; returned in input order. NaN (or out-of-range) p-values are passed
 * through as NaN and excluded from m.
 */
export function benjaminiHochberg(pValues: ArrayLike<number>): number[] {
  return adjustPValues(pValues, "bh");
}
