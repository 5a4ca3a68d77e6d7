import {fmt, indexHistory, lastLoggedStep, toNumber, type HistoryIndex, type HistoryRow, type RunRow, type Series, type SeriesArray} from "../compare/rows.js";
import type {HistoryColumns} from "../compare/history-columns.js";

/**
 * Failure modes, in the order of precedence used to pick one mode per run: a run with evidence for
 * several modes gets the first. `other` is a reported failure_reason that is none of the known modes;
 * `crashed` is a crashed/failed state with no other evidence.
 */
export type FailureMode = "nan_loss" | "bit_stall" | "overflow" | "early_stop" | "other" | "crashed" | "none";
export const FAILURE_MODES: readonly FailureMode[] = ["nan_loss", "bit_stall", "overflow", "early_stop", "other", "crashed", "none"];
/** The modes a history rule can detect. */
export type RuleName = "nan_loss" | "bit_stall" | "overflow" | "early_stop";
export const RULE_NAMES: readonly RuleName[] = ["nan_loss", "bit_stall", "overflow", "early_stop"];

export interface StreakRule {
  metric: string;
  /** Strictly greater than this. */
  threshold: number;
  /** Consecutive logged steps of `metric` (its own logged rows, in step order). */
  consecutive: number;
}

export interface FailureRules {
  /** Metrics whose non-finite value (NaN, ±Infinity) means nan_loss. */
  nanMetrics: string[];
  bitStall: StreakRule;
  overflow: StreakRule;
  /** Early stop: `metric` not strictly below its best so far for `patience` consecutive evaluations
   *  at steps > `afterStep` (evaluations at or before afterStep set the best but never count). */
  earlyStop: {metric: string; patience: number; afterStep: number};
}

/** The sample runner's rules (sample/altgrad-fp8/README.md, "Failure handling"). */
export const DEFAULT_FAILURE_RULES: FailureRules = {
  nanMetrics: ["loss", "val_loss"],
  bitStall: {metric: "quantization/bit_stall_rate", threshold: 0.95, consecutive: 20},
  overflow: {metric: "quantization/overflow_rate", threshold: 0.2, consecutive: 20},
  earlyStop: {metric: "val_loss", patience: 4, afterStep: 200}
};

export interface FailureRulesOverride {
  nanMetrics?: string[];
  bitStall?: Partial<StreakRule>;
  overflow?: Partial<StreakRule>;
  earlyStop?: Partial<FailureRules["earlyStop"]>;
}

export function resolveFailureRules(override: FailureRulesOverride = {}): FailureRules {
  const d = DEFAULT_FAILURE_RULES;
  return {
    nanMetrics: override.nanMetrics ?? d.nanMetrics,
    bitStall: {...d.bitStall, ...override.bitStall},
    overflow: {...d.overflow, ...override.overflow},
    earlyStop: {...d.earlyStop, ...override.earlyStop}
  };
}

/** What a failure_report.md says (see parseFailureReport). */
export interface FailureReport {
  state: string | null;
  reason: string | null;
  collapseStep: number | null;
  rule: string | null;
  /** Rows of the "Last N logged steps" table: column → number (empty cells absent). */
  lastSteps: Record<string, number>[];
  /** Set when nothing usable was found. */
  problem?: string;
}

export interface StepValue {
  step: number;
  value: number;
  metric?: string;
}

/** The outcome of one history rule for one run. */
export interface RuleCheck {
  rule: RuleName;
  status: "triggered" | "not_triggered" | "not_evaluated";
  /** The step at which the rule is first met (the runner's stop step), null otherwise. */
  step: number | null;
  /** The rule in words, with its parameters. */
  description: string;
  /** What the rule saw: the offending value, the streak that met it, or the evaluations. */
  values: StepValue[];
  /** For streak rules: the longest streak over the threshold (also when not triggered). */
  longestStreak?: {length: number; from: number | null; to: number | null};
  /** For streak rules: the largest logged value of the metric. */
  max?: StepValue | null;
  /** For early stop: the longest run of non-improving evaluations after afterStep. */
  longestPlateau?: number;
  /** Logged rows the rule looked at. */
  rowsChecked: number;
  /** Why the rule could not be evaluated (metric not logged). */
  reason?: string;
}

export interface ReportedFailure {
  source: "summary" | "report";
  reason: string | null;
  step: number | null;
  /** The mode the reason maps to (null when no reason was given). */
  mode: FailureMode | null;
}

