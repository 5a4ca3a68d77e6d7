/**
 * The real orthonormal Fourier basis of Z_p as the dataset (and Nanda et al.) define it: rows
 * [const, cos 1, sin 1, cos 2, sin 2, …, cos K, sin K] with K = ⌊p/2⌋ (p odd: p rows),
 * const = 1/√p, cos_k(x) = √(2/p)·cos(2πkx/p), sin_k(x) = √(2/p)·sin(2πkx/p).
 */

export interface FourierBasis {
  p: number;
  /** Number of frequencies K = ⌊(p−1)/2⌋ (1..K). */
  nFreqs: number;
  /** [p, p] row-major: row j is basis vector j, evaluated at x = 0..p−1. */
  basis: Float64Array;
  /** "const", "cos 1", "sin 1", … */
  names: string[];
}

const cache = new Map<number, FourierBasis>();

export function fourierBasis(p: number): FourierBasis {
  let hit = cache.get(p);
  if (hit !== undefined) return hit;
  if (!Number.isSafeInteger(p) || p < 3 || p % 2 === 0) throw new RangeError(`fourierBasis: p = ${p} must be an odd integer ≥ 3`);
  const nFreqs = (p - 1) / 2;
  const basis = new Float64Array(p * p);
  const names = ["const"];
  const c0 = 1 / Math.sqrt(p);
  const ck = Math.sqrt(2 / p);
  for (let x = 0; x < p; ++x) basis[x] = c0;
  for (let k = 1; k <= nFreqs; ++k) {
    names.push(`cos ${k}`, `sin ${k}`);
    for (let x = 0; x < p; ++x) {
      // Reduce k·x mod p first: exact integer phase, so cos/sin see angles in [0, 2π).
      const angle = (2 * Math.PI * ((k * x) % p)) / p;
      basis[(2 * k - 1) * p + x] = ck * Math.cos(angle);
      basis[2 * k * p + x] = ck * Math.sin(angle);
    }
  }
  hit = {p, nFreqs, basis, names};
  cache.set(p, hit);
  return hit;
}

/**
 * cos(2πks/p) and sin(2πks/p) for k = 1..K, s = 0..p−1 (unnormalised), as [K, p] tables.
 * Used for O(p²) transforms of sums along diagonals.
 */
export function trigTables(p: number): {cos: Float64Array; sin: Float64Array; nFreqs: number} {
  const nFreqs = (p - 1) >> 1;
  const cos = new Float64Array(nFreqs * p);
  const sin = new Float64Array(nFreqs * p);
  for (let k = 1; k <= nFreqs; ++k) {
    for (let s = 0; s < p; ++s) {
      const angle = (2 * Math.PI * ((k * s) % p)) / p;
      cos[(k - 1) * p + s] = Math.cos(angle);
      sin[(k - 1) * p + s] = Math.sin(angle);
    }
  }
  return {cos, sin, nFreqs};
}
