import {beforeAll, describe, expect, it} from "vitest";
import {
  classifyFailures,
  failureAssociation,
  failureRates,
  failureSuggestions,
  failuresByCreationTime,
  failuresByStep,
  preCollapseWindows,
  type FailureClassification
} from "../../analyses/src/failures/index.js";
import type {HistoryRow, RunRow} from "../../analyses/src/compare/index.js";
import {expectClose} from "../stats/close.js";
import {loadSample, readmeOutcomes, type SampleData} from "./sample.js";

// Literals marked "reference.py" were printed by /usr/bin/python3 test/analyses-core/reference.py
// (scipy 1.10.1, statsmodels 0.13.5), which reads the sample's raw JSON files, not the workspace.
let sample: SampleData;
let classes: FailureClassification[];

beforeAll(async () => {
  sample = await loadSample();
  classes = classifyFailures(sample.runs, sample.history, {reports: sample.reports});
});

describe("failureRates on the sample", () => {
  it("reproduces the README's outcome table per lr / format / optimizer (runs, finished, bit_stall)", () => {
    const rates = failureRates(classes, sample.runs, ["lr", "fp8_format", "optimizer"]);
    const byKey = new Map(rates.groups.map((g) => [g.key, g]));
    const table = readmeOutcomes();
    expect(table).toHaveLength(24);
    for (const row of table) {
      const g = byKey.get(`${row.lr} / ${row.format} / ${row.optimizer}`)!;
      expect(g, `${row.lr} ${row.format} ${row.optimizer}`).toBeDefined();
      expect(g.n).toBe(row.runs);
      expect(g.byMode.none).toBe(row.finished);
      expect(g.byMode.bit_stall).toBe(row.bitStall);
      expect(g.failures).toBe(row.bitStall);
      const steps = g.failedRunIds.map((id) => classes.find((c) => c.run_id === id)!.collapseStep);
      expect([...steps].sort()).toEqual([...row.stopSteps].sort());
    }
    expect(rates.total).toMatchObject({n: 80, failures: 51});
  });

  it("Wilson CIs match statsmodels proportion_confint(method='wilson')", () => {
    // reference.py "Wilson CIs": [k, n, lo, hi]
    const byOpt = failureRates(classes, sample.runs, "optimizer");
    const adamw = byOpt.groups.find((g) => g.key === "adamw")!;
    const manifold = byOpt.groups.find((g) => g.key === "manifold_adamw")!;
    expect([adamw.failures, adamw.n]).toEqual([22, 40]);
    expectClose(adamw.lower, 0.3982909179893205, 1e-12);
    expectClose(adamw.upper, 0.6929469218909509, 1e-12);
    expect([manifold.failures, manifold.n]).toEqual([29, 40]);
    expectClose(manifold.lower, 0.5716504419378943, 1e-12);
    expectClose(manifold.upper, 0.8389198375233267, 1e-12);
    expectClose(byOpt.total.lower, 0.5281079450222215, 1e-12);
    expectClose(byOpt.total.upper, 0.7342920693555084, 1e-12);
    const lr = failureRates(classes, sample.runs, "lr").groups.find((g) => g.key === "0.1")!;
    expect([lr.failures, lr.n]).toEqual([4, 16]);
    expectClose(lr.lower, 0.10182067491213043, 1e-12);
    expectClose(lr.upper, 0.4949831653550878, 1e-12);
  });
});

