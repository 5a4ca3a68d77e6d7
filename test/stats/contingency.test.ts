import {describe, expect, it} from "vitest";
import {chiSquareContingency, fisherExact, type Alternative} from "../../analyses/src/stats/index.js";
import {chiSquareSf} from "../../analyses/src/stats/_chiSquareSf.js";
import {expectAllClose, expectClose} from "./close.js";

// [table, alternative, odds ratio, p]: r = st.fisher_exact(table, alternative=alt); (r[0], r[1])
const FISHER: [number[][], Alternative, number, number][] = [
  [[[8, 2], [1, 5]], "two-sided", 20.0, 0.034965034965034975],
  [[[8, 2], [1, 5]], "less", 20.0, 0.9991258741258742],
  [[[8, 2], [1, 5]], "greater", 20.0, 0.024475524475524483],
  [[[3, 1], [1, 3]], "two-sided", 9.0, 0.48571428571428565],
  [[[3, 1], [1, 3]], "less", 9.0, 0.9857142857142858],
  [[[3, 1], [1, 3]], "greater", 9.0, 0.24285714285714283],
  [[[10, 0], [0, 10]], "two-sided", Infinity, 1.082508822446903e-05],
  [[[10, 0], [0, 10]], "less", Infinity, 1.0],
  [[[10, 0], [0, 10]], "greater", Infinity, 5.412544112234515e-06],
  [[[0, 5], [5, 0]], "two-sided", 0.0, 0.007936507936507938],
  [[[0, 5], [5, 0]], "less", 0.0, 0.003968253968253969],
  [[[0, 5], [5, 0]], "greater", 0.0, 1.0],
  [[[1, 9], [11, 3]], "two-sided", 0.030303030303030304, 0.0027594561852200836],
  [[[1, 9], [11, 3]], "less", 0.030303030303030304, 0.0013797280926100418],
  [[[1, 9], [11, 3]], "greater", 0.030303030303030304, 0.9999663480953022],
  [[[20, 15], [5, 30]], "two-sided", 8.0, 0.00036743402761995746],
  [[[20, 15], [5, 30]], "less", 8.0, 0.9999796078301716],
  [[[20, 15], [5, 30]], "greater", 8.0, 0.0001837170138099787],
  [[[100, 200], [150, 120]], "two-sided", 0.4, 9.654218494855555e-08],
  [[[100, 200], [150, 120]], "less", 0.4, 6.774818945025899e-08],
  [[[100, 200], [150, 120]], "greater", 0.4, 0.9999999736951672],
  [[[2, 7], [8, 2]], "two-sided", 0.07142857142857142, 0.02301413756522116],
  [[[2, 7], [8, 2]], "less", 0.07142857142857142, 0.01852172595206651],
  [[[2, 7], [8, 2]], "greater", 0.07142857142857142, 0.9990149169715733],
  [[[5, 0], [1, 4]], "two-sided", Infinity, 0.047619047619047616],
  [[[5, 0], [1, 4]], "less", Infinity, 1.0],
  [[[5, 0], [1, 4]], "greater", Infinity, 0.02380952380952381],
  [[[0, 3], [4, 2]], "two-sided", 0.0, 0.16666666666666669],
  [[[0, 3], [4, 2]], "less", 0.0, 0.11904761904761905],
  [[[0, 3], [4, 2]], "greater", 0.0, 1.0],
  [[[12, 5], [7, 9]], "two-sided", 3.085714285714286, 0.16632006577356484],
  [[[12, 5], [7, 9]], "less", 3.085714285714286, 0.9727818886255797],
  [[[12, 5], [7, 9]], "greater", 3.085714285714286, 0.11367380825716177],
  [[[1, 1], [1, 1]], "two-sided", 1.0, 1.0],
  [[[1, 1], [1, 1]], "less", 1.0, 0.8333333333333334],
  [[[1, 1], [1, 1]], "greater", 1.0, 0.8333333333333334],
  [[[0, 0], [5, 5]], "two-sided", NaN, 1.0],
  [[[0, 0], [5, 5]], "less", NaN, 1.0],
  [[[0, 0], [5, 5]], "greater", NaN, 1.0],
  [[[400, 600], [550, 450]], "two-sided", 0.5454545454545454, 2.322757103696987e-11],
  [[[400, 600], [550, 450]], "less", 0.5454545454545454, 1.1613785518484934e-11],
  [[[400, 600], [550, 450]], "greater", 0.5454545454545454, 0.9999999999937459],
];

describe("fisherExact", () => {
  it.each(FISHER)("%j %s matches scipy.stats.fisher_exact", (table, alternative, oddsRatio, p) => {
    const r = fisherExact(table, {alternative});
    expectClose(r.oddsRatio, oddsRatio, 1e-15);
    expectClose(r.pValue, p, 1e-12);
  });

  it("defaults to two-sided; zero margins give p = 1 with a reason", () => {
    expect(fisherExact([[8, 2], [1, 5]]).alternative).toBe("two-sided");
    expect(fisherExact([[0, 0], [5, 5]]).reason).toBe("a row or column sums to zero");
    expect(fisherExact([[0, 0], [0, 0]])).toMatchObject({pValue: 1, oddsRatio: NaN});
  });

  it("is total for malformed tables", () => {
    for (const t of [[[1, 2, 3], [4, 5, 6]], [[1, 2]], [], [[1, -1], [2, 3]], [[1.5, 1], [2, 3]], [[NaN, 1], [2, 3]]]) {
      const r = fisherExact(t);
      expect(r.pValue).toBeNaN();
      expect(r.reason).toBeTypeOf("string");
    }
  });
});

