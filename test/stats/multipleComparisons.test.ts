import {describe, expect, it} from "vitest";
import {benjaminiHochberg, holm} from "../../analyses/src/stats/index.js";
import {expectAllClose} from "./close.js";

const P1 = [0.01, 0.04, 0.03, 0.005, 0.2, 0.8, 0.04, 0.6];
const P2 = [0.5, 0.5, 0.5, 0.001];
const P3 = [0.0, 1.0, 0.3, 0.02, 0.02, 0.7];
const P4 = [0.049];

describe("holm", () => {
  // statsmodels.stats.multitest.multipletests(p, method="holm")[1]
  it.each([
    ["P1", P1, [0.07, 0.2, 0.18, 0.04, 0.6000000000000001, 1.0, 0.2, 1.0]],
    ["P2 (ties)", P2, [1.0, 1.0, 1.0, 0.004]],
    ["P3 (0, 1, ties)", P3, [0.0, 1.0, 0.8999999999999999, 0.1, 0.1, 1.0]],
    ["P4 (m = 1)", P4, [0.049]]
  ])("%s matches statsmodels multipletests 'holm'", (_, p, expected) => {
    expectAllClose(holm(p as number[]), expected as number[], 1e-14);
  });
});

describe("benjaminiHochberg", () => {
  // statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]
  it.each([
    ["P1", P1, [0.04, 0.064, 0.064, 0.04, 0.26666666666666666, 0.8, 0.064, 0.6857142857142857]],
    ["P2 (ties)", P2, [0.5, 0.5, 0.5, 0.004]],
    ["P3 (0, 1, ties)", P3, [0.0, 1.0, 0.45, 0.04, 0.04, 0.8399999999999999]],
    ["P4 (m = 1)", P4, [0.049]]
  ])("%s matches statsmodels multipletests 'fdr_bh'", (_, p, expected) => {
    expectAllClose(benjaminiHochberg(p as number[]), expected as number[], 1e-14);
  });
});

describe("NaN handling and input safety", () => {
  const PN = [0.01, NaN, 0.04, 0.03, NaN, 0.2];
  it("passes NaN through and excludes it from m", () => {
    // multipletests([0.01, 0.04, 0.03, 0.2], method="holm")[1]  -> [0.04, 0.09, 0.09, 0.2]
    expectAllClose(holm(PN), [0.04, NaN, 0.09, 0.09, NaN, 0.2], 1e-14);
    // multipletests([0.01, 0.04, 0.03, 0.2], method="fdr_bh")[1] -> [0.04, 0.05333333333333334, 0.05333333333333334, 0.2]
    expectAllClose(benjaminiHochberg(PN), [0.04, NaN, 0.05333333333333334, 0.05333333333333334, NaN, 0.2], 1e-14);
  });
  it("treats out-of-range values as invalid (NaN) and handles empty / all-NaN input", () => {
    expectAllClose(holm([0.02, -0.1, 1.5, 0.03]), [0.04, NaN, NaN, 0.04], 1e-14);
    expect(holm([])).toEqual([]);
    expect(benjaminiHochberg([NaN, NaN])).toEqual([NaN, NaN]);
  });
  it("does not mutate its input", () => {
    const p = [0.04, 0.01, 0.03];
    holm(p);
    benjaminiHochberg(p);
    expect(p).toEqual([0.04, 0.01, 0.03]);
  });
});
