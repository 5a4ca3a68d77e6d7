import {bootstrapCI} from "../stats/index.js";
import {parseMetricName} from "../metrics/metric-name.js";
import {LAYER_TYPES, type LayerType} from "../layers/layer-type.js";
import {groupKeyOf, indexHistory, type GroupBy, type RunRow, type Series} from "./rows.js";
import type {HistoryInput} from "./history-columns.js";
import {resolveBootstrap, type CompareBootstrapOptions} from "./rank-groups.js";
import {competitionRanks, mean, probabilityBest, probabilityBestOf, statisticFn, type GroupStatistic} from "./_summary.js";

export type StepReduction = "mean" | "final" | "max" | "min";

export interface LayerTypeOptions {
  /** Per-layer metric kind: the namespace before "/" (e.g. "bit_stall", "grad_norm_l2"). */
  kind: string;
  groupBy: GroupBy;
  /** Which direction is better for the sweet spot (e.g. "lower" for bit stalls). */
  direction: "lower" | "higher";
  /** How a run's series of one layer becomes one number (default "mean" over the logged steps in the window). */
  reduce?: StepReduction;
  /** Step window [from, to] (inclusive) applied before reducing; default: every logged step. */
  steps?: {from?: number; to?: number};
  /** Statistic over the runs of a group (default "mean"). */
  statistic?: GroupStatistic;
  bootstrap?: CompareBootstrapOptions;
}

export interface LayerTypeGroup {
  key: string;
  values: Record<string, unknown>;
  n: number;
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  rank: number | null;
  probabilityBest: number | null;
  /** Per run: the mean over its layers of this type of the reduced series. */
  perRun: {run_id: string; value: number; layers: number; nonFiniteSkipped: number}[];
  /** Runs of the group without a value for this layer type, and why. */
  excluded: {run_id: string; reason: string}[];
  reason?: string;
}

export interface LayerTypeResult {
  layerType: LayerType;
  /** Parameter names of this type seen in the metric names. */
  layers: string[];
  groups: LayerTypeGroup[];
  /** The best group by the statistic and how certain: its probability of being best over bootstrap resamples. */
  best: {key: string; estimate: number; probabilityBest: number | null; runnerUp: {key: string; estimate: number} | null; intervalsOverlap: boolean | null} | null;
  reason?: string;
}

export interface LayerTypeProfile {
  kind: string;
  reduce: StepReduction;
  steps: {from: number | null; to: number | null};
  direction: "lower" | "higher";
  statistic: GroupStatistic;
  layerTypes: LayerTypeResult[];
  /** Metric names of this kind whose layer could not be parsed (not attributed). */
  unattributed: string[];
  bootstrap: Required<CompareBootstrapOptions>;
  notes: string[];
}

function reduceSeries(series: Series, how: StepReduction, from: number, to: number): {value: number | null; nonFinite: number} {
  const xs: number[] = [];
  let nonFinite = 0;
  let lastFinite: number | null = null;
  for (let i = 0; i < series.steps.length; ++i) {
    const s = series.steps[i];
    if (s < from || s > to) continue;
    const v = series.values[i];
    if (!Number.isFinite(v)) {
      ++nonFinite;
      continue;
    }
    xs.push(v);
    lastFinite = v;
  }
  if (xs.length === 0) return {value: null, nonFinite};
  if (how === "final") return {value: lastFinite, nonFinite};
  if (how === "max") return {value: xs.reduce((a, b) => (b > a ? b : a)), nonFinite};
  if (how === "min") return {value: xs.reduce((a, b) => (b < a ? b : a)), nonFinite};
  return {value: mean(xs), nonFinite};
}

/**
 * Per-layer-type profile of a per-layer metric (`<kind>/<parameter>`, e.g. bit_stall/…, grad_norm_l2/…):
 * each run's series per layer is reduced to one number over the step window (mean by default), layers
 * of the same type are averaged (unweighted: each tensor counts once, whatever its size), and the runs
 * of each group give the group statistic with a bootstrap CI. Per layer type, the sweet-spot group is
 * the best by the statistic; its certainty is the probability of being best over joint bootstrap
 * resamples of the groups with n ≥ 2 (a group with n < 2 is not resampled and gets no probability).
 */
