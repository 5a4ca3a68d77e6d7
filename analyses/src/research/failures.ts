/**
 * ANAL-02 — why runs failed, and what failure goes with.
 *
 * One call computes the Failures page and the report's failure section:
 * - runs: every run's failure mode (nan_loss > bit_stall > overflow > early_stop, then other/crashed)
 *   with its collapse step and the evidence (rules replayed on the history, reported reasons, and any
 *   disagreement between them);
 * - modes: how many runs per mode;
 * - windows / windowSummary: the metrics of the last N logged steps up to each collapse, next to
 *   healthy runs of the same format at the same steps;
 * - sparsity: gradient sparsity at the collapse step where the history logs it (metrics named like
 *   `*sparsity*` / `*zero_frac*`), and the share of parameter tensors whose gradient norm is exactly 0;
 * - rates: failure rate by format, by arm, and by format × arm, with Wilson intervals;
 * - associations / associationTests: every config parameter with 2+ values: the rate per value
 *   (Wilson CI) and Fisher's exact test (2 values) or a chi-square test, p adjusted over parameters;
 * - byStep / byTime: failures by collapse-step bucket (with runs at risk) and by run creation time;
 * - suggestions: hypotheses with their evidence and caveats.
 */
import {indexHistory, runAttribute, toEpochMs, type RunRow} from "../compare/rows.js";
import {classifyFailures, FAILURE_MODES, type FailureClassification, type FailureMode, type FailureRulesOverride} from "../failures/classify.js";
import {preCollapseWindows, DEFAULT_WINDOW_METRICS} from "../failures/pre-collapse.js";
import {failureAssociation, failureRates, failuresByCreationTime, failuresByStep, DEFAULT_FAILURE_MODES, type FailureAssociation, type GroupRate} from "../failures/rates.js";
import {failureSuggestions} from "../failures/suggestions.js";
import {benjaminiHochberg, holm} from "../stats/index.js";
import {
  col, fmtNum, pText, formatOf, historyOf, joinWords, labelOf, meanOf, num, resolveDesign, resolveStatistics, selectSubset, table,
  type Cell, type DesignOptions, type ResearchData, type ResearchTable, type ResolvedDesign, type ResolvedStatistics, type StatisticsOptions, type Subset
} from "./common.js";

export interface FailuresOptions extends DesignOptions, StatisticsOptions {
  /** Override the failure rules (thresholds, metrics; default: the sample runner's rules). */
  rules?: FailureRulesOverride;
  /** Modes that count as failure in rates (default: every mode except none). */
  failureModes?: readonly FailureMode[];
  /** Logged steps before (and including) the collapse step (default 10). */
  window?: number;
  /** Metrics shown in the pre-collapse windows (default loss, grad_norm, lr, quantization rates, val_loss). */
  windowMetrics?: readonly string[];
  /** Healthy comparison runs share these attributes with the failed run (default [formatKey]). */
  matchBy?: readonly string[];
  /** Config parameters tested for association with failure: a list, or "auto" (default: every config key with 2+ values that does not identify single runs). */
  associationKeys?: readonly string[] | "auto";
  /** Significance level for the association hypotheses (default 0.05). */
  alpha?: number;
  /** Width of the collapse-step buckets (default 50). */
  stepBucket?: number;
  /** Width of the creation-time buckets in ms, or "auto" (default): the smallest of 1, 5, 10, 15, 30 min, 1, 2, 6, 12 h, 1, 7 days giving at most 24 buckets. */
  timeBucketMs?: number | "auto";
  /** Substrings (case-insensitive) of metric names that hold gradient sparsity (default ["sparsity", "zero_frac"]). */
  sparsityPatterns?: readonly string[];
  /** Per-layer gradient-norm family used for the zero-gradient tensor share (default "grad_norm_l2"). */
  gradNormKind?: string;
}

export interface ResolvedFailuresOptions extends ResolvedDesign, ResolvedStatistics {
  rules: FailureRulesOverride;
  failureModes: FailureMode[];
  window: number;
  windowMetrics: string[];
  matchBy: string[];
  associationKeys: string[] | "auto";
  alpha: number;
  stepBucket: number;
  timeBucketMs: number | "auto";
  sparsityPatterns: string[];
  gradNormKind: string;
}

