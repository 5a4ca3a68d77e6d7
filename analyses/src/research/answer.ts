/**
 * The home page's answer to the research question — "which format most benefits from the treatment
 * (manifold-aware updates), and why?" — computed from the data, never written by hand.
 *
 * - benefit: the treatment's improvement per format (from optimizersReport), and for each candidate
 *   format the probability that it is the one that benefits most, over joint bootstrap resamples
 *   (each format's seed pairs, or each arm when unpaired, resampled independently);
 * - why: how the treatment runs differed from the baseline runs of the same format in the quantities
 *   that could explain it — bit-stall, overflow and underflow rates (run-level, over the steps every
 *   run of the format reached), bit-stall per layer type, how many runs failed and where they stopped;
 * - robustness: the same comparison at every other value of the attributes held fixed (e.g. each lr).
 *
 * Degrades on projects without these keys: the status says "not_computable" or "partial", the
 * headline says what could not be computed and why, and `notes` give the details.
 */
import {indexHistory, runAttribute, type HistoryIndex, type RunRow} from "../compare/rows.js";
import {parseMetricName} from "../metrics/metric-name.js";
import {classifyFailures, type FailureRulesOverride} from "../failures/classify.js";
import {bootstrapDifference, randomSfc32} from "../stats/index.js";
import {optimizersReport, type OptimizersOptions, type OptimizersReport} from "./optimizers.js";
import {selectorText, type SelectorName} from "./formats.js";
import {
  bootstrapOf, col, fmtInterval, fmtNum, fmtPct, pText, formatOf, historyOf, joinWords, labelOf, meanOf, num, reduceSeries, table,
  type Cell, type DesignOptions, type ResearchData, type ResearchTable, type SeriesReduction, type StatisticsOptions, type Subset
} from "./common.js";

/** A run-level quantity compared between arms to explain the benefit. */
export interface WhyMetricSpec {
  metric: string;
  reduce: SeriesReduction;
}

export interface AnswerOptions extends DesignOptions, StatisticsOptions {
  /** Outcome metric (default "val_loss"). */
  metric?: string;
  /** Which value of it represents a run (default "best"). */
  selector?: SelectorName;
  /** Common step for selector "step" (default "auto"). */
  step?: number | "auto";
  direction?: "lower" | "higher";
  /** Run-level quantities for the "why" (default bit-stall mean, overflow max, underflow max). */
  whyMetrics?: readonly WhyMetricSpec[];
  /** Per-layer family broken down by layer type in the "why" (default "bit_stall"; null: none). */
  whyLayerKind?: string | null;
  /** Failure rules used to count failed runs per arm (default: the sample runner's). */
  rules?: FailureRulesOverride;
}

export const DEFAULT_WHY_METRICS: readonly WhyMetricSpec[] = [
  {metric: "quantization/bit_stall_rate", reduce: "mean"},
  {metric: "quantization/overflow_rate", reduce: "max"},
  {metric: "quantization/underflow_rate", reduce: "max"}
];

export interface AnswerPick {
  format: string;
  improvementPct: number;
  ciLower: number | null;
  ciUpper: number | null;
  pairing: string;
  nPairs: number | null;
  nBaseline: number;
  nTreatment: number;
  effectSizeKind: string;
  effectSize: number | null;
  test: string;
  p: number | null;
  pAdjusted: number | null;
  /** Share of joint bootstrap resamples in which this format benefits most (null: not resampled). */
  probabilityMost: number | null;
}

