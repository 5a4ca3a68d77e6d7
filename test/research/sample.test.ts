// The research modules on the real sample (sample/altgrad-fp8, built into a Parquet workspace by the
// project's loader and read back with DuckDB, as the pages get it). Expected numbers come from the
// dataset README (tables parsed by test/analyses-core/sample.ts) and from test/research/reference.py
// (scipy 1.10.1 / statsmodels 0.13.5 over the raw JSON files); literals copied from reference.py name
// their section.
import {beforeAll, describe, expect, it} from "vitest";
import {
  failuresReport,
  formatsReport,
  optimizersReport,
  researchAnswer,
  type FailuresReport,
  type FormatsReport,
  type OptimizersReport,
  type ResearchAnswer,
  type ResearchTable
} from "../../analyses/src/research/index.js";
import {loadSample, readmeCells, readmeRuns, type SampleData} from "../analyses-core/sample.js";
import {expectClose} from "../stats/close.js";

let sample: SampleData;
let formats: FormatsReport;
let failures: FailuresReport;
let optimizers: OptimizersReport;
let answer: ResearchAnswer;

const FORMATS = ["fp32", "e0m7", "e1m6", "e2m5", "e3m4", "e4m3", "e5m2", "e7m0"];

beforeAll(async () => {
  sample = await loadSample();
  const data = {runs: sample.runs, history: sample.history};
  formats = formatsReport(data);
  failures = failuresReport(data);
  optimizers = optimizersReport(data);
  answer = researchAnswer(data);
});

function rows(t: ResearchTable, where: Record<string, unknown> = {}) {
  return t.rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));
}

function one(t: ResearchTable, where: Record<string, unknown>) {
  const found = rows(t, where);
  expect(found, JSON.stringify(where)).toHaveLength(1);
  return found[0]!;
}

/** Every cell of every table is a string, finite number, boolean or null, and every row has exactly the declared columns. */
function expectPlainTables(tables: Record<string, ResearchTable>) {
  for (const [name, t] of Object.entries(tables)) {
    const keys = t.columns.map((c) => c.key);
    expect(new Set(keys).size, `${name}: duplicate column keys`).toBe(keys.length);
    for (const r of t.rows) {
      expect(Object.keys(r).sort(), `${name} row keys`).toEqual([...keys].sort());
      for (const [k, v] of Object.entries(r)) {
        const ok = v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
        expect(ok, `${name}.${k} = ${String(v)}`).toBe(true);
      }
    }
  }
}

