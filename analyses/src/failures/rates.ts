import {chiSquareContingency, fisherExact, wilsonInterval} from "../stats/index.js";
import {groupKeyOf, MISSING, toEpochMs, type GroupBy, type RunRow} from "../compare/rows.js";
import {FAILURE_MODES, type FailureClassification, type FailureMode} from "./classify.js";

/** Modes that count as a failure by default: every mode except "none". */
export const DEFAULT_FAILURE_MODES: readonly FailureMode[] = FAILURE_MODES.filter((m) => m !== "none");

export interface RateOptions {
  /** Confidence level of the Wilson intervals (default 0.95). */
  confidence?: number;
  /** Modes counted as failures (default: every mode except none; e.g. drop early_stop to count it as healthy). */
  failureModes?: readonly FailureMode[];
}

export interface GroupRate {
  key: string;
  values: Record<string, unknown>;
  n: number;
  failures: number;
  /** failures / n (NaN for n = 0). */
  rate: number;
  /** Wilson score interval. */
  lower: number;
  upper: number;
  confidence: number;
  byMode: Record<FailureMode, number>;
  runIds: string[];
  failedRunIds: string[];
  reason?: string;
}

function emptyByMode(): Record<FailureMode, number> {
  return {nan_loss: 0, bit_stall: 0, overflow: 0, early_stop: 0, other: 0, crashed: 0, none: 0};
}

function validConfidence(c: number | undefined): number {
  return c !== undefined && c > 0 && c < 1 ? c : 0.95;
}

function rateOf(key: string, values: Record<string, unknown>, members: readonly FailureClassification[], failing: Set<FailureMode>, confidence: number): GroupRate {
  const byMode = emptyByMode();
  const failedRunIds: string[] = [];
  const runIds: string[] = new Array(members.length);
  for (let i = 0; i < members.length; ++i) {
    const c = members[i];
    byMode[c.mode] = (byMode[c.mode] ?? 0) + 1;
    runIds[i] = c.run_id;
    if (failing.has(c.mode)) failedRunIds.push(c.run_id);
  }
  const n = members.length;
  const w = wilsonInterval(failedRunIds.length, n, confidence);
  const out: GroupRate = {
    key, values, n, failures: failedRunIds.length, rate: w.estimate, lower: w.lower, upper: w.upper, confidence,
    byMode, runIds, failedRunIds
  };
  if (w.reason !== undefined) out.reason = w.reason;
  return out;
}

function groupClassifications(classifications: readonly FailureClassification[], runs: readonly RunRow[], by: GroupBy) {
  const runById = new Map<string, RunRow>();
  for (const r of runs) runById.set(r.run_id, r);
  const groups = new Map<string, {values: Record<string, unknown>; members: FailureClassification[]}>();
  for (const c of classifications) {
    const run = runById.get(c.run_id) ?? {run_id: c.run_id};
    const g = groupKeyOf(run, by);
    let entry = groups.get(g.key);
    if (entry === undefined) groups.set(g.key, (entry = {values: g.values, members: []}));
    entry.members.push(c);
  }
  return groups;
}

export interface FailureRatesResult {
  groups: GroupRate[];
  total: GroupRate;
  failureModes: FailureMode[];
  confidence: number;
}

/**
 * Failure rate per group (any run attribute or attributes: fp8_format, optimizer, lr, …) with Wilson
 * score intervals, and the counts of every mode. Groups appear in the order of first appearance in
 * `classifications`; runs with no value for the attribute form the group "(missing)".
 */
export function failureRates(
  classifications: readonly FailureClassification[],
  runs: readonly RunRow[],
  by: GroupBy,
  options: RateOptions = {}
): FailureRatesResult {
  const confidence = validConfidence(options.confidence);
  const failureModes = [...(options.failureModes ?? DEFAULT_FAILURE_MODES)];
  const failing = new Set(failureModes);
  const groups = [...groupClassifications(classifications, runs, by)].map(([key, g]) => rateOf(key, g.values, g.members, failing, confidence));
  return {groups, total: rateOf("all", {}, classifications, failing, confidence), failureModes, confidence};
}