describe("failureAssociation on the sample", () => {
  it("optimizer × failure: Fisher exact, p = 0.1624 (scipy.stats.fisher_exact)", () => {
    const a = failureAssociation(classes, sample.runs, "optimizer");
    expect(a.test).toBe("fisher_exact");
    expect(a.table).toEqual([[22, 18], [29, 11]]);
    // reference.py: fisher (odds, p) = [0.46360153256704983, 0.16237840861823438]
    expectClose(a.pValue, 0.16237840861823438, 1e-9);
    expectClose(a.statistic, 0.46360153256704983, 1e-12);
    // lr 3e-3 only: fisher (odds, p) = [0.42857142857142855, 0.4613967970456547]
    const main = sample.runs.filter((r) => r.config!.lr === 0.003);
    const a3 = failureAssociation(classes.filter((c) => main.some((r) => r.run_id === c.run_id)), main, "optimizer");
    expect(a3.table).toEqual([[18, 6], [21, 3]]);
    expectClose(a3.pValue, 0.4613967970456547, 1e-9);
  });

  it("lr × failure (3 values) and format × failure (8 values, lr 3e-3): chi-square as scipy.stats.chi2_contingency(correction=False)", () => {
    const a = failureAssociation(classes, sample.runs, "lr");
    expect(a.test).toBe("chi_square");
    expect(a.table).toEqual([[39, 9], [8, 8], [4, 12]]);
    // reference.py: lr chi2 (stat, p, df) = [18.06626098715348, 0.0001193881636801422, 2]
    expectClose(a.statistic, 18.06626098715348, 1e-12);
    expectClose(a.pValue, 0.0001193881636801422, 1e-9);
    expect(a.df).toBe(2);
    expect(a.levels.map((l) => l.key)).toEqual(["0.003", "0.03", "0.1"]);
    const main = sample.runs.filter((r) => r.config!.lr === 0.003);
    const f = failureAssociation(classes.filter((c) => main.some((r) => r.run_id === c.run_id)), main, "fp8_format");
    // rows in first-appearance order (runs sorted by name): e0m7 e1m6 e2m5 e3m4 e4m3 e5m2 e7m0 fp32
    expect(f.levels.map((l) => [l.key, l.failures, l.n])).toEqual([
      ["e0m7", 6, 6], ["e1m6", 6, 6], ["e2m5", 6, 6], ["e3m4", 3, 6], ["e4m3", 6, 6], ["e5m2", 6, 6], ["e7m0", 6, 6], ["fp32", 0, 6]
    ]);
    // reference.py: lr 3e-3 format chi2 (stat, p, df) = [38.15384615384616, 2.83277621053209e-06, 7]
    expectClose(f.statistic, 38.15384615384616, 1e-12);
    expectClose(f.pValue, 2.83277621053209e-6, 1e-9);
    expect(f.df).toBe(7);
    expect(f.note).toMatch(/expected counts are below 5/);
  });

  it("one value → no test, with the reason; runs without the parameter are reported as missing", () => {
    const a = failureAssociation(classes, sample.runs, "dataset");
    expect(a.test).toBeNull();
    expect(a.reason).toMatch(/1 value/);
    const m = failureAssociation(classes, sample.runs, "no_such_key");
    expect(m.missing.n).toBe(80);
    expect(m.test).toBeNull();
  });
});

describe("failuresByStep / failuresByCreationTime on the sample", () => {
  it("buckets of 50 steps: failures and runs at risk as computed in Python", () => {
    const r = failuresByStep(classes, {bucketSize: 50});
    // reference.py "failures by step bucket of 50"
    expect(r.buckets.map((b) => [b.from, b.failures, b.atRisk])).toEqual([
      [0, 0, 80], [50, 0, 80], [100, 6, 80], [150, 0, 74], [200, 1, 74], [250, 5, 73], [300, 7, 68], [350, 6, 61], [400, 13, 55], [450, 13, 42]
    ]);
    expectClose(r.buckets[2].hazard, 6 / 80, 1e-15);
    expect(r.unknownStep).toEqual([]);
  });

  it("10-minute creation-time buckets as pandas Series.dt.floor('10min')", () => {
    const r = failuresByCreationTime(classes, sample.runs, {bucketMs: 600_000});
    // reference.py "failures by creation time"
    expect(r.buckets.map((b) => [b.start, b.n, b.failures])).toEqual([
      ["2026-11-23T17:40:00.000Z", 13, 7], ["2026-11-23T17:50:00.000Z", 14, 11], ["2026-11-23T18:00:00.000Z", 21, 21], ["2026-11-23T18:10:00.000Z", 32, 12]
    ]);
    expect(r.buckets[2].upper).toBe(1);
    expect(r.unknownTime).toEqual([]);
    expect(r.runs).toHaveLength(80);
  });

  it("keeps runs without a creation time or collapse step visible", () => {
    const c = [{...classes[0], run_id: "zz", mode: "crashed" as const, collapseStep: null, lastStep: null}];
    expect(failuresByCreationTime(c, [{run_id: "zz", created_at: "not a date"}]).unknownTime).toEqual(["zz"]);
    const s = failuresByStep(c);
    expect(s).toMatchObject({unknownStep: ["zz"], noSteps: ["zz"], buckets: []});
  });
});

