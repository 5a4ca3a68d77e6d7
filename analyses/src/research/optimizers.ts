/**
 * ANAL-03 — the two-arm factor (manifold-aware vs standard AdamW by default) within each format.
 *
 * One call computes the Optimizers page and the report's optimizer section:
 * - effects: per format, the improvement of the treatment over the baseline in % of the baseline
 *   mean with a bootstrap CI, an effect size (Hedges' g, or g_z when paired), a t-test with p adjusted
 *   over formats, the seed counts of each arm, and whether runs were paired by seed (the design
 *   pairs them when both arms hold the same seeds; see compare/optimizer-effect.ts);
 * - pairs: the per-seed differences behind the paired strata;
 * - across: the same effect at every value of the attributes held fixed (e.g. each learning rate),
 *   so a result at one lr is never read as general;
 * - curves: IQM-per-step curves of each format × arm with bootstrap CI bands (runs that stopped are
 *   counted per point, survivorship stated).
 */
import {runAttribute, type RunRow} from "../compare/rows.js";
import {runValues, type RunValue} from "../compare/common-step.js";
import {optimizerEffect, type OptimizerEffectResult, type OptimizerEffectStratum} from "../compare/optimizer-effect.js";
import {iqmCurves} from "../curves/iqm-curve.js";
import {indexHistory} from "../compare/rows.js";
import {historyLength} from "../compare/history-columns.js";
import {autoCommonStep, selectorOf, selectorText, SELECTORS, type CommonStep, type SelectorName} from "./formats.js";
import {
  bootstrapOf, col, compareLabels, fmtInterval, fmtNum, fmtPct, formatOf, pText, historyOf, joinWords, labelOf, num, resolveDesign, resolveStatistics, selectSubset, table,
  type Cell, type DesignOptions, type ResearchData, type ResearchTable, type ResolvedDesign, type ResolvedStatistics, type StatisticsOptions, type Subset
} from "./common.js";

export interface OptimizersOptions extends DesignOptions, StatisticsOptions {
  /** The outcome metric (default "val_loss"). */
  metric?: string;
  /** Which value of it represents a run (default "best"). */
  selector?: SelectorName;
  /** Common step for selector "step": a number or "auto" (default: the last step every compared run reached). */
  step?: number | "auto";
  /** Which direction of the metric is better (default "lower"). */
  direction?: "lower" | "higher";
  /** Metric of the IQM curves (default: `metric`). */
  curveMetric?: string;
  /** Runs that stopped: left out of later curve points (default "exclude") or carried forward ("carry_last"). */
  curveStopped?: "exclude" | "carry_last";
  /** Compute CI bands of the curves (default true; false is much faster). */
  curveBands?: boolean;
  /** Also compute the effect at every value of the fixed attributes (default true). */
  across?: boolean;
  /** Compute the IQM curves at all (default true). */
  curves?: boolean;
}

export interface ResolvedOptimizersOptions extends ResolvedDesign, ResolvedStatistics {
  metric: string;
  selector: SelectorName;
  step: number | "auto";
  direction: "lower" | "higher";
  curveMetric: string;
  curveStopped: "exclude" | "carry_last";
  curveBands: boolean;
  across: boolean;
  curves: boolean;
}

export interface OptimizersReport {
  kind: "optimizers";
  options: ResolvedOptimizersOptions;
  subset: Subset;
  commonStep: CommonStep;
  /** The raw effect result of the compared subset (for callers that need more than the tables). */
  effect: OptimizerEffectResult | null;
  tables: {
    /** One row per format: improvement %, CI, effect size, test, adjusted p, seeds. */
    effects: ResearchTable;
    /** One row per seed pair of the paired formats. */
    pairs: ResearchTable;
    /** The effect at every value of the fixed attributes (e.g. per lr) × format. */
    across: ResearchTable;
    /** IQM curve points: format × arm × step. */
    curves: ResearchTable;
  };
  findings: string[];
  notes: string[];
}

