import {beforeAll, describe, expect, it} from "vitest";
import {layerTypeProfile, type HistoryRow, type RunRow} from "../../analyses/src/compare/index.js";
import {iqmCurves} from "../../analyses/src/curves/index.js";
import * as analyses from "../../analyses/src/index.js";
import {expectClose} from "../stats/close.js";
import {loadSample, type SampleData} from "./sample.js";

// Literals marked "reference.py" were printed by /usr/bin/python3 test/analyses-core/reference.py
// (numpy 1.24.2, scipy 1.10.1), which reads the sample's raw JSON files, not the workspace.
let sample: SampleData;
let main: RunRow[];

beforeAll(async () => {
  sample = await loadSample();
  main = sample.runs.filter((r) => r.config!.lr === 0.003);
});

describe("layerTypeProfile: bit_stall by layer type × format (AdamW, lr 3e-3, 8-bit formats)", () => {
  it("finds the sweet-spot format per layer type with its probability of being best", () => {
    const runs = main.filter((r) => r.config!.optimizer === "adamw" && r.config!.fp8_format !== "fp32");
    const p = layerTypeProfile(runs, sample.history, {kind: "bit_stall", groupBy: "fp8_format", direction: "lower"});
    expect(p.layerTypes.map((t) => [t.layerType, t.layers.length])).toEqual([["attention", 4], ["mlp", 4], ["embedding", 2], ["classifier", 1], ["norm", 5]]);
    expect(p.unattributed).toEqual([]);
    expect(p.notes[0]).toMatch(/runs that stopped early are averaged over fewer/);
    const t = (name: string) => p.layerTypes.find((x) => x.layerType === name)!;
    // reference.py "layer <type> best (format, mean, P(best) numpy B=20000)" and runner-up
    const attention = t("attention");
    expect(attention.best!.key).toBe("e2m5");
    expectClose(attention.best!.estimate, 0.626960124946328, 1e-12);
    expect(attention.best!.runnerUp!.key).toBe("e3m4");
    expectClose(attention.best!.runnerUp!.estimate, 0.6823482702274134, 1e-12);
    expect(attention.best!.probabilityBest).toBe(1);
    const mlp = t("mlp");
    expect(mlp.best!.key).toBe("e2m5");
    expectClose(mlp.best!.estimate, 0.6597554561305945, 1e-12);
    expect(mlp.best!.runnerUp!.key).toBe("e3m4");
    const emb = t("embedding");
    expect(emb.best!.key).toBe("e2m5");
    expectClose(emb.best!.estimate, 0.6811193271523558, 1e-12);
    expectClose(emb.best!.probabilityBest!, 0.9882, 0, 0.01); // Monte-Carlo vs numpy's Monte-Carlo
    expect(emb.best!.intervalsOverlap).toBe(true);
    // reference.py "layer embedding group means"
    const ref: Record<string, number> = {e5m2: 0.8643588070837298, e4m3: 0.81270268846942, e3m4: 0.695504635137398, e2m5: 0.6811193271523558, e1m6: 0.754620958843545, e0m7: 0.754620958843545, e7m0: 0.982407646637951};
    for (const g of emb.groups) expectClose(g.estimate!, ref[g.key], 1e-12);
    // classifier and norm: E1M6 and E0M7 have identical histories → a tie, said so
    for (const name of ["classifier", "norm"]) {
      const x = t(name);
      expect([x.best!.key, x.best!.runnerUp!.key].sort()).toEqual(["e0m7", "e1m6"]);
      expect(x.reason).toMatch(/^tie between e0m7 and e1m6/);
    }
    expectClose(t("classifier").best!.estimate, 0.8183550738463699, 1e-12);
    const pair = (name: string) => t(name).groups.filter((g) => g.key === "e1m6" || g.key === "e0m7").reduce((s, g) => s + g.probabilityBest!, 0);
    expectClose(pair("classifier"), 0.8189, 0, 0.015); // reference.py P(best e1m6 or e0m7)
    expectClose(pair("norm"), 1, 0, 1e-12);
  });

  it("works on grad_norm_l2 with a step window, and every run is accounted for", () => {
    const p = layerTypeProfile(main, sample.history, {kind: "grad_norm_l2", groupBy: "fp8_format", direction: "lower", reduce: "final", steps: {to: 100}, bootstrap: {resamples: 300}});
    for (const lt of p.layerTypes) {
      for (const g of lt.groups) {
        expect(g.n + g.excluded.length).toBe(6);
        expect(g.perRun.every((r) => r.layers === lt.layers.length)).toBe(true);
      }
    }
    expect(p.steps).toEqual({from: null, to: 100});
    expect(p.notes.some((n) => n.includes("unweighted"))).toBe(true);
  });

  it("single runs, missing layers and non-finite values: reasons, no throw", () => {
    const runs: RunRow[] = [{run_id: "a", config: {f: "x"}}, {run_id: "b", config: {f: "y"}}, {run_id: "c", config: {f: "y"}}, {run_id: "d", config: {f: "z"}}];
    const h: HistoryRow[] = [
      {run_id: "a", step: 0, metric: "bit_stall/transformer.h.0.attn.c_attn.weight", value: 0.5},
      {run_id: "b", step: 0, metric: "bit_stall/transformer.h.0.attn.c_attn.weight", value: NaN},
      {run_id: "b", step: 5, metric: "bit_stall/transformer.h.0.attn.c_attn.weight", value: 0.2},
      {run_id: "c", step: 0, metric: "bit_stall/transformer.h.0.attn.c_attn.weight", value: 0.3},
      {run_id: "c", step: 0, metric: "bit_stall/weird", value: 0.3},
      {run_id: "d", step: 0, metric: "loss", value: 1}
    ];
    const p = layerTypeProfile(runs, h, {kind: "bit_stall", groupBy: "f", direction: "lower"});
    expect(p.unattributed).toEqual(["bit_stall/weird"]);
    const att = p.layerTypes[0];
    expect(att.layerType).toBe("attention");
    const g = (k: string) => att.groups.find((x) => x.key === k)!;
    expect(g("x")).toMatchObject({n: 1, lower: null, probabilityBest: null});
    expect(g("x").reason).toMatch(/n = 1 < 2/);
    expect(g("y").perRun[0]).toMatchObject({run_id: "b", value: 0.2, nonFiniteSkipped: 1});
    expect(g("z")).toMatchObject({n: 0, estimate: null, reason: "no run with a value"});
    expect(g("z").excluded[0].reason).toMatch(/no finite bit_stall value of a attention layer/);
    expect(att.best!.key).toBe("y");
    expect(att.reason).toMatch(/fewer than 2 groups with n ≥ 2/);
    expect(layerTypeProfile([], [], {kind: "bit_stall", groupBy: "f", direction: "lower"}).layerTypes).toEqual([]);
  });
});