describe("preCollapseWindows", () => {
  it("the last 10 logged steps of every failed sample run equal its failure report's table", () => {
    const r = preCollapseWindows(classes, sample.runs, sample.history);
    expect(r.windows).toHaveLength(51);
    expect(r.skipped).toEqual([]);
    for (const w of r.windows) {
      const report = sample.reports[w.run_id];
      expect(w.steps).toEqual(report.lastSteps.map((row) => row._step));
      for (const m of w.metrics) {
        report.lastSteps.forEach((row, k) => {
          const expected = row[m.metric];
          const actual = m.values[k];
          if (expected === undefined) expect(actual, `${w.name} ${m.metric} ${row._step}`).toBeNull();
          else expectClose(actual as number, expected, 5e-6, 1e-12); // the report prints 6 significant digits
        });
      }
    }
  });

  it("compares with the healthy runs of the same format at the same steps (e3m4-manifold-s0 vs the finished e3m4 runs)", () => {
    // lr-matched comparison: healthy = e3m4 runs with lr 3e-3 that finished (the 3 adamw seeds)
    const r = preCollapseWindows(classes, sample.runs, sample.history, {matchBy: ["fp8_format", "lr"]});
    const w = r.windows.find((x) => x.name === "e3m4-manifold-s0")!;
    expect(w.collapseStep).toBe(430);
    expect(w.steps).toEqual([385, 390, 395, 400, 405, 410, 415, 420, 425, 430]);
    expect(w.healthyRunIds.map((id) => sample.runs.find((x) => x.run_id === id)!.name).sort()).toEqual(["e3m4-adamw-s0", "e3m4-adamw-s1", "e3m4-adamw-s2"]);
    const stall = w.metrics.find((m) => m.metric === "quantization/bit_stall_rate")!;
    // reference.py: healthy mean bit_stall_rate = [...]
    const healthyMean = [0.8884463887339654, 0.894912506971556, 0.9001818414203383, 0.9053727458635435, 0.9095004880089236, 0.9160363218070273, 0.9188539923777655, 0.9192926194459936, 0.9256919269380927, 0.9295408068414203];
    stall.healthy.forEach((h, k) => {
      expect(h.n).toBe(3);
      expectClose(h.mean as number, healthyMean[k], 1e-12);
    });
    const failed = [0.997795245398773, 0.9967407975460123, 0.9976819576129392, 0.9987625488008923, 0.99949456218628, 0.9989716954824317, 0.9996252788622421, 0.9992069854991634, 0.9998431399888456, 0.9996427077523703];
    stall.differenceFromHealthyMean.forEach((d, k) => expectClose(d as number, failed[k] - healthyMean[k], 1e-12));
    // val_loss is logged at 400 only in this window: the healthy summary counts the others as missing
    const val = w.metrics.find((m) => m.metric === "val_loss")!;
    expect(val.values.map((v) => v !== null)).toEqual([false, false, false, true, false, false, false, false, false, false]);
    expect(val.healthy[0]).toMatchObject({n: 0, missing: 3, mean: null});
    // format-only matching (the default): 9 healthy e3m4 runs at any lr; reference.py: mean loss at 430 = 2.669412718878852
    const any = preCollapseWindows(classes, sample.runs, sample.history).windows.find((x) => x.name === "e3m4-manifold-s0")!;
    expect(any.healthyRunIds).toHaveLength(9);
    const loss = any.metrics.find((m) => m.metric === "loss")!;
    expectClose(loss.healthy.at(-1)!.mean as number, 2.669412718878852, 1e-12);
  });

  it("says so when a format has no healthy run (e5m2 fails at every lr and optimizer)", () => {
    const r = preCollapseWindows(classes, sample.runs, sample.history);
    const w = r.windows.find((x) => x.name === "e5m2-adamw-s0")!;
    expect(w.healthyRunIds).toEqual([]);
    expect(w.comparisonReason).toBe("no healthy run (mode none) with fp8_format = e5m2");
    expect(w.metrics[0].healthy).toEqual([]);
    expect(w.metrics[0].differenceFromHealthyMean.every((d) => d === null)).toBe(true);
  });

  it("short histories and missing collapse steps are reported, not dropped", () => {
    const h: HistoryRow[] = [{run_id: "s", step: 0, metric: "loss", value: 1}, {run_id: "s", step: 5, metric: "loss", value: NaN}];
    const runs: RunRow[] = [{run_id: "s", state: "crashed"}, {run_id: "t", state: "crashed"}];
    const c = classifyFailures(runs, h);
    const r = preCollapseWindows(c, runs, h);
    expect(r.windows[0]).toMatchObject({run_id: "s", mode: "nan_loss", collapseStep: 5, steps: [0, 5]});
    expect(r.windows[0].note).toMatch(/only 2 logged steps/);
    expect(r.skipped).toEqual([{run_id: "t", mode: "crashed", reason: "no collapse step"}]);
  });
});

