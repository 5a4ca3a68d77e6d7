// The research modules on degenerate inputs: nothing throws, what cannot be computed is null in the
// tables and explained in the notes / headline. Small hand-built workspaces (numbers checked by hand)
// and variants of the real sample (one seed, every run failed, metrics missing, NaN/Inf values,
// another user's config keys).
import {beforeAll, describe, expect, it} from "vitest";
import {
  failuresReport,
  formatsReport,
  optimizersReport,
  researchAnswer,
  type ResearchData,
  type ResearchTable
} from "../../analyses/src/research/index.js";
import type {HistoryRow, RunRow} from "../../analyses/src/compare/index.js";
import {loadSample, type SampleData} from "../analyses-core/sample.js";

let sample: SampleData;
const FAST = {resamples: 200};

beforeAll(async () => {
  sample = await loadSample();
});

function all(data: ResearchData, options: Record<string, unknown> = {}) {
  return {
    formats: formatsReport(data, {...FAST, ...options}),
    failures: failuresReport(data, {...FAST, ...options}),
    optimizers: optimizersReport(data, {...FAST, ...options}),
    answer: researchAnswer(data, {...FAST, ...options})
  };
}

function expectFiniteCells(tables: Record<string, ResearchTable>) {
  for (const [name, t] of Object.entries(tables)) {
    for (const r of t.rows) {
      for (const [k, v] of Object.entries(r)) {
        if (typeof v === "number") expect(Number.isFinite(v), `${name}.${k}`).toBe(true);
      }
    }
  }
}

/** A tiny two-format, two-optimizer workspace: loss = base − 0.01·step, val_loss every 10 steps. */
function tiny({seeds = [0, 1, 2], steps = 50, config = true}: {seeds?: number[]; steps?: number; config?: boolean} = {}): ResearchData {
  const runs: RunRow[] = [];
  const history: HistoryRow[] = [];
  for (const format of ["fp32", "e4m3", "e5m2"]) {
    for (const optimizer of ["adamw", "manifold_adamw"]) {
      for (const seed of seeds) {
        const run_id = `${format}-${optimizer}-${seed}`;
        runs.push({run_id, name: run_id, state: "finished", created_at: "2026-01-01T00:00:00", config: config ? {fp8_format: format, optimizer, seed, lr: 0.01} : {}, summary: {}});
        const base = (format === "fp32" ? 2 : format === "e4m3" ? 2.5 : 3) + (optimizer === "manifold_adamw" ? -0.2 : 0) + 0.01 * seed;
        for (let step = 0; step <= steps; step += 5) {
          history.push({run_id, step, metric: "loss", value: base - 0.01 * step});
          history.push({run_id, step, metric: "quantization/bit_stall_rate", value: 0.5});
          history.push({run_id, step, metric: "bit_stall/transformer.h.0.mlp.c_fc.weight", value: format === "fp32" ? 0 : format === "e4m3" ? 0.3 : 0.6});
          if (step % 10 === 0) history.push({run_id, step, metric: "val_loss", value: base + 0.1 - 0.01 * step});
        }
      }
    }
  }
  return {runs, history};
}

