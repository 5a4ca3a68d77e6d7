import tCdf from "@stdlib/stats-base-dists-t-cdf";
import {benjaminiHochberg, bootstrapCI, bootstrapCI2, hedgesG, hedgesJ, holm, welchTTest} from "../stats/index.js";
import {groupKeyOf, runAttribute, type GroupBy, type RunRow} from "./rows.js";
import type {RunValue} from "./common-step.js";
import {resolveBootstrap, type CompareBootstrapOptions, type ExcludedRun} from "./rank-groups.js";
import {mean, sampleSd} from "./_summary.js";
import {ratioOfSums} from "../stats/_resampleMean.js";
import type {PAdjust} from "./pairwise.js";

export interface OptimizerEffectOptions {
  /** The run attribute that holds the arm (default "optimizer"). */
  arm?: string;
  /** Arm value A, the reference (default "adamw"); compared as text, so 0.003 matches 0.003. */
  baseline?: string | number | boolean;
  /** Arm value B (default "manifold_adamw"). */
  treatment?: string | number | boolean;
  /** Strata compared separately (default "fp8_format"; e.g. ["lr", "fp8_format"]). */
  by?: GroupBy;
  /** Attribute that pairs runs across arms (default "seed"); null: never pair. */
  pairBy?: string | null;
  /** Which direction of the value is better (default "lower"). */
  direction?: "lower" | "higher";
  adjust?: PAdjust;
  bootstrap?: CompareBootstrapOptions;
}

export interface ArmSummary {
  n: number;
  mean: number;
  /** Pairing-key value of each run with a value, in run order. */
  seeds: unknown[];
  runIds: string[];
  values: number[];
  excluded: ExcludedRun[];
}

export interface OptimizerEffectStratum {
  key: string;
  values: Record<string, unknown>;
  baseline: ArmSummary;
  treatment: ArmSummary;
  pairing: "paired_by_seed" | "unpaired";
  /** Why the runs were, or were not, paired. */
  pairingReason: string;
  nPairs: number | null;
  /** The paired runs (paired_by_seed only): per seed, both values and difference = sign·(baseline − treatment), positive = treatment better. */
  pairs: {seed: unknown; baseline: number; treatment: number; difference: number; baselineRunId: string; treatmentRunId: string}[];
  /** Improvement of treatment over baseline in % of the baseline mean (positive = treatment better). */
  improvementPercent: number;
  lower: number | null;
  upper: number | null;
  /** Effect size, positive = treatment better: Hedges' g (unpaired) or g_z = J(n−1)·mean(d)/sd(d) (paired). */
  effectSize: {kind: "hedges_g" | "hedges_gz"; g: number; d: number; reason?: string};
  /** Paired t-test (paired) or Welch's t-test (unpaired), two-sided. */
  test: {name: "paired_t" | "welch_t"; statistic: number; df: number; pValue: number; pAdjusted: number; reason?: string};
  reasons: string[];
}

export interface OptimizerEffectResult {
  arm: string;
  baseline: string | number | boolean;
  treatment: string | number | boolean;
  direction: "lower" | "higher";
  adjust: PAdjust;
  /** Strata with a p-value entering the adjustment. */
  testsAdjusted: number;
  strata: OptimizerEffectStratum[];
  /** Runs whose arm is neither baseline nor treatment, or who are not in `runs`. */
  ignored: {run_id: string; reason: string}[];
  bootstrap: Required<CompareBootstrapOptions>;
}

function pairedT(d: readonly number[]): {statistic: number; df: number; pValue: number; reason?: string} {
  const n = d.length;
  if (n < 2) return {statistic: NaN, df: NaN, pValue: NaN, reason: "fewer than 2 pairs"};
  const m = mean(d);
  const sd = sampleSd(d);
  const df = n - 1;
  if (sd === 0) {
    return m === 0 ? {statistic: NaN, df, pValue: NaN, reason: "all paired differences are 0"} : {statistic: Math.sign(m) * Infinity, df, pValue: 0, reason: "all paired differences are equal (zero variance)"};
  }
  const t = m / (sd / Math.sqrt(n));
  return {statistic: t, df, pValue: Math.min(1, 2 * tCdf(-Math.abs(t), df))};
}

