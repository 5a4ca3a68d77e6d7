/**
 * ANAL-01 — formats compared: which number format trains best, per layer type too.
 *
 * One call computes the whole content of the Formats page and of the report's formats section:
 * - ranking: formats ranked by each metric (default val_loss and loss) under three selectors — final
 *   value, best value, and the value at a common step (runs stop at different steps, so "final"
 *   compares different amounts of training) — with a bootstrap CI over seeds, n per cell, every run
 *   without a value listed with its reason, failure counts, and the probability of being best;
 * - pairwise: every pair of formats on the primary metric/selector: difference with a bootstrap CI,
 *   Hedges' g, Cliff's delta, Welch and Mann-Whitney p, adjusted over all pairs;
 * - layer types: per-layer metrics (bit_stall/<param>, grad_norm_l2/<param>, overflow/<param>, …) by
 *   layer type × format, and the sweet-spot (best) candidate format per layer type with its certainty;
 * - quantization: run-level quantization metrics per format (bit-stall, overflow, underflow rates);
 * - runs: every run with its format, state, failure mode and values (crashed/failed runs included).
 */
import {indexHistory, lastLoggedStep, runAttribute, type RunRow} from "../compare/rows.js";
import {historyLength} from "../compare/history-columns.js";
import {runValuesIndexed, type RunValue, type ValueSelector} from "../compare/common-step.js";
import {rankGroups} from "../compare/rank-groups.js";
import {pairwiseComparisons} from "../compare/pairwise.js";
import {layerTypeProfile, type LayerTypeProfile, type StepReduction} from "../compare/layer-types.js";
import type {GroupStatistic} from "../compare/_summary.js";
import {classifyFailures, type FailureClassification} from "../failures/classify.js";
import {bootstrapCI} from "../stats/index.js";
import {
  attrCell, bootstrapOf, certaintyOf, col, fmtInterval, fmtNum, formatOf, pText, historyOf, joinWords, labelOf, meanOf, num,
  reduceSeries, resolveDesign, resolveStatistics, selectSubset, table,
  type Cell, type DesignOptions, type ResearchData, type ResearchTable, type ResolvedDesign, type ResolvedStatistics,
  type SeriesReduction, type StatisticsOptions, type Subset
} from "./common.js";

/** The three ways a run's value of a metric is read (see compare/common-step.ts). */
export type SelectorName = "final" | "best" | "step";
export const SELECTORS: readonly SelectorName[] = ["final", "best", "step"];

/** A per-layer metric family `<kind>/<parameter>`; direction null = descriptive (no sweet spot). */
export interface LayerKindSpec {
  kind: string;
  direction: "lower" | "higher" | null;
}

/** A run-level metric summarized per format (e.g. the max overflow rate of each run). */
export interface RunMetricSpec {
  metric: string;
  reduce: SeriesReduction;
}

export interface FormatsOptions extends DesignOptions, StatisticsOptions {
  /** Metrics to rank formats by (default ["val_loss", "loss"]). */
  metrics?: readonly string[];
  /** Which direction is better for `metrics` (default "lower"). */
  direction?: "lower" | "higher";
  /** The common step: a number, or "auto" (default) = the last step every compared run reached. */
  step?: number | "auto";
  /** Metric of the pairwise matrix and the headline (default metrics[0]). */
  primaryMetric?: string;
  /** Selector of the pairwise matrix and the headline (default "best"). */
  primarySelector?: SelectorName;
  /** Statistic over seeds (default "mean"). */
  statistic?: GroupStatistic;
  /** Per-layer metric families (default bit_stall (lower), overflow (lower), grad_norm_l2 (descriptive)). */
  layerKinds?: readonly LayerKindSpec[];
  /** How a run's per-layer series becomes one number (default "mean"). */
  layerReduce?: StepReduction;
  /** "common" (default): per-layer and run-level metrics over steps ≤ the common step (like for like); "all": every logged step. */
  window?: "common" | "all";
  /** Run-level metrics per format (default bit-stall mean, overflow max, underflow max, grad_norm mean). */
  runMetrics?: readonly RunMetricSpec[];
}