export interface ResearchAnswer {
  kind: "answer";
  question: string;
  status: "answered" | "partial" | "not_computable";
  subset: Subset;
  /** The format that benefits most (largest improvement among candidate formats), or null. */
  best: AnswerPick | null;
  runnerUp: AnswerPick | null;
  /** One sentence (plain text). */
  headline: string;
  /** The write-up: answer, certainty, why, robustness (plain text, every number computed). */
  paragraphs: string[];
  /** The same write-up in sections (title, lead text, points), for pages that show lists. */
  sections: {id: "answer" | "certainty" | "why" | "contrast" | "robustness" | "design"; title: string; text: string; points: string[]}[];
  tables: {
    /** Per format: the effect (as optimizersReport) plus prob_most. */
    benefit: ResearchTable;
    /** Per format × quantity: baseline vs treatment. */
    why: ResearchTable;
    /** The effect at every value of the held-fixed attributes. */
    robustness: ResearchTable;
  };
  /** The optimizers report the answer was computed from (same options). */
  optimizers: OptimizersReport;
  notes: string[];
}

const WHY_COLUMNS = [
  col("format", "format", "text"),
  col("measure", "measure", "text"),
  col("window", "steps", "text", "steps the run-level values are taken over"),
  col("baseline_n", "n baseline", "integer"),
  col("baseline_value", "baseline", "number", "mean over baseline runs"),
  col("treatment_n", "n treatment", "integer"),
  col("treatment_value", "treatment", "number", "mean over treatment runs"),
  col("difference", "treatment − baseline", "number"),
  col("ci_lower", "CI low", "number", "bootstrap CI of the difference (runs resampled within each arm)"),
  col("ci_upper", "CI high", "number"),
  col("note", "note", "text")
];

/** Joint bootstrap: for each resample, which stratum has the largest improvement. */
function probabilityMost(
  strata: {format: string; paired: {a: number; b: number}[] | null; a: number[]; b: number[]}[],
  sign: number,
  resamples: number,
  seed: number
): Map<string, number> {
  const out = new Map<string, number>();
  const eligible = strata.filter((s) => (s.paired !== null ? s.paired.length >= 2 : s.a.length >= 2 && s.b.length >= 2));
  if (eligible.length < 2) return out;
  const random = randomSfc32(seed);
  const wins = new Float64Array(eligible.length);
  const vals = new Float64Array(eligible.length);
  for (let r = 0; r < resamples; ++r) {
    eligible.forEach((s, j) => {
      if (s.paired !== null) {
        let sa = 0;
        let sd = 0;
        const n = s.paired.length;
        for (let i = 0; i < n; ++i) {
          const p = s.paired[Math.floor(random() * n)];
          sa += p.a;
          sd += sign * (p.a - p.b);
        }
        vals[j] = (100 * sd) / Math.abs(sa);
      } else {
        let sa = 0;
        let sb = 0;
        for (let i = 0; i < s.a.length; ++i) sa += s.a[Math.floor(random() * s.a.length)];
        for (let i = 0; i < s.b.length; ++i) sb += s.b[Math.floor(random() * s.b.length)];
        const ma = sa / s.a.length;
        const mb = sb / s.b.length;
        vals[j] = (100 * sign * (ma - mb)) / Math.abs(ma);
      }
    });
    let best = -Infinity;
    for (let j = 0; j < vals.length; ++j) if (vals[j] > best) best = vals[j];
    if (!Number.isFinite(best)) continue;
    let ties = 0;
    for (let j = 0; j < vals.length; ++j) if (vals[j] === best) ++ties;
    for (let j = 0; j < vals.length; ++j) if (vals[j] === best) wins[j] += 1 / ties;
  }
  eligible.forEach((s, j) => out.set(s.format, wins[j] / resamples));
  return out;
}

function pickOf(row: Record<string, Cell>, prob: number | null): AnswerPick {
  return {
    format: String(row.format),
    improvementPct: row.improvement_pct as number,
    ciLower: row.ci_lower as number | null,
    ciUpper: row.ci_upper as number | null,
    pairing: String(row.pairing),
    nPairs: row.n_pairs as number | null,
    nBaseline: row.n_baseline as number,
    nTreatment: row.n_treatment as number,
    effectSizeKind: String(row.effect_size_kind),
    effectSize: row.effect_size as number | null,
    test: String(row.test),
    p: row.p as number | null,
    pAdjusted: row.p_adj as number | null,
    probabilityMost: prob
  };
}

