/**
 * Exact null distribution of the Mann-Whitney U statistic (no ties): P(U >= u) for samples of sizes
 * n1 and n2. The number of arrangements with U = k is the coefficient of q^k in the Gaussian binomial
 * [n1+n2 choose n1]_q = Π_{i=1}^{a} (1 − q^{b+i}) / (1 − q^i), a = min(n1, n2), b = max(n1, n2);
 * coefficients are built with exact BigInt arithmetic, truncated at the degree needed, so the cost is
 * O(a · min(u, ab − u)) and there is no rounding until the final division. Internal helper.
 */
export function mannWhitneyExactSf(u: number, n1: number, n2: number): number {
  const a = Math.min(n1, n2);
  const b = Math.max(n1, n2);
  const ab = a * b;
  if (u <= 0) return 1;
  if (u > ab) return 0;
  // P(U >= u) = P(U <= ab - u) by symmetry of the distribution.
  const k = Math.floor(ab - u + 1e-9);
  if (k <= ab / 2) return ratio(cumulativeCounts(k, a, b), total(a, b));
  // P(U <= k) = 1 − P(U <= ab − k − 1), exact in integers.
  const t = total(a, b);
  return ratio(t - cumulativeCounts(ab - k - 1, a, b), t);
}

/** Σ_{j=0}^{K} #{arrangements with U = j}. */
function cumulativeCounts(K: number, a: number, b: number): bigint {
  if (K < 0) return 0n;
  const c: bigint[] = new Array(K + 1).fill(0n);
  c[0] = 1n;
  for (let i = 1; i <= a; ++i) {
    const s = b + i;
    for (let j = K; j >= s; --j) c[j] -= c[j - s]; // × (1 − q^{b+i})
    for (let j = i; j <= K; ++j) c[j] += c[j - i]; // ÷ (1 − q^i)
  }
  let sum = 0n;
  for (let j = 0; j <= K; ++j) sum += c[j];
  return sum;
}

/** C(a + b, a). */
function total(a: number, b: number): bigint {
  let r = 1n;
  for (let i = 1; i <= a; ++i) r = (r * BigInt(b + i)) / BigInt(i);
  return r;
}

/** num / den as a double, for integers beyond 2^1023 too. */
function ratio(num: bigint, den: bigint): number {
  const bits = den.toString(2).length;
  const shift = BigInt(Math.max(0, bits - 1000));
  return Number(num >> shift) / Number(den >> shift);
}