export const DEFAULT_LAYER_KINDS: readonly LayerKindSpec[] = [
  {kind: "bit_stall", direction: "lower"},
  {kind: "overflow", direction: "lower"},
  {kind: "grad_norm_l2", direction: null}
];

export const DEFAULT_RUN_METRICS: readonly RunMetricSpec[] = [
  {metric: "quantization/bit_stall_rate", reduce: "mean"},
  {metric: "quantization/overflow_rate", reduce: "max"},
  {metric: "quantization/underflow_rate", reduce: "max"},
  {metric: "grad_norm", reduce: "mean"}
];

export interface ResolvedFormatsOptions extends ResolvedDesign, ResolvedStatistics {
  metrics: string[];
  direction: "lower" | "higher";
  step: number | "auto";
  primaryMetric: string;
  primarySelector: SelectorName;
  statistic: GroupStatistic;
  layerKinds: LayerKindSpec[];
  layerReduce: StepReduction;
  window: "common" | "all";
  runMetrics: RunMetricSpec[];
}

export interface CommonStep {
  /** The step values "at a common step" are read at (null: no run has history). */
  step: number | null;
  how: "auto" | "given";
  /** For "auto": the runs whose last step set it. */
  limitedBy: string[];
}

export interface FormatsReport {
  kind: "formats";
  options: ResolvedFormatsOptions;
  subset: Subset;
  commonStep: CommonStep;
  tables: {
    /** metric × selector × format: rank, estimate, CI, n, failures, probability best. */
    ranking: ResearchTable;
    /** Unordered format pairs on the primary metric/selector (a before b in format order). */
    pairwise: ResearchTable;
    /** kind × layer type × format. */
    layerTypes: ResearchTable;
    /** kind × layer type: the sweet-spot candidate format and its certainty. */
    sweetSpots: ResearchTable;
    /** run-level metric × format. */
    quantization: ResearchTable;
    /** One row per compared run. */
    runs: ResearchTable;
  };
  /** Computed sentences for the write-up (plain text). */
  findings: string[];
  /** What could not be computed, and why; caveats. */
  notes: string[];
}

export function resolveFormatsOptions(o: FormatsOptions = {}): ResolvedFormatsOptions {
  const metrics = (o.metrics ?? ["val_loss", "loss"]).filter((m) => typeof m === "string" && m !== "");
  const ms = metrics.length > 0 ? [...new Set(metrics)] : ["val_loss"];
  const primaryMetric = typeof o.primaryMetric === "string" && o.primaryMetric !== "" ? o.primaryMetric : ms[0];
  if (!ms.includes(primaryMetric)) ms.unshift(primaryMetric);
  return {
    ...resolveDesign(o),
    ...resolveStatistics(o),
    metrics: ms,
    direction: o.direction === "higher" ? "higher" : "lower",
    step: typeof o.step === "number" && Number.isFinite(o.step) ? o.step : "auto",
    primaryMetric,
    primarySelector: o.primarySelector && SELECTORS.includes(o.primarySelector) ? o.primarySelector : "best",
    statistic: o.statistic === "median" || o.statistic === "iqm" ? o.statistic : "mean",
    layerKinds: [...(o.layerKinds ?? DEFAULT_LAYER_KINDS)],
    layerReduce: o.layerReduce ?? "mean",
    window: o.window === "all" ? "all" : "common",
    runMetrics: [...(o.runMetrics ?? DEFAULT_RUN_METRICS)]
  };
}

/** Smallest two-sided p an exact Mann-Whitney test can give with group sizes m and n (no ties): 2 / C(m + n, m). */
export function minExactMannWhitneyP(m: number, n: number): number {
  let c = 1;
  for (let i = 1; i <= Math.min(m, n); ++i) c = (c * (m + n - Math.min(m, n) + i)) / i;
  return Math.min(1, 2 / c);
}

export function selectorOf(name: SelectorName, step: number | null, direction: "lower" | "higher"): ValueSelector | null {
  if (name === "final") return {kind: "final"};
  if (name === "best") return {kind: "best", direction: direction === "lower" ? "min" : "max"};
  return step === null ? null : {kind: "step", step};
}