describe("hand-built workspace", () => {
  it("computes the hand-checkable numbers: manifold improves e4m3 by 0.2/2.11 = 9.48% on best val_loss", () => {
    const data = tiny();
    const {optimizers, answer, formats} = all(data);
    const e4 = optimizers.tables.effects.rows.find((r) => r.format === "e4m3")!;
    // adamw best val_loss per seed = 2.5 + 0.01·seed + 0.1 − 0.5 (step 50) → mean 2.11; manifold 1.91
    expect(e4.baseline_mean as number).toBeCloseTo(2.11, 10);
    expect(e4.treatment_mean as number).toBeCloseTo(1.91, 10);
    expect(e4.improvement_pct as number).toBeCloseTo((100 * 0.2) / 2.11, 8);
    expect(e4.pairing).toBe("paired_by_seed");
    // every paired difference is exactly 0.2: zero variance, t = ∞, p = 0 with a reason
    expect(String(e4.note)).toMatch(/zero variance|equal/);
    // e5m2: 0.2 / 2.61 = 7.66% < e4m3's 0.2 / 2.11 = 9.48%: e4m3 benefits most
    expect(answer.best!.format).toBe("e4m3");
    expect(answer.runnerUp!.format).toBe("e5m2");
    // bit stall sweet spot in mlp: e4m3 (0.3) over e5m2 (0.6); fp32 (0) is a reference
    const sweet = formats.tables.sweetSpots.rows.find((r) => r.kind === "bit_stall" && r.layer_type === "mlp")!;
    expect(sweet.sweet_spot).toBe("e4m3");
    expect(sweet.estimate).toBeCloseTo(0.3, 12);
    expectFiniteCells(formats.tables);
  });

  it("single seed: no CIs, no tests, no pairing; the notes and cells say why", () => {
    const data = tiny({seeds: [0]});
    const {formats, optimizers, answer, failures} = all(data);
    const r = formats.tables.ranking.rows.find((x) => x.metric === "val_loss" && x.selector === "best" && x.format === "e4m3")!;
    expect(r.n).toBe(2); // adamw + manifold, one seed each
    const opt = optimizers.tables.effects.rows.find((x) => x.format === "e4m3")!;
    expect(opt.pairing).toBe("unpaired");
    expect(String(opt.note)).toMatch(/only 1 common seed/);
    expect(opt.ci_lower).toBeNull();
    expect(opt.p).toBeNull();
    expect(String(opt.note)).toMatch(/n < 2/);
    expect(answer.best!.format).toBe("e4m3");
    expect(answer.status).toBe("partial");
    expect(answer.best!.probabilityMost).toBeNull();
    expect(answer.notes.join("\n")).toMatch(/probability of benefiting most needs 2\+ candidate formats with 2\+ runs in each arm/);
    expect(answer.paragraphs.join("\n")).toMatch(/could not be computed \(too few runs per arm\)/);
    expect(failures.tables.modes.rows).toEqual([expect.objectContaining({mode: "none", n: 6})]);
    expectFiniteCells(answer.tables);
  });

  it("runs without the config keys (another user's project): no throw; the headline says what is missing", () => {
    const data = tiny({config: false});
    const {formats, optimizers, answer, failures} = all(data);
    expect(formats.subset.hasFormat).toBe(false);
    expect(formats.notes.join("\n")).toMatch(/no run has the attribute "fp8_format"/);
    expect(formats.tables.ranking.rows.every((r) => r.format === "(missing)")).toBe(true);
    expect(formats.tables.pairwise.rows).toEqual([]);
    expect(formats.notes.join("\n")).toMatch(/no pairwise comparison: 1 format/);
    expect(optimizers.tables.effects.rows).toEqual([]);
    expect(optimizers.notes.join("\n")).toMatch(/no run has the attribute "optimizer"/);
    expect(answer.status).toBe("not_computable");
    expect(answer.best).toBeNull();
    expect(answer.headline).toMatch(/^The answer could not be computed from this workspace: no run has the attribute "optimizer": the adamw vs manifold_adamw comparison cannot be made; no run has the attribute "fp8_format"/);
    expect(failures.tables.associationTests.rows).toEqual([]);
    expect(failures.notes.join("\n")).toMatch(/no config parameter takes 2 or more values/);
    // other keys work when named: the design of this project is in run names only → nothing to group by, but a custom formatKey works
    const named = formatsReport(data, {...FAST, formatKey: "name"});
    expect(named.subset.formats.length).toBe(18);
  });

  it("custom keys: formatKey / armKey / baseline / treatment / seedKey / fixed are all options", () => {
    const base = tiny();
    const runs = base.runs.map((r) => ({...r, config: {precision: r.config!.fp8_format, opt: r.config!.optimizer === "adamw" ? "sgd" : "geo", rep: r.config!.seed, lr: 0.01}}));
    const answer = researchAnswer({runs, history: base.history}, {...FAST, formatKey: "precision", armKey: "opt", baseline: "sgd", treatment: "geo", seedKey: "rep", fixed: null, referenceFormats: []});
    expect(answer.status).toBe("answered");
    expect(answer.best!.format).toBe("fp32"); // 0.2/2.01 is the largest relative gain once fp32 is a candidate
    expect(answer.question).toBe("Which precision benefits most from geo (vs sgd), and why?");
  });

  it("empty and malformed input: no throw", () => {
    const empty = all({runs: [], history: []});
    expect(empty.answer.status).toBe("not_computable");
    expect(empty.formats.notes).toContain("no runs");
    const junk = all({runs: [null as never, {run_id: "a"} as RunRow, {} as RunRow], history: [null as never, {run_id: "a", step: "x", metric: "loss", value: 1} as never, {run_id: "a", step: 1, metric: "loss", value: null}]});
    expect(junk.formats.subset.runs.map((r) => r.run_id)).toEqual(["a"]);
    expect(junk.formats.notes.join("\n")).toMatch(/without a run_id were ignored/);
    expect(junk.failures.tables.runs.rows[0]!.mode).toBe("none");
    expect(junk.answer.status).toBe("not_computable");
    const nullData = all(undefined as never);
    expect(nullData.answer.status).toBe("not_computable");
  });
});