describe("formatsReport (ANAL-01) on the sample", () => {
  it("holds lr at its most common value 0.003: 48 runs, 8 formats × 6 runs, the 32 lr-sweep runs listed as left out", () => {
    expect(formats.subset.fixed).toEqual({lr: 0.003});
    expect(formats.subset.fixedHow).toEqual({lr: "auto"});
    expect(formats.subset.runs).toHaveLength(48);
    expect(formats.subset.outside).toHaveLength(32);
    expect(formats.subset.outside.every((r) => /^lr = (0\.03|0\.1)$/.test(r.reason))).toBe(true);
    expect(formats.subset.formats).toEqual(FORMATS); // reference format first, then natural order
    expect(formats.subset.candidates).toEqual(FORMATS.slice(1));
    expectPlainTables(formats.tables);
  });

  it("best val_loss per format = the README's per-optimizer means pooled (equal n), with n, failures and CIs per cell", () => {
    // README "Per lr / format / optimizer": mean best val_loss at 3e-3 per optimizer (3 seeds each).
    const cells = readmeCells().filter((c) => c.lr === 0.003);
    const ranking = rows(formats.tables.ranking, {metric: "val_loss", selector: "best"});
    expect(ranking).toHaveLength(8);
    const failedByFormat = new Map<string, number>();
    for (const r of readmeRuns().filter((r) => r.lr === 0.003)) {
      const f = r.name.split("-")[0]!;
      failedByFormat.set(f, (failedByFormat.get(f) ?? 0) + (r.reason === "" ? 0 : 1));
    }
    for (const f of FORMATS) {
      const expected = cells.filter((c) => c.format === f).reduce((s, c) => s + c.meanBestVal, 0) / 2;
      const r = one(formats.tables.ranking, {metric: "val_loss", selector: "best", format: f});
      expect(r.estimate as number).toBeCloseTo(expected, 3);
      expect(r.n).toBe(6);
      expect(r.n_runs).toBe(6);
      expect(r.n_failed).toBe(failedByFormat.get(f));
      expect(r.ci_lower as number).toBeLessThanOrEqual(r.estimate as number);
      expect(r.ci_upper as number).toBeGreaterThanOrEqual(r.estimate as number);
      expect(r.reference).toBe(f === "fp32");
    }
    // reference.py "formats": fp32 1.858027 best, e3m4 2.112609 best candidate, e7m0 3.623534 last
    expect(one(formats.tables.ranking, {metric: "val_loss", selector: "best", rank: 1}).format).toBe("fp32");
    expectClose(one(formats.tables.ranking, {metric: "val_loss", selector: "best", format: "fp32"}).estimate as number, 1.858027, 1e-6);
    expect(one(formats.tables.ranking, {metric: "val_loss", selector: "best", rank: 2}).format).toBe("e3m4");
    expect(one(formats.tables.ranking, {metric: "val_loss", selector: "best", rank: 8}).format).toBe("e7m0");
    // e0m7 and e1m6 have identical histories (README): they share a rank.
    const e0 = one(formats.tables.ranking, {metric: "val_loss", selector: "best", format: "e0m7"});
    const e1 = one(formats.tables.ranking, {metric: "val_loss", selector: "best", format: "e1m6"});
    expect(e0.rank).toBe(e1.rank);
    expect(formats.findings.join(" ")).toContain("e3m4 ranks first");
  });

  it("compares at a common step: 110, the last step of the three e7m0-adamw runs (every run has a value there)", () => {
    // reference.py "formats": common step 110 ['e7m0-adamw-s0', 'e7m0-adamw-s1', 'e7m0-adamw-s2']
    expect(formats.commonStep.step).toBe(110);
    expect(formats.commonStep.how).toBe("auto");
    expect(formats.commonStep.limitedBy.map((id) => sample.runs.find((r) => r.run_id === id)!.name).sort()).toEqual(["e7m0-adamw-s0", "e7m0-adamw-s1", "e7m0-adamw-s2"]);
    const at = rows(formats.tables.ranking, {metric: "val_loss", selector: "step"});
    expect(at).toHaveLength(8);
    for (const r of at) {
      expect(r.step).toBe(110);
      expect(r.n).toBe(6);
      expect(r.n_excluded).toBe(0);
    }
    // reference.py: mean val_loss at 110: fp32 2.624177, e3m4 2.639093, e7m0 4.185138
    expectClose(one(formats.tables.ranking, {metric: "val_loss", selector: "step", format: "fp32"}).estimate as number, 2.624177, 1e-6);
    expectClose(one(formats.tables.ranking, {metric: "val_loss", selector: "step", format: "e3m4"}).estimate as number, 2.639093, 1e-6);
    expectClose(one(formats.tables.ranking, {metric: "val_loss", selector: "step", format: "e7m0"}).estimate as number, 4.185138, 1e-6);
  });

  it("a later common step lists the runs that stopped before it, never silently dropping them", () => {
    const r = formatsReport({runs: sample.runs, history: sample.history}, {step: 300, metrics: ["val_loss"], layerKinds: [], runMetrics: [], resamples: 200});
    const e7 = one(r.tables.ranking, {selector: "step", format: "e7m0"});
    expect(e7.n).toBe(0);
    expect(e7.n_excluded).toBe(6);
    expect(e7.estimate).toBeNull();
    expect(String(e7.excluded)).toMatch(/e7m0-adamw-s0: run stopped at step 110 < 300/);
    // test/analyses-core reference: e5m2-manifold-s0 and -s1 stopped before 300 (at 295, 290)
    const e5 = one(r.tables.ranking, {selector: "step", format: "e5m2"});
    expect(e5.n).toBe(4);
    expect(e5.n_excluded).toBe(2);
  });

  it("pairwise matrix: 28 pairs; Welch p and Holm-adjusted p as scipy/statsmodels", () => {
    expect(formats.tables.pairwise.rows).toHaveLength(28);
    // reference.py "formats": welch best val_loss fp32 vs e3m4 p 0.0741546 holm 0.741546; fp32 vs e7m0 p 1.93149e-07 holm 4.63558e-06; e3m4 vs e4m3 p 0.0366325 holm 0.402958
    const a = one(formats.tables.pairwise, {format_a: "fp32", format_b: "e3m4"});
    expectClose(a.welch_p as number, 0.0741546, 1e-5);
    expectClose(a.welch_p_adj as number, 0.741546, 1e-5);
    expect(a.difference as number).toBeLessThan(0); // fp32 lower (better)
    const b = one(formats.tables.pairwise, {format_a: "fp32", format_b: "e7m0"});
    expectClose(b.welch_p as number, 1.93149e-7, 1e-5);
    expectClose(b.welch_p_adj as number, 4.63558e-6, 1e-5);
    const c = one(formats.tables.pairwise, {format_a: "e3m4", format_b: "e4m3"});
    expectClose(c.welch_p as number, 0.0366325, 1e-5);
    expectClose(c.welch_p_adj as number, 0.402958, 1e-5);
    // reference.py: pairs with holm-adjusted welch p < 0.05: 13 of 28
    expect(formats.tables.pairwise.rows.filter((r) => (r.welch_p_adj as number) < 0.05)).toHaveLength(13);
    for (const r of formats.tables.pairwise.rows) {
      expect(r.n_a).toBe(6);
      expect(r.n_b).toBe(6);
      expectClose(r.difference as number, (r.mean_a as number) - (r.mean_b as number), 1e-12, 1e-12);
      expect(r.welch_p_adj as number).toBeGreaterThanOrEqual(r.welch_p as number);
    }
  });

  it("layer types: bit-stall sweet spot per layer type among FP8 formats (fp32 shown, never picked), overflow not logged per layer", () => {
    const types = [...new Set(formats.tables.layerTypes.rows.map((r) => r.layer_type))].sort();
    // README parameter tensors: wte/wpe (embedding), attn, mlp, ln (norm), lm_head (classifier)
    expect(types).toEqual(["attention", "classifier", "embedding", "mlp", "norm"]);
    expect(rows(formats.tables.layerTypes, {kind: "bit_stall", layer_type: "attention"})).toHaveLength(8);
    const attnLayers = one(formats.tables.layerTypes, {kind: "bit_stall", layer_type: "attention", format: "e3m4"}).layers;
    expect(attnLayers).toBe(4); // h.0/h.1 × c_attn/c_proj
    // fp32 has no quantization: bit stalls are float32 no-ops (README final bit_stall_rate 0.0000)
    const fp32 = one(formats.tables.layerTypes, {kind: "bit_stall", layer_type: "mlp", format: "fp32"});
    expect(fp32.estimate as number).toBeLessThan(1e-4); // README: final bit_stall_rate 0.0000
    expect(fp32.rank).toBeNull();
    expect(fp32.reference).toBe(true);
    const sweet = rows(formats.tables.sweetSpots, {kind: "bit_stall"});
    expect(sweet).toHaveLength(5);
    for (const s of sweet) {
      expect(FORMATS.slice(1)).toContain(s.sweet_spot);
      expect(["clear", "likely", "uncertain", "unknown"]).toContain(s.certainty);
      expect(s.n).toBe(6);
    }
    // grad norms are descriptive: rows but no sweet spot, no ranks
    expect(rows(formats.tables.layerTypes, {kind: "grad_norm_l2"}).length).toBe(40);
    expect(rows(formats.tables.layerTypes, {kind: "grad_norm_l2"}).every((r) => r.rank === null)).toBe(true);
    expect(rows(formats.tables.sweetSpots, {kind: "grad_norm_l2"})).toHaveLength(0);
    expect(rows(formats.tables.layerTypes, {kind: "overflow"})).toHaveLength(0);
    expect(formats.notes.join("\n")).toContain('no per-layer "overflow/<parameter>" metric is logged');
  });

  it("run-level quantization metrics: e7m0 and fp32 never overflow; e3m4's max overflow is 0.0042 (README, step 20 ≤ 110)", () => {
    const max = (f: string) => one(formats.tables.quantization, {metric: "quantization/overflow_rate", format: f}).max as number;
    expect(max("e7m0")).toBe(0);
    expect(max("fp32")).toBe(0);
    expect(max("e3m4")).toBeCloseTo(0.0042, 4);
    expect(rows(formats.tables.quantization, {metric: "quantization/bit_stall_rate"})).toHaveLength(8);
  });

  it("lists every compared run with its failure mode and primary-metric values (README run table)", () => {
    const table = readmeRuns().filter((r) => r.lr === 0.003);
    expect(formats.tables.runs.rows).toHaveLength(48);
    for (const t of table) {
      const r = one(formats.tables.runs, {run_id: t.runId});
      expect(r.mode).toBe(t.reason === "" ? "none" : "bit_stall");
      expect(r.collapse_step).toBe(t.failureStep);
      expect(r.last_step).toBe(t.lastStep);
      expect(r.final as number).toBeCloseTo(t.lastVal, 4);
      expect(r.best as number).toBeCloseTo(t.bestVal, 4);
      expect(r.state).toBe(t.state);
    }
  });
});