export function selectorText(name: SelectorName, step: number | null): string {
  return name === "final" ? "final" : name === "best" ? "best" : `at step ${step ?? "?"}`;
}

/** The last step every run reached (min over runs of its last logged step). */
export function autoCommonStep(runs: readonly RunRow[], index: ReturnType<typeof indexHistory>["index"]): CommonStep & {withoutHistory: string[]} {
  let step: number | null = null;
  let limitedBy: string[] = [];
  const withoutHistory: string[] = [];
  for (const run of runs) {
    const last = lastLoggedStep(index.get(run.run_id));
    if (last === null) {
      withoutHistory.push(run.run_id);
      continue;
    }
    if (step === null || last < step) {
      step = last;
      limitedBy = [run.run_id];
    } else if (last === step) limitedBy.push(run.run_id);
  }
  return {step, how: "auto", limitedBy, withoutHistory};
}

const nameOf = (runs: readonly RunRow[], id: string): string => {
  const r = runs.find((x) => x.run_id === id);
  return typeof r?.name === "string" ? r.name : id;
};

function excludedText(list: readonly {run_id: string; name: string | null; reason: string}[]): Cell {
  if (list.length === 0) return null;
  return list.map((e) => `${e.name ?? e.run_id}: ${e.reason}`).join("; ");
}