describe("iqmCurves: loss per format, lr 3e-3 (both optimizers, 6 runs per format)", () => {
  it("IQM per step equals scipy.stats.trim_mean(values, 0.25), with n shrinking as runs stop", () => {
    const r = iqmCurves(main, sample.history, {metric: "loss", groupBy: "fp8_format"});
    const curve = (k: string) => r.curves.find((c) => c.key === k)!;
    // reference.py "iqm loss <format> step <s> (n, iqm)"
    const ref: [string, number, number, number][] = [
      ["e4m3", 0, 6, 4.56495988368988], ["e4m3", 100, 6, 2.66939115524292], ["e4m3", 250, 6, 2.410536825656891],
      ["e4m3", 400, 6, 2.260135293006897], ["e4m3", 455, 6, 2.3036858439445496], ["e4m3", 460, 5, 2.404486974080404],
      ["e3m4", 0, 6, 4.564756751060486], ["e3m4", 100, 6, 2.6154679656028748], ["e3m4", 250, 6, 2.2345582842826843],
      ["e3m4", 400, 6, 1.98017618060112], ["e3m4", 455, 3, 2.180655082066854], ["e3m4", 460, 3, 2.236487706502279]
    ];
    for (const [k, step, n, value] of ref) {
      const pt = curve(k).points.find((p) => p.step === step)!;
      expect(pt.n, `${k} ${step}`).toBe(n);
      expectClose(pt.iqm!, value, 1e-12);
      expect(pt.stopped).toBe(6 - n);
      expect(pt.lower!).toBeLessThanOrEqual(pt.iqm!);
      expect(pt.upper!).toBeGreaterThanOrEqual(pt.iqm!);
    }
    // band vs the exact bootstrap distribution (all 6^6 resamples), reference.py quantiles 2%, 3%, 97%, 98%
    // (with enough resamples that the Monte-Carlo quantile level stays within ±0.5%: B = 40 000, SE 0.08%)
    const e4m3 = main.filter((x) => x.config!.fp8_format === "e4m3");
    const p250 = iqmCurves(e4m3, sample.history, {metric: "loss", groupBy: "fp8_format", steps: [250], bootstrap: {resamples: 40_000}}).curves[0].points[0];
    expect(p250.n).toBe(6);
    expect(p250.lower!).toBeGreaterThanOrEqual(2.193711996078491 - 1e-12);
    expect(p250.lower!).toBeLessThanOrEqual(2.200188994407654 + 1e-12);
    expect(p250.upper!).toBeGreaterThanOrEqual(2.5771411657333374 - 1e-12);
    expect(p250.upper!).toBeLessThanOrEqual(2.5897459983825684 + 1e-12);
    expect(r.notes[1]).toMatch(/survivorship/);
  });

  it("all runs of a group failed early: later steps exist only with carry_last; every point counts the stopped runs", () => {
    const e7 = main.filter((r) => r.config!.fp8_format === "e7m0");
    const steps = [100, 115, 200];
    const ex = iqmCurves(e7, sample.history, {metric: "loss", groupBy: "fp8_format", steps}).curves[0];
    expect(ex.points.map((p) => [p.step, p.n, p.stopped])).toEqual([[100, 6, 0], [115, 3, 3], [200, 0, 6]]);
    expect(ex.points[2]).toMatchObject({iqm: null, lower: null, reason: "no finite value at this step"});
    const carried = iqmCurves(e7, sample.history, {metric: "loss", groupBy: "fp8_format", steps, stopped: "carry_last"}).curves[0];
    expect(carried.points[2]).toMatchObject({n: 6, carried: 6, stopped: 6});
    expect(carried.points[2].iqm).not.toBeNull();
  });

  it("single run, NaN values and a missing metric are counted, not dropped", () => {
    const runs: RunRow[] = [{run_id: "a", config: {g: 1}}, {run_id: "b", config: {g: 2}}, {run_id: "c", config: {g: 2}}, {run_id: "d", config: {g: 2}}];
    const h: HistoryRow[] = [
      {run_id: "a", step: 0, metric: "loss", value: 1},
      {run_id: "b", step: 0, metric: "loss", value: NaN},
      {run_id: "c", step: 0, metric: "loss", value: 2},
      {run_id: "c", step: 5, metric: "loss", value: 2},
      {run_id: "d", step: 5, metric: "acc", value: 1}
    ];
    const r = iqmCurves(runs, h, {metric: "loss", groupBy: "g"});
    expect(iqmCurves(runs, h, {metric: "loss", groupBy: "g", band: false}).curves[1].points[0]).toMatchObject({n: 1, iqm: 2, lower: null, reason: "band not requested"});
    expect(r.curves[0].points).toEqual([{step: 0, n: 1, iqm: 1, lower: null, upper: null, nonFinite: 0, stopped: 0, notLogged: 0, carried: 0, reason: "n = 1: no band"}]);
    const g2 = r.curves[1];
    expect(g2.withoutMetric).toEqual(["d"]);
    expect(g2.points[0]).toMatchObject({step: 0, n: 1, nonFinite: 1});
    expect(g2.points[1]).toMatchObject({step: 5, n: 1, stopped: 1}); // b stopped at 0
  });
});

describe("package index", () => {
  it("exports the failures, compare and curves modules", () => {
    for (const name of ["classifyFailures", "preCollapseWindows", "failureRates", "failureAssociation", "failuresByStep", "failuresByCreationTime", "failureSuggestions", "runValues", "rankGroups", "pairwiseComparisons", "optimizerEffect", "layerTypeProfile", "iqmCurves"]) {
      expect(typeof (analyses as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
