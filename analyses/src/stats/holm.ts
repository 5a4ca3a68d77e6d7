import {adjustPValues} from "./_adjustPValues.js";

/**
 * Holm (1979) step-down adjusted p-values, as statsmodels.stats.multitest.multipletests(p,
 * method="holm")[1]: sort ascending, p_(i) · (m − i + 1), running maximum, capped at 1; returned in
 * input order. NaN (or out-of-range) p-values are passed through as NaN and excluded from m.
 */
export function holm(pValues: ArrayLike<number>): number[] {
  return adjustPValues(pValues, "holm");
}
