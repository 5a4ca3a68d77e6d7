import {sfc32State} from "./random.js";

/**
 * The plain mean: values at even and at odd positions summed in order into two sums, (even + odd) / n
 * (NaN for an empty input). Two sums, not one, so the bootstrap kernel's additions do not wait on each
 * other (about 1.5× faster per draw); the rounding differs from one running sum by a few ulps. The
 * statistic the comparison functions bootstrap; bootstrapSamples recognises this function and draws
 * its replicates with resampleMeans. Internal helper.
 */
export function plainMean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  let even = 0;
  let odd = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    even += xs[i];
    odd += xs[i + 1];
  }
  if (i < n) even += xs[i];
  return (even + odd) / n;
}

/**
 * Bootstrap replicates of plainMean over `src` into `out` (one per element), drawing with the sfc32
 * stream of randomSfc32(seed), inlined: the same draws, sums in the same order, so the same bits as
 * filling a buffer with src[floor(random() · n)] and calling plainMean on it, without the buffer or a
 * call per resample. Returns the number of NaN replicates. Internal helper.
 */
export function resampleMeans(src: Float64Array, seed: number, out: Float64Array): number {
  if (src.length > 0x7fffffff) throw new RangeError("sample too large");
  // Int32 locals (| 0) keep the generator in registers; (x · n) / 2^32 equals (x / 2^32) · n exactly
  // (scaling by a power of two is exact), so the index is the one randomSfc32 gives.
  const state = sfc32State(seed);
  let a = state[0] | 0;
  let b = state[1] | 0;
  let c = state[2] | 0;
  let d = state[3] | 0;
  const n = src.length;
  let nan = 0;
  for (let r = 0, resamples = out.length; r < resamples; ++r) {
    // Draws at even positions into one sum, odd into the other, as plainMean adds its input.
    let even = 0;
    let odd = 0;
    let k = 0;
    for (; k + 1 < n; k += 2) {
      // Steps of sfc32, as in random.ts (inlined on purpose: a call per draw costs 3×).
      let t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      even += src[(((t >>> 0) * n) / 4294967296) | 0];
      t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      odd += src[(((t >>> 0) * n) / 4294967296) | 0];
    }
    if (k < n) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      even += src[(((t >>> 0) * n) / 4294967296) | 0];
    }
    const m = (even + odd) / n;
    out[r] = m;
    if (m !== m) ++nan;
  }
  return nan;
}

/** What ratioOfSums statistics resample: registered so bootstrapSamples can use resampleRatioOfSums. */
const RATIO_OF_SUMS = new WeakMap<object, {num: Float64Array; den: Float64Array; scale: number}>();

/**
 * A statistic of a sample of positions 0…n−1 (a resample of pairs, by position): scale · Σ num[i] / |Σ den[i]|
 * over the positions drawn, summed in draw order. bootstrapSamples recognises it (one unstratified
 * sample holding exactly 0…n−1) and draws its replicates with resampleRatioOfSums: the same bits as
 * the general loop. Internal helper.
 */
export function ratioOfSums(num: ArrayLike<number>, den: ArrayLike<number>, scale: number): (positions: Float64Array) => number {
  if (num.length !== den.length) throw new RangeError("num and den differ in length");
  const nums = Float64Array.from(num);
  const dens = Float64Array.from(den);
  const statistic = (positions: Float64Array): number => {
    let sn = 0;
    let sd = 0;
    for (let i = 0; i < positions.length; ++i) {
      sn += nums[positions[i]];
      sd += dens[positions[i]];
    }
    return (scale * sn) / Math.abs(sd);
  };
  RATIO_OF_SUMS.set(statistic, {num: nums, den: dens, scale});
  return statistic;
}

/** The kernel's data when `statistic` is a ratioOfSums over exactly the positions 0…n−1 in `sample`. */
export function ratioOfSumsKernel(statistic: object, sample: Float64Array): {num: Float64Array; den: Float64Array; scale: number} | null {
  const k = RATIO_OF_SUMS.get(statistic);
  if (k === undefined || k.num.length !== sample.length) return null;
  for (let i = 0; i < sample.length; ++i) if (sample[i] !== i) return null;
  return k;
}

/**
 * Bootstrap replicates of a ratioOfSums statistic into `out`, with the draws of randomSfc32(seed)
 * inlined (see resampleMeans): position floor(random() · n), sums in draw order. Returns the number
 * of NaN replicates. Internal helper.
 */
export function resampleRatioOfSums(k: {num: Float64Array; den: Float64Array; scale: number}, seed: number, out: Float64Array): number {
  const {num, den, scale} = k;
  const state = sfc32State(seed);
  let a = state[0] | 0;
  let b = state[1] | 0;
  let c = state[2] | 0;
  let d = state[3] | 0;
  const n = num.length;
  let nan = 0;
  for (let r = 0, resamples = out.length; r < resamples; ++r) {
    let sn = 0;
    let sd = 0;
    for (let j = 0; j < n; ++j) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const i = (((t >>> 0) * n) / 4294967296) | 0;
      sn += num[i];
      sd += den[i];
    }
    const v = (scale * sn) / Math.abs(sd);
    out[r] = v;
    if (v !== v) ++nan;
  }
  return nan;
}