export interface FailureClassification {
  run_id: string;
  name: string | null;
  state: string | null;
  mode: FailureMode;
  /** The collapse (stop) step: where the rule of `mode` was met / the reported failure_step. */
  collapseStep: number | null;
  collapseStepSource: "history" | "summary" | "report" | null;
  /** Last logged step in the history (null without history). */
  lastStep: number | null;
  /** Highest-precedence mode met by a history rule (null: none met). */
  historyMode: RuleName | null;
  rules: RuleCheck[];
  reported: ReportedFailure[];
  /** True when summary, report and history tell the same story (mode and step). */
  consistent: boolean;
  /** Each disagreement between the sources, in words. */
  disagreements: string[];
  /** Human-readable evidence lines for the chosen mode. */
  evidence: string[];
}

const KNOWN: Record<string, FailureMode> = {
  nan_loss: "nan_loss", nan: "nan_loss", inf_loss: "nan_loss", non_finite_loss: "nan_loss",
  bit_stall: "bit_stall", overflow: "overflow", early_stop: "early_stop", early_stopping: "early_stop"
};

function modeOfReason(reason: string | null): FailureMode | null {
  if (reason === null) return null;
  return KNOWN[reason.trim().toLowerCase()] ?? "other";
}

const precedence = (m: FailureMode): number => FAILURE_MODES.indexOf(m);

/**
 * Rule descriptions, written once per rules object rather than once per run; an entry is reused only
 * while the parameters it was written from are unchanged (a caller may edit its rules object).
 */
const DESCRIPTIONS = new WeakMap<object, {params: readonly unknown[]; text: string}>();

function describe(key: object, params: readonly unknown[], text: () => string): string {
  const d = DESCRIPTIONS.get(key);
  if (d !== undefined && d.params.length === params.length && d.params.every((p, i) => p === params[i])) return d.text;
  const written = text();
  DESCRIPTIONS.set(key, {params: [...params], text: written});
  return written;
}

function describeStreak(rule: StreakRule): string {
  return describe(rule, [rule.metric, rule.threshold, rule.consecutive], () => `${rule.metric} > ${rule.threshold} for ${rule.consecutive} consecutive logged steps`);
}

/** {step, value} of positions [from, to) of a series. */
function stepValues(steps: SeriesArray, values: SeriesArray, from: number, to: number): StepValue[] {
  const out: StepValue[] = [];
  for (let i = from; i < to; ++i) out.push({step: steps[i], value: values[i]});
  return out;
}

/**
 * A rule that was met. Its `values` (positions [from, to) of the series: the streak or the plateau)
 * become {step, value} objects when first read — classifying thousands of runs does not build the
 * streaks nobody looks at. `values` is a getter (JSON.stringify includes it, via toJSON, in the key
 * order of the other rule checks); the instance keeps a compact shape (no per-object accessors).
 */
class TriggeredRule implements RuleCheck {
  readonly status = "triggered" as const;
  declare longestStreak?: {length: number; from: number | null; to: number | null};
  declare max?: StepValue | null;
  declare longestPlateau?: number;
  #steps: SeriesArray;
  #values: SeriesArray;
  #from: number;
  #to: number;
  #made: StepValue[] | null = null;

  constructor(
    readonly rule: RuleName, readonly step: number, readonly description: string, readonly rowsChecked: number,
    steps: SeriesArray, values: SeriesArray, from: number, to: number,
    extra: {longestStreak?: TriggeredRule["longestStreak"]; max?: StepValue | null; longestPlateau?: number}
  ) {
    this.#steps = steps;
    this.#values = values;
    this.#from = from;
    this.#to = to;
    if (extra.longestStreak !== undefined) this.longestStreak = extra.longestStreak;
    if (extra.max !== undefined) this.max = extra.max;
    if (extra.longestPlateau !== undefined) this.longestPlateau = extra.longestPlateau;
  }

