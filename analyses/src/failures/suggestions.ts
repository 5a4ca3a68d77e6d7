import {fmt, groupKeyOf, type GroupBy, type RunRow} from "../compare/rows.js";
import type {FailureClassification, FailureMode, RuleCheck} from "./classify.js";
import type {FailureAssociation} from "./rates.js";

export interface Suggestion {
  /** The failure mode it is about, or "association" for a parameter associated with failure. */
  topic: FailureMode | "association";
  /** Worded as a hypothesis ("may help", "is consistent with"), never as a fact. */
  hypothesis: string;
  /** The observations it rests on, each with its numbers. */
  evidence: string[];
  /** The key numbers, machine-readable. */
  numbers: Record<string, number>;
  runIds: string[];
  /** What the evidence cannot show. */
  caveat: string;
}

export interface SuggestionOptions {
  /** Runs and a grouping (e.g. "fp8_format") to break each mode down by group. */
  runs?: readonly RunRow[];
  groupBy?: GroupBy;
  /** Associations (from failureAssociation) to turn into hypotheses when p < alpha. */
  associations?: readonly FailureAssociation[];
  /** Significance level for associations (default 0.05). */
  alpha?: number;
}

const HYPOTHESES: Record<Exclude<FailureMode, "none">, string> = {
  nan_loss: "The loss became non-finite: a lower learning rate, stronger gradient clipping or a number format with more exponent bits (wider range) may help.",
  bit_stall: "The stored codes stopped changing (updates below half a grid step): more mantissa bits (a finer grid), manifold-aware (ULP-scaled) updates or a larger late-schedule learning rate may help.",
  overflow: "Weights were clipped at the format's maximum: more exponent bits (wider range), gradient clipping or more frequent scale updates may help.",
  early_stop: "Validation loss stopped improving: the run may have converged, or a lower learning rate / longer schedule may help.",
  other: "The run reports a failure reason that is not one of the known modes: its cause may be outside the logged metrics.",
  crashed: "The run crashed or failed without a reason and without metric evidence: the cause may lie outside training (infrastructure, memory, an error in the code); the logs may tell."
};

const minOf = (xs: number[]): number => xs.reduce((a, b) => (b < a ? b : a));
const maxOf = (xs: number[]): number => xs.reduce((a, b) => (b > a ? b : a));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function ruleOf(c: FailureClassification, mode: FailureMode): RuleCheck | undefined {
  return c.rules.find((r) => r.rule === mode);
}

/**
 * Evidence-based suggestions, worded as hypotheses: one per failure mode present (with how many runs,
 * their collapse steps, the values that met the rule, and a per-group breakdown when runs and groupBy
 * are given), and one per associated parameter with p < alpha. Every suggestion cites its numbers and
 * carries a caveat; nothing is stated as a fact.
 */
