import {bootstrapCI, iqm} from "../stats/index.js";
import {groupKeyOf, indexHistory, lastLoggedStep, type GroupBy, type RunRow} from "../compare/rows.js";
import type {HistoryInput} from "../compare/history-columns.js";
import {resolveBootstrap, type CompareBootstrapOptions} from "../compare/rank-groups.js";

export interface IqmCurveOptions {
  metric: string;
  groupBy: GroupBy;
  /** Steps to evaluate (default: every step at which some run of the group logged the metric). */
  steps?: readonly number[];
  /**
   * Runs that stopped before a step: "exclude" (default; the curve is over the runs still logging,
   * and nStopped says how many are missing) or "carry_last" (their last logged value is carried forward).
   */
  stopped?: "exclude" | "carry_last";
  /** Bootstrap of the IQM over runs at each step (default: 2 000 resamples, 95%, percentile, seed 0). */
  bootstrap?: CompareBootstrapOptions;
  /** false: IQM only, no bootstrap band (fast, e.g. while brushing). Default true. */
  band?: boolean;
}

export interface IqmCurvePoint {
  step: number;
  /** Runs contributing a finite value. */
  n: number;
  iqm: number | null;
  lower: number | null;
  upper: number | null;
  /** Runs whose value at this step is NaN/±Inf (left out of n). */
  nonFinite: number;
  /** Runs of the group that stopped before this step (left out, or carried with "carry_last"). */
  stopped: number;
  /** Runs that did not log the metric exactly at this step although they reached it. */
  notLogged: number;
  /** Of the n values, how many were carried forward from a stopped run. */
  carried: number;
  reason?: string;
}

export interface IqmCurve {
  key: string;
  values: Record<string, unknown>;
  runIds: string[];
  points: IqmCurvePoint[];
  /** Runs of the group that never logged the metric. */
  withoutMetric: string[];
}

export interface IqmCurvesResult {
  metric: string;
  curves: IqmCurve[];
  stopped: "exclude" | "carry_last";
  bootstrap: Required<CompareBootstrapOptions>;
  notes: string[];
}

/**
 * Interquartile-mean curves per group (rliable's IQM: the mean of the middle 50% of runs; a plain mean
 * for fewer than 4 runs) of a metric at each logged step, with a percentile bootstrap band over runs.
 * A step only uses values logged exactly at it; runs that stopped earlier are excluded (default) or
 * carried forward, and every point counts them. Points with n = 0 have no IQM; n = 1 has no band.
 */
export function iqmCurves(runs: readonly RunRow[], history: HistoryInput, options: IqmCurveOptions): IqmCurvesResult {
  const boot = resolveBootstrap({resamples: 2000, ...options.bootstrap});
  const stoppedMode = options.stopped === "carry_last" ? "carry_last" : "exclude";
  const {index} = indexHistory(history);
  const groups = new Map<string, {values: Record<string, unknown>; runs: RunRow[]}>();
  for (const run of runs) {
    const g = groupKeyOf(run, options.groupBy);
    let e = groups.get(g.key);
    if (e === undefined) groups.set(g.key, (e = {values: g.values, runs: []}));
    e.runs.push(run);
  }
  const curves: IqmCurve[] = [];
  let gi = 0;
  for (const [key, g] of groups) {
    const members = g.runs.map((run) => {
      const byMetric = index.get(run.run_id);
      const series = byMetric?.get(options.metric);
      return {run, series, last: lastLoggedStep(byMetric)};
    });
    const withoutMetric = members.filter((m) => m.series === undefined).map((m) => m.run.run_id);
    const steps = options.steps
      ? [...options.steps].filter((s) => Number.isFinite(s)).sort((a, b) => a - b)
      : [...new Set(members.flatMap((m) => (m.series ? Array.from(m.series.steps) : [])))].sort((a, b) => a - b);
    const lookups = members.map((m) => {
      const map = new Map<number, number>();
      if (m.series) m.series.steps.forEach((s, i) => map.set(s, m.series!.values[i]));
      return map;
    });
    const points: IqmCurvePoint[] = [];
    steps.forEach((step, si) => {
      const xs: number[] = [];
      let nonFinite = 0;
      let stopped = 0;
      let notLogged = 0;
      let carried = 0;
      members.forEach((m, k) => {
        if (m.series === undefined) return; // counted once in withoutMetric
        if (m.last === null || m.last < step) {
          ++stopped;
          if (stoppedMode === "carry_last") {
            const v = m.series.values[m.series.values.length - 1];
            if (Number.isFinite(v)) {
              xs.push(v);
              ++carried;
            } else ++nonFinite;
          }
          return;
        }
        const v = lookups[k].get(step);
        if (v === undefined) ++notLogged;
        else if (!Number.isFinite(v)) ++nonFinite;
        else xs.push(v);
      });
      const point: IqmCurvePoint = {step, n: xs.length, iqm: null, lower: null, upper: null, nonFinite, stopped, notLogged, carried};
      if (xs.length === 0) point.reason = "no finite value at this step";
      else {
        point.iqm = iqm(xs);
        if (options.band === false) point.reason = "band not requested";
        else if (xs.length < 2) point.reason = "n = 1: no band";
        else {
          const ci = bootstrapCI(xs, iqm, {resamples: boot.resamples, confidence: boot.confidence, method: boot.method, seed: boot.seed + gi * 100_003 + si});
          if (Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) {
            point.lower = ci.lower;
            point.upper = ci.upper;
          } else point.reason = ci.reason ?? "no band";
        }
      }
      points.push(point);
    });
    curves.push({key, values: g.values, runIds: g.runs.map((r) => r.run_id), points, withoutMetric});
    ++gi;
  }
  const notes = [
    "IQM trims floor(n/4) runs from each end: with fewer than 4 runs it is the plain mean",
    stoppedMode === "exclude"
      ? "runs that stopped are left out of later steps (survivorship: later points describe the surviving runs only; see `stopped`)"
      : "runs that stopped contribute their last logged value to later steps (see `carried`)"
  ];
  return {metric: options.metric, curves, stopped: stoppedMode, bootstrap: boot, notes};
}