const RANKING_COLUMNS = [
  col("metric", "metric", "text"),
  col("selector", "value", "text", "final = last logged value; best = min (or max) over logged values; step = last value at or before the common step"),
  col("step", "step", "integer", "the common step (selector step only)"),
  col("format", "format", "text"),
  col("reference", "reference", "boolean", "a baseline format, not a candidate"),
  col("rank", "rank", "integer", "1 = best; equal estimates share a rank"),
  col("estimate", "estimate", "number", "statistic over the runs (seeds) with a value"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("n", "n", "integer", "runs with a value"),
  col("n_runs", "runs", "integer", "runs of the format in the comparison"),
  col("n_failed", "failed", "integer", "runs whose failure mode is not none"),
  col("n_excluded", "no value", "integer"),
  col("excluded", "runs without a value", "text"),
  col("prob_best", "P(best)", "proportion", "share of joint bootstrap resamples in which this format is best"),
  col("note", "note", "text")
];

const PAIRWISE_COLUMNS = [
  col("metric", "metric", "text"),
  col("selector", "value", "text"),
  col("format_a", "a", "text"),
  col("format_b", "b", "text"),
  col("n_a", "n a", "integer"),
  col("n_b", "n b", "integer"),
  col("mean_a", "mean a", "number"),
  col("mean_b", "mean b", "number"),
  col("difference", "a − b", "number", "mean(a) − mean(b)"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("hedges_g", "Hedges g", "number", "positive when a > b"),
  col("cliffs_delta", "Cliff δ", "number", "positive when a tends to be larger"),
  col("welch_p", "Welch p", "p"),
  col("welch_p_adj", "Welch p (adj.)", "p"),
  col("mw_p", "Mann-Whitney p", "p"),
  col("mw_p_adj", "M-W p (adj.)", "p"),
  col("note", "note", "text")
];

const LAYER_COLUMNS = [
  col("kind", "metric", "text", "per-layer metric family <kind>/<parameter>"),
  col("layer_type", "layer type", "text"),
  col("layers", "layers", "integer", "parameter tensors of this type"),
  col("format", "format", "text"),
  col("reference", "reference", "boolean"),
  col("n", "n", "integer", "runs with a value"),
  col("estimate", "estimate", "number", "mean over runs of the per-run mean over layers of the reduced series"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("rank", "rank", "integer", "among candidate formats (null for reference formats and descriptive metrics)"),
  col("prob_best", "P(best)", "proportion", "among candidate formats"),
  col("n_excluded", "no value", "integer"),
  col("note", "note", "text")
];

const SWEET_COLUMNS = [
  col("kind", "metric", "text"),
  col("layer_type", "layer type", "text"),
  col("direction", "better", "text"),
  col("sweet_spot", "sweet spot", "text", "the best candidate format by the estimate"),
  col("estimate", "estimate", "number"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("n", "n", "integer"),
  col("runner_up", "runner-up", "text"),
  col("runner_up_estimate", "runner-up estimate", "number"),
  col("prob_best", "P(best)", "proportion"),
  col("intervals_overlap", "CIs overlap", "boolean"),
  col("certainty", "certainty", "text", "clear: P ≥ 0.95 and no CI overlap; likely: P ≥ 0.8; uncertain: below"),
  col("note", "note", "text")
];

const QUANT_COLUMNS = [
  col("metric", "metric", "text"),
  col("reduce", "per run", "text", "how each run's series was reduced"),
  col("format", "format", "text"),
  col("reference", "reference", "boolean"),
  col("n", "n", "integer"),
  col("estimate", "mean", "number", "mean over runs"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("min", "min", "number"),
  col("max", "max", "number"),
  col("n_excluded", "no value", "integer"),
  col("note", "note", "text")
];

const RUN_COLUMNS = [
  col("run_id", "run id", "text"),
  col("name", "run", "text"),
  col("format", "format", "text"),
  col("arm", "arm", "text", "value of the arm attribute (optimizer)"),
  col("seed", "seed", "text"),
  col("state", "state", "text"),
  col("mode", "failure mode", "text"),
  col("collapse_step", "collapse step", "integer"),
  col("last_step", "last step", "integer"),
  col("final", "final", "number", "primary metric: last logged value"),
  col("best", "best", "number", "primary metric: best logged value"),
  col("at_step", "at step", "number", "primary metric at the common step"),
  col("status", "status", "text", "why a value is missing (stopped before the step, not logged, non-finite)")
];

/**
 * Formats compared (ANAL-01). Defaults work on the sample (fp8_format, optimizer, lr held at its most
 * common value 0.003); every key is an option. Never throws on data problems: what cannot be
 * computed is null in the tables and explained in `notes`.
 */
export function formatsReport(data: ResearchData, options: FormatsOptions = {}): FormatsReport {
  const o = resolveFormatsOptions(options);
  const runsIn = Array.isArray(data?.runs) ? data.runs : [];
  const historyIn = historyOf(data?.history, null);
  const subset = selectSubset(runsIn, o);
  const notes = [...subset.notes];
  const runs = subset.runs;
  const ids = runs.map((r) => r.run_id);
  const history = historyOf(historyIn, ids);
  const {index, skippedRows} = indexHistory(history);
  if (skippedRows > 0) notes.push(`${skippedRows} history row(s) without a numeric step or value were ignored`);

  let commonStep: CommonStep;
  if (o.step === "auto") {
    const auto = autoCommonStep(runs, index);
    commonStep = {step: auto.step, how: "auto", limitedBy: auto.limitedBy};
    if (auto.withoutHistory.length > 0) notes.push(`${auto.withoutHistory.length} run(s) have no history rows and do not limit the common step: ${auto.withoutHistory.map((id) => nameOf(runs, id)).join(", ")}`);
  } else commonStep = {step: o.step, how: "given", limitedBy: []};
  const step = commonStep.step;
  if (runs.length > 0 && step === null) notes.push("no run has history rows: no common step, no per-step comparison");

  const classes: FailureClassification[] = classifyFailures(runs, index, {reports: data?.reports ?? undefined});
  const modeById = new Map(classes.map((c) => [c.run_id, c]));
  const isRef = (f: string) => o.referenceFormats.includes(f);

  // --- ranking
  const rankingRows: Record<string, Cell>[] = [];
  const valuesBy = new Map<string, RunValue[]>();
  o.metrics.forEach((metric, mi) => {
    const logged = runs.some((r) => index.get(r.run_id)?.has(metric));
    if (!logged && runs.length > 0) notes.push(`metric "${metric}" is not logged by any compared run: no ranking by it`);
    SELECTORS.forEach((sel, si) => {
      const selector = selectorOf(sel, step, o.direction);
      if (selector === null) return;
      const values = runValuesIndexed(runs, index, metric, selector);
      valuesBy.set(`${metric}\u0000${sel}`, values);
      if (!logged) return;
      const ranked = rankGroups(values, runs, {
        groupBy: o.formatKey, direction: o.direction, statistic: o.statistic,
        bootstrap: bootstrapOf(o, 100 * mi + 10 * si), classifications: classes
      });
      for (const g of ranked.groups) {
        const note = [g.reason, g.note].filter(Boolean).join("; ");
        rankingRows.push({
          metric, selector: sel, step: sel === "step" ? step : null, format: g.key, reference: isRef(g.key),
          rank: g.rank, estimate: num(g.estimate), ci_lower: num(g.lower), ci_upper: num(g.upper),
          n: g.n, n_runs: g.nRuns, n_failed: g.failed ?? null, n_excluded: g.excluded.length, excluded: excludedText(g.excluded),
          prob_best: num(g.probabilityBest), note: note === "" ? null : note
        });
      }
    });
  });

  // --- pairwise on the primary metric / selector
  const pairwiseRows: Record<string, Cell>[] = [];
  const primaryValues = valuesBy.get(`${o.primaryMetric}\u0000${o.primarySelector}`);
  if (primaryValues === undefined) notes.push(`no pairwise comparison: the selector "${o.primarySelector}" has no common step`);
  else if (subset.formats.length < 2) notes.push(`no pairwise comparison: ${subset.formats.length} format(s) in the comparison`);
  else {
    const pw = pairwiseComparisons(primaryValues, runs, {groupBy: o.formatKey, adjust: o.adjust, bootstrap: bootstrapOf(o, 5000), order: subset.formats});
    const meanOfGroup = new Map(pw.groups.map((g) => [g.key, g.mean]));
    for (const p of pw.pairs) {
      pairwiseRows.push({
        metric: o.primaryMetric, selector: o.primarySelector, format_a: p.a, format_b: p.b, n_a: p.nA, n_b: p.nB,
        mean_a: num(meanOfGroup.get(p.a)), mean_b: num(meanOfGroup.get(p.b)), difference: num(p.difference),
        ci_lower: num(p.lower), ci_upper: num(p.upper), hedges_g: num(p.hedgesG), cliffs_delta: num(p.cliffsDelta),
        welch_p: num(p.welchP), welch_p_adj: num(p.welchPAdjusted), mw_p: num(p.mannWhitneyP), mw_p_adj: num(p.mannWhitneyPAdjusted),
        note: p.reasons.length > 0 ? p.reasons.join("; ") : null
      });
    }
    const smallest = pw.pairs.filter((p) => p.nA > 0 && p.nB > 0).reduce((m, p) => Math.max(m, minExactMannWhitneyP(p.nA, p.nB)), 0);
    notes.push(
      `pairwise p-values are adjusted over ${pw.testsAdjusted.welch} pairs (${o.adjust === "holm" ? "Holm" : "Benjamini-Hochberg"}), separately for Welch and Mann-Whitney` +
        (smallest > 0 ? `; with these group sizes the smallest possible exact two-sided Mann-Whitney p is ${fmtNum(smallest, 2)} for some pairs` : "")
    );
  }

  // --- layer types
  const windowTo = o.window === "common" && step !== null ? step : undefined;
  const layerRows: Record<string, Cell>[] = [];
  const sweetRows: Record<string, Cell>[] = [];
  const candRuns = runs.filter((r) => !isRef(formatOf(r, o.formatKey)));
  const refRuns = runs.filter((r) => isRef(formatOf(r, o.formatKey)));
  o.layerKinds.forEach((spec, ki) => {
    const prefix = `${spec.kind}/`;
    const kindHistory = historyOf(history, null, (m) => m.startsWith(prefix));
    if (historyLength(kindHistory) === 0) {
      notes.push(`no per-layer "${spec.kind}/<parameter>" metric is logged: ${spec.kind} by layer type cannot be computed`);
      return;
    }
    const profileOf = (subRuns: RunRow[], offset: number): LayerTypeProfile | null =>
      subRuns.length === 0 ? null : layerTypeProfile(subRuns, kindHistory, {
        kind: spec.kind, groupBy: o.formatKey, direction: spec.direction ?? "lower", reduce: o.layerReduce,
        steps: windowTo === undefined ? undefined : {to: windowTo}, statistic: o.statistic, bootstrap: bootstrapOf(o, 20_000 + 1000 * ki + offset)
      });
    const cand = profileOf(candRuns, 0);
    const ref = profileOf(refRuns, 500);
    const unattributed = cand?.unattributed ?? ref?.unattributed ?? [];
    if (unattributed.length > 0) notes.push(`${unattributed.length} ${spec.kind} metric(s) name no recognisable layer and are not attributed: ${unattributed.slice(0, 5).join(", ")}${unattributed.length > 5 ? ", …" : ""}`);
    const types = [...new Set([...(cand?.layerTypes ?? []), ...(ref?.layerTypes ?? [])].map((t) => t.layerType))];
    for (const layerType of types) {
      const ct = cand?.layerTypes.find((t) => t.layerType === layerType);
      const rt = ref?.layerTypes.find((t) => t.layerType === layerType);
      const layers = new Set([...(ct?.layers ?? []), ...(rt?.layers ?? [])]);
      const groups = [...(rt?.groups ?? []).map((g) => ({g, reference: true})), ...(ct?.groups ?? []).map((g) => ({g, reference: false}))];
      for (const {g, reference} of groups) {
        const ranked = !reference && spec.direction !== null;
        const noteParts = [g.reason, g.excluded.length > 0 ? g.excluded.map((e) => `${nameOf(runs, e.run_id)}: ${e.reason}`).join("; ") : null].filter(Boolean);
        layerRows.push({
          kind: spec.kind, layer_type: layerType, layers: layers.size, format: g.key, reference,
          n: g.n, estimate: num(g.estimate), ci_lower: num(g.lower), ci_upper: num(g.upper),
          rank: ranked ? g.rank : null, prob_best: ranked ? num(g.probabilityBest) : null,
          n_excluded: g.excluded.length, note: noteParts.length > 0 ? noteParts.join("; ") : null
        });
      }
      if (spec.direction === null) continue;
      const best = ct?.best ?? null;
      const top = best === null ? null : ct!.groups.find((g) => g.key === best.key) ?? null;
      const noteParts: string[] = [];
      if (ct === undefined) noteParts.push(candRuns.length === 0 ? "no candidate (non-reference) format in the comparison" : `no candidate format logged ${spec.kind} for a ${layerType} layer`);
      if (ct?.reason) noteParts.push(ct.reason);
      sweetRows.push({
        kind: spec.kind, layer_type: layerType, direction: spec.direction,
        sweet_spot: best?.key ?? null, estimate: num(best?.estimate), ci_lower: num(top?.lower), ci_upper: num(top?.upper), n: top?.n ?? null,
        runner_up: best?.runnerUp?.key ?? null, runner_up_estimate: num(best?.runnerUp?.estimate),
        prob_best: num(best?.probabilityBest), intervals_overlap: best?.intervalsOverlap ?? null,
        certainty: best === null ? null : certaintyOf(best.probabilityBest, best.intervalsOverlap),
        note: noteParts.length > 0 ? noteParts.join("; ") : null
      });
    }
  });
  if (o.layerReduce === "mean") {
    notes.push(
      windowTo === undefined
        ? "per-layer and run-level means are over every logged step: runs that stopped early are averaged over fewer, earlier steps"
        : `per-layer and run-level metrics use steps ≤ ${windowTo} (the common step), so every run is summarized over the same steps`
    );
  }
  notes.push("layers of a type are averaged unweighted (each tensor counts once, whatever its size)");

  // --- run-level quantization metrics per format
  const quantRows: Record<string, Cell>[] = [];
  o.runMetrics.forEach((spec, qi) => {
    const logged = runs.some((r) => index.get(r.run_id)?.has(spec.metric));
    if (!logged) {
      if (runs.length > 0) notes.push(`run-level metric "${spec.metric}" is not logged: not summarized`);
      return;
    }
    subset.formats.forEach((format, fi) => {
      const members = runs.filter((r) => formatOf(r, o.formatKey) === format);
      const xs: number[] = [];
      const why: string[] = [];
      for (const r of members) {
        const red = reduceSeries(index.get(r.run_id)?.get(spec.metric), spec.reduce, -Infinity, windowTo ?? Infinity);
        if (red.value === null) why.push(`${nameOf(runs, r.run_id)}: no finite value`);
        else xs.push(red.value);
      }
      let lower: number | null = null;
      let upper: number | null = null;
      let note: string | null = why.length > 0 ? why.join("; ") : null;
      if (xs.length >= 2) {
        const ci = bootstrapCI(xs, (s) => meanOf(Array.from(s)), {...bootstrapOf(o, 40_000 + 100 * qi + fi)});
        lower = num(ci.lower);
        upper = num(ci.upper);
        if (lower === null && ci.reason) note = [note, ci.reason].filter(Boolean).join("; ");
      } else if (xs.length === 1) note = [note, "n = 1: no CI"].filter(Boolean).join("; ");
      quantRows.push({
        metric: spec.metric, reduce: spec.reduce, format, reference: isRef(format), n: xs.length,
        estimate: xs.length > 0 ? num(meanOf(xs)) : null, ci_lower: lower, ci_upper: upper,
        min: xs.length > 0 ? Math.min(...xs) : null, max: xs.length > 0 ? Math.max(...xs) : null,
        n_excluded: members.length - xs.length, note
      });
    });
  });

  // --- runs
  const get = (sel: SelectorName) => new Map((valuesBy.get(`${o.primaryMetric}\u0000${sel}`) ?? []).map((v) => [v.run_id, v]));
  const finals = get("final");
  const bests = get("best");
  const atStep = get("step");
  const runRows: Record<string, Cell>[] = runs.map((run) => {
    const c = modeById.get(run.run_id);
    const f = finals.get(run.run_id);
    const b = bests.get(run.run_id);
    const s = atStep.get(run.run_id);
    const statuses = [f, b, s].filter((v): v is RunValue => v !== undefined && v.status !== "ok").map((v) => v.reason ?? v.status);
    return {
      run_id: run.run_id, name: typeof run.name === "string" ? run.name : null, format: formatOf(run, o.formatKey),
      arm: attrCell(runAttribute(run, o.armKey)) === null ? null : labelOf(runAttribute(run, o.armKey)),
      seed: o.seedKey === null || runAttribute(run, o.seedKey) === undefined ? null : labelOf(runAttribute(run, o.seedKey)),
      state: typeof run.state === "string" ? run.state : null, mode: c?.mode ?? null, collapse_step: c?.collapseStep ?? null,
      last_step: c?.lastStep ?? null, final: num(f?.value), best: num(b?.value), at_step: num(s?.value),
      status: statuses.length > 0 ? [...new Set(statuses)].join("; ") : null
    };
  });

  // --- findings
  const findings: string[] = [];
  const primaryRows = rankingRows.filter((r) => r.metric === o.primaryMetric && r.selector === o.primarySelector);
  const selWords = selectorText(o.primarySelector, step);
  if (primaryRows.length > 0) {
    const top = primaryRows.filter((r) => r.rank === 1);
    const candTop = primaryRows.filter((r) => r.reference === false && r.rank !== null).sort((a, b) => (a.rank as number) - (b.rank as number))[0];
    if (top.length > 0) {
      findings.push(
        `On ${selWords} ${o.primaryMetric} (${o.statistic} over seeds, ${o.direction} is better), the best format is ${joinWords(top.map((r) => String(r.format)))}: ` +
          top.map((r) => `${fmtNum(r.estimate as number)} ${fmtInterval(r.ci_lower as number | null, r.ci_upper as number | null)} (n = ${r.n}, P(best) ${r.prob_best === null ? "n/a" : fmtNum(r.prob_best as number, 2)})`).join("; ") + "."
      );
    }
    if (candTop && top.every((r) => r.reference === true)) {
      findings.push(`Among the candidate formats (not ${o.referenceFormats.join(", ")}), ${candTop.format} ranks first: ${fmtNum(candTop.estimate as number)} ${fmtInterval(candTop.ci_lower as number | null, candTop.ci_upper as number | null)} (n = ${candTop.n}).`);
    }
    const failed = primaryRows.filter((r) => (r.n_failed as number | null) !== null && (r.n_failed as number) > 0);
    if (failed.length > 0) {
      findings.push(`Runs that failed or stopped early are kept in these numbers: ${failed.map((r) => `${r.format} ${r.n_failed}/${r.n_runs}`).join(", ")}.`);
    }
  }
  if (step !== null) {
    const stepRows = rankingRows.filter((r) => r.metric === o.primaryMetric && r.selector === "step");
    const stepTop = stepRows.find((r) => r.rank === 1);
    if (stepTop) {
      findings.push(
        `At the common step ${step}${commonStep.how === "auto" ? ` (the last step every compared run reached${commonStep.limitedBy.length > 0 ? `, set by ${commonStep.limitedBy.slice(0, 3).map((id) => nameOf(runs, id)).join(", ")}${commonStep.limitedBy.length > 3 ? ", …" : ""}` : ""})` : ""}, ${stepTop.format} leads on ${o.primaryMetric} with ${fmtNum(stepTop.estimate as number)} (n = ${stepTop.n}).`
      );
    }
  }
  const significant = pairwiseRows
    .filter((r) => r.welch_p_adj !== null && (r.welch_p_adj as number) < 0.05)
    .sort((a, b) => (a.welch_p_adj as number) - (b.welch_p_adj as number) || Math.abs(b.difference as number) - Math.abs(a.difference as number));
  if (pairwiseRows.length > 0) {
    findings.push(
      `${significant.length} of ${pairwiseRows.length} format pairs differ on ${selWords} ${o.primaryMetric} at adjusted Welch p < 0.05` +
        (significant.length > 0 ? ` (e.g. ${significant.slice(0, 3).map((r) => `${r.format_a} vs ${r.format_b}: ${fmtNum(r.difference as number)}, ${pText(r.welch_p_adj as number, "p_adj")}`).join("; ")}).` : ".")
    );
  }
  const sweetKind = o.layerKinds.find((k) => k.direction !== null)?.kind;
  const sweet = sweetRows.filter((r) => r.sweet_spot !== null && r.kind === sweetKind);
  if (sweet.length > 0) {
    findings.push(
      `Sweet spot by layer type (lowest ${sweetKind} among the candidate formats): ` +
        sweet.map((s) => `${s.layer_type} ${s.sweet_spot} (${fmtNum(s.estimate as number, 3)} vs ${s.runner_up ?? "none"} ${s.runner_up_estimate === null ? "" : fmtNum(s.runner_up_estimate as number, 3)}; P(best) ${s.prob_best === null ? "n/a" : fmtNum(s.prob_best as number, 2)}, ${s.certainty})`).join("; ") + "."
    );
  }

  return {
    kind: "formats",
    options: o,
    subset,
    commonStep,
    tables: {
      ranking: table("ranking", "Formats ranked", `Formats ranked by ${o.metrics.join(", ")} (final, best, at step ${step ?? "n/a"}); ${o.statistic} over seeds with ${Math.round(o.confidence * 100)}% ${o.ciMethod} bootstrap CIs (${o.resamples} resamples).`, RANKING_COLUMNS, rankingRows),
      pairwise: table("pairwise", "Pairwise comparisons", `Every pair of formats on ${selWords} ${o.primaryMetric}; p adjusted (${o.adjust}) over all pairs.`, PAIRWISE_COLUMNS, pairwiseRows),
      layerTypes: table("layer_types", "By layer type", `Per-layer metrics by layer type × format (${o.layerReduce} per layer${windowTo === undefined ? "" : `, steps ≤ ${windowTo}`}).`, LAYER_COLUMNS, layerRows),
      sweetSpots: table("sweet_spots", "Sweet spot per layer type", "The best candidate format per layer type and how certain that is.", SWEET_COLUMNS, sweetRows),
      quantization: table("quantization", "Quantization metrics per format", `Run-level metrics per format${windowTo === undefined ? "" : ` over steps ≤ ${windowTo}`}: each run reduced, then the mean over runs with a bootstrap CI.`, QUANT_COLUMNS, quantRows),
      runs: table("runs", "Runs", `Every compared run with its failure mode and ${o.primaryMetric}.`, RUN_COLUMNS, runRows)
    },
    findings,
    notes
  };
}