describe("failuresReport (ANAL-02) on the sample", () => {
  it("classifies every run: 51 bit_stall, 29 none, collapse steps = the README's failure_step, sources agree", () => {
    expect(failures.subset.runs).toHaveLength(80);
    expect(Object.fromEntries(failures.tables.modes.rows.map((r) => [r.mode, r.n]))).toEqual({bit_stall: 51, none: 29});
    for (const t of readmeRuns()) {
      const r = one(failures.tables.runs, {run_id: t.runId});
      expect(r.mode).toBe(t.reason === "" ? "none" : "bit_stall");
      expect(r.collapse_step).toBe(t.failureStep);
      expect(r.consistent).toBe(true);
      if (t.reason === "bit_stall") expect(String(r.evidence)).toContain("quantization/bit_stall_rate > 0.95 for 20 consecutive logged steps");
    }
    expectPlainTables(failures.tables);
  });

  it("failure rate by format and optimizer with Wilson CIs (reference.py 'failures')", () => {
    const expected: Record<string, [number, number]> = {fp32: [0, 14], e0m7: [6, 6], e1m6: [6, 6], e2m5: [6, 6], e3m4: [5, 14], e4m3: [8, 14], e5m2: [14, 14], e7m0: [6, 6]};
    for (const [f, [k, n]] of Object.entries(expected)) {
      const r = one(failures.tables.rates, {by: "fp8_format", group: f});
      expect([r.failures, r.n]).toEqual([k, n]);
    }
    // optimizer adamw 22 / 40 wilson 0.3982909180 0.6929469219; manifold_adamw 29 / 40 wilson 0.5716504419 0.8389198375
    const a = one(failures.tables.rates, {by: "optimizer", group: "adamw"});
    expect([a.failures, a.n]).toEqual([22, 40]);
    expectClose(a.ci_lower as number, 0.398290918, 1e-8);
    expectClose(a.ci_upper as number, 0.6929469219, 1e-8);
    const m = one(failures.tables.rates, {by: "optimizer", group: "manifold_adamw"});
    expectClose(m.ci_lower as number, 0.5716504419, 1e-8);
    expectClose(m.ci_upper as number, 0.8389198375, 1e-8);
    expect(one(failures.tables.rates, {by: "all runs"}).failures).toBe(51);
    expect(rows(failures.tables.rates, {by: "fp8_format × optimizer"})).toHaveLength(16);
  });

  it("tests config parameters for association with failure (Fisher / chi-square as scipy), marks identical splits", () => {
    const params = failures.tables.associationTests.rows.map((r) => r.parameter).sort();
    expect(params).toEqual(["fp8_format", "fp8_scaling", "lr", "min_lr", "optimizer", "seed", "use_manifold_aware"]);
    // reference.py: fisher optimizer p 0.1623784086; chi-square lr X2 18.06626099 p 0.0001193881637 df 2
    const opt = one(failures.tables.associationTests, {parameter: "optimizer"});
    expect(opt.test).toBe("fisher_exact");
    expectClose(opt.p as number, 0.1623784086, 1e-8);
    expect(opt.same_split_as).toBe("use_manifold_aware");
    const lr = one(failures.tables.associationTests, {parameter: "lr"});
    expect(lr.test).toBe("chi_square");
    expectClose(lr.statistic as number, 18.06626099, 1e-8);
    expectClose(lr.p as number, 0.0001193881637, 1e-8);
    expect(lr.df).toBe(2);
    expect(lr.same_split_as).toBe("min_lr");
    for (const r of failures.tables.associationTests.rows) if (r.p !== null) expect(r.p_adj as number).toBeGreaterThanOrEqual(r.p as number);
    const lrLevels = rows(failures.tables.associations, {parameter: "lr"});
    expect(Object.fromEntries(lrLevels.map((r) => [r.value, [r.failures, r.n]]))).toEqual({"0.003": [39, 48], "0.03": [8, 16], "0.1": [4, 16]});
  });

  it("pre-collapse window of e4m3-adamw-s0 = the failure report's last 10 steps, next to the 6 healthy e4m3 runs", () => {
    const id = sample.idOf("e4m3-adamw-s0");
    const loss = rows(failures.tables.windows, {run_id: id, metric: "loss"});
    expect(loss.map((r) => r.step)).toEqual([415, 420, 425, 430, 435, 440, 445, 450, 455, 460]);
    const report = sample.reports[id]!.lastSteps;
    loss.forEach((r, i) => expect(r.value as number).toBeCloseTo(report[i]!.loss!, 5));
    // README: e4m3 finished at lr 3e-2 (adamw ×2) and 1e-1 (adamw ×2, manifold ×2): 6 healthy runs logging every 5 steps
    for (const r of loss) expect(r.healthy_n).toBe(6);
    // e5m2 failed in every run: no healthy comparison, said so
    const e5 = rows(failures.tables.windows, {run_id: sample.idOf("e5m2-adamw-s0"), metric: "loss"});
    expect(e5.length).toBe(10);
    expect(e5.every((r) => r.healthy_n === 0 && /no healthy run/.test(String(r.note)))).toBe(true);
  });

  it("gradient sparsity: no sparsity metric in the workspace (said), tensor-level zero-gradient share at every collapse", () => {
    expect(failures.notes.join("\n")).toMatch(/no gradient-sparsity metric is logged/);
    expect(failures.tables.sparsity.rows).toHaveLength(51);
    for (const r of failures.tables.sparsity.rows) {
      expect(r.measure).toBe("share of tensors with grad_norm_l2 = 0");
      expect(r.step).toBe(r.collapse_step);
      expect(r.value).toBe(0); // no tensor's gradient norm is exactly 0 at collapse in the sample
    }
  });

  it("failures by step and by creation time, and hypotheses with evidence", () => {
    const total = failures.tables.byStep.rows.reduce((s, r) => s + (r.failures as number), 0);
    expect(total).toBe(51);
    expect(failures.tables.byStep.rows[0]!.at_risk).toBe(80);
    // e7m0 fails at 110-115 (README): the 100–150 bucket holds those 6
    expect(one(failures.tables.byStep, {from: 100}).failures).toBe(6);
    const timeTotal = failures.tables.byTime.rows.reduce((s, r) => s + (r.n as number), 0);
    expect(timeTotal).toBe(80);
    expect(failures.tables.byTime.rows.reduce((s, r) => s + (r.failures as number), 0)).toBe(51);
    expect(failures.tables.suggestions.rows.length).toBeGreaterThan(0);
    for (const s of failures.tables.suggestions.rows) {
      expect(String(s.hypothesis)).toMatch(/^Hypothesis: /);
      expect(String(s.caveat).length).toBeGreaterThan(0);
    }
  });
});

