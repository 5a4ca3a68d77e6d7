// Lanczos approximation, g = 7, n = 9 (coefficients as in Numerical Recipes 3rd ed. / Boost's
// published table for this (g, n)); relative accuracy about 1e-15 for x > 0.
const G = 7;
const C = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
];
const HALF_LOG_2PI = 0.91893853320467274178;

/** log Γ(x) for x > 0 (Infinity at 0, NaN for x < 0 or NaN). Internal helper. */
export function lgamma(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return Infinity;
  if (x === Infinity) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 - x) = π / sin(πx), both factors positive here.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  }
  const z = x - 1;
  let a = C[0];
  const t = z + G + 0.5;
  for (let i = 1; i < G + 2; ++i) a += C[i] / (z + i);
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