describe("failureSuggestions", () => {
  it("words the sample's bit-stall evidence as a hypothesis citing its numbers", () => {
    const main = sample.runs.filter((r) => r.config!.lr === 0.003);
    const mainClasses = classes.filter((c) => main.some((r) => r.run_id === c.run_id));
    const s = failureSuggestions(mainClasses, {runs: main, groupBy: "fp8_format", associations: [failureAssociation(mainClasses, main, "fp8_format"), failureAssociation(mainClasses, main, "optimizer")]});
    const stall = s.find((x) => x.topic === "bit_stall")!;
    expect(stall.hypothesis).toMatch(/^Hypothesis: /);
    expect(stall.hypothesis).toMatch(/more mantissa bits .*, manifold-aware .* may help/);
    expect(stall.numbers).toMatchObject({runs: 39, of: 48, minStep: 110, maxStep: 490});
    expect(stall.evidence[0]).toBe("39 of 48 runs classified bit_stall, collapse steps 110–490 (median 400)");
    expect(stall.evidence.some((e) => e.includes("e7m0 6/6") && e.includes("fp32 0/6") && e.includes("e3m4 3/6"))).toBe(true);
    expect(stall.caveat).toMatch(/untested/);
    // format is associated (chi-square p = 2.8e-6 < 0.05), optimizer is not (Fisher p = 0.46): one association hypothesis
    const assoc = s.filter((x) => x.topic === "association");
    expect(assoc).toHaveLength(1);
    expect(assoc[0].hypothesis).toMatch(/failure may depend on fp8_format; runs with fp8_format = fp32 failed least/);
    expect(assoc[0].evidence[1]).toMatch(/Pearson chi-square test \(df 7\): p = 2\.833e-6/);
    // across all lrs, lr is associated with failure, but the lr-sweep arm has 4 formats and lr 3e-3 has 8: flagged as confounded
    const all = failureSuggestions(classes, {runs: sample.runs, groupBy: "fp8_format", associations: [failureAssociation(classes, sample.runs, "lr")]});
    const lr = all.find((x) => x.topic === "association")!;
    expect(lr.hypothesis).toMatch(/failure may depend on lr; runs with lr = 0.1 failed least/);
    expect(lr.caveat).toBe("An association across runs, not a controlled effect: the values of lr cover different fp8_format values (0.003: 8, 0.03: 4, 0.1: 4), so this comparison is confounded with fp8_format.");
    expect(assoc[0].caveat).toMatch(/unless fp8_format was the only factor varied/);
    for (const x of s) {
      expect(x.hypothesis).toMatch(/may/);
      expect(x.hypothesis).not.toMatch(/\b(will|causes|proves)\b/);
    }
  });

  it("gives overflow, nan and early-stop hypotheses for synthetic runs, and nothing for healthy runs", () => {
    const rows: HistoryRow[] = [];
    for (let s = 0; s <= 200; s += 5) {
      rows.push({run_id: "o", step: s, metric: "quantization/overflow_rate", value: s >= 50 ? 0.4 : 0});
      rows.push({run_id: "n", step: s, metric: "loss", value: s === 30 ? NaN : 2});
      rows.push({run_id: "ok", step: s, metric: "loss", value: 2});
    }
    for (let s = 0; s <= 450; s += 50) rows.push({run_id: "e", step: s, metric: "val_loss", value: s <= 250 ? 3 - s / 1000 : 2.75});
    const runs: RunRow[] = [{run_id: "o", state: "failed"}, {run_id: "n", state: "crashed"}, {run_id: "ok", state: "finished"}, {run_id: "e", state: "finished"}];
    const s = failureSuggestions(classifyFailures(runs, rows));
    expect(s.map((x) => x.topic)).toEqual(["nan_loss", "overflow", "early_stop"]);
    expect(s[2].evidence[1]).toBe("e: no improvement at evaluations 300 (2.75), 350 (2.75), 400 (2.75), 450 (2.75)");
    expect(s[2].hypothesis).toMatch(/may have converged, or a lower learning rate/);
    expect(s[1].hypothesis).toMatch(/more exponent bits .* gradient clipping .* may help/);
    expect(s[1].evidence[1]).toMatch(/values ranged 0\.4–0\.4/);
    expect(s[1].caveat).toMatch(/so few runs/);
    expect(s[0].evidence[1]).toBe("n: loss = NaN at step 30");
    expect(failureSuggestions([])).toEqual([]);
  });
});
