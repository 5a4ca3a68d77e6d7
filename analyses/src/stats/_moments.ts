/** Arithmetic mean of all values (no skipping); NaN for an empty input. Internal helper. */
export function meanOf(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; ++i) sum += values[i];
  const m = sum / n;
  // One refinement pass (corrected two-pass mean) for accuracy on values with a large common offset.
  let r = 0;
  for (let i = 0; i < n; ++i) r += values[i] - m;
  return Number.isFinite(r) ? m + r / n : m;
}

/**
 * Sample variance with `ddof` degrees of freedom removed (two-pass with the compensated correction
 * term of Chan, Golub & LeVeque). NaN when n - ddof <= 0. Internal helper.
 */
export function varianceOf(values: ArrayLike<number>, ddof: number = 1): number {
  const n = values.length;
  if (n - ddof <= 0) return NaN;
  const m = meanOf(values);
  let ss = 0;
  let comp = 0;
  for (let i = 0; i < n; ++i) {
    const d = values[i] - m;
    ss += d * d;
    comp += d;
  }
  return Math.max(0, (ss - (comp * comp) / n) / (n - ddof));
}

/** True when every value is a finite number. Internal helper. */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; ++i) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** True when some value is NaN (or not a number at all). Internal helper. */
export function anyNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; ++i) if (typeof values[i] !== "number" || Number.isNaN(values[i])) return true;
  return false;
}
