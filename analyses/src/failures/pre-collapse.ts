import {groupKeyOf, indexHistory, loggedSteps, type GroupBy, type GroupKey, type RunRow, type Series} from "../compare/rows.js";
import type {HistoryInput} from "../compare/history-columns.js";
import type {FailureClassification, FailureMode} from "./classify.js";

/** The key metrics of the sample runner's failure reports. */
export const DEFAULT_WINDOW_METRICS: readonly string[] = [
  "loss", "grad_norm", "lr", "quantization/bit_stall_rate", "quantization/overflow_rate", "quantization/underflow_rate", "val_loss"
];

export interface PreCollapseOptions {
  /** Number of logged steps up to and including the collapse step (default 10, as the failure reports). */
  window?: number;
  metrics?: readonly string[];
  /** Healthy comparison runs must share these attributes with the failed run (default "fp8_format"). */
  matchBy?: GroupBy;
  /** Modes that count as failed (default: every mode except none). */
  failedModes?: readonly FailureMode[];
  /** Modes that count as healthy (default: ["none"]). */
  healthyModes?: readonly FailureMode[];
}

export interface HealthyStepSummary {
  step: number;
  /** Healthy runs with a finite value of the metric logged exactly at this step. */
  n: number;
  /** Healthy runs with no row at this step, or a non-finite one. */
  missing: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface WindowMetric {
  metric: string;
  /** The failed run's value at each window step (null: not logged at that step). */
  values: (number | null)[];
  /** Healthy runs of the same match group at the same steps (empty when there are none). */
  healthy: HealthyStepSummary[];
  /** failed value − healthy mean per step (null where either is missing or non-finite). */
  differenceFromHealthyMean: (number | null)[];
}

export interface PreCollapseWindow {
  run_id: string;
  name: string | null;
  mode: FailureMode;
  collapseStep: number;
  match: GroupKey;
  /** The window's logged steps, ascending (at most `window`; fewer when the run logged fewer). */
  steps: number[];
  /** Set when the window is shorter than requested. */
  note?: string;
  metrics: WindowMetric[];
  /** The healthy runs compared against (same match group). */
  healthyRunIds: string[];
  /** Why there is no comparison, when healthyRunIds is empty. */
  comparisonReason?: string;
}

export interface PreCollapseResult {
  window: number;
  windows: PreCollapseWindow[];
  /** Failed runs without a window, and why (no collapse step, no history). */
  skipped: {run_id: string; mode: FailureMode; reason: string}[];
}

function valueAt(series: Series | undefined, step: number): number | null {
  if (series === undefined) return null;
  // binary search for an exact step
  let lo = 0;
  let hi = series.steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = series.steps[mid];
    if (s === step) return series.values[mid];
    if (s < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}

/**
 * For each failed run: its last `window` logged steps up to and including the collapse step, with the
 * values of the chosen metrics, next to the same steps in healthy runs of the same match group (by
 * default the same fp8_format): per step n, mean, min, max of the healthy runs' values logged exactly
 * there. A failed run without a collapse step or without history is listed in `skipped` with the reason;
 * a failed run whose group has no healthy run gets `comparisonReason`.
 */
export function preCollapseWindows(
  classifications: readonly FailureClassification[],
  runs: readonly RunRow[],
  history: HistoryInput,
  options: PreCollapseOptions = {}
): PreCollapseResult {
  const window = Math.max(1, Math.floor(options.window ?? 10));
  const metrics = options.metrics ?? DEFAULT_WINDOW_METRICS;
  const matchBy = options.matchBy ?? "fp8_format";
  const healthyModes = new Set(options.healthyModes ?? ["none"]);
  const failedModes = new Set(options.failedModes ?? (["nan_loss", "bit_stall", "overflow", "early_stop", "other", "crashed"] as FailureMode[]));
  const {index} = indexHistory(history);
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  const keyOf = (runId: string): GroupKey => {
    const run = runById.get(runId);
    return run ? groupKeyOf(run, matchBy) : {key: "(run not in runs)", values: {}};
  };

  const healthyByGroup = new Map<string, string[]>();
  for (const c of classifications) {
    if (!healthyModes.has(c.mode) || !index.has(c.run_id)) continue;
    const k = keyOf(c.run_id).key;
    const list = healthyByGroup.get(k) ?? [];
    list.push(c.run_id);
    healthyByGroup.set(k, list);
  }

  // The healthy runs' summary at (group, metric, step) is the same for every failed run of the group
  // (unless the failed run is itself among the group's healthy runs): computed once.
  const healthyAt = new Map<string, HealthyStepSummary>();
  const summarize = (ids: readonly string[], metric: string, step: number): HealthyStepSummary => {
    const xs: number[] = [];
    for (const id of ids) {
      const v = valueAt(index.get(id)?.get(metric), step);
      if (v !== null && Number.isFinite(v)) xs.push(v);
    }
    const n = xs.length;
    const mean = n > 0 ? xs.reduce((a, b) => a + b, 0) / n : null;
    return {step, n, missing: ids.length - n, mean, min: n > 0 ? Math.min(...xs) : null, max: n > 0 ? Math.max(...xs) : null};
  };

  const windows: PreCollapseWindow[] = [];
  const skipped: PreCollapseResult["skipped"] = [];
  for (const c of classifications) {
    if (!failedModes.has(c.mode)) continue;
    const byMetric = index.get(c.run_id);
    if (c.collapseStep === null) {
      skipped.push({run_id: c.run_id, mode: c.mode, reason: "no collapse step"});
      continue;
    }
    if (byMetric === undefined) {
      skipped.push({run_id: c.run_id, mode: c.mode, reason: "no history rows"});
      continue;
    }
    const collapse = c.collapseStep;
    const all = loggedSteps(byMetric).filter((s) => s <= collapse);
    if (all.length === 0) {
      skipped.push({run_id: c.run_id, mode: c.mode, reason: `no logged step at or before the collapse step ${collapse}`});
      continue;
    }
    const steps = all.slice(-window);
    const match = keyOf(c.run_id);
    const groupHealthy = healthyByGroup.get(match.key) ?? [];
    const healthyRunIds = groupHealthy.filter((id) => id !== c.run_id);
    const cacheable = healthyRunIds.length === groupHealthy.length;
    const out: PreCollapseWindow = {
      run_id: c.run_id, name: c.name, mode: c.mode, collapseStep: collapse, match, steps, metrics: [], healthyRunIds
    };
    if (steps.length < window) out.note = `only ${steps.length} logged steps at or before step ${collapse} (window ${window})`;
    if (healthyRunIds.length === 0) out.comparisonReason = `no healthy run (mode ${[...healthyModes].join("/")}) with ${match.key === "" ? "the same group" : `${Object.keys(match.values).join(", ")} = ${match.key}`}`;
    for (const metric of metrics) {
      const series = byMetric.get(metric);
      const values = steps.map((s) => valueAt(series, s));
      const healthy: HealthyStepSummary[] = [];
      const diff: (number | null)[] = [];
      if (healthyRunIds.length > 0) {
        steps.forEach((step, k) => {
          let h: HealthyStepSummary;
          if (cacheable) {
            const key = `${match.key}\u0000${metric}\u0000${step}`;
            const cached = healthyAt.get(key) ?? summarize(healthyRunIds, metric, step);
            healthyAt.set(key, cached);
            h = {step: cached.step, n: cached.n, missing: cached.missing, mean: cached.mean, min: cached.min, max: cached.max}; // each window its own object
          } else h = summarize(healthyRunIds, metric, step);
          healthy.push(h);
          const v = values[k];
          diff.push(v !== null && Number.isFinite(v) && h.mean !== null ? v - h.mean : null);
        });
      } else {
        for (let k = 0; k < steps.length; ++k) diff.push(null);
      }
      out.metrics.push({metric, values, healthy, differenceFromHealthyMean: diff});
    }
    windows.push(out);
  }
  // Classifications of runs that are not failed and not healthy are neither windows nor comparisons.
  for (const c of classifications) if (!failedModes.has(c.mode) && !healthyModes.has(c.mode)) skipped.push({run_id: c.run_id, mode: c.mode, reason: "mode is neither failed nor healthy under the options"});
  return {window, windows, skipped};
}