describe("variants of the real sample", () => {
  it("every run failed (states and summaries rewritten): rates are 1 with Wilson CIs, no healthy comparison, the answer still computes", () => {
    const runs = sample.runs.map((r) => ({...r, state: "failed", summary: {...r.summary, failure_reason: "bit_stall", failure_step: r.last_step}}));
    const {failures, answer} = all({runs, history: sample.history});
    const total = failures.tables.rates.rows.find((r) => r.by === "all runs")!;
    expect([total.failures, total.n, total.rate]).toEqual([80, 80, 1]);
    expect(total.ci_upper).toBe(1);
    expect(total.ci_lower as number).toBeGreaterThan(0.9);
    expect(failures.tables.windows.rows.every((r) => r.healthy_n === 0)).toBe(true);
    expect(failures.notes.join("\n")).toMatch(/no healthy run to compare with/);
    // 29 runs are reported as bit_stall while the history rule is not met: disagreement, not hidden
    expect(failures.tables.runs.rows.filter((r) => r.consistent === false)).toHaveLength(29);
    expect(failures.findings.join("\n")).toMatch(/29 run\(s\) have sources that disagree/);
    const opt = failures.tables.associationTests.rows.find((r) => r.parameter === "optimizer")!;
    expect(opt.p).toBe(1); // no variation in the outcome
    expect(answer.best!.format).toBe("e3m4");
  });

  it("a metric nobody logged: the notes say so, no ranking, the answer is not computable", () => {
    const data = {runs: sample.runs, history: sample.history};
    const f = formatsReport(data, {...FAST, metrics: ["accuracy"], layerKinds: [], runMetrics: []});
    expect(f.tables.ranking.rows).toEqual([]);
    expect(f.notes.join("\n")).toMatch(/metric "accuracy" is not logged by any compared run/);
    const a = researchAnswer(data, {...FAST, metric: "accuracy"});
    expect(a.status).toBe("not_computable");
    expect(a.headline).toMatch(/metric "accuracy" is not logged/);
    const w = failuresReport(data, {...FAST, windowMetrics: ["accuracy"], rules: {bitStall: {metric: "nope"}}});
    expect(w.notes.join("\n")).toMatch(/rule bit_stall: nope not logged in 80 run\(s\)/);
    // the summary still names bit_stall for 51 runs: they keep that mode, with the disagreement listed
    expect(w.tables.modes.rows.find((r) => r.mode === "bit_stall")!.n).toBe(51);
  });

  it("NaN and ±Infinity values: non-finite finals are excluded with the reason, best skips them, nothing is NaN in the tables", () => {
    const fp32a = sample.idOf("fp32-adamw-s0");
    const e4 = sample.idOf("e4m3-manifold-s1");
    const history = sample.history.map((h) =>
      h.metric === "val_loss" && h.run_id === fp32a && Number(h.step) === 499 ? {...h, value: NaN}
        : h.metric === "val_loss" && h.run_id === e4 ? {...h, value: Infinity}
        : h
    );
    const {formats, optimizers, failures, answer} = all({runs: sample.runs, history});
    const final = formats.tables.ranking.rows.find((r) => r.metric === "val_loss" && r.selector === "final" && r.format === "fp32")!;
    expect(final.n).toBe(5);
    expect(String(final.excluded)).toMatch(/fp32-adamw-s0: last logged val_loss is NaN/);
    const best = formats.tables.ranking.rows.find((r) => r.metric === "val_loss" && r.selector === "best" && r.format === "e4m3")!;
    expect(best.n).toBe(5);
    expect(String(best.excluded)).toMatch(/e4m3-manifold-s1: no finite val_loss value/);
    // the pair loses its seed 1 in e4m3: unpaired (seeds differ), said
    const e4row = optimizers.tables.effects.rows.find((r) => r.format === "e4m3")!;
    expect(e4row.pairing).toBe("unpaired");
    expect(String(e4row.note)).toMatch(/seeds differ/);
    // nan_loss outranks bit_stall (crashed runs): both runs are nan_loss now
    expect(failures.tables.runs.rows.find((r) => r.run_id === fp32a)!.mode).toBe("nan_loss");
    expect(failures.tables.runs.rows.find((r) => r.run_id === e4)!.mode).toBe("nan_loss");
    expectFiniteCells({...formats.tables, ...optimizers.tables, ...failures.tables, ...answer.tables});
  });

  it("a given fixed value and a format subset: only those runs, the others listed as outside", () => {
    const f = formatsReport({runs: sample.runs, history: sample.history}, {...FAST, fixed: {lr: "0.03"}, formats: ["e4m3", "e3m4", "nope"], layerKinds: []});
    expect(f.subset.runs).toHaveLength(8);
    expect(f.subset.formats).toEqual(["e4m3", "e3m4"]);
    expect(f.subset.fixedHow).toEqual({lr: "given"});
    expect(f.subset.outside).toHaveLength(72);
    expect(f.notes.join("\n")).toMatch(/format\(s\) nope not found/);
    expect(f.tables.pairwise.rows).toHaveLength(1);
  });
});