export function resolveOptimizersOptions(o: OptimizersOptions = {}): ResolvedOptimizersOptions {
  const metric = typeof o.metric === "string" && o.metric !== "" ? o.metric : "val_loss";
  return {
    ...resolveDesign(o),
    ...resolveStatistics(o),
    metric,
    selector: o.selector && SELECTORS.includes(o.selector) ? o.selector : "best",
    step: typeof o.step === "number" && Number.isFinite(o.step) ? o.step : "auto",
    direction: o.direction === "higher" ? "higher" : "lower",
    curveMetric: typeof o.curveMetric === "string" && o.curveMetric !== "" ? o.curveMetric : metric,
    curveStopped: o.curveStopped === "carry_last" ? "carry_last" : "exclude",
    curveBands: o.curveBands !== false,
    across: o.across !== false,
    curves: o.curves !== false
  };
}

export const EFFECT_COLUMNS = [
  col("stratum", "held fixed", "text", "attribute values held fixed for this comparison"),
  col("format", "format", "text"),
  col("reference", "reference", "boolean"),
  col("n_baseline", "n baseline", "integer", "baseline runs with a value"),
  col("n_treatment", "n treatment", "integer", "treatment runs with a value"),
  col("seeds_baseline", "seeds baseline", "text"),
  col("seeds_treatment", "seeds treatment", "text"),
  col("pairing", "pairing", "text", "paired_by_seed or unpaired"),
  col("n_pairs", "pairs", "integer"),
  col("baseline_mean", "baseline mean", "number"),
  col("treatment_mean", "treatment mean", "number"),
  col("improvement_pct", "improvement %", "percent", "100·(baseline − treatment)/|baseline| for lower-is-better (sign flipped for higher-is-better): positive = treatment better"),
  col("ci_lower", "CI low %", "percent"),
  col("ci_upper", "CI high %", "percent"),
  col("effect_size_kind", "effect size", "text", "hedges_gz (paired) or hedges_g"),
  col("effect_size", "g", "number", "positive = treatment better"),
  col("test", "test", "text", "paired_t or welch_t (two-sided)"),
  col("statistic", "t", "number"),
  col("df", "df", "number"),
  col("p", "p", "p"),
  col("p_adj", "p (adj.)", "p", "adjusted over the formats of this table"),
  col("n_excluded", "no value", "integer"),
  col("note", "note", "text")
];

const PAIR_COLUMNS = [
  col("stratum", "held fixed", "text"),
  col("format", "format", "text"),
  col("seed", "seed", "text"),
  col("baseline_run", "baseline run", "text"),
  col("treatment_run", "treatment run", "text"),
  col("baseline_value", "baseline", "number"),
  col("treatment_value", "treatment", "number"),
  col("difference", "difference", "number", "baseline − treatment (lower-is-better): positive = treatment better"),
  col("improvement_pct", "improvement %", "percent")
];

const CURVE_COLUMNS = [
  col("format", "format", "text"),
  col("arm", "arm", "text"),
  col("step", "step", "integer"),
  col("n", "n", "integer", "runs with a finite value logged at this step"),
  col("iqm", "IQM", "number", "interquartile mean over runs (plain mean for n < 4)"),
  col("ci_lower", "CI low", "number"),
  col("ci_upper", "CI high", "number"),
  col("stopped", "stopped", "integer", "runs of the group that had stopped before this step"),
  col("non_finite", "non-finite", "integer")
];

const seedText = (seeds: unknown[]): string => seeds.map((s) => labelOf(s)).sort(compareLabels).join(", ");

/** One effects-table row for a stratum of optimizerEffect. */
export function effectRow(s: OptimizerEffectStratum, stratum: string, format: string, reference: boolean): Record<string, Cell> {
  const excluded = [...s.baseline.excluded, ...s.treatment.excluded];
  const notes = [...s.reasons];
  if (s.pairing === "unpaired") notes.push(`unpaired: ${s.pairingReason}`);
  if (s.effectSize.reason) notes.push(`effect size: ${s.effectSize.reason}`);
  if (s.test.reason) notes.push(`test: ${s.test.reason}`);
  if (excluded.length > 0) notes.push(`without a value: ${excluded.map((e) => `${e.name ?? e.run_id} (${e.reason})`).join(", ")}`);
  return {
    stratum, format, reference,
    n_baseline: s.baseline.n, n_treatment: s.treatment.n,
    seeds_baseline: seedText(s.baseline.seeds), seeds_treatment: seedText(s.treatment.seeds),
    pairing: s.pairing, n_pairs: s.nPairs,
    baseline_mean: num(s.baseline.mean), treatment_mean: num(s.treatment.mean),
    improvement_pct: num(s.improvementPercent), ci_lower: num(s.lower), ci_upper: num(s.upper),
    effect_size_kind: s.effectSize.kind, effect_size: num(s.effectSize.g),
    test: s.test.name, statistic: num(s.test.statistic), df: num(s.test.df), p: num(s.test.pValue), p_adj: num(s.test.pAdjusted),
    n_excluded: excluded.length, note: notes.length > 0 ? notes.join("; ") : null
  };
}

