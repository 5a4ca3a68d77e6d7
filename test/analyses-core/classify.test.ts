import {beforeAll, describe, expect, it} from "vitest";
import {
  classifyFailure,
  classifyFailures,
  parseFailureReport,
  type FailureClassification
} from "../../analyses/src/failures/index.js";
import type {HistoryRow, RunRow} from "../../analyses/src/compare/index.js";
import {loadSample, readmeRuns, type SampleData} from "./sample.js";

let sample: SampleData;
let classes: FailureClassification[];
let byId: Map<string, FailureClassification>;

beforeAll(async () => {
  sample = await loadSample();
  classes = classifyFailures(sample.runs, sample.history, {reports: sample.reports});
  byId = new Map(classes.map((c) => [c.run_id, c]));
});

describe("classifyFailures on the sample (README: 51 failed/bit_stall, 29 finished)", () => {
  it("gives every run the README's mode and collapse step, and summary, report and history agree", () => {
    const table = readmeRuns();
    expect(table).toHaveLength(80);
    expect(classes).toHaveLength(80);
    const counts: Record<string, number> = {};
    for (const row of table) {
      const c = byId.get(row.runId)!;
      expect(c, row.name).toBeDefined();
      counts[c.mode] = (counts[c.mode] ?? 0) + 1;
      if (row.reason === "bit_stall") {
        expect(c.mode, row.name).toBe("bit_stall");
        expect(c.collapseStep, row.name).toBe(row.failureStep);
        expect(c.collapseStepSource).toBe("summary");
        // the history rule replayed independently of the summary meets at the same step
        expect(c.historyMode).toBe("bit_stall");
        expect(c.rules.find((r) => r.rule === "bit_stall")!.step, row.name).toBe(row.failureStep);
        expect(c.reported.map((r) => r.source)).toEqual(["summary", "report"]);
      } else {
        expect(row.reason).toBe("");
        expect(c.mode, row.name).toBe("none");
        expect(c.collapseStep).toBeNull();
        expect(c.historyMode).toBeNull();
      }
      expect(c.lastStep, row.name).toBe(row.lastStep);
      expect(c.disagreements, row.name).toEqual([]);
      expect(c.consistent).toBe(true);
    }
    expect(counts).toEqual({bit_stall: 51, none: 29});
  });

  it("reports near misses: no finished run reaches 20 consecutive stall steps; the longest streak is 18 (e4m3-adamw-lr3e-2)", () => {
    // reference.py "failure rule replay": longest bit_stall streak among finished runs (max) = 18,
    // runs ['e4m3-adamw-lr3e-2-s1', 'e4m3-adamw-lr3e-2-s0']
    const finished = classes.filter((c) => c.mode === "none");
    const streaks = finished.map((c) => ({name: c.name, len: c.rules.find((r) => r.rule === "bit_stall")!.longestStreak!.length}));
    const max = Math.max(...streaks.map((s) => s.len));
    expect(max).toBe(18);
    expect(streaks.filter((s) => s.len === 18).map((s) => s.name).sort()).toEqual(["e4m3-adamw-lr3e-2-s0", "e4m3-adamw-lr3e-2-s1"]);
  });

  it("finds no NaN loss, no overflow streak and at most 2 non-improving evaluations after step 200 (README)", () => {
    for (const c of classes) {
      expect(c.rules.find((r) => r.rule === "nan_loss")!.status).toBe("not_triggered");
      const overflow = c.rules.find((r) => r.rule === "overflow")!;
      expect(overflow.status).toBe("not_triggered");
      expect(overflow.longestStreak!.length).toBe(0); // never above 0.2 (max logged 0.06043)
      expect(c.rules.find((r) => r.rule === "early_stop")!.longestPlateau!).toBeLessThanOrEqual(2);
    }
    expect(Math.max(...classes.map((c) => c.rules.find((r) => r.rule === "early_stop")!.longestPlateau!))).toBe(2);
    // README: largest overflow_rate logged 0.06043 (e3m4-manifold-lr1e-1-s1, step 5)
    const top = classes.map((c) => ({c, max: c.rules.find((r) => r.rule === "overflow")!.max!})).reduce((a, b) => (b.max.value > a.max.value ? b : a));
    expect(top.c.name).toBe("e3m4-manifold-lr1e-1-s1");
    expect(top.max.step).toBe(5);
    expect(top.max.value).toBeCloseTo(0.06043, 5);
  });

  it("cites the rule's values as evidence: e5m2-adamw-s0 stalls from step 230 to 325 (the failure report's last 10 rows are in it)", () => {
    const c = byId.get(sample.idOf("e5m2-adamw-s0"))!;
    const rule = c.rules.find((r) => r.rule === "bit_stall")!;
    expect(rule.values).toHaveLength(20);
    expect(rule.values[0].step).toBe(230);
    expect(rule.values[19].step).toBe(325);
    expect(rule.values.every((v) => v.value > 0.95)).toBe(true);
    const report = sample.reports[c.run_id];
    // failure_report.md: | 325 | 2.65267 | 1.08218 | 0.00109285 | 0.979495 | 0 | 0 |  |
    expect(report.lastSteps.at(-1)).toEqual({_step: 325, loss: 2.65267, grad_norm: 1.08218, lr: 0.00109285, "quantization/bit_stall_rate": 0.979495, "quantization/overflow_rate": 0, "quantization/underflow_rate": 0});
    expect(rule.values[19].value).toBeCloseTo(0.979495, 6);
    expect(c.evidence.some((e) => e.includes("bit_stall") && e.includes("steps 230–325") && e.includes("met at step 325"))).toBe(true);
    expect(c.evidence.some((e) => e.startsWith("summary: failure_reason bit_stall, failure_step 325"))).toBe(true);
  });
});