export interface FailureAssociation {
  parameter: string;
  /** Rate per value of the parameter (runs without a value are in `missing`, not here). */
  levels: GroupRate[];
  missing: {n: number; runIds: string[]};
  /** Contingency table: one row per level, columns [failures, non-failures]. */
  table: number[][];
  /** fisher_exact for 2 levels, chi_square (Pearson, no continuity correction for df > 1) for more. */
  test: "fisher_exact" | "chi_square" | null;
  pValue: number;
  /** Chi-square statistic X², or Fisher's sample odds ratio (failures/non-failures, first level vs second). */
  statistic: number;
  df: number | null;
  /** Why there is no p-value, or what limits the test (small expected counts). */
  reason?: string;
  note?: string;
}

/**
 * Association of one run attribute with failure: the rate per value (Wilson CI), and a test of
 * independence of value × {failed, not failed}: Fisher's exact test (two-sided) for 2 values, Pearson's
 * chi-square for 3 or more. One value (or none) → no test, with the reason. Runs without a value are
 * reported in `missing` and left out of the test.
 */
export function failureAssociation(
  classifications: readonly FailureClassification[],
  runs: readonly RunRow[],
  parameter: string,
  options: RateOptions = {}
): FailureAssociation {
  const rates = failureRates(classifications, runs, parameter, options);
  const levels = rates.groups.filter((g) => g.key !== MISSING);
  const miss = rates.groups.find((g) => g.key === MISSING);
  const missing = {n: miss?.n ?? 0, runIds: miss?.runIds ?? []};
  const table = levels.map((g) => [g.failures, g.n - g.failures]);
  const base = {parameter, levels, missing, table};
  if (levels.length < 2) {
    return {...base, test: null, pValue: NaN, statistic: NaN, df: null, reason: `${levels.length} value(s) of ${parameter}: nothing to compare`};
  }
  if (levels.length === 2) {
    const f = fisherExact(table);
    const out: FailureAssociation = {...base, test: "fisher_exact", pValue: f.pValue, statistic: f.oddsRatio, df: null};
    if (f.reason !== undefined) out.reason = f.reason;
    return out;
  }
  const chi = chiSquareContingency(table, {correction: false});
  const out: FailureAssociation = {...base, test: "chi_square", pValue: chi.pValue, statistic: chi.statistic, df: chi.df};
  if (chi.reason !== undefined) out.reason = chi.reason;
  else {
    const small = chi.expected.flat().filter((e) => e < 5).length;
    if (small > 0) out.note = `${small} of ${chi.expected.flat().length} expected counts are below 5: the chi-square approximation is rough`;
  }
  return out;
}

export interface StepBucket {
  /** [from, to) in steps. */
  from: number;
  to: number;
  failures: number;
  byMode: Record<FailureMode, number>;
  failedRunIds: string[];
  /** Runs still logging at `from` (last logged step ≥ from, or collapse step ≥ from). */
  atRisk: number;
  /** failures / atRisk (NaN when none at risk). */
  hazard: number;
}

export interface FailuresByStepResult {
  bucketSize: number;
  buckets: StepBucket[];
  /** Failed runs with no collapse step (not in any bucket). */
  unknownStep: string[];
  /** Runs with neither a last step nor a collapse step (not counted at risk). */
  noSteps: string[];
}

/**
 * Failures by the step bucket of their collapse step, with the number of runs at risk at the start of
 * each bucket (runs that got that far) and the hazard failures / at risk.
 */
