import {sfc32State} from "./random.js";

/**
 * The plain mean: values summed in order, divided by n (NaN for an empty input). The statistic the
 * comparison functions bootstrap; bootstrapSamples recognises this function and draws its replicates
 * with resampleMeans. Internal helper.
 */
export function plainMean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; ++i) s += xs[i];
  return s / n;
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
    let s = 0;
    for (let k = 0; k < n; ++k) {
      // One step of sfc32, as in random.ts (inlined on purpose: a call per draw costs 3×).
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      s += src[(((t >>> 0) * n) / 4294967296) | 0];
    }
    const m = s / n;
    out[r] = m;
    if (m !== m) ++nan;
  }
  return nan;
}