describe("parseFailureReport", () => {
  it("reads state, reason, collapse step, rule and the last-steps table of the sample's reports", () => {
    const r = sample.reports[sample.idOf("e7m0-manifold-s2")];
    expect(r.state).toBe("failed");
    expect(r.reason).toBe("bit_stall");
    expect(r.collapseStep).toBe(115);
    expect(r.rule).toBe("quantization/bit_stall_rate > 0.95 for 20 consecutive logged steps");
    expect(r.lastSteps).toHaveLength(10);
    expect(r.lastSteps[0]._step).toBe(70);
    expect(Object.keys(sample.reports)).toHaveLength(51);
  });

  it("is total on text that is not a report", () => {
    const r = parseFailureReport("hello");
    expect(r).toMatchObject({state: null, reason: null, collapseStep: null, rule: null, lastSteps: []});
    expect(r.problem).toMatch(/no state/);
    expect(parseFailureReport(undefined as unknown as string).problem).toBeDefined();
  });
});

// ---------------------------------------------------------------- synthetic runs for the edge cases
const KEYS = {loss: "loss", val: "val_loss", stall: "quantization/bit_stall_rate", over: "quantization/overflow_rate"};

/** History rows every 5 steps 0..last: loss, bit stall and overflow from functions; val_loss every 50 steps. */
function synth(runId: string, last: number, f: {loss?: (s: number) => number; stall?: (s: number) => number; over?: (s: number) => number; val?: (s: number) => number}): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (let s = 0; s <= last; s += 5) {
    rows.push({run_id: runId, step: BigInt(s), metric: KEYS.loss, value: f.loss ? f.loss(s) : 3 - s / 1000});
    rows.push({run_id: runId, step: s, metric: KEYS.stall, value: f.stall ? f.stall(s) : 0.5});
    rows.push({run_id: runId, step: s, metric: KEYS.over, value: f.over ? f.over(s) : 0});
    if (s % 50 === 0 || s === last) rows.push({run_id: runId, step: s, metric: KEYS.val, value: f.val ? f.val(s) : 3 - s / 1000});
  }
  return rows;
}

const run = (run_id: string, state: string, summary: Record<string, unknown> = {}): RunRow => ({run_id, name: run_id, state, config: {}, summary});

