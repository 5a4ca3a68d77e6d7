import padjust from "@stdlib/stats-padjust";

/**
 * Shared driver for p-value adjustment: p-values that are NaN, non-numbers or outside [0, 1] come
 * back as NaN and are excluded from the number of tests m; the rest are adjusted by
 * @stdlib/stats-padjust (on a copy — some of its methods write to their input) and returned in input
 * order. Internal helper.
 */
export function adjustPValues(pValues: ArrayLike<number>, method: "holm" | "bh"): number[] {
  const out = new Array<number>(pValues.length).fill(NaN);
  const valid: number[] = [];
  const where: number[] = [];
  for (let i = 0; i < pValues.length; ++i) {
    const p = pValues[i];
    if (typeof p === "number" && p >= 0 && p <= 1) {
      valid.push(p);
      where.push(i);
    }
  }
  if (valid.length === 0) return out;
  const adjusted = valid.length === 1 ? valid : padjust(valid.slice(), method);
  for (let k = 0; k < where.length; ++k) out[where[k]] = adjusted[k];
  return out;
}