const keyOf = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/**
 * Optimizer (or any two-arm factor) B vs A within each stratum (default: per fp8_format): improvement
 * in % of A's mean with a bootstrap CI, an effect size, and a t-test with p adjusted across strata.
 * Runs are paired by seed when both arms hold exactly the same seeds (each once) with a value:
 * differences per seed, paired bootstrap (resampling seeds), g_z and the paired t-test; otherwise
 * unpaired (independent bootstrap, Hedges' g, Welch), and `pairingReason` says why. Seed counts are in
 * `baseline`/`treatment`. Runs without a value are listed as excluded, never dropped silently.
 */
export function optimizerEffect(values: readonly RunValue[], runs: readonly RunRow[], options: OptimizerEffectOptions = {}): OptimizerEffectResult {
  const arm = options.arm ?? "optimizer";
  const baseline = options.baseline ?? "adamw";
  const treatment = options.treatment ?? "manifold_adamw";
  const by = options.by ?? "fp8_format";
  const pairBy = options.pairBy === undefined ? "seed" : options.pairBy;
  const direction = options.direction === "higher" ? "higher" : "lower";
  const adjust: PAdjust = options.adjust === "bh" ? "bh" : "holm";
  const boot = resolveBootstrap(options.bootstrap);
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  const ignored: OptimizerEffectResult["ignored"] = [];
  type Arm = {v: RunValue[]; excluded: ExcludedRun[]};
  const strata = new Map<string, {values: Record<string, unknown>; a: Arm; b: Arm}>();
  for (const v of values) {
    const run = runById.get(v.run_id);
    if (run === undefined) {
      ignored.push({run_id: v.run_id, reason: "not in runs"});
      continue;
    }
    const armValue = runAttribute(run, arm);
    const which = armValue === undefined ? null : String(armValue) === String(baseline) ? "a" : String(armValue) === String(treatment) ? "b" : null;
    if (which === null) {
      ignored.push({run_id: v.run_id, reason: `${arm} = ${keyOf(armValue)}`});
      continue;
    }
    const g = groupKeyOf(run, by);
    let s = strata.get(g.key);
    if (s === undefined) strata.set(g.key, (s = {values: g.values, a: {v: [], excluded: []}, b: {v: [], excluded: []}}));
    const target = s[which];
    if (v.status === "ok" && v.value !== null && Number.isFinite(v.value)) target.v.push(v);
    else target.excluded.push({run_id: v.run_id, name: v.name, status: v.status, reason: v.reason ?? v.status});
  }

  const sign = direction === "lower" ? 1 : -1;
  const out: OptimizerEffectStratum[] = [];
  let k = 0;
  for (const [key, s] of strata) {
    const reasons: string[] = [];
    const summary = (armData: Arm): ArmSummary => ({
      n: armData.v.length,
      mean: armData.v.length > 0 ? mean(armData.v.map((x) => x.value as number)) : NaN,
      seeds: armData.v.map((x) => (pairBy === null ? null : runAttribute(runById.get(x.run_id)!, pairBy) ?? null)),
      runIds: armData.v.map((x) => x.run_id),
      values: armData.v.map((x) => x.value as number),
      excluded: armData.excluded
    });
    const A = summary(s.a);
    const B = summary(s.b);
    // Pairing.
    let pairing: OptimizerEffectStratum["pairing"] = "unpaired";
    let pairingReason: string;
    let pairs: {a: number; b: number; seed: unknown; ia: number; ib: number}[] = [];
    if (pairBy === null) pairingReason = "pairing disabled";
    else {
      const ka = A.seeds.map(keyOf);
      const kb = B.seeds.map(keyOf);
      const dupA = ka.length !== new Set(ka).size;
      const dupB = kb.length !== new Set(kb).size;
      const missingKey = A.seeds.some((x) => x === null) || B.seeds.some((x) => x === null);
      const same = ka.length === kb.length && ka.every((x) => kb.includes(x));
      if (missingKey) pairingReason = `some runs have no ${pairBy}`;
      else if (dupA || dupB) pairingReason = `a ${pairBy} occurs more than once in an arm`;
      else if (!same) pairingReason = `${pairBy}s differ: ${baseline} {${ka.join(", ")}}, ${treatment} {${kb.join(", ")}}`;
      else if (ka.length < 2) pairingReason = `only ${ka.length} common ${pairBy}(s)`;
      else {
        pairing = "paired_by_seed";
        pairingReason = `both arms have ${pairBy}s {${ka.join(", ")}}`;
        pairs = ka.map((x, i) => ({a: A.values[i], b: B.values[kb.indexOf(x)], seed: A.seeds[i], ia: i, ib: kb.indexOf(x)}));
      }
    }
    const base = Math.abs(A.mean);
    const improvementPercent = A.n > 0 && B.n > 0 ? (100 * sign * (A.mean - B.mean)) / base : NaN;
    if (A.n === 0 || B.n === 0) reasons.push(`no value in arm ${A.n === 0 ? baseline : treatment}`);
    let lower: number | null = null;
    let upper: number | null = null;
    let effectSize: OptimizerEffectStratum["effectSize"];
    let test: OptimizerEffectStratum["test"];
    const bootOpts = {resamples: boot.resamples, confidence: boot.confidence, method: boot.method, seed: boot.seed + k};
    if (pairing === "paired_by_seed") {
      const n = pairs.length;
      const d = pairs.map((p) => sign * (p.a - p.b));
      const idx = pairs.map((_, i) => i);
      // 100 · Σ d / |Σ a| over the resampled pairs (the bootstrap draws it with a dedicated kernel).
      const ci = bootstrapCI(idx, ratioOfSums(d, pairs.map((p) => p.a), 100), bootOpts);
      if (Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) {
        lower = ci.lower;
        upper = ci.upper;
      } else reasons.push(`bootstrap CI: ${ci.reason ?? "not available"}`);
      const sdD = sampleSd(d);
      const dz = mean(d) / sdD;
      const j = hedgesJ(n - 1);
      effectSize = {kind: "hedges_gz", g: j * dz, d: dz};
      if (!(n - 1 >= 2)) effectSize.reason = `${n} pairs: the small-sample correction needs ≥ 3 pairs (d_z reported uncorrected)`;
      else if (sdD === 0) effectSize.reason = "zero variance of the paired differences";
      const t = pairedT(d);
      test = {name: "paired_t", statistic: t.statistic, df: t.df, pValue: t.pValue, pAdjusted: NaN};
      if (t.reason) test.reason = t.reason;
    } else {
      const ci = bootstrapCI2(A.values, B.values, (a, b) => (100 * sign * (mean(a) - mean(b))) / Math.abs(mean(a)), bootOpts);
      if (Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) {
        lower = ci.lower;
        upper = ci.upper;
      } else reasons.push(`bootstrap CI: ${ci.reason ?? "not available"}`);
      const g = direction === "lower" ? hedgesG(A.values, B.values) : hedgesG(B.values, A.values);
      effectSize = {kind: "hedges_g", g: g.g, d: g.d};
      if (g.reason) effectSize.reason = g.reason;
      const w = welchTTest(A.values, B.values);
      test = {name: "welch_t", statistic: sign * w.statistic, df: w.df, pValue: w.pValue, pAdjusted: NaN};
      if (w.reason) test.reason = w.reason;
    }
    if (A.mean === 0) reasons.push("baseline mean is 0: improvement in % undefined");
    out.push({key, values: s.values, baseline: A, treatment: B, pairing, pairingReason, nPairs: pairing === "paired_by_seed" ? pairs.length : null,
      pairs: pairs.map((p) => ({seed: p.seed, baseline: p.a, treatment: p.b, difference: sign * (p.a - p.b), baselineRunId: A.runIds[p.ia], treatmentRunId: B.runIds[p.ib]})),
      improvementPercent, lower, upper, effectSize, test, reasons});
    ++k;
  }
  const adj = (adjust === "bh" ? benjaminiHochberg : holm)(out.map((s) => s.test.pValue));
  out.forEach((s, i) => (s.test.pAdjusted = adj[i]));
  return {
    arm, baseline, treatment, direction, adjust,
    testsAdjusted: out.filter((s) => s.test.pValue >= 0 && s.test.pValue <= 1).length,
    strata: out, ignored, bootstrap: boot
  };
}