  get values(): StepValue[] {
    return (this.#made ??= stepValues(this.#steps, this.#values, this.#from, this.#to));
  }

  set values(v: StepValue[]) {
    this.#made = v;
  }

  toJSON(): RuleCheck {
    // The key order of the plain rule checks (rule, status, step, description, values, …, rowsChecked).
    const out: Partial<RuleCheck> = {rule: this.rule, status: this.status, step: this.step, description: this.description, values: this.values};
    if (this.longestStreak !== undefined) out.longestStreak = this.longestStreak;
    if (this.max !== undefined) out.max = this.max;
    if (this.longestPlateau !== undefined) out.longestPlateau = this.longestPlateau;
    out.rowsChecked = this.rowsChecked;
    return out as RuleCheck;
  }
}

function checkStreak(name: RuleName, rule: StreakRule, series: Series | undefined): RuleCheck {
  const description = describeStreak(rule);
  if (series === undefined || series.steps.length === 0) {
    return {rule: name, status: "not_evaluated", step: null, description, values: [], rowsChecked: 0, reason: `${rule.metric} not logged`};
  }
  const {steps, values} = series;
  // Scalars in the loop (no object per new maximum or longer streak): this runs on every logged value.
  let run = 0;
  let bestLength = 0;
  let bestFrom: number | null = null;
  let bestTo: number | null = null;
  let maxAt = -1;
  let maxValue = -Infinity;
  let trigger: number | null = null;
  const threshold = rule.threshold;
  for (let i = 0; i < steps.length; ++i) {
    const v = values[i];
    if (v === v && (maxAt < 0 || v > maxValue)) {
      maxAt = i;
      maxValue = v;
    }
    run = v > threshold ? run + 1 : 0;
    if (run > bestLength) {
      bestLength = run;
      bestFrom = steps[i - run + 1];
      bestTo = steps[i];
    }
    if (run >= rule.consecutive) {
      trigger = i;
      break; // the runner stops here
    }
  }
  const best = {length: bestLength, from: bestFrom, to: bestTo};
  const max: StepValue | null = maxAt < 0 ? null : {step: steps[maxAt], value: maxValue};
  if (trigger !== null) {
    const first = trigger - rule.consecutive + 1;
    return new TriggeredRule(name, steps[trigger], description, trigger + 1, steps, values, first, trigger + 1, {longestStreak: best, max});
  }
  return {rule: name, status: "not_triggered", step: null, description, values: [], longestStreak: best, max, rowsChecked: steps.length};
}

function checkNan(metrics: string[], byMetric: Map<string, Series> | undefined): RuleCheck {
  const description = describe(metrics, metrics, () => `${metrics.join(" or ")} non-finite (NaN or ±Infinity)`);
  let first: StepValue | null = null;
  let rows = 0;
  const present = metrics.filter((m) => byMetric?.get(m) !== undefined);
  if (present.length === 0) {
    return {rule: "nan_loss", status: "not_evaluated", step: null, description, values: [], rowsChecked: 0, reason: `${metrics.join(", ")} not logged`};
  }
  for (const metric of present) {
    const {steps, values} = byMetric!.get(metric)!;
    rows += steps.length;
    for (let i = 0; i < steps.length; ++i) {
      if (!Number.isFinite(values[i])) {
        if (first === null || steps[i] < first.step) first = {step: steps[i], value: values[i], metric};
        break;
      }
    }
  }
  if (first !== null) return {rule: "nan_loss", status: "triggered", step: first.step, description, values: [first], rowsChecked: rows};
  return {rule: "nan_loss", status: "not_triggered", step: null, description, values: [], rowsChecked: rows};
}

function checkEarlyStop(rule: FailureRules["earlyStop"], series: Series | undefined): RuleCheck {
  const description = describe(rule, [rule.metric, rule.patience, rule.afterStep], () => `${rule.metric} not strictly below its best for ${rule.patience} consecutive evaluations at steps > ${rule.afterStep}`);
  if (series === undefined || series.steps.length === 0) {
    return {rule: "early_stop", status: "not_evaluated", step: null, description, values: [], rowsChecked: 0, reason: `${rule.metric} not logged`};
  }
  const {steps, values} = series;
  let best = Infinity;
  let plateau = 0;
  let longest = 0;
  for (let i = 0; i < steps.length; ++i) {
    const v = values[i];
    if (v < best) {
      best = v;
      plateau = 0;
    } else if (steps[i] > rule.afterStep) {
      ++plateau;
      longest = Math.max(longest, plateau);
      if (plateau >= rule.patience) {
        return new TriggeredRule("early_stop", steps[i], description, i + 1, steps, values, i - plateau + 1, i + 1, {longestPlateau: longest});
      }
    }
  }
  return {rule: "early_stop", status: "not_triggered", step: null, description, values: [], longestPlateau: longest, rowsChecked: steps.length};
}

/** Evaluate the history rules on one run's series (metric → ascending series). */
export function checkFailureRules(byMetric: Map<string, Series> | undefined, rules: FailureRules = DEFAULT_FAILURE_RULES): RuleCheck[] {
  return [
    checkNan(rules.nanMetrics, byMetric),
    checkStreak("bit_stall", rules.bitStall, byMetric?.get(rules.bitStall.metric)),
    checkStreak("overflow", rules.overflow, byMetric?.get(rules.overflow.metric)),
    checkEarlyStop(rules.earlyStop, byMetric?.get(rules.earlyStop.metric))
  ];
}

function stringOrNull(v: unknown): string | null {
  if (typeof v === "string" && v.trim() !== "") return v;
  return null;
}

function stepOrNull(v: unknown): number | null {
  const n = toNumber(v);
  return n !== null && Number.isFinite(n) ? n : null;
}

function ruleEvidence(check: RuleCheck): string {
  if (check.status === "not_evaluated") return `${check.rule}: not evaluated (${check.reason})`;
  if (check.status === "triggered") {
    if (check.rule === "nan_loss") {
      const v = check.values[0];
      return `nan_loss: ${v.metric} = ${fmt(v.value)} at step ${v.step}`;
    }
    if (check.rule === "early_stop") {
      const vs = check.values;
      return `early_stop: ${check.description}: evaluations at steps ${vs.map((v) => v.step).join(", ")} (${vs.map((v) => fmt(v.value)).join(", ")}), met at step ${check.step}`;
    }
    const vs = check.values;
    const lo = Math.min(...vs.map((v) => v.value));
    return `${check.rule}: ${check.description}: steps ${vs[0].step}–${check.step}, values ${fmt(lo)}–${fmt(Math.max(...vs.map((v) => v.value)))}, met at step ${check.step}`;
  }
  if (check.rule === "bit_stall" || check.rule === "overflow") {
    const ls = check.longestStreak!;
    return `${check.rule}: not met (${check.description}); longest streak ${ls.length}${ls.length > 0 ? ` (steps ${ls.from}–${ls.to})` : ""}, max ${fmt(check.max?.value)}${check.max ? ` at step ${check.max.step}` : ""}`;
  }
  if (check.rule === "early_stop") return `early_stop: not met (${check.description}); longest run of non-improving evaluations ${check.longestPlateau}`;
  return `nan_loss: not met (${check.rowsChecked} logged values, all finite)`;
}

export interface ClassifyOptions {
  rules?: FailureRulesOverride;
  /** A parsed failure_report.md for the run, when there is one. */
  report?: FailureReport | null;
}

/**
 * Failure mode of one run from its summary (failure_reason / failure_step), an optional failure report
 * and the history rules. The mode is the highest-precedence one (FAILURE_MODES order: nan_loss >
 * bit_stall > overflow > early_stop > other > crashed > none) among: the reported reasons and every
 * history rule that is met. A crashed/failed state with no other evidence gives `crashed`. The collapse
 * step is the reported failure_step when a report/summary names the chosen mode, else the step where
 * the history rule was met. Disagreements (reported mode or step ≠ history) are listed, never hidden.
 * `history` may hold rows of other runs (they are ignored).
 */
export function classifyFailure(run: RunRow, history: readonly HistoryRow[], options: ClassifyOptions = {}): FailureClassification {
  const {index} = indexHistory(history.filter((row) => row?.run_id === run.run_id));
  return classifyIndexed(run, index.get(run.run_id), resolveFailureRules(options.rules), options.report ?? null);
}

/**
 * classifyFailure for every run (one result per run, in input order; runs without history included).
 * `history`: the rows, or their index (indexHistory) when the caller has built it already.
 */
export function classifyFailures(
  runs: readonly RunRow[],
  history: readonly HistoryRow[] | HistoryColumns | HistoryIndex,
  options: {rules?: FailureRulesOverride; reports?: Record<string, FailureReport | null | undefined>} = {}
): FailureClassification[] {
  const index = history instanceof Map ? history : indexHistory(history).index;
  const rules = resolveFailureRules(options.rules);
  return runs.map((run) => classifyIndexed(run, index.get(run.run_id), rules, options.reports?.[run.run_id] ?? null));
}

function classifyIndexed(run: RunRow, byMetric: Map<string, Series> | undefined, rules: FailureRules, report: FailureReport | null): FailureClassification {
  const state = stringOrNull(run.state);
  const rulesChecked = checkFailureRules(byMetric, rules);
  const lastStep = lastLoggedStep(byMetric);
  const reported: ReportedFailure[] = [];
  const summaryReason = stringOrNull(run.summary?.failure_reason);
  const summaryStep = stepOrNull(run.summary?.failure_step);
  if (summaryReason !== null || summaryStep !== null) {
    reported.push({source: "summary", reason: summaryReason, step: summaryStep, mode: modeOfReason(summaryReason)});
  }
  if (report !== null && (report.reason !== null || report.collapseStep !== null)) {
    reported.push({source: "report", reason: report.reason, step: report.collapseStep, mode: modeOfReason(report.reason)});
  }
  const triggered = rulesChecked.filter((c) => c.status === "triggered");
  const historyMode = (triggered[0]?.rule ?? null) as RuleName | null; // rules are checked in precedence order

  const candidates: FailureMode[] = [];
  if (historyMode !== null) candidates.push(historyMode);
  for (const r of reported) if (r.mode !== null) candidates.push(r.mode);
  const failedState = state !== null && /^(crashed|failed)$/i.test(state);
  if (failedState) candidates.push("crashed");
  const mode: FailureMode = candidates.length === 0 ? "none" : candidates.reduce((a, b) => (precedence(b) < precedence(a) ? b : a));

  // Collapse step: a reported step for this mode, else the history rule's step.
  let collapseStep: number | null = null;
  let collapseStepSource: FailureClassification["collapseStepSource"] = null;
  const namedBy = reported.filter((r) => r.mode === mode && r.step !== null);
  const ruleHit = triggered.find((c) => c.rule === mode);
  if (namedBy.length > 0) {
    collapseStep = namedBy[0].step;
    collapseStepSource = namedBy[0].source;
  } else if (ruleHit !== undefined) {
    collapseStep = ruleHit.step;
    collapseStepSource = "history";
  } else if (mode === "crashed" || mode === "other") {
    const anyStep = reported.find((r) => r.step !== null);
    if (anyStep !== undefined) {
      collapseStep = anyStep.step;
      collapseStepSource = anyStep.source;
    } else if (lastStep !== null) {
      collapseStep = lastStep;
      collapseStepSource = "history";
    }
  }

  const disagreements: string[] = [];
  const hasHistory = byMetric !== undefined && byMetric.size > 0;
  for (const r of reported) {
    if (r.mode !== null && r.mode !== "other") {
      const check = rulesChecked.find((c) => c.rule === r.mode);
      if (check?.status === "not_triggered") {
        disagreements.push(`${r.source} says ${r.reason}${r.step !== null ? ` at step ${r.step}` : ""}, but the history does not meet the rule (${check.description})`);
      } else if (check?.status === "not_evaluated" && hasHistory) {
        disagreements.push(`${r.source} says ${r.reason}, the history cannot confirm it (${check.reason})`);
      } else if (check?.status === "triggered" && r.step !== null && check.step !== r.step) {
        disagreements.push(`${r.source} says ${r.reason} at step ${r.step}, the history meets the rule at step ${check.step}`);
      }
    }
    if (r.step !== null && lastStep !== null && r.step !== lastStep) {
      disagreements.push(`${r.source} failure step ${r.step} ≠ last logged step ${lastStep}`);
    }
  }
  if (historyMode !== null) {
    const named = reported.some((r) => r.mode === historyMode);
    if (!named) {
      disagreements.push(
        reported.length === 0
          ? `the history meets the ${historyMode} rule at step ${triggered[0].step}, but no failure_reason is reported (state ${state ?? "unknown"})`
          : `the history meets the ${historyMode} rule at step ${triggered[0].step}, reported: ${reported.map((r) => `${r.source} ${r.reason ?? "(no reason)"}`).join(", ")}`
      );
    }
  }
  const summaryR = reported.find((r) => r.source === "summary");
  const reportR = reported.find((r) => r.source === "report");
  if (summaryR && reportR && (summaryR.reason !== reportR.reason || summaryR.step !== reportR.step)) {
    disagreements.push(`summary (${summaryR.reason} at ${summaryR.step}) and failure report (${reportR.reason} at ${reportR.step}) differ`);
  }
  if (report?.state && state && report.state !== state) disagreements.push(`failure report state ${report.state} ≠ run state ${state}`);

  return new Classified(run.run_id, stringOrNull(run.name), state, mode, collapseStep, collapseStepSource, lastStep, historyMode, rulesChecked, reported, disagreements, hasHistory);
}

/**
 * A classification. `evidence` (lines of text for every source and rule) is written when first read:
 * a getter, included by JSON.stringify (toJSON, last key as before); classifying thousands of runs does
 * not format every rule's numbers.
 */
class Classified implements FailureClassification {
  readonly consistent: boolean;
  #hasHistory: boolean;
  #evidence: string[] | null = null;

