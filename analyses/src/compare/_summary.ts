import {iqm, plainMean, randomSfc32} from "../stats/index.js";

/** Statistics over seeds/runs that the comparison functions offer. */
export type GroupStatistic = "mean" | "median" | "iqm";

/** Sum in order / n (NaN when empty); bootstrapCI draws its replicates with a fast kernel. */
export const mean: (xs: ArrayLike<number>) => number = plainMean;

export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function sampleSd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; ++i) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

export function statisticFn(statistic: GroupStatistic): (xs: Float64Array) => number {
  if (statistic === "median") return median;
  if (statistic === "iqm") return iqm;
  return mean;
}

/**
 * For each sample, the probability that its statistic is the best (lowest for direction "lower") when
 * every sample is resampled with replacement, independently; ties share the win. Samples must be
 * non-empty and finite (callers check). Deterministic for a seed.
 */
export function probabilityBest(
  samples: readonly (readonly number[])[],
  statistic: (xs: Float64Array) => number,
  direction: "lower" | "higher",
  resamples: number,
  seed: number
): number[] {
  const k = samples.length;
  if (k === 0) return [];
  const random = randomSfc32(seed);
  const buffers = samples.map((s) => new Float64Array(s.length));
  const replicates = samples.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; ++b) {
    for (let j = 0; j < k; ++j) {
      const src = samples[j];
      const dst = buffers[j];
      const m = src.length;
      for (let i = 0; i < m; ++i) dst[i] = src[Math.floor(random() * m)];
      replicates[j][b] = statistic(dst);
    }
  }
  return probabilityBestOf(replicates, direction);
}

/**
 * probabilityBest from replicates already drawn: replicates[j][b] is sample j's statistic in joint
 * resample b (every sample resampled independently, e.g. the replicates of each group's bootstrap CI,
 * drawn from independent streams). Ties share the win. All arrays must have the same length B ≥ 1.
 */
export function probabilityBestOf(replicates: readonly Float64Array[], direction: "lower" | "higher"): number[] {
  const k = replicates.length;
  if (k === 0) return [];
  const resamples = replicates[0].length;
  const wins = new Float64Array(k);
  const lower = direction === "lower";
  for (let b = 0; b < resamples; ++b) {
    let best = lower ? Infinity : -Infinity;
    for (let j = 0; j < k; ++j) {
      const x = replicates[j][b];
      if (lower ? x < best : x > best) best = x;
    }
    let ties = 0;
    for (let j = 0; j < k; ++j) if (replicates[j][b] === best) ++ties;
    for (let j = 0; j < k; ++j) if (replicates[j][b] === best) wins[j] += 1 / ties;
  }
  return Array.from(wins, (w) => w / resamples);
}

/** Competition ranks ("1224"): equal estimates share the smaller rank; NaN/null gets null. */
export function competitionRanks(estimates: readonly (number | null)[], direction: "lower" | "higher"): (number | null)[] {
  const valid = estimates.map((e, i) => ({e, i})).filter((x): x is {e: number; i: number} => x.e !== null && Number.isFinite(x.e));
  valid.sort((a, b) => (direction === "lower" ? a.e - b.e : b.e - a.e));
  const out: (number | null)[] = estimates.map(() => null);
  valid.forEach((x, pos) => {
    out[x.i] = pos > 0 && valid[pos - 1].e === x.e ? out[valid[pos - 1].i] : pos + 1;
  });
  return out;
}
