import {beforeAll, describe, expect, it} from "vitest";
import {
  bestMetric,
  commonLastStep,
  finalMetric,
  metricAtStep,
  optimizerEffect,
  pairwiseComparisons,
  rankGroups,
  runValues,
  type HistoryRow,
  type RunRow,
  type RunValue
} from "../../analyses/src/compare/index.js";
import {classifyFailures, type FailureClassification} from "../../analyses/src/failures/index.js";
import {expectClose} from "../stats/close.js";
import {loadSample, readmeCells, readmeRuns, type SampleData} from "./sample.js";

// Literals marked "reference.py" were printed by /usr/bin/python3 test/analyses-core/reference.py
// (scipy 1.10.1, statsmodels 0.13.5), which reads the sample's raw JSON files, not the workspace.
let sample: SampleData;
let classes: FailureClassification[];
let best: RunValue[];
let main: RunRow[];
let mainAdamw: RunRow[];

beforeAll(async () => {
  sample = await loadSample();
  classes = classifyFailures(sample.runs, sample.history, {reports: sample.reports});
  best = bestMetric(sample.runs, sample.history, "val_loss");
  main = sample.runs.filter((r) => r.config!.lr === 0.003);
  mainAdamw = main.filter((r) => r.config!.optimizer === "adamw");
});

describe("runValues: final, best, at a common step", () => {
  it("best and final val_loss equal the README's run table for all 80 runs", () => {
    const table = readmeRuns();
    const finals = finalMetric(sample.runs, sample.history, "val_loss");
    for (const row of table) {
      const b = best.find((v) => v.run_id === row.runId)!;
      expect(b.status).toBe("ok");
      expect(b.value!).toBeCloseTo(row.bestVal, 4);
      const f = finals.find((v) => v.run_id === row.runId)!;
      expect(f.status).toBe("ok");
      expect(f.value!).toBeCloseTo(row.lastVal, 4); // the README's "last val_loss"
      expect(f.step!).toBeLessThanOrEqual(row.lastStep); // val_loss is logged every 50 steps and at 499
      expect(row.lastStep - f.step!).toBeLessThan(50);
    }
  });

  it("at step 300: last value at or before 300; the 8 lr-3e-3 runs that stopped earlier are flagged, not dropped", () => {
    const at = metricAtStep(main, sample.history, "val_loss", 300);
    expect(at).toHaveLength(48);
    const stopped = at.filter((v) => v.status === "stopped_before").map((v) => v.name).sort();
    // reference.py: stopped before 300 = [...]
    expect(stopped).toEqual(["e5m2-manifold-s0", "e5m2-manifold-s1", "e7m0-adamw-s0", "e7m0-adamw-s1", "e7m0-adamw-s2", "e7m0-manifold-s0", "e7m0-manifold-s1", "e7m0-manifold-s2"]);
    for (const v of at.filter((x) => x.status === "stopped_before")) {
      expect(v.value).toBeNull();
      expect(v.lastStep!).toBeLessThan(300);
      expect(v.lastValue).not.toBeNull();
      expect(v.reason).toMatch(/run stopped at step \d+ < 300/);
    }
    const e5 = at.find((v) => v.name === "e5m2-adamw-s0")!;
    expect(e5).toMatchObject({status: "ok", step: 300, lag: 0, value: 2.6575105488300323}); // reference.py val_loss@300
    expect(at.find((v) => v.name === "e4m3-manifold-s2")!.value).toBe(2.2019032537937164);
    // a step between logged steps takes the last value at or before it
    const loss = metricAtStep(main, sample.history, "loss", 327).find((v) => v.name === "e4m3-adamw-s1")!;
    expect(loss).toMatchObject({status: "ok", step: 325, lag: 2, value: 2.5035758018493652});
    // e5m2-adamw-s0 stopped at 325: at 327 it is "stopped_before" even though it logged loss at 325
    expect(metricAtStep(main, sample.history, "loss", 327).find((v) => v.name === "e5m2-adamw-s0")!.status).toBe("stopped_before");
  });

  it("commonLastStep: the lr-3e-3 runs all reach step 110 (E7M0-AdamW stops there)", () => {
    const c = commonLastStep(main, sample.history);
    expect(c.step).toBe(110);
    expect(c.limitedBy.map((id) => main.find((r) => r.run_id === id)!.name).sort()).toEqual(["e7m0-adamw-s0", "e7m0-adamw-s1", "e7m0-adamw-s2"]);
  });

  it("non-finite values, missing metrics and runs without history get a status and a reason", () => {
    const runs: RunRow[] = [{run_id: "a", name: "a"}, {run_id: "b", name: "b"}, {run_id: "c", name: "c"}];
    const h: HistoryRow[] = [
      {run_id: "a", step: 0, metric: "m", value: 3},
      {run_id: "a", step: 10, metric: "m", value: NaN},
      {run_id: "b", step: 0, metric: "other", value: 1},
      {run_id: "b", step: 10, metric: "m", value: Infinity}
    ];
    expect(runValues(runs, h, "m", {kind: "final"}).map((v) => v.status)).toEqual(["non_finite", "non_finite", "no_history"]);
    const b = runValues(runs, h, "m", {kind: "best"});
    expect(b[0]).toMatchObject({status: "ok", value: 3, step: 0, nonFiniteSkipped: 1});
    expect(b[1]).toMatchObject({status: "non_finite", value: null, reason: "no finite m value (1 non-finite)"});
    const s = runValues(runs, h, "m", {kind: "step", step: 5});
    expect(s[0]).toMatchObject({status: "ok", value: 3, lag: 5});
    expect(s[1]).toMatchObject({status: "not_logged", reason: "m first logged at step 10 > 5"});
    expect(runValues(runs, h, "zzz", {kind: "final"})[0]).toMatchObject({status: "not_logged", reason: "zzz not logged"});
    expect(runValues(runs, h, "m", {kind: "best", direction: "max"})[0].value).toBe(3);
  });
});