export function failuresByStep(
  classifications: readonly FailureClassification[],
  options: {bucketSize?: number; failureModes?: readonly FailureMode[]} = {}
): FailuresByStepResult {
  const bucketSize = options.bucketSize !== undefined && options.bucketSize > 0 ? options.bucketSize : 50;
  const failing = new Set(options.failureModes ?? DEFAULT_FAILURE_MODES);
  const unknownStep: string[] = [];
  const noSteps: string[] = [];
  const ends: number[] = [];
  let maxStep = -Infinity;
  for (const c of classifications) {
    const end = c.collapseStep ?? c.lastStep;
    if (failing.has(c.mode) && c.collapseStep === null) unknownStep.push(c.run_id);
    if (end === null) {
      noSteps.push(c.run_id);
      continue;
    }
    ends.push(end);
    maxStep = Math.max(maxStep, end);
  }
  const buckets: StepBucket[] = [];
  if (Number.isFinite(maxStep)) {
    const count = Math.floor(Math.max(0, maxStep) / bucketSize) + 1;
    for (let i = 0; i < count; ++i) {
      const from = i * bucketSize;
      buckets.push({from, to: from + bucketSize, failures: 0, byMode: emptyByMode(), failedRunIds: [], atRisk: ends.filter((e) => e >= from).length, hazard: NaN});
    }
    for (const c of classifications) {
      if (!failing.has(c.mode) || c.collapseStep === null) continue;
      const b = buckets[Math.floor(Math.max(0, c.collapseStep) / bucketSize)];
      b.failures++;
      b.byMode[c.mode]++;
      b.failedRunIds.push(c.run_id);
    }
    for (const b of buckets) b.hazard = b.atRisk > 0 ? b.failures / b.atRisk : NaN;
  }
  return {bucketSize, buckets, unknownStep, noSteps};
}

export interface TimeBucket {
  startMs: number;
  /** ISO 8601 UTC start of the bucket. */
  start: string;
  n: number;
  failures: number;
  rate: number;
  lower: number;
  upper: number;
  runIds: string[];
  failedRunIds: string[];
}

export interface FailuresByTimeResult {
  bucketMs: number;
  buckets: TimeBucket[];
  /** Every run with a creation time, in creation order (for a scatter / strip plot). */
  runs: {run_id: string; createdMs: number; mode: FailureMode; failed: boolean}[];
  /** Runs without a readable created_at (not in any bucket). */
  unknownTime: string[];
  confidence: number;
}

/**
 * Failures by run creation time (runs.created_at): fixed-width buckets (default 1 hour, aligned to the
 * epoch) from the first to the last run, each with the failure rate and its Wilson interval; empty
 * buckets in between are kept (n = 0, rate NaN, interval [0, 1]).
 */
export function failuresByCreationTime(
  classifications: readonly FailureClassification[],
  runs: readonly RunRow[],
  options: {bucketMs?: number; confidence?: number; failureModes?: readonly FailureMode[]} = {}
): FailuresByTimeResult {
  const bucketMs = options.bucketMs !== undefined && options.bucketMs > 0 ? options.bucketMs : 3_600_000;
  const confidence = validConfidence(options.confidence);
  const failing = new Set(options.failureModes ?? DEFAULT_FAILURE_MODES);
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  const timed: FailuresByTimeResult["runs"] = [];
  const unknownTime: string[] = [];
  for (const c of classifications) {
    const t = toEpochMs(runById.get(c.run_id)?.created_at);
    if (t === null) unknownTime.push(c.run_id);
    else timed.push({run_id: c.run_id, createdMs: t, mode: c.mode, failed: failing.has(c.mode)});
  }
  timed.sort((a, b) => a.createdMs - b.createdMs || (a.run_id < b.run_id ? -1 : 1));
  const buckets: TimeBucket[] = [];
  if (timed.length > 0) {
    const first = Math.floor(timed[0].createdMs / bucketMs) * bucketMs;
    const last = Math.floor(timed[timed.length - 1].createdMs / bucketMs) * bucketMs;
    const count = Math.min(100_000, Math.round((last - first) / bucketMs) + 1);
    for (let i = 0; i < count; ++i) {
      const startMs = first + i * bucketMs;
      buckets.push({startMs, start: new Date(startMs).toISOString(), n: 0, failures: 0, rate: NaN, lower: 0, upper: 1, runIds: [], failedRunIds: []});
    }
    for (const r of timed) {
      const b = buckets[Math.min(count - 1, Math.floor((r.createdMs - first) / bucketMs))];
      b.n++;
      b.runIds.push(r.run_id);
      if (r.failed) {
        b.failures++;
        b.failedRunIds.push(r.run_id);
      }
    }
    for (const b of buckets) {
      const w = wilsonInterval(b.failures, b.n, confidence);
      b.rate = w.estimate;
      b.lower = w.lower;
      b.upper = w.upper;
    }
  }
  return {bucketMs, buckets, runs: timed, unknownTime, confidence};
}
