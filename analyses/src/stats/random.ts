/**
 * A seeded pseudo-random number generator: sfc32 (Chris Doty-Humphrey's "small fast counter", from
 * PractRand) with its 128-bit state filled from a 32-bit seed by splitmix32 and 12 warm-up rounds.
 *
 * Returns a function that yields uniform numbers in [0, 1) with 32 bits of resolution. Two generators
 * made from the same seed yield the same sequence on every JavaScript engine (integer arithmetic only).
 * The seed is reduced to an unsigned 32-bit integer (`seed >>> 0`); a non-finite seed counts as 0.
 */
export function randomSfc32(seed: number = 0): () => number {
  return sfc32(seed).next;
}

/**
 * The sfc32 state [a, b, c, d] of randomSfc32(seed) after its warm-up, for loops that inline the
 * generator (bootstrap kernels): stepping it as randomSfc32 does yields the same sequence.
 */
export function sfc32State(seed: number = 0): [number, number, number, number] {
  return sfc32(seed).state();
}

/** The warmed-up generator and a read of its state. */
function sfc32(seed: number): {next: () => number; state: () => [number, number, number, number]} {
  let s = Number.isFinite(seed) ? seed >>> 0 : 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; ++i) next();
  return {next, state: () => [a, b, c, d]};
}