describe("rankGroups", () => {
  it("reproduces the README's mean best val_loss for all 32 lr / format / optimizer cells", () => {
    const r = rankGroups(best, sample.runs, {groupBy: ["lr", "fp8_format", "optimizer"], classifications: classes, bootstrap: {resamples: 200}});
    const cells = readmeCells();
    expect(cells).toHaveLength(32);
    for (const cell of cells) {
      const g = r.groups.find((x) => x.key === `${cell.lr} / ${cell.format} / ${cell.optimizer}`)!;
      expect(g.n).toBe(cell.seeds);
      expect(Math.abs(g.estimate! - cell.meanBestVal)).toBeLessThanOrEqual(5e-5 + 1e-12);
      expect(g.failed).toBe(g.modes!.bit_stall);
    }
    // reference.py: best val 0.003 e3m4 manifold_adamw = 1.9433130671580632
    expectClose(r.groups.find((x) => x.key === "0.003 / e3m4 / manifold_adamw")!.estimate!, 1.9433130671580632, 1e-12);
    expect(r.groups[0].key).toBe("0.003 / fp32 / manifold_adamw"); // best cell: 1.6325
    expect(r.groups[0].rank).toBe(1);
  });

  it("ranks the formats (AdamW, lr 3e-3): fp32 < e2m5 < e1m6 = e0m7 < e3m4 < e4m3 < e5m2 < e7m0, with counts of failed runs", () => {
    const values = best.filter((v) => mainAdamw.some((r) => r.run_id === v.run_id));
    const r = rankGroups(values, mainAdamw, {groupBy: "fp8_format", classifications: classes});
    // reference.py: order = ['fp32', 'e2m5', 'e1m6', 'e0m7', 'e3m4', 'e4m3', 'e5m2', 'e7m0'] (e1m6 and e0m7 identical)
    expect(r.groups.map((g) => [g.key, g.rank])).toEqual([
      ["fp32", 1], ["e2m5", 2], ["e0m7", 3], ["e1m6", 3], ["e3m4", 5], ["e4m3", 6], ["e5m2", 7], ["e7m0", 8]
    ]);
    // n = 3 per format: the percentile interval of the bootstrap mean is [min, max] of the 3 seeds
    // (all-equal resamples have probability 1/27 > 2.5%); reference.py min/max per format
    const fp32 = r.groups[0];
    expectClose(fp32.lower!, 2.045884758234024, 1e-14);
    expectClose(fp32.upper!, 2.1135910749435425, 1e-14);
    const e7 = r.groups[7];
    expectClose(e7.lower!, 3.5148480236530304, 1e-14);
    expectClose(e7.upper!, 3.6205841302871704, 1e-14);
    expect(fp32.note).toMatch(/n = 3: a bootstrap over so few seeds understates the uncertainty/);
    // fp32's largest seed (2.1136) is below e2m5's smallest (2.1374): best in every resample
    expect(fp32.probabilityBest).toBe(1);
    expect(r.groups.slice(1).every((g) => g.probabilityBest === 0)).toBe(true);
    // crashed / failed runs counted and visible
    expect(fp32).toMatchObject({n: 3, nRuns: 3, failed: 0});
    expect(e7).toMatchObject({n: 3, failed: 3});
    expect(e7.modes!.bit_stall).toBe(3);
    expect(e7.runs.every((x) => x.mode === "bit_stall")).toBe(true);
  });

  it("groups with one run get no CI and say why; groups without values are listed unranked; values at a step keep stopped runs visible", () => {
    const at = metricAtStep(main, sample.history, "val_loss", 300);
    const r = rankGroups(at, main, {groupBy: ["fp8_format", "optimizer"], bootstrap: {resamples: 500}});
    const e7 = r.groups.find((g) => g.key === "e7m0 / adamw")!;
    expect(e7).toMatchObject({n: 0, nRuns: 3, rank: null, estimate: null, reason: "no run with a value"});
    expect(e7.excluded.map((x) => x.status)).toEqual(["stopped_before", "stopped_before", "stopped_before"]);
    const e5 = r.groups.find((g) => g.key === "e5m2 / manifold_adamw")!;
    expect(e5).toMatchObject({n: 1, nRuns: 3, lower: null, upper: null, probabilityBest: null});
    expect(e5.reason).toMatch(/^n = 1 < 2: no confidence interval; n < 2: not resampled/);
    expect(e5.excluded).toHaveLength(2);
    expect(r.groups.at(-1)!.rank).toBeNull(); // unranked groups last
    expect(r.probabilityBestOver).not.toContain("e5m2 / manifold_adamw");
  });
});