function nText(p: AnswerPick): string {
  return p.pairing === "paired_by_seed" ? `${p.nPairs} seed pairs` : `n = ${p.nBaseline} vs ${p.nTreatment}, unpaired`;
}

/** Per-run mean over the layers of one type of a per-layer family, each series reduced over the window. */
function layerTypeValue(index: HistoryIndex, runId: string, kind: string, layerType: string, to: number): number | null {
  const byMetric = index.get(runId);
  if (!byMetric) return null;
  const xs: number[] = [];
  // Sorted metric names: the sum must not depend on the order history rows arrived in.
  for (const metric of [...byMetric.keys()].sort()) {
    if (!metric.startsWith(`${kind}/`)) continue;
    if (parseMetricName(metric).layerType !== layerType) continue;
    const r = reduceSeries(byMetric.get(metric), "mean", -Infinity, to);
    if (r.value !== null) xs.push(r.value);
  }
  return xs.length > 0 ? meanOf(xs) : null;
}

/**
 * The answer to the research question, from the data (see the module comment). Options as
 * optimizersReport (the answer is computed from it with the same options) plus the "why" quantities.
 */
export function researchAnswer(data: ResearchData, options: AnswerOptions = {}): ResearchAnswer {
  const optOptions: OptimizersOptions = {...options, across: true, curves: false};
  const opt = optimizersReport(data, optOptions);
  const o = opt.options;
  const notes = [...opt.notes.filter((n) => !/^IQM trims|^runs that stopped are left out|^runs that stopped contribute/.test(n))];
  const subset = opt.subset;
  const runsCount = Array.isArray(data?.runs) ? data.runs.length : 0;
  const question = `Which ${o.formatKey} benefits most from ${o.treatment} (vs ${o.baseline}), and why?`;
  const sign = o.direction === "lower" ? 1 : -1;
  const selWords = selectorText(o.selector, opt.commonStep.step);
  const stratum = Object.entries(subset.fixed).map(([k, v]) => `${k} = ${labelOf(v)}`).join(", ") || "all runs";
  const whyMetrics = [...(options.whyMetrics ?? DEFAULT_WHY_METRICS)];
  const whyLayerKind = options.whyLayerKind === undefined ? "bit_stall" : options.whyLayerKind;

  // --- benefit
  const effectRows = opt.tables.effects.rows;
  const isRef = (f: string) => o.referenceFormats.includes(f);
  const strataData = (opt.effect?.strata ?? []).map((s) => ({
    format: labelOf(s.values[o.formatKey]),
    paired: s.pairing === "paired_by_seed" ? s.pairs.map((p) => ({a: p.baseline, b: p.treatment})) : null,
    a: s.baseline.values,
    b: s.treatment.values
  }));
  const candidateRows = effectRows.filter((r) => !isRef(String(r.format)) && r.improvement_pct !== null);
  const probs = probabilityMost(strataData.filter((s) => candidateRows.some((r) => r.format === s.format)), sign, o.resamples, o.seed + 77_777);
  const benefitRows = effectRows
    .map((r): Record<string, Cell> => ({...r, prob_most: isRef(String(r.format)) ? null : probs.get(String(r.format)) ?? null}))
    .sort((a, b) => Number(a.reference) - Number(b.reference) || ((b.improvement_pct as number | null) ?? -Infinity) - ((a.improvement_pct as number | null) ?? -Infinity));
  const ranked = [...candidateRows].sort((a, b) => (b.improvement_pct as number) - (a.improvement_pct as number));
  const best = ranked[0] ? pickOf(ranked[0], probs.get(String(ranked[0].format)) ?? null) : null;
  const runnerUp = ranked[1] ? pickOf(ranked[1], probs.get(String(ranked[1].format)) ?? null) : null;
  if (candidateRows.length > 0 && probs.size === 0) notes.push("the probability of benefiting most needs 2+ candidate formats with 2+ runs in each arm: not computed");

  // --- why: per format, treatment vs baseline in the candidate mechanisms
  const runs = subset.runs;
  const armOf = (r: RunRow) => {
    const v = runAttribute(r, o.armKey);
    return v === undefined ? null : labelOf(v) === o.baseline ? "baseline" : labelOf(v) === o.treatment ? "treatment" : null;
  };
  const armRuns = runs.filter((r) => armOf(r) !== null);
  const hist = historyOf(data?.history ?? [], armRuns.map((r) => r.run_id));
  const {index} = indexHistory(hist);
  const classes = classifyFailures(armRuns, index, {rules: options.rules, reports: data?.reports ?? undefined});
  const classById = new Map(classes.map((c) => [c.run_id, c]));
  const whyRows: Record<string, Cell>[] = [];
  const formatsWithEffect = new Set(effectRows.map((r) => String(r.format)));
  const missingWhy = new Set<string>();
  let wi = 0;
  for (const format of subset.formats.filter((f) => formatsWithEffect.has(f))) {
    const members = armRuns.filter((r) => formatOf(r, o.formatKey) === format);
    const A = members.filter((r) => armOf(r) === "baseline");
    const B = members.filter((r) => armOf(r) === "treatment");
    const lastSteps = members.map((r) => classById.get(r.run_id)?.lastStep ?? null).filter((s): s is number => s !== null);
    const to = lastSteps.length > 0 ? Math.min(...lastSteps) : Infinity;
    const window = Number.isFinite(to) ? `0–${to}` : "all";
    const addRow = (measure: string, win: string, xa: number[], xb: number[], extraNote: string | null = null, ci = true) => {
      let lower: number | null = null;
      let upper: number | null = null;
      const notesRow: string[] = extraNote ? [extraNote] : [];
      if (ci && xa.length >= 2 && xb.length >= 2) {
        const r = bootstrapDifference(xb, xa, undefined, bootstrapOf(o, 60_000 + wi++));
        lower = num(r.lower);
        upper = num(r.upper);
        if (lower === null && r.reason) notesRow.push(r.reason);
      } else if (ci) notesRow.push("fewer than 2 runs in an arm: no CI");
      whyRows.push({
        format, measure, window: win, baseline_n: xa.length, baseline_value: xa.length > 0 ? num(meanOf(xa)) : null,
        treatment_n: xb.length, treatment_value: xb.length > 0 ? num(meanOf(xb)) : null,
        difference: xa.length > 0 && xb.length > 0 ? num(meanOf(xb) - meanOf(xa)) : null, ci_lower: lower, ci_upper: upper,
        note: notesRow.length > 0 ? notesRow.join("; ") : null
      });
    };
    for (const spec of whyMetrics) {
      const get = (rs: RunRow[]) => rs.map((r) => reduceSeries(index.get(r.run_id)?.get(spec.metric), spec.reduce, -Infinity, to).value).filter((v): v is number => v !== null);
      const xa = get(A);
      const xb = get(B);
      if (xa.length === 0 && xb.length === 0) {
        missingWhy.add(spec.metric);
        continue;
      }
      addRow(`${spec.metric} (${spec.reduce})`, window, xa, xb);
    }
    if (whyLayerKind) {
      const types = new Set<string>();
      for (const r of members) for (const m of index.get(r.run_id)?.keys() ?? []) {
        if (!m.startsWith(`${whyLayerKind}/`)) continue;
        const t = parseMetricName(m).layerType;
        if (t !== null) types.add(t);
      }
      if (types.size === 0) missingWhy.add(`${whyLayerKind}/<parameter>`);
      for (const t of [...types].sort()) {
        const get = (rs: RunRow[]) => rs.map((r) => layerTypeValue(index, r.run_id, whyLayerKind, t, to)).filter((v): v is number => v !== null);
        addRow(`${whyLayerKind} in ${t} layers (mean)`, window, get(A), get(B));
      }
    }
    const failedShare = (rs: RunRow[]) => rs.map((r) => (classById.get(r.run_id)?.mode ?? "none") !== "none" ? 1 : 0);
    const fa = failedShare(A);
    const fb = failedShare(B);
    const modes = (rs: RunRow[]) => [...new Set(rs.map((r) => classById.get(r.run_id)?.mode).filter((m) => m && m !== "none"))].join("/");
    addRow("share of runs that failed", "whole run", fa, fb, [modes(A) && `baseline: ${modes(A)}`, modes(B) && `treatment: ${modes(B)}`].filter(Boolean).join("; ") || null, false);
    const lastOf = (rs: RunRow[]) => rs.map((r) => classById.get(r.run_id)?.lastStep ?? null).filter((s): s is number => s !== null);
    addRow("last logged step", "whole run", lastOf(A), lastOf(B), null, false);
  }
  for (const m of missingWhy) notes.push(`"${m}" is not logged: it cannot be part of the why`);

  // --- robustness
  const robustnessRows = opt.tables.across.rows;

  // --- the write-up
  const sections: ResearchAnswer["sections"] = [];
  let status: ResearchAnswer["status"];
  let headline: string;
  if (best === null) {
    status = "not_computable";
    const reasons = notes.filter((n) => /cannot be made|is not logged by any compared run|no effect computed|no runs$|nothing to compare/.test(n)).map((n) => n.replace(/ \(set [^)]*\)$/, ""));
    if (runsCount > 0 && !subset.hasFormat) reasons.push(`no run has the attribute "${o.formatKey}" that names the format`);
    if (reasons.length === 0) reasons.push(candidateRows.length === 0 && effectRows.length > 0 ? "no candidate format has a value in both arms" : `no ${o.formatKey} has runs of both ${o.baseline} and ${o.treatment} with a value of ${o.metric}`);
    const why = reasons.join("; ");
    headline = `The answer could not be computed from this workspace: ${why}.`;
    sections.push({id: "design", title: "What the question needs", points: [], text:
      `The question needs runs that differ in ${o.armKey} (${o.baseline} vs ${o.treatment}) within each ${o.formatKey}, and the outcome ${o.metric}. ` +
        `Compared runs: ${subset.description}.`
    });
  } else {
    status = best.ciLower !== null && best.pAdjusted !== null ? "answered" : "partial";
    const certainty = best.probabilityMost === null ? null : best.probabilityMost >= 0.95 ? "clearly" : best.probabilityMost >= 0.8 ? "probably" : null;
    const ciText = fmtInterval(best.ciLower, best.ciUpper, (x) => fmtPct(x));
    headline =
      best.improvementPct > 0
        ? `${best.format} benefits most from ${o.treatment}: ${selWords} ${o.metric} ${fmtPct(best.improvementPct)} vs ${o.baseline} (${Math.round(o.confidence * 100)}% CI ${ciText}, ${nText(best)})` +
          (runnerUp === null
            ? "."
            : best.probabilityMost === null
              ? `; runner-up ${runnerUp.format} (${fmtPct(runnerUp.improvementPct)}).`
              : certainty !== null
                ? `, ahead of ${runnerUp.format} (${fmtPct(runnerUp.improvementPct)}) in ${fmtNum(100 * best.probabilityMost, 3)}% of bootstrap resamples.`
                : `, but not clearly ahead of ${runnerUp.format} (${fmtPct(runnerUp.improvementPct)}): first in only ${fmtNum(100 * best.probabilityMost, 3)}% of bootstrap resamples.`)
        : `No candidate ${o.formatKey} benefits from ${o.treatment} on ${selWords} ${o.metric}: the largest change is ${best.format} at ${fmtPct(best.improvementPct)} (CI ${ciText}).`;
    const refRows = benefitRows.filter((r) => r.reference === true && r.improvement_pct !== null);
    sections.push({id: "answer", title: "The answer", points: [], text:
      `Compared: ${subset.description}. For each ${o.formatKey}, ${o.treatment} is compared with ${o.baseline} on ${selWords} ${o.metric} (${o.direction} is better); improvement is in % of the ${o.baseline} mean, positive when ${o.treatment} is better. ` +
        `${best.format}: ${fmtPct(best.improvementPct)} ${ciText}, ${best.effectSizeKind} = ${fmtNum(best.effectSize, 3)}, ${best.test} ${pText(best.p)} (adjusted over formats: ${pText(best.pAdjusted, "p_adj")}), ${nText(best)}.` +
        (runnerUp ? ` Runner-up ${runnerUp.format}: ${fmtPct(runnerUp.improvementPct)} ${fmtInterval(runnerUp.ciLower, runnerUp.ciUpper, (x) => fmtPct(x))} (${nText(runnerUp)}, ${pText(runnerUp.pAdjusted, "p_adj")}).` : "") +
        (refRows.length > 0 ? ` Reference ${refRows.map((r) => `${r.format}: ${fmtPct(r.improvement_pct as number)}`).join(", ")} (not a candidate).` : "")
    });
    const others = ranked.slice(2).map((r) => `${r.format} ${fmtPct(r.improvement_pct as number)}`);
    sections.push({id: "certainty", title: "How certain", points: [], text:
      (best.probabilityMost !== null
        ? `${best.format} has the largest improvement in ${fmtNum(100 * best.probabilityMost, 3)}% of ${o.resamples} joint bootstrap resamples${runnerUp?.probabilityMost != null ? ` (${runnerUp.format}: ${fmtNum(100 * runnerUp.probabilityMost, 3)}%)` : ""}. `
        : "The probability of benefiting most could not be computed (too few runs per arm). ") +
        (best.pAdjusted !== null && best.pAdjusted < 0.05 ? `Its improvement is significant after adjustment (${pText(best.pAdjusted, "p_adj")}). ` : `Its improvement is not significant after adjustment for ${opt.effect?.testsAdjusted ?? 0} formats (${pText(best.pAdjusted, "p_adj")}). `) +
        `With ${best.nPairs ?? Math.min(best.nBaseline, best.nTreatment)} seeds per arm, bootstrap intervals understate the uncertainty.` +
        (others.length > 0 ? ` The other candidates: ${others.join(", ")}.` : "")
    });
    // Why: the winner's rows — the run-level quantities, the layer type that differs most, outcomes.
    const mine = whyRows.filter((r) => r.format === best.format && r.difference !== null);
    const describe = (r: Record<string, Cell>) => {
      const ci = r.ci_lower !== null ? ` (difference ${fmtNum(r.difference as number, 3)}, CI ${fmtInterval(r.ci_lower as number, r.ci_upper as number, (x) => fmtNum(x, 3))})` : "";
      return `${r.measure}: ${fmtNum(r.treatment_value as number, 3)} with ${o.treatment} vs ${fmtNum(r.baseline_value as number, 3)} with ${o.baseline}${ci}`;
    };
    const layerRows = mine.filter((r) => whyLayerKind !== null && String(r.measure).startsWith(`${whyLayerKind} in `));
    const topLayer = [...layerRows].sort((a, b) => Math.abs(b.difference as number) - Math.abs(a.difference as number))[0];
    const described = [
      ...mine.filter((r) => !layerRows.includes(r) && r.window !== "whole run").map(describe),
      ...(topLayer ? [`largest layer-type difference: ${describe(topLayer)}`] : []),
      ...mine.filter((r) => r.window === "whole run").map((r) => `${r.measure}: ${fmtNum(r.treatment_value as number, 3)} with ${o.treatment} vs ${fmtNum(r.baseline_value as number, 3)} with ${o.baseline}${r.note ? ` (${r.note})` : ""}`)
    ];
    if (described.length > 0) {
      const win = mine.find((r) => r.window !== "whole run")?.window;
      sections.push({
        id: "why", title: "Why — what differed between the optimizers",
        text: `In ${best.format}${win ? ` (run-level values over steps ${win}, the steps every ${best.format} run reached)` : ""}, ${o.treatment} runs vs ${o.baseline} runs. These are differences observed across ${best.nBaseline + best.nTreatment} runs, consistent with (not proof of) a mechanism; every quantity per format is in the table "${"What differed between the arms"}".`,
        points: described
      });
    } else sections.push({id: "why", title: "Why", points: [], text: `None of the explanatory quantities (${whyMetrics.map((w) => w.metric).join(", ")}) is logged for ${best.format}, so the data cannot say why.`});
    // Contrast: what differs in the formats that did not benefit.
    const nonBenefit = ranked.filter((r) => (r.improvement_pct as number) <= 0).map((r) => String(r.format));
    const stallMetric = whyMetrics[0]?.metric;
    if (stallMetric && nonBenefit.length > 0) {
      const rowsFor = (f: string) => whyRows.find((r) => r.format === f && String(r.measure).startsWith(stallMetric) && r.difference !== null);
      const contrast = nonBenefit.map((f) => ({f, r: rowsFor(f)})).filter((x) => x.r !== undefined);
      if (contrast.length > 0) {
        sections.push({id: "contrast", title: "For contrast", points: [], text:
          `Formats where ${o.treatment} did not help (${joinWords(nonBenefit)}): ${stallMetric} changed by ${contrast.map((x) => `${fmtNum(x.r!.difference as number, 3)} in ${x.f}`).join(", ")}` +
            ` (vs ${fmtNum(whyRows.find((r) => r.format === best.format && String(r.measure).startsWith(stallMetric))?.difference as number | null, 3)} in ${best.format}).`
        });
      }
    }
    // Robustness across the held-fixed values.
    if (robustnessRows.length > 0) {
      const levels = [...new Set(robustnessRows.map((r) => String(r.stratum)))];
      const otherLevels = levels.filter((l) => l !== stratum);
      if (otherLevels.length > 0) {
        const parts = otherLevels.map((l) => {
          const rows = robustnessRows.filter((r) => r.stratum === l && r.improvement_pct !== null);
          const better = rows.filter((r) => (r.improvement_pct as number) > 0).length;
          const w = rows.find((r) => r.format === best.format);
          return `at ${l}, ${o.treatment} is better in ${better} of ${rows.length} formats${w ? ` (${best.format}: ${fmtPct(w.improvement_pct as number)})` : ` (${best.format} not run)`}`;
        });
        sections.push({id: "robustness", title: "Does it hold at other settings?", points: parts.map((p) => p[0]!.toUpperCase() + p.slice(1)), text: `The answer above is for ${stratum} only. The same comparison at the other values:`});
      }
    }
  }
  const paragraphs = sections.map((x) => [x.id === "answer" || x.id === "design" ? "" : `${x.title}: `, x.text, x.points.length > 0 ? ` ${x.points.join("; ")}.` : ""].join(""));
  if (subset.notes.length > 0) for (const n of subset.notes) if (!notes.includes(n)) notes.push(n);

  return {
    kind: "answer",
    question,
    status,
    subset,
    best,
    runnerUp,
    headline,
    paragraphs,
    sections,
    tables: {
      benefit: table("benefit", `Benefit of ${o.treatment} per format`, `Improvement of ${o.treatment} over ${o.baseline} on ${selWords} ${o.metric} within ${stratum}, and the probability that each candidate format benefits most.`, [
        ...opt.tables.effects.columns,
        col("prob_most", "P(benefits most)", "proportion", "share of joint bootstrap resamples in which this candidate has the largest improvement")
      ], benefitRows),
      why: table("why", "What differed between the arms", `Per format, ${o.treatment} runs vs ${o.baseline} runs in quantities that could explain the benefit.`, WHY_COLUMNS, whyRows),
      robustness: table("robustness", "At other settings", `The same comparison at every value of ${Object.keys(subset.fixed).join(", ") || "(nothing held fixed)"}.`, opt.tables.across.columns, robustnessRows)
    },
    optimizers: opt,
    notes
  };
}