export interface FailuresReport {
  kind: "failures";
  options: ResolvedFailuresOptions;
  subset: Subset;
  /** The classification of every run (the raw objects, with rule checks). */
  classifications: FailureClassification[];
  tables: {
    runs: ResearchTable;
    modes: ResearchTable;
    windows: ResearchTable;
    windowSummary: ResearchTable;
    sparsity: ResearchTable;
    rates: ResearchTable;
    associations: ResearchTable;
    associationTests: ResearchTable;
    byStep: ResearchTable;
    byTime: ResearchTable;
    suggestions: ResearchTable;
  };
  findings: string[];
  notes: string[];
}

export function resolveFailuresOptions(o: FailuresOptions = {}): ResolvedFailuresOptions {
  // Failures are about every run by default (rates by lr are part of the story): nothing held fixed.
  const design = resolveDesign(o, {fixed: null});
  const modes = (o.failureModes ?? DEFAULT_FAILURE_MODES).filter((m) => FAILURE_MODES.includes(m));
  return {
    ...design,
    ...resolveStatistics(o),
    rules: o.rules ?? {},
    failureModes: modes.length > 0 ? [...modes] : [...DEFAULT_FAILURE_MODES],
    window: o.window !== undefined && Number.isFinite(o.window) && o.window >= 1 ? Math.floor(o.window) : 10,
    windowMetrics: [...(o.windowMetrics ?? DEFAULT_WINDOW_METRICS)],
    matchBy: [...(o.matchBy ?? [design.formatKey])],
    associationKeys: o.associationKeys === undefined || o.associationKeys === "auto" ? "auto" : [...o.associationKeys],
    alpha: o.alpha !== undefined && o.alpha > 0 && o.alpha < 1 ? o.alpha : 0.05,
    stepBucket: o.stepBucket !== undefined && o.stepBucket > 0 ? o.stepBucket : 50,
    timeBucketMs: typeof o.timeBucketMs === "number" && o.timeBucketMs > 0 ? o.timeBucketMs : "auto",
    sparsityPatterns: [...(o.sparsityPatterns ?? ["sparsity", "zero_frac"])],
    gradNormKind: o.gradNormKind ?? "grad_norm_l2"
  };
}

const RUN_COLUMNS = [
  col("run_id", "run id", "text"),
  col("name", "run", "text"),
  col("format", "format", "text"),
  col("arm", "arm", "text"),
  col("seed", "seed", "text"),
  col("held", "other design values", "text", "values of the auto-fixed keys (e.g. lr)"),
  col("state", "state", "text"),
  col("mode", "failure mode", "text", "nan_loss > bit_stall > overflow > early_stop > other > crashed > none"),
  col("collapse_step", "collapse step", "integer"),
  col("collapse_source", "step from", "text", "summary, failure report, or the history rule"),
  col("last_step", "last step", "integer"),
  col("history_mode", "history rule met", "text"),
  col("reported", "reported reason", "text"),
  col("consistent", "sources agree", "boolean"),
  col("evidence", "evidence", "text")
];

const MODE_COLUMNS = [
  col("mode", "mode", "text"),
  col("n", "runs", "integer"),
  col("share", "share", "proportion"),
  col("collapse_steps", "collapse steps", "text", "min–max (median)"),
  col("by_format", "by format", "text")
];

const WINDOW_COLUMNS = [
  col("run_id", "run id", "text"),
  col("name", "run", "text"),
  col("format", "format", "text"),
  col("mode", "mode", "text"),
  col("collapse_step", "collapse step", "integer"),
  col("step", "step", "integer"),
  col("metric", "metric", "text"),
  col("value", "failed run", "number"),
  col("healthy_n", "healthy n", "integer", "healthy runs of the same match group with a value at this step"),
  col("healthy_mean", "healthy mean", "number"),
  col("healthy_min", "healthy min", "number"),
  col("healthy_max", "healthy max", "number"),
  col("difference", "failed − healthy", "number"),
  col("note", "note", "text")
];

const WINDOW_SUMMARY_COLUMNS = [
  col("run_id", "run id", "text"),
  col("name", "run", "text"),
  col("format", "format", "text"),
  col("mode", "mode", "text"),
  col("collapse_step", "collapse step", "integer"),
  col("metric", "metric", "text"),
  col("steps", "steps", "text", "the window's logged steps (first–last)"),
  col("failed_mean", "failed mean", "number", "mean over the window of the failed run's values"),
  col("healthy_mean", "healthy mean", "number", "mean over the window of the healthy runs' per-step means"),
  col("difference", "difference", "number"),
  col("healthy_runs", "healthy runs", "integer"),
  col("note", "note", "text")
];