describe("pairwiseComparisons (formats, AdamW, lr 3e-3, best val_loss)", () => {
  it("matches scipy/statsmodels for every statistic, with Holm over the 28 pairs", () => {
    const values = best.filter((v) => mainAdamw.some((r) => r.run_id === v.run_id));
    const order = ["fp32", "e5m2", "e4m3", "e3m4", "e2m5", "e1m6", "e0m7", "e7m0"];
    const r = pairwiseComparisons(values, mainAdamw, {groupBy: "fp8_format", order});
    expect(r.pairs).toHaveLength(28);
    expect(r.testsAdjusted).toEqual({welch: 28, mannWhitney: 28});
    const cell = (a: string, b: string) => r.pairs.find((p) => p.a === a && p.b === b)!;
    // reference.py "pair ..." (diff, g, cliff, welch p, mw p, welch holm, mw holm, welch bh)
    const expected: [string, string, number[]][] = [
      ["fp32", "e5m2", [-0.605390340089798, -9.376884144743654, -1.0, 0.0006460187779887792, 0.1, 0.012274356781786806, 1.0]],
      ["e4m3", "e3m4", [0.25768807530403137, 8.60423610803749, 1.0, 0.0024047249066412174, 0.1, 0.031261423786335826, 1.0]],
      ["e3m4", "e2m5", [0.11555230617523193, 4.33266205052252, 1.0, 0.010758206843351978, 0.1, 0.08606565474681582, 1.0]],
      ["e2m5", "e7m0", [-1.4160264929135642, -24.577610734471126, -1.0, 5.8636340820042916e-5, 0.1, 0.001465908520501073, 1.0]],
      ["e1m6", "e0m7", [0, 0, 0, 1, 1, 1, 1]]
    ];
    for (const [a, b, [diff, g, cd, wp, mp, wh, mh]] of expected) {
      const c = cell(a, b);
      expectClose(c.difference, diff, 1e-12, 1e-15);
      expectClose(c.hedgesG, g, 1e-10, 1e-15);
      expect(c.cliffsDelta).toBe(cd);
      expectClose(c.welchP, wp, 1e-9);
      expectClose(c.mannWhitneyP, mp, 1e-12);
      expectClose(c.welchPAdjusted, wh, 1e-9);
      expectClose(c.mannWhitneyPAdjusted, mh, 1e-12);
    }
    expect(cell("e1m6", "e0m7").mannWhitneyMethod).toBe("asymptotic"); // ties (identical runs)
    // The bootstrap CI of the difference lies where the exact bootstrap distribution puts it
    // (reference.py: all 27 × 27 resamples; quantiles 2%, 3%, 97%, 98%)
    const f = cell("fp32", "e5m2");
    expect(f.lower!).toBeGreaterThanOrEqual(-0.6792131563027701 - 1e-12);
    expect(f.lower!).toBeLessThanOrEqual(-0.6727775073051452 + 1e-12);
    expect(f.upper!).toBeGreaterThanOrEqual(-0.5477333068847656 - 1e-12);
    expect(f.upper!).toBeLessThanOrEqual(-0.5440870126088457 + 1e-12);
    // matrix: mirrored cells
    expect(r.matrix[1][0]!.difference).toBe(-f.difference);
    expect(r.matrix[1][0]!.lower).toBe(-f.upper!);
    expect(r.matrix[0][0]).toBeNull();
    // BH instead of Holm: reference.py welch bh fp32-e5m2 = 0.0018088525783685819
    const bh = pairwiseComparisons(values, mainAdamw, {groupBy: "fp8_format", order, adjust: "bh"});
    expectClose(bh.pairs.find((p) => p.a === "fp32" && p.b === "e5m2")!.welchPAdjusted, 0.0018088525783685819, 1e-9);
  });

  it("a group with one value gives NaN p and no CI for its pairs, and is left out of the adjustment", () => {
    const runs: RunRow[] = ["a1", "a2", "a3", "b1", "b2", "c1"].map((id) => ({run_id: id, name: id, config: {g: id[0]}}));
    const vals: RunValue[] = [1, 2, 3, 5, 6, 9].map((v, i) => ({run_id: runs[i].run_id, name: null, value: v, step: 0, status: "ok", lastStep: 0, lastValue: v, lastValueStep: 0}));
    const r = pairwiseComparisons(vals, runs, {groupBy: "g", bootstrap: {resamples: 300}});
    const ac = r.pairs.find((p) => p.a === "a" && p.b === "c")!;
    expect(ac.welchP).toBeNaN();
    expect(ac.welchPAdjusted).toBeNaN();
    expect(ac.lower).toBeNull();
    expect(ac.reasons.join("; ")).toMatch(/Welch: n < 2 in a sample/);
    expect(r.testsAdjusted.welch).toBe(1);
    // Mann-Whitney still has a p-value for 3 vs 1 (exact); it counts in its own family
    expect(r.testsAdjusted.mannWhitney).toBe(3);
  });
});