// [table, correction, chi2, p, dof]: r = st.chi2_contingency(table, correction=c); (r[0], r[1], r[2])
const CHI2: [number[][], boolean, number, number, number][] = [
  [[[8, 2], [1, 5]], true, 3.8095238095238093, 0.050961936967763424, 1],
  [[[8, 2], [1, 5]], false, 6.112169312169312, 0.013425424881491248, 1],
  [[[20, 15], [5, 30]], true, 12.195555555555554, 0.0004790350762888328, 1],
  [[[10, 10], [10, 10]], true, 0.0, 1.0, 1],
  [[[10, 10], [10, 10.2]], true, 0.0, 1.0, 1],
  [[[12, 5, 7], [3, 9, 14]], true, 8.810286935286934, 0.012214353924559529, 2],
  [[[5, 9, 2], [8, 1, 7], [4, 6, 10]], true, 12.718014705882354, 0.012739061466255799, 4],
  [[[30, 2, 1, 4], [1, 25, 3, 2], [2, 3, 28, 1]], true, 126.58503889310342, 6.726730157536764e-25, 6],
  [[[500, 20], [30, 480]], true, 836.3645027142207, 6.698543001045257e-184, 1],
  [[[500, 20], [30, 480]], false, 839.9745411081703, 1.0993536574563866e-184, 1],
  [[[3, 4, 5]], true, 0.0, 1.0, 0],
  [[[1.5, 2.5], [3.5, 0.5]], true, 0.5333333333333333, 0.4652088184521417, 1]
];

describe("chiSquareContingency", () => {
  it.each(CHI2)("%j correction=%s matches scipy.stats.chi2_contingency", (table, correction, chi2, p, dof) => {
    const r = chiSquareContingency(table, {correction});
    expectClose(r.statistic, chi2, 1e-13, 1e-15);
    expectClose(r.pValue, p, 1e-12);
    expect(r.df).toBe(dof);
    expect(r.corrected).toBe(correction && dof === 1);
    expect(r.reason).toBeUndefined();
  });

  it("returns the expected counts", () => {
    // st.chi2_contingency([[12, 5, 7], [3, 9, 14]])[3]
    const {expected} = chiSquareContingency([[12, 5, 7], [3, 9, 14]]);
    expectAllClose(expected.flat(), [7.2, 6.72, 10.08, 7.8, 7.28, 10.92], 1e-14);
  });

  it("defaults to Yates' correction for 2×2", () => {
    expectClose(chiSquareContingency([[8, 2], [1, 5]]).statistic, 3.8095238095238093, 1e-13);
  });

  it("is total where scipy raises: zero margins, empty, ragged, negative", () => {
    const z = chiSquareContingency([[0, 0], [3, 4]]);
    expect(z.pValue).toBeNaN();
    expect(z.reason).toMatch(/sums to zero/);
    expect(z.df).toBe(1);
    expect(chiSquareContingency([]).reason).toBe("empty table");
    expect(chiSquareContingency([[]]).reason).toBe("empty table");
    expect(chiSquareContingency([[1, 2], [3]]).reason).toBe("ragged table");
    expect(chiSquareContingency([[1, -2], [3, 4]]).reason).toMatch(/non-negative/);
    expect(chiSquareContingency([[1, NaN], [3, 4]]).reason).toMatch(/non-negative/);
  });
});

describe("chi-square upper tail (internal)", () => {
  // st.chi2.sf(x, k)
  const SF: [number, number, number][] = [
    [0.5, 1, 0.47950012218695337], [3.84, 1, 0.05004352124870519], [10, 2, 0.006737946999085468],
    [7.5, 3, 0.0575584519726364], [30, 4, 4.894437128029217e-6], [12.3, 5, 0.03090046463546092],
    [100, 10, 5.4497019829205215e-17], [500, 3, 4.771672031912771e-108], [2000, 7, 0.0],
    [150, 150, 0.484643600960357], [1e-8, 1, 0.9999202115440526], [60, 1, 9.485737571073857e-15],
    [900, 2, 3.6938830684871615e-196]
  ];
  it.each(SF)("chi2.sf(%d, %d)", (x, k, expected) => {
    expectClose(chiSquareSf(x, k), expected, 1e-12);
  });
  it("edge cases", () => {
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(chiSquareSf(Infinity, 3)).toBe(0);
    expect(chiSquareSf(NaN, 3)).toBeNaN();
    expect(chiSquareSf(1, 0)).toBeNaN();
    expect(chiSquareSf(1, 1.5)).toBeNaN();
  });
});