const SPARSITY_COLUMNS = [
  col("run_id", "run id", "text"),
  col("name", "run", "text"),
  col("format", "format", "text"),
  col("mode", "mode", "text"),
  col("collapse_step", "collapse step", "integer"),
  col("measure", "measure", "text"),
  col("step", "at step", "integer", "last logged step at or before the collapse"),
  col("value", "value", "number"),
  col("healthy_mean", "healthy mean", "number", "same measure in healthy runs of the same group at that step"),
  col("healthy_n", "healthy n", "integer"),
  col("note", "note", "text")
];

const RATE_COLUMNS = [
  col("by", "by", "text"),
  col("group", "group", "text"),
  col("n", "runs", "integer"),
  col("failures", "failed", "integer"),
  col("rate", "rate", "proportion"),
  col("ci_lower", "CI low", "proportion", "Wilson score interval"),
  col("ci_upper", "CI high", "proportion"),
  col("modes", "modes", "text"),
  col("note", "note", "text")
];

const ASSOC_COLUMNS = [
  col("parameter", "parameter", "text"),
  col("value", "value", "text"),
  col("n", "runs", "integer"),
  col("failures", "failed", "integer"),
  col("rate", "rate", "proportion"),
  col("ci_lower", "CI low", "proportion"),
  col("ci_upper", "CI high", "proportion")
];

const TEST_COLUMNS = [
  col("parameter", "parameter", "text"),
  col("levels", "values", "integer"),
  col("n", "runs", "integer"),
  col("n_missing", "without value", "integer"),
  col("test", "test", "text", "fisher_exact (2 values) or chi_square"),
  col("statistic", "statistic", "number", "odds ratio (Fisher) or X² (chi-square)"),
  col("df", "df", "integer"),
  col("p", "p", "p"),
  col("p_adj", "p (adj.)", "p", "adjusted over the parameters tested"),
  col("same_split_as", "same split as", "text", "parameters that divide the runs identically (indistinguishable here)"),
  col("note", "note", "text")
];

const STEP_COLUMNS = [
  col("from", "from step", "integer"),
  col("to", "to step", "integer", "exclusive"),
  col("at_risk", "at risk", "integer", "runs that got this far"),
  col("failures", "failed here", "integer"),
  col("hazard", "hazard", "proportion", "failed here / at risk"),
  col("modes", "modes", "text"),
  col("runs", "runs", "text")
];

const TIME_COLUMNS = [
  col("start", "created from (UTC)", "text"),
  col("n", "runs", "integer"),
  col("failures", "failed", "integer"),
  col("rate", "rate", "proportion"),
  col("ci_lower", "CI low", "proportion"),
  col("ci_upper", "CI high", "proportion")
];

const SUGGESTION_COLUMNS = [
  col("topic", "about", "text"),
  col("hypothesis", "hypothesis", "text"),
  col("evidence", "evidence", "text"),
  col("caveat", "caveat", "text"),
  col("runs", "runs", "integer")
];

function modesText(byMode: Record<string, number>): string {
  return Object.entries(byMode).filter(([, n]) => n > 0).map(([m, n]) => `${m} ${n}`).join(", ");
}

function rateRow(by: string, g: GroupRate): Record<string, Cell> {
  return {
    by, group: g.key, n: g.n, failures: g.failures, rate: num(g.rate), ci_lower: num(g.lower), ci_upper: num(g.upper),
    modes: modesText(g.byMode), note: g.reason ?? null
  };
}

/** A "split signature" of a parameter: which runs share a value (to spot parameters that split runs identically). */
function splitSignature(runs: readonly RunRow[], key: string): string {
  const first = new Map<string, number>();
  return runs.map((r, i) => {
    const l = labelOf(runAttribute(r, key));
    if (!first.has(l)) first.set(l, i);
    return first.get(l);
  }).join(",");
}

/** Config keys with 2+ scalar values that do not single out (almost) every run. */
export function autoAssociationKeys(runs: readonly RunRow[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) {
    const c = r.config;
    if (c && typeof c === "object") for (const k of Object.keys(c)) keys.add(k);
  }
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    const values = new Set<string>();
    let scalar = true;
    let present = 0;
    for (const r of runs) {
      const v = r.config?.[k];
      if (v === undefined || v === null) continue;
      ++present;
      if (typeof v === "object") scalar = false;
      values.add(labelOf(typeof v === "bigint" ? Number(v) : v));
    }
    if (!scalar || values.size < 2 || present === 0) continue;
    if (values.size > Math.max(2, present / 2)) continue; // (nearly) one value per run: an identifier, not a factor
    out.push(k);
  }
  return out;
}