describe("optimizerEffect: manifold_adamw vs adamw per lr × format (best val_loss, paired by seed)", () => {
  it("fp32: manifold beats AdamW at lr 3e-3 (+21.6%), is worse at 3e-2 (−11.5%) and 1e-1 (−10.5%)", () => {
    const r = optimizerEffect(best, sample.runs, {by: ["lr", "fp8_format"]});
    expect(r.strata).toHaveLength(16);
    expect(r.testsAdjusted).toBe(16);
    const s = (key: string) => r.strata.find((x) => x.key === key)!;
    const fp3 = s("0.003 / fp32");
    expect(fp3.pairing).toBe("paired_by_seed");
    expect(fp3.pairingReason).toBe("both arms have seeds {0, 1, 2}");
    expect(fp3.nPairs).toBe(3);
    expect([fp3.baseline.n, fp3.treatment.n]).toEqual([3, 3]);
    expect(fp3.pairs.map((p) => [p.seed, sample.runs.find((r) => r.run_id === p.baselineRunId)!.name, sample.runs.find((r) => r.run_id === p.treatmentRunId)!.name])).toEqual([
      [0, "fp32-adamw-s0", "fp32-manifold-s0"], [1, "fp32-adamw-s1", "fp32-manifold-s1"], [2, "fp32-adamw-s2", "fp32-manifold-s2"]
    ]);
    // README run table: fp32-adamw-s0 best 2.0912, fp32-manifold-s0 best 1.6315
    expect(fp3.pairs[0].difference).toBeCloseTo(2.0912 - 1.6315, 3);
    // reference.py "effect 0.003 fp32 (imp%, t, p, p_holm, g_z, d_z)"
    expectClose(fp3.improvementPercent, 21.648976298246353, 1e-12);
    expectClose(fp3.test.statistic, 25.197007977766173, 1e-10);
    expectClose(fp3.test.pValue, 0.0015713663909581762, 1e-9);
    expectClose(fp3.test.pAdjusted, 0.023570495864372643, 1e-9);
    expectClose(fp3.effectSize.g, 8.207547593582978, 1e-10);
    expectClose(fp3.effectSize.d, 14.547499338736449, 1e-10);
    expect(fp3.test.name).toBe("paired_t");
    // paired bootstrap of 100·Σ(A−B)/ΣA over 3 seeds: [min, max] of the per-seed ratios
    // (reference.py per-seed 100 (A-B)/A 0.003 fp32 (min, max))
    expectClose(fp3.lower!, 20.36633254380893, 1e-12);
    expectClose(fp3.upper!, 22.562105166207026, 1e-12);
    const fp30 = s("0.03 / fp32");
    expectClose(fp30.improvementPercent, -11.48566965569081, 1e-12);
    expectClose(fp30.test.pValue, 0.09754540805798395, 1e-9);
    expectClose(fp30.test.pAdjusted, 0.7803632644638716, 1e-9);
    expectClose(fp30.lower!, -13.29509289502771, 1e-12);
    expectClose(fp30.upper!, -9.685921532985509, 1e-12);
    expect(fp30.effectSize.g).toBeNaN(); // 2 pairs: no small-sample correction
    expectClose(fp30.effectSize.d, -4.578685612125679, 1e-10);
    expect(fp30.effectSize.reason).toMatch(/2 pairs/);
    const fp1 = s("0.1 / fp32");
    expectClose(fp1.improvementPercent, -10.497586831312073, 1e-12);
    expectClose(fp1.test.pValue, 0.016490791587412488, 1e-9);
    expectClose(fp1.test.pAdjusted, 0.19788949904894987, 1e-9);
    expect(fp1.improvementPercent).toBeLessThan(0);
  });

  it("matches the paired t and Holm p of every stratum; ManifoldAdamW is worse than AdamW in all 8 sweep cells (README)", () => {
    const r = optimizerEffect(best, sample.runs, {by: ["lr", "fp8_format"], bootstrap: {resamples: 500}});
    // reference.py "effect <lr> <format>": [imp%, t, p, p_holm]
    const ref: Record<string, number[]> = {
      "0.003 / e5m2": [1.248446022687185, 0.6437741812603028, 0.5856905119599118, 1.0],
      "0.003 / e4m3": [13.248611181885577, 21.835340182530974, 0.002090818648631185, 0.029271461080836593],
      "0.003 / e3m4": [14.838124814119537, 154.69015774314366, 4.178759842313361e-5, 0.0006686015747701377],
      "0.003 / e2m5": [-4.181950289858143, -8.406043510383306, 0.013858462114028476, 0.18016000748237018],
      "0.003 / e1m6": [-0.12402932528255513, -2.4872723551158638, 0.13069219409271382, 0.9148453586489967],
      "0.003 / e7m0": [-2.297653679614645, -0.5391682474110354, 0.6437622225674887, 1.0],
      "0.03 / e3m4": [-1.4165430034787794, -19.795132976719657, 0.03213310294626451, 0.3534641324089096],
      "0.1 / e4m3": [-8.99953925276694, -19.167420014213025, 0.03318355352851046, 0.3534641324089096]
    };
    for (const [key, [imp, t, p, ph]] of Object.entries(ref)) {
      const x = r.strata.find((y) => y.key === key)!;
      expectClose(x.improvementPercent, imp, 1e-10);
      expectClose(x.test.statistic, t, 1e-9);
      expectClose(x.test.pValue, p, 1e-8);
      expectClose(x.test.pAdjusted, ph, 1e-8);
    }
    const sweep = r.strata.filter((x) => x.values.lr !== 0.003);
    expect(sweep).toHaveLength(8);
    expect(sweep.every((x) => x.improvementPercent < 0 && x.nPairs === 2)).toBe(true);
  });

  it("falls back to unpaired (Welch, Hedges g) when the seeds differ, and says why", () => {
    const dropped = sample.idOf("e4m3-manifold-s2");
    const values = best.filter((v) => v.run_id !== dropped && main.some((r) => r.run_id === v.run_id));
    const r = optimizerEffect(values, main, {});
    const e4 = r.strata.find((x) => x.key === "e4m3")!;
    expect(e4.pairing).toBe("unpaired");
    expect(e4.pairingReason).toBe("seeds differ: adamw {0, 1, 2}, manifold_adamw {0, 1}");
    expect([e4.baseline.n, e4.treatment.n]).toEqual([3, 2]);
    // reference.py "unpaired e4m3 3e-3 adamw (3) vs manifold seeds 0,1 (welch t, p, hedges g, imp%)"
    expectClose(e4.test.statistic, 15.999298587063505, 1e-10);
    expectClose(e4.test.pValue, 0.0010000412740888078, 1e-8);
    expectClose(e4.effectSize.g, 8.68431389542746, 1e-10);
    expectClose(e4.improvementPercent, 12.745922102466572, 1e-12);
    expect(e4.test.name).toBe("welch_t");
    // the brief's Welch check: e4m3 adamw vs manifold (3 vs 3) unpaired; reference.py welch (t, p)
    const u = optimizerEffect(best.filter((v) => main.some((x) => x.run_id === v.run_id)), main, {pairBy: null});
    const e4u = u.strata.find((x) => x.key === "e4m3")!;
    expect(e4u.pairingReason).toBe("pairing disabled");
    expectClose(e4u.test.statistic, 14.66065987099766, 1e-10);
    expectClose(e4u.test.pValue, 0.00021276475602403333, 1e-8);
  });

  it("single seed, missing arm and non-finite values: no throw, reasons given", () => {
    const runs: RunRow[] = [
      {run_id: "a0", config: {optimizer: "adamw", seed: 0n, f: "x"}},
      {run_id: "b0", config: {optimizer: "manifold_adamw", seed: 0n, f: "x"}},
      {run_id: "a1", config: {optimizer: "adamw", seed: 0, f: "y"}},
      {run_id: "c", config: {optimizer: "sgd", seed: 0, f: "y"}}
    ];
    const v = (run_id: string, value: number | null, status: RunValue["status"] = "ok"): RunValue => ({run_id, name: null, value, step: 0, status, lastStep: 0, lastValue: value, lastValueStep: 0});
    const r = optimizerEffect([v("a0", 2), v("b0", 1.5), v("a1", NaN, "non_finite"), v("c", 1)], runs, {by: "f"});
    const x = r.strata.find((s) => s.key === "x")!;
    expect(x.pairing).toBe("unpaired");
    expect(x.pairingReason).toBe("only 1 common seed(s)");
    expectClose(x.improvementPercent, 25, 1e-15);
    expect(x.lower).toBeNull();
    expect(x.test.pValue).toBeNaN();
    expect(x.test.reason).toBe("n < 2 in a sample");
    const y = r.strata.find((s) => s.key === "y")!;
    expect(y.baseline.excluded).toHaveLength(1);
    expect(y.reasons).toContain("no value in arm adamw");
    expect(r.ignored).toEqual([{run_id: "c", reason: "optimizer = sgd"}]);
    expect(r.testsAdjusted).toBe(0);
  });
});