  constructor(
    readonly run_id: string, readonly name: string | null, readonly state: string | null, readonly mode: FailureMode,
    readonly collapseStep: number | null, readonly collapseStepSource: FailureClassification["collapseStepSource"], readonly lastStep: number | null,
    readonly historyMode: RuleName | null, readonly rules: RuleCheck[], readonly reported: ReportedFailure[], readonly disagreements: string[], hasHistory: boolean
  ) {
    this.consistent = disagreements.length === 0;
    this.#hasHistory = hasHistory;
  }

  get evidence(): string[] {
    return (this.#evidence ??= evidenceLines(this.reported, this.mode, this.state, this.rules, this.#hasHistory, this.disagreements));
  }

  set evidence(lines: string[]) {
    this.#evidence = lines;
  }

  toJSON(): FailureClassification {
    return {
      run_id: this.run_id, name: this.name, state: this.state, mode: this.mode, collapseStep: this.collapseStep, collapseStepSource: this.collapseStepSource,
      lastStep: this.lastStep, historyMode: this.historyMode, rules: this.rules, reported: this.reported, consistent: this.consistent,
      disagreements: this.disagreements, evidence: this.evidence
    };
  }
}

function evidenceLines(reported: readonly ReportedFailure[], mode: FailureMode, state: string | null, rulesChecked: readonly RuleCheck[], hasHistory: boolean, disagreements: readonly string[]): string[] {
  const evidence: string[] = [];
  for (const r of reported) evidence.push(`${r.source}: failure_reason ${r.reason ?? "(none)"}${r.step !== null ? `, failure_step ${r.step}` : ""}${r.mode === "other" ? " (not a known failure mode)" : ""}`);
  if (mode === "crashed") evidence.push(`state ${state} with no failure reason and no history rule met`);
  for (const c of rulesChecked) evidence.push(ruleEvidence(c));
  if (!hasHistory) evidence.push("no history rows for this run: history rules not evaluated");
  for (const d of disagreements) evidence.push(`disagreement: ${d}`);
  return evidence;
}

/**
 * Parse a failure_report.md as the sample runner writes it ("- state: `failed`", "- failure_reason:
 * `bit_stall`", "- collapse_step: 325", "- rule triggered: …", and the "Last N logged steps" table).
 * Pure (takes the text). Missing parts are null; `problem` says when nothing was recognised.
 */
export function parseFailureReport(markdown: string): FailureReport {
  const field = (name: string): string | null => {
    const m = new RegExp(`^\\s*[-*]\\s*${name}\\s*:\\s*(.+?)\\s*$`, "mi").exec(markdown ?? "");
    return m ? m[1].replace(/^`(.*)`$/, "$1").trim() : null;
  };
  const state = field("state");
  const reason = field("failure_reason");
  const stepText = field("collapse_step") ?? field("failure_step");
  const collapseStep = stepText !== null && /^-?\d+$/.test(stepText) ? Number(stepText) : null;
  const rule = field("rule triggered") ?? field("rule");
  const lastSteps: Record<string, number>[] = [];
  const section = /##\s*Last \d+ logged steps\s*\n([\s\S]*?)(\n##|\n*$)/i.exec(markdown ?? "");
  if (section) {
    const lines = section[1].split("\n").filter((l) => l.trim().startsWith("|"));
    if (lines.length >= 2) {
      const cells = (l: string) => l.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      const header = cells(lines[0]);
      for (const line of lines.slice(2)) {
        const row: Record<string, number> = {};
        cells(line).forEach((c, i) => {
          if (c !== "" && header[i] !== undefined) {
            const v = toNumber(c);
            if (v !== null) row[header[i]] = v;
          }
        });
        lastSteps.push(row);
      }
    }
  }
  const out: FailureReport = {state, reason, collapseStep, rule, lastSteps};
  if (state === null && reason === null && collapseStep === null) out.problem = "no state, failure_reason or collapse_step found";
  return out;
}

