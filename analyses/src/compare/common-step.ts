import {indexHistory, lastLoggedStep, type HistoryIndex, type RunRow, type Series} from "./rows.js";
import type {HistoryInput} from "./history-columns.js";

/**
 * Which value of a metric represents a run:
 * - `final`: the last logged value of the metric;
 * - `best`: the minimum (direction "min", default) or maximum of its finite logged values;
 * - `step`: the value at a common step s, defined as the last value logged at or before s, for runs
 *   whose history reaches s (their last logged step of any metric is ≥ s). Runs that stopped before s
 *   get no value and status "stopped_before" (their last value is still reported), never dropped.
 */
export type ValueSelector = {kind: "final"} | {kind: "best"; direction?: "min" | "max"} | {kind: "step"; step: number};

export type RunValueStatus = "ok" | "stopped_before" | "not_logged" | "non_finite" | "no_history";

export interface RunValue {
  run_id: string;
  name: string | null;
  /** The value, or null when status is not "ok". */
  value: number | null;
  /** Step at which `value` (or the non-finite value) was logged. */
  step: number | null;
  status: RunValueStatus;
  /** For "step": how far back the value was logged (s − step). */
  lag?: number;
  /** The run's last logged step (any metric). */
  lastStep: number | null;
  /** Last logged value of the metric (also for stopped runs; NaN kept). */
  lastValue: number | null;
  lastValueStep: number | null;
  /** Non-finite values of the metric that "best" skipped. */
  nonFiniteSkipped?: number;
  reason?: string;
}

export function selectorLabel(selector: ValueSelector): string {
  if (selector.kind === "final") return "final";
  if (selector.kind === "best") return `best (${selector.direction ?? "min"})`;
  return `at step ${selector.step}`;
}

function lastAtOrBefore(series: Series, step: number): number {
  let lo = 0;
  let hi = series.steps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (series.steps[mid] <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * One RunValue, built as a plain literal with a fixed property order (object spread in a per-run loop is
 * slow in V8: several microseconds per object). Optional fields are added only when given.
 */
function runValue(
  run_id: string, name: string | null, lastStep: number | null, lastValue: number | null, lastValueStep: number | null,
  value: number | null, step: number | null, status: RunValueStatus, reason?: string, extra?: {lag?: number; nonFiniteSkipped?: number}
): RunValue {
  const out: RunValue = {run_id, name, lastStep, value, step, status, lastValue, lastValueStep};
  if (extra?.lag !== undefined) out.lag = extra.lag;
  if (extra?.nonFiniteSkipped !== undefined) out.nonFiniteSkipped = extra.nonFiniteSkipped;
  if (reason !== undefined) out.reason = reason;
  return out;
}

/** runValues over a pre-built index (for callers that select several metrics). */
export function runValuesIndexed(runs: readonly RunRow[], index: HistoryIndex, metric: string, selector: ValueSelector): RunValue[] {
  const out: RunValue[] = new Array(runs.length);
  for (let r = 0; r < runs.length; ++r) out[r] = selectValue(runs[r], index, metric, selector);
  return out;
}

function selectValue(run: RunRow, index: HistoryIndex, metric: string, selector: ValueSelector): RunValue {
  const id = run.run_id;
  const byMetric = index.get(id);
  const name = typeof run.name === "string" ? run.name : null;
  const lastStep = lastLoggedStep(byMetric);
  if (byMetric === undefined) return runValue(id, name, lastStep, null, null, null, null, "no_history", "no history rows");
  const series = byMetric.get(metric);
  if (series === undefined || series.steps.length === 0) return runValue(id, name, lastStep, null, null, null, null, "not_logged", `${metric} not logged`);
  const n = series.steps.length;
  const lastValue = series.values[n - 1];
  const lastValueStep = series.steps[n - 1];
  if (selector.kind === "final") {
    if (!Number.isFinite(lastValue)) return runValue(id, name, lastStep, lastValue, lastValueStep, null, lastValueStep, "non_finite", `last logged ${metric} is ${lastValue}`);
    return runValue(id, name, lastStep, lastValue, lastValueStep, lastValue, lastValueStep, "ok");
  }
  if (selector.kind === "best") {
    const max = selector.direction === "max";
    let best: number | null = null;
    let bestStep: number | null = null;
    let skipped = 0;
    for (let i = 0; i < n; ++i) {
      const v = series.values[i];
      if (!Number.isFinite(v)) {
        ++skipped;
        continue;
      }
      if (best === null || (max ? v > best : v < best)) {
        best = v;
        bestStep = series.steps[i];
      }
    }
    if (best === null) {
      return runValue(id, name, lastStep, lastValue, lastValueStep, null, null, "non_finite", `no finite ${metric} value (${skipped} non-finite)`, {nonFiniteSkipped: skipped});
    }
    if (skipped > 0) return runValue(id, name, lastStep, lastValue, lastValueStep, best, bestStep, "ok", `${skipped} non-finite ${metric} value(s) skipped`, {nonFiniteSkipped: skipped});
    return runValue(id, name, lastStep, lastValue, lastValueStep, best, bestStep, "ok");
  }
  const s = selector.step;
  if (lastStep === null || lastStep < s) return runValue(id, name, lastStep, lastValue, lastValueStep, null, null, "stopped_before", `run stopped at step ${lastStep} < ${s}`);
  const i = lastAtOrBefore(series, s);
  if (i < 0) return runValue(id, name, lastStep, lastValue, lastValueStep, null, null, "not_logged", `${metric} first logged at step ${series.steps[0]} > ${s}`);
  const v = series.values[i];
  const at = series.steps[i];
  if (!Number.isFinite(v)) return runValue(id, name, lastStep, lastValue, lastValueStep, null, at, "non_finite", `${metric} at step ${at} is ${v}`, {lag: s - at});
  return runValue(id, name, lastStep, lastValue, lastValueStep, v, at, "ok", undefined, {lag: s - at});
}

/** The value of `metric` per run under `selector` (one entry per run, in input order). */
export function runValues(runs: readonly RunRow[], history: HistoryInput, metric: string, selector: ValueSelector): RunValue[] {
  return runValuesIndexed(runs, indexHistory(history).index, metric, selector);
}

/** Convenience: the value at a common step (last logged at or before `step`; runs that stopped before are flagged). */
export function metricAtStep(runs: readonly RunRow[], history: HistoryInput, metric: string, step: number): RunValue[] {
  return runValues(runs, history, metric, {kind: "step", step});
}

export function finalMetric(runs: readonly RunRow[], history: HistoryInput, metric: string): RunValue[] {
  return runValues(runs, history, metric, {kind: "final"});
}

export function bestMetric(runs: readonly RunRow[], history: HistoryInput, metric: string, direction: "min" | "max" = "min"): RunValue[] {
  return runValues(runs, history, metric, {kind: "best", direction});
}

/**
 * The largest step every run of `runs` reached (min over runs of the last logged step), i.e. the
 * latest step at which a "step" selector gives every run a value; null when some run has no history.
 */
export function commonLastStep(runs: readonly RunRow[], history: HistoryInput): {step: number | null; limitedBy: string[]} {
  const {index} = indexHistory(history);
  let step: number | null = null;
  let limitedBy: string[] = [];
  for (const run of runs) {
    const last = lastLoggedStep(index.get(run.run_id));
    if (last === null) return {step: null, limitedBy: [run.run_id]};
    if (step === null || last < step) {
      step = last;
      limitedBy = [run.run_id];
    } else if (last === step) limitedBy.push(run.run_id);
  }
  return {step, limitedBy};
}