describe("optimizersReport (ANAL-03) on the sample", () => {
  // reference.py "optimizers": improvement % and paired t p, Holm over the 8 formats
  const REF: Record<string, [number, number, number]> = {
    fp32: [21.649, 0.00157137, 0.0109996],
    e0m7: [-0.124, 0.130692, 0.522769],
    e1m6: [-0.124, 0.130692, 0.522769],
    e2m5: [-4.182, 0.0138585, 0.0692923],
    e3m4: [14.8381, 4.17876e-5, 0.000334301],
    e4m3: [13.2486, 0.00209082, 0.0125449],
    e5m2: [1.2484, 0.585691, 1],
    e7m0: [-2.2977, 0.643762, 1]
  };

  it("per format at lr 0.003: paired by seed {0,1,2}, improvement % and paired t p as scipy", () => {
    expect(optimizers.tables.effects.rows).toHaveLength(8);
    for (const [f, [imp, p, padj]] of Object.entries(REF)) {
      const r = one(optimizers.tables.effects, {format: f});
      expect(r.pairing).toBe("paired_by_seed");
      expect(r.n_pairs).toBe(3);
      expect(r.seeds_baseline).toBe("0, 1, 2");
      expect(r.seeds_treatment).toBe("0, 1, 2");
      expect(r.improvement_pct as number).toBeCloseTo(imp, 2);
      expectClose(r.p as number, p, 1e-4);
      expectClose(r.p_adj as number, padj, 1e-4);
      expect(r.test).toBe("paired_t");
      expect(r.stratum).toBe("lr = 0.003");
    }
    // README: fp32 manifold beats AdamW at lr 3e-3 (best val_loss 2.0836 → 1.6325)
    const fp32 = one(optimizers.tables.effects, {format: "fp32"});
    expect(fp32.baseline_mean as number).toBeCloseTo(2.0836, 3);
    expect(fp32.treatment_mean as number).toBeCloseTo(1.6325, 3);
    expect(optimizers.tables.pairs.rows).toHaveLength(24);
    expectPlainTables(optimizers.tables);
  });

  it("across the learning rates: manifold_adamw is worse in all four sweep formats at 3e-2 and 1e-1 (README)", () => {
    const strata = [...new Set(optimizers.tables.across.rows.map((r) => r.stratum))];
    expect(strata).toEqual(["lr = 0.003", "lr = 0.03", "lr = 0.1"]);
    // reference.py: lr 0.03 fp32 -11.486%, e3m4 -1.417%, e4m3 -3.948%, e5m2 -2.111%; lr 0.1 fp32 -10.498%, e3m4 -5.345%, e4m3 -9.000%, e5m2 -3.808%
    const ref: Record<string, Record<string, number>> = {
      "lr = 0.03": {fp32: -11.486, e3m4: -1.417, e4m3: -3.948, e5m2: -2.111},
      "lr = 0.1": {fp32: -10.498, e3m4: -5.345, e4m3: -9.0, e5m2: -3.808}
    };
    for (const [stratum, byFormat] of Object.entries(ref)) {
      const list = rows(optimizers.tables.across, {stratum});
      expect(list.map((r) => r.format)).toEqual(["fp32", "e3m4", "e4m3", "e5m2"]);
      for (const r of list) {
        expect(r.improvement_pct as number).toBeCloseTo(byFormat[r.format as string]!, 2);
        expect(r.n_pairs).toBe(2); // seeds 0, 1 in the sweep
      }
    }
    // the lr 0.003 stratum of `across` equals the main table
    expect(rows(optimizers.tables.across, {stratum: "lr = 0.003"}).map((r) => r.improvement_pct)).toEqual(optimizers.tables.effects.rows.map((r) => r.improvement_pct));
  });

  it("IQM curves per format × optimizer: 16 curves, 3 runs at step 0, stopped runs counted", () => {
    const curves = new Set(optimizers.tables.curves.rows.map((r) => `${r.format}/${r.arm}`));
    expect(curves.size).toBe(16);
    for (const r of rows(optimizers.tables.curves, {step: 0})) expect(r.n).toBe(3);
    // e5m2-manifold stops at 295, 290, 310 (README): at step 300 one run is left, two counted as stopped
    const late = one(optimizers.tables.curves, {format: "e5m2", arm: "manifold_adamw", step: 300});
    expect(late.n).toBe(1);
    expect(late.stopped).toBe(2);
    expect(late.ci_lower).toBeNull(); // n = 1: no band
    expect(Math.max(...rows(optimizers.tables.curves, {format: "e7m0", arm: "adamw"}).map((r) => r.step as number))).toBe(100); // val_loss every 50 steps; the run stopped at 110
    const fp = one(optimizers.tables.curves, {format: "fp32", arm: "manifold_adamw", step: 499});
    expect(fp.n).toBe(3);
    expect(fp.ci_lower as number).toBeLessThanOrEqual(fp.iqm as number);
  });
});