/**
 * Failure analysis (ANAL-02). Every run by default (nothing held fixed). Never throws on data
 * problems: runs without history, without the metrics the rules need, or without the config keys
 * still get a mode (from state / summary) and the notes say what was not evaluated.
 */
export function failuresReport(data: ResearchData, options: FailuresOptions = {}): FailuresReport {
  const o = resolveFailuresOptions(options);
  const runsIn = Array.isArray(data?.runs) ? data.runs : [];
  const historyIn = historyOf(data?.history, null);
  const subset = selectSubset(runsIn, o);
  const notes = [...subset.notes];
  const runs = subset.runs;
  const history = historyOf(historyIn, runs.map((r) => r.run_id));
  const {index} = indexHistory(history);
  const classes = classifyFailures(runs, index, {rules: o.rules, reports: data?.reports ?? undefined});
  const byId = new Map(classes.map((c) => [c.run_id, c]));
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  const failing = new Set(o.failureModes);
  const fmt = (id: string) => formatOf(runById.get(id)!, o.formatKey);
  const nameOf = (id: string) => {
    const r = runById.get(id);
    return typeof r?.name === "string" ? r.name : id;
  };
  const heldKeys = o.autoFixKeys;

  // What the rules could not evaluate.
  const notEvaluated = new Map<string, number>();
  for (const c of classes) for (const r of c.rules) if (r.status === "not_evaluated") notEvaluated.set(`${r.rule}: ${r.reason}`, (notEvaluated.get(`${r.rule}: ${r.reason}`) ?? 0) + 1);
  for (const [what, n] of notEvaluated) notes.push(`rule ${what} in ${n} run(s): that mode cannot be detected from their history`);
  const noHistory = classes.filter((c) => c.lastStep === null).length;
  if (noHistory > 0) notes.push(`${noHistory} run(s) have no history rows: classified from state and summary only`);
  if (!data?.reports) notes.push("failure_report.md files are not part of the workspace: modes and collapse steps come from the run summary and the history rules");

  // --- runs
  const runRows = classes.map((c) => {
    const run = runById.get(c.run_id)!;
    const arm = runAttribute(run, o.armKey);
    const seed = o.seedKey === null ? undefined : runAttribute(run, o.seedKey);
    const held = heldKeys.map((k) => [k, runAttribute(run, k)] as const).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${labelOf(v)}`).join(", ");
    return {
      run_id: c.run_id, name: c.name, format: fmt(c.run_id), arm: arm === undefined ? null : labelOf(arm), seed: seed === undefined ? null : labelOf(seed),
      held: held === "" ? null : held, state: c.state, mode: c.mode, collapse_step: c.collapseStep, collapse_source: c.collapseStepSource,
      last_step: c.lastStep, history_mode: c.historyMode, reported: c.reported.map((r) => `${r.source}: ${r.reason ?? "(none)"}${r.step !== null ? ` @ ${r.step}` : ""}`).join("; ") || null,
      consistent: c.consistent, evidence: c.evidence.join(" | ")
    } as Record<string, Cell>;
  });

  // --- modes
  const modeRows: Record<string, Cell>[] = [];
  for (const mode of FAILURE_MODES) {
    const hit = classes.filter((c) => c.mode === mode);
    if (hit.length === 0) continue;
    const steps = hit.map((c) => c.collapseStep).filter((s): s is number => s !== null).sort((a, b) => a - b);
    const byFormat = new Map<string, number>();
    for (const c of hit) byFormat.set(fmt(c.run_id), (byFormat.get(fmt(c.run_id)) ?? 0) + 1);
    const order = subset.formats;
    modeRows.push({
      mode, n: hit.length, share: hit.length / classes.length,
      collapse_steps: steps.length === 0 ? null : `${steps[0]}–${steps[steps.length - 1]} (median ${fmtNum(steps.length % 2 ? steps[(steps.length - 1) / 2] : (steps[steps.length / 2 - 1] + steps[steps.length / 2]) / 2)})`,
      by_format: [...byFormat].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([f, n]) => `${f} ${n}`).join(", ")
    });
  }

  // --- pre-collapse windows next to healthy runs
  const pc = preCollapseWindows(classes, runs, history, {window: o.window, metrics: o.windowMetrics, matchBy: o.matchBy, failedModes: o.failureModes});
  const windowRows: Record<string, Cell>[] = [];
  const windowSummaryRows: Record<string, Cell>[] = [];
  for (const w of pc.windows) {
    const note = [w.note, w.comparisonReason].filter(Boolean).join("; ") || null;
    for (const m of w.metrics) {
      const failedVals: number[] = [];
      const healthyMeans: number[] = [];
      w.steps.forEach((step, k) => {
        const h = m.healthy[k];
        const v = m.values[k];
        if (v !== null && Number.isFinite(v)) failedVals.push(v);
        if (h?.mean !== null && h?.mean !== undefined) healthyMeans.push(h.mean);
        windowRows.push({
          run_id: w.run_id, name: w.name, format: fmt(w.run_id), mode: w.mode, collapse_step: w.collapseStep, step, metric: m.metric,
          value: num(v), healthy_n: h ? h.n : 0, healthy_mean: num(h?.mean), healthy_min: num(h?.min), healthy_max: num(h?.max),
          difference: num(m.differenceFromHealthyMean[k]), note
        });
      });
      if (failedVals.length === 0 && healthyMeans.length === 0) continue;
      const fm = failedVals.length > 0 ? meanOf(failedVals) : null;
      const hm = healthyMeans.length > 0 ? meanOf(healthyMeans) : null;
      windowSummaryRows.push({
        run_id: w.run_id, name: w.name, format: fmt(w.run_id), mode: w.mode, collapse_step: w.collapseStep, metric: m.metric,
        steps: w.steps.length > 0 ? `${w.steps[0]}–${w.steps[w.steps.length - 1]}` : null,
        failed_mean: num(fm), healthy_mean: num(hm), difference: fm !== null && hm !== null ? num(fm - hm) : null,
        healthy_runs: w.healthyRunIds.length, note: [w.comparisonReason, failedVals.length === 0 ? `${m.metric} not logged in the window` : null].filter(Boolean).join("; ") || null
      });
    }
  }
  for (const s of pc.skipped.filter((x) => failing.has(x.mode))) notes.push(`no pre-collapse window for ${nameOf(s.run_id)} (${s.mode}): ${s.reason}`);
  const noHealthy = new Set(pc.windows.filter((w) => w.healthyRunIds.length === 0).map((w) => w.match.key));
  if (noHealthy.size > 0) notes.push(`no healthy run to compare with in ${[...noHealthy].join(", ")} (matched by ${o.matchBy.join(", ")}): those windows show the failed runs alone`);

  // --- gradient sparsity at collapse
  const sparsityRows: Record<string, Cell>[] = [];
  const patterns = o.sparsityPatterns.map((p) => p.toLowerCase()).filter((p) => p !== "");
  const sparsityMetrics = new Set<string>();
  for (const byMetric of index.values()) for (const m of byMetric.keys()) if (patterns.some((p) => m.toLowerCase().includes(p))) sparsityMetrics.add(m);
  const gradPrefix = `${o.gradNormKind}/`;
  const healthyByGroup = new Map<string, string[]>();
  for (const c of classes) {
    if (c.mode !== "none") continue;
    const k = o.matchBy.map((key) => labelOf(runAttribute(runById.get(c.run_id)!, key))).join(" / ");
    const list = healthyByGroup.get(k);
    if (list === undefined) healthyByGroup.set(k, [c.run_id]);
    else list.push(c.run_id);
  }
  /** Position of the last logged step ≤ step (−1: none), by binary search. */
  const lastAtOrBefore = (steps: ArrayLike<number>, step: number): number => {
    let lo = 0;
    let hi = steps.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid] <= step) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return k;
  };
  // A healthy run is looked up at the same step for every failed run of its group: remember the answers.
  const zeroGradMemo = new Map<string, {value: number | null; step: number | null}>();
  const zeroGradShare = (runId: string, step: number): {value: number | null; step: number | null} => {
    const key = `${runId}\u0000${step}`;
    let found = zeroGradMemo.get(key);
    if (found === undefined) zeroGradMemo.set(key, (found = zeroGradShareOf(runId, step)));
    return found;
  };
  const zeroGradShareOf = (runId: string, step: number): {value: number | null; step: number | null} => {
    const byMetric = index.get(runId);
    if (!byMetric) return {value: null, step: null};
    let tensors = 0;
    let zeros = 0;
    let at: number | null = null;
    for (const [metric, series] of byMetric) {
      if (!metric.startsWith(gradPrefix)) continue;
      const k = lastAtOrBefore(series.steps, step);
      if (k < 0 || !Number.isFinite(series.values[k])) continue;
      tensors++;
      if (series.values[k] === 0) zeros++;
      at = at === null ? series.steps[k] : Math.max(at, series.steps[k]);
    }
    return tensors === 0 ? {value: null, step: null} : {value: zeros / tensors, step: at};
  };
  const valueAtOrBefore = (runId: string, metric: string, step: number): {value: number | null; step: number | null} => {
    const series = index.get(runId)?.get(metric);
    if (!series) return {value: null, step: null};
    const k = lastAtOrBefore(series.steps, step);
    return k < 0 ? {value: null, step: null} : {value: num(series.values[k]), step: series.steps[k]};
  };
  const hasGradNorms = [...index.values()].some((bm) => [...bm.keys()].some((m) => m.startsWith(gradPrefix)));
  for (const c of classes) {
    if (!failing.has(c.mode) || c.collapseStep === null) continue;
    const run = runById.get(c.run_id)!;
    const group = o.matchBy.map((key) => labelOf(runAttribute(run, key))).join(" / ");
    const healthy = healthyByGroup.get(group) ?? [];
    const measures: {measure: string; get: (id: string, step: number) => {value: number | null; step: number | null}}[] = [
      ...[...sparsityMetrics].sort().map((m) => ({measure: m, get: (id: string, s: number) => valueAtOrBefore(id, m, s)})),
      ...(hasGradNorms ? [{measure: `share of tensors with ${o.gradNormKind} = 0`, get: zeroGradShare}] : [])
    ];
    for (const {measure, get} of measures) {
      const own = get(c.run_id, c.collapseStep);
      const hv = own.step === null ? [] : healthy.map((id) => get(id, own.step!)).filter((x) => x.value !== null && x.step === own.step).map((x) => x.value as number);
      sparsityRows.push({
        run_id: c.run_id, name: c.name, format: fmt(c.run_id), mode: c.mode, collapse_step: c.collapseStep, measure,
        step: own.step, value: own.value, healthy_mean: hv.length > 0 ? num(meanOf(hv)) : null, healthy_n: hv.length,
        note: own.value === null ? "not logged at or before the collapse step" : healthy.length === 0 ? "no healthy run of the same group" : null
      });
    }
  }
  if (sparsityMetrics.size === 0) {
    notes.push(
      `no gradient-sparsity metric is logged (no metric name contains ${o.sparsityPatterns.map((p) => `"${p}"`).join(" or ")})` +
        (hasGradNorms ? `; shown instead: the share of parameter tensors whose ${o.gradNormKind} is exactly 0 at the collapse step (a coarse, tensor-level proxy)` : `, and no ${o.gradNormKind}/<parameter> norms either: gradient sparsity at collapse cannot be computed`) +
        (data?.reports ? "" : ". Element-level sparsity, where a runner wrote it, is in its failure_report.md files, which the workspace does not include")
    );
  }

  // --- rates
  const conf = {confidence: o.confidence, failureModes: o.failureModes};
  const rateRows: Record<string, Cell>[] = [];
  const byFormat = failureRates(classes, runs, o.formatKey, conf);
  const byArm = failureRates(classes, runs, o.armKey, conf);
  const byBoth = failureRates(classes, runs, [o.formatKey, o.armKey], conf);
  rateRows.push(rateRow("all runs", byFormat.total));
  for (const g of byFormat.groups) rateRows.push(rateRow(o.formatKey, g));
  for (const g of byArm.groups) rateRows.push(rateRow(o.armKey, g));
  for (const g of byBoth.groups) rateRows.push(rateRow(`${o.formatKey} × ${o.armKey}`, g));
  if (!runs.some((r) => runAttribute(r, o.armKey) !== undefined) && runs.length > 0) notes.push(`no run has "${o.armKey}": rates by arm are one "(missing)" group`);

  // --- associations
  const keys = o.associationKeys === "auto" ? autoAssociationKeys(runs) : o.associationKeys;
  if (o.associationKeys === "auto" && keys.length === 0 && runs.length > 0) notes.push("no config parameter takes 2 or more values across runs (that is not a per-run identifier): nothing to test for association with failure");
  const assocs: FailureAssociation[] = keys.map((k) => failureAssociation(classes, runs, k, conf));
  const adj = (o.adjust === "bh" ? benjaminiHochberg : holm)(assocs.map((a) => a.pValue));
  const signatures = new Map(keys.map((k) => [k, splitSignature(runs, k)]));
  const assocRows: Record<string, Cell>[] = [];
  const testRows: Record<string, Cell>[] = [];
  assocs.forEach((a, i) => {
    for (const l of a.levels) assocRows.push({parameter: a.parameter, value: l.key, n: l.n, failures: l.failures, rate: num(l.rate), ci_lower: num(l.lower), ci_upper: num(l.upper)});
    const same = keys.filter((k) => k !== a.parameter && signatures.get(k) === signatures.get(a.parameter));
    testRows.push({
      parameter: a.parameter, levels: a.levels.length, n: a.levels.reduce((s, l) => s + l.n, 0), n_missing: a.missing.n,
      test: a.test, statistic: num(a.statistic), df: a.df, p: num(a.pValue), p_adj: num(adj[i]),
      same_split_as: same.length > 0 ? same.join(", ") : null, note: [a.reason, a.note].filter(Boolean).join("; ") || null
    });
  });
  if (assocs.length > 0) notes.push(`association p-values are adjusted over ${assocs.filter((a) => Number.isFinite(a.pValue)).length} parameters (${o.adjust === "holm" ? "Holm" : "Benjamini-Hochberg"}); associations across runs are not controlled effects — design factors vary together`);

  // --- by step / by creation time
  const bs = failuresByStep(classes, {bucketSize: o.stepBucket, failureModes: o.failureModes});
  const stepRows = bs.buckets.map((b) => ({
    from: b.from, to: b.to, at_risk: b.atRisk, failures: b.failures, hazard: num(b.hazard), modes: modesText(b.byMode) || null,
    runs: b.failedRunIds.length > 0 ? b.failedRunIds.map(nameOf).join(", ") : null
  }));
  if (bs.unknownStep.length > 0) notes.push(`${bs.unknownStep.length} failed run(s) have no collapse step and are not in the by-step table`);
  const bucketMs = o.timeBucketMs === "auto" ? autoTimeBucket(runs) : o.timeBucketMs;
  const bt = failuresByCreationTime(classes, runs, {bucketMs, confidence: o.confidence, failureModes: o.failureModes});
  const timeRows = bt.buckets.map((b) => ({start: b.start.replace(/:00\.000Z$/, "Z"), n: b.n, failures: b.failures, rate: num(b.rate), ci_lower: b.n > 0 ? num(b.lower) : null, ci_upper: b.n > 0 ? num(b.upper) : null}));
  if (bt.unknownTime.length > 0) notes.push(`${bt.unknownTime.length} run(s) have no readable created_at and are not in the by-time table`);

  // --- suggestions
  const sugg = failureSuggestions(classes, {runs, groupBy: o.formatKey, associations: assocs.map((a, i) => ({...a, pValue: adj[i]})), alpha: o.alpha});
  // The association hypotheses were given the adjusted p: say so where the evidence prints it.
  const adjustName = o.adjust === "holm" ? "Holm" : "Benjamini-Hochberg";
  const suggestionRows = sugg.map((s) => ({
    topic: s.topic, hypothesis: s.hypothesis,
    evidence: (s.topic === "association" ? s.evidence.map((e) => e.replace(/\): p = |: p = /, (m) => m.replace("p = ", `p (${adjustName}-adjusted over ${assocs.length} parameters) = `))) : s.evidence).join(" | "),
    caveat: s.caveat, runs: s.runIds.length
  }));
  if (assocs.length > 0) notes.push(`association hypotheses use the adjusted p-value (< ${o.alpha})`);

  // --- findings
  const findings: string[] = [];
  const total = byFormat.total;
  if (classes.length > 0) {
    findings.push(
      `${total.failures} of ${total.n} runs failed (${fmtNum(100 * total.rate, 3)}%, Wilson ${Math.round(o.confidence * 100)}% CI ${fmtNum(100 * total.lower, 3)}–${fmtNum(100 * total.upper, 3)}%): ` +
        modeRows.map((r) => `${r.mode} ${r.n}`).join(", ") + "."
    );
    const fr = byFormat.groups.filter((g) => g.n > 0).sort((a, b) => b.rate - a.rate);
    if (fr.length > 1) {
      findings.push(`By ${o.formatKey}: ${fr.map((g) => `${g.key} ${g.failures}/${g.n}`).join(", ")}.`);
    }
    const ar = byArm.groups.filter((g) => g.n > 0);
    if (ar.length > 1) findings.push(`By ${o.armKey}: ${ar.map((g) => `${g.key} ${g.failures}/${g.n} (${fmtNum(100 * g.rate, 3)}%, CI ${fmtNum(100 * g.lower, 3)}–${fmtNum(100 * g.upper, 3)}%)`).join(", ")}.`);
    const sig = testRows.filter((r) => r.p_adj !== null && (r.p_adj as number) < o.alpha);
    if (testRows.length > 0) {
      findings.push(
        sig.length === 0
          ? `No config parameter is associated with failure at adjusted p < ${o.alpha} (tested: ${keys.join(", ")}).`
          : `Associated with failure at adjusted p < ${o.alpha}: ${sig.map((r) => `${r.parameter} (${r.test}, ${pText(r.p_adj as number, "p_adj")}${r.same_split_as ? `; same split as ${r.same_split_as}` : ""})`).join(", ")}.`
      );
    }
    const withSteps = classes.filter((c) => failing.has(c.mode) && c.collapseStep !== null);
    if (withSteps.length > 0) {
      const peak = [...bs.buckets].sort((a, b) => b.failures - a.failures)[0];
      findings.push(`Collapse steps range ${Math.min(...withSteps.map((c) => c.collapseStep!))}–${Math.max(...withSteps.map((c) => c.collapseStep!))}; the most failures (${peak.failures}) fall in steps ${peak.from}–${peak.to - 1}.`);
    }
    const inconsistent = classes.filter((c) => !c.consistent);
    findings.push(
      inconsistent.length === 0
        ? "For every run, the reported failure reason and step agree with the rules replayed on its history."
        : `${inconsistent.length} run(s) have sources that disagree (${joinWords(inconsistent.slice(0, 4).map((c) => c.name ?? c.run_id))}${inconsistent.length > 4 ? ", …" : ""}): see their evidence.`
    );
  }

  return {
    kind: "failures",
    options: o,
    subset,
    classifications: classes,
    tables: {
      runs: table("failure_runs", "Failure mode per run", "Every run's failure mode with its collapse step and evidence.", RUN_COLUMNS, runRows),
      modes: table("failure_modes", "Runs per failure mode", "How many runs per mode, their collapse steps and formats.", MODE_COLUMNS, modeRows),
      windows: table("pre_collapse", "Before the collapse", `The last ${o.window} logged steps up to each collapse, next to healthy runs of the same ${o.matchBy.join(" × ")} at the same steps.`, WINDOW_COLUMNS, windowRows),
      windowSummary: table("pre_collapse_summary", "Before the collapse (window means)", `Per failed run and metric: mean over the window vs healthy runs of the same ${o.matchBy.join(" × ")}.`, WINDOW_SUMMARY_COLUMNS, windowSummaryRows),
      sparsity: table("sparsity", "Gradient sparsity at collapse", "Gradient sparsity at the collapse step where it is logged.", SPARSITY_COLUMNS, sparsityRows),
      rates: table("failure_rates", "Failure rates", `Failure rate by ${o.formatKey}, by ${o.armKey} and by both, with Wilson ${Math.round(o.confidence * 100)}% intervals.`, RATE_COLUMNS, rateRows),
      associations: table("association_levels", "Failure rate per parameter value", "Failure rate for each value of each tested config parameter.", ASSOC_COLUMNS, assocRows),
      associationTests: table("association_tests", "Parameters associated with failure", "Test of independence of each parameter and failure, p adjusted over parameters.", TEST_COLUMNS, testRows),
      byStep: table("failures_by_step", "Failures by step", `Failures by collapse step (buckets of ${o.stepBucket} steps), with the runs at risk.`, STEP_COLUMNS, stepRows),
      byTime: table("failures_by_time", "Failures by creation time", `Failure rate of the runs created in each ${fmtNum(bucketMs / 60_000)}-minute window (UTC).`, TIME_COLUMNS, timeRows),
      suggestions: table("suggestions", "Hypotheses", "Suggestions worded as hypotheses, each with its evidence and caveat.", SUGGESTION_COLUMNS, suggestionRows)
    },
    findings,
    notes
  };
}

const NICE_BUCKETS_MS = [1, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 10_080].map((m) => m * 60_000);

/** The smallest "nice" bucket width giving at most 24 buckets over the runs' creation times (1 hour without times). */
export function autoTimeBucket(runs: readonly RunRow[]): number {
  const ts = runs.map((r) => toEpochMs(r.created_at)).filter((t): t is number => t !== null);
  if (ts.length < 2) return 3_600_000;
  const span = Math.max(...ts) - Math.min(...ts);
  return NICE_BUCKETS_MS.find((b) => span / b < 24) ?? NICE_BUCKETS_MS[NICE_BUCKETS_MS.length - 1];
}

/** Creation time of a run in ms (exported for pages that plot failures over time). */
export function createdMs(run: RunRow): number | null {
  return toEpochMs(run.created_at);
}

