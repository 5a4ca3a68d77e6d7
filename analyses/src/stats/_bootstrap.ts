import {allFinite} from "./_moments.js";
import {groupPositions} from "./_groups.js";
import {randomSfc32} from "./random.js";
import {percentileInterval} from "./percentileInterval.js";
import {bcaInterval} from "./bcaInterval.js";
import {plainMean, ratioOfSumsKernel, resampleMeans, resampleRatioOfSums} from "./_resampleMean.js";
import {jackknifeAcceleration} from "./jackknifeAcceleration.js";

export type BootstrapMethod = "percentile" | "bca";

export interface BootstrapOptions {
  /** Number of bootstrap resamples B (positive integer; default 10 000). */
  resamples?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  confidence?: number;
  /** "bca" (default) or "percentile". */
  method?: BootstrapMethod;
  /** Seed of the sfc32 generator (default 0); the same seed and inputs give the same result. */
  seed?: number;
  /** Keep the bootstrap replicates in the result (`replicates`), e.g. to reuse them as joint resamples. */
  keepReplicates?: boolean;
}

export interface BootstrapResult {
  /** The statistic on the original data. */
  estimate: number;
  lower: number;
  upper: number;
  method: BootstrapMethod;
  /** B, the number of resamples drawn (0 when none were drawn). */
  resamples: number;
  /** Total number of observations (one-sample: the sample size; two-sample: n1 + n2). */
  n: number;
  confidence: number;
  seed: number;
  /** Standard deviation (ddof = 1) of the bootstrap replicates, as scipy's `standard_error`. */
  standardError: number;
  /** BCa bias correction (NaN for the percentile method). */
  z0: number;
  /** BCa acceleration (NaN for the percentile method). */
  acceleration: number;
  /** Why lower/upper (or the estimate) are NaN, when they are. */
  reason?: string;
  /** The B replicates in resample order, when `keepReplicates` was set and resamples were drawn. */
  replicates?: Float64Array;
}

/** Validated options with defaults. Throws RangeError on invalid options (programming errors). */
export function bootstrapOptions(options: BootstrapOptions): Required<Omit<BootstrapOptions, "keepReplicates">> {
  const resamples = options.resamples ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  const method = options.method ?? "bca";
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (method !== "bca" && method !== "percentile") throw new RangeError(`method must be "bca" or "percentile", got ${String(method)}`);
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  return {resamples, confidence, method, seed};
}

/**
 * Shared bootstrap driver for k independent samples, each resampled with replacement within its
 * strata (or as a whole). The statistic receives one freshly filled scratch Float64Array per sample;
 * it may reorder them. Internal helper.
 */
export function bootstrapSamples(
  samples: readonly ArrayLike<number>[],
  statistic: (...samples: Float64Array[]) => number,
  strata: readonly (ArrayLike<unknown> | undefined)[],
  options: BootstrapOptions
): BootstrapResult {
  const {resamples, confidence, method, seed} = bootstrapOptions(options);
  const sizes = samples.map((s) => s.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  const groups = samples.map((s, j) => groupPositions(s.length, strata[j])); // validates strata lengths
  const base = {method, n, confidence, seed};
  const fail = (estimate: number, reason: string): BootstrapResult => ({
    ...base, estimate, lower: NaN, upper: NaN, resamples: 0, standardError: NaN, z0: NaN, acceleration: NaN, reason
  });
  const finite = samples.every((s) => allFinite(s));
  const copies = (): Float64Array[] => samples.map((s) => Float64Array.from(s));
  if (sizes.some((m) => m === 0)) return fail(NaN, "empty sample");
  if (!finite) return fail(NaN, "non-finite input");
  const estimate = statistic(...copies());
  if (sizes.some((m) => m < 2)) return fail(estimate, "n < 2");
  if (Number.isNaN(estimate)) return fail(estimate, "statistic is NaN on the data");

  const data = copies();
  const replicates = new Float64Array(resamples);
  let nanCount = 0;
  const ratio = data.length === 1 && strata[0] === undefined ? ratioOfSumsKernel(statistic, data[0]) : null;
  if (data.length === 1 && strata[0] === undefined && statistic === plainMean) {
    // The mean of one unstratified sample: the same replicates, bit for bit, without a buffer per draw.
    nanCount = resampleMeans(data[0], seed, replicates);
  } else if (ratio !== null) {
    nanCount = resampleRatioOfSums(ratio, seed, replicates); // likewise for a ratio of sums over pairs
  } else {
    nanCount = drawReplicates(data, statistic, groups, seed, replicates);
  }
  let standardError = NaN;
  if (nanCount === 0) {
    let mean = 0;
    for (let b = 0; b < resamples; ++b) mean += replicates[b];
    mean /= resamples;
    let ss = 0;
    for (let b = 0; b < resamples; ++b) ss += (replicates[b] - mean) ** 2;
    standardError = resamples > 1 ? Math.sqrt(ss / (resamples - 1)) : NaN;
  }
  const drawn = {...base, estimate, resamples, standardError, ...(options.keepReplicates ? {replicates} : {})};
  if (nanCount > 0) {
    return {...drawn, lower: NaN, upper: NaN, z0: NaN, acceleration: NaN, reason: `statistic is NaN on ${nanCount} of ${resamples} resamples`};
  }
  if (method === "percentile") {
    const {lower, upper} = percentileInterval(replicates, confidence);
    return {...drawn, lower, upper, z0: NaN, acceleration: NaN};
  }
  const acceleration = jackknifeAcceleration(data, statistic, strata);
  const bca = bcaInterval(replicates, estimate, acceleration, confidence);
  const out: BootstrapResult = {...drawn, lower: bca.lower, upper: bca.upper, z0: bca.z0, acceleration};
  if (bca.reason !== undefined) out.reason = Number.isNaN(acceleration) ? "jackknife statistic is not finite" : bca.reason;
  return out;
}

/** The general resampling loop: fill one buffer per sample (within strata), call the statistic. */
function drawReplicates(
  data: Float64Array[],
  statistic: (...samples: Float64Array[]) => number,
  groups: Int32Array[][],
  seed: number,
  replicates: Float64Array
): number {
  const buffers = data.map((s) => new Float64Array(s.length));
  const random = randomSfc32(seed);
  let nanCount = 0;
  for (let b = 0; b < replicates.length; ++b) {
    for (let j = 0; j < data.length; ++j) {
      const src = data[j];
      const dst = buffers[j];
      for (const group of groups[j]) {
        const m = group.length;
        for (let k = 0; k < m; ++k) dst[group[k]] = src[group[Math.floor(random() * m)]];
      }
    }
    const t = statistic(...buffers);
    replicates[b] = t;
    if (Number.isNaN(t)) ++nanCount;
  }
  return nanCount;
}
