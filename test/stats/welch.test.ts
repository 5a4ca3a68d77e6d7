import {describe, expect, it} from "vitest";
import {welchTTest, type Alternative} from "../../analyses/src/stats/index.js";
import {expectClose} from "./close.js";

const A_X = [1.2, 3.4, 2.2, 5.1, 4.4, 3.3, 2.9, 6.0];
const A_Y = [0.5, 1.1, 2.0, 1.9, 0.7, 2.5];
const B_X = [1, 2, 2, 3, 3, 3, 4, 5];
const B_Y = [2, 3, 3, 4, 4, 5, 6, 6, 7];
const C_X = [10.31, 9.87, 11.42, 10.05, 12.11, 9.45, 10.88, 11.03, 10.67, 9.92, 11.58, 10.24];
const C_Y = [9.12, 10.44, 8.97, 9.63, 10.01, 9.28, 8.54, 9.86, 10.73, 9.41, 9.05, 9.77, 8.81, 10.19, 9.58];
const D_X = [0.8, 1.9, 2.7];
const D_Y = [3.1, 4.0, 5.2, 6.3];
const DATA: Record<string, [number[], number[]]> = {A: [A_X, A_Y], B: [B_X, B_Y], C: [C_X, C_Y], D: [D_X, D_Y]};

// [name, alternative, t, p]: r = st.ttest_ind(x, y, equal_var=False, alternative=alt); (r.statistic, r.pvalue)
const CASES: [string, Alternative, number, number][] = [
  ["A", "two-sided", 3.3004107630815867, 0.007157405301672442],
  ["A", "less", 3.3004107630815867, 0.9964212973491638],
  ["A", "greater", 3.3004107630815867, 0.003578702650836221],
  ["B", "two-sided", -2.213256393563299, 0.04323236909746501],
  ["B", "less", -2.213256393563299, 0.021616184548732504],
  ["B", "greater", -2.213256393563299, 0.9783838154512675],
  ["C", "two-sided", 3.806838046713729, 0.0010698362486048026],
  ["C", "less", 3.806838046713729, 0.9994650818756976],
  ["C", "greater", 3.806838046713729, 0.0005349181243024013],
  ["D", "two-sided", -3.204810662176539, 0.02390453564529137],
  ["D", "less", -3.204810662176539, 0.011952267822645685],
  ["D", "greater", -3.204810662176539, 0.9880477321773543]
];
// Welch–Satterthwaite df in numpy: v1, v2 = np.var(x, ddof=1)/n1, np.var(y, ddof=1)/n2;
// (v1 + v2)**2 / (v1**2/(n1-1) + v2**2/(n2-1))
const DF: Record<string, number> = {A: 10.898731979303674, B: 14.619671355467863, C: 20.45014302180255, D: 4.994376757263355};

describe("welchTTest", () => {
  it.each(CASES)("data %s, %s: t and p match scipy.stats.ttest_ind(equal_var=False)", (name, alternative, t, p) => {
    const [x, y] = DATA[name];
    const r = welchTTest(x, y, {alternative});
    expectClose(r.statistic, t, 1e-12);
    expectClose(r.pValue, p, 1e-12);
    expectClose(r.df, DF[name], 1e-12);
    expect(r.alternative).toBe(alternative);
    expect(r.reason).toBeUndefined();
  });

  it("defaults to two-sided and reports n, mean difference and standard error", () => {
    const r = welchTTest(A_X, A_Y);
    expect(r.alternative).toBe("two-sided");
    expect([r.n1, r.n2]).toEqual([8, 6]);
    expectClose(r.meanDifference, 3.5625 - 1.45, 1e-14);
    expectClose(r.statistic * r.standardError, r.meanDifference, 1e-14);
  });

  it("keeps precision in the far tail (no 1 − cdf cancellation)", () => {
    const x = [10.0, 10.1, 10.2, 10.3, 10.4];
    const y = [0.0, 0.1, 0.2, 0.3, 0.4];
    // st.ttest_ind(x, y, equal_var=False, alternative="greater") -> (99.99999999999991, 5.583901524127995e-14)
    const g = welchTTest(x, y, {alternative: "greater"});
    expectClose(g.statistic, 99.99999999999991, 1e-12);
    expectClose(g.pValue, 5.583901524127995e-14, 1e-12);
    // alternative="two-sided" -> p = 1.116780304825599e-13; alternative="less" -> p = 0.9999999999999442
    expectClose(welchTTest(x, y).pValue, 1.116780304825599e-13, 1e-12);
    expectClose(welchTTest(x, y, {alternative: "less"}).pValue, 0.9999999999999442, 1e-14);
  });

  it("zero variance in both samples: ±Infinity/NaN like scipy, df NaN with a reason", () => {
    // st.ttest_ind([1,1,1], [2,2,2], equal_var=False) -> (-inf, 0.0); alternative="greater" -> (-inf, 1.0)
    const r = welchTTest([1, 1, 1], [2, 2, 2]);
    expect(r.statistic).toBe(-Infinity);
    expect(r.pValue).toBe(0);
    expect(r.df).toBeNaN();
    expect(r.reason).toBe("both samples have zero variance");
    expect(welchTTest([1, 1, 1], [2, 2, 2], {alternative: "greater"}).pValue).toBe(1);
    expect(welchTTest([1, 1, 1], [2, 2, 2], {alternative: "less"}).pValue).toBe(0);
    // st.ttest_ind([2,2,2], [2,2,2], equal_var=False) -> (nan, nan)
    const s = welchTTest([2, 2, 2], [2, 2, 2]);
    expect(s.statistic).toBeNaN();
    expect(s.pValue).toBeNaN();
  });

  it("one zero-variance sample is fine (df = n − 1 of the other)", () => {
    const r = welchTTest([5, 5, 5], [1, 2, 3, 4]);
    expectClose(r.df, 3, 1e-12);
    // t = (5 − 2.5) / sqrt(var([1,2,3,4])/4) = 2.5 / sqrt(1.6667/4)
    expectClose(r.statistic, 2.5 / Math.sqrt(5 / 3 / 4), 1e-12);
  });

  it("is total for n < 2, empty and non-finite input", () => {
    for (const [x, y] of [[[2], [2, 3, 4]], [[], [1, 2]], [[1, 2], [3]]]) {
      const r = welchTTest(x, y);
      expect(r.statistic).toBeNaN();
      expect(r.pValue).toBeNaN();
      expect(r.df).toBeNaN();
      expect(r.reason).toBe("n < 2 in a sample");
    }
    for (const bad of [NaN, Infinity]) {
      const r = welchTTest([1, 2, bad], [1, 2, 3]);
      expect(r.pValue).toBeNaN();
      expect(r.reason).toBe("non-finite input");
    }
  });
});