describe("classifyFailure: synthetic edge cases", () => {
  it("NaN training loss → nan_loss at the offending step (history alone, summary silent → disagreement noted)", () => {
    const h = synth("a", 100, {loss: (s) => (s >= 60 ? NaN : 2)});
    const c = classifyFailure(run("a", "crashed"), h);
    expect(c.mode).toBe("nan_loss");
    expect(c.collapseStep).toBe(60);
    expect(c.collapseStepSource).toBe("history");
    expect(c.rules[0].values[0]).toEqual({step: 60, value: NaN, metric: "loss"});
    expect(c.disagreements.join()).toMatch(/no failure_reason is reported/);
    expect(c.consistent).toBe(false);
  });

  it("+Infinity val_loss → nan_loss; summary nan_loss at the same step agrees", () => {
    const h = synth("b", 100, {val: (s) => (s === 100 ? Infinity : 2)});
    const c = classifyFailure(run("b", "crashed", {failure_reason: "nan_loss", failure_step: 100n}), h);
    expect(c.mode).toBe("nan_loss");
    expect(c.collapseStep).toBe(100);
    expect(c.collapseStepSource).toBe("summary");
    expect(c.rules[0].values[0].metric).toBe("val_loss");
    expect(c.disagreements).toEqual([]);
  });

  it("overflow: overflow_rate > 0.2 for 20 consecutive logged steps → overflow at the 20th", () => {
    const h = synth("c", 300, {over: (s) => (s >= 100 ? 0.3 : 0.01)});
    const c = classifyFailure(run("c", "failed", {failure_reason: "overflow", failure_step: 195}), h);
    expect(c.mode).toBe("overflow");
    expect(c.collapseStep).toBe(195); // steps 100, 105, ..., 195 are the 20
    expect(c.rules.find((r) => r.rule === "overflow")!.step).toBe(195);
    // the synthetic history continues past the failure step: noted, not hidden
    expect(c.disagreements).toEqual(["summary failure step 195 ≠ last logged step 300"]);
  });

  it("the thresholds are strict: 20 steps at exactly 0.95 stall / 0.2 overflow do not trigger", () => {
    const h = synth("eq", 300, {stall: () => 0.95, over: () => 0.2});
    const c = classifyFailure(run("eq", "finished"), h);
    expect(c.mode).toBe("none");
    expect(c.rules[1].longestStreak!.length).toBe(0);
    expect(c.rules[2].longestStreak!.length).toBe(0);
    expect(classifyFailure(run("eq", "finished"), h, {rules: {overflow: {threshold: 0.19}}}).mode).toBe("overflow");
  });

  it("19 consecutive steps over the threshold do not trigger; a custom threshold/K does", () => {
    const h = synth("d", 300, {stall: (s) => (s >= 100 && s < 195 ? 0.99 : 0.5)});
    expect(classifyFailure(run("d", "finished"), h).mode).toBe("none");
    expect(classifyFailure(run("d", "finished"), h).rules[1].longestStreak).toEqual({length: 19, from: 100, to: 190});
    const c = classifyFailure(run("d", "finished"), h, {rules: {bitStall: {consecutive: 10}}});
    expect(c.mode).toBe("bit_stall");
    expect(c.collapseStep).toBe(145);
  });

  it("early stop: val_loss not improving for 4 evaluations after step 200 → early_stop at the 4th", () => {
    // improving until 250, then flat: evaluations 300, 350, 400, 450 do not improve
    const h = synth("e", 450, {val: (s) => (s <= 250 ? 3 - s / 1000 : 2.75)});
    const c = classifyFailure(run("e", "finished", {failure_reason: "early_stop", failure_step: 450}), h);
    expect(c.mode).toBe("early_stop");
    expect(c.collapseStep).toBe(450);
    expect(c.rules[3].values.map((v) => v.step)).toEqual([300, 350, 400, 450]);
    expect(c.disagreements).toEqual([]);
    // non-improving evaluations at or before step 200 do not count
    const early = synth("e2", 450, {val: (s) => (s === 0 ? 1 : 2)});
    expect(classifyFailure(run("e2", "finished"), early).rules[3].step).toBe(400); // 250, 300, 350, 400
  });

  it("NaN loss and a bit-stall streak in the same run → nan_loss wins (precedence), both cited", () => {
    const h = synth("f", 300, {stall: () => 0.99, loss: (s) => (s >= 250 ? NaN : 2)});
    const c = classifyFailure(run("f", "failed", {failure_reason: "bit_stall", failure_step: 95}), h);
    expect(c.mode).toBe("nan_loss");
    expect(c.collapseStep).toBe(250);
    expect(c.rules.filter((r) => r.status === "triggered").map((r) => r.rule)).toEqual(["nan_loss", "bit_stall"]);
    expect(c.evidence.some((e) => e.startsWith("bit_stall:") && e.includes("met at step 95"))).toBe(true);
  });

  it("evidence and a met rule's values are written when first read, and are part of the JSON like any field", () => {
    const c = classes.find((x) => x.name === "e5m2-adamw-s0")!;
    const json = JSON.parse(JSON.stringify(c));
    expect(Object.keys(json)).toEqual(["run_id", "name", "state", "mode", "collapseStep", "collapseStepSource", "lastStep", "historyMode", "rules", "reported", "consistent", "disagreements", "evidence"]);
    expect(json.evidence).toEqual(c.evidence);
    const stall = c.rules.find((r) => r.rule === "bit_stall")!;
    // The same key order as a rule that was not met.
    expect(Object.keys(json.rules[1])).toEqual(["rule", "status", "step", "description", "values", "longestStreak", "max", "rowsChecked"]);
    expect(Object.keys(json.rules[2])).toEqual(Object.keys(json.rules[1]));
    expect(json.rules[2].status).toBe("not_triggered");
    expect(json.rules[1].values).toEqual(stall.values);
    expect(stall.values.length).toBe(20);
    expect(stall.values.at(-1)).toEqual({step: 325, value: expect.any(Number)});
    // Read twice: the same array (written once); assignable like a plain field.
    expect(c.evidence).toBe(c.evidence);
    const copy = classifyFailures([sample.byName.get("e5m2-adamw-s0")!], sample.history)[0];
    copy.evidence = ["replaced"];
    expect(copy.evidence).toEqual(["replaced"]);
  });

  it("summary and history disagree → said so in the evidence", () => {
    const h = synth("g", 300, {});
    const c = classifyFailure(run("g", "failed", {failure_reason: "bit_stall", failure_step: 300}), h);
    expect(c.mode).toBe("bit_stall"); // reported mode kept…
    expect(c.collapseStep).toBe(300);
    expect(c.consistent).toBe(false); // …but flagged
    expect(c.disagreements[0]).toMatch(/summary says bit_stall at step 300, but the history does not meet the rule/);
    expect(c.evidence.some((e) => e.startsWith("disagreement:"))).toBe(true);
    // summary and report differ
    const r = parseFailureReport("- state: `failed`\n- failure_reason: `overflow`\n- collapse_step: 250\n");
    const c2 = classifyFailure(run("g", "failed", {failure_reason: "bit_stall", failure_step: 300}), h, {report: r});
    expect(c2.mode).toBe("bit_stall");
    expect(c2.disagreements.some((d) => /summary \(bit_stall at 300\) and failure report \(overflow at 250\) differ/.test(d))).toBe(true);
  });

  it("crashed/failed state without other evidence → crashed; unknown reason → other; no history → rules not evaluated", () => {
    const c = classifyFailure(run("h", "crashed"), synth("h", 40, {}));
    expect(c.mode).toBe("crashed");
    expect(c.collapseStep).toBe(40);
    const o = classifyFailure(run("i", "failed", {failure_reason: "oom", failure_step: 7}), []);
    expect(o.mode).toBe("other");
    expect(o.collapseStep).toBe(7);
    expect(o.rules.every((r) => r.status === "not_evaluated")).toBe(true);
    expect(o.evidence).toContain("no history rows for this run: history rules not evaluated");
    const none = classifyFailure({run_id: "j"}, []);
    expect(none).toMatchObject({mode: "none", collapseStep: null, state: null, lastStep: null});
  });

  it("missing metrics, null values and rows of other runs are handled, not thrown on", () => {
    const h: HistoryRow[] = [
      {run_id: "k", step: 0, metric: "loss", value: null},
      {run_id: "k", step: 5, metric: "loss", value: 2},
      {run_id: "other", step: 5, metric: "loss", value: NaN}
    ];
    const c = classifyFailure(run("k", "finished"), h);
    expect(c.mode).toBe("none");
    expect(c.rules.find((r) => r.rule === "bit_stall")).toMatchObject({status: "not_evaluated", reason: "quantization/bit_stall_rate not logged"});
    expect(c.rules[0].rowsChecked).toBe(1);
    expect(() => classifyFailures([run("x", "failed", {failure_step: "not a number"})], [null as unknown as HistoryRow])).not.toThrow();
  });
});