export function layerTypeProfile(runs: readonly RunRow[], history: HistoryInput, options: LayerTypeOptions): LayerTypeProfile {
  const reduce: StepReduction = options.reduce ?? "mean";
  const statistic: GroupStatistic = options.statistic ?? "mean";
  const stat = statisticFn(statistic);
  const direction = options.direction === "higher" ? "higher" : "lower";
  const boot = resolveBootstrap(options.bootstrap);
  const from = options.steps?.from ?? -Infinity;
  const to = options.steps?.to ?? Infinity;
  const {index} = indexHistory(history);
  const layersByType = new Map<LayerType, Set<string>>();
  const unattributed = new Set<string>();
  for (const byMetric of index.values()) {
    for (const metric of byMetric.keys()) {
      const parsed = parseMetricName(metric);
      if (parsed.kind !== options.kind) continue;
      if (parsed.layer === null || parsed.layerType === null) {
        unattributed.add(metric);
        continue;
      }
      const set = layersByType.get(parsed.layerType) ?? new Set();
      set.add(parsed.layer);
      layersByType.set(parsed.layerType, set);
    }
  }
  const notes: string[] = [];
  if (reduce === "mean" && options.steps?.to === undefined) {
    notes.push("runs that stopped early are averaged over fewer (earlier) steps than runs that completed; set steps.to to a common step for a like-for-like comparison");
  }
  notes.push("layers of a type are averaged unweighted (each tensor counts once, whatever its number of elements)");
  const results: LayerTypeResult[] = [];
  let t = 0;
  for (const layerType of LAYER_TYPES) {
    const layers = [...(layersByType.get(layerType) ?? [])].sort();
    if (layers.length === 0) continue;
    const groups = new Map<string, LayerTypeGroup>();
    for (const run of runs) {
      const g = groupKeyOf(run, options.groupBy);
      let group = groups.get(g.key);
      if (group === undefined) {
        groups.set(g.key, (group = {key: g.key, values: g.values, n: 0, estimate: null, lower: null, upper: null, rank: null, probabilityBest: null, perRun: [], excluded: []}));
      }
      const byMetric = index.get(run.run_id);
      if (byMetric === undefined) {
        group.excluded.push({run_id: run.run_id, reason: "no history rows"});
        continue;
      }
      const perLayer: number[] = [];
      let nonFinite = 0;
      for (const layer of layers) {
        const series = byMetric.get(`${options.kind}/${layer}`);
        if (series === undefined) continue;
        const r = reduceSeries(series, reduce, from, to);
        nonFinite += r.nonFinite;
        if (r.value !== null) perLayer.push(r.value);
      }
      if (perLayer.length === 0) {
        group.excluded.push({run_id: run.run_id, reason: `no finite ${options.kind} value of a ${layerType} layer in the step window`});
        continue;
      }
      group.perRun.push({run_id: run.run_id, value: mean(perLayer), layers: perLayer.length, nonFiniteSkipped: nonFinite});
    }
    const list = [...groups.values()];
    const replicatesOf = new Map<object, Float64Array>();
    list.forEach((group, j) => {
      const xs = group.perRun.map((r) => r.value);
      group.n = xs.length;
      if (xs.length === 0) {
        group.reason = "no run with a value";
        return;
      }
      const ci = bootstrapCI(xs, stat, {resamples: boot.resamples, confidence: boot.confidence, method: boot.method, seed: boot.seed + 1000 * t + j, keepReplicates: true});
      if (ci.replicates !== undefined && ci.replicates.length === boot.resamples && Number.isFinite(ci.standardError)) replicatesOf.set(group, ci.replicates);
      group.estimate = ci.estimate;
      if (xs.length < 2) group.reason = `n = ${xs.length} < 2: no confidence interval, not resampled for the probability of being best`;
      else if (Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) {
        group.lower = ci.lower;
        group.upper = ci.upper;
      } else group.reason = ci.reason ?? "no interval";
    });
    const ranks = competitionRanks(list.map((g) => g.estimate), direction);
    list.forEach((g, j) => (g.rank = ranks[j]));
    const eligible = list.filter((g) => g.n >= 2);
    if (eligible.length >= 2) {
      // The groups' CI replicates are independent joint resamples (one stream per group): reuse them.
      const drawn = eligible.map((g) => replicatesOf.get(g));
      const p = drawn.every((r) => r !== undefined)
        ? probabilityBestOf(drawn as Float64Array[], direction)
        : probabilityBest(eligible.map((g) => g.perRun.map((r) => r.value)), stat, direction, boot.resamples, boot.seed + 7919 + t);
      eligible.forEach((g, j) => (g.probabilityBest = p[j]));
    }
    const ranked = list.filter((g) => g.rank !== null).sort((a, b) => (a.rank as number) - (b.rank as number));
    const result: LayerTypeResult = {layerType, layers, groups: list, best: null};
    if (ranked.length === 0) result.reason = "no group has a value";
    else {
      const top = ranked[0];
      const second = ranked[1] ?? null;
      const overlap =
        second === null || top.lower === null || top.upper === null || second.lower === null || second.upper === null
          ? null
          : top.lower <= second.upper && second.lower <= top.upper;
      result.best = {
        key: top.key,
        estimate: top.estimate as number,
        probabilityBest: top.probabilityBest,
        runnerUp: second === null ? null : {key: second.key, estimate: second.estimate as number},
        intervalsOverlap: overlap
      };
      if (top.rank === second?.rank) result.reason = `tie between ${top.key} and ${second!.key}`;
      else if (top.probabilityBest === null) result.reason = eligible.length < 2 ? "fewer than 2 groups with n ≥ 2: no probability of being best" : `${top.key} has n < 2: no probability of being best`;
    }
    results.push(result);
    ++t;
  }
  return {kind: options.kind, reduce, steps: {from: options.steps?.from ?? null, to: options.steps?.to ?? null}, direction, statistic, layerTypes: results, unattributed: [...unattributed].sort(), bootstrap: boot, notes};
}