function formatOfStratum(s: OptimizerEffectStratum, formatKey: string): string {
  return labelOf(s.values[formatKey]);
}

/** Text of held-fixed values: "lr = 0.003" ("all runs" when none). */
export function stratumText(fixed: Record<string, Cell>): string {
  const e = Object.entries(fixed);
  return e.length === 0 ? "all runs" : e.map(([k, v]) => `${k} = ${labelOf(v)}`).join(", ");
}

/**
 * The two-arm comparison per format (ANAL-03). Defaults: optimizer adamw (baseline) vs
 * manifold_adamw (treatment), best val_loss, paired by seed, within the most common lr; `across`
 * repeats it at every lr. Never throws on data problems; `notes` say what could not be computed.
 */
export function optimizersReport(data: ResearchData, options: OptimizersOptions = {}): OptimizersReport {
  const o = resolveOptimizersOptions(options);
  const runsIn = Array.isArray(data?.runs) ? data.runs : [];
  const historyIn = historyOf(data?.history, null);
  const subset = selectSubset(runsIn, o);
  const notes = [...subset.notes];
  const runs = subset.runs;
  const isRef = (f: string) => o.referenceFormats.includes(f);
  const findings: string[] = [];

  // Which runs carry the arm values at all?
  const armValues = new Set(runsIn.map((r) => (r && typeof r === "object" ? runAttribute(r, o.armKey) : undefined)).filter((v) => v !== undefined).map(labelOf));
  const hasArms = armValues.has(o.baseline) && armValues.has(o.treatment);
  if (runsIn.length > 0 && !hasArms) {
    notes.push(
      armValues.size === 0
        ? `no run has the attribute "${o.armKey}": the ${o.baseline} vs ${o.treatment} comparison cannot be made (set armKey, baseline and treatment)`
        : `"${o.armKey}" takes the values ${[...armValues].slice(0, 8).join(", ")}, not both ${o.baseline} and ${o.treatment}: the comparison cannot be made (set baseline and treatment)`
    );
  }

  // The common step (selector "step") over the compared runs.
  const subHistory = historyOf(historyIn, runs.map((r) => r.run_id));
  const {index} = indexHistory(subHistory);
  let commonStep: CommonStep;
  if (o.step === "auto") {
    const a = autoCommonStep(runs, index);
    commonStep = {step: a.step, how: "auto", limitedBy: a.limitedBy};
  } else commonStep = {step: o.step, how: "given", limitedBy: []};
  const selector = selectorOf(o.selector, commonStep.step, o.direction);
  if (selector === null) notes.push("selector \"step\" needs a common step and there is none (no history): no effect computed");
  if (runs.length > 0 && !runs.some((r) => index.get(r.run_id)?.has(o.metric))) notes.push(`metric "${o.metric}" is not logged by any compared run: no effect can be computed`);

  const effectFor = (subRuns: RunRow[], hist: typeof subHistory, offset: number): OptimizerEffectResult | null => {
    if (selector === null || subRuns.length === 0 || !hasArms) return null;
    const values: RunValue[] = runValues(subRuns, hist, o.metric, selector);
    return optimizerEffect(values, subRuns, {
      arm: o.armKey, baseline: o.baseline, treatment: o.treatment, by: o.formatKey, pairBy: o.seedKey,
      direction: o.direction, adjust: o.adjust, bootstrap: bootstrapOf(o, offset)
    });
  };

  const stratum = stratumText(subset.fixed);
  const effect = effectFor(runs, subHistory, 0);
  const effectRows: Record<string, Cell>[] = [];
  const pairRows: Record<string, Cell>[] = [];
  const order = new Map(subset.formats.map((f, i) => [f, i]));
  const sortStrata = (list: OptimizerEffectStratum[]) => [...list].sort((a, b) => (order.get(formatOfStratum(a, o.formatKey)) ?? 1e9) - (order.get(formatOfStratum(b, o.formatKey)) ?? 1e9));
  if (effect !== null) {
    for (const s of sortStrata(effect.strata)) {
      const f = formatOfStratum(s, o.formatKey);
      effectRows.push(effectRow(s, stratum, f, isRef(f)));
      for (const p of [...s.pairs].sort((x, y) => compareLabels(labelOf(x.seed), labelOf(y.seed)))) {
        pairRows.push({
          stratum, format: f, seed: labelOf(p.seed), baseline_run: p.baselineRunId, treatment_run: p.treatmentRunId,
          baseline_value: num(p.baseline), treatment_value: num(p.treatment), difference: num(p.difference),
          improvement_pct: p.baseline !== 0 ? num((100 * p.difference) / Math.abs(p.baseline)) : null
        });
      }
    }
    const ignored = effect.ignored.filter((x) => x.reason !== "not in runs");
    if (ignored.length > 0) notes.push(`${ignored.length} compared run(s) are in neither arm and are not used: ${ignored.slice(0, 6).map((x) => `${x.run_id} (${x.reason})`).join(", ")}${ignored.length > 6 ? ", …" : ""}`);
    notes.push(`p-values adjusted over the ${effect.testsAdjusted} formats with a test (${o.adjust === "holm" ? "Holm" : "Benjamini-Hochberg"}); bootstrap CIs over 2–3 seeds understate the uncertainty`);
  }

  // The same effect at every value of the held-fixed attributes.
  const acrossRows: Record<string, Cell>[] = [];
  const fixedKeys = Object.keys(subset.fixed);
  if (o.across && fixedKeys.length > 0 && hasArms) {
    const allowedFormats = o.formats;
    const pool = runsIn.filter((r) => r && typeof r === "object" && typeof r.run_id === "string" && (allowedFormats === null || allowedFormats.includes(formatOf(r, o.formatKey))));
    const levels = new Map<string, {fixed: Record<string, Cell>; runs: RunRow[]; labels: string[]}>();
    for (const run of pool) {
      const fixed: Record<string, Cell> = {};
      for (const k of fixedKeys) {
        const v = runAttribute(run, k);
        fixed[k] = v === undefined ? null : typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : labelOf(v);
      }
      const key = stratumText(fixed);
      const e = levels.get(key) ?? {fixed, runs: [], labels: fixedKeys.map((k) => labelOf(fixed[k]))};
      e.runs.push(run);
      levels.set(key, e);
    }
    const sortedLevels = [...levels].sort((a, b) => {
      for (let i = 0; i < fixedKeys.length; ++i) {
        const c = compareLabels(a[1].labels[i], b[1].labels[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
    sortedLevels.forEach(([key, level], li) => {
      const sub = selectSubset(level.runs, {...o, fixed: null});
      const res = effectFor(sub.runs, historyOf(historyIn, sub.runs.map((r) => r.run_id)), 1000 * (li + 1));
      if (res === null) return;
      const ord = new Map(sub.formats.map((f, i) => [f, i]));
      const list = [...res.strata].sort((a, b) => (ord.get(formatOfStratum(a, o.formatKey)) ?? 1e9) - (ord.get(formatOfStratum(b, o.formatKey)) ?? 1e9));
      for (const s of list) {
        const f = formatOfStratum(s, o.formatKey);
        acrossRows.push(effectRow(s, key, f, isRef(f)));
      }
    });
  } else if (o.across && fixedKeys.length === 0 && runs.length > 0) {
    notes.push("no attribute is held fixed: the effects table already covers every compared run (no per-level breakdown)");
  }

  // IQM curves per format × arm.
  const curveRows: Record<string, Cell>[] = [];
  const armRuns = runs.filter((r) => {
    const a = runAttribute(r, o.armKey);
    return a !== undefined && (labelOf(a) === o.baseline || labelOf(a) === o.treatment);
  });
  if (o.curves && armRuns.length > 0) {
    const curveHistory = historyOf(historyIn, armRuns.map((r) => r.run_id), (m) => m === o.curveMetric);
    if (historyLength(curveHistory) === 0) notes.push(`curve metric "${o.curveMetric}" is not logged: no curves`);
    else {
      const res = iqmCurves(armRuns, curveHistory, {
        metric: o.curveMetric, groupBy: [o.formatKey, o.armKey], stopped: o.curveStopped, band: o.curveBands,
        bootstrap: bootstrapOf(o, 90_000)
      });
      for (const c of res.curves) {
        const format = labelOf(c.values[o.formatKey]);
        const arm = labelOf(c.values[o.armKey]);
        for (const p of c.points) {
          curveRows.push({
            format, arm, step: p.step, n: p.n, iqm: num(p.iqm), ci_lower: num(p.lower), ci_upper: num(p.upper),
            stopped: p.stopped, non_finite: p.nonFinite
          });
        }
      }
      curveRows.sort((a, b) => (order.get(a.format as string) ?? 1e9) - (order.get(b.format as string) ?? 1e9) || String(a.arm).localeCompare(String(b.arm)) || (a.step as number) - (b.step as number));
      notes.push(...res.notes);
    }
  }

  // Findings.
  const selWords = selectorText(o.selector, commonStep.step);
  const scored = effectRows.filter((r) => r.improvement_pct !== null);
  if (scored.length > 0) {
    const better = scored.filter((r) => (r.improvement_pct as number) > 0);
    findings.push(
      `Within ${stratum}, ${o.treatment} improves ${selWords} ${o.metric} over ${o.baseline} in ${better.length} of ${scored.length} formats` +
        (better.length > 0 ? ` (${better.map((r) => `${r.format} ${fmtPct(r.improvement_pct as number)}`).join(", ")})` : "") + "."
    );
    const sig = scored.filter((r) => r.p_adj !== null && (r.p_adj as number) < 0.05);
    findings.push(
      sig.length === 0
        ? `No format's difference reaches adjusted p < 0.05 (${scored.map((r) => `${r.format} ${pText(r.p_adj as number | null, "p_adj")}`).join(", ")}).`
        : `At adjusted p < 0.05: ${sig.map((r) => `${r.format} ${fmtPct(r.improvement_pct as number)} ${fmtInterval(r.ci_lower as number | null, r.ci_upper as number | null, (x) => fmtNum(x, 3))}, ${r.effect_size_kind} ${fmtNum(r.effect_size as number | null, 3)}, ${pText(r.p_adj as number, "p_adj")}`).join("; ")}.`
    );
    const paired = scored.filter((r) => r.pairing === "paired_by_seed").length;
    findings.push(
      paired === scored.length
        ? `Every format is paired by ${o.seedKey ?? "seed"} (the same seeds in both arms: paired bootstrap, g_z and the paired t-test).`
        : `${paired} of ${scored.length} formats are paired by ${o.seedKey ?? "seed"}; the others are compared unpaired (independent bootstrap, Hedges' g, Welch), see the note column.`
    );
  }
  if (acrossRows.length > 0) {
    const byLevel = new Map<string, Record<string, Cell>[]>();
    for (const r of acrossRows) {
      const list = byLevel.get(r.stratum as string) ?? [];
      list.push(r);
      byLevel.set(r.stratum as string, list);
    }
    const parts = [...byLevel].map(([k, list]) => {
      const s = list.filter((r) => r.improvement_pct !== null);
      const better = s.filter((r) => (r.improvement_pct as number) > 0).length;
      return `${k}: better in ${better} of ${s.length}`;
    });
    findings.push(`Across the values held fixed, ${o.treatment} vs ${o.baseline} by format — ${joinWords(parts)}.`);
  }

  return {
    kind: "optimizers",
    options: o,
    subset,
    commonStep,
    effect,
    tables: {
      effects: table("effects", `${o.treatment} vs ${o.baseline} per format`, `Improvement of ${o.treatment} over ${o.baseline} on ${selWords} ${o.metric} within ${stratum}.`, EFFECT_COLUMNS, effectRows),
      pairs: table("pairs", "Seed pairs", `Per-seed ${o.metric} of the paired formats (same seed: same init and batches).`, PAIR_COLUMNS, pairRows),
      across: table("across", "At every value held fixed", `The same comparison at every value of ${fixedKeys.join(", ") || "(nothing held fixed)"}.`, EFFECT_COLUMNS, acrossRows),
      curves: table("curves", "IQM curves", `IQM of ${o.curveMetric} per step, format × ${o.armKey}, with ${Math.round(o.confidence * 100)}% bootstrap bands.`, CURVE_COLUMNS, curveRows)
    },
    findings,
    notes
  };
}