describe("researchAnswer on the sample", () => {
  it("answers from the data: e3m4 benefits most among FP8 formats (+14.8%), runner-up e4m3 (+13.2%); fp32 is a reference", () => {
    expect(answer.status).toBe("answered");
    expect(answer.best!.format).toBe("e3m4");
    expect(answer.best!.improvementPct).toBeCloseTo(14.8381, 2);
    expect(answer.best!.pairing).toBe("paired_by_seed");
    expect(answer.best!.nPairs).toBe(3);
    expectClose(answer.best!.pAdjusted!, 0.000334301, 1e-4);
    expect(answer.runnerUp!.format).toBe("e4m3");
    expect(answer.best!.probabilityMost!).toBeGreaterThan(0.5);
    expect(answer.headline).toMatch(/^e3m4 benefits most from manifold_adamw: best val_loss \+14\.8%/);
    expect(answer.paragraphs.join("\n")).toContain("Reference fp32: +21.6% (not a candidate)");
    const benefit = answer.tables.benefit.rows;
    expect(benefit[0]!.format).toBe("e3m4");
    expect(benefit.find((r) => r.format === "fp32")!.prob_most).toBeNull();
    const probs = benefit.filter((r) => r.prob_most !== null).reduce((s, r) => s + (r.prob_most as number), 0);
    expectClose(probs, 1, 1e-9);
    expectPlainTables(answer.tables);
  });

  it("gives the why: e3m4 bit-stall 0.725 (manifold) vs 0.664 (adamw) over steps 0–405, overflow max 0.00304 vs 6.68e-5; manifold runs failed, adamw ones finished", () => {
    // reference.py "why": adamw to 405 mean bit_stall 0.664081 max overflow 6.68107e-05; manifold_adamw 0.725436, 0.00304425
    const stall = one(answer.tables.why, {format: "e3m4", measure: "quantization/bit_stall_rate (mean)"});
    expect(stall.window).toBe("0–405");
    expectClose(stall.baseline_value as number, 0.664081, 1e-5);
    expectClose(stall.treatment_value as number, 0.725436, 1e-5);
    const over = one(answer.tables.why, {format: "e3m4", measure: "quantization/overflow_rate (max)"});
    expectClose(over.baseline_value as number, 6.68107e-5, 1e-5);
    expectClose(over.treatment_value as number, 0.00304425, 1e-5);
    const failed = one(answer.tables.why, {format: "e3m4", measure: "share of runs that failed"});
    expect([failed.baseline_value, failed.treatment_value]).toEqual([0, 1]); // README: E3M4-AdamW is the only 8-bit config that completed
    const text = answer.paragraphs.join("\n");
    expect(text).toContain("quantization/bit_stall_rate (mean): 0.725 with manifold_adamw vs 0.664 with adamw");
    expect(text).toMatch(/at lr = 0\.03, manifold_adamw is better in 0 of 4 formats \(e3m4: −1\.4%\)/i);
    expect(text).toMatch(/at lr = 0\.1, manifold_adamw is better in 0 of 4 formats \(e3m4: −5\.3%\)/i);
  });

  it("gives the same numbers whatever order the rows come in (pages and the report must agree)", () => {
    const shuffle = <T,>(xs: readonly T[], seed: number) => {
      const a = [...xs];
      let s = seed;
      for (let i = a.length - 1; i > 0; --i) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    const data = {runs: shuffle(sample.runs, 7), history: shuffle(sample.history, 11)};
    expect(researchAnswer(data).tables).toEqual(answer.tables);
    expect(formatsReport(data).tables.ranking).toEqual(formats.tables.ranking);
    expect(formatsReport(data).tables.sweetSpots).toEqual(formats.tables.sweetSpots);
  });
});