export function failureSuggestions(classifications: readonly FailureClassification[], options: SuggestionOptions = {}): Suggestion[] {
  const out: Suggestion[] = [];
  const total = classifications.length;
  const runById = new Map((options.runs ?? []).map((r) => [r.run_id, r]));
  for (const mode of ["nan_loss", "bit_stall", "overflow", "early_stop", "other", "crashed"] as const) {
    const hit = classifications.filter((c) => c.mode === mode);
    if (hit.length === 0) continue;
    const evidence: string[] = [];
    const numbers: Record<string, number> = {runs: hit.length, of: total};
    const steps = hit.map((c) => c.collapseStep).filter((s): s is number => s !== null);
    let line = `${hit.length} of ${total} runs classified ${mode}`;
    if (steps.length > 0) {
      numbers.minStep = minOf(steps);
      numbers.maxStep = maxOf(steps);
      numbers.medianStep = median(steps);
      line += `, collapse steps ${numbers.minStep}–${numbers.maxStep} (median ${fmt(numbers.medianStep)})`;
    }
    if (steps.length < hit.length) line += `; ${hit.length - steps.length} without a collapse step`;
    evidence.push(line);
    if (mode === "bit_stall" || mode === "overflow") {
      const vals = hit.flatMap((c) => ruleOf(c, mode)?.values.map((v) => v.value) ?? []);
      if (vals.length > 0) {
        const check = hit.map((c) => ruleOf(c, mode)).find((r) => r !== undefined)!;
        numbers.minValueInStreak = minOf(vals);
        numbers.maxValueInStreak = maxOf(vals);
        evidence.push(`over the streaks that met the rule (${check.description}) the values ranged ${fmt(numbers.minValueInStreak)}–${fmt(numbers.maxValueInStreak)}`);
      } else {
        evidence.push(`the history rule was not met in these runs; the mode comes from the reported failure_reason`);
      }
      // Near misses among runs not stopped by this mode.
      const near = classifications
        .filter((c) => c.mode !== mode)
        .map((c) => ({c, r: ruleOf(c, mode)}))
        .filter(({r}) => r?.longestStreak !== undefined && r.longestStreak.length > 0);
      if (near.length > 0) {
        const longest = near.reduce((a, b) => (b.r!.longestStreak!.length > a.r!.longestStreak!.length ? b : a));
        numbers.longestStreakElsewhere = longest.r!.longestStreak!.length;
        evidence.push(`runs not stopped by ${mode}: longest streak over the threshold ${longest.r!.longestStreak!.length} logged steps (${longest.c.name ?? longest.c.run_id})`);
      }
    }
    if (mode === "nan_loss") {
      for (const c of hit.slice(0, 5)) {
        const v = ruleOf(c, "nan_loss")?.values[0];
        if (v) evidence.push(`${c.name ?? c.run_id}: ${v.metric} = ${fmt(v.value)} at step ${v.step}`);
      }
    }
    if (mode === "early_stop") {
      for (const c of hit.slice(0, 5)) {
        const v = ruleOf(c, "early_stop")?.values;
        if (v && v.length > 0) evidence.push(`${c.name ?? c.run_id}: no improvement at evaluations ${v.map((x) => `${x.step} (${fmt(x.value)})`).join(", ")}`);
      }
    }
    if (options.groupBy !== undefined && runById.size > 0) {
      const counts = new Map<string, {hit: number; n: number}>();
      for (const c of classifications) {
        const run = runById.get(c.run_id);
        const key = run ? groupKeyOf(run, options.groupBy).key : "(run not in runs)";
        const e = counts.get(key) ?? {hit: 0, n: 0};
        e.n++;
        if (c.mode === mode) e.hit++;
        counts.set(key, e);
      }
      evidence.push(`by group: ${[...counts].map(([k, e]) => `${k} ${e.hit}/${e.n}`).join(", ")}`);
    }
    const disagreeing = hit.filter((c) => !c.consistent).length;
    if (disagreeing > 0) evidence.push(`${disagreeing} of these runs have sources that disagree (see their evidence)`);
    out.push({
      topic: mode,
      hypothesis: `Hypothesis: ${HYPOTHESES[mode]}`,
      evidence,
      numbers,
      runIds: hit.map((c) => c.run_id),
      caveat: `Observational: ${hit.length} run(s); the remedies are untested here${hit.length < 3 ? ", and so few runs give little support" : ""}.`
    });
  }

  const alpha = options.alpha !== undefined && options.alpha > 0 && options.alpha < 1 ? options.alpha : 0.05;
  for (const a of options.associations ?? []) {
    if (a.test === null || !(a.pValue < alpha)) continue;
    const levels = [...a.levels].filter((l) => l.n > 0).sort((x, y) => x.rate - y.rate);
    const best = levels[0];
    const worst = levels[levels.length - 1];
    const numbers: Record<string, number> = {pValue: a.pValue, statistic: a.statistic, bestRate: best.rate, worstRate: worst.rate};
    const rates = a.levels.map((l) => `${l.key}: ${l.failures}/${l.n} = ${fmt(l.rate)} [${fmt(l.lower)}, ${fmt(l.upper)}]`);
    // Confounding: do the levels cover different values of the grouping attribute (e.g. other formats)?
    let confounded: string | null = null;
    if (options.groupBy !== undefined && runById.size > 0 && options.groupBy !== a.parameter) {
      const cover = a.levels.map((l) => new Set(l.runIds.map((id) => {
        const run = runById.get(id);
        return run ? groupKeyOf(run, options.groupBy!).key : "(run not in runs)";
      })));
      const same = cover.every((c) => c.size === cover[0].size && [...c].every((k) => cover[0].has(k)));
      if (!same) {
        const label = typeof options.groupBy === "string" ? options.groupBy : Array.isArray(options.groupBy) ? options.groupBy.join(", ") : "the grouping";
        confounded = `the values of ${a.parameter} cover different ${label} values (${a.levels.map((l, i) => `${l.key}: ${cover[i].size}`).join(", ")}), so this comparison is confounded with ${label}`;
      }
    }
    out.push({
      topic: "association",
      hypothesis: `Hypothesis: failure may depend on ${a.parameter}; runs with ${a.parameter} = ${best.key} failed least (${fmt(best.rate)} vs ${fmt(worst.rate)} for ${worst.key}), so moving ${a.parameter} toward ${best.key} may reduce failures.`,
      evidence: [
        `failure rate by ${a.parameter} (Wilson ${Math.round(best.confidence * 100)}% CI): ${rates.join("; ")}`,
        `${a.test === "fisher_exact" ? "Fisher exact test (two-sided)" : `Pearson chi-square test (df ${a.df})`}: p = ${fmt(a.pValue)}${a.note ? ` (${a.note})` : ""}`
      ],
      numbers,
      runIds: a.levels.flatMap((l) => l.failedRunIds),
      caveat: confounded !== null
        ? `An association across runs, not a controlled effect: ${confounded}.`
        : `An association across runs, not a controlled effect unless ${a.parameter} was the only factor varied between these runs.`
    });
  }
  return out;
}
